"""The history's workshops: the sessions of the year's runs, their queues and their marks."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking, Resource
from lab.core import clock
from lab.demo.history.place import Person, Place, insert, uid, weighted
from lab.demo.history.programme import Run, past_runs
from lab.workshops.tables import Enrolment, Module, Session

CANCELLED_SESSIONS = 0.05
# How people came in: (method, weight); walk-ins into a series are let in at the desk only.
METHODS = {"kiosk_scan": 45, "kiosk_code": 15, "staff": 25, "self_phone": 15}
SCANNED = ("kiosk_scan", "kiosk_code", "self_phone")
# What became of a place at a session: (status, weight). Walk-ins came, on time or late.
EXPECTED = {"present": 72, "late": 12, "excused": 5, "absent": 11}


async def load_workshops(
    place: Place, staff_ids: dict[str, int], rng: random.Random
) -> Counter[str]:
    """The year's runs (see ``programme``), their sessions, queues and marks."""
    runs, modules = await past_runs(place, staff_ids)
    await _sessions(place, rng, runs)
    counts = Counter(modules=modules, sessions=sum(len(run.sessions) for run in runs))
    counts.update(await _attendance(place, rng, runs))
    return counts


async def _sessions(place: Place, rng: random.Random, runs: list[Run]) -> None:
    """Each run's sessions, a few cancelled (their room given back), the others closed; each
    reserves the module's room as scheduling does, and the room's booking ends with it."""
    rooms = {
        row["id"]: row
        for row in await Resource.select(
            Resource.id, Resource.units, Resource.buffer_minutes
        ).where(Resource.id.is_in([run.module.room for run in runs if run.module.room] or [-1]))
    }
    reserved: list[tuple[Session, Booking]] = []
    for run in runs:
        made = max(run.module.created_at, run.times[0][0] - dt.timedelta(weeks=4))
        for starts_at, ends_at in run.times:
            cancelled = rng.random() < CANCELLED_SESSIONS
            session = Session(
                module=run.module.id,
                starts_at=starts_at,
                ends_at=ends_at,
                status="cancelled" if cancelled else "closed",
                checkin_secret=f"{rng.getrandbits(256):064x}",
                uid=f"{uid(rng)}@lab",
                sequence=int(cancelled),
                created_at=made,
                updated_at=starts_at - dt.timedelta(days=2) if cancelled else ends_at,
            )
            run.sessions.append(session)
            room = rooms.get(run.module.room)
            if room is None:
                continue
            booking = Booking(
                resource=room["id"],
                starts_at=starts_at,
                ends_at=ends_at,
                blocked_until=ends_at + dt.timedelta(minutes=room["buffer_minutes"]),
                units=room["units"],
                exclusive=True,
                status="cancelled" if cancelled else "completed",
                source="workshop",
                note=f"Atelier : {run.module.title}"[:500],
                uid=f"{uid(rng)}@lab",
                sequence=1,
                created_at=made,
                updated_at=session.updated_at,
            )
            reserved.append((session, booking))
    if reserved:
        await insert([booking for _session, booking in reserved])
    for session, booking in reserved:
        session.room_booking = booking.id
    sessions = [session for run in runs for session in run.sessions]
    if sessions:
        await insert(sessions)


async def _attendance(place: Place, rng: random.Random, runs: list[Run]) -> Counter[str]:
    """Each run's queue, then each held session's marks. The scan journal stays the check-in
    entry point's alone to write: the history's arrivals carry their method, not a journal."""
    enrolments: list[Enrolment] = []
    marks: list[Attendance] = []
    for run in runs:
        queue = _queue(place, rng, run.module, run.sessions[0], run.module.enrolment == "drop_in")
        enrolments += queue
        expected = [row.visitor for row in queue if row.status == "enrolled"]
        listed = {row.visitor for row in queue}
        for session in run.sessions:
            if session.status == "cancelled":
                continue
            strangers = [p for p in place.known_by(session.starts_at) if p.id not in listed]
            if run.module.enrolment == "drop_in":
                walk_ins = rng.sample(strangers, min(rng.randint(0, 2), len(strangers)))
            else:  # a scan refuses a stranger to a series: the desk lets one in, now and then
                walk_ins = rng.sample(strangers, 1) if strangers and rng.random() < 0.1 else []
            marks += _marks(place, rng, run.module, session, expected, walk_ins)
    if enrolments:
        await insert(enrolments)
    if marks:
        await insert(marks)
    return Counter(enrolments=len(enrolments), attendances=len(marks))


def _queue(
    place: Place, rng: random.Random, module: Module, session: Session, drop_in: bool
) -> list[Enrolment]:
    """A queue filled over the three weeks before ``session``, as enrolling fills it: a place
    while there is one, else the waitlist; some leave (on their own or refused by the
    centre), a freed seat going at that moment to the first in line; those still waiting
    when it begins stay on the waitlist, as the service leaves them."""
    opens = session.starts_at - dt.timedelta(days=21)
    closes = session.starts_at - dt.timedelta(hours=2)
    known = place.known_by(closes)
    size = (
        rng.randint(2, module.capacity + 3)
        if drop_in
        else rng.randint(module.capacity - 2, module.capacity + 4)
    )
    queue = []
    for person in rng.sample(known, min(size, len(known))):
        since = max(opens, person.created_at)
        at = clock.utc_minute(since + (closes - since) * rng.random())
        queue.append(
            Enrolment(
                visitor=person.id,
                module=module.id,
                session=session.id if drop_in else None,
                status="",  # until they ask, below
                source=weighted(rng, {"staff": 60, "kiosk": 25, "phone": 15}),
                created_at=at,
                updated_at=at,
            )
        )
    queue.sort(key=lambda row: (row.created_at, row.visitor))
    for position, row in enumerate(queue, 1):
        row.position = position
    events = [(row.created_at, 0, row, "") for row in queue]
    for row in queue:
        if rng.random() < 0.2:
            # Plans change late: most leave in the last days, when the waitlist is longest.
            late = 1 - rng.random() ** 3
            at = clock.utc_minute(row.created_at + (closes - row.created_at) * late)
            events.append((at, 1, row, weighted(rng, {"visitor": 60, "centre": 40})))
    seated = 0
    for at, leaving, row, by in sorted(events, key=lambda event: event[:2]):
        if not leaving:
            row.status = "enrolled" if seated < module.capacity else "waitlisted"
            seated += row.status == "enrolled"
            continue
        freed = row.status == "enrolled"
        row.status, row.cancelled_by, row.updated_at = "cancelled", by, at
        waiting = next((other for other in queue if other.status == "waitlisted"), None)
        if freed and waiting is not None:
            waiting.status, waiting.promoted_at, waiting.updated_at = "enrolled", at, at
        else:
            seated -= freed
    return queue


def _marks(
    place: Place,
    rng: random.Random,
    module: Module,
    session: Session,
    expected: list[int],
    walk_ins: list[Person],
) -> list[Attendance]:
    """The session's marks: most came (on time or late, by scan, code, phone or at the
    desk), some were excused beforehand, the rest marked absent when it closed; walk-ins
    came without a place."""
    start, end = session.starts_at, session.ends_at
    at_desk_only = module.enrolment != "drop_in"
    people = [(visitor, weighted(rng, EXPECTED)) for visitor in expected]
    people += [(person.id, "late" if rng.random() < 0.3 else "present") for person in walk_ins]
    marks = []
    for index, (visitor, status) in enumerate(people):
        if status == "excused":
            at, method = start - dt.timedelta(hours=rng.randint(2, 48)), "staff"
        elif status == "absent":
            at, method = end + dt.timedelta(minutes=5), "closing"
        else:
            late = status == "late"
            minutes = (
                rng.randint(module.late_after_minutes + 1, 40) if late else rng.randint(-15, 5)
            )
            at = start + dt.timedelta(minutes=minutes)
            walked_in = index >= len(expected)
            method = "staff" if walked_in and at_desk_only else weighted(rng, METHODS)
        marks.append(_mark(place, rng, session, visitor, status, method, at))
    return marks


def _mark(
    place: Place,
    rng: random.Random,
    session: Session,
    visitor: int,
    status: str,
    method: str,
    at: dt.datetime,
) -> Attendance:
    came = status in ("present", "late")
    return Attendance(
        visitor=visitor,
        session=session.id,
        status=status,
        checked_in_at=at if came else None,
        method=method,
        device_id=place.kiosk if method in ("kiosk_scan", "kiosk_code") else None,
        nonce=uid(rng) if method in SCANNED else None,
        updated_by=rng.choice(place.team) if method in ("staff", "closing") else None,
        created_at=at,
        updated_at=at,
    )
