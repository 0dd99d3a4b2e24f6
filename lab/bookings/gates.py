"""Skill gates: a resource may require a practical skill, and bookings knows nothing of skills.

The skills domain sits above bookings (it reads workshops and attendance), so bookings may not
import it. The app hands in the skills domain's gate once, at start (``check_skills_with``):
when a visitor's skill was validated, and how a visitor gets it (the workshop that teaches it
at the resource's site). Until a gate is registered, a resource that requires a skill refuses
every visitor: without a way to know, the gate stays closed.

What bookings knows itself is use: a booking of the visitor's, checked in or completed and
over, of a resource of the same site that requires the same skill keeps the skill alive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from lab.bookings.rules import Policy, SkillStanding, skill_since, skill_verdict
from lab.bookings.tables import Booking, Resource

# A booking that was used: the visitor came (checked in), and it is over.
USED = ("checked_in", "completed")


@dataclasses.dataclass(frozen=True, slots=True)
class SkillOffer:
    """How a visitor gets a skill, as a refusal shows it."""

    skill_name: str  # in the current language
    module_id: int | None  # the workshop module that grants it at the resource's site, if any
    module_title: str | None


class SkillGate(Protocol):
    """What bookings asks the skills domain (which the app registers)."""

    async def validated_at(self, visitor_id: int, skill: str) -> dt.datetime | None:
        """When a facilitator (or a completed module) validated the skill; None: never."""
        ...

    async def offer(self, skill: str, site_id: int) -> SkillOffer:
        """The skill's name, and the workshop of ``site_id`` that teaches it, if any."""
        ...


class _Closed:
    """No skills domain wired in: nobody holds any skill, and the refusal names its code."""

    async def validated_at(self, visitor_id: int, skill: str) -> dt.datetime | None:
        return None

    async def offer(self, skill: str, site_id: int) -> SkillOffer:
        return SkillOffer(skill, None, None)


CLOSED: SkillGate = _Closed()
_gate: SkillGate = CLOSED


def check_skills_with(gate: SkillGate) -> None:
    """Where bookings asks about skills (the app hands in the skills domain's gate)."""
    global _gate
    _gate = gate


def skill_gate() -> SkillGate:
    """The gate in use (a test that registers its own puts this one back after)."""
    return _gate


async def last_use(
    visitor_id: int, site_id: int, skill: str, now: dt.datetime
) -> dt.datetime | None:
    """When the visitor last used a resource of ``site_id`` that requires ``skill``: the end of
    their latest booking of one, checked in or completed, over by ``now``."""
    row = (
        await Booking.select(Booking.ends_at)
        .where(
            (Booking.visitor == visitor_id)
            & Booking.status.is_in(list(USED))
            & (Booking.ends_at <= now)
            & (Booking.resource.site == site_id)
            & (Booking.resource.required_skill == skill)
        )
        .order_by(Booking.ends_at, ascending=False)
        .first()
    )
    return row["ends_at"] if row else None


async def standing(
    resource: Resource, policy: Policy, visitor_id: int, now: dt.datetime
) -> SkillStanding | None:
    """What the rule engine needs to judge a visitor's skill for ``resource`` (None when the
    resource requires none). The offer is asked for only when the rule will refuse: it names
    the way to get the skill, and nobody reads it otherwise."""
    skill = resource.required_skill
    if not skill:
        return None
    since = skill_since(
        await _gate.validated_at(visitor_id, skill),
        await last_use(visitor_id, resource.site, skill, now),
    )
    if skill_verdict(policy, since, now) is None:
        return SkillStanding(since)
    return SkillStanding(since, await _gate.offer(skill, resource.site))
