"""Demo bookings: resources with realistic rules, lendable tablets, a week of bookings around
today, and the rooms the workshops reserve. The studio requires the skill ``studio``: who
learnt it is drawn here, and given it by the skills demo (``learnt_studio``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Awaitable, Callable

from lab.bookings import releases, services
from lab.bookings.forms import BookingInput, ResourceInput
from lab.bookings.resources import create_resource
from lab.bookings.tables import Asset, Booking
from lab.core import clock
from lab.core.roles import StaffPrincipal

# (site slug, kind, name, units, rules)
RESOURCES = [
    (
        "saint-denis",
        "tablet_pool",
        "Tablettes",
        12,
        {"max_minutes": 120, "max_bookings_per_day": 1, "kiosk_self_service": True},
    ),
    (
        "saint-denis",
        "studio",
        "Studio d'enregistrement",
        1,
        {
            "slot_minutes": 60,
            "min_minutes": 60,
            "max_minutes": 180,
            "buffer_minutes": 0,
            "required_skill": "studio",
            "skill_lapse_months": 6,
            "lead_minutes": 60,
            "max_minutes_per_week": 360,
        },
    ),
    (
        "saint-denis",
        "room",
        "Salle de mixage",
        1,
        {"max_minutes": 180, "needs_approval": True, "kiosk_self_service": True},
    ),
    ("saint-denis", "room", "Salle de jeux", 1, {"max_minutes": 90, "kiosk_self_service": True}),
    ("saint-denis", "screen", "Grand écran", 1, {"max_minutes": 240, "buffer_minutes": 30}),
    (
        "saint-denis",
        "computer",
        "Ordinateurs",
        6,
        {"max_minutes": 120, "kiosk_self_service": True, "max_minutes_per_day": 180},
    ),
    (
        "bruxelles-anderlecht",
        "tablet_pool",
        "Tablettes",
        8,
        {"max_minutes": 120, "kiosk_self_service": True},
    ),
    ("bruxelles-anderlecht", "room", "Salle de réunion", 1, {"max_minutes": 240}),
    ("bruxelles-anderlecht", "screen", "Grand écran", 1, {"max_minutes": 240}),
]


async def load_equipment(
    actor: StaffPrincipal,
    site_ids: dict[str, int],
    people: list[dict],
    rng: random.Random,
    learnt_studio: Callable[[int], Awaitable[None]] | None = None,
) -> dict[str, int]:
    """Resources with realistic rules, tablets as lendable assets, and a week of bookings
    around today: those already past checked in (or released as no-shows), the rest ahead.

    About a third of Saint-Denis's visitors know the studio: ``learnt_studio(visitor id)``
    gives each of them the skill (bookings cannot: the skills domain is above it), before the
    week is booked, so that their studio bookings go through."""
    resources = []
    for slug, kind, name, units, rules in RESOURCES:
        data = ResourceInput(site_id=site_ids[slug], kind=kind, name=name, units=units, **rules)
        resources.append(await create_resource(actor, data))
    for resource in resources:
        if resource.kind == "tablet_pool":
            prefix = "TAB" if resource.site == site_ids["saint-denis"] else "BXL"
            await Asset.insert(
                *(
                    Asset(
                        resource=resource.id,
                        tag=f"{prefix}-{n:02d}",
                        label=f"{resource.name} {n}",
                        created_at=clock.now(),
                    )
                    for n in range(1, resource.units + 1)
                )
            )
    for person in people:
        # Drawn for everyone, with or without ``learnt_studio``: the draws after it stay the same.
        if person["created_site"] == site_ids["saint-denis"] and rng.random() < 0.3:
            if learnt_studio is not None:
                await learnt_studio(person["id"])

    real_now = clock.now()
    first_day = real_now.date() - dt.timedelta(days=2)
    days = [first_day + dt.timedelta(days=n) for n in range(8)]
    days = [day for day in days if day.weekday() < 6]  # the sites are closed on Sundays
    # Book the whole week as if it were its first morning, then let time catch up.
    clock.set_clock(lambda: dt.datetime.combine(first_day, dt.time(5), tzinfo=dt.UTC))
    made = []
    try:
        for _ in range(160):
            resource = rng.choice(resources)
            person = rng.choice([p for p in people if p["created_site"] == resource.site])
            day = rng.choice(days)
            hour = rng.choice([9, 10, 11, 14, 15, 16])
            length = max(resource.min_minutes, resource.slot_minutes * rng.randint(1, 3))
            wanted = await services.wanted_from_form(
                _booking_input(resource.id, day, hour, length, person["id"])
            )
            try:
                made.append(await services.book(actor, wanted))
            except services.BookingRefused:
                continue  # the demo, like a real week, has full slots
        for booking in sorted(made, key=lambda b: b.starts_at):
            if booking.starts_at < real_now and rng.random() < 0.8:
                arrival = booking.starts_at + dt.timedelta(minutes=rng.randint(-10, 10))
                clock.set_clock(lambda arrival=arrival: arrival)
                booking_row = await Booking.objects().get(Booking.id == booking.id)
                if booking_row.status == "confirmed":
                    await services.check_in(actor, booking.id)
    finally:
        clock.set_clock(None)
    await releases.release_due()
    return {"resources": len(resources), "bookings": len(made)}


def _booking_input(
    resource_id: int, day: dt.date, hour: int, minutes: int, visitor_id: int
) -> BookingInput:
    start = dt.time(hour)
    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
    return BookingInput(
        resource_id=resource_id, day=day, start=start, end=end, visitor_id=visitor_id
    )


async def load_workshop_rooms(actor: StaffPrincipal, site_ids: dict[str, int]) -> dict[str, int]:
    """{site slug: resource id} of each site's workshop room."""
    rooms = {}
    for slug, site_id in site_ids.items():
        # Workshop rooms are never released: nobody "checks in" a room for a group.
        data = ResourceInput(
            site_id=site_id,
            kind="room",
            name="Salle d'atelier",
            units=1,
            max_minutes=240,
            horizon_days=120,
            release_after_minutes=None,
        )
        rooms[slug] = (await create_resource(actor, data)).id
    return rooms
