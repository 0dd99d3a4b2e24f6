"""Reads about skills that pages and other domains use: practical skills in the reader's
language, a visitor's progress (derived from evidence each time, see ``rules``), a group's
progress, badges, and the booking gate (a resource that requires a skill)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from lab.accounts.queries import get_visitor_for, visitor_names
from lab.attendance import services as attendance
from lab.attendance.services import TimelineItem
from lab.bookings.services import SkillOffer
from lab.core import clock
from lab.core.i18n import N_, current_language
from lab.core.principals import Principal
from lab.core.roles import StaffPrincipal
from lab.skills import rules
from lab.skills.picture import Picture
from lab.skills.picture import draw as progress_picture
from lab.skills.rules import LEVEL_LABELS, LEVELS, SOURCE_LABELS
from lab.skills.tables import Badge, FrameworkEntry, ModuleSkill, PracticalSkill, SkillEvidence
from lab.workshops import queries as workshops

__all__ = [
    "LEVELS",
    "LEVEL_LABELS",
    "SOURCE_LABELS",
    "TIMELINE",
    "AreaProgress",
    "Badge",
    "GroupProgress",
    "Picture",
    "SkillProgress",
    "Suggestion",
    "VisitorProgress",
    "area_labels",
    "badge_by_public_id",
    "badges_of",
    "evidence_of",
    "group_progress",
    "module_skills",
    "practical_skills",
    "progress_of",
    "progress_picture",
    "skill_gate",
    "skill_names",
    "ticklist",
    "validated_at",
]

RECENT_DAYS = 30
CAME = ("present", "late")


def _text(row: dict, field: str, language: str | None = None) -> str:
    """A row's text in ``language`` (the reader's by default), French when it has none."""
    return row.get(f"{field}_{language or current_language()}") or row[f"{field}_fr"]


def _area_of(alignments: list[dict]) -> str:
    """The DigComp 2.2 area a practical skill is drawn in: that of its first competence."""
    for target in alignments or ():
        if target.get("framework") == "digcomp":
            return str(target["code"]).split(".")[0]
    return "0"


async def practical_skills(
    *, active_only: bool = True, codes: Iterable[str] | None = None
) -> list[dict]:
    """Practical skills in order, each with ``name``, ``sentence`` (reader's language) and
    ``area`` (a DigComp area code)."""
    where = PracticalSkill.active.eq(True) if active_only else PracticalSkill.id.is_not_null()
    if codes is not None:
        where &= PracticalSkill.code.is_in(sorted(set(codes)) or ["-"])
    rows = (
        await PracticalSkill.select()
        .where(where)
        .order_by(PracticalSkill.position)
        .output(load_json=True)
    )
    for row in rows:
        row["name"] = _text(row, "name")
        row["sentence"] = _text(row, "sentence")
        row["area"] = _area_of(row["alignments"])
    return rows


async def skill_names(codes: Iterable[str]) -> dict[str, str]:
    """{code: name in the reader's language}; a code with no skill names itself."""
    wanted = sorted(set(codes))
    rows = await practical_skills(active_only=False, codes=wanted)
    names = {row["code"]: row["name"] for row in rows}
    return {code: names.get(code, code) for code in wanted}


async def area_labels(version: str = "2.2") -> dict[str, str]:
    """{area code: label} of DigComp ``version`` in the reader's language."""
    rows = (
        await FrameworkEntry.select(
            FrameworkEntry.code,
            FrameworkEntry.label_fr,
            FrameworkEntry.label_en,
            FrameworkEntry.label_nl,
        )
        .where(
            (FrameworkEntry.framework == "digcomp")
            & (FrameworkEntry.version == version)
            & (FrameworkEntry.kind == "area")
        )
        .order_by(FrameworkEntry.position)
    )
    return {row["code"]: _text(row, "label") for row in rows}


async def evidence_of(
    visitor_ids: Iterable[int], skills: Iterable[str] | None = None
) -> dict[int, list[rules.Evidence]]:
    """{visitor id: their evidence} (every skill, or only ``skills``)."""
    ids = sorted(set(visitor_ids))
    where = SkillEvidence.visitor.is_in(ids or [-1])
    if skills is not None:
        where &= SkillEvidence.skill.is_in(sorted(set(skills)) or ["-"])
    rows = await SkillEvidence.select(
        SkillEvidence.id,
        SkillEvidence.visitor,
        SkillEvidence.skill,
        SkillEvidence.level,
        SkillEvidence.source,
        SkillEvidence.at,
    ).where(where)
    found: dict[int, list[rules.Evidence]] = {visitor_id: [] for visitor_id in ids}
    for row in rows:
        found[row["visitor"]].append(
            rules.Evidence(row["skill"], row["level"], row["source"], row["at"], row["id"])
        )
    return found


async def validated_at(visitor_id: int, skill: str) -> dt.datetime | None:
    """When ``skill`` was validated for the visitor, if it stands validated now."""
    evidence = (await evidence_of([visitor_id], [skill]))[visitor_id]
    return rules.validated_at(evidence, skill)


# ---- a visitor's progress ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class SkillProgress:
    code: str
    name: str
    sentence: str
    pictogram: str
    standing: rules.Standing | None
    badge: str | None  # the public id of their live badge for it

    @property
    def rank(self) -> int:
        return self.standing.rank if self.standing else 0


@dataclasses.dataclass(frozen=True, slots=True)
class AreaProgress:
    code: str
    label: str
    skills: list[SkillProgress]

    @property
    def on_my_own(self) -> int:
        return sum(1 for skill in self.skills if skill.rank == 2)

    @property
    def with_help(self) -> int:
        return sum(1 for skill in self.skills if skill.rank == 1)


@dataclasses.dataclass(frozen=True, slots=True)
class Suggestion:
    """A workshop to come that teaches skills the visitor has not reached."""

    module_id: int
    title: str
    starts_at: dt.datetime
    session_id: int
    skills: list[str]  # names


@dataclasses.dataclass(frozen=True, slots=True)
class VisitorProgress:
    visitor_id: int
    areas: list[AreaProgress]
    recent: list[tuple[rules.Change, str]]  # with the skill's name
    suggestions: list[Suggestion]

    @property
    def skills(self) -> list[SkillProgress]:
        return [skill for area in self.areas for skill in area.skills]


async def progress_of(actor: Principal, visitor_id: int) -> VisitorProgress:
    """A visitor's progress, for themselves (kiosk, phone) or staff of their site.
    Errors: not_found, forbidden (another site's visitor, for staff)."""
    visitor = await get_visitor_for(actor, visitor_id)
    skills = await practical_skills()
    evidence = (await evidence_of([visitor.id]))[visitor.id]
    standing = rules.standings(evidence)
    badges = {row["skill"]: row["public_id"] for row in await badges_of(visitor.id, live_only=True)}
    labels = await area_labels()
    by_area: dict[str, list[SkillProgress]] = {}
    for row in skills:
        by_area.setdefault(row["area"], []).append(
            SkillProgress(
                row["code"],
                row["name"],
                row["sentence"],
                row["pictogram"],
                standing.get(row["code"]),
                badges.get(row["code"]),
            )
        )
    areas = [AreaProgress(code, labels.get(code, code), by_area[code]) for code in sorted(by_area)]
    names = {row["code"]: row["name"] for row in skills}
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    recent = [
        (change, names[change.skill])
        for change in rules.recent_changes(evidence, since)
        if change.skill in names
    ]
    not_reached = {row["code"] for row in skills} - {
        code for code, item in standing.items() if item.validated
    }
    suggestions = await _suggestions(visitor.created_site, not_reached, names)
    return VisitorProgress(visitor.id, areas, recent, suggestions)


async def _suggestions(
    site_id: int, not_reached: set[str], names: dict[str, str], limit: int = 3
) -> list[Suggestion]:
    rows = await ModuleSkill.select(ModuleSkill.module, ModuleSkill.skill).where(
        ModuleSkill.skill.is_in(sorted(not_reached) or ["-"])
    )
    teaches: dict[int, list[str]] = {}
    for row in rows:
        teaches.setdefault(row["module"], []).append(row["skill"])
    if not teaches:
        return []
    modules = {module.id: module for module in await workshops.self_enrol_modules(site_id)}
    found: list[Suggestion] = []
    for session in await workshops.sessions_to_come([m for m in teaches if m in modules]):
        if session.module in {item.module_id for item in found}:
            continue
        found.append(
            Suggestion(
                session.module,
                modules[session.module].title,
                session.starts_at,
                session.id,
                sorted(names[code] for code in teaches[session.module] if code in names),
            )
        )
        if len(found) == limit:
            break
    return found


# ---- facilitators ------------------------------------------------------------------------


async def module_skills(module_ids: Iterable[int]) -> dict[int, list[dict]]:
    """{module id: [{skill, on_completion}]} in the skills' order."""
    ids = sorted(set(module_ids))
    rows = await ModuleSkill.select(
        ModuleSkill.module, ModuleSkill.skill, ModuleSkill.on_completion
    ).where(ModuleSkill.module.is_in(ids or [-1]))
    order = {row["code"]: row["position"] for row in await practical_skills(active_only=False)}
    found: dict[int, list[dict]] = {module_id: [] for module_id in ids}
    for row in sorted(rows, key=lambda row: order.get(row["skill"], 1 << 30)):
        found[row["module"]].append({"skill": row["skill"], "on_completion": row["on_completion"]})
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class GroupProgress:
    """People × skills: each person's standing on each skill the module teaches."""

    skills: list[dict]  # practical skill rows (name, sentence, pictogram…)
    people: list[dict]  # {id, first_name, last_name, came?}
    standings: dict[int, dict[str, rules.Standing]]

    def cell(self, visitor_id: int, skill: str) -> rules.Standing | None:
        return self.standings.get(visitor_id, {}).get(skill)


async def _group(people: list[dict], codes: list[str]) -> GroupProgress:
    skills = [row for row in await practical_skills(active_only=False, codes=codes)]
    evidence = await evidence_of([person["id"] for person in people], codes)
    return GroupProgress(
        skills,
        people,
        {visitor_id: rules.standings(items) for visitor_id, items in evidence.items()},
    )


async def ticklist(actor: StaffPrincipal, session_id: int) -> GroupProgress:
    """The session's roster (who came first) against the skills its module teaches: what a
    facilitator ticks. Errors: not_found, forbidden."""
    session, module = await workshops.get_session_for(actor, session_id)
    roster = await attendance.roster(actor, session.id)
    people = [
        {**person, "came": person["status"] in CAME}
        for person in sorted(roster, key=lambda person: person["status"] not in CAME)
    ]
    codes = [row["skill"] for row in (await module_skills([module.id]))[module.id]]
    return await _group(people, codes)


async def group_progress(actor: StaffPrincipal, module_id: int) -> GroupProgress:
    """Everyone enrolled in the module (or who came to one of its sessions) against the skills
    it teaches. Errors: not_found, forbidden."""
    module = await workshops.get_module_for(actor, module_id)
    enrolled = await workshops.enrolled_in_module(
        module.id, module.enrolment, ("enrolled", "completed")
    )
    codes = [row["skill"] for row in (await module_skills([module.id]))[module.id]]
    people = await visitor_names(enrolled)
    return await _group(people, codes)


# ---- badges --------------------------------------------------------------------------------


async def badges_of(visitor_id: int, *, live_only: bool = False) -> list[dict]:
    """A visitor's badges, newest first: public_id, skill, issued_at, revoked_at."""
    where = Badge.visitor == visitor_id
    if live_only:
        where &= Badge.revoked_at.is_null()
    return (
        await Badge.select(Badge.public_id, Badge.skill, Badge.issued_at, Badge.revoked_at)
        .where(where)
        .order_by(Badge.issued_at, ascending=False)
    )


async def badge_by_public_id(public_id: str) -> Badge | None:
    return await Badge.objects().get(Badge.public_id == public_id)


# ---- the visitor's timeline for staff ----------------------------------------------------------

BADGE_STATUSES = {"badge_issued": N_("Délivré"), "badge_revoked": N_("Retiré")}


async def timeline_evidence(visitor_id: int, site_ids: frozenset[int]) -> list[TimelineItem]:
    """Each piece of evidence recorded at the viewer's sites: the skill, its level, its source."""
    rows = await SkillEvidence.select(
        SkillEvidence.skill, SkillEvidence.level, SkillEvidence.source, SkillEvidence.at
    ).where(
        (SkillEvidence.visitor == visitor_id) & SkillEvidence.site.is_in(sorted(site_ids) or [-1])
    )
    names = await skill_names(row["skill"] for row in rows)
    return [
        TimelineItem(
            "skill",
            row["at"],
            names[row["skill"]],
            row["level"],
            rules.SOURCE_LABELS[row["source"]],
        )
        for row in rows
    ]


async def timeline_badges(visitor_id: int, site_ids: frozenset[int]) -> list[TimelineItem]:
    """Each badge issued at the viewer's sites, and its revocation."""
    rows = await Badge.select(Badge.skill, Badge.issued_at, Badge.revoked_at).where(
        (Badge.visitor == visitor_id) & Badge.site.is_in(sorted(site_ids) or [-1])
    )
    names = await skill_names(row["skill"] for row in rows)
    items = [
        TimelineItem("badge", row["issued_at"], names[row["skill"]], "badge_issued") for row in rows
    ]
    items += [
        TimelineItem("badge", row["revoked_at"], names[row["skill"]], "badge_revoked")
        for row in rows
        if row["revoked_at"] is not None
    ]
    return items


TIMELINE = {
    "skill": attendance.MoreItems(N_("Compétences"), dict(rules.LEVEL_LABELS), timeline_evidence),
    "badge": attendance.MoreItems(N_("Badges"), BADGE_STATUSES, timeline_badges),
}


# ---- the booking gate ----------------------------------------------------------------------


class _Gate:
    """What bookings asks before a visitor books a resource that requires a skill."""

    async def validated_at(self, visitor_id: int, skill: str) -> dt.datetime | None:
        return await validated_at(visitor_id, skill)

    async def offer(self, skill: str, site_id: int) -> SkillOffer:
        name = (await skill_names([skill]))[skill]
        rows = await ModuleSkill.select(ModuleSkill.module, ModuleSkill.on_completion).where(
            ModuleSkill.skill == skill
        )
        # A module that grants the skill on completion first, then one that teaches it.
        ranked = [row["module"] for row in sorted(rows, key=lambda row: not row["on_completion"])]
        modules = {module.id: module for module in await workshops.self_enrol_modules(site_id)}
        for module_id in ranked:
            if module_id in modules:
                return SkillOffer(name, module_id, modules[module_id].title)
        return SkillOffer(name, None, None)


skill_gate = _Gate()
