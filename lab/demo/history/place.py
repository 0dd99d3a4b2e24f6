"""What every part of the history shares: a site as the history sees it (its hours, its days,
its people, its team), how busy a day of the year is, and writing rows in bulk."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import Sequence

from piccolo.table import Table

from lab.accounts.sites import opening_hours_from
from lab.core import clock
from lab.demo import accounts as demo_accounts
from lab.visits import rules as visit_rules

DAYS = 365
CHUNK = 200  # rows per INSERT: far below either engine's limit on bound parameters
# How much happens in a month, against an ordinary one: the summer and Christmas are quiet.
SEASON = {1: 0.9, 2: 1.0, 3: 1.1, 4: 1.0, 5: 0.9, 6: 0.9, 7: 0.6, 8: 0.3, 9: 1.2, 10: 1.2}
SEASON |= {11: 1.1, 12: 0.8}


@dataclasses.dataclass
class Person:
    id: int
    created_at: dt.datetime
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


async def place_of(
    slug: str, site_id: int, kiosk: int | None, staff_ids: dict[str, int], now: dt.datetime
) -> Place:
    data = next(site for site in demo_accounts.SITES if site.slug == slug)
    today = clock.to_zone(now, data.timezone).date()
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
        kiosk=kiosk,
    )


async def insert(rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), CHUNK):
        await type(rows[0]).insert(*rows[start : start + CHUNK])


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def moment(rng: random.Random, place: Place, day: dt.date) -> dt.datetime:
    """A minute the site is open on ``day``."""
    start, end = rng.choice(place.intervals(day))
    minutes = int((end - start).total_seconds() // 60)
    return start + dt.timedelta(minutes=rng.randrange(max(minutes - 15, 1)))


def busy_days(rng: random.Random, days: list[dt.date], k: int) -> list[dt.date]:
    """``k`` of ``days``, drawn as busy as their season is."""
    return rng.choices(days, weights=[SEASON[day.month] for day in days], k=k)
