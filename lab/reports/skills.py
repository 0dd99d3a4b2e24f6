"""Digital skills as managers and funders read them: evidence, validations and badges.

Rules:
- Evidence counts when it was recorded in the period (``at``, site time) at a filtered site;
  a badge when it was issued (or revoked) in the period at a filtered site.
- A skill is *validated* when a facilitator observed it, or a module's completion showed it,
  at the level "on my own"; a self-assessment never validates. A validation is one person and
  one skill: observed twice in the period, it counts once.
- A piece of evidence belongs to the module it names, or else to its session's module. With a
  workshop filter (module, kind, facilitator, partner, own sessions), only evidence of a
  matching module counts, and a badge only when the evidence it was issued for does: evidence
  linked to no session nor module is counted only without such a filter.
- Per DigComp area: a skill's alignments name competences ("2.1") or areas ("2"); a
  validation counts once in each area its skill is aligned with.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable

from piccolo.query.functions.aggregate import Count

from lab.reports import queries  # the module, not its names: queries.dashboard calls back here
from lab.reports.figures import SkillAreaFigures, SkillFigures, SkillModuleFigures
from lab.reports.filters import Filters
from lab.skills.tables import Badge, FrameworkEntry, PracticalSkill, SkillEvidence
from lab.workshops.tables import Module

VALIDATING = ("facilitator", "completion")
FRAMEWORK = "digcomp"


def _workshop_filter(f: Filters) -> bool:
    return f.narrowed or f.own_sessions_of is not None


async def _matching_modules(f: Filters) -> set[int]:
    """The filtered sites' modules of the filtered programme."""
    clause = Module.site.is_in(list(f.site_ids))
    if f.module_kind is not None:
        clause &= Module.kind == f.module_kind
    if f.module_id is not None:
        clause &= Module.id == f.module_id
    if f.partner_id is not None:
        clause &= Module.partner == f.partner_id
    for staff_id in (f.facilitator_id, f.own_sessions_of):
        if staff_id is not None:
            clause &= Module.id.is_in(queries.modules_run_by(staff_id))
    return {row["id"] for row in await Module.select(Module.id).where(clause)}


async def _evidence(f: Filters) -> list[dict]:
    """The period's evidence grouped in the database: one row per person, skill, level,
    source and module (``pieces``: how many), never one per piece of evidence."""
    return (
        await SkillEvidence.select(
            SkillEvidence.visitor,
            SkillEvidence.skill,
            SkillEvidence.level,
            SkillEvidence.source,
            SkillEvidence.module,
            SkillEvidence.session.module.as_alias("session_module"),
            Count(alias="pieces"),
        )
        .where(queries._in_period(SkillEvidence.site, SkillEvidence.at, f))
        .group_by(
            SkillEvidence.visitor,
            SkillEvidence.skill,
            SkillEvidence.level,
            SkillEvidence.source,
            SkillEvidence.module,
            SkillEvidence.session.module,
        )
    )


def _module_of(row: dict) -> int | None:
    return row["module"] if row["module"] is not None else row["session_module"]


async def _badges(f: Filters, column, allowed: set[int] | None) -> int:
    """Badges whose ``column`` (issued or revoked) lies in the period at a filtered site; with
    a workshop filter, those whose evidence is of an allowed module."""
    if allowed is None:
        return await Badge.count().where(queries._in_period(Badge.site, column, f))
    rows = await Badge.select(
        Badge.id,
        Badge.evidence.module.as_alias("module"),
        Badge.evidence.session.module.as_alias("session_module"),
    ).where(queries._in_period(Badge.site, column, f))
    return sum(_module_of(row) in allowed for row in rows)


async def _areas(validated: Iterable[tuple[int, str]]) -> list[SkillAreaFigures]:
    entries = await FrameworkEntry.select(
        FrameworkEntry.kind,
        FrameworkEntry.code,
        FrameworkEntry.parent,
        FrameworkEntry.label_fr,
        FrameworkEntry.label_en,
        FrameworkEntry.label_nl,
        FrameworkEntry.version,
        FrameworkEntry.position,
    ).where(FrameworkEntry.framework == FRAMEWORK)
    area_of: dict[str, str] = {}
    areas: dict[str, dict] = {}
    for entry in sorted(entries, key=lambda e: (e["version"], e["position"], e["code"])):
        if entry["kind"] == "area":
            areas[entry["code"]] = entry  # the newest version's wording wins
            area_of[entry["code"]] = entry["code"]
        elif entry["parent"]:
            area_of[entry["code"]] = entry["parent"]
    skills = await PracticalSkill.select(PracticalSkill.code, PracticalSkill.alignments)
    skill_areas: dict[str, set[str]] = {}
    for skill in skills:
        alignments = skill["alignments"]
        if isinstance(alignments, str):  # SQLite hands JSON back as text
            alignments = json.loads(alignments or "[]")
        found = set()
        for item in alignments or []:
            if item.get("framework") == FRAMEWORK and item.get("code"):
                code = str(item["code"])
                found.add(area_of.get(code, code.split(".")[0]))
        skill_areas[skill["code"]] = found
    counts: Counter[str] = Counter()
    for _person, skill in validated:
        for area in skill_areas.get(skill, ()):
            counts[area] += 1
    order = [code for code in areas] + sorted(set(counts) - set(areas))
    return [
        SkillAreaFigures(
            code=code,
            labels={
                language: areas[code][f"label_{language}"]
                for language in ("fr", "en", "nl")
                if code in areas and areas[code][f"label_{language}"]
            }
            or {"fr": code},
            validations=counts[code],
        )
        for code in order
    ]


async def skill_figures(f: Filters) -> SkillFigures:
    """The skills part of the dashboard for these filters (see the module's rules)."""
    narrowed = _workshop_filter(f)
    allowed = await _matching_modules(f) if narrowed else None
    rows = await _evidence(f)
    if allowed is not None:
        rows = [row for row in rows if _module_of(row) in allowed]
    by_source: Counter[str] = Counter()
    for row in rows:
        by_source[row["source"]] += row["pieces"]
    validating = [
        row for row in rows if row["level"] == "on_my_own" and row["source"] in VALIDATING
    ]
    validated = {(row["visitor"], row["skill"]) for row in validating}
    per_module_evidence: Counter[int] = Counter()
    per_module_validated: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for row in rows:
        module = _module_of(row)
        if module is not None:
            per_module_evidence[module] += row["pieces"]
    for row in validating:
        module = _module_of(row)
        if module is not None:
            per_module_validated[module].add((row["visitor"], row["skill"]))
    titles: dict[int, str] = {}
    for chunk in queries._chunks(per_module_evidence):
        for row in await Module.select(Module.id, Module.title).where(Module.id.is_in(chunk)):
            titles[row["id"]] = row["title"]
    modules = sorted(
        (
            SkillModuleFigures(
                module_id=module,
                title=titles.get(module, ""),
                evidence=count,
                validations=len(per_module_validated[module]),
            )
            for module, count in per_module_evidence.items()
        ),
        key=lambda item: (item.title, item.module_id),
    )
    return SkillFigures(
        self_assessed=by_source["self"],
        observed=by_source["facilitator"],
        completed=by_source["completion"],
        people=len({row["visitor"] for row in rows}),
        validations=len(validated),
        validated_people=len({person for person, _skill in validated}),
        badges_issued=await _badges(f, Badge.issued_at, allowed),
        badges_revoked=await _badges(f, Badge.revoked_at, allowed),
        areas=await _areas(validated),
        modules=modules,
        linked_only=narrowed,
    )
