"""Report tables as CSV: UTF-8 with a BOM (spreadsheets then read accents right), in the
convention of the chosen delimiter, with text from people kept from running as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from lab.reports.model import Column, Mark, Table, Value

# A cell starting with one of these is a formula to a spreadsheet: text from people never is.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def _plain_number(number: int | float, kind: str) -> str:
    """A number as a spreadsheet parses it: never in exponent form, never rounded to six digits
    (a count of a million stays 1000000); percentages and hours to one decimal."""
    if kind in ("percent", "hours"):
        return f"{number:.1f}"
    if isinstance(number, int):
        return str(number)
    return format(Decimal(repr(number)), "f")  # the shortest exact digits, without exponent


def _csv_value(value: Value, column: Column, decimal: str, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _text_cell(value)  # only words can smuggle a formula: numbers are left as they are
    if isinstance(value, int | float) and not isinstance(value, bool) and column.kind != "text":
        number = value * 100 if column.kind == "percent" else value
        return _plain_number(number, column.kind).replace(".", decimal)
    return str(value)


def _header(column: Column) -> str:
    return f"{column.label} (%)" if column.kind == "percent" else column.label


def csv_bytes(
    tables: Sequence[Table],
    *,
    delimiter: str = ";",
    markers: Mapping[Mark, str],
    preamble: Sequence[str] = (),
    tz: ZoneInfo,
) -> bytes:
    """UTF-8 with a BOM (spreadsheets then read accents right). With ``;`` numbers take a
    decimal comma (French and Dutch spreadsheets), with ``,`` a decimal point."""
    if delimiter not in (";", ","):
        raise ValueError("the delimiter is ; or ,")
    decimal = "," if delimiter == ";" else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([_text_cell(line)])
    for index, table in enumerate(tables):
        if preamble or index:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([_text_cell(table.title)])
        writer.writerow([_text_cell(_header(column)) for column in table.columns])
        for row_index, row in enumerate(table.rows):
            writer.writerow(
                [
                    markers[mark]
                    if (mark := table.marks.get((row_index, column_index)))
                    else _csv_value(value, table.columns[column_index], decimal, tz)
                    for column_index, value in enumerate(row)
                ]
            )
        if table.note:
            writer.writerow([_text_cell(table.note)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
