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

from lab.core.db import chunks, fetch_aside, placeholders
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
    programme, values = queries.programme_sql("m", f)
    rows = await fetch_aside(
        Module,
        f"SELECT m.id AS id FROM workshop_module m WHERE m.site IN ({placeholders(f.site_ids)})"  # noqa: S608
        f"{programme}",
        *f.site_ids,
        *values,
    )
    return {row["id"] for row in rows}


async def _evidence(f: Filters) -> list[dict]:
    """The period's evidence grouped in the database: one row per person, skill, level,
    source and module (``pieces``: how many), never one per piece of evidence."""
    period, values = queries.period_sql("e.site", 'e."at"', f)
    return await fetch_aside(
        SkillEvidence,
        "SELECT e.visitor AS visitor, e.skill AS skill, e.level AS level, e.source AS source,"  # noqa: S608
        " e.module AS module,"
        " s.module AS session_module, COUNT(*) AS pieces"
        " FROM skill_evidence e LEFT JOIN workshop_session s ON s.id = e.session"
        f" WHERE {period}"
        " GROUP BY e.visitor, e.skill, e.level, e.source, e.module, s.module",
        *values,
    )


def _module_of(row: dict) -> int | None:
    return row["module"] if row["module"] is not None else row["session_module"]


async def _badges(f: Filters, column: str, allowed: set[int] | None) -> int:
    """Badges whose ``column`` (``issued_at`` or ``revoked_at``) lies in the period at a
    filtered site; with a workshop filter, those whose evidence is of an allowed module."""
    period, values = queries.period_sql("b.site", f"b.{column}", f)
    if allowed is None:
        rows = await fetch_aside(
            Badge,
            f"SELECT COUNT(*) AS n FROM skill_badge b WHERE {period}",  # noqa: S608
            *values,
        )
        return rows[0]["n"]
    rows = await fetch_aside(
        Badge,
        "SELECT e.module AS module, s.module AS session_module FROM skill_badge b"  # noqa: S608
        " LEFT JOIN skill_evidence e ON e.id = b.evidence"
        " LEFT JOIN workshop_session s ON s.id = e.session"
        f" WHERE {period}",
        *values,
    )
    return sum(_module_of(row) in allowed for row in rows)


async def _areas(validated: Iterable[tuple[int, str]]) -> list[SkillAreaFigures]:
    entries = await fetch_aside(
        FrameworkEntry,
        "SELECT kind, code, parent, label_fr, label_en, label_nl, version, position"
        " FROM skill_framework_entry WHERE framework = {}",
        FRAMEWORK,
    )
    area_of: dict[str, str] = {}
    areas: dict[str, dict] = {}
    for entry in sorted(entries, key=lambda e: (e["version"], e["position"], e["code"])):
        if entry["kind"] == "area":
            areas[entry["code"]] = entry  # the newest version's wording wins
            area_of[entry["code"]] = entry["code"]
        elif entry["parent"]:
            area_of[entry["code"]] = entry["parent"]
    skills = await fetch_aside(PracticalSkill, "SELECT code, alignments FROM skill")
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
    for chunk in chunks(per_module_evidence):
        named = await fetch_aside(
            Module,
            f"SELECT id, title FROM workshop_module WHERE id IN ({placeholders(chunk)})",  # noqa: S608
            *chunk,
        )
        titles.update((row["id"], row["title"]) for row in named)
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
        badges_issued=await _badges(f, "issued_at", allowed),
        badges_revoked=await _badges(f, "revoked_at", allowed),
        areas=await _areas(validated),
        modules=modules,
        linked_only=narrowed,
    )
