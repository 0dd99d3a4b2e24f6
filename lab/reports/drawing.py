"""Which chart goes with which table: the chart draws the table's own numbers, so the chart, the
accessible table beside it and the files always agree (a withheld cell stays withheld)."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from lab.core.i18n import current_language
from lab.reports import charts
from lab.reports.model import Table
from lab.reports.writers import format_value

# Tables drawn as horizontal bars (long category names) and the column they draw.
_BARS = {
    "sites": ("attendances", False),
    "kinds": ("attendances", True),
    "visits_by_purpose": ("visits", True),
    "presence_by_hour": ("people", False),
    "waitlist": ("demand", True),
    "skills_areas": ("validations", True),
}


def number_format(kind: str = "count") -> Callable[[float], str]:
    """How a chart writes its numbers: as the table beside it does."""
    language = current_language()
    return lambda value: format_value(value, kind, language)


def _lines(table: Table) -> tuple[list[str], range]:
    """The labels of the table's lines and their indexes, the total left out."""
    count = len(table.rows) - (1 if table.has_total else 0)
    return [str(row[0]) for row in table.rows[:count]], range(count)


def _column(table: Table, key: str) -> int:
    return next(index for index, column in enumerate(table.columns) if column.key == key)


def chart_for(table: Table) -> Markup | None:
    chart_id = f"chart-{table.key.replace('_', '-')}"
    labels, lines = _lines(table)
    if table.key in _BARS or table.key.startswith("profile_"):
        key, horizontal = _BARS.get(table.key, ("people", True))
        column = _column(table, key)
        return charts.bars(
            chart_id,
            table.title,
            table.description,
            labels,
            [table.rows[index][column] for index in lines],
            fmt=number_format(table.columns[column].kind),
            horizontal=horizontal,
        )
    if table.key == "trend":
        first = table.columns[0].kind == "date"
        names = [
            row[0].strftime("%d/%m") if first and hasattr(row[0], "strftime") else str(row[0])
            for row in table.rows
        ]
        return charts.lines(
            chart_id,
            table.title,
            table.description,
            names,
            [
                (table.columns[column].label, [row[column] for row in table.rows])
                for column in (1, 2)
            ],
            fmt=number_format(),
        )
    if table.key == "resources":
        return charts.stacked_bars(
            chart_id,
            table.title,
            table.description,
            labels,
            [
                (table.columns[column].label, [table.rows[index][column] for index in lines])
                for column in (_column(table, "used"), _column(table, "missed"))
            ],
            fmt=number_format(),
        )
    if table.key.startswith("heatmap_"):
        return charts.heatmap(
            chart_id,
            table.title,
            table.description,
            [str(row[0]) for row in table.rows],
            [column.label for column in table.columns[1:]],
            [list(row[1:]) for row in table.rows],
            fmt=number_format("percent"),
        )
    return None
