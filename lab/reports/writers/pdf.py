"""Report tables as a printable PDF (fpdf2, DejaVu Sans): headline figures, charts, tables whose
header repeats on each page, and text that can be extracted.

The creation date comes from the caller and fpdf2 derives the file identifier from the content
and that date, so the same document gives the same bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lab.core import i18n
from lab.core.fonts import LabPdf
from lab.core.i18n import _
from lab.reports.model import Mark, Table
from lab.reports.writers.words import format_value

log = logging.getLogger("lab.reports")


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
