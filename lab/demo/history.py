"""Demo history: the year before this week at both sites, so that reports have a year to show.

About 75 more young people per site (created over the year, a share at the kiosk), each with a
pass; past runs of the programme's workshops with their enrolments, waitlists and attendance;
bookings of the lab's equipment, a few tablet loans (two still out and overdue); and drop-in
visits for the eleven months before the month ``lab.demo.visits`` loads.

Written in bulk, straight to the tables (a year through the services would take minutes), so
this module keeps the rules the services keep: a visitor does nothing before their record
exists; enrolled ≤ capacity in every queue, a freed seat going to the first in line at that
moment; one attendance per person and session, walk-ins only where a scan would take them;
booked units never above a resource's units; one open loan per tablet; every instant aware and
in UTC, inside the sites' opening hours. Nothing lies in the current week (its pages belong to
the rest of the demo) nor in the last month of visits.

Every draw comes from the generator it is given, in a fixed order (same seed, same history);
pass tokens and short codes alone come from ``secrets``, as the service makes them: a printed
demo card must not be guessable from the seed.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Sequence

from piccolo.table import Table

from lab.accounts.passes import new_short_code
from lab.accounts.sites import opening_hours_from
from lab.accounts.tables import Pass, Visitor
from lab.accounts.visitors import search_key
from lab.attendance.tables import Attendance, ScanEvent
from lab.bookings.tables import Asset, Booking, Induction, Loan, Resource
from lab.core import clock
from lab.core.db import write_transaction
from lab.core.security import new_token, token_hash
from lab.demo import accounts as demo_accounts
from lab.demo import visits as demo_visits
from lab.demo import workshops as demo_workshops
from lab.kiosk.tables import KioskDevice
from lab.visits import queries as visit_queries
from lab.visits import rules as visit_rules
from lab.visits.tables import Visit
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Session

DAYS = 365
PEOPLE_PER_SITE = 75
ALREADY_FOLLOWED = 20  # of them, on the books within the year's first three weeks
KIOSK_SHARE = 0.3
CANCELLED_SESSIONS = 0.05
CHUNK = 200  # rows per INSERT: far below either engine's limit on bound parameters
# Age on the day the record is made: 15 to 31, most of them 16 to 25.
AGES = {15: 2, 16: 5, 17: 8, 18: 12, 19: 12, 20: 11, 21: 10, 22: 9, 23: 8, 24: 7, 25: 6}
AGES |= {26: 3, 27: 2, 28: 2, 29: 1, 30: 1, 31: 1}
GENDERS = {"female": 44, "male": 44, "other": 2, "undisclosed": 5, None: 5}
EDUCATION = {"none": 25, "level3": 25, "level4": 25, "level5": 8, "level6": 3}
EDUCATION |= {"undisclosed": 4, None: 10}
PRIORITY = {"yes": 35, "no": 45, "undisclosed": 8, None: 12}
# How much happens in a month, against an ordinary one: the summer and Christmas are quiet.
SEASON = {1: 0.9, 2: 1.0, 3: 1.1, 4: 1.0, 5: 0.9, 6: 0.9, 7: 0.6, 8: 0.3, 9: 1.2, 10: 1.2}
SEASON |= {11: 1.1, 12: 0.8}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août")
MONTHS += ("septembre", "octobre", "novembre", "décembre")
# How people came in: (method, weight); walk-ins into a series are let in at the desk only.
METHODS = {"kiosk_scan": 45, "kiosk_code": 15, "staff": 25, "self_phone": 15}
SCANNED = ("kiosk_scan", "kiosk_code", "self_phone")
# What became of a place at a session: (status, weight). Walk-ins came, on time or late.
EXPECTED = {"present": 72, "late": 12, "excused": 5, "absent": 11}
# Breaks between two runs of a series, in weeks (an information meeting comes monthly).
GAP_WEEKS = {1: 3, 3: 2, 4: 2, 6: 2}
# Past bookings: (status, weight). A booking checked in and over is completed by the service.
BOOKING_ENDS = {"completed": 68, "released": 10, "no_show": 5, "cancelled": 17}
LOANS_PER_SITE = 12


@dataclasses.dataclass
class Person:
    id: int
    created_at: dt.datetime
    token_hash: str
    via: str  # staff | kiosk: where the record was made


@dataclasses.dataclass
class Place:
    """A site as the history sees it: its hours and days, its people, who works there."""

    id: int
    slug: str
    zone: str
    hours: dict
    today: dt.date
    this_week: dt.date  # Monday of the current week, local: the history stops before it
    team: list[int]
    kiosk: int | None
    people: list[Person] = dataclasses.field(default_factory=list)

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (start.astimezone(dt.UTC), end.astimezone(dt.UTC))
            for start, end in visit_rules.intervals_on(self.hours, day, self.zone)
        ]

    def open_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The days from ``first`` to ``last`` (included) the site opens."""
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [day for day in days if self.intervals(day)]

    def at(self, day: dt.date, hhmm: str) -> dt.datetime:
        return clock.utc_minute(clock.local_instant(day, dt.time.fromisoformat(hhmm), self.zone))

    def known_by(self, moment: dt.datetime) -> list[Person]:
        """The people whose record existed at ``moment`` (kept in order of creation)."""
        return self.people[: bisect.bisect_left([p.created_at for p in self.people], moment)]


async def load_history(
    site_ids: dict[str, int], staff_ids: dict[str, int], rng: random.Random
) -> dict[str, int]:
    """Write the year at each site; returns what it added, by kind."""
    now = clock.now()
    counts: Counter[str] = Counter()
    async with write_transaction(Visitor._meta.db):
        for slug, site_id in site_ids.items():
            place = await _place(slug, site_id, staff_ids, now)
            counts["visitors"] += await _people(place, rng)
            counts.update(await _workshops(place, rng))
            counts.update(await _equipment(place, rng))
            counts["visits"] += await _visits(place, rng)
    return dict(counts)


async def _place(slug: str, site_id: int, staff_ids: dict[str, int], now: dt.datetime) -> Place:
    data = next(site for site in demo_accounts.SITES if site.slug == slug)
    today = clock.to_zone(now, data.timezone).date()
    kiosk = await KioskDevice.select(KioskDevice.id).where(KioskDevice.site == site_id).first()
    return Place(
        id=site_id,
        slug=slug,
        zone=data.timezone,
        hours=opening_hours_from(data),
        today=today,
        this_week=today - dt.timedelta(days=today.weekday()),
        team=[
            staff_ids[email]
            for email, _name, _role, where, _language in demo_accounts.STAFF
            if where == slug
        ],
        kiosk=kiosk["id"] if kiosk else None,
    )


async def _insert(rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), CHUNK):
        await type(rows[0]).insert(*rows[start : start + CHUNK])


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _moment(rng: random.Random, place: Place, day: dt.date) -> dt.datetime:
    """A minute the site is open on ``day``."""
    start, end = rng.choice(place.intervals(day))
    minutes = int((end - start).total_seconds() // 60)
    return start + dt.timedelta(minutes=rng.randrange(max(minutes - 15, 1)))


def _busy_days(rng: random.Random, days: list[dt.date], k: int) -> list[dt.date]:
    """``k`` of ``days``, drawn as busy as their season is."""
    return rng.choices(days, weights=[SEASON[day.month] for day in days], k=k)


# People ----------------------------------------------------------------------------------


async def _people(place: Place, rng: random.Random) -> int:
    """The site's new young people over the year, each with a pass (and, at Saint-Denis, a
    few with the studio induction)."""
    first = place.today - dt.timedelta(days=DAYS)
    days = place.open_days(first, place.today - dt.timedelta(days=1))
    early = [day for day in days if day < first + dt.timedelta(weeks=3)]
    chosen = rng.choices(early, k=ALREADY_FOLLOWED)
    chosen += _busy_days(rng, days, PEOPLE_PER_SITE - ALREADY_FOLLOWED)
    moments = sorted(_moment(rng, place, day) for day in chosen)
    rows = [_visitor(place, rng, moment) for moment in moments]
    await _insert(rows)
    codes = {row["short_code"] for row in await Pass.select(Pass.short_code)}
    passes = []
    for row in rows:
        code = new_short_code()
        while code in codes:
            code = new_short_code()
        codes.add(code)
        desk = row.created_via == "staff"
        passes.append(
            Pass(
                visitor=row.id,
                token_hash=token_hash(new_token()),
                short_code=code,
                issued_at=row.created_at,
                issued_by=rng.choice(place.team) if desk else None,
            )
        )
        place.people.append(Person(row.id, row.created_at, passes[-1].token_hash, row.created_via))
    await _insert(passes)
    if place.slug == "saint-denis":
        inducted = rng.sample(place.people, len(place.people) // 3)
        await _insert(
            [
                Induction(
                    visitor=person.id,
                    name="studio",
                    granted_by=rng.choice(place.team),
                    granted_at=person.created_at + dt.timedelta(days=rng.randint(1, 20)),
                )
                for person in inducted
            ]
        )
    return len(rows)


def _visitor(place: Place, rng: random.Random, created_at: dt.datetime) -> Visitor:
    first, last = rng.choice(demo_accounts.FIRST_NAMES), rng.choice(demo_accounts.LAST_NAMES)
    age_days = _weighted(rng, AGES) * 365 + rng.randrange(365)
    brussels = place.slug.startswith("bruxelles")
    return Visitor(
        first_name=first,
        last_name=last,
        search_name=search_key(first, last),
        birth_date=created_at.date() - dt.timedelta(days=age_days),
        gender=_weighted(rng, GENDERS),
        postcode=rng.choice(demo_accounts.POSTCODES[place.slug]),
        priority_area=_weighted(rng, PRIORITY),
        status=rng.choice(demo_accounts.STATUSES),
        education_level=_weighted(rng, EDUCATION),
        preferred_language=rng.choice(
            ["fr", "fr", "nl", "en"] if brussels else ["fr"] * 3 + ["en"]
        ),
        external_ref=f"ML-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
        created_site=place.id,
        created_at=created_at,
        updated_at=created_at,
        created_via="kiosk" if rng.random() < KIOSK_SHARE else "staff",
    )


# Workshops -------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """One run of a module: a series' cohort (one queue for its sessions) or one drop-in
    session (a queue of its own)."""

    module: Module
    times: list[tuple[dt.datetime, dt.datetime]]
    sessions: list[Session] = dataclasses.field(default_factory=list)


def _holiday(day: dt.date) -> bool:
    """Workshops pause for most of August and over Christmas and New Year."""
    month_day = (day.month, day.day)
    return (8, 1) <= month_day <= (8, 23) or month_day >= (12, 22) or month_day <= (1, 2)


def _dated(title: str, day: dt.date) -> str:
    """A past run's title: the module's, and the day it began ("1er mars 2026")."""
    first = "1er" if day.day == 1 else str(day.day)
    suffix = f" — {first} {MONTHS[day.month - 1]} {day.year}"
    return title[: 120 - len(suffix)] + suffix


async def _workshops(place: Place, rng: random.Random) -> Counter[str]:
    """Past runs of the site's programme: a drop-in module gets its weekly sessions back to
    the start of the year; a series module, whose one queue is its current cohort, gets its
    past cohorts as modules of their own (closed to enrolment), each with the same team."""
    existing = {row.title: row for row in await Module.objects().where(Module.site == place.id)}
    runs: list[Run] = []
    fresh: list[Module] = []
    teams: dict[int, list[int]] = {}
    for item in demo_workshops.PROGRAMME:
        module = existing.get(item["title"]) if item["site"] == place.slug else None
        if module is None:
            continue
        teams[module.id] = [
            row["staff_user"]
            for row in await ModuleFacilitator.select(ModuleFacilitator.staff_user).where(
                ModuleFacilitator.module == module.id
            )
        ]
        weekday, start, end, _first_week, weeks = item["sessions"]
        drop_in = module.enrolment == "drop_in"
        weeks, gap = (1, 0) if drop_in else (weeks, GAP_WEEKS.get(weeks, 2))
        for days in await _cohorts(place, module, weekday, weeks, gap):
            times = [(place.at(day, start), place.at(day, end)) for day in days]
            if drop_in:
                runs.append(Run(module, times))
                continue
            cohort = Module(
                **{
                    column._meta.name: getattr(module, column._meta.name)
                    for column in Module._meta.columns
                    if column._meta.name != "id"
                },
            )
            cohort.title = _dated(module.title, days[0])
            cohort.active = False
            cohort.created_at = times[0][0] - dt.timedelta(weeks=5)
            fresh.append(cohort)
            teams[id(cohort)] = teams[module.id]
            runs.append(Run(cohort, times))
    if fresh:
        await _insert(fresh)
        await _insert(
            [
                ModuleFacilitator(module=cohort.id, staff_user=staff_id)
                for cohort in fresh
                for staff_id in teams[id(cohort)]
            ]
        )
    await _sessions(place, rng, runs)
    counts = Counter(modules=len(fresh), sessions=sum(len(run.sessions) for run in runs))
    counts.update(await _attendance(place, rng, runs))
    return counts


async def _cohorts(
    place: Place, module: Module, weekday: int, weeks: int, gap: int
) -> list[list[dt.date]]:
    """The days of each past run: ``weeks`` weekly sessions, then ``gap`` weeks off, from the
    start of the year to before this week and before the module's own first session (the
    room is the same), none in a holiday."""
    first = (
        await Session.select(Session.starts_at)
        .where(Session.module == module.id)
        .order_by(Session.starts_at)
        .first()
    )
    limit = place.this_week
    if first is not None:
        limit = min(limit, clock.to_zone(first["starts_at"], place.zone).date())
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
        monday += dt.timedelta(weeks=weeks + gap)


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
        made = run.module.created_at
        for starts_at, ends_at in run.times:
            cancelled = rng.random() < CANCELLED_SESSIONS
            session = Session(
                module=run.module.id,
                starts_at=starts_at,
                ends_at=ends_at,
                status="cancelled" if cancelled else "closed",
                checkin_secret=f"{rng.getrandbits(256):064x}",
                uid=f"{_uid(rng)}@lab",
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
                uid=f"{_uid(rng)}@lab",
                sequence=1,
                created_at=made,
                updated_at=session.updated_at,
            )
            reserved.append((session, booking))
    if reserved:
        await _insert([booking for _session, booking in reserved])
    for session, booking in reserved:
        session.room_booking = booking.id
    sessions = [session for run in runs for session in run.sessions]
    if sessions:
        await _insert(sessions)


async def _attendance(place: Place, rng: random.Random, runs: list[Run]) -> Counter[str]:
    """Each run's queue, then each held session's marks (and the journal of its scans)."""
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
        await _insert(enrolments)
    if marks:
        await _insert(marks)
    passes = {person.id: person.token_hash for person in place.people}
    scans = [
        ScanEvent(
            nonce=mark.nonce,
            session=mark.session,
            visitor=mark.visitor,
            device_id=mark.device_id,
            token_hash=passes[mark.visitor] if mark.method != "kiosk_code" else None,
            method=mark.method,
            received_at=mark.checked_in_at,
            outcome="accepted",
        )
        for mark in marks
        if mark.method in SCANNED
    ]
    if scans:
        await _insert(scans)
    return Counter(enrolments=len(enrolments), attendances=len(marks))


def _queue(
    place: Place, rng: random.Random, module: Module, session: Session, drop_in: bool
) -> list[Enrolment]:
    """A queue filled over the three weeks before ``session``, as enrolling fills it: a place
    while there is one, else the waitlist; some leave (on their own or refused by the
    centre), a freed seat going at that moment to the first in line; those still waiting
    when it begins are told there is no place (cancelled by the centre)."""
    opens = session.starts_at - dt.timedelta(days=21)
    closes = session.starts_at - dt.timedelta(hours=2)
    known = place.known_by(closes)
    size = (
        rng.randint(2, module.capacity + 2)
        if drop_in
        else rng.randint(module.capacity - 2, module.capacity + 3)
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
                status="waitlisted",
                source=_weighted(rng, {"staff": 60, "kiosk": 25, "phone": 15}),
                created_at=at,
                updated_at=at,
            )
        )
    queue.sort(key=lambda row: (row.created_at, row.visitor))
    for position, row in enumerate(queue, 1):
        row.position = position
    events = [(row.created_at, 0, row, "") for row in queue]
    for row in queue:
        if rng.random() < 0.15:
            at = clock.utc_minute(row.created_at + (closes - row.created_at) * rng.random())
            events.append((at, 1, row, _weighted(rng, {"visitor": 60, "centre": 40})))
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
    for row in queue:
        if row.status == "waitlisted":
            row.status, row.cancelled_by, row.updated_at = "cancelled", "centre", closes
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
    people = [(visitor, _weighted(rng, EXPECTED)) for visitor in expected]
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
            method = "staff" if walked_in and at_desk_only else _weighted(rng, METHODS)
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
        nonce=_uid(rng) if method in SCANNED else None,
        updated_by=rng.choice(place.team) if method in ("staff", "closing") else None,
        created_at=at,
        updated_at=at,
    )


# Equipment -------------------------------------------------------------------------------


async def _equipment(place: Place, rng: random.Random) -> Counter[str]:
    """Past bookings of the site's equipment (not its workshop rooms) and tablet loans."""
    rooms = Module.select(Module.room).where(Module.room.is_not_null())
    resources = (
        await Resource.objects()
        .where((Resource.site == place.id) & Resource.id.not_in(rooms))
        .order_by(Resource.id)
    )
    begin = place.today - dt.timedelta(days=DAYS)
    held = await _held(resources, place.at(begin, "00:00"))
    # The rest of the demo books from two days ago: the history stops before that week.
    last = min(place.this_week, place.today - dt.timedelta(days=2)) - dt.timedelta(days=1)
    days = place.open_days(begin, last)
    inducted = {
        row["visitor"]: row["granted_at"]
        for row in await Induction.select(Induction.visitor, Induction.granted_at).where(
            Induction.visitor.is_in([person.id for person in place.people] or [-1])
        )
    }
    made: list[Booking] = []
    taken: set[tuple[int, int, object]] = set()  # (visitor, resource, day or studio week)
    for day in _busy_days(rng, days, len(days) * 7):
        resource = rng.choice(resources)
        booking = _booking(place, rng, resource, day, held[resource.id], inducted, taken)
        if booking is not None:
            made.append(booking)
            if booking.status != "cancelled":
                held[resource.id].append((booking.starts_at, booking.blocked_until, 1))
    made.sort(key=lambda row: row.starts_at)
    if made:
        await _insert(made)
    return Counter(bookings=len(made), loans=await _loans(place, rng, begin))


async def _held(resources: list[Resource], since: dt.datetime) -> dict[int, list]:
    """(start, blocked until, units) of the bookings holding each resource since ``since``."""
    held: dict[int, list] = {resource.id: [] for resource in resources}
    for row in await Booking.select(
        Booking.resource, Booking.starts_at, Booking.blocked_until, Booking.units
    ).where(
        Booking.resource.is_in(list(held) or [-1])
        & (Booking.blocked_until > since)
        & Booking.status.not_in(["cancelled"])
    ):
        held[row["resource"]].append((row["starts_at"], row["blocked_until"], row["units"]))
    return held


def _booking(
    place: Place,
    rng: random.Random,
    resource: Resource,
    day: dt.date,
    held: list,
    inducted: dict[int, dt.datetime],
    taken: set,
) -> Booking | None:
    """One booking the rules would have taken (else None): inside an opening interval, on the
    resource's slots and lengths, a unit free all along, one a day per person and resource
    (one a week for the studio, which needs its induction)."""
    opens, closes = rng.choice(place.intervals(day))
    length = max(resource.min_minutes, resource.slot_minutes * rng.randint(1, 3))
    length = min(length, resource.max_minutes)
    slots = int((closes - opens).total_seconds() // 60 - length) // resource.slot_minutes
    if slots < 0:
        return None
    starts_at = opens + dt.timedelta(minutes=resource.slot_minutes * rng.randint(0, slots))
    ends_at = starts_at + dt.timedelta(minutes=length)
    blocked_until = ends_at + dt.timedelta(minutes=resource.buffer_minutes)
    # Conservative: whatever overlaps the interval at all counts as overlapping all of it.
    overlapping = sum(
        units for start, until, units in held if start < blocked_until and starts_at < until
    )
    if overlapping >= resource.units:
        return None
    people = place.known_by(starts_at - dt.timedelta(days=1))
    if resource.required_induction:
        people = [
            p for p in people if inducted.get(p.id, ends_at) < starts_at - dt.timedelta(days=1)
        ]
    if not people:
        return None
    person = rng.choice(people)
    key = day.isocalendar()[:2] if resource.required_induction else day
    if (person.id, resource.id, key) in taken:
        return None
    taken.add((person.id, resource.id, key))
    status = _weighted(rng, BOOKING_ENDS)
    created_at = max(person.created_at, starts_at - dt.timedelta(days=rng.randint(1, 10)))
    updated_at = {
        "completed": ends_at,
        "released": starts_at + dt.timedelta(minutes=resource.release_after_minutes or 15),
        "no_show": ends_at,
        "cancelled": created_at + (starts_at - created_at) * rng.random(),
    }[status]
    kiosk = resource.kiosk_self_service and rng.random() < 0.4
    return Booking(
        resource=resource.id,
        visitor=person.id,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=blocked_until,
        units=1,
        exclusive=resource.units == 1,
        status=status,
        source="kiosk" if kiosk else "staff",
        uid=f"{_uid(rng)}@lab",
        sequence=0 if status == "completed" else 1,
        created_by=None if kiosk else rng.choice(place.team),
        created_at=created_at,
        updated_at=updated_at,
        checked_in_at=(
            starts_at + dt.timedelta(minutes=rng.randint(-10, 10))
            if status == "completed"
            else None
        ),
    )


async def _loans(place: Place, rng: random.Random, begin: dt.date) -> int:
    """Tablets lent for a week or two over the year, most back on time, some late; two of
    them are still out, past their due day (the oldest first, so nothing overlaps)."""
    assets = [
        row["id"]
        for row in await Asset.select(Asset.id)
        .where(Asset.resource.site == place.id)
        .order_by(Asset.id)
    ]
    if not assets or not place.people:
        return 0
    last = place.this_week - dt.timedelta(days=1)
    days = place.open_days(begin + dt.timedelta(weeks=3), last - dt.timedelta(weeks=4))
    # The last two tablets are the ones still out: nobody borrowed them before.
    returned, kept = assets[:-2], assets[-2:]
    free_from = dict.fromkeys(returned, place.at(begin, "00:00"))
    loans = []
    for day in sorted(_busy_days(rng, days, LOANS_PER_SITE)):
        out_at = _moment(rng, place, day)
        free = [asset for asset in returned if free_from[asset] < out_at]
        due_day = day + dt.timedelta(days=rng.choice([7, 14]))
        back_days = place.open_days(due_day - dt.timedelta(days=3), due_day + dt.timedelta(days=6))
        people = place.known_by(out_at)
        if not (free and back_days and people):
            continue
        asset, back = rng.choice(free), _moment(rng, place, rng.choice(back_days))
        loans.append(_loan(place, rng, asset, people, out_at, place.at(due_day, "17:00"), back))
        free_from[asset] = back
    overdue = place.open_days(last - dt.timedelta(weeks=6), last - dt.timedelta(weeks=3))
    for asset, day in zip(kept, rng.sample(overdue, min(len(kept), len(overdue))), strict=False):
        out_at = _moment(rng, place, day)
        people = place.known_by(out_at)
        if people:
            due_at = place.at(day + dt.timedelta(days=14), "17:00")
            loans.append(_loan(place, rng, asset, people, out_at, due_at, None))
    if loans:
        await _insert(loans)
    return len(loans)


def _loan(
    place: Place,
    rng: random.Random,
    asset: int,
    people: list[Person],
    out_at: dt.datetime,
    due_at: dt.datetime,
    returned_at: dt.datetime | None,
) -> Loan:
    return Loan(
        asset=asset,
        visitor=rng.choice(people).id,
        out_at=out_at,
        due_at=due_at,
        returned_at=returned_at,
        lent_by=rng.choice(place.team),
        returned_by=rng.choice(place.team) if returned_at else None,
    )


# Drop-in visits --------------------------------------------------------------------------


async def _visits(place: Place, rng: random.Random) -> int:
    """Visits from a year ago to the month ``lab.demo.visits`` loads, as that month's are
    (its purposes, stays and endings, a share anonymous with an age band), the quiet months
    quieter; and each kiosk sign-up's own visit, the one it was made on."""
    codes = {row.code for row in await visit_queries.purpose_rows(place.id) if row.active}
    purposes = [item for item in demo_visits.PURPOSES if item[0] in codes]
    last = place.today - dt.timedelta(days=demo_visits.DAYS + 1)
    rows: list[Visit] = []
    for day in place.open_days(place.today - dt.timedelta(days=DAYS), last):
        intervals = place.intervals(day)
        closes = intervals[-1][1]
        known = place.known_by(intervals[0][0])
        count = round(rng.randint(6, 18) * SEASON[day.month])
        named = rng.sample(known, min(len(known), round(count * (1 - demo_visits.ANONYMOUS_SHARE))))
        for index in range(count):
            person = named[index] if index < len(named) else None
            rows.append(_visit(place, rng, purposes, _moment(rng, place, day), closes, person))
    for person in place.people:
        if person.via == "kiosk":  # the tablet asks why they came as it signs them up
            day = clock.to_zone(person.created_at, place.zone).date()
            closes = place.intervals(day)[-1][1]
            rows.append(_visit(place, rng, purposes, person.created_at, closes, person))
    if rows:
        await _insert(rows)
    return len(rows)


def _visit(
    place: Place,
    rng: random.Random,
    purposes: list[tuple],
    arrived: dt.datetime,
    closes: dt.datetime,
    person: Person | None,
) -> Visit:
    code, _weight, shortest, longest = rng.choices(purposes, weights=[p[1] for p in purposes])[0]
    how = rng.choices(visit_rules.ENDINGS, weights=[60, 28, 12])[0]
    left = arrived + dt.timedelta(minutes=rng.randint(shortest, longest))
    left = closes if how == "closing" else min(left, closes)
    return Visit(
        site=place.id,
        visitor=person.id if person else None,
        age_band=None if person else rng.choice([*visit_rules.AGE_BANDS, None]),
        purpose=code,
        arrived_at=arrived,
        left_at=max(left, arrived),
        ended_by=how,
        nonce=f"demo-{_uid(rng)}",
        created_at=arrived,
    )
