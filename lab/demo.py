"""Demo data: two sites (France and Brussels), staff of every role, 50 visitors with passes.

Deterministic (fixed seed), so the README's logins and the screenshots stay true.
"""

from __future__ import annotations

import datetime as dt
import random

from lab.accounts import sites, staff, visitors
from lab.accounts.forms import NewStaffInput, NewVisitorInput, SiteInput
from lab.accounts.tables import Site, StaffUser, Visitor
from lab.bookings import checkin, releases, services
from lab.bookings.forms import BookingInput, ResourceInput
from lab.bookings.resources import create_resource, grant_induction
from lab.bookings.tables import Asset, Booking
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.kiosk import devices as kiosk_devices
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
    programme = await load_programme(actor, site_ids, rng)
    equipment["resources"] += programme.pop("rooms")
    kiosks = await load_kiosks(actor, site_ids)
    return {
        "sites": len(site_ids),
        "staff": len(STAFF),
        "visitors": count,
        **equipment,
        **programme,
        "kiosks": len(kiosks),
    }


# One tablet per site, not paired: `lab kiosk-code --device ID` (or the "Tablettes" page)
# gives it a pairing code when a tablet is at hand.
KIOSK_NAME = "Tablette accueil"


async def load_kiosks(actor: StaffPrincipal, site_ids: dict[str, int]) -> dict[str, int]:
    """{site slug: device id} of the demo tablets."""
    made = {}
    for slug, site_id in site_ids.items():
        device = await kiosk_devices.create_unpaired_device(actor, site_id, KIOSK_NAME)
        made[slug] = device.id
    return made


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


# -- Workshops --------------------------------------------------------------------------------

# (site slug, partner name, kind, contact)
PARTNERS = [
    (
        "saint-denis",
        "France Travail",
        "employment",
        "Agence de Saint-Denis, accueil des partenaires",
    ),
    ("bruxelles-anderlecht", "Actiris", "employment", "Antenne Actiris d'Anderlecht"),
]

# Each module: site, its form, the facilitators' e-mails, the partner, and its sessions as
# (weekday 0-6, start, end, first week relative to this week, number of weeks); then how many
# people to enrol (series: in the module; drop-in: a range per session).
PROGRAMME = [
    {
        "site": "saint-denis",
        "title": "Objectif emploi : 6 séances pour trouver un job",
        "kind": "job_search",
        "enrolment": "series",
        "capacity": 10,
        "description": "Six matinées pour faire son CV, écrire une lettre, chercher des offres "
        "et préparer un entretien. On avance ensemble, à son rythme.",
        "audience": "Jeunes qui cherchent un emploi ou une alternance",
        "competences": "CV, lettre de motivation, recherche d'offres, entretien",
        "team": ["animation.stdenis@lab.example", "responsable.stdenis@lab.example"],
        "sessions": (1, "09:30", "12:00", -2, 6),
        "people": 12,
    },
    {
        "site": "saint-denis",
        "title": "Trouver ma voie : atelier orientation",
        "kind": "orientation",
        "enrolment": "series",
        "capacity": 8,
        "description": "Trois après-midi pour découvrir des métiers, parler de ce qu'on aime "
        "et choisir une piste de formation.",
        "audience": "Jeunes qui ne savent pas encore quel métier choisir",
        "competences": "connaissance de soi, découverte des métiers, projet professionnel",
        "team": ["animation.stdenis@lab.example"],
        "sessions": (3, "14:00", "16:30", -1, 3),
        "people": 6,
    },
    {
        "site": "saint-denis",
        "title": "Numérique : les bases",
        "kind": "digital_skills",
        "enrolment": "drop_in",
        "capacity": 6,
        "self_enrol": True,
        "description": "Chaque mercredi, un atelier court : créer une adresse e-mail, envoyer "
        "un document, faire une démarche en ligne. On vient quand on veut.",
        "audience": "Tout le monde, même sans ordinateur à la maison",
        "competences": "e-mail, démarches en ligne, sécurité",
        "team": ["animation.stdenis@lab.example"],
        "sessions": (2, "14:00", "16:00", -2, 6),
        "people": (3, 8),
    },
    {
        "site": "saint-denis",
        "title": "Réunion d'information France Travail",
        "kind": "info_session",
        "enrolment": "series",
        "capacity": 15,
        "description": "France Travail présente ses services : inscription, aides, offres. "
        "Venez avec vos questions.",
        "audience": "Jeunes de 18 à 25 ans",
        "competences": "droits et démarches",
        "team": ["responsable.stdenis@lab.example"],
        "partner": "France Travail",
        "sessions": (4, "10:00", "11:30", 1, 1),
        "people": 9,
    },
    {
        "site": "bruxelles-anderlecht",
        "title": "Atelier CV et candidatures",
        "kind": "job_search",
        "enrolment": "series",
        "capacity": 8,
        "description": "Quatre matinées pour faire un CV clair et répondre à des offres, avec "
        "une conseillère d'Actiris à la dernière séance.",
        "audience": "Jeunes Bruxellois·es qui cherchent un emploi",
        "competences": "CV, candidature en ligne",
        "team": ["animation.bxl@lab.example"],
        "partner": "Actiris",
        "sessions": (0, "09:00", "11:30", -1, 4),
        "people": 7,
    },
]


def _hhmm(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


async def load_programme(
    actor: StaffPrincipal, site_ids: dict[str, int], rng: random.Random
) -> dict[str, int]:
    """Workshops over the weeks around today: modules with their team, partner and room,
    sessions that reserve the room, enrolments (some full, with a waitlist), and for the
    sessions already over, attendance taken and the session closed."""
    from lab.attendance import services as attendance
    from lab.workshops import enrolment
    from lab.workshops import services as workshops
    from lab.workshops.forms import EnrolInput, ModuleInput, PartnerInput, ScheduleInput
    from lab.workshops.tables import Enrolment, Session

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
    partners = {}
    for slug, name, kind, contact in PARTNERS:
        data = PartnerInput(site_id=site_ids[slug], name=name, kind=kind, contact=contact)
        partners[name] = (await workshops.create_partner(actor, data)).id
    staff_ids = {
        row["email"]: row["id"] for row in await StaffUser.select(StaffUser.id, StaffUser.email)
    }
    people = await Visitor.select(Visitor.id, Visitor.created_site).order_by(Visitor.id)

    real_now = clock.now()
    monday = real_now.date() - dt.timedelta(days=real_now.weekday())
    # Everything is scheduled and enrolled as if it were three weeks ago, then time catches up.
    clock.set_clock(
        lambda: dt.datetime.combine(monday - dt.timedelta(weeks=3), dt.time(5), tzinfo=dt.UTC)
    )
    counts = {"modules": 0, "sessions": 0, "enrolments": 0, "rooms": len(rooms)}
    try:
        for item in PROGRAMME:
            module = await workshops.create_module(
                actor,
                ModuleInput(
                    site_id=site_ids[item["site"]],
                    title=item["title"],
                    kind=item["kind"],
                    capacity=item["capacity"],
                    enrolment=item["enrolment"],
                    description=item["description"],
                    audience=item["audience"],
                    self_enrol=item.get("self_enrol", False),
                    partner_id=partners.get(item.get("partner", "")),
                    room_id=rooms[item["site"]],
                    competences=item["competences"],
                    facilitator_ids=[staff_ids[email] for email in item["team"]],
                ),
            )
            counts["modules"] += 1
            weekday, start, end, first_week, weeks = item["sessions"]
            scheduled = await workshops.schedule(
                actor,
                module.id,
                ScheduleInput(
                    day=monday + dt.timedelta(weeks=first_week, days=weekday),
                    start=_hhmm(start),
                    end=_hhmm(end),
                    repeat_weeks=weeks,
                ),
            )
            counts["sessions"] += len(scheduled.created)
            here = [p["id"] for p in people if p["created_site"] == module.site]
            if module.enrolment == "series":
                chosen = rng.sample(here, min(item["people"], len(here)))
                for visitor_id in chosen:
                    await enrolment.enrol(actor, module.id, EnrolInput(visitor_id=visitor_id))
            else:
                low, high = item["people"]
                for session in scheduled.created:
                    for visitor_id in rng.sample(here, min(rng.randint(low, high), len(here))):
                        await enrolment.enrol(
                            actor,
                            module.id,
                            EnrolInput(visitor_id=visitor_id, session_id=session.id),
                        )
        counts["enrolments"] = await Enrolment.count()
        # Time catches up: what is over was attended (or not) and closed; what is on now has
        # its first arrivals.
        sessions = await Session.objects().order_by(Session.starts_at)
        for session in sessions:
            if session.starts_at >= real_now:
                break
            await _attend(actor, session, rng, real_now, attendance)
    finally:
        clock.set_clock(None)
    return counts


async def _attend(actor, session, rng: random.Random, real_now: dt.datetime, attendance) -> None:
    from lab.workshops import queries
    from lab.workshops.tables import Module

    module = await Module.objects().get(Module.id == session.module)
    roster = await queries.roster(module, session.id if module.enrolment == "drop_in" else None)
    for row in roster["enrolled"]:
        luck = rng.random()
        if luck < 0.72:
            status, minutes = "present", rng.randint(-10, 5)
        elif luck < 0.84:
            status, minutes = "late", rng.randint(module.late_after_minutes + 1, 40)
        elif luck < 0.9:
            status, minutes = "excused", -60
        else:
            continue  # absent: closing the session says so
        arrival = session.starts_at + dt.timedelta(minutes=minutes)
        if arrival >= real_now:
            continue
        clock.set_clock(lambda arrival=arrival: arrival)
        await attendance.mark(actor, session.id, row["visitor"], status)
    if session.ends_at <= real_now:
        clock.set_clock(lambda end=session.ends_at: end + dt.timedelta(minutes=5))
        await attendance.close_session(actor, session.id)
