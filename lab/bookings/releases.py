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
    """Apply what is due now (for one resource, or all). Returns how many bookings changed."""
    now = clock.now()
    changed = 0
    # Unclaimed: confirmed, never checked in, and the release delay after the start is over.
    query = Booking.select(
        Booking.id,
        Booking.starts_at,
        Booking.resource.release_after_minutes.as_alias("delay"),
        Booking.resource.site.as_alias("site"),
    ).where(
        (Booking.status == "confirmed")
        & (Booking.starts_at <= now)
        & Booking.resource.release_after_minutes.is_not_null()
    )
    if resource_id is not None:
        query = query.where(Booking.resource == resource_id)
    for row in await query:
        if row["starts_at"] + dt.timedelta(minutes=row["delay"]) <= now:
            changed += await _move(row["id"], "confirmed", "released", row["site"])
    # Finished: checked in and over.
    for status, new_status in (("checked_in", "completed"), ("pending", "cancelled")):
        # A request still pending when its time comes was never approved: it lapses.
        limit = Booking.ends_at if status == "checked_in" else Booking.starts_at
        query = Booking.select(Booking.id, Booking.resource.site.as_alias("site")).where(
            (Booking.status == status) & (limit <= now)
        )
        if resource_id is not None:
            query = query.where(Booking.resource == resource_id)
        for row in await query:
            changed += await _move(row["id"], status, new_status, row["site"])
    return changed


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
