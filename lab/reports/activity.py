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

    attended = Attendance.select(
        Attendance.visitor,
        Attendance.session.starts_at.as_alias("starts_at"),
        Attendance.session.ends_at.as_alias("ends_at"),
    ).where(
        (Attendance.session.starts_at >= start)
        & (Attendance.session.starts_at < end)
        & (Attendance.session.status != "cancelled")
        & Attendance.status.is_in(list(CAME))
    )
    booked = Booking.select(Booking.visitor, Booking.starts_at, Booking.ends_at).where(
        (Booking.starts_at >= start)
        & (Booking.starts_at < end)
        & Booking.status.is_in(["checked_in", "completed"])
        & Booking.visitor.is_not_null()
    )
    visited = Visit.select(Visit.visitor, Visit.arrived_at, Visit.left_at, Visit.ended_by).where(
        (Visit.arrived_at >= start) & (Visit.arrived_at < end) & Visit.visitor.is_not_null()
    )
    if sites is not None:
        attended = attended.where(Attendance.session.module.site.is_in(sites))
        booked = booked.where(Booking.resource.site.is_in(sites))
        visited = visited.where(Visit.site.is_in(sites))
    if people is not None:
        attended = attended.where(Attendance.visitor.is_in(people))
        booked = booked.where(Booking.visitor.is_in(people))
        visited = visited.where(Visit.visitor.is_in(people))
    for row in await attended:
        totals[row["visitor"]][0] += _length(row["starts_at"], row["ends_at"])
    for row in await booked:
        totals[row["visitor"]][1] += _length(row["starts_at"], row["ends_at"])
    for row in await visited:
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
