"""The history's equipment: past bookings of what the lab lends and rents out (never its
workshop rooms, which the sessions reserve) and tablet loans."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from lab.bookings.tables import Asset, Booking, Loan, Resource
from lab.demo.history.place import DAYS, Person, Place, busy_days, insert, moment, uid, weighted
from lab.skills.tables import SkillEvidence
from lab.workshops.tables import Module

# Past bookings: (status, weight). A booking checked in and over is completed by the service.
BOOKING_ENDS = {"completed": 68, "released": 10, "no_show": 5, "cancelled": 17}
BOOKINGS_PER_DAY = 0.7  # tries per resource and open day (some find it taken)
LOANS_PER_SITE = 12


async def load_equipment(place: Place, rng: random.Random) -> Counter[str]:
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
        row["visitor"]: row["at"]
        for row in await SkillEvidence.select(SkillEvidence.visitor, SkillEvidence.at).where(
            SkillEvidence.visitor.is_in([person.id for person in place.people] or [-1])
            & (SkillEvidence.skill == "studio")
        )
    }
    made: list[Booking] = []
    taken: set[tuple[int, int, object]] = set()  # (visitor, resource, day or studio week)
    for day in busy_days(rng, days, round(len(days) * len(resources) * BOOKINGS_PER_DAY)):
        resource = rng.choice(resources)
        booking = _booking(place, rng, resource, day, held[resource.id], inducted, taken)
        if booking is not None:
            made.append(booking)
            if booking.status != "cancelled":
                held[resource.id].append((booking.starts_at, booking.blocked_until, 1))
    made.sort(key=lambda row: row.starts_at)
    if made:
        await insert(made)
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
    (one a week for the studio, which needs its skill)."""
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
    if resource.required_skill:
        people = [
            p for p in people if inducted.get(p.id, ends_at) < starts_at - dt.timedelta(days=1)
        ]
    if not people:
        return None
    person = rng.choice(people)
    key = day.isocalendar()[:2] if resource.required_skill else day
    if (person.id, resource.id, key) in taken:
        return None
    taken.add((person.id, resource.id, key))
    status = weighted(rng, BOOKING_ENDS)
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
        uid=f"{uid(rng)}@lab",
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
    for day in sorted(busy_days(rng, days, LOANS_PER_SITE)):
        out_at = moment(rng, place, day)
        free = [asset for asset in returned if free_from[asset] < out_at]
        due_day = day + dt.timedelta(days=rng.choice([7, 14]))
        back_days = place.open_days(due_day - dt.timedelta(days=3), due_day + dt.timedelta(days=6))
        people = place.known_by(out_at)
        if not (free and back_days and people):
            continue
        asset, back = rng.choice(free), moment(rng, place, rng.choice(back_days))
        loans.append(_loan(place, rng, asset, people, out_at, place.at(due_day, "17:00"), back))
        free_from[asset] = back
    overdue = place.open_days(last - dt.timedelta(weeks=6), last - dt.timedelta(weeks=3))
    for asset, day in zip(kept, rng.sample(overdue, min(len(kept), len(overdue))), strict=False):
        out_at = moment(rng, place, day)
        people = place.known_by(out_at)
        if people:
            due_at = place.at(day + dt.timedelta(days=14), "17:00")
            loans.append(_loan(place, rng, asset, people, out_at, due_at, None))
    if loans:
        await insert(loans)
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
