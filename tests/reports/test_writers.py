"""The files and charts themselves, from tables made here (no database): CSV for spreadsheets
in either convention, XLSX read back by openpyxl, PDF whose text can be extracted, the same
bytes for the same input, and SVG charts that parse, name themselves and escape their labels."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from lab.core.fonts import LabPdf
from lab.reports import charts
from lab.reports.model import PRIMARY, SECONDARY, Column, Table
from lab.reports.writers import (
    Figure,
    PdfDocument,
    Section,
    csv_bytes,
    draw_chart,
    pdf_bytes,
    xlsx_bytes,
)

PARIS = ZoneInfo("Europe/Paris")
MARKERS = {PRIMARY: "< 11", SECONDARY: "masqué"}
WHEN = dt.datetime(2025, 12, 1, 8, 30, tzinfo=dt.UTC)


def _table(rows: int = 3) -> Table:
    lines = [
        (
            '=HYPERLINK("x")' if index == 0 else f"Atelier {index}",
            1234 + index,
            12.5,
            0.425,
            dt.date(2025, 11, 10),
            dt.datetime(2025, 11, 10, 9, 0, tzinfo=dt.UTC),
        )
        for index in range(rows)
    ]
    lines.append(("Total", None, None, None, None, None))
    return Table(
        key="people",
        title="Présences par atelier",
        description="Les présences de novembre.",
        columns=(
            Column("module", "Atelier", "text"),
            Column("attendances", "Présences"),
            Column("hours", "Heures", "hours"),
            Column("rate", "Remplissage", "percent"),
            Column("day", "Jour", "date"),
            Column("at", "Début", "datetime"),
        ),
        rows=tuple(lines),
        marks={(rows, 1): PRIMARY, (rows, 2): SECONDARY},
        has_total=True,
    )


def _csv(delimiter: str) -> list[list[str]]:
    raw = csv_bytes(
        [_table()], delimiter=delimiter, markers=MARKERS, preamble=["Rapport"], tz=PARIS
    )
    assert raw.startswith(b"\xef\xbb\xbf")  # spreadsheets read the accents right
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def test_the_csv_follows_the_chosen_convention() -> None:
    semicolon = _csv(";")
    header = semicolon[2]
    assert header == ["Atelier", "Présences", "Heures", "Remplissage (%)", "Jour", "Début"]
    assert semicolon[4][1:] == ["1235", "12,5", "42,5", "2025-11-10", "2025-11-10 10:00"]
    assert _csv(",")[4][1:4] == ["1235", "12.5", "42.5"]
    with pytest.raises(ValueError):
        csv_bytes([_table()], delimiter="\t", markers=MARKERS, tz=PARIS)


def test_a_formula_typed_into_a_name_stays_text_and_withheld_cells_say_so() -> None:
    rows = _csv(";")
    assert rows[3][0] == '\'=HYPERLINK("x")'
    assert rows[-1][:3] == ["Total", "< 11", "masqué"]


def _xlsx() -> bytes:
    return xlsx_bytes(
        [_table(), _table(1)],
        title="Rapport",
        created=WHEN,
        markers=MARKERS,
        preamble=["Rapport"],
        tz=PARIS,
    )


def test_the_xlsx_has_typed_cells_a_frozen_header_and_one_sheet_per_table() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_xlsx()))
    assert book.sheetnames == ["À propos", "Présences par atelier", "Présences par atelier (2)"]
    sheet = book.worksheets[1]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == 1234 and isinstance(sheet["B2"].value, int)
    assert sheet["D2"].value == pytest.approx(0.425) and "%" in sheet["D2"].number_format
    assert isinstance(sheet["E2"].value, dt.datetime) and sheet["E2"].value.date() == dt.date(
        2025, 11, 10
    )
    assert sheet["F2"].value == dt.datetime(2025, 11, 10, 10, 0)  # Paris time, as Excel shows it
    assert sheet["B5"].value == "< 11" and sheet["C5"].value == "masqué"
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"  # text


def _pdf(rows: int = 3) -> bytes:
    table = _table(rows)
    return pdf_bytes(
        PdfDocument(
            title="Rapport d'activité du lab",
            subtitle="Lab Saint-Denis · novembre 2025",
            generated_at=WHEN,
            language="fr",
            figures=(Figure("Présences", "1 234"), Figure("Participants", "< 11")),
            sections=(Section(table, str(charts.bars("c", "T", "D", ["a", "b"], [3, None]))),),
            notes=("« < 11 » : moins de 11 personnes.",),
            markers=MARKERS,
            tz=PARIS,
            footer="Rapport d'activité du lab",
        )
    )


def test_the_pdfs_text_can_be_read_back() -> None:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(_pdf())).pages)
    for expected in (
        "Rapport d'activité du lab",
        "Présences par atelier",
        "1 235",
        "42,5",
        "masqué",
    ):
        assert expected in text.replace("\u202f", " ").replace("\u00a0", " "), expected


def test_a_long_table_repeats_its_header_on_each_page() -> None:
    reader = PdfReader(io.BytesIO(_pdf(rows=120)))
    assert len(reader.pages) > 2
    assert all("Présences" in page.extract_text() for page in reader.pages[1:])


def test_the_same_input_gives_the_same_bytes() -> None:
    first = (_xlsx(), _pdf(), csv_bytes([_table()], markers=MARKERS, tz=PARIS))
    time.sleep(1.1)  # anything that reads the clock would now differ
    assert (_xlsx(), _pdf(), csv_bytes([_table()], markers=MARKERS, tz=PARIS)) == first


@pytest.mark.parametrize(
    "svg",
    [
        charts.bars("c-1", "Titre", "Une phrase.", ["<script>alert(1)</script>", "b"], [3, None]),
        charts.bars("c-2", "Titre", "Une phrase.", ["a", "b"], [3, 5], horizontal=True),
        charts.stacked_bars(
            "c-3", "Titre", "Une phrase.", ["a"], [("Utilisées", [3]), ("Manquées", [None])]
        ),
        charts.lines("c-4", "Titre", "Une phrase.", ["1", "2"], [("Présences", [1, 2])]),
        charts.heatmap(
            "c-5", "Titre", "Une phrase.", ["lun.", "mar."], ["8h", "9h"], [[0.1, 1], [None, 0]]
        ),
    ],
)
def test_each_chart_is_a_named_image_that_escapes_its_labels(svg) -> None:
    root = ET.fromstring(str(svg))  # noqa: S314 - lab's own chart, not outside input
    space = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    title, desc = root.find(f"{space}title"), root.find(f"{space}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "<script>" not in str(svg)
    texts = [node.text for node in root.iter(f"{space}text")]
    pdf = LabPdf()
    pdf.add_page()
    assert draw_chart(pdf, str(svg), 150)  # the PDF draws the same chart
    assert texts


def test_a_withheld_value_is_drawn_as_withheld_never_as_zero() -> None:
    svg = str(charts.bars("c", "T", "D", ["a", "b"], [7, None]))
    root = ET.fromstring(svg)  # noqa: S314 - lab's own chart, not outside input
    texts = [node.text for node in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "7" in texts and charts.WITHHELD in texts and "0" not in texts
    with pytest.raises(ValueError):
        charts.bars('x" onload="alert(1)', "T", "D", ["a"], [1])


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_heatmap_text_reads_on_every_shade() -> None:
    for share in [index / 20 for index in range(21)]:
        fill, ink = charts.shade_for(share)
        light, dark = sorted((_luminance(fill), _luminance(ink)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (share, fill, ink)
