"""A report's table as a page shows it: every cell worded and escaped once, in Python.

The dashboard shows several hundred cells. Wording each through template calls (a macro per
table, a call per cell, a lookup of its column and of its mark) took about a third of the
page's time. As for the bookings grid (``lab.bookings.grid``), the cells come ready and
``templates/reports/_macros.html`` only lays them out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from markupsafe import Markup, escape

from lab.core.i18n import current_language
from lab.reports.model import Mark, Table
from lab.reports.writers import format_value


@dataclasses.dataclass(frozen=True, slots=True)
class Cell:
    text: Markup  # in the reader's language, escaped
    css: str  # "num" for a number (aligned right), "" for words
    mark: Mark | None = None  # why the cell is withheld (its text is then the marker)


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    label: Markup  # the row's first cell (never withheld), escaped
    cells: tuple[Cell, ...]  # the others
    total: bool = False  # the table's total line


def screen_rows(table: Table, markers: Mapping[Mark, str]) -> list[Row]:
    """``table``'s rows, each cell worded as ``lab.reports.writers.format_value`` words it for
    the reader, a withheld cell as its marker."""
    language = current_language()
    kinds = [column.kind for column in table.columns]
    css = ["num" if kind != "text" else "" for kind in kinds]
    shown = {mark: escape(text) for mark, text in markers.items()}
    marks = table.marks
    last = len(table.rows) - 1
    rows = []
    for r, values in enumerate(table.rows):
        cells = []
        for c in range(1, len(values)):
            mark = marks.get((r, c)) if marks else None
            if mark:
                cells.append(Cell(shown[mark], css[c], mark))
            else:
                cells.append(Cell(escape(format_value(values[c], kinds[c], language)), css[c]))
        label = escape(format_value(values[0], kinds[0], language))
        rows.append(Row(label, tuple(cells), table.has_total and r == last))
    return rows
