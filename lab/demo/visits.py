"""Demo drop-in visits: a month of them at both sites, on opening days and within opening
hours, for the reasons people really come (the computers and the wifi most, the studio for
long sessions, a print for a few minutes), a third of them anonymous; and, when a site is open
while the demo loads, a few people in the lab now.

It draws from its own random generator, so that adding it changed none of the other parts'
data."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

from lab.accounts import queries as accounts
from lab.core import clock
from lab.system import operator
from lab.visits import rules, services
from lab.visits.tables import Visit

DAYS = 30
# (purpose code, weight, shortest and longest stay in minutes)
PURPOSES = [
    ("computer", 30, 30, 150),
    ("wifi", 20, 15, 90),
    ("games", 12, 30, 120),
    ("studio", 8, 60, 180),
    ("help", 10, 15, 60),
    ("print", 10, 5, 20),
    ("job_search", 8, 30, 120),
    ("other", 2, 10, 60),
]
ANONYMOUS_SHARE = 0.3


def _hours(site: accounts.Site) -> dict:
    raw = site.opening_hours
    return json.loads(raw) if isinstance(raw, str) else raw or {}


async def load_visits(site_ids: dict[str, int], people: list[dict], rng: random.Random) -> int:
    """Write the month of visits, then open a few now; returns how many visits there are."""
    now = clock.now()
    rows: list[Visit] = []
    for site_id in site_ids.values():
        site = await accounts.get_site(site_id)
        hours, zone = _hours(site), site.timezone
        followed = [person["id"] for person in people if person["created_site"] == site_id]
        today = clock.to_zone(now, zone).date()
        for back in range(DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            intervals = rules.intervals_on(hours, day, zone)
            if not intervals:
                continue
            closes = max(end for _, end in intervals)
            for _ in range(rng.randint(6, 18)):
                start, end = rng.choice(intervals)
                span = int((end - start).total_seconds() // 60)
                arrived = start + dt.timedelta(minutes=rng.randrange(max(span - 5, 1)))
                code, _weight, shortest, longest = rng.choices(
                    PURPOSES, weights=[item[1] for item in PURPOSES]
                )[0]
                anonymous = rng.random() < ANONYMOUS_SHARE or not followed
                how = rng.choices(rules.ENDINGS, weights=[60, 28, 12])[0]
                left = arrived + dt.timedelta(minutes=rng.randint(shortest, longest))
                left = closes if how == "closing" else min(left, closes)
                rows.append(
                    Visit(
                        site=site_id,
                        visitor=None if anonymous else rng.choice(followed),
                        age_band=rng.choice([*rules.AGE_BANDS, None]) if anonymous else None,
                        purpose=code,
                        arrived_at=arrived,
                        left_at=max(left, arrived),
                        ended_by=how,
                        nonce=f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
                        created_at=arrived,
                    )
                )
    if rows:
        await Visit.insert(*rows)
    await _in_the_lab_now(site_ids, people, rng, now)
    return await Visit.count()


def _arrival(rng: random.Random, now: dt.datetime, opened: dt.datetime) -> dt.datetime:
    """Since a few minutes to two hours ago, but not before the site opened."""
    return max(opened, now - dt.timedelta(minutes=rng.randint(2, 120)))


async def _in_the_lab_now(
    site_ids: dict[str, int], people: list[dict], rng: random.Random, now: dt.datetime
) -> None:
    """A few people in now, through the service, at each site open at this moment."""
    actor = await operator()
    for site_id in site_ids.values():
        site = await accounts.get_site(site_id)
        if not rules.is_open(_hours(site), site.timezone, now):
            continue
        day = clock.to_zone(now, site.timezone).date()
        opened = next(
            start
            for start, end in rules.intervals_on(_hours(site), day, site.timezone)
            if start <= now < end
        )

        followed = [person["id"] for person in people if person["created_site"] == site_id]
        for visitor_id in rng.sample(followed, min(4, len(followed))):
            await services.open_visit(
                actor,
                site_id=site_id,
                purpose=rng.choice(PURPOSES)[0],
                nonce=f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
                at=_arrival(rng, now, opened),
                visitor_id=visitor_id,
            )
        for _ in range(2):
            await services.open_visit(
                actor,
                site_id=site_id,
                purpose=rng.choice(["wifi", "games", "print"]),
                nonce=f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
                at=_arrival(rng, now, opened),
                age_band=rng.choice(rules.AGE_BANDS),
            )
