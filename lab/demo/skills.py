"""Demo skills: what the demo's workshops teach, a studio workshop that grants the studio's
skill, and evidence histories (the visitors' own word, facilitators' ticks at past sessions,
completed modules) with the badges they earned, so that a visitor's progress and a badge can be
seen right after ``make run``. Everything goes through the skills services with the clock set
back, as the rest of the demo does; the shipped catalogue is loaded first (PostgreSQL's tests
empty it)."""

from __future__ import annotations

import datetime as dt
import random

from lab.accounts.queries import load_principal
from lab.attendance import services as attendance
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.skills import catalogue
from lab.skills import queries as skills_queries
from lab.skills import services as skills
from lab.skills.forms import Assessment, ModuleSkills, Ticks
from lab.skills.tables import Badge, SkillEvidence
from lab.workshops import queries as workshop_queries
from lab.workshops import services as workshops
from lab.workshops.forms import ModuleInput, ScheduleInput

# Module title: (skills it teaches, those its completion grants).
TEACHING = {
    "Numérique : les bases": (
        [
            "touchscreen",
            "email-create",
            "email-use",
            "email-attachment",
            "account-password",
            "phishing",
            "online-form",
        ],
        ["email-create"],
    ),
    "Objectif emploi : 6 séances pour trouver un job": (
        ["cv-template", "cover-letter", "job-search", "job-apply", "video-interview"],
        ["cv-template"],
    ),
    "Atelier CV et candidatures": (["cv-template", "job-search", "job-apply"], ["cv-template"]),
    "Sécurité en ligne": (["account-password", "phishing", "privacy-social"], ["phishing"]),
}
STUDIO_WORKSHOP = "Découvrir le studio"
STUDIO_SITE = "saint-denis"
STUDIO_TEAM = "animation.stdenis@lab.example"


async def load_catalogue() -> None:
    await catalogue.load_shipped()


async def teach(actor: StaffPrincipal, titles: list[str] | None = None) -> int:
    """Say what the demo's modules teach (before their sessions are attended, so that
    completing one records its evidence as it happens). Returns how many modules."""
    done = 0
    for module in await workshops.list_modules(actor):
        if module.title in TEACHING and (titles is None or module.title in titles):
            taught, granted = TEACHING[module.title]
            await skills.set_module_skills(
                actor, module.id, ModuleSkills(teaches=taught, grants=granted)
            )
            done += 1
    return done


async def load_studio_workshop(
    actor: StaffPrincipal, site_ids: dict[str, int], rooms: dict[str, int], staff_ids: dict
) -> int:
    """A short drop-in workshop that teaches the studio, on the next three Thursdays: the
    studio's booking refusal offers it."""
    module = await workshops.create_module(
        actor,
        ModuleInput(
            site_id=site_ids[STUDIO_SITE],
            title=STUDIO_WORKSHOP,
            kind="digital_skills",
            capacity=4,
            enrolment="drop_in",
            self_enrol=True,
            description="Une heure au studio avec une animatrice : le micro, le casque, "
            "enregistrer un message et l'écouter. Après, vous pouvez réserver le studio seul.",
            audience="Tout le monde",
            competences="enregistrer au studio",
            room_id=rooms[STUDIO_SITE],
            facilitator_ids=[staff_ids[STUDIO_TEAM]],
        ),
    )
    today = clock.now().date()
    thursday = today + dt.timedelta(days=(3 - today.weekday()) % 7 or 7)
    await workshops.schedule(
        actor,
        module.id,
        ScheduleInput(day=thursday, start=dt.time(16), end=dt.time(17), repeat_weeks=3),
    )
    await skills.set_module_skills(
        actor, module.id, ModuleSkills(teaches=["studio"], grants=["studio"])
    )
    return module.id


async def learnt_studio(actor: StaffPrincipal, visitor_id: int) -> None:
    """A facilitator saw this visitor record at the studio on their own."""
    await skills.validate_at_desk(actor, visitor_id, Assessment(skill="studio", level="on_my_own"))


async def load_evidence(
    actor: StaffPrincipal, people: list[dict], staff_ids: dict, rng: random.Random
) -> int:
    """Facilitators' ticks at the sessions already held, and visitors' own word over the last
    three weeks. Returns how many pieces of evidence."""
    count = 0
    real_now = clock.now()
    modules = [m for m in await workshops.list_modules(actor) if m.title in TEACHING]
    try:
        for module in modules:
            taught = TEACHING[module.title][0]
            facilitator = await _facilitator(module, staff_ids, actor)
            for session in await workshop_queries.module_sessions(module.id):
                if session["ends_at"] > real_now:
                    continue
                came = [
                    person["id"]
                    for person in await attendance.roster(facilitator, session["id"])
                    if person["status"] in ("present", "late")
                ]
                ticks = [
                    f"{visitor}:{skill}:{rng.choice(['with_help', 'on_my_own', 'on_my_own'])}"
                    for visitor in came
                    if rng.random() < 0.6
                    for skill in rng.sample(taught, rng.randint(1, 2))
                ]
                if ticks:
                    clock.set_clock(lambda at=session["ends_at"]: at)
                    count += (
                        await skills.observe(facilitator, session["id"], Ticks(tick=ticks))
                    ).evidence
        codes = [row["code"] for row in await skills_queries.practical_skills()]
        for person in rng.sample(people, min(24, len(people))):
            for code in rng.sample(codes, rng.randint(3, 7)):
                moment = real_now - dt.timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 8))
                clock.set_clock(lambda at=moment: at)
                level = rng.choice(["not_yet", "with_help", "with_help", "on_my_own"])
                await skills.self_assess(actor, person["id"], Assessment(skill=code, level=level))
                count += 1
    finally:
        clock.set_clock(None)
    return count


async def totals() -> dict[str, int]:
    """Evidence and badges in the database, whoever recorded them (the history included)."""
    return {"skill_evidence": await SkillEvidence.count(), "badges": await Badge.count()}


async def _facilitator(module, staff_ids: dict, actor: StaffPrincipal) -> StaffPrincipal:
    """The module's first facilitator as a principal (their ticks are theirs), else ``actor``."""
    ids = await workshops.facilitator_ids(module.id)
    if not ids:
        return actor
    principal = await load_principal(sorted(ids)[0])
    return principal or actor
