"""Reads shared by the bookings services (no rules here)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.bookings.rules import HOLDING, Held
from lab.bookings.tables import Booking


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
