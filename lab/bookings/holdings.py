"""What holds a resource's units: the reads the rule engine is fed with (no rules here).

Private to bookings: the services lock a resource, then ask these what already holds it.
"""

from __future__ import annotations

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
