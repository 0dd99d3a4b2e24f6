"""Checking in a booking: at the desk by scanning the visitor's pass, or from its page.

A booking can be checked in from ``checkin_before_minutes`` before its start until it is
released (or until its end when the resource never releases). Checked-in bookings count
as used; released ones count as no-shows for the visitor.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts import passes
from lab.accounts.visitors import get_visitor_for
from lab.bookings.resources import get_resource_for
from lab.bookings.services import get_booking_for, record_change
from lab.bookings.tables import Booking, Resource
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Forbidden, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal


def checkin_window(booking: Booking, resource: Resource) -> tuple[dt.datetime, dt.datetime]:
    opens = booking.starts_at - dt.timedelta(minutes=resource.checkin_before_minutes)
    if resource.release_after_minutes is None:
        return opens, booking.ends_at
    return opens, min(
        booking.ends_at, booking.starts_at + dt.timedelta(minutes=resource.release_after_minutes)
    )


async def check_in(actor: StaffPrincipal, booking_id: int) -> Booking:
    """Mark the visitor arrived. Errors: not_confirmed, outside_window."""
    async with write_transaction(Booking._meta.db):
        booking = await get_booking_for(actor, booking_id)
        resource = await get_resource_for(actor, booking.resource)
        await _check_in(actor, booking, resource)
    return booking


async def _check_in(
    actor: Actor, booking: Booking, resource: Resource, at: dt.datetime | None = None
) -> None:
    """``at``: when the visitor arrived, if not now (a kiosk's offline scan sent later)."""
    if booking.status == "checked_in":
        return  # a second scan changes nothing
    if booking.status != "confirmed":
        raise Conflict(_("Cette réservation n'est pas confirmée."), code="not_confirmed")
    opens, closes = checkin_window(booking, resource)
    now = at or clock.now()
    if not opens <= now < closes:
        raise Conflict(
            _(
                "On peut pointer de %(before)s minutes avant le début jusqu'à la libération.",
                before=resource.checkin_before_minutes,
            ),
            code="outside_window",
        )
    booking.status = "checked_in"
    booking.checked_in_at = now
    await record_change(actor, booking, "booking.checked_in")


async def check_in_by_pass(actor: StaffPrincipal, site_id: int, code: str) -> Booking:
    """Scan a pass (URL, token or short code) at a site: check in the visitor's booking whose
    window is open now. Errors: unknown_pass, forbidden, no_booking_now."""
    if not actor.can_reach_site(site_id):
        raise Forbidden(_("Ce site ne fait pas partie des vôtres."), code="other_site")
    visitor, _token = await passes.visitor_for_code(code)
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
                await _check_in(actor, booking, resource)
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


async def open_booking_at(
    visitor_id: int, site_id: int, at: dt.datetime
) -> tuple[Booking, Resource] | None:
    """The visitor's confirmed (or already checked-in) booking at ``site_id`` whose check-in
    window holds ``at``, the one starting nearest to it; None if there is none."""
    candidates = await Booking.objects().where(
        (Booking.visitor == visitor_id)
        & Booking.status.is_in(["confirmed", "checked_in"])
        & (Booking.starts_at <= at + dt.timedelta(hours=4))
        & (Booking.ends_at > at)
    )
    found = []
    for booking in candidates:
        resource = await Resource.objects().get(Resource.id == booking.resource)
        opens, closes = checkin_window(booking, resource)
        if resource.site == site_id and opens <= at < closes:
            found.append((abs(booking.starts_at - at), booking.id, booking, resource))
    if not found:
        return None
    _distance, _id, booking, resource = min(found, key=lambda item: item[:2])
    return booking, resource


async def check_in_at(actor: Actor, booking: Booking, resource: Resource, at: dt.datetime) -> None:
    """Check ``booking`` in as of ``at``, inside the caller's write transaction (a kiosk's
    scan, journaled by the caller). Errors: not_confirmed, outside_window."""
    await _check_in(actor, booking, resource, at)


async def no_show_count(visitor_id: int) -> int:
    return await Booking.count().where(
        (Booking.visitor == visitor_id) & Booking.status.is_in(["released", "no_show"])
    )
