"""The reminder the day before a booking: "votre réservation « Studio » a lieu bientôt".

No cron: ``reminder_loop`` runs inside the server, as workshops' does. Each round reminds the
visitor of every confirmed booking that starts LEAD from now (23 to 25 hours, the same lead
as workshop sessions: the day before, at about the same time). The outbox's unique dedupe key
(per booking version) makes a reminder go out once, however many rounds or workers see it; a
booking moved afterwards is a new version, and its visitor is reminded of the new time.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from lab.bookings import messages
from lab.bookings.tables import Booking, Resource
from lab.core import clock, jobs
from lab.core.db import lock_row, write_transaction

LOOP_SECONDS = 15 * 60  # well inside the two-hour window: a late round still finds them
LEAD = (dt.timedelta(hours=23), dt.timedelta(hours=25))


async def queue_due_reminders() -> int:
    """Hold and write the reminders due now. Returns how many bookings were found (a booking
    whose visitor was reminded of this version is not written about again)."""
    now = clock.now()
    due = await Booking.select(Booking.id, Booking.resource).where(
        (Booking.status == "confirmed")
        & Booking.visitor.is_not_null()
        & (Booking.starts_at >= now + LEAD[0])
        & (Booking.starts_at <= now + LEAD[1])
    )
    for row in due:
        notices = messages.Notices()
        async with write_transaction(Booking._meta.db):
            # As a move or a cancellation: the resource's lock, then the booking as it is now.
            await lock_row(Resource, row["resource"])
            booking = await Booking.objects().get(Booking.id == row["id"])
            if booking is None or booking.status != "confirmed":
                continue
            await notices.booking("booking_reminder", booking)
        await notices.send()
    return len(due)


async def reminder_loop(stop: asyncio.Event, seconds: float = LOOP_SECONDS) -> None:
    """Run ``queue_due_reminders`` every ``seconds`` until ``stop`` is set, after writing the
    messages a stopped writer held and never wrote (``messages.send_stale``); errors are
    logged."""
    await jobs.every(seconds, stop, "bookings", messages.send_stale, queue_due_reminders)
