"""The input types skills' services take (forms and JSON alike), bounded at the edge."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from lab.core.forms import TEXT_PATTERN
from lab.core.params import MAX_ID
from lab.skills.framework import MAX_FILE_BYTES

SKILL_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
SkillCode = Annotated[str, msgspec.Meta(min_length=2, max_length=40, pattern=SKILL_CODE_PATTERN)]
Level = Literal["not_yet", "with_help", "on_my_own"]
# One ticked box of a facilitator's list: "<visitor id>:<skill code>:<level>".
Tick = Annotated[
    str,
    msgspec.Meta(
        max_length=64, pattern=r"^[1-9][0-9]{0,9}:[a-z0-9][a-z0-9-]{1,39}:(with_help|on_my_own)$"
    ),
]


class Assessment(msgspec.Struct, forbid_unknown_fields=False):
    """Where someone stands on one skill: their own word, or what a facilitator saw."""

    skill: SkillCode
    level: Level


class Ticks(msgspec.Struct, forbid_unknown_fields=False):
    """A facilitator's tick-list at a session (an empty list records nothing)."""

    tick: Annotated[list[Tick], msgspec.Meta(max_length=2000)] = []

    @property
    def ticks(self) -> list[tuple[int, str, str]]:
        """(visitor id, skill, level), the highest level ticked for each person and skill."""
        best: dict[tuple[int, str], str] = {}
        for item in self.tick:
            visitor, skill, level = item.split(":")
            if int(visitor) > MAX_ID:
                continue
            key = (int(visitor), skill)
            if best.get(key) != "on_my_own":
                best[key] = level
        return [(visitor, skill, level) for (visitor, skill), level in sorted(best.items())]


class ModuleSkills(msgspec.Struct, forbid_unknown_fields=False):
    """What a module teaches, and what completing it grants."""

    teaches: Annotated[list[SkillCode], msgspec.Meta(max_length=100)] = []
    grants: Annotated[list[SkillCode], msgspec.Meta(max_length=100)] = []


class SkillInput(msgspec.Struct, forbid_unknown_fields=False):
    """An admin's edit of one practical skill: its words, pictogram, place and whether it is
    offered. The code never changes (evidence names it); the alignments stay those loaded."""

    pictogram: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]
    name_fr: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=TEXT_PATTERN)]
    name_en: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=TEXT_PATTERN)]
    name_nl: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=TEXT_PATTERN)]
    sentence_fr: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]
    sentence_en: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]
    sentence_nl: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]
    position: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0
    active: bool = True


class RevokeInput(msgspec.Struct, forbid_unknown_fields=False):
    """Why a badge is revoked: kept with it, and said to nobody else."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]


class SkillsFileInput(msgspec.Struct, forbid_unknown_fields=False):
    """The practical skills file, pasted as text (lab takes no uploaded file)."""

    data: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_FILE_BYTES)]
