"""What a visitor does in their own space: sign in with pass + PIN, cancel what is theirs.

The phone acts for one person only: every function takes the VisitorPrincipal and refuses
anything that is not theirs as if it did not exist (not_found), so nobody learns about other
people's enrolments or bookings by trying numbers.
"""

from __future__ import annotations

import dataclasses

from lab.accounts import services as accounts
from lab.accounts.forms import ConsentInput
from lab.accounts.queries import Visitor, active_pass, token_from_scan
from lab.accounts.services import sign_in as pass_and_pin_sign_in
from lab.bookings import queries as booking_queries
from lab.bookings import services as bookings
from lab.bookings.services import Booking
from lab.core import audit
from lab.core.audit import ANONYMOUS
from lab.core.errors import Invalid
from lab.core.i18n import _
from lab.me.auth import VisitorPrincipal
from lab.workshops import queries as workshop_queries
from lab.workshops import services as workshops
from lab.workshops.queries import Enrolment


@dataclasses.dataclass(frozen=True, slots=True)
class SignedIn:
    visitor: Visitor
    pass_id: int
    pass_token: str | None  # the token scanned, None when the short code was typed


async def sign_in(code: str, pin: str) -> SignedIn:
    """The visitor whose pass (scanned URL, token or short code) and PIN were given.

    Wrong PINs count against the pass's holder, whatever the phone (accounts.services.sign_in).
    Errors: unknown_pass, no_pin, wrong_pin (with the tries left), pin_locked (429).
    """
    if not (pin or "").strip():
        raise Invalid(
            _("Tapez votre code secret (4 chiffres)."),
            code="pin_missing",
            field_errors={"pin": _("Tapez votre code secret (4 chiffres).")},
        )
    # Before verifying, nobody is known: wrong tries are logged as anonymous, per visitor.
    visitor = await pass_and_pin_sign_in(ANONYMOUS, code, pin.strip())
    active = await active_pass(visitor.id)
    token = token_from_scan(code)
    principal = VisitorPrincipal(visitor.id, visitor.created_site, visitor.first_name, active.id)
    await audit.record(
        principal,
        "me.signed_in",
        f"visitor:{visitor.id}",
        site_id=visitor.created_site,
        by="qr" if token else "short_code",
    )
    return SignedIn(visitor, active.id, token)


async def signed_out(actor: VisitorPrincipal) -> None:
    await audit.record(actor, "me.signed_out", f"visitor:{actor.visitor_id}", site_id=actor.site_id)


async def own_enrolment(actor: VisitorPrincipal, enrolment_id: int) -> Enrolment:
    """One of the visitor's enrolments, through workshops' own access check (their site, and
    only their own things). Errors: not_found (missing or someone else's)."""
    return await workshop_queries.get_enrolment_for(actor, enrolment_id)


async def cancel_enrolment(actor: VisitorPrincipal, enrolment_id: int) -> Enrolment:
    """Cancel one of the visitor's enrolments (a series: every session of it). A freed seat
    goes to the first on the waitlist, in the same transaction (workshops.services).
    Errors: not_found (missing or someone else's), not_live (already cancelled)."""
    return await workshops.cancel_own_enrolment(actor, actor.visitor_id, enrolment_id)


async def own_booking(actor: VisitorPrincipal, booking_id: int) -> Booking:
    """One of the visitor's bookings, through bookings' own access check (their site, and only
    their own things). Errors: not_found (missing or someone else's)."""
    return await booking_queries.get_booking_for(actor, booking_id)


async def cancel_booking(actor: VisitorPrincipal, booking_id: int) -> Booking:
    """Cancel one of the visitor's bookings before it starts.
    Errors: not_found (missing or someone else's), not_cancellable."""
    return await bookings.cancel_own(actor, actor.visitor_id, booking_id)


async def give_consent(actor: VisitorPrincipal, data: ConsentInput) -> None:
    """Agree, on one's own phone, to one optional purpose in its current wording. Under the
    site's consent age it is refused (a guardian agrees at the desk).
    Errors: guardian_at_desk (403), partner_missing (422), already_given (409)."""
    await accounts.give_consent(actor, actor.visitor_id, data)


async def withdraw_consent(actor: VisitorPrincipal, consent_id: int) -> None:
    """Withdraw one of one's own consents, whatever one's age.
    Errors: not_found (missing or someone else's), already_withdrawn (409)."""
    await accounts.withdraw_consent(actor, actor.visitor_id, consent_id)
