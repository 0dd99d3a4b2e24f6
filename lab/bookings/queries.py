"""Reads shared by the bookings services (no rules here)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.bookings.rules import HOLDING, Held, checkin_window
from lab.bookings.tables import Booking, Resource
from lab.core import clock


def as_held(row: dict) -> Held:
    return Held(row["starts_at"], row["ends_at"], row["blocked_until"], row["units"])


async def held_bookings(
    resource_id: int, start: dt.datetime, end: dt.datetime, *, excluding: int | None = None
) -> list[Held]:
    """Bookings of a resource that hold units at some point of [start, end)."""
    query = Booking.select(
        Booking.starts_at, Booking.ends_at, Booking.blocked_until, Booking.units
    ).where(
        (Booking.resource == resource_id)
        & Booking.status.is_in(list(HOLDING))
        & (Booking.starts_at < end)
        & (Booking.blocked_until > start)
    )
    if excluding is not None:
        query = query.where(Booking.id != excluding)
    return [as_held(row) for row in await query]


async def visitor_bookings(
    visitor_id: int,
    resource_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    excluding: int | None = None,
) -> list[Held]:
    """A visitor's holding bookings of one resource starting in [start, end): for quotas."""
    query = Booking.select(
        Booking.starts_at, Booking.ends_at, Booking.blocked_until, Booking.units
    ).where(
        (Booking.visitor == visitor_id)
        & (Booking.resource == resource_id)
        & Booking.status.is_in(list(HOLDING))
        & (Booking.starts_at >= start)
        & (Booking.starts_at < end)
    )
    if excluding is not None:
        query = query.where(Booking.id != excluding)
    return [as_held(row) for row in await query]


@dataclasses.dataclass(frozen=True, slots=True)
class NextBooking:
    booking_id: int
    title: str  # the resource's name
    starts_at: dt.datetime


async def next_booking_of(visitor_id: int, site_id: int, after: dt.datetime) -> NextBooking | None:
    """The visitor's first confirmed booking at ``site_id`` starting after ``after``. One still
    awaiting the team's approval is not an appointment yet: it is left out."""
    row = (
        await Booking.select(Booking.id, Booking.starts_at, Booking.resource.name.as_alias("title"))
        .where(
            (Booking.visitor == visitor_id)
            & (Booking.resource.site == site_id)
            & (Booking.status == "confirmed")
            & (Booking.starts_at > after)
        )
        .order_by(Booking.starts_at)
        .first()
    )
    return NextBooking(row["id"], row["title"], row["starts_at"]) if row else None


async def booking_summary(booking_id: int) -> dict | None:
    """What describes a booking to someone else: {"title": the resource's name, "starts_at"};
    None if there is no such booking."""
    return (
        await Booking.select(Booking.resource.name.as_alias("title"), Booking.starts_at)
        .where(Booking.id == booking_id)
        .first()
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


async def no_show_count(visitor_id: int) -> int:
    """How many of the visitor's bookings were released or marked no-show."""
    return await Booking.count().where(
        (Booking.visitor == visitor_id) & Booking.status.is_in(["released", "no_show"])
    )


# A booking its visitor may still cancel themselves, before it starts (services.cancel_own).
CANCELLABLE = ("pending", "confirmed")
# Bookings still to come or going on.
UPCOMING = ("pending", "confirmed", "checked_in")


async def upcoming_bookings(visitor_id: int) -> list[dict]:
    """The visitor's bookings not over yet, soonest first: ``id``, ``starts_at``, ``ends_at``,
    ``status``, ``resource_name``, ``site_name``, ``timezone`` and whether they may still
    ``cancellable`` it themselves."""
    now = clock.now()
    bookings = (
        await Booking.select(
            Booking.id,
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.resource.name.as_alias("resource_name"),
            Booking.resource.site.name.as_alias("site_name"),
            Booking.resource.site.timezone.as_alias("timezone"),
        )
        .where(
            (Booking.visitor == visitor_id)
            & Booking.status.is_in(list(UPCOMING))
            & (Booking.ends_at > now)
        )
        .order_by(Booking.starts_at)
    )
    for booking in bookings:
        booking["cancellable"] = booking["status"] in CANCELLABLE and booking["starts_at"] > now
    return bookings


async def cancellable_booking(visitor_id: int, booking_id: int) -> dict | None:
    """One of ``upcoming_bookings`` the visitor may still cancel, or None."""
    for booking in await upcoming_bookings(visitor_id):
        if booking["id"] == booking_id and booking["cancellable"]:
            return booking
    return None
