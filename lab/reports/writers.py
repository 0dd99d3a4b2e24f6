"""Report tables into files: CSV, XLSX and PDF, byte for byte the same for the same input.

Nothing in a file depends on when it is made: the caller gives the date it carries (a closed
period's closing time), XlsxWriter writes fixed timestamps in its zip, and fpdf2 derives the PDF's
identifier from its content and that date. Withheld cells are written as their marker text
(``markers``), never as a number.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import xlsxwriter
from babel import Locale
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lab.core import i18n
from lab.core.fonts import LabPdf
from lab.core.i18n import N_, _
from lab.reports.model import PRIMARY, SECONDARY, Column, Mark, Table, Value

log = logging.getLogger("lab.reports")

# A cell starting with one of these is a formula to a spreadsheet: text from people never is.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# What a marker means, under a table that has some (the page says the same in its tooltips).
_MARK_MEANS: Mapping[Mark, str] = {
    PRIMARY: N_("masqué : moins de personnes que le seuil de protection"),
    SECONDARY: N_("masqué pour protéger une autre case"),
}


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


# PDF ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    label: str
    value: str  # already formatted
    note: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    table: Table
    chart: str | None = None  # SVG markup (lab.reports.charts)


@dataclasses.dataclass(frozen=True, slots=True)
class PdfDocument:
    title: str
    subtitle: str
    generated_at: dt.datetime
    language: str
    figures: tuple[Figure, ...]
    sections: tuple[Section, ...]
    notes: tuple[str, ...]
    markers: Mapping[Mark, str]
    tz: ZoneInfo
    footer: str


@cache
def _one_decimal_percent(language: str) -> NumberPattern:
    """The language's own percent pattern (fr "42,5 %", en and nl "42.5%" / "42,5%") with one
    decimal."""
    pattern = parse_pattern(Locale.parse(language).percent_formats[None].pattern)
    pattern.frac_prec = (1, 1)
    return pattern


def format_value(value: Value, kind: str, language: str, tz: ZoneInfo | None = None) -> str:
    """A value as people read it, on a page, in a chart or on paper (the one place numbers are
    worded): in ``language`` (fr: 1 234,5 and 42,5 %), dates day first, times in ``tz``."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or value.tzinfo).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool) and kind != "text":
        if kind == "percent":
            return _one_decimal_percent(language).apply(value, language)
        if kind in ("hours", "number"):
            return format_decimal(round(value, 1), format="#,##0.0", locale=language)
        return format_decimal(value, locale=language)
    return str(value)


class _Report(LabPdf):
    def __init__(self, document: PdfDocument) -> None:
        super().__init__()
        self.document = document
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(self.t(document.title))
        self.set_lang(document.language)
        self.set_creator("lab")
        self.set_creation_date(document.generated_at)

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-12)
        self.use(8)
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is output.
        page = _("Page %(page)s/%(pages)s", page=self.page_no(), pages="{nb}")
        self.cell(0, 5, self.t(f"{self.document.footer} · {page}"), align="C")

    def paragraph(
        self, text: str, size: float = 10, bold: bool = False, height: float = 5.5
    ) -> None:
        self.use(size, bold)
        self.multi_cell(0, height, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def pdf_bytes(document: PdfDocument) -> bytes:
    """An A4 activity report: title, headline figures, then each section's chart and table
    (header repeated on each page), and the notes; its own words in ``document.language``."""
    with i18n.language(document.language):
        return _render(document)


def _render(document: PdfDocument) -> bytes:
    pdf = _Report(document)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.paragraph(document.title, 18, bold=True, height=9)
    pdf.paragraph(document.subtitle, 11)
    pdf.ln(3)
    _figures(pdf, document.figures)
    for section in document.sections:
        _section(pdf, section, document)
    if document.notes:
        pdf.ln(4)
        for note in document.notes:
            pdf.paragraph(note, 9)
    return bytes(pdf.output())


def _figures(pdf: _Report, figures: Sequence[Figure]) -> None:
    """Headline figures three to a row; a row starts below the longest caption of the last."""
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
    top = bottom = pdf.get_y()
    for index, item in enumerate(figures):
        if index % 3 == 0:
            top = bottom + (4 if index else 0)
            if top > pdf.h - 40:
                pdf.add_page()
                top = pdf.get_y()
        x = pdf.l_margin + (index % 3) * width
        pdf.set_xy(x, top)
        pdf.use(14, bold=True)
        pdf.cell(width - 2, 7, pdf.t(item.value))
        pdf.set_xy(x, top + 7)
        pdf.use(8)
        caption = f"{item.label}\n{item.note}" if item.note else item.label
        pdf.multi_cell(width - 2, 4, pdf.t(caption))
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 4)


def _section(pdf: _Report, section: Section, document: PdfDocument) -> None:
    table = section.table
    # A title never ends a page alone: it starts a new one when its chart would not follow.
    if pdf.get_y() > pdf.h - (110 if section.chart else 60):
        pdf.add_page()
    pdf.ln(4)
    pdf.paragraph(table.title, 13, bold=True, height=7)
    pdf.paragraph(table.description, 9)
    if section.chart:
        _chart(pdf, section.chart)
    pdf.use(8)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
        line_height=5,
        # Words to the left, numbers to the right where their digits line up.
        text_align=tuple("LEFT" if column.kind == "text" else "RIGHT" for column in table.columns),
        first_row_as_headings=True,
    ) as grid:
        heading = grid.row()
        for column in table.columns:
            heading.cell(pdf.t(column.label))
        for row_index, row in enumerate(table.rows):
            line = grid.row()
            for column_index, value in enumerate(row):
                mark = table.marks.get((row_index, column_index))
                column = table.columns[column_index]
                text = (
                    document.markers[mark]
                    if mark
                    else format_value(value, column.kind, document.language, document.tz)
                )
                line.cell(pdf.t(text))
    if table.note:
        pdf.paragraph(table.note, 8)


_SVG_META = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.DOTALL)
_SVG_FONT = re.compile(r'font-family="[^"]*"')


def draw_chart(pdf: LabPdf, svg: str, width: float) -> bool:
    """Draw an SVG chart at the current position; False when fpdf2 cannot (its SVG support is
    a subset, and a document without DejaVu cannot draw every letter): the table follows."""
    drawable = _SVG_META.sub("", svg)  # fpdf2 draws no <title>/<desc>: the text says them
    # The chart's text in the document's own font (registered under its family name).
    drawable = _SVG_FONT.sub(f'font-family="{pdf.family_name}"', drawable)
    try:
        pdf.image(io.BytesIO(drawable.encode("utf-8")), x=pdf.l_margin, w=width)
    except Exception:  # whatever fpdf2's SVG reader trips on, the report itself must come out
        log.warning("a chart could not be drawn in a PDF; its table follows", exc_info=True)
        return False
    return True


def _chart(pdf: _Report, svg: str) -> None:
    if pdf.get_y() > pdf.h - 90:
        pdf.add_page()
    draw_chart(pdf, svg, (pdf.w - pdf.l_margin - pdf.r_margin) * 0.8)
