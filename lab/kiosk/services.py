"""What a paired tablet does, as services other parts of lab may call.

Checking in at a tablet is attendance's ``check_in`` (one entry point for every surface):
the tablet's part is to say what it read, at its site, and to put a refusal in the visitor's
words. Pairing, sign-up and the tablet's other actions live in their named modules
(``devices``, ``signup``, ``appointments``).
"""

from __future__ import annotations

import datetime as dt

from lab.accounts import queries as accounts
from lab.attendance import services as attendance
from lab.attendance.services import CheckIn, ScanRefused
from lab.core import clock
from lab.kiosk.devices import DevicePrincipal
from lab.kiosk.tables import ScanReview
from lab.visits import services as visits

__all__ = [
    "CheckIn",
    "KioskScanRefused",
    "check_in_at_kiosk",
    "count_anonymous_visit",
    "forget_visitor",
]


class KioskScanRefused(ScanRefused):
    """A refused scan, worded for the visitor standing at the tablet."""


async def check_in_at_kiosk(
    device: DevicePrincipal,
    *,
    code: str,
    nonce: str,
    client_at: dt.datetime,
    sent_at: dt.datetime | None = None,
    session_id: int | None = None,
    offline: bool = False,
    visits: bool = False,
    purpose: str | None = None,
    leaving: bool = False,
) -> CheckIn:
    """Check in whoever ``code`` names at the tablet's site, as of ``client_at`` on the
    tablet's clock (``sent_at``: its clock when sending, to correct it). ``session_id``: the
    session the visitor chose after a ``choose`` answer. ``offline``: sent from the tablet's
    queue after the visitor left, so nobody is there to choose. ``visits``: the tablet shows
    the site's purposes, so a scan with nothing scheduled may open a drop-in visit (for
    ``purpose``, once chosen); ``leaving``: the visitor ends their visit.

    Errors: those of ``attendance.check_in``, as a KioskScanRefused in the visitor's words
    (with ``visitor_id``, the pass's holder, for their next appointment)."""
    method = "kiosk_scan" if accounts.token_from_scan(code) else "kiosk_code"
    scan = attendance.Scan(
        by=device,
        nonce=nonce,
        method=method,
        code=code,
        site_id=device.site_id,
        chosen_session_id=session_id,
        client_at=client_at,
        sent_at=sent_at,
        offline=offline,
        visits=visits,
        purpose=purpose,
        leaving=leaving,
    )
    try:
        return await attendance.check_in(scan)
    except ScanRefused as refused:
        raise KioskScanRefused(
            attendance.refusal_for_visitor(refused.code),
            code=refused.code,
            visitor_id=refused.visitor_id,
        ) from None


async def count_anonymous_visit(
    device: DevicePrincipal, *, purpose: str, nonce: str, age_band: str | None = None
) -> visits.Visit:
    """Count someone who comes without a card ("count me without a card"): a visit at the
    tablet's site for ``purpose``, with an optional age band, never a name. The same nonce
    again counts once.

    Errors: those of ``visits.open_visit`` (bad_nonce, unknown_purpose, bad_age_band,
    site_closed)."""
    return await visits.open_visit(
        device,
        site_id=device.site_id,
        purpose=purpose,
        nonce=nonce,
        at=clock.now(),
        age_band=age_band,
        device_id=device.device_id,
    )


async def forget_visitor(visitor_id: int) -> dict[str, int]:
    """The kiosk's part of erasing a person (call inside the erasure's transaction): the
    staff's notes on the person's refused offline scans are emptied (what was done stays)."""
    rows = await ScanReview.select(ScanReview.id).where(
        (ScanReview.scan_event.visitor == visitor_id) & (ScanReview.note != "")
    )
    ids = [row["id"] for row in rows]
    if ids:
        await ScanReview.update({ScanReview.note: ""}).where(ScanReview.id.is_in(ids))
    return {"scan_notes": len(ids)}
