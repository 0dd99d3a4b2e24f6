"""What is free when: the slots of a day, and the bookings a grid shows."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import get_site
from lab.bookings import releases
from lab.bookings.holdings import held_bookings
from lab.bookings.resources import closures_between, get_resource_for, policy_for, policy_from
from lab.bookings.rules import WEEKDAYS, Held, Policy, free_units
from lab.bookings.tables import Resource
from lab.core import clock
from lab.core.roles import StaffPrincipal


@dataclasses.dataclass(frozen=True, slots=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    free_units: int


async def day_slots(resource: Resource, day: dt.date) -> list[Slot]:
    """Every slot of ``day`` (site time) within opening hours, with its free units.

    Applies due releases first, so a slot released a minute ago already shows as free.
    """
    await releases.release_due(resource.id)
    around = clock.local_instant(day, dt.time(12), "UTC")
    policy = await policy_for(resource, around)
    bounds = slot_bounds(policy, day)
    if not bounds:
        return []
    held = await held_bookings(resource.id, bounds[0][0], bounds[-1][1])
    return slots_from(policy, bounds, held)


def slot_bounds(policy: Policy, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) of every slot of ``day`` (site time) within opening hours, in UTC."""
    if day in policy.closed_days:
        return []
    slots: list[tuple[dt.datetime, dt.datetime]] = []
    for opens, closes in policy.opening_hours.get(WEEKDAYS[day.weekday()], []):
        start = clock.local_instant(day, dt.time.fromisoformat(opens), policy.timezone)
        end = clock.local_instant(day, dt.time.fromisoformat(closes), policy.timezone)
        step = dt.timedelta(minutes=policy.slot_minutes)
        # Each slot starts where the one before ends: one conversion to UTC per slot.
        utc_start = clock.utc_minute(start)
        while start + step <= end:
            start += step
            utc_end = clock.utc_minute(start)
            slots.append((utc_start, utc_end))
            utc_start = utc_end
    return slots


def slots_from(
    policy: Policy, bounds: list[tuple[dt.datetime, dt.datetime]], held: list[Held]
) -> list[Slot]:
    """Slots with their free units, from what holds the resource (a superset will do: only
    what overlaps a slot counts)."""
    return [Slot(start, end, free_units(policy, held, start, end)) for start, end in bounds]


@dataclasses.dataclass(frozen=True, slots=True)
class Availability:
    """A resource's rules over a span of days, and the slots of some of those days."""

    policy: Policy
    slots: dict[dt.date, list[Slot]]


async def availability_over(
    resource: Resource, first: dt.date, last: dt.date, days: list[dt.date]
) -> Availability:
    """The resource's rules from ``first`` to ``last`` (site time; its closure days among
    them) and the slots of ``days``, in four queries whatever the number of days: due
    releases, the site, its closures, and what holds the resource."""
    await releases.release_due(resource.id)
    site = await get_site(resource.site)
    closures = await closures_between(
        site.id, first - dt.timedelta(days=1), last + dt.timedelta(days=1)
    )
    policy = policy_from(resource, site, frozenset(closures))
    bounds = {day: slot_bounds(policy, day) for day in days}
    every = [bound for day_bounds in bounds.values() for bound in day_bounds]
    held = []
    if every:
        start, end = min(b[0] for b in every), max(b[1] for b in every)
        held = await held_bookings(resource.id, start, end)
    return Availability(policy, {day: slots_from(policy, b, held) for day, b in bounds.items()})


async def availability_for(actor: StaffPrincipal, resource_id: int, day: dt.date) -> list[Slot]:
    resource = await get_resource_for(actor, resource_id)
    return await day_slots(resource, day)
