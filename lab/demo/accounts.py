"""Demo accounts: two sites (France and Brussels), staff of every role, visitors with passes."""

from __future__ import annotations

import datetime as dt
import random

from lab.accounts import queries
from lab.accounts import services as accounts
from lab.accounts.forms import ConsentInput, NewStaffInput, NewVisitorInput, SiteInput
from lab.core import clock
from lab.core.roles import StaffPrincipal
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
    return await queries.has_sites_or_staff()


async def load_sites_and_staff() -> dict[str, int]:
    """{site slug: id} of the demo sites, each with its staff."""
    actor = await operator()
    site_ids: dict[str, int] = {}
    for data in SITES:
        site_ids[data.slug] = (await accounts.create_site(actor, data)).id
    actor = await operator()  # now it sees the new sites
    for email, name, role, slug, language in STAFF:
        await accounts.create_staff(
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
    return site_ids


async def load_visitors(
    actor: StaffPrincipal, site_ids: dict[str, int], rng: random.Random, count: int
) -> None:
    """``count`` young people spread over the sites, each with a pass."""
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
        visitor, _token = await accounts.create_visitor(actor, data)
        if index % 8:  # one in eight keeps their optional fields out of the funders' figures
            await accounts.give_consent(
                actor, visitor.id, ConsentInput(purpose="reporting_optional_fields")
            )


async def people() -> list[dict]:
    """Every visitor's ``id`` and ``created_site``, in the order they were created."""
    return await queries.visitor_sites()


async def staff_ids() -> dict[str, int]:
    """{e-mail: id} of the staff accounts."""
    return await queries.staff_ids_by_email()
