"""What a report is made of, whatever shows it: a page, a chart, a CSV, an XLSX or a PDF.

A ``Table`` is titled, described in one sentence and typed by column, so that a spreadsheet gets
numbers as numbers and dates as dates, and a screen reader gets the same data as the chart. A
cell withheld by small-cell suppression holds ``None`` and carries a mark saying why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Literal

# text: words; count: a whole number of people or events; number: any other quantity;
# percent: a share between 0 and 1 (shown as a percentage); hours: a duration in hours
# (decimal); date / datetime: calendar values (datetimes aware, shown in the site's zone).
Kind = Literal["text", "count", "number", "percent", "hours", "date", "datetime"]
Mark = Literal["primary", "secondary"]
PRIMARY: Mark = "primary"  # the cell itself is between 1 and k-1
SECONDARY: Mark = "secondary"  # hidden so that totals cannot give a primary cell away

Value = str | int | float | dt.date | dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # already in the reader's language
    kind: Kind = "count"
    # False when a total line is not the sum of the lines above it (people counted once
    # across sites): small-cell protection then treats each cell on its own.
    summed: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """One table of a report. ``rows`` hold values in column order; a suppressed cell is
    ``None`` and ``marks[(row, column)]`` says whether it was hidden for itself (primary) or
    to protect another (secondary). A row's label cells are never suppressed."""

    key: str  # stable and unique within a report: a sheet's name, an anchor, a file's section
    title: str
    description: str  # one sentence: what the table counts, and over which period
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    marks: Mapping[tuple[int, int], Mark] = dataclasses.field(default_factory=dict)
    note: str = ""  # a caveat the reader needs (a suppression legend, a missing source)
    has_total: bool = False  # the last row is the total of the others (charts leave it out)

    def mark(self, row: int, column: int) -> Mark | None:
        return self.marks.get((row, column))

    @property
    def suppressed(self) -> bool:
        return bool(self.marks)
