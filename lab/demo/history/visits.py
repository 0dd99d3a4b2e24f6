"""The history's drop-in visits: the eleven months before the one ``lab.demo.visits`` loads."""

from __future__ import annotations

import datetime as dt
import random

from lab.core import clock
from lab.demo import visits as demo_visits
from lab.demo.history.place import DAYS, SEASON, Person, Place, insert, moment, uid
from lab.visits import queries as visit_queries
from lab.visits import rules as visit_rules
from lab.visits.tables import Visit


async def load_visits(place: Place, rng: random.Random) -> int:
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
            rows.append(_visit(place, rng, purposes, moment(rng, place, day), closes, person))
    for person in place.people:
        if person.via == "kiosk":  # the tablet asks why they came as it signs them up
            day = clock.to_zone(person.created_at, place.zone).date()
            closes = place.intervals(day)[-1][1]
            rows.append(_visit(place, rng, purposes, person.created_at, closes, person))
    if rows:
        await insert(rows)
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
        nonce=f"demo-{uid(rng)}",
        created_at=arrived,
    )
