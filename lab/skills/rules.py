"""What a visitor can do, derived from the evidence each time it is read: pure rules.

Evidence is never a score. For each practical skill:
- an observation (a facilitator's, or a module's completion rule) outranks a self-assessment,
  whatever their dates: the visitor's own word counts only while nobody has observed them;
- among the same rank, the latest evidence wins (a facilitator may correct a tick, a visitor may
  say they have made progress);
- a skill is *validated* when its standing is "on my own" and comes from an observation: that is
  what earns a badge and opens a resource that requires the skill.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from lab.core.i18n import N_

LEVELS = ("not_yet", "with_help", "on_my_own")
SOURCES = ("self", "facilitator", "completion")
OBSERVED = ("facilitator", "completion")
LEVEL_LABELS = {
    "not_yet": N_("Pas encore"),
    "with_help": N_("Avec de l'aide"),
    "on_my_own": N_("Seul ou seule"),
}
SOURCE_LABELS = {
    "self": N_("Auto-évaluation"),
    "facilitator": N_("Observé par l'animateur"),
    "completion": N_("Atelier terminé"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    skill: str
    level: str
    source: str
    at: dt.datetime
    id: int = 0  # ties at the same instant: the row written last wins


@dataclasses.dataclass(frozen=True, slots=True)
class Standing:
    """Where a visitor stands on one skill, and the evidence that says so."""

    skill: str
    level: str
    source: str
    at: dt.datetime
    self_level: str | None  # their own latest word, shown beside an observation

    @property
    def observed(self) -> bool:
        return self.source in OBSERVED

    @property
    def validated(self) -> bool:
        return self.observed and self.level == "on_my_own"

    @property
    def rank(self) -> int:
        """0 nothing yet, 1 with help, 2 on my own: for pictures and sorting."""
        return LEVELS.index(self.level)


def _key(evidence: Evidence) -> tuple[int, dt.datetime, int]:
    return (1 if evidence.source in OBSERVED else 0, evidence.at, evidence.id)


def standings(evidence: Iterable[Evidence]) -> dict[str, Standing]:
    """{skill code: standing} for every skill with any evidence."""
    best: dict[str, Evidence] = {}
    own: dict[str, Evidence] = {}
    for item in evidence:
        if item.level not in LEVELS or item.source not in SOURCES:
            continue  # the database refuses these; a row from a future version is ignored
        if item.skill not in best or _key(item) > _key(best[item.skill]):
            best[item.skill] = item
        if item.source == "self" and (
            item.skill not in own or (item.at, item.id) > (own[item.skill].at, own[item.skill].id)
        ):
            own[item.skill] = item
    return {
        code: Standing(
            skill=code,
            level=item.level,
            source=item.source,
            at=item.at,
            self_level=own[code].level if code in own else None,
        )
        for code, item in best.items()
    }


def validated_at(evidence: Iterable[Evidence], skill: str) -> dt.datetime | None:
    """When ``skill`` was validated, if it stands validated now (None otherwise)."""
    standing = standings(item for item in evidence if item.skill == skill).get(skill)
    return standing.at if standing is not None and standing.validated else None


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """A skill whose standing moved within the window: from ``before`` (None: first evidence)."""

    skill: str
    before: str | None
    after: str
    at: dt.datetime
    source: str


def recent_changes(evidence: Iterable[Evidence], since: dt.datetime) -> list[Change]:
    """Skills whose derived level is not what it was at ``since``, newest first."""
    items = list(evidence)
    before = standings(item for item in items if item.at < since)
    now = standings(items)
    changes = [
        Change(code, before[code].level if code in before else None, s.level, s.at, s.source)
        for code, s in now.items()
        if s.at >= since and (code not in before or before[code].level != s.level)
    ]
    return sorted(changes, key=lambda change: change.at, reverse=True)
