"""The reminder the day before a session: "« Atelier CV » a lieu bientôt".

No cron: ``reminder_loop`` runs inside the server. Each round reminds everyone enrolled in a
scheduled session that starts 23 to 25 hours from now; the outbox's dedupe key (per session
version and person) makes a reminder go out once, however many rounds or workers see it. A
session moved afterwards has a new version: its people are reminded of the new time.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from lab.core import clock, jobs
from lab.core.db import lock_row, write_transaction
from lab.workshops import messages
from lab.workshops.tables import Module, Session

LOOP_SECONDS = 15 * 60  # well inside the two-hour window: a late round still finds them
WINDOW = (dt.timedelta(hours=23), dt.timedelta(hours=25))


async def queue_due_reminders() -> int:
    """Queue the reminders due now. Returns how many people the sessions found have (a
    person already reminded of that version of a session is not written to again)."""
    now = clock.now()
    due = await Session.objects().where(
        (Session.status == "scheduled")
        & (Session.starts_at >= now + WINDOW[0])
        & (Session.starts_at <= now + WINDOW[1])
    )
    told = 0
    for session in due:
        notices = messages.Notices()
        async with write_transaction(Session._meta.db):
            # Two workers on the same session: the second waits, then finds the messages.
            await lock_row(Session, session.id)
            fresh = await Session.objects().get(Session.id == session.id)
            if fresh is None or fresh.status != "scheduled":
                continue
            module = await Module.objects().get(Module.id == fresh.module)
            told += await notices.announce(fresh, module, "reminder")
        await notices.send()
    return told


async def reminder_loop(stop: asyncio.Event, seconds: float = LOOP_SECONDS) -> None:
    """Run ``queue_due_reminders`` every ``seconds`` until ``stop`` is set, after writing the
    messages a stopped writer held and never wrote (``messages.send_stale``); errors are
    logged."""
    await jobs.every(seconds, stop, "workshops", messages.send_stale, queue_due_reminders)
