"""Demo data: two sites (France and Brussels), staff of every role, 50 visitors with passes.

Deterministic (fixed seed), so the README's logins and the screenshots stay true.
"""

from __future__ import annotations

import datetime as dt
import random

from lab.accounts import sites, staff, visitors
from lab.accounts.forms import NewStaffInput, NewVisitorInput, SiteInput
from lab.accounts.roles import StaffPrincipal
from lab.accounts.tables import Site, StaffUser, Visitor
from lab.bookings import checkin, releases, services
from lab.bookings.forms import BookingInput, ResourceInput
from lab.bookings.resources import create_resource, grant_induction
from lab.bookings.tables import Asset, Booking
from lab.core import clock
from lab.system import operator

DEMO_PASSWORD = "demo-lab-2026"  # noqa: S105 - documented in the README, demo only

SITES = [
    SiteInput(
        name="Mission locale de Saint-Denis — Lab",
        slug="saint-denis",
        timezone="Europe/Paris",
        address="12 rue de la République, 93200 Saint-Denis",
        network="Île-de-France",
        hours_mon="09:00-12:30, 13:30-17:30",
        hours_tue="09:00-12:30, 13:30-17:30",
        hours_wed="09:00-12:30, 13:30-19:00",
        hours_thu="13:30-17:30",
        hours_fri="09:00-12:30, 13:30-16:30",
    ),
    SiteInput(
        name="Mission locale de Bruxelles — Lab Anderlecht",
        slug="bruxelles-anderlecht",
        timezone="Europe/Brussels",
        address="Rue Wayez 45, 1070 Anderlecht",
        network="Bruxelles",
        hours_mon="08:30-12:30, 13:00-16:30",
        hours_tue="08:30-12:30, 13:00-16:30",
        hours_wed="08:30-12:30",
        hours_thu="08:30-12:30, 13:00-16:30",
        hours_fri="08:30-12:30, 13:00-15:30",
    ),
]

# (e-mail, name, role, site slug or None, language)
STAFF = [
    ("admin@lab.example", "Camille Admin", "admin", None, "fr"),
    ("reseau@lab.example", "Nadia Benali", "network_manager", None, "fr"),
    ("responsable.stdenis@lab.example", "Julien Moreau", "manager", "saint-denis", "fr"),
    ("animation.stdenis@lab.example", "Awa Diallo", "facilitator", "saint-denis", "fr"),
    ("responsable.bxl@lab.example", "Pieter Janssens", "manager", "bruxelles-anderlecht", "nl"),
    ("animation.bxl@lab.example", "Sofia El Amrani", "facilitator", "bruxelles-anderlecht", "fr"),
]

FIRST_NAMES = [
    "Yanis",
    "Inès",
    "Moussa",
    "Léa",
    "Rayan",
    "Aïcha",
    "Lucas",
    "Fatoumata",
    "Mehdi",
    "Chloé",
    "Ilyes",
    "Sarah",
    "Kevin",
    "Maëlys",
    "Amadou",
    "Lina",
    "Noah",
    "Zoé",
    "Bilal",
    "Emma",
    "Sami",
    "Nour",
    "Théo",
    "Jade",
    "Adama",
    "Yasmine",
    "Hugo",
    "Kenza",
    "Ibrahim",
    "Manon",
    "Lars",
    "Fleur",
    "Omar",
    "Eline",
    "Jonas",
    "Salma",
    "Daan",
    "Hanna",
    "Youssef",
    "Lotte",
]
LAST_NAMES = [
    "Martin",
    "Traoré",
    "Benali",
    "Dubois",
    "Diallo",
    "Nguyen",
    "Haddad",
    "Lefèvre",
    "Camara",
    "Petit",
    "Mansouri",
    "Garcia",
    "Koné",
    "Bernard",
    "Cissé",
    "Peeters",
    "Janssens",
    "Maes",
    "El Idrissi",
    "Willems",
    "Claes",
    "Aydin",
    "Dupont",
    "N'Diaye",
    "Ferreira",
]
STATUSES = ["job_seeker"] * 6 + ["student", "training", "employed", "inactive", "other"]
POSTCODES = {
    "saint-denis": ["93200", "93210", "93240", "93300", "93400"],
    "bruxelles-anderlecht": ["1070", "1080", "1000", "1060", "1030"],
}


async def has_data() -> bool:
    return bool(await StaffUser.exists() or await Site.exists())


async def load(count: int = 50, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    actor = await operator()
    site_ids: dict[str, int] = {}
    for data in SITES:
        site_ids[data.slug] = (await sites.create_site(actor, data)).id
    actor = await operator()  # now it sees the new sites
    for email, name, role, slug, language in STAFF:
        await staff.create_staff(
            actor,
            NewStaffInput(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                language=language,
                site_id=site_ids[slug] if slug else None,
            ),
        )
    today = clock.now().date()
    slugs = list(site_ids)
    for index in range(count):
        slug = slugs[index % len(slugs)]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        age_days = rng.randint(16 * 365 + 5, 25 * 365 + 300)
        data = NewVisitorInput(
            first_name=first,
            last_name=last,
            birth_date=today - dt.timedelta(days=age_days),
            postcode=rng.choice(POSTCODES[slug]),
            status=rng.choice(STATUSES),
            preferred_language=rng.choice(
                ["fr", "fr", "nl", "en"]
                if slug.startswith("bruxelles")
                else ["fr", "fr", "fr", "en"]
            ),
            gender=rng.choice(["female", "male", "undisclosed", None]),
            priority_area=rng.choice(["yes", "no", "undisclosed", None]),
            education_level=rng.choice(["none", "level3", "level4", "level5", None]),
            external_ref=f"ML-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
            site_id=site_ids[slug],
            confirm_not_duplicate=True,
        )
        await visitors.create_visitor(actor, data)
    equipment = await load_equipment(actor, site_ids, rng)
    return {"sites": len(site_ids), "staff": len(STAFF), "visitors": count, **equipment}


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
            "required_induction": "studio",
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
    actor: StaffPrincipal, site_ids: dict[str, int], rng: random.Random
) -> dict[str, int]:
    """Resources with realistic rules, tablets as lendable assets, and a week of bookings
    around today: those already past checked in (or released as no-shows), the rest ahead."""
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
    people = await Visitor.select(Visitor.id, Visitor.created_site)
    for person in people:
        if person["created_site"] == site_ids["saint-denis"] and rng.random() < 0.3:
            await grant_induction(actor, person["id"], "studio")

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
                    await checkin.check_in(actor, booking.id)
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
