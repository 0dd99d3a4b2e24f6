"""Bookings that time moves on: unclaimed ones are released, finished ones completed.

No cron: ``release_loop`` runs inside the server, and every read of availability applies
what is due first, so a released slot is free the moment it is released even if the loop
is late. Each update is conditional on the old status, so two workers doing the same round
release a booking once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Collection

from lab.bookings.messages import Notices, booking_key
from lab.bookings.tables import Booking
from lab.core import audit, clock, jobs
from lab.core.audit import SYSTEM
from lab.core.db import fetch, placeholders, write_transaction

log = logging.getLogger("lab.bookings")
LOOP_SECONDS = 60


async def release_due(
    resource_id: int | None = None,
    notices: Notices | None = None,
    *,
    resource_ids: Collection[int] | None = None,
) -> int:
    """Apply what is due now (for one resource, several, or all). Returns how many bookings
    changed.
    A visitor whose booking is released, or whose request lapses, is told: the message is
    held in ``notices`` (the caller's, sent after its transaction), or written at the end of
    the round.

    - confirmed, never checked in, release delay after the start over: released (no-show);
    - checked in and over, or a workshop's room booking over: completed;
    - still pending when its time comes (never approved): lapses, cancelled.
    One query finds the candidates; each change is conditional on the status it saw.
    """
    now = clock.now()
    # Every booking and every read of availability asks first: plain SQL (see lab.core.db,
    # "hot paths"), on the index of (resource, starts_at).
    which: list[int] = []
    if resource_id is not None:
        which.append(resource_id)
    if resource_ids is not None:
        if not resource_ids:
            return 0
        which += resource_ids
    for_resources = ""
    if which:
        for_resources = f" AND b.resource IN ({placeholders(which)})"
    rows = await fetch(
        Booking,
        "SELECT b.id AS id, b.status AS status, b.source AS source, b.starts_at AS starts_at, "  # noqa: S608 (placeholders only)
        "b.ends_at AS ends_at, b.visitor AS visitor, r.release_after_minutes AS delay, "
        "r.site AS site FROM booking b JOIN resource r ON r.id = b.resource "
        "WHERE b.status IN ('confirmed', 'checked_in', 'pending') AND b.starts_at <= {}"
        + for_resources,
        now,
        *which,
    )
    changed = 0
    mine = notices is None
    notices = notices or Notices()
    for row in rows:
        new = _due_status(row, now)
        if new:
            changed += await _move(row, new, notices)
    if mine:
        await notices.send()
    return changed


def _due_status(row: dict, now: dt.datetime) -> str | None:
    if row["status"] == "pending":
        return "cancelled"
    # A workshop's room is used by the group, which nobody checks in: it completes at its end.
    if row["status"] == "checked_in" or row["source"] == "workshop":
        return "completed" if row["ends_at"] <= now else None
    if row["delay"] is not None and row["starts_at"] + dt.timedelta(minutes=row["delay"]) <= now:
        return "released"
    return None


async def release_due_for(resource_id: int, notices: Notices | None = None) -> int:
    return await release_due(resource_id, notices)


async def _move(row: dict, new: str, notices: Notices) -> int:
    booking_id, old, site_id = row["id"], row["status"], row["site"]
    # The change and its message commit together (inside a caller's transaction, with it).
    async with write_transaction(Booking._meta.db):
        return await _apply(booking_id, old, new, site_id, row["visitor"], notices)


async def _apply(
    booking_id: int, old: str, new: str, site_id: int, visitor_id: int | None, notices: Notices
) -> int:
    updated = (
        await Booking.update(
            {
                Booking.status: new,
                Booking.sequence: Booking.sequence + 1,
                Booking.updated_at: clock.now(),
            }
        )
        .where((Booking.id == booking_id) & (Booking.status == old))
        .returning(Booking.id, Booking.sequence)
    )
    if updated:
        action = {"released": "booking.released", "completed": "booking.completed"}.get(
            new, "booking.lapsed"
        )
        await audit.record(SYSTEM, action, f"booking:{booking_id}", site_id=site_id)
        kind = {"released": "booking_released", "cancelled": "booking_lapsed"}.get(new)
        if kind and visitor_id is not None:
            key = booking_key(booking_id, updated[0]["sequence"])
            await notices.hold(kind, visitor_id, key)
    return len(updated)


async def release_loop(stop: asyncio.Event, seconds: float = LOOP_SECONDS) -> None:
    """Run ``release_due`` every ``seconds`` until ``stop`` is set; errors are logged, not fatal."""
    await jobs.every(seconds, stop, "bookings", _release_round)


async def _release_round() -> None:
    changed = await release_due()
    if changed:
        log.info("bookings: %d changed status (release, completion, lapse)", changed)
