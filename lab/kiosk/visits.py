"""Who stands at the tablet: a visitor of the tablet's site, known by their pass and PIN.

The visit itself (its cookie, its 90 seconds) is ``lab.kiosk.auth``'s; this decides whom it
may be opened for.
"""

from __future__ import annotations

from lab.accounts import services as accounts
from lab.accounts.queries import Visitor
from lab.attendance import services as attendance
from lab.core.errors import Forbidden
from lab.kiosk.devices import DevicePrincipal


async def identify(device: DevicePrincipal, code: str, pin: str) -> Visitor:
    """The visitor whose pass (scanned or typed) and PIN were given at the tablet. Wrong PINs
    count against the pass's holder, whatever the tablet.

    Errors: those of accounts' ``sign_in`` (unknown_pass, no_pin, wrong_pin, pin_locked), and
    forbidden (other_site: a visitor followed by another site, in the visitor's words)."""
    visitor = await accounts.sign_in(device, code, pin)
    if visitor.created_site != device.site_id:
        raise Forbidden(attendance.refusal_for_visitor("other_site"), code="other_site")
    return visitor
