"""Demo attendance: time catches up with the programme; the sessions already over were
attended (or not) and closed, the one on now has its first arrivals."""

from __future__ import annotations

import datetime as dt
import random

from lab.attendance import services as attendance
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.workshops import queries
from lab.workshops.tables import Module, Session


async def load_attendance(actor: StaffPrincipal, rng: random.Random) -> None:
    """Each session started before now, in order: its people marked, and closed if over."""
    real_now = clock.now()
    try:
        sessions = await Session.objects().order_by(Session.starts_at)
        for session in sessions:
            if session.starts_at >= real_now:
                break
            await _attend(actor, session, rng, real_now)
    finally:
        clock.set_clock(None)


async def _attend(
    actor: StaffPrincipal, session: Session, rng: random.Random, real_now: dt.datetime
) -> None:
    module = await Module.objects().get(Module.id == session.module)
    roster = await queries.roster(module, session.id if module.enrolment == "drop_in" else None)
    for row in roster["enrolled"]:
        luck = rng.random()
        if luck < 0.72:
            status, minutes = "present", rng.randint(-10, 5)
        elif luck < 0.84:
            status, minutes = "late", rng.randint(module.late_after_minutes + 1, 40)
        elif luck < 0.9:
            status, minutes = "excused", -60
        else:
            continue  # absent: closing the session says so
        arrival = session.starts_at + dt.timedelta(minutes=minutes)
        if arrival >= real_now:
            continue
        clock.set_clock(lambda arrival=arrival: arrival)
        await attendance.mark(actor, session.id, row["visitor"], status)
    if session.ends_at <= real_now:
        clock.set_clock(lambda end=session.ends_at: end + dt.timedelta(minutes=5))
        await attendance.close_session(actor, session.id)
