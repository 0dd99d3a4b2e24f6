"""Report tables as XLSX (XlsxWriter): typed cells, a bold frozen header, one sheet per table.

XlsxWriter writes fixed timestamps in its zip and the document's created date comes from the
caller, so the same tables give the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import xlsxwriter

from lab.core.i18n import N_, _
from lab.reports.model import PRIMARY, SECONDARY, Mark, Table

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# What a marker means, under a table that has some (the page says the same in its tooltips).
_MARK_MEANS: Mapping[Mark, str] = {
    PRIMARY: N_("masqué : moins de personnes que le seuil de protection"),
    SECONDARY: N_("masqué pour protéger une autre case"),
}


def _sheet_names(tables: Sequence[Table], taken: str) -> list[str]:
    """Each table's title as a sheet name Excel accepts: none of []:*?/\\, at most 31
    characters, no leading or trailing apostrophe, unique regardless of case (a repeated title
    gets " (2)"), and neither ``taken`` (the first sheet) nor "History", which Excel reserves."""
    names, seen = [], {taken.lower(), "history"}
    for table in tables:
        words = " ".join(_SHEET_FORBIDDEN.sub(" ", table.title).split()).strip("'")
        base = words[:31].rstrip() or table.key[:31]
        name, number = base, 2
        while name.lower() in seen:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        seen.add(name.lower())
        names.append(name)
    return names


def xlsx_bytes(
    tables: Sequence[Table],
    *,
    title: str,
    created: dt.datetime,
    markers: Mapping[Mark, str],
    preamble: Sequence[str] = (),
    tz: ZoneInfo,
) -> bytes:
    """One sheet per table, after a first sheet « À propos » with the preamble (what, where,
    when, and how to read withheld cells). Header row bold and frozen, numbers as numbers,
    dates as dates, withheld cells as their marker text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {"title": title, "created": created.astimezone(dt.UTC).replace(tzinfo=None)}
    )
    bold = book.add_format({"bold": True})
    formats = {
        "count": book.add_format({"num_format": "0"}),
        "number": book.add_format({"num_format": "0.0"}),
        "hours": book.add_format({"num_format": "0.0"}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    about_name = _("À propos")
    about = book.add_worksheet(about_name)
    about.set_column(0, 0, 100)
    for row, line in enumerate(preamble or (title,)):
        about.write_string(row, 0, line, bold if row == 0 else None)
    for table, name in zip(tables, _sheet_names(tables, about_name), strict=True):
        sheet = book.add_worksheet(name)
        widths = [len(column.label) for column in table.columns]
        for column_index, column in enumerate(table.columns):
            sheet.write_string(0, column_index, column.label, bold)
        for row_index, row in enumerate(table.rows, start=1):
            for column_index, value in enumerate(row):
                column = table.columns[column_index]
                mark = table.marks.get((row_index - 1, column_index))
                shown = _xlsx_cell(
                    sheet, row_index, column_index, value, column, mark, markers, formats, tz
                )
                widths[column_index] = max(widths[column_index], len(shown))
        sheet.freeze_panes(1, 0)
        for column_index, width in enumerate(widths):
            sheet.set_column(column_index, column_index, min(max(width + 2, 8), 60))
        notes = [table.note] if table.note else []
        notes += [
            f"{markers[mark]} — {_(_MARK_MEANS[mark])}"
            for mark in (PRIMARY, SECONDARY)
            if mark in table.marks.values()
        ]
        for offset, note in enumerate(notes):
            sheet.write_string(len(table.rows) + 2 + offset, 0, note)
    book.close()
    return buffer.getvalue()


def _xlsx_cell(sheet, row, column_index, value, column, mark, markers, formats, tz) -> str:
    """Write one cell with its type; return the text it shows (for the column's width)."""
    if mark:
        sheet.write_string(row, column_index, markers[mark])
        return markers[mark]
    if value is None:
        sheet.write_blank(row, column_index, None)
        return ""
    if isinstance(value, dt.datetime):
        sheet.write_datetime(
            row, column_index, value.astimezone(tz).replace(tzinfo=None), formats["datetime"]
        )
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        sheet.write_datetime(
            row, column_index, dt.datetime.combine(value, dt.time()), formats["date"]
        )
        return "yyyy-mm-dd"
    if isinstance(value, int | float) and not isinstance(value, bool) and column.kind != "text":
        sheet.write_number(row, column_index, value, formats.get(column.kind, formats["number"]))
        return f"{value:g}"
    text = str(value)
    sheet.write_string(row, column_index, text)
    return text
