"""Bookings that time moves on: unclaimed ones are released, finished ones completed.

No cron: ``release_loop`` runs inside the server, and every read of availability applies
what is due first, so a released slot is free the moment it is released even if the loop
is late. Each update is conditional on the old status, so two workers doing the same round
release a booking once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from lab.bookings.tables import Booking
from lab.core import audit, clock
from lab.core.audit import SYSTEM

log = logging.getLogger("lab.bookings")
LOOP_SECONDS = 60


async def release_due(resource_id: int | None = None) -> int:
    """Apply what is due now (for one resource, or all). Returns how many bookings changed.

    - confirmed, never checked in, release delay after the start over: released (no-show);
    - checked in and over, or a workshop's room booking over: completed;
    - still pending when its time comes (never approved): lapses, cancelled.
    One query finds the candidates; each change is conditional on the status it saw.
    """
    now = clock.now()
    query = Booking.select(
        Booking.id,
        Booking.status,
        Booking.source,
        Booking.starts_at,
        Booking.ends_at,
        Booking.resource.release_after_minutes.as_alias("delay"),
        Booking.resource.site.as_alias("site"),
    ).where(
        Booking.status.is_in(["confirmed", "checked_in", "pending"]) & (Booking.starts_at <= now)
    )
    if resource_id is not None:
        query = query.where(Booking.resource == resource_id)
    changed = 0
    for row in await query:
        new = _due_status(row, now)
        if new:
            changed += await _move(row["id"], row["status"], new, row["site"])
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


async def release_due_for(resource_id: int) -> int:
    return await release_due(resource_id)


async def _move(booking_id: int, old: str, new: str, site_id: int) -> int:
    updated = (
        await Booking.update(
            {
                Booking.status: new,
                Booking.sequence: Booking.sequence + 1,
                Booking.updated_at: clock.now(),
            }
        )
        .where((Booking.id == booking_id) & (Booking.status == old))
        .returning(Booking.id)
    )
    if updated:
        action = {"released": "booking.released", "completed": "booking.completed"}.get(
            new, "booking.lapsed"
        )
        await audit.record(SYSTEM, action, f"booking:{booking_id}", site_id=site_id)
    return len(updated)


async def release_loop(stop: asyncio.Event, seconds: float = LOOP_SECONDS) -> None:
    """Run ``release_due`` every ``seconds`` until ``stop`` is set; errors are logged, not fatal."""
    while not stop.is_set():
        try:
            changed = await release_due()
            if changed:
                log.info("bookings: %d changed status (release, completion, lapse)", changed)
        except Exception:  # the loop must outlive a failed round (database restart…)
            log.exception("bookings: release round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
