"""The staff pages' data: a session's tick-list, a module's group progress and its skills
editor, a visitor's skills section, and the admins' catalogue. Reads only; each page's access
is checked by the query it starts from (``get_<thing>_for``)."""

from __future__ import annotations

from typing import Any

from lab.accounts import queries as accounts
from lab.core.errors import NotFound
from lab.core.i18n import _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.skills import catalogue, queries, rules
from lab.skills.tables import SkillEvidence
from lab.workshops import queries as workshops
from lab.workshops import services as workshop_services

LEVEL_LABELS = rules.LEVEL_LABELS
SOURCE_LABELS = rules.SOURCE_LABELS
# What a facilitator may record: "not yet" is the visitor's own word, never an observation.
OBSERVED_LEVELS = {level: LEVEL_LABELS[level] for level in ("with_help", "on_my_own")}


def _labels() -> dict[str, Any]:
    return {"level_labels": LEVEL_LABELS, "source_labels": SOURCE_LABELS}


async def ticklist_context(actor: StaffPrincipal, session_id: int) -> dict[str, Any]:
    """The session's people (who came first) × the skills its module teaches.
    Errors: not_found, forbidden."""
    session, module = await workshops.get_session_for(actor, session_id)
    group = await queries.ticklist(actor, session.id)
    return {
        "session": session,
        "module": module,
        "group": group,
        "came": [person for person in group.people if person["came"]],
        "not_came": [person for person in group.people if not person["came"]],
        "timezone": await accounts.site_timezone(module.site),
        "can_manage": workshops.can_manage(actor, module.site),
        **_labels(),
    }


def _counts(group: queries.GroupProgress) -> dict[str, dict[str, int]]:
    """{skill: {with_help, on_my_own, validated}} over the group's people."""
    counts: dict[str, dict[str, int]] = {}
    for skill in group.skills:
        code = skill["code"]
        cells = [group.cell(person["id"], code) for person in group.people]
        counts[code] = {
            "with_help": sum(1 for cell in cells if cell and cell.level == "with_help"),
            "on_my_own": sum(1 for cell in cells if cell and cell.level == "on_my_own"),
            "validated": sum(1 for cell in cells if cell and cell.validated),
        }
    return counts


async def module_progress_context(actor: StaffPrincipal, module_id: int) -> dict[str, Any]:
    """Everyone enrolled in the module × the skills it teaches, with counts per skill and the
    module's sessions (each opens its tick-list). Errors: not_found, forbidden."""
    module = await workshops.get_module_for(actor, module_id)
    group = await queries.group_progress(actor, module.id)
    grants = {
        row["skill"]
        for row in (await queries.module_skills([module.id]))[module.id]
        if row["on_completion"]
    }
    return {
        "module": module,
        "group": group,
        "counts": _counts(group),
        "grants": grants,
        "sessions": await workshops.module_sessions(module.id),
        "timezone": await accounts.site_timezone(module.site),
        "can_manage": workshops.can_manage(actor, module.site),
        **_labels(),
    }


async def _skills_by_area() -> list[tuple[str, list[dict]]]:
    """The active practical skills grouped by DigComp area, in the areas' order."""
    labels = await queries.area_labels()
    by_area: dict[str, list[dict]] = {}
    for row in await queries.practical_skills():
        by_area.setdefault(row["area"], []).append(row)
    return [(labels.get(code, code), by_area[code]) for code in sorted(by_area)]


async def module_skills_context(
    actor: StaffPrincipal, module_id: int, values: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The editor of what a module teaches and grants, for the site's managers.
    Errors: not_found, forbidden."""
    module = await workshop_services.get_module_to_manage_for(actor, module_id)
    rows = (await queries.module_skills([module.id]))[module.id]
    if values is None:
        values = {
            "teaches": [row["skill"] for row in rows],
            "grants": [row["skill"] for row in rows if row["on_completion"]],
        }
    return {
        "module": module,
        "areas": await _skills_by_area(),
        "teaches": set(values.get("teaches", [])),
        "grants": set(values.get("grants", [])),
        "errors": {},
    }


async def _authors(visitor_id: int) -> dict[tuple[str, str, Any], dict[str, Any]]:
    """{(skill, source, at): {by, session}} of the visitor's evidence: who recorded a standing,
    and at which session."""
    rows = (
        await SkillEvidence.select(
            SkillEvidence.skill,
            SkillEvidence.source,
            SkillEvidence.at,
            SkillEvidence.staff_user,
            SkillEvidence.session,
        )
        .where(SkillEvidence.visitor == visitor_id)
        .order_by(SkillEvidence.id)
    )
    names = await accounts.staff_names(row["staff_user"] for row in rows if row["staff_user"])
    sessions = await workshops.session_summaries({row["session"] for row in rows if row["session"]})
    return {
        (row["skill"], row["source"], row["at"]): {
            "by": names.get(row["staff_user"]) if row["staff_user"] else None,
            "session": sessions.get(row["session"]) if row["session"] else None,
        }
        for row in rows
    }


async def visitor_skills_context(actor: StaffPrincipal, visitor_id: int) -> dict[str, Any]:
    """A visitor's skills with their standing, source, date and author; their badges; what a
    facilitator may validate at the desk. Errors: not_found, forbidden."""
    visitor = await accounts.get_visitor_for(actor, visitor_id)
    progress = await queries.progress_of(actor, visitor.id)
    authors = await _authors(visitor.id)
    reached = [
        (skill, authors.get((skill.code, skill.standing.source, skill.standing.at), {}))
        for skill in progress.skills
        if skill.standing is not None
    ]
    badges = await queries.badges_of(visitor.id)
    names = await queries.skill_names(badge["skill"] for badge in badges)
    return {
        "visitor": visitor,
        "reached": reached,
        "badges": [{**badge, "name": names[badge["skill"]]} for badge in badges],
        "can_revoke": actor.can_reach_site(visitor.created_site, *MANAGERS),
        "can_validate": visitor.created_site in actor.site_ids(),
        "skill_choices": {row["code"]: row["name"] for row in await queries.practical_skills()},
        "observed_levels": OBSERVED_LEVELS,
        "timezone": await accounts.site_timezone(visitor.created_site),
        "values": {},
        "errors": {},
        **_labels(),
    }


async def catalogue_context() -> dict[str, Any]:
    """Every practical skill (those taken off too) with its words in the three languages and
    its mappings."""
    rows = await queries.practical_skills(active_only=False)
    return {
        "skills": rows,
        "digcomp": await catalogue.framework_labels("digcomp", "2.2"),
    }


async def skill_form_context(code: str) -> dict[str, Any] | None:
    """One practical skill's current values for the edit form, or None for an unknown code."""
    for row in await queries.practical_skills(active_only=False):
        if row["code"] == code:
            return {"skill": row, "values": dict(row), "errors": {}}
    return None


async def badge_of_visitor(actor: StaffPrincipal, visitor_id: int, public_id: str) -> None:
    """Check that the badge is the visitor's, whom the actor may see: a form on one person's
    page acts on that person's badges only. Errors: not_found, forbidden."""
    visitor = await accounts.get_visitor_for(actor, visitor_id)
    if public_id not in {badge["public_id"] for badge in await queries.badges_of(visitor.id)}:
        raise NotFound(_("Ce badge n'existe pas."))
