"""The one query layer of reports: every page, chart and file reads its figures here.

Counting rules, in one place:
- A session is *held* when it is not cancelled and has begun; a cancelled session counts no
  attendance, whatever was marked before it was cancelled.
- An *attendance* is a person marked present or late at a held session, walk-ins (present
  without an enrolment) included; absent and excused marks never count as attendance. A
  *no-show* is an absent mark (closing a session marks the expected who did not come).
- A *participant* is a person with at least one attendance; a person seen at two sites counts
  once in a roll-up of both. Their age is taken on the day of their first attendance in the
  period.
- Attendance *hours* give each attendance its session's length.
- A drop-in visit is lab use: it counts in visits and activity hours, never as attendance.
- Digital skills (evidence, validations, badges) have their own rules in
  ``lab.reports.skills``; the dashboard reads them there.

Queries aggregate in the database (grouped counts over indexed columns) and bring back one row
per session, person or resource, never one per attendance. They are plain statements
(``lab.core.db.fetch_aside``): a dashboard runs about thirty, and building each one through
the ORM cost more than running it. On the embedded SQLite they run in a worker thread: over a
network's year one of them may take most of a second, which the kiosks served by the same
event loop should not wait for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import types
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from lab.accounts.queries import REPORTING
from lab.accounts.tables import Site, Visitor, VisitorConsent
from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking, Loan, Resource
from lab.core import clock
from lab.core.db import chunks, fetch, fetch_aside, placeholders, work_aside
from lab.reports import bands, skills
from lab.reports.figures import (
    CAME,
    AttendanceFigures,
    Dashboard,
    KindFigures,
    LoanFigures,
    ModuleWaitlist,
    PurposeFigures,
    ResourceFigures,
    SessionFigures,
    SiteFigures,
    Trend,
    VisitFigures,
    VisitorFigures,
    WaitlistFigures,
)
from lab.reports.filters import Filters, read_aside_when_large
from lab.reports.tables import ClosedPeriod
from lab.skills.tables import SkillEvidence
from lab.visits import queries as visit_queries
from lab.visits.tables import Visit, VisitPurpose
from lab.workshops.tables import Enrolment, Session

__all__ = [
    "closed_periods",
    "dashboard",
    "held_sessions",
    "participants",
    "profile",
    "seen_since",
]

# Bookings that hold a resource (made and not withdrawn); of those, the ones used or missed.
HOLDING = ("pending", "confirmed", "checked_in", "completed", "no_show", "released")
USED = ("checked_in", "completed")
MISSED = ("no_show", "released")


def period_sql(site: str, moment: str, f: Filters) -> tuple[str, list]:
    """The period for a plain statement: the clause (in brackets) and its values, for rows
    whose ``site`` column is a filtered site and whose ``moment`` lies in the period in that
    site's time zone."""
    clauses, values = [], []
    for sites, start, end in f.bounds():
        clauses.append(
            f"({site} IN ({placeholders(sites)}) AND {moment} >= {{}} AND {moment} < {{}})"
        )
        values.extend((*sites, start, end))
    return f"({' OR '.join(clauses)})", values


# Modules a staff member facilitates, for a plain statement (one value: the staff id).
RUN_BY = "SELECT module FROM workshop_module_facilitator WHERE staff_user = {}"


def programme_sql(module: str, f: Filters) -> tuple[str, list]:
    """The filtered programme (module kind, module, partner, facilitator, the reader's own
    sessions) as `` AND …`` clauses on the joined module table ``module`` (empty when the
    whole programme counts), and their values."""
    clauses, values = [], []
    for column, value in (("kind", f.module_kind), ("id", f.module_id), ("partner", f.partner_id)):
        if value is not None:
            clauses.append(f" AND {module}.{column} = {{}}")
            values.append(value)
    for staff_id in (f.facilitator_id, f.own_sessions_of):
        if staff_id is not None:
            clauses.append(f" AND {module}.id IN ({RUN_BY})")
            values.append(staff_id)
    return "".join(clauses), values


async def sessions(f: Filters) -> list[dict]:
    """The period's sessions of the filtered programme, cancelled ones included, in order."""
    period, values = period_sql("m.site", "s.starts_at", f)
    programme, more = programme_sql("m", f)
    return await fetch_aside(
        Session,
        "SELECT s.id AS id, s.module AS module, s.starts_at AS starts_at, s.ends_at AS ends_at,"  # noqa: S608
        " s.status AS status, s.capacity AS capacity,"
        " m.capacity AS module_capacity, m.site AS site, m.kind AS kind, m.title AS title,"
        " m.enrolment AS enrolment"
        " FROM workshop_session s JOIN workshop_module m ON m.id = s.module"
        f" WHERE {period}{programme} ORDER BY s.starts_at, s.id",
        *values,
        *more,
    )


def held_sessions(rows: Iterable[dict], now: dt.datetime) -> list[dict]:
    return [row for row in rows if row["status"] != "cancelled" and row["starts_at"] <= now]


def _hours(row: dict) -> float:
    return max(0.0, (row["ends_at"] - row["starts_at"]).total_seconds() / 3600)


async def _marks(session_ids: Sequence[int]) -> dict[int, Counter]:
    """{session: Counter(status: marks)} for these sessions."""
    marks: dict[int, Counter] = defaultdict(Counter)
    if not session_ids:
        return marks
    for chunk in chunks(session_ids):
        rows = await fetch_aside(
            Attendance,
            "SELECT session, status, COUNT(*) AS marks FROM attendance"  # noqa: S608
            f" WHERE session IN ({placeholders(chunk)}) GROUP BY session, status",
            *chunk,
        )
        for row in rows:
            marks[row["session"]][row["status"]] += row["marks"]
    return marks


async def visitors_by_id(ids: Iterable[int], *columns) -> dict[int, dict]:
    """{id: the visitor's ``columns``} for these people, read in batches."""
    found: dict[int, dict] = {}
    names = "".join(f", {column._meta.db_column_name}" for column in columns)
    for chunk in chunks(sorted(set(ids))):
        rows = await fetch_aside(
            Visitor,
            f"SELECT id{names} FROM visitor WHERE id IN ({placeholders(chunk)})",  # noqa: S608
            *chunk,
        )
        found.update({row["id"]: row for row in rows})
    return found


# The optional profile fields (the data dictionary's "profil" fields that a visitor may leave
# empty) count only for people who agreed that they do (lab.accounts.consents): the others are
# "not stated" in every figure. Closed periods keep the figures frozen when they were closed.
OPTIONAL_FIELDS = ("gender", "education_level", "priority_area")


async def profiles_by_id(ids: Iterable[int], *columns) -> dict[int, dict]:
    """``visitors_by_id``, with the optional profile fields emptied for each person without a
    live consent to count them (``reporting_optional_fields``)."""
    found = await visitors_by_id(ids, *columns)
    agreed: set[int] = set()
    for chunk in chunks(sorted(found)):
        rows = await fetch_aside(
            VisitorConsent,
            "SELECT visitor FROM visitor_consent"  # noqa: S608
            f" WHERE visitor IN ({placeholders(chunk)}) AND purpose = {{}}"
            " AND withdrawn_at IS NULL",
            *chunk,
            REPORTING,
        )
        agreed.update(row["visitor"] for row in rows)
    for person, row in found.items():
        if person not in agreed:
            row.update({name: None for name in OPTIONAL_FIELDS if name in row})
    return found


async def participants(session_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """{person: start of their first attended session} among these sessions."""
    first: dict[int, dt.datetime] = {}
    for chunk in chunks(session_ids):
        rows = await fetch_aside(
            Attendance,
            'SELECT a.visitor AS visitor, MIN(s.starts_at) AS "first" FROM attendance a'  # noqa: S608
            " JOIN workshop_session s ON s.id = a.session"
            f" WHERE a.session IN ({placeholders(chunk)}) AND a.status IN ({placeholders(CAME)})"
            " GROUP BY a.visitor",
            *chunk,
            *CAME,
        )
        for row in rows:
            moment = aggregate_moment(row["first"])
            if row["visitor"] not in first or moment < first[row["visitor"]]:
                first[row["visitor"]] = moment
    return first


def aggregate_moment(value: dt.datetime | str) -> dt.datetime:
    """An aggregate's datetime: SQLite gives MIN() of a timestamp column back as text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# Enrolments that held a seat (enrolled, completed, or cancelled after the session began).
HELD_A_SEAT = ("enrolled", "completed", "cancelled")

# An attendance at one of the listed sessions of someone holding no enrolment for it: neither
# one for that session (drop-in) nor one for its module's series (no session). A session's
# enrolment names the session's module too (lab.workshops.enrolment), so one probe of the
# (visitor, module, session, status) index answers both: seeking the session's enrolment by
# visitor alone read all their enrolments, 1.3 s for a network's year on SQLite, 0.3 now.
_WALK_INS = """
    SELECT COUNT(*) AS walk_ins FROM attendance
    JOIN workshop_session ON workshop_session.id = attendance.session
    WHERE attendance.session IN ({sessions}) AND attendance.status IN ({came})
      AND NOT EXISTS (
        SELECT 1 FROM enrolment
        WHERE enrolment.visitor = attendance.visitor
          AND enrolment.module = workshop_session.module
          AND (enrolment.session = attendance.session OR enrolment.session IS NULL)
          AND enrolment.status IN ({seat}))
"""


async def _walk_ins(held: Sequence[dict]) -> int:
    """Attendances of people holding no enrolment for the session (nor its series), counted
    in the database: a period's attendances and enrolments never travel to Python."""
    total = 0
    for chunk in chunks([row["id"] for row in held]):
        sql = _WALK_INS.format(
            sessions=placeholders(chunk),
            came=placeholders(CAME),
            seat=placeholders(HELD_A_SEAT),
        )
        rows = await fetch_aside(Attendance, sql, *chunk, *CAME, *HELD_A_SEAT)
        total += rows[0]["walk_ins"]
    return total


async def _people(ids: Iterable[int]) -> list[dict]:
    """What a profile reads of each person (never a name; optional fields only with consent)."""
    people = await profiles_by_id(
        ids,
        Visitor.birth_date,
        Visitor.gender,
        Visitor.status,
        Visitor.education_level,
        Visitor.priority_area,
        Visitor.postcode,
        Visitor.created_at,
        Visitor.created_site,
        Visitor.created_via,
    )
    return list(people.values())


def profile(people: Sequence[dict], first_seen: dict[int, dt.datetime]) -> dict[str, dict]:
    """Each dimension's categories, all of them listed (zero included), "not stated" too."""
    dims: dict[str, dict[str, int]] = {
        "age_band": dict.fromkeys(bands.AGE_BANDS, 0),
        "funder_age_band": dict.fromkeys(bands.FUNDER_AGE_BANDS, 0),
        "gender": dict.fromkeys(bands.GENDERS, 0),
        "status": dict.fromkeys(bands.STATUSES, 0),
        "education": dict.fromkeys(bands.ISCED, 0),
        "priority_area": dict.fromkeys(bands.PRIORITY_AREAS, 0),
        "postcode_area": {},
    }
    for person in people:
        day = first_seen[person["id"]].date()
        age = bands.age_on(person["birth_date"], day)
        dims["age_band"][bands.age_band(age)] += 1
        dims["funder_age_band"][bands.funder_age_band(age)] += 1
        dims["gender"][bands.gender(person["gender"])] += 1
        dims["status"][bands.status(person["status"])] += 1
        dims["education"][bands.isced(person["education_level"])] += 1
        dims["priority_area"][bands.priority_area(person["priority_area"])] += 1
        area = bands.postcode_area(person["postcode"])
        dims["postcode_area"][area] = dims["postcode_area"].get(area, 0) + 1
    dims["postcode_area"] = dict(sorted(dims["postcode_area"].items()))
    return dims


async def _waitlist(f: Filters) -> WaitlistFigures:
    """Places asked for on a waitlist within the period, and given from it, per module: where
    the programme is short of seats."""
    per: dict[int, list] = {}
    programme, more = programme_sql("m", f)
    for sites, start, end in f.bounds():
        for key, clause, values in (
            (
                0,
                "e.created_at >= {} AND e.created_at < {}"
                " AND (e.status = 'waitlisted' OR e.promoted_at IS NOT NULL)",
                (start, end),
            ),
            (1, "e.promoted_at >= {} AND e.promoted_at < {}", (start, end)),
        ):
            rows = await fetch_aside(
                Enrolment,
                "SELECT e.module AS module, m.title AS title, COUNT(*) AS n"  # noqa: S608
                " FROM enrolment e JOIN workshop_module m ON m.id = e.module"
                f" WHERE m.site IN ({placeholders(sites)}){programme} AND {clause}"
                " GROUP BY e.module, m.title",
                *sites,
                *more,
                *values,
            )
            for row in rows:
                per.setdefault(row["module"], [row["title"], 0, 0])[key + 1] += row["n"]
    modules = sorted(per.items(), key=lambda item: (-item[1][1], item[1][0], item[0]))
    return WaitlistFigures(
        demand=sum(values[1] for _id, values in modules),
        converted=sum(values[2] for _id, values in modules),
        modules=[
            ModuleWaitlist(module_id=module_id, title=title, demand=demand, converted=given)
            for module_id, (title, demand, given) in modules
        ],
    )


async def visits(f: Filters) -> list[dict]:
    """The period's drop-in visits at the filtered sites (named and anonymous)."""
    period, values = period_sql("site", "arrived_at", f)
    return await fetch_aside(
        Visit,
        "SELECT id, site, visitor, age_band, purpose, arrived_at, left_at, ended_by FROM visit"  # noqa: S608
        f" WHERE {period} ORDER BY arrived_at, id",
        *values,
    )


def visit_minutes(row: dict) -> int:
    """What a visit counts: its capped duration; an open visit counts nothing until it ends."""
    return visit_queries.counted_minutes(types.SimpleNamespace(**row)) or 0


async def _visit_figures(f: Filters, rows: Sequence[dict], zones: dict[int, str]) -> VisitFigures:
    labels: dict[str, dict[str, str]] = {}
    purposes = await fetch_aside(
        VisitPurpose,
        "SELECT code, label_fr, label_en, label_nl FROM visit_purpose"  # noqa: S608
        f" WHERE site IN ({placeholders(f.site_ids)}) ORDER BY position",
        *f.site_ids,
    )
    for purpose in purposes:
        labels.setdefault(
            purpose["code"],
            {
                "fr": purpose["label_fr"],
                "en": purpose["label_en"] or purpose["label_fr"],
                "nl": purpose["label_nl"] or purpose["label_fr"],
            },
        )
    # A network's year is some 70,000 visits to spread over the hours: CPU work, in a worker
    # thread for a large report, so that the event loop goes on serving meanwhile.
    return await work_aside(_tally_visits, rows, labels, zones)


def _tally_visits(
    rows: Sequence[dict], labels: dict[str, dict[str, str]], zones: dict[int, str]
) -> VisitFigures:
    per: dict[str, list[int]] = {code: [0, 0, 0] for code in labels}
    presence = [0.0] * 24
    days: set[tuple[int, dt.date]] = set()
    total_minutes = anonymous = 0
    for row in rows:
        minutes = visit_minutes(row)
        total_minutes += minutes
        anonymous += row["visitor"] is None
        counts = per.setdefault(row["purpose"], [0, 0, 0])
        counts[0] += 1
        counts[1] += row["visitor"] is None
        counts[2] += minutes
        tz = ZoneInfo(zones[row["site"]])
        arrived = row["arrived_at"].astimezone(tz)
        days.add((row["site"], arrived.date()))
        _add_presence(presence, arrived, minutes)
    open_days = len(days)
    return VisitFigures(
        visits=len(rows),
        anonymous=anonymous,
        minutes=total_minutes,
        purposes=[
            PurposeFigures(
                code=code,
                labels=labels.get(code, {"fr": code, "en": code, "nl": code}),
                visits=counts[0],
                anonymous=counts[1],
                minutes=counts[2],
            )
            for code, counts in per.items()
        ],
        by_hour=[round(value / open_days, 2) if open_days else 0.0 for value in presence],
        days=open_days,
    )


def _add_presence(presence: list[float], arrived: dt.datetime, minutes: int) -> None:
    """Spread one visit over the hours of the day it covers (a fraction for a partial hour)."""
    moment, left = arrived, arrived + dt.timedelta(minutes=minutes)
    while moment < left:
        following = moment.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        stop = min(following, left)
        presence[moment.hour] += (stop - moment).total_seconds() / 3600
        moment = stop


async def _resources(f: Filters, zones: dict[int, str]) -> list[ResourceFigures]:
    resources = await fetch_aside(
        Resource,
        "SELECT id, name, kind, site, units FROM resource"  # noqa: S608
        f" WHERE site IN ({placeholders(f.site_ids)}) ORDER BY site, name, id",
        *f.site_ids,
    )
    if not resources:
        return []
    period, values = period_sql("r.site", "b.starts_at", f)
    ids = [row["id"] for row in resources]
    rows = await fetch_aside(
        Booking,
        "SELECT b.resource AS resource, b.starts_at AS starts_at, b.ends_at AS ends_at,"  # noqa: S608
        " b.units AS units, b.status AS status"
        " FROM booking b JOIN resource r ON r.id = b.resource"
        f" WHERE {period} AND b.resource IN ({placeholders(ids)})",
        *values,
        *ids,
    )
    # Spreading a year's bookings over the weekly heatmaps is CPU work (see _tally_visits).
    return await work_aside(_tally_resources, f, resources, rows, zones)


def _tally_resources(
    f: Filters, resources: Sequence[dict], rows: Sequence[dict], zones: dict[int, str]
) -> list[ResourceFigures]:
    by_resource: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_resource[row["resource"]].append(row)
    hours_per_cell = _weekday_hours(f)
    figures = []
    for resource in resources:
        mine = by_resource.get(resource["id"], [])
        heat = [[0.0] * 24 for _ in range(7)]
        minutes = used = missed = cancelled = 0
        tz = ZoneInfo(zones[resource["site"]])
        for row in mine:
            if row["status"] == "cancelled":
                cancelled += 1
                continue
            if row["status"] not in HOLDING:
                continue
            used += row["status"] in USED
            missed += row["status"] in MISSED
            start = row["starts_at"].astimezone(tz)
            end = row["ends_at"].astimezone(tz)
            minutes += int((end - start).total_seconds() // 60) * row["units"]
            _add_booked(heat, start, end, row["units"])
        capacity = max(1, resource["units"])
        figures.append(
            ResourceFigures(
                resource_id=resource["id"],
                name=resource["name"],
                kind=resource["kind"],
                site_id=resource["site"],
                bookings=len(mine) - cancelled,
                used=used,
                missed=missed,
                cancelled=cancelled,
                minutes=minutes,
                heatmap=[
                    [
                        round(heat[day][hour] / (60 * capacity * hours_per_cell[day]), 3)
                        if hours_per_cell[day]
                        else 0.0
                        for hour in range(24)
                    ]
                    for day in range(7)
                ],
            )
        )
    return figures


def _weekday_hours(f: Filters) -> list[int]:
    """How many times each weekday occurs in the period (each of its hours as often)."""
    counts = [0] * 7
    day = f.period.first
    while day <= f.period.last:
        counts[day.weekday()] += 1
        day += dt.timedelta(days=1)
    return counts


def _add_booked(heat: list[list[float]], start: dt.datetime, end: dt.datetime, units: int) -> None:
    moment = start
    while moment < end:
        following = moment.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        stop = min(following, end)
        heat[moment.weekday()][moment.hour] += (stop - moment).total_seconds() / 60 * units
        moment = stop


async def _loans(f: Filters, now: dt.datetime) -> LoanFigures:
    """Loans made in the period (in each site's time zone), out now, and overdue: the loans
    that count for any of them in one statement, counted here."""
    bounds = f.bounds()
    if not bounds:
        return LoanFigures()
    earliest = min(start for _sites, start, _end in bounds)
    latest = max(end for _sites, _start, end in bounds)
    rows = await fetch_aside(
        Loan,
        "SELECT l.out_at AS out_at, l.due_at AS due_at, l.returned_at AS returned_at,"  # noqa: S608
        " r.site AS site FROM loan l"
        " JOIN asset a ON a.id = l.asset JOIN resource r ON r.id = a.resource"
        f" WHERE r.site IN ({placeholders(f.site_ids)})"
        " AND (l.returned_at IS NULL OR (l.out_at >= {} AND l.out_at < {}))",
        *f.site_ids,
        earliest,
        latest,
    )
    lent = sum(
        1
        for row in rows
        for sites, start, end in bounds
        if row["site"] in sites and start <= row["out_at"] < end
    )
    still_out = [row for row in rows if row["returned_at"] is None]
    overdue = sum(1 for row in still_out if row["due_at"] < now)
    return LoanFigures(lent=lent, out=len(still_out), overdue=overdue)


async def _newness(f: Filters, seen: Iterable[int], people: dict[int, dict]) -> VisitorFigures:
    new = returning = 0
    bounds = {site: (start, end) for sites, start, end in f.bounds() for site in sites}
    first_start = min(start for start, _ in bounds.values())
    last_end = max(end for _, end in bounds.values())
    for person_id in seen:
        created = people[person_id]["created_at"]
        if first_start <= created < last_end:
            new += 1
        else:
            returning += 1
    period, values = period_sql("created_site", "created_at", f)
    signups = await fetch_aside(
        Visitor,
        f"SELECT COUNT(*) AS n FROM visitor WHERE created_via = 'kiosk' AND {period}",  # noqa: S608
        *values,
    )
    return VisitorFigures(new=new, returning=returning, kiosk_signups=signups[0]["n"])


def _trend(
    f: Filters,
    held: Sequence[dict],
    marks: dict[int, Counter],
    visit_rows: Sequence[dict],
    zones: dict[int, str],
) -> Trend:
    unit = "day" if f.period.days <= 31 else "week" if f.period.days <= 183 else "month"

    def bucket(day: dt.date) -> dt.date:
        if unit == "day":
            return day
        if unit == "week":
            return day - dt.timedelta(days=day.weekday())
        return day.replace(day=1)

    starts: list[dt.date] = []
    day = bucket(f.period.first)
    while day <= f.period.last:
        starts.append(day)
        step = 1 if unit == "day" else 7 if unit == "week" else 32
        day = bucket(day + dt.timedelta(days=step))
    index = {start: position for position, start in enumerate(starts)}
    came = [0] * len(starts)
    dropped_in = [0] * len(starts)
    for row in held:
        local = row["starts_at"].astimezone(ZoneInfo(zones[row["site"]])).date()
        came[index[bucket(local)]] += sum(marks[row["id"]][status] for status in CAME)
    for row in visit_rows:
        local = row["arrived_at"].astimezone(ZoneInfo(zones[row["site"]])).date()
        dropped_in[index[bucket(local)]] += 1
    return Trend(
        unit=unit,
        starts=[start.isoformat() for start in starts],
        attendances=came,
        visits=dropped_in,
    )


async def site_zones(site_ids: Iterable[int]) -> dict[int, str]:
    ids = list(site_ids) or [-1]
    rows = await fetch(
        Site,
        f"SELECT id, timezone FROM site WHERE id IN ({placeholders(ids)})",  # noqa: S608
        *ids,
    )
    return {row["id"]: row["timezone"] for row in rows}


async def site_names(site_ids: Iterable[int]) -> dict[int, str]:
    ids = list(site_ids) or [-1]
    rows = await fetch(
        Site,
        f"SELECT id, name FROM site WHERE id IN ({placeholders(ids)})",  # noqa: S608
        *ids,
    )
    return {row["id"]: row["name"] for row in rows}


@contextlib.contextmanager
def _timed(timings: dict[str, list[float]] | None, part: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[part]`` (nothing when ``timings`` is None)."""
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings.setdefault(part, []).append(time.perf_counter() - started)


@read_aside_when_large
async def dashboard(
    f: Filters,
    now: dt.datetime | None = None,
    timings: dict[str, list[float]] | None = None,
) -> Dashboard:
    """Every figure of the dashboard for these filters, as data (see the module's rules).

    ``timings``, when given, collects the seconds each part of the work took, by name (what
    the reports benchmark measures)."""
    now = now or clock.now()
    zones = f.zone_of
    with _timed(timings, "sites"):
        names = await site_names(f.site_ids)
    with _timed(timings, "sessions"):
        all_sessions = await sessions(f)
    held = held_sessions(all_sessions, now)
    held_ids = [row["id"] for row in held]
    with _timed(timings, "marks"):
        marks = await _marks(held_ids)
    with _timed(timings, "participants"):
        first_seen = await participants(held_ids)
    with _timed(timings, "people"):
        people = {row["id"]: row for row in await _people(first_seen)}
    with _timed(timings, "walk_ins"):
        walk_ins = await _walk_ins(held)

    came = sum(marks[sid][status] for sid in held_ids for status in CAME)
    attendance = AttendanceFigures(
        attendances=came,
        walk_ins=walk_ins,
        participants=len(first_seen),
        late=sum(marks[sid]["late"] for sid in held_ids),
        absent=sum(marks[sid]["absent"] for sid in held_ids),
        excused=sum(marks[sid]["excused"] for sid in held_ids),
        hours=round(sum(_hours(row) * sum(marks[row["id"]][s] for s in CAME) for row in held), 2),
    )
    session_figures = SessionFigures(
        held=len(held),
        cancelled=sum(row["status"] == "cancelled" for row in all_sessions),
        planned=sum(
            row["status"] != "cancelled" and row["starts_at"] > now for row in all_sessions
        ),
        seats=sum((row["capacity"] or row["module_capacity"] or 0) for row in held),
    )
    kinds: dict[str, list[float]] = {}
    for row in held:
        entry = kinds.setdefault(row["kind"], [0, 0, 0.0])
        count = sum(marks[row["id"]][status] for status in CAME)
        entry[0] += 1
        entry[1] += count
        entry[2] += _hours(row) * count

    lab_use = not f.narrowed and f.own_sessions_of is None
    with _timed(timings, "visits"):
        visit_rows = await visits(f) if lab_use else []
    visitors_seen = set(first_seen) | {row["visitor"] for row in visit_rows if row["visitor"]}
    missing = visitors_seen - set(people)
    with _timed(timings, "people"):
        people.update({row["id"]: row for row in await _people(missing)})

    with _timed(timings, "per_site"):
        per_site = await _per_site(f, held, marks, visit_rows, names)
    with _timed(timings, "waitlist"):
        waitlist = await _waitlist(f)
    with _timed(timings, "newness"):
        newness = await _newness(f, visitors_seen, people)
    with _timed(timings, "visit_figures"):
        visit_figures = await _visit_figures(f, visit_rows, zones) if lab_use else VisitFigures()
    with _timed(timings, "resources"):
        resources = await _resources(f, zones) if lab_use else []
    with _timed(timings, "loans"):
        loans = await _loans(f, now) if lab_use else LoanFigures()
    with _timed(timings, "profile"):
        people_profile = profile([people[pid] for pid in sorted(first_seen)], first_seen)
    with _timed(timings, "trend"):
        trend = _trend(f, held, marks, visit_rows, zones)
    with _timed(timings, "skills"):
        skill_figures = await skills.skill_figures(f)
    return Dashboard(
        first_day=f.period.first.isoformat(),
        last_day=f.period.last.isoformat(),
        site_ids=list(f.site_ids),
        made_at=now.astimezone(dt.UTC).isoformat(),
        lab_use=lab_use,
        sessions=session_figures,
        attendance=attendance,
        waitlist=waitlist,
        visitors=newness,
        visits=visit_figures,
        resources=resources,
        loans=loans,
        kinds=[
            KindFigures(kind=kind, sessions=int(v[0]), attendances=int(v[1]), hours=round(v[2], 2))
            for kind, v in sorted(kinds.items())
        ],
        sites=per_site,
        profile=people_profile,
        trend=trend,
        skills=skill_figures,
    )


async def _per_site(
    f: Filters,
    held: Sequence[dict],
    marks: dict[int, Counter],
    visit_rows: Sequence[dict],
    names: dict[int, str],
) -> list[SiteFigures]:
    """One line per site; its participants are counted within the site (the roll-up's total
    counts each person once, however many sites they went to)."""
    people = await _participants_by_site([row["id"] for row in held])
    rows = []
    for site_id in sorted(f.site_ids, key=lambda site: (names.get(site, ""), site)):
        mine = [row for row in held if row["site"] == site_id]
        rows.append(
            SiteFigures(
                site_id=site_id,
                name=names.get(site_id, ""),
                sessions=len(mine),
                attendances=sum(marks[row["id"]][s] for row in mine for s in CAME),
                participants=len(people[site_id]),
                visits=sum(1 for row in visit_rows if row["site"] == site_id),
            )
        )
    return rows


async def _participants_by_site(session_ids: Sequence[int]) -> dict[int, set[int]]:
    """{site: the people with an attendance at these sessions of the site}, in one query a
    batch of sessions rather than one a site."""
    people: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(session_ids):
        rows = await fetch_aside(
            Attendance,
            "SELECT DISTINCT m.site AS site, a.visitor AS visitor FROM attendance a"  # noqa: S608
            " JOIN workshop_session s ON s.id = a.session"
            " JOIN workshop_module m ON m.id = s.module"
            f" WHERE a.session IN ({placeholders(chunk)}) AND a.status IN ({placeholders(CAME)})",
            *chunk,
            *CAME,
        )
        for row in rows:
            people[row["site"]].add(row["visitor"])
    return people


async def closed_periods() -> list[dict]:
    """Every closed (funded, reported) period: ``site`` (None: the whole network),
    ``first_day``, ``last_day``. What an erasure must leave as proof (``lab.erasure``)."""
    return await ClosedPeriod.select(
        ClosedPeriod.site, ClosedPeriod.first_day, ClosedPeriod.last_day
    ).order_by(ClosedPeriod.first_day)


async def seen_since(ids: Sequence[int], since: dt.datetime) -> set[int]:
    """Those of ``ids`` with a contact at or after ``since`` (or one to come): an attendance,
    a booking, an enrolment, a visit, a loan or skills evidence. What the retention of a
    visitor's record counts from (``lab.retention``); the record's own dates are accounts'."""
    contacts = (
        (Attendance.visitor, (Attendance.updated_at, Attendance.checked_in_at)),
        (Booking.visitor, (Booking.starts_at, Booking.updated_at)),
        (Enrolment.visitor, (Enrolment.updated_at,)),
        (Visit.visitor, (Visit.arrived_at, Visit.left_at)),
        (Loan.visitor, (Loan.out_at, Loan.returned_at)),
        (SkillEvidence.visitor, (SkillEvidence.at,)),
    )
    seen: set[int] = set()
    for chunk in chunks(list(ids)):
        for person, moments in contacts:
            clause = moments[0] >= since
            for moment in moments[1:]:
                clause = clause | (moment >= since)
            rows = await person._meta.table.select(person.as_alias("who")).where(
                person.is_in(chunk) & clause
            )
            seen.update(row["who"] for row in rows)
    return seen
