"""The history's workshops: past runs of the site's programme, their queues and their marks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter

from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking, Resource
from lab.core import clock
from lab.demo import workshops as demo_workshops
from lab.demo.history.place import DAYS, Person, Place, insert, uid, weighted
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Partner, Session

CANCELLED_SESSIONS = 0.05
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août")
MONTHS += ("septembre", "octobre", "novembre", "décembre")
# How people came in: (method, weight); walk-ins into a series are let in at the desk only.
METHODS = {"kiosk_scan": 45, "kiosk_code": 15, "staff": 25, "self_phone": 15}
SCANNED = ("kiosk_scan", "kiosk_code", "self_phone")
# What became of a place at a session: (status, weight). Walk-ins came, on time or late.
EXPECTED = {"present": 72, "late": 12, "excused": 5, "absent": 11}
# The programme's series whose past cohorts the history adds, each a module of its own: its
# short name (a cohort is titled "Objectif emploi — cycle du 6 janvier 2026") and the weeks
# from one cohort's start to the next.
CYCLES = {
    "Objectif emploi : 6 séances pour trouver un job": ("Objectif emploi", 12),
    "Trouver ma voie : atelier orientation": ("Trouver ma voie", 10),
    "Atelier CV et candidatures": ("Atelier CV", 10),
}


@dataclasses.dataclass(frozen=True, slots=True)
class DropIn:
    """A drop-in module of the year that the current programme does not run any more."""

    site: str
    title: str
    kind: str
    capacity: int
    team: tuple[str, ...]  # facilitators' e-mails
    sessions: tuple[int, str, str]  # weekday (0 is Monday), start, end
    every: int  # weeks between two sessions
    description: str
    partner: str | None = None


DROP_INS = [
    DropIn(
        site="saint-denis",
        title="Matinales France Travail",
        kind="info_session",
        capacity=15,
        team=("responsable.stdenis@lab.example",),
        sessions=(4, "10:00", "11:30"),
        every=4,
        description="Une fois par mois, France Travail répond aux questions : inscription, "
        "aides, offres.",
        partner="France Travail",
    ),
    DropIn(
        site="bruxelles-anderlecht",
        title="Permanence numérique",
        kind="digital_skills",
        capacity=8,
        team=("animation.bxl@lab.example",),
        sessions=(3, "13:30", "15:30"),
        every=1,
        description="Chaque jeudi après-midi : une adresse e-mail, un document, une démarche "
        "en ligne, avec quelqu'un pour aider.",
    ),
    DropIn(
        site="bruxelles-anderlecht",
        title="Matinales Actiris",
        kind="info_session",
        capacity=12,
        team=("responsable.bxl@lab.example",),
        sessions=(2, "10:00", "11:30"),
        every=4,
        description="Une fois par mois, une conseillère d'Actiris présente l'inscription et les "
        "aides aux jeunes.",
        partner="Actiris",
    ),
]


@dataclasses.dataclass
class Run:
    """One run of a module: a series' cohort (one queue for its sessions) or one drop-in
    session (a queue of its own)."""

    module: Module
    times: list[tuple[dt.datetime, dt.datetime]]
    team: list[int]
    sessions: list[Session] = dataclasses.field(default_factory=list)


def _holiday(day: dt.date) -> bool:
    """Workshops pause for most of August and over Christmas and New Year."""
    month_day = (day.month, day.day)
    return (8, 1) <= month_day <= (8, 23) or month_day >= (12, 22) or month_day <= (1, 2)


async def load_workshops(
    place: Place, staff_ids: dict[str, int], rng: random.Random
) -> Counter[str]:
    """The year's workshops at the site: the programme's drop-in module gets its weekly
    sessions back to the start of the year; a series module, whose one queue is its current
    cohort, gets its past cohorts as modules of their own (closed to enrolment, same team);
    and the drop-ins of the year the programme has stopped come back with their sessions."""
    existing = {row.title: row for row in await Module.objects().where(Module.site == place.id)}
    runs: list[Run] = []
    cohorts: list[Run] = []
    for item in demo_workshops.PROGRAMME:
        module = existing.get(item["title"]) if item["site"] == place.slug else None
        if module is None or (module.enrolment == "series" and module.title not in CYCLES):
            continue
        team = await _team(module.id)
        limit = await _first_day(place, module.id)
        weekday, start, end, _first_week, weeks = item["sessions"]
        if module.enrolment == "drop_in":
            for days in _runs(place, weekday, 1, 1, limit):
                runs.append(Run(module, _times(place, days, start, end), team))
            continue
        name, every = CYCLES[module.title]
        for days in _runs(place, weekday, weeks, every, limit):
            cohort = _copy(module)
            first = "1er" if days[0].day == 1 else str(days[0].day)
            cohort.title = f"{name} — cycle du {first} {MONTHS[days[0].month - 1]} {days[0].year}"
            cohorts.append(Run(cohort, _times(place, days, start, end), team))
    stopped = await _stopped_drop_ins(place, staff_ids, existing)
    for module, team, (weekday, start, end), every in stopped:
        for days in _runs(place, weekday, 1, every, place.this_week):
            runs.append(Run(module, _times(place, days, start, end), team))
    if cohorts:
        await insert([run.module for run in cohorts])
    await insert(
        [
            ModuleFacilitator(module=module.id, staff_user=staff_id)
            for module, team in [(run.module, run.team) for run in cohorts]
            + [(module, team) for module, team, _hours, _every in stopped]
            for staff_id in team
        ]
    )
    runs += cohorts
    await _since_the_first_session(runs)
    await _sessions(place, rng, runs)
    counts = Counter(
        modules=len(cohorts) + len(stopped), sessions=sum(len(run.sessions) for run in runs)
    )
    counts.update(await _attendance(place, rng, runs))
    return counts


async def _team(module_id: int) -> list[int]:
    rows = await ModuleFacilitator.select(ModuleFacilitator.staff_user).where(
        ModuleFacilitator.module == module_id
    )
    return [row["staff_user"] for row in rows]


async def _first_day(place: Place, module_id: int) -> dt.date:
    """The history of a module stops before this week and before its own first session
    (the room is the same)."""
    first = (
        await Session.select(Session.starts_at)
        .where(Session.module == module_id)
        .order_by(Session.starts_at)
        .first()
    )
    if first is None:
        return place.this_week
    return min(place.this_week, clock.to_zone(first["starts_at"], place.zone).date())


def _copy(module: Module) -> Module:
    """A past cohort of ``module``: the same programme, closed to enrolment."""
    fields = {
        column._meta.name: getattr(module, column._meta.name) for column in Module._meta.columns
    }
    fields.pop("id")
    return Module(**fields | {"active": False})


def _times(place: Place, days: list[dt.date], start: str, end: str) -> list[tuple]:
    return [(place.at(day, start), place.at(day, end)) for day in days]


async def _stopped_drop_ins(
    place: Place, staff_ids: dict[str, int], existing: dict[str, Module]
) -> list[tuple[Module, list[int], tuple[int, str, str], int]]:
    """The site's drop-ins of the year (``DROP_INS``), written: (module, team, hours, every)."""
    rooms = [module.room for module in existing.values() if module.room is not None]
    partners = {
        row["name"]: row["id"]
        for row in await Partner.select(Partner.id, Partner.name).where(Partner.site == place.id)
    }
    made = []
    for item in DROP_INS:
        if item.site != place.slug:
            continue
        module = Module(
            site=place.id,
            title=item.title,
            kind=item.kind,
            description=item.description,
            capacity=item.capacity,
            enrolment="drop_in",
            partner=partners.get(item.partner) if item.partner else None,
            room=rooms[0] if rooms else None,
            created_at=clock.now(),  # set back below, before its first session
        )
        team = [staff_ids[email] for email in item.team]
        made.append((module, team, item.sessions, item.every))
    if made:
        await insert([module for module, *_rest in made])
    return made


async def _since_the_first_session(runs: list[Run]) -> None:
    """A module on the programme all year was made before its first session of the year."""
    first: dict[int, dt.datetime] = {}
    for run in runs:
        made = run.times[0][0] - dt.timedelta(weeks=5)
        if made < run.module.created_at:
            first[run.module.id] = min(made, first.get(run.module.id, made))
            run.module.created_at = first[run.module.id]
    for module_id, made in first.items():
        await Module.update({Module.created_at: made}).where(Module.id == module_id)


def _runs(
    place: Place, weekday: int, weeks: int, every: int, limit: dt.date
) -> list[list[dt.date]]:
    """The days of each run: ``weeks`` weekly sessions, a run starting every ``every`` weeks
    from the start of the year until ``limit`` (excluded); a run that would meet a holiday
    waits a week."""
    begin = place.today - dt.timedelta(days=DAYS)
    monday = begin + dt.timedelta(days=(7 - begin.weekday()) % 7)
    found = []
    while True:
        days = [monday + dt.timedelta(weeks=week, days=weekday) for week in range(weeks)]
        if days[-1] >= limit:
            return found
        if any(_holiday(day) for day in days):
            monday += dt.timedelta(weeks=1)
            continue
        found.append(days)
        monday += dt.timedelta(weeks=every)


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
