"""Checking in at the desk by scanning the visitor's pass (the desk page's service).

The check-in itself (``check_in``, ``check_in_at``) is a step of the booking lifecycle in
``lab.bookings.services``; which booking a tablet's scan opens (``open_booking_at``) is a read
in ``lab.bookings.queries``.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts.queries import get_visitor_for, visitor_for_code
from lab.bookings.rules import checkin_window
from lab.bookings.services import check_in_at
from lab.bookings.tables import Booking, Resource
from lab.core import audit, clock
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Forbidden, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal


async def check_in_by_pass(actor: StaffPrincipal, site_id: int, code: str) -> Booking:
    """Scan a pass (URL, token or short code) at a site: check in the visitor's booking whose
    window is open now. Errors: other_site, unknown_pass, forbidden, no_booking_now."""
    if not actor.can_reach_site(site_id):
        raise Forbidden(_("Ce site ne fait pas partie des vôtres."), code="other_site")
    visitor, _token = await visitor_for_code(code)
    if visitor is None:
        await audit.record(
            actor,
            "booking.checkin_refused",
            f"site:{site_id}",
            site_id=site_id,
            reason="unknown_pass",
        )
        raise NotFound(_("Cette carte n'est pas valable."), code="unknown_pass")
    visitor = await get_visitor_for(actor, visitor.id)
    now = clock.now()
    async with write_transaction(Booking._meta.db):
        candidates = (
            await Booking.objects()
            .where(
                (Booking.visitor == visitor.id)
                & Booking.status.is_in(["confirmed", "checked_in"])
                & (Booking.starts_at <= now + dt.timedelta(hours=4))
                & (Booking.ends_at > now)
            )
            .order_by(Booking.starts_at)
        )
        for booking in candidates:
            resource = await Resource.objects().get(Resource.id == booking.resource)
            if resource.site != site_id:
                continue
            opens, closes = checkin_window(booking, resource)
            if opens <= now < closes or booking.status == "checked_in":
                await check_in_at(actor, booking, resource)
                return booking
    await audit.record(
        actor,
        "booking.checkin_refused",
        f"visitor:{visitor.id}",
        site_id=site_id,
        reason="no_booking_now",
    )
    raise Conflict(
        _("%(name)s n'a pas de réservation à pointer maintenant.", name=visitor.first_name),
        code="no_booking_now",
    )
