"""Writes about skills: evidence (a visitor's own word, a facilitator's observation, a module's
completion), the skills a module teaches, and badges (issued when a skill is validated).

Evidence is appended, never updated: progress is derived from it each time it is read
(``lab.skills.rules``). Each write is one transaction with its audit entry; audit entries name
ids and codes only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import get_visitor_for
from lab.attendance import queries as attendance_queries
from lab.attendance import services as attendance
from lab.core import audit, clock
from lab.core.db import fetch, write_transaction
from lab.core.errors import Invalid
from lab.core.i18n import _
from lab.core.principals import Principal
from lab.core.roles import StaffPrincipal
from lab.skills import badges
from lab.skills.badges import author, badge_png, badge_svg, verification_url
from lab.skills.forms import Assessment, ModuleSkills, Ticks
from lab.skills.queries import CAME, module_skills, practical_skills
from lab.skills.tables import Badge, ModuleSkill, PracticalSkill, SkillEvidence
from lab.workshops import queries as workshops_queries
from lab.workshops import services as workshops

# With the writes, the visitor's own badge files and their public address, which the kiosk's
# and the phone's pages offer (badges are read from their signed rows, never re-signed).
__all__ = [
    "Recorded",
    "badge_png",
    "badge_svg",
    "forget_visitor",
    "observe",
    "record_completions",
    "revoke_badge",
    "self_assess",
    "set_module_skills",
    "validate_at_desk",
    "verification_url",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Recorded:
    evidence: int  # rows written
    badges: list[str]  # public ids of the badges issued


async def _known_skill(code: str) -> PracticalSkill:
    skill = await PracticalSkill.objects().get(
        (PracticalSkill.code == code) & PracticalSkill.active.eq(True)
    )
    if skill is None:
        raise Invalid(
            _("Cette compétence n'existe pas."),
            code="unknown_skill",
            field_errors={"skill": _("Choisissez une compétence de la liste.")},
        )
    return skill


async def self_assess(
    actor: Principal, visitor_id: int, data: Assessment, *, device_id: int | None = None
) -> SkillEvidence:
    """The visitor says where they stand on a skill ("not yet", "with help", "on my own"), on a
    tablet (``device_id``) or their phone; staff may record it for them at the desk.

    Errors: not_found (another visitor, on a tablet or a phone), forbidden (another site's
    visitor, for staff), unknown_skill, invalid (level)."""
    visitor = await get_visitor_for(actor, visitor_id)
    skill = await _known_skill(data.skill)
    async with write_transaction(SkillEvidence._meta.db):
        evidence = SkillEvidence(
            visitor=visitor.id,
            skill=skill.code,
            level=data.level,
            source="self",
            site=visitor.created_site,
            staff_user=author(actor),
            device_id=device_id,
            at=clock.now(),
        )
        await evidence.save()
        await audit.record(
            actor,
            "skill.self_assessed",
            f"visitor:{visitor.id}",
            site_id=visitor.created_site,
            skill=skill.code,
            level=data.level,
        )
    return evidence


async def observe(actor: StaffPrincipal, session_id: int, data: Ticks) -> Recorded:
    """A facilitator's tick-list at a session: for people who came, the skills its module
    teaches that they showed "with help" or "on my own". A skill validated ("on my own") earns
    its badge, unless the person already holds one.

    Errors: not_found, forbidden (another site's session), unknown_skill (not taught by the
    module), not_in_session (someone who did not come to the session)."""
    session, module = await workshops.get_session_for(actor, session_id)
    taught = {row["skill"] for row in (await module_skills([module.id]))[module.id]}
    came = {
        person["id"]
        for person in await attendance.roster(actor, session.id)
        if person["status"] in CAME
    }
    for visitor_id, skill, _level in data.ticks:
        if skill not in taught:
            raise Invalid(
                _("Cet atelier n'enseigne pas cette compétence."),
                code="unknown_skill",
                field_errors={"ticks": _("Cochez une compétence de la liste.")},
            )
        if visitor_id not in came:
            raise Invalid(
                _("Cette personne n'est pas venue à cette séance : pointez-la d'abord."),
                code="not_in_session",
                field_errors={"ticks": _("Cochez une personne venue à la séance.")},
            )
    return await _record_observed(
        actor, data.ticks, source="facilitator", site_id=module.site, session_id=session.id
    )


async def validate_at_desk(actor: StaffPrincipal, visitor_id: int, data: Assessment) -> Recorded:
    """A facilitator records, outside any session, what they saw a visitor do (the studio's
    induction, help at the desk). Errors: not_found, forbidden, unknown_skill, invalid."""
    visitor = await get_visitor_for(actor, visitor_id)  # another site's: forbidden, other_site
    skill = await _known_skill(data.skill)
    return await _record_observed(
        actor,
        [(visitor.id, skill.code, data.level)],
        source="facilitator",
        site_id=visitor.created_site,
    )


async def _record_observed(
    actor: Principal,
    ticks: list[tuple[int, str, str]],
    *,
    source: str,
    site_id: int,
    session_id: int | None = None,
    module_id: int | None = None,
) -> Recorded:
    now = clock.now()
    issued: list[str] = []
    skills = {row["code"]: row for row in await practical_skills(codes={t[1] for t in ticks})}
    async with write_transaction(SkillEvidence._meta.db):
        for visitor_id, skill, level in ticks:
            evidence = SkillEvidence(
                visitor=visitor_id,
                skill=skill,
                level=level,
                source=source,
                site=site_id,
                session=session_id,
                module=module_id,
                staff_user=author(actor),
                at=now,
            )
            await evidence.save()
            await audit.record(
                actor,
                f"skill.{'observed' if source == 'facilitator' else 'completed'}",
                f"visitor:{visitor_id}",
                site_id=site_id,
                skill=skill,
                level=level,
                session=session_id,
            )
            if level == "on_my_own" and skill in skills:
                badge = await badges.issue_in_transaction(
                    actor, visitor_id, skills[skill], evidence_id=evidence.id, site_id=site_id
                )
                if badge is not None:
                    issued.append(badge)
    return Recorded(len(ticks), issued)


async def record_completions(module_id: int, session_id: int, visitor_ids: list[int]) -> None:
    """After people came to a session: for each who has now completed its module, record the
    evidence its completion rule names (once per module, skill and visitor: a unique index
    holds it) and issue the badges. Called by attendance after its commit (the app wires it)."""
    # On every check-in (or batch of them): one small plain statement (see lab.core.db, "hot
    # paths"), and nothing more for a module that grants nothing.
    rows = await fetch(
        ModuleSkill,
        "SELECT skill FROM skill_module WHERE module = {} AND on_completion = {}",
        module_id,
        True,
    )
    grants = [row["skill"] for row in rows]
    if not grants:
        return
    completed = await attendance_queries.completed(module_id, visitor_ids)
    if not completed:
        return
    session = await workshops_queries.session_summary(session_id)
    if session is None:
        return
    for visitor_id in sorted(completed):
        await _record_completion(module_id, session_id, session["site"], visitor_id, grants)


async def _record_completion(
    module_id: int, session_id: int, site_id: int, visitor_id: int, grants: list[str]
) -> None:
    done = {
        row["skill"]
        for row in await SkillEvidence.select(SkillEvidence.skill).where(
            (SkillEvidence.visitor == visitor_id)
            & (SkillEvidence.module == module_id)
            & (SkillEvidence.source == "completion")
        )
    }
    missing = [skill for skill in grants if skill not in done]
    if missing:
        await _record_observed(
            audit.SYSTEM,
            [(visitor_id, skill, "on_my_own") for skill in missing],
            source="completion",
            site_id=site_id,
            session_id=session_id,
            module_id=module_id,
        )


async def set_module_skills(actor: StaffPrincipal, module_id: int, data: ModuleSkills) -> None:
    """The skills a module teaches, and those its completion grants. Managers of the module's
    site only. Errors: not_found, forbidden, unknown_skill."""
    module = await workshops.get_module_to_manage_for(actor, module_id)
    known = {row["code"] for row in await practical_skills()}
    unknown = sorted(set(data.teaches) - known)
    if unknown:
        raise Invalid(
            _("Cette compétence n'existe pas : %(code)s.", code=unknown[0]),
            code="unknown_skill",
            field_errors={"teaches": _("Choisissez des compétences de la liste.")},
        )
    async with write_transaction(ModuleSkill._meta.db):
        await ModuleSkill.delete().where(ModuleSkill.module == module.id)
        for code in data.teaches:
            await ModuleSkill.insert(
                ModuleSkill(module=module.id, skill=code, on_completion=code in data.grants)
            )
        await audit.record(
            actor,
            "module.skills_set",
            f"module:{module.id}",
            site_id=module.site,
            teaches=sorted(data.teaches),
            grants=sorted(set(data.grants) & set(data.teaches)),
        )


async def revoke_badge(actor: StaffPrincipal, public_id: str, reason: str) -> None:
    """Revoke a badge (given by mistake, or at the visitor's request): its status list bit is
    set and every verifier then reads it revoked. Managers of its site. Errors: not_found,
    forbidden."""
    await badges.revoke(actor, public_id, reason)


async def forget_visitor(visitor_id: int, now: dt.datetime) -> dict[str, int]:
    """Skills' part of erasing a person (``lab.accounts.erasure``; call inside its
    transaction): every badge of theirs is revoked, so a verifier shown it says "revoked"
    (the status list is published without a name). Evidence carries no text: it stays,
    counted, with the pseudonymous id. Returns counts."""
    live = (Badge.visitor == visitor_id) & Badge.revoked_at.is_null()
    revoked = await Badge.count().where(live)
    if revoked:
        await Badge.update({Badge.revoked_at: now, Badge.revoked_reason: "erased"}).where(live)
    return {"badges": revoked}
