"""What holds a resource's units: the reads the rule engine is fed with (no rules here).

Private to bookings: the services lock a resource, then ask these what already holds it.
"""

from __future__ import annotations

import datetime as dt

from lab.bookings.rules import HOLDING, Held
from lab.bookings.tables import Booking
from lab.core.db import fetch, placeholders

# What the rules read of a holding booking. These reads run under the resource's lock on
# every booking, so they are plain statements (``lab.core.db.fetch``), not built queries.
_HELD = "starts_at, ends_at, blocked_until, units"


def as_held(row: dict) -> Held:
    return Held(row["starts_at"], row["ends_at"], row["blocked_until"], row["units"])


async def held_bookings(
    resource_id: int, start: dt.datetime, end: dt.datetime, *, excluding: int | None = None
) -> list[Held]:
    """Bookings of a resource that hold units at some point of [start, end)."""
    sql = (
        f"SELECT {_HELD} FROM booking WHERE resource = {{}} AND status IN ({placeholders(HOLDING)})"  # noqa: S608
        " AND starts_at < {} AND blocked_until > {}"
    )
    values = [resource_id, *HOLDING, end, start]
    if excluding is not None:
        sql += " AND id <> {}"
        values.append(excluding)
    return [as_held(row) for row in await fetch(Booking, sql, *values)]


async def visitor_bookings(
    visitor_id: int,
    resource_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    excluding: int | None = None,
) -> list[Held]:
    """A visitor's holding bookings of one resource starting in [start, end): for quotas."""
    sql = (
        f"SELECT {_HELD} FROM booking WHERE visitor = {{}} AND resource = {{}}"  # noqa: S608
        f" AND status IN ({placeholders(HOLDING)}) AND starts_at >= {{}} AND starts_at < {{}}"
    )
    values = [visitor_id, resource_id, *HOLDING, start, end]
    if excluding is not None:
        sql += " AND id <> {}"
        values.append(excluding)
    return [as_held(row) for row in await fetch(Booking, sql, *values)]
