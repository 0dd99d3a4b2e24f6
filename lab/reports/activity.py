"""Weekly activity hours per person: what the Contrat d'engagement jeune counts.

A week runs Monday to Sunday in the site's time zone. A person's hours are the sum of:
- their attendances (present or late) at sessions that were not cancelled, each its session's
  length;
- their bookings they checked in to (checked in or completed), each its booked length;
- their drop-in visits, each its counted duration (capped, see the visits domain).
The weekly target is a deployment setting (LAB_WEEKLY_ACTIVITY_HOURS, default 15).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from lab.accounts.tables import Visitor
from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking
from lab.core.db import fetch, placeholders
from lab.reports.figures import CAME
from lab.reports.queries import visit_minutes, visitors_by_id
from lab.visits.tables import Visit

SOURCES = ("sessions", "bookings", "visits")
# People "followed" this week: those active in the four weeks up to its end.
FOLLOWED_WEEKS = 4


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _bounds(monday: dt.date, zone: str, weeks: int = 1) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(monday - dt.timedelta(weeks=weeks - 1), dt.time(), tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class WeekHours:
    visitor_id: int
    sessions: float
    bookings: float
    visits: float

    @property
    def total(self) -> float:
        return round(self.sessions + self.bookings + self.visits, 2)


async def hours_between(
    site_ids: Iterable[int] | None,
    start: dt.datetime,
    end: dt.datetime,
    visitor_ids: Iterable[int] | None = None,
) -> dict[int, WeekHours]:
    """{person: hours by source} for activity in [start, end) at these sites (every site when
    ``site_ids`` is None), optionally for some people only."""
    sites = None if site_ids is None else list(site_ids) or [-1]
    people = None if visitor_ids is None else list(visitor_ids) or [-1]
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])

    # Plain statements (see lab.core.db, "hot paths"): building these joins with Piccolo's
    # query API cost most of the activity page's time.
    came = list(CAME)
    attended_sql = (
        "SELECT a.visitor AS visitor, s.starts_at AS starts_at, s.ends_at AS ends_at "  # noqa: S608 (placeholders only)
        "FROM attendance a JOIN workshop_session s ON s.id = a.session "
        "JOIN workshop_module m ON m.id = s.module "
        "WHERE s.starts_at >= {} AND s.starts_at < {} AND s.status <> 'cancelled' "
        f"AND a.status IN ({placeholders(came)})"
    )
    attended_values: list[object] = [start, end, *came]
    booked_sql = (
        "SELECT b.visitor AS visitor, b.starts_at AS starts_at, b.ends_at AS ends_at "
        "FROM booking b JOIN resource r ON r.id = b.resource "
        "WHERE b.starts_at >= {} AND b.starts_at < {} "
        "AND b.status IN ('checked_in', 'completed') AND b.visitor IS NOT NULL"
    )
    booked_values: list[object] = [start, end]
    visited_sql = (
        "SELECT visitor, arrived_at, left_at, ended_by FROM visit "
        "WHERE arrived_at >= {} AND arrived_at < {} AND visitor IS NOT NULL"
    )
    visited_values: list[object] = [start, end]
    # Each source's columns for the site and the person, and the statement and values.
    sources = [
        ("m.site", "a.visitor", Attendance, attended_sql, attended_values),
        ("r.site", "b.visitor", Booking, booked_sql, booked_values),
        ("site", "visitor", Visit, visited_sql, visited_values),
    ]
    found = []
    for site_column, person_column, table, sql, values in sources:
        for column, wanted in ((site_column, sites), (person_column, people)):
            if wanted is not None:
                sql += f" AND {column} IN ({placeholders(wanted)})"
                values = [*values, *wanted]
        found.append(await fetch(table, sql, *values))
    attended, booked, visited = found
    for row in attended:
        totals[row["visitor"]][0] += _length(row["starts_at"], row["ends_at"])
    for row in booked:
        totals[row["visitor"]][1] += _length(row["starts_at"], row["ends_at"])
    for row in visited:
        totals[row["visitor"]][2] += visit_minutes(row) / 60
    return {
        person: WeekHours(person, round(values[0], 2), round(values[1], 2), round(values[2], 2))
        for person, values in totals.items()
    }


def _length(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


async def week_hours_of(visitor_id: int, day: dt.date, zone: str) -> WeekHours:
    """One person's hours in the week of ``day``, at every site (for their own space)."""
    start, end = _bounds(week_of(day)[0], zone)
    found = await hours_between(None, start, end, [visitor_id])
    return found.get(visitor_id, WeekHours(visitor_id, 0.0, 0.0, 0.0))


@dataclasses.dataclass(frozen=True, slots=True)
class BelowTarget:
    visitor_id: int
    first_name: str
    last_name: str
    hours: WeekHours


async def below_target(
    site_ids: Iterable[int], day: dt.date, zone: str, target: float
) -> list[BelowTarget]:
    """People active at these sites in the last four weeks whose hours this week (at any
    site) are under ``target``, fewest hours first."""
    site_ids = list(site_ids)
    monday = week_of(day)[0]
    recent_start, week_end = _bounds(monday, zone, weeks=FOLLOWED_WEEKS)
    followed = await hours_between(site_ids, recent_start, week_end)
    week_start, _ = _bounds(monday, zone)
    this_week = await hours_between(None, week_start, week_end, followed)
    short = {
        person: this_week.get(person, WeekHours(person, 0.0, 0.0, 0.0))
        for person in followed
        if this_week.get(person, WeekHours(person, 0.0, 0.0, 0.0)).total < target
    }
    names = await visitors_by_id(short, Visitor.first_name, Visitor.last_name)
    found = [
        BelowTarget(person, names[person]["first_name"], names[person]["last_name"], hours)
        for person, hours in short.items()
        if person in names
    ]
    found.sort(
        key=lambda item: (item.hours.total, item.last_name, item.first_name, item.visitor_id)
    )
    return found
