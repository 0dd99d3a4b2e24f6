"""A visitor's progress as a picture: pure, no database.

One row per DigComp area, one shape per practical skill. The level never shows by colour
alone: "not yet" is an empty ring, "with help" a half-filled disc, "on my own" a full disc with
a tick; a legend under the rows says which is which. The SVG is an image (``role="img"``,
named by its ``<title>`` and ``<desc>``); the same facts come back as ``rows`` for the page to
show as a table, so a screen reader or a printer gets them in words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Protocol

from markupsafe import Markup, escape

from lab.core.i18n import N_, _
from lab.skills.rules import LEVEL_LABELS, LEVELS

# Geometry, in SVG user units (the picture scales to its box with CSS).
PITCH = 40  # from one shape's centre to the next
RADIUS = 15
LABEL_HEIGHT = 24  # the area's name above its row
LINE_HEIGHT = 2 * RADIUS + 10  # one line of shapes
PER_LINE = 6  # shapes per line: a long area wraps, so the picture stays narrow for phones
MARGIN = 12
MIN_WIDTH = 360
LABEL_CHAR = 11  # a bold 17-unit character is at most this wide, for the widest area name
LEGEND_LINE = 2 * RADIUS + 8
# The counts in words: the picture's description (all areas) and each area's row.
SUMMARY = N_(
    "Seul ou seule : %(own)s sur %(total)s. Avec de l'aide : %(help)s. Pas encore : %(not_yet)s."
)


class SkillLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def rank(self) -> int: ...


class AreaLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def skills(self) -> Sequence[SkillLike]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class Cell:
    name: str
    level: str  # one of rules.LEVELS ("not_yet" also when nothing is known yet)

    @property
    def label(self) -> str:
        return _(LEVEL_LABELS[self.level])


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One area in words: its counts by level and each skill with its level."""

    code: str
    label: str
    cells: list[Cell]

    def count(self, level: str) -> int:
        return sum(1 for cell in self.cells if cell.level == level)

    @property
    def on_my_own(self) -> int:
        return self.count("on_my_own")

    @property
    def with_help(self) -> int:
        return self.count("with_help")

    @property
    def not_yet(self) -> int:
        return self.count("not_yet")

    @property
    def summary(self) -> str:
        """The area's counts in words, as the picture's description says them for all."""
        return _(
            SUMMARY,
            own=self.on_my_own,
            help=self.with_help,
            not_yet=self.not_yet,
            total=len(self.cells),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Picture:
    svg: Markup
    rows: list[Row]
    title: str
    description: str


def rows_of(areas: Iterable[AreaLike]) -> list[Row]:
    return [
        Row(
            area.code,
            area.label,
            [
                Cell(skill.name, LEVELS[max(0, min(skill.rank, len(LEVELS) - 1))])
                for skill in area.skills
            ],
        )
        for area in areas
    ]


def _describe(rows: list[Row]) -> str:
    return _(
        SUMMARY,
        own=sum(row.on_my_own for row in rows),
        help=sum(row.with_help for row in rows),
        not_yet=sum(row.not_yet for row in rows),
        total=sum(len(row.cells) for row in rows),
    )


def _shape(level: str, x: int, y: int, name: str) -> str:
    """One skill: a ring, a half disc or a full disc with a tick (the level by shape)."""
    words = _("%(skill)s : %(level)s", skill=name, level=_(LEVEL_LABELS[level]))
    tip = f"<title>{escape(words)}</title>"
    ring = (
        f'<circle class="skill-ring" cx="{x}" cy="{y}" r="{RADIUS}" fill="none" '
        'stroke="currentColor" stroke-width="3"/>'
    )
    if level == "on_my_own":
        body = (
            f'<circle class="skill-full" cx="{x}" cy="{y}" r="{RADIUS}" fill="currentColor"/>'
            f'<path d="M{x - 7} {y} l5 5 l9 -10" fill="none" stroke="#fff" stroke-width="3.5" '
            'stroke-linecap="round" stroke-linejoin="round"/>'
        )
    elif level == "with_help":
        # The left half filled: a D shape, and the ring around it.
        body = (
            f'<path class="skill-half" d="M{x} {y - RADIUS} '
            f'A{RADIUS} {RADIUS} 0 0 0 {x} {y + RADIUS} Z" fill="currentColor"/>' + ring
        )
    else:
        body = ring
    return f'<g class="skill-{level}">{tip}{body}</g>'


def draw(
    areas: Iterable[AreaLike], *, id_prefix: str = "skills-picture", title: str | None = None
) -> Picture:
    """The picture and its rows. ``id_prefix`` keeps the ids unique if a page shows two."""
    rows = rows_of(areas)
    title = title or _("Mes compétences")
    description = _describe(rows)
    longest = max((len(row.label) for row in rows), default=0)
    width = max(MIN_WIDTH, 2 * MARGIN + PER_LINE * PITCH, 2 * MARGIN + longest * LABEL_CHAR)
    tops = []  # where each area starts: its name, then its lines of shapes
    top = MARGIN
    for row in rows:
        tops.append(top)
        top += LABEL_HEIGHT + max(1, -(-len(row.cells) // PER_LINE)) * LINE_HEIGHT + 8
    legend_top = top
    height = legend_top + len(LEVELS) * LEGEND_LINE + MARGIN
    # No width or height: the picture takes its box's width, on a phone as on a tablet.
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="skills-picture" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    for row, top in zip(rows, tops, strict=True):
        parts.append(f'<g class="skills-area" data-area="{escape(row.code)}">')
        parts.append(
            f'<text x="{MARGIN}" y="{top + LABEL_HEIGHT - 6}" font-size="17" font-weight="bold" '
            f'fill="currentColor">{escape(row.label)}</text>'
        )
        for position, cell in enumerate(row.cells):
            line, column = divmod(position, PER_LINE)
            cx = MARGIN + RADIUS + 2 + column * PITCH
            cy = top + LABEL_HEIGHT + RADIUS + 4 + line * LINE_HEIGHT
            parts.append(_shape(cell.level, cx, cy, cell.name))
        parts.append("</g>")
    # The legend, one line per level: each shape beside its words (never overlapping them).
    x = MARGIN + RADIUS + 2
    parts.append('<g class="skills-legend">')
    for line, level in enumerate(LEVELS):
        cy = legend_top + RADIUS + 4 + line * LEGEND_LINE
        label = _(LEVEL_LABELS[level])
        parts.append(_shape(level, x, cy, label))
        parts.append(
            f'<text x="{x + RADIUS + 10}" y="{cy + 6}" font-size="16" fill="currentColor">'
            f"{escape(label)}</text>"
        )
    parts.append("</g></svg>")
    # Marked safe on purpose: every outside text in it (titles, labels, names) is escaped here.
    return Picture(Markup("".join(parts)), rows, title, description)  # noqa: S704
