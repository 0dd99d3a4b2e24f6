"""Resources and times for booking tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from lab.bookings.tables import Resource
from lab.core import clock

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday, far enough from any daylight-saving change.
TUESDAY = dt.date(2026, 12, 1)


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY, zone: ZoneInfo = PARIS) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)


def freeze(moment: dt.datetime) -> None:
    """Stop the clock at ``moment`` (the tests' autouse fixture restarts it)."""
    clock.set_clock(lambda: moment)


async def make_resource(site, name: str = "Studio", units: int = 1, **rules) -> Resource:
    values = {
        "kind": "studio" if units == 1 else "tablet_pool",
        "slot_minutes": 30,
        "min_minutes": 30,
        "max_minutes": 240,
        "horizon_days": 60,
        "release_after_minutes": 15,
        **rules,
    }
    resource = Resource(site=site.id, name=name, units=units, created_at=clock.now(), **values)
    await resource.save()
    return resource
