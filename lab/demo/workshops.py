"""Demo workshops: partners, a programme of modules over the weeks around today, each with
its team and room, its sessions (which reserve the room) and its enrolments."""

from __future__ import annotations

import datetime as dt
import random

from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.workshops import services as workshops
from lab.workshops.forms import EnrolInput, ModuleInput, PartnerInput, ScheduleInput
from lab.workshops.tables import Enrolment

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
    actor: StaffPrincipal,
    site_ids: dict[str, int],
    rooms: dict[str, int],
    people: list[dict],
    staff_ids: dict[str, int],
    rng: random.Random,
) -> dict[str, int]:
    """Workshops over the weeks around today: modules with their team, partner and room,
    sessions that reserve the room, and enrolments (some full, with a waitlist)."""
    partners = {}
    for slug, name, kind, contact in PARTNERS:
        data = PartnerInput(site_id=site_ids[slug], name=name, kind=kind, contact=contact)
        partners[name] = (await workshops.create_partner(actor, data)).id

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
                    await workshops.enrol(actor, module.id, EnrolInput(visitor_id=visitor_id))
            else:
                low, high = item["people"]
                for session in scheduled.created:
                    for visitor_id in rng.sample(here, min(rng.randint(low, high), len(here))):
                        await workshops.enrol(
                            actor,
                            module.id,
                            EnrolInput(visitor_id=visitor_id, session_id=session.id),
                        )
        counts["enrolments"] = await Enrolment.count()
    finally:
        clock.set_clock(None)
    return counts
