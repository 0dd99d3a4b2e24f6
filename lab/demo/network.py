"""Demo network: about fifteen local partners around each site (Saint-Denis and Anderlecht) with
their contact people, one past meeting at each site (agenda, who came, minutes, decisions), the
actions born of them (one done, one under way and late, one made a workshop module, one just
proposed), and referrals of young people with what came of them.

Names of public bodies are real (France Travail, Actiris, VDAB…); the people, their e-mail
addresses and phone numbers are invented (the ``.example`` domain)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.network import queries, services
from lab.network.forms import (
    ActionInput,
    ActionNoteInput,
    ContactInput,
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PartnerInput,
    PresenceInput,
    ReferralInput,
    ReferralUpdateInput,
    ThemeInput,
)

# (site slug, name, kind, municipality, services, tags, language, contact people as
# (first name, last name, role, language or None for the organisation's))
PARTNERS = {
    "saint-denis": [
        (
            "France Travail Saint-Denis",
            "employment_service",
            "Saint-Denis",
            "Inscription, offres d'emploi, aides à l'embauche, ateliers collectifs",
            "emploi, alternance",
            "fr",
            [
                ("Nathalie", "Garnier", "Conseillère entreprises"),
                ("Karim", "Bensaïd", "Référent jeunes"),
            ],
        ),
        (
            "Cap emploi 93",
            "job_coaching",
            "Bobigny",
            "Accompagnement vers l'emploi des personnes en situation de handicap",
            "handicap, emploi",
            "fr",
            [("Sophie", "Marchand", "Chargée de mission")],
        ),
        (
            "AFPA Montreuil",
            "training",
            "Montreuil",
            "Formations qualifiantes : logistique, bâtiment, numérique, services à la personne",
            "formation, qualification, logistique",
            "fr",
            [("Éric", "Lambert", "Responsable des parcours")],
        ),
        (
            "GRETA de la Seine-Saint-Denis",
            "training",
            "Saint-Denis",
            "Remise à niveau, français langue étrangère, CAP et titres professionnels",
            "formation, FLE, remise à niveau",
            "fr",
            [("Laura", "Petit", "Coordinatrice")],
        ),
        (
            "École de la deuxième chance 93",
            "training",
            "Saint-Denis",
            "Parcours de 6 à 9 mois en alternance pour les 16-25 ans sans diplôme",
            "formation, 16-25 ans, sans diplôme",
            "fr",
            [("Moussa", "Traoré", "Formateur référent")],
        ),
        (
            "Maison de l'emploi Plaine Commune",
            "job_coaching",
            "Saint-Denis",
            "Clauses d'insertion, forums emploi, accompagnement des créateurs",
            "emploi, clauses sociales, création",
            "fr",
            [("Claire", "Dubois", "Chargée de relations entreprises")],
        ),
        (
            "Régie de quartier Saint-Denis",
            "social_economy",
            "Saint-Denis",
            "Chantiers d'insertion : entretien, espaces verts, second œuvre",
            "insertion, chantier",
            "fr",
            [("Hakim", "Belkacem", "Encadrant technique")],
        ),
        (
            "Point information jeunesse de Saint-Denis",
            "youth",
            "Saint-Denis",
            "Information sur les droits, le logement, la mobilité internationale, le BAFA",
            "jeunesse, information, droits",
            "fr",
            [("Inès", "Morel", "Informatrice jeunesse")],
        ),
        (
            "Centre municipal de santé",
            "health",
            "Saint-Denis",
            "Consultations, bilans de santé gratuits, accès aux droits santé",
            "santé, bilan, droits",
            "fr",
            [("Dr Anne", "Roussel", "Médecin coordinatrice")],
        ),
        (
            "Maison des adolescents 93",
            "health",
            "Bobigny",
            "Écoute et accompagnement des 12-25 ans : santé mentale, addictions",
            "santé mentale, écoute",
            "fr",
            [("Julie", "Fontaine", "Psychologue")],
        ),
        (
            "Résidence jeunes travailleurs Pleyel",
            "housing",
            "Saint-Denis",
            "Logement temporaire meublé pour les 18-30 ans en emploi ou en formation",
            "logement, FJT",
            "fr",
            [("Samir", "Haddad", "Responsable d'accueil")],
        ),
        (
            "Action Logement Services",
            "housing",
            "Saint-Denis",
            "Aides au logement des salariés et des alternants : Visale, aide mobili-jeune",
            "logement, alternance, aides",
            "fr",
            [("Céline", "Robert", "Conseillère")],
        ),
        (
            "CCAS de Saint-Denis",
            "other",
            "Saint-Denis",
            "Aides sociales, domiciliation, accès aux droits",
            "droits, aide sociale, domiciliation",
            "fr",
            [("Pascal", "Girard", "Travailleur social")],
        ),
        (
            "Groupement d'employeurs logistique Nord-Est",
            "employer",
            "Gonesse",
            "Recrutements en logistique et transport, préparation aux métiers",
            "recrutement, logistique",
            "fr",
            [("Virginie", "Leroy", "Chargée de recrutement")],
        ),
        (
            "Auto-école sociale de la Plaine",
            "other",
            "Saint-Denis",
            "Permis B à tarif solidaire, code de la route adapté",
            "mobilité, permis",
            "fr",
            [("Yacine", "Amrani", "Moniteur")],
        ),
    ],
    "bruxelles-anderlecht": [
        (
            "Actiris Anderlecht",
            "employment_service",
            "Anderlecht",
            "Inscription, Garantie pour la jeunesse, offres d'emploi, stages First",
            "emploi, garantie jeunesse, stage",
            "fr",
            [
                ("Marie", "Claes", "Conseillère emploi"),
                ("Youssef", "El Idrissi", "Conseiller jeunes"),
            ],
        ),
        (
            "VDAB Brussel",
            "employment_service",
            "Brussel",
            "Nederlandstalige begeleiding naar werk en opleiding",
            "werk, opleiding, Nederlands",
            "nl",
            [("Pieter", "De Smet", "Trajectbegeleider")],
        ),
        (
            "Bruxelles Formation",
            "training",
            "Bruxelles",
            "Formations qualifiantes, tests d'orientation, formation en alternance",
            "formation, orientation",
            "fr",
            [("Aurélie", "Dumont", "Conseillère formation")],
        ),
        (
            "Syntra Brussel",
            "training",
            "Brussel",
            "Ondernemersopleidingen en duaal leren",
            "opleiding, duaal leren, ondernemen",
            "nl",
            [("Lotte", "Peeters", "Opleidingsadviseur")],
        ),
        (
            "Interface3",
            "training",
            "Bruxelles",
            "Formations aux métiers du numérique pour les femmes",
            "formation, numérique, femmes",
            "fr",
            [("Nadia", "Lemaire", "Coordinatrice pédagogique")],
        ),
        (
            "Tracé Brussel",
            "job_coaching",
            "Brussel",
            "Begeleiding van jongeren naar werk, jobcoaching",
            "jobcoaching, jongeren",
            "nl",
            [("Jonas", "Vermeulen", "Jobcoach")],
        ),
        (
            "CPAS d'Anderlecht",
            "other",
            "Anderlecht",
            "Revenu d'intégration, aide sociale, article 60",
            "droits, aide sociale, article 60",
            "fr",
            [("Sarah", "Willems", "Assistante sociale")],
        ),
        (
            "Infor Jeunes Bruxelles",
            "youth",
            "Bruxelles",
            "Information jeunesse : droits, études, logement, jobs étudiants",
            "jeunesse, droits, information",
            "fr",
            [("Mehdi", "Benali", "Informateur jeunesse")],
        ),
        (
            "JES Brussel",
            "youth",
            "Brussel",
            "Jeugdwerk, vorming en tewerkstelling voor jongeren",
            "jeugdwerk, vorming",
            "nl",
            [("Eva", "Janssens", "Jeugdwerker")],
        ),
        (
            "Maison médicale du Peterbos",
            "health",
            "Anderlecht",
            "Médecine générale au forfait, kinésithérapie, santé mentale",
            "santé, médecine générale",
            "fr",
            [("Dr Thomas", "Leclercq", "Médecin généraliste")],
        ),
        (
            "Agence immobilière sociale d'Anderlecht",
            "housing",
            "Anderlecht",
            "Logements à loyer modéré, accompagnement des locataires",
            "logement, loyer modéré",
            "fr",
            [("Kevin", "Lambert", "Gestionnaire locatif")],
        ),
        (
            "Les Ateliers du Midi",
            "social_economy",
            "Anderlecht",
            "Atelier de formation par le travail : horeca, rénovation, vente",
            "AFT, horeca, rénovation",
            "fr",
            [("Fatima", "Ouali", "Formatrice")],
        ),
        (
            "Horeca Forma",
            "training",
            "Bruxelles",
            "Formations courtes aux métiers de la salle et de la cuisine",
            "formation, horeca",
            "fr",
            [("Julien", "Mertens", "Responsable formations")],
        ),
        (
            "Hôpital Erasme, service recrutement",
            "employer",
            "Anderlecht",
            "Recrutements : logistique hospitalière, nettoyage, accueil",
            "recrutement, hôpital",
            "fr",
            [("Caroline", "Dupont", "Chargée de recrutement")],
        ),
        (
            "Pro Velo",
            "other",
            "Bruxelles",
            "Apprendre à rouler à vélo en ville, vélos à prix réduit",
            "mobilité, vélo",
            "fr",
            [("Bram", "Maes", "Moniteur vélo")],
        ),
    ],
}

# One past meeting at each site, who is invited (by the partner's position in PARTNERS) and
# who came; its agenda, minutes and decisions.
MEETINGS = {
    "saint-denis": {
        "title": "Réunion des partenaires emploi-formation",
        "zone": "Plaine Commune",
        "days_ago": 18,
        "times": (dt.time(9, 30), dt.time(12)),
        "place": "Salle du conseil, Mission locale de Saint-Denis",
        "themes": [
            ("training_offer", "L'AFPA présente ses formations logistique du printemps"),
            ("hiring_plan", "Plan de recrutement du groupement d'employeurs logistique"),
            ("local_event", "Forum de l'alternance de mars"),
        ],
        "invited": [0, 2, 3, 4, 5, 13],
        "present": [0, 2, 4, 5, 13],
        "minutes": (
            "Présents : France Travail, AFPA, École de la deuxième chance, Maison de l'emploi, "
            "groupement d'employeurs logistique.\n"
            "1. L'AFPA ouvre 12 places en préparation aux métiers de la logistique en avril.\n"
            "2. Le groupement recrute 20 préparateurs de commandes d'ici juin ; il accepte des "
            "jeunes sans expérience après une préparation de deux semaines.\n"
            "3. Le forum de l'alternance aura lieu le 18 mars à la Bourse du travail."
        ),
        "decisions": [
            "Organiser un job dating logistique avec le groupement d'employeurs",
            "Monter une séance d'information sur les formations AFPA pour les jeunes du lab",
            "Tenir un stand commun au forum de l'alternance",
        ],
    },
    "bruxelles-anderlecht": {
        "title": "Concertation locale emploi jeunes Anderlecht",
        "zone": "Bruxelles-Sud",
        "days_ago": 11,
        "times": (dt.time(14), dt.time(16)),
        "place": "Maison communale d'Anderlecht, salle 2",
        "themes": [
            ("decree", "Nouvelle règle de la Garantie pour la jeunesse"),
            ("training_offer", "Bruxelles Formation : modules numériques courts"),
        ],
        "invited": [0, 1, 2, 5, 6, 11],
        "present": [0, 2, 5, 6],
        "minutes": (
            "Présents : Actiris, Bruxelles Formation, Tracé Brussel, CPAS d'Anderlecht.\n"
            "1. Actiris présente le nouveau parcours de la Garantie pour la jeunesse.\n"
            "2. Bruxelles Formation propose des modules numériques de deux semaines.\n"
            "3. Le CPAS demande une séance d'information commune pour les jeunes sous article 60."
        ),
        "decisions": [
            "Atelier commun « premiers pas numériques » avec Bruxelles Formation",
            "Séance d'information Garantie pour la jeunesse au lab",
        ],
    },
}

# Referrals at each site: (need, where it stands, outcome, share contact).
REFERRALS = [
    ("training", "outcome_known", "found_training", True),
    ("job", "taken_up", None, True),
    ("housing", "not_taken_up", None, False),
    ("health", "sent", None, False),
    ("rights", "outcome_known", "rights_opened", True),
    ("mobility", "taken_up", None, True),
    ("job", "outcome_known", "found_job", True),
    ("training", "sent", None, True),
    ("job", "outcome_known", "none", False),
]


async def _partners(actor: StaffPrincipal, site_id: int, slug: str) -> list[tuple[int, list]]:
    made = []
    for name, kind, town, offer, tags, language, people in PARTNERS[slug]:
        words = [w for w in name.lower().replace("'", " ").split() if w.isascii() and len(w) > 2]
        domain = "-".join(words[:2]) + ".example"
        partner = await services.create_partner(
            actor,
            PartnerInput(
                site_id=site_id,
                name=name,
                kind=kind,
                municipality=town,
                zone=town,
                services=offer,
                tags=tags,
                language=language,
                email=f"contact@{domain}",
                confirm_duplicate=True,
            ),
        )
        contacts = []
        for first, last, role in people:
            handle = f"{first.split()[-1]}.{last.split()[-1]}".lower()
            handle = "".join(c for c in handle if c.isascii() and (c.isalpha() or c == "."))
            contact = await services.add_contact(
                actor,
                partner.id,
                ContactInput(
                    first_name=first.split()[-1],
                    last_name=last,
                    role=role,
                    email=f"{handle}@{domain}",
                    language=language,
                ),
            )
            contacts.append(contact.id)
        made.append((partner.id, contacts))
    return made


async def _meeting(
    actor: StaffPrincipal,
    site_id: int,
    slug: str,
    partners: list[tuple[int, list]],
    owner_id: int,
    zone: str,
) -> list[int]:
    """The site's past meeting and the actions its decisions opened; their ids."""
    plan = MEETINGS[slug]
    day = clock.now().astimezone(ZoneInfo(zone)).date() - dt.timedelta(days=plan["days_ago"])
    start, end = plan["times"]
    meeting = await services.create_meeting(
        actor,
        MeetingInput(
            site_id=site_id,
            title=plan["title"],
            day=day,
            start=start,
            end=end,
            place=plan["place"],
            zone=plan["zone"],
        ),
    )
    for kind, title in plan["themes"]:
        await services.add_theme(actor, meeting.id, ThemeInput(title=title, kind=kind))
    invited = await services.invite(
        actor,
        meeting.id,
        InviteInput(contact_ids=[partners[index][1][0] for index in plan["invited"]]),
    )
    by_contact = {invitation.contact: invitation.id for invitation in invited}
    for index in plan["invited"]:
        presence = "present" if index in plan["present"] else "excused"
        await services.record_presence(
            actor,
            meeting.id,
            PresenceInput(invitation_id=by_contact[partners[index][1][0]], presence=presence),
        )
    await services.write_minutes(actor, meeting.id, MinutesInput(minutes=plan["minutes"]))
    actions = []
    for text in plan["decisions"]:
        decision = await services.record_decision(actor, meeting.id, DecisionInput(text=text))
        action = await services.open_action(
            actor,
            ActionInput(
                site_id=site_id,
                title=text,
                kind=_kind_of(text),
                description=text,
                owner_id=owner_id,
                due_on=day + dt.timedelta(days=30),
                partner_ids=[partners[index][0] for index in plan["present"][:2]],
                decision_id=decision.id,
            ),
        )
        actions.append(action.id)
    return actions


def _kind_of(text: str) -> str:
    lowered = text.lower()
    if "job dating" in lowered:
        return "job_dating"
    if "information" in lowered:
        return "info_session"
    if "atelier" in lowered:
        return "joint_workshop"
    return "other"


async def _follow(actor: StaffPrincipal, actions: list[int], zone: str) -> None:
    """The first action is done, the second under way and late, the third made a workshop
    module; any other stays proposed."""
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    first, second, *rest = actions
    await services.move_action(actor, first, "under_way")
    await services.add_action_note(
        actor, first, ActionNoteInput(text="Date et salle trouvées, employeurs confirmés.")
    )
    await services.move_action(actor, first, "done")
    await services.move_action(actor, second, "under_way")
    await services.add_action_note(
        actor, second, ActionNoteInput(text="En attente des dates du partenaire.")
    )
    await services.update_action(
        actor,
        second,
        await _same_with_due(actor, second, today - dt.timedelta(days=3)),
    )
    if rest:
        await services.action_to_module(actor, rest[0])


async def _same_with_due(actor: StaffPrincipal, action_id: int, due_on: dt.date) -> ActionInput:
    detail = await queries.action_detail(actor, action_id)
    action = detail["action"]
    return ActionInput(
        site_id=action.site,
        title=action.title,
        kind=action.kind,
        description=action.description,
        owner_id=action.owner,
        due_on=due_on,
        partner_ids=[partner["id"] for partner in detail["partners"]],
        decision_id=action.decision,
    )


async def _referrals(
    actor: StaffPrincipal,
    site_id: int,
    people: list[dict],
    partners: list[tuple[int, list]],
    rng: random.Random,
) -> int:
    visitors = [person["id"] for person in people if person["created_site"] == site_id]
    made = 0
    for (need, status, outcome, share), visitor_id in zip(REFERRALS, visitors, strict=False):
        partner_id, contacts = rng.choice(partners)
        referral = await services.refer(
            actor,
            ReferralInput(
                visitor_id=visitor_id,
                partner_id=partner_id,
                contact_id=contacts[0] if contacts else None,
                need=need,
                consent=True,
                share_contact=share,
                site_id=site_id,
                follow_up_on=clock.now().date() + dt.timedelta(days=rng.randint(-5, 20)),
            ),
        )
        if status == "outcome_known":
            await services.update_referral(
                actor, referral.id, ReferralUpdateInput(status="taken_up")
            )
        if status != "sent":
            await services.update_referral(
                actor, referral.id, ReferralUpdateInput(status=status, outcome=outcome)
            )
        made += 1
    return made


async def load_network(
    actor: StaffPrincipal,
    site_ids: dict[str, int],
    people: list[dict],
    staff_ids: dict[str, int],
    rng: random.Random,
) -> dict[str, int]:
    """The network of each demo site; how many partners, meetings, actions and referrals."""
    owners = {
        "saint-denis": staff_ids["responsable.stdenis@lab.example"],
        "bruxelles-anderlecht": staff_ids["responsable.bxl@lab.example"],
    }
    zones = {"saint-denis": "Europe/Paris", "bruxelles-anderlecht": "Europe/Brussels"}
    counts = {"network_partners": 0, "network_meetings": 0, "network_actions": 0}
    counts["network_referrals"] = 0
    for slug, site_id in site_ids.items():
        partners = await _partners(actor, site_id, slug)
        actions = await _meeting(actor, site_id, slug, partners, owners[slug], zones[slug])
        await _follow(actor, actions, zones[slug])
        counts["network_partners"] += len(partners)
        counts["network_meetings"] += 1
        counts["network_actions"] += len(actions)
        counts["network_referrals"] += await _referrals(actor, site_id, people, partners, rng)
    return counts
