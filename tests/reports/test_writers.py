"""The files and charts themselves, from tables made here (no database): CSV for spreadsheets
in either convention, XLSX read back by openpyxl, PDF whose text can be extracted, the same
bytes for the same input, and SVG charts that parse, name themselves and escape their labels."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import shutil
import subprocess
import time
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
    format_value,
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
            figures=(
                Figure("Présences", "1\u202f234", "sur les sites du lab"),
                Figure("Participants", "< 11"),
            ),
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


def test_a_chart_prints_in_the_documents_own_font() -> None:
    """Long labels end with "…", which only DejaVu (the document's font) can draw."""
    pdf = LabPdf()
    pdf.add_page()
    svg = charts.bars("c", "Titre", "Une phrase.", ["Compétences numériques " * 3, "b"], [3, None])
    assert draw_chart(pdf, str(svg), 150)


def test_csv_numbers_are_plain_and_only_words_are_guarded_against_formulas() -> None:
    table = Table(
        key="odd",
        title="Cas limites",
        description="Des valeurs que les tableurs lisent mal.",
        columns=(
            Column("name", "Nom", "text"),
            Column("people", "Personnes"),
            Column("change", "Écart", "number"),
        ),
        rows=(
            ("=cmd|' /C calc'!A0", 1_234_567, -3.25),
            ("+33 6 12 34 56 78", 0, 1e20),
            ("@SUM(A1)", 2, 0.1),
            ("\tcaché", 3, 4.0),
        ),
    )
    raw = csv_bytes([table], delimiter=",", markers=MARKERS, tz=PARIS)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [
        "'=cmd|' /C calc'!A0",
        "'+33 6 12 34 56 78",
        "'@SUM(A1)",
        "'\tcaché",
    ]
    assert [row[1:] for row in rows[1:]] == [
        ["1234567", "-3.25"],
        ["0", "100000000000000000000"],
        ["2", "0.1"],
        ["3", "4.0"],
    ]


def test_several_tables_in_one_csv_are_titled_and_spaced() -> None:
    raw = csv_bytes([_table(1), _table(1)], markers=MARKERS, preamble=["Rapport", "Lab"], tz=PARIS)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[:4] == [["Rapport"], ["Lab"], [], ["Présences par atelier"]]
    assert rows[4][0] == "Atelier" and rows[7] == [] and rows[8] == ["Présences par atelier"]


def test_sheet_names_are_ones_excel_accepts() -> None:
    titles = ["Heures : [lun/mar]*?", "A" * 40, "A" * 40, "À propos", "History"]
    tables = [dataclasses.replace(_table(1), title=title) for title in titles]
    raw = xlsx_bytes(tables, title="Rapport", created=WHEN, markers=MARKERS, tz=PARIS)
    names = openpyxl.load_workbook(io.BytesIO(raw)).sheetnames
    assert names[0] == "À propos"
    assert names[1] == "Heures lun mar"
    assert names[2] == "A" * 31 and names[3] == "A" * 27 + " (2)"
    assert names[4] == "À propos (2)" and names[5] == "History (2)"
    assert all(len(name) <= 31 for name in names)


def test_a_sheet_with_withheld_cells_says_what_its_markers_mean() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx())).worksheets[1]
    notes = [sheet.cell(row, 1).value for row in range(7, 9)]
    assert notes == [
        "< 11 — masqué\u00a0: moins de personnes que le seuil de protection",
        "masqué — masqué pour protéger une autre case",
    ]
    about = openpyxl.load_workbook(io.BytesIO(_xlsx())).worksheets[0]
    assert about["A1"].value == "Rapport" and about["A1"].font.bold


@pytest.mark.parametrize(
    ("language", "number", "count", "share"),
    [
        ("fr", "1\u202f234,5", "1\u202f234", "42,5\u00a0%"),
        ("en", "1,234.5", "1,234", "42.5%"),
        ("nl", "1.234,5", "1.234", "42,5%"),
    ],
)
def test_numbers_are_worded_in_the_readers_language(language, number, count, share) -> None:
    assert format_value(1234.5, "number", language) == number
    assert format_value(1234, "count", language) == count
    assert format_value(0.425, "percent", language) == share
    assert format_value(None, "count", language) == "—"


def test_the_pdf_says_its_title_language_date_page_numbers_and_figure_notes() -> None:
    reader = PdfReader(io.BytesIO(_pdf(rows=120)))
    assert reader.metadata.title == "Rapport d'activité du lab"
    assert reader.metadata.creation_date == WHEN
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    pages = len(reader.pages)
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "1\u202f234" in first  # the narrow no-break space of French numbers, kept
    assert "sur les sites" in first  # a figure's note, under its label
    assert f"Page 1/{pages}" in first and f"Page {pages}/{pages}" in last
    assert "moins de 11 personnes" in last


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is not installed")
def test_poppler_reads_the_pdfs_text_too(tmp_path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "Rapport d'activité du lab" in text and "masqué" in text


def test_a_chart_fpdf2_cannot_draw_leaves_the_rest_of_the_report() -> None:
    document = PdfDocument(
        title="Rapport",
        subtitle="Lab",
        generated_at=WHEN,
        language="fr",
        figures=(),
        sections=(Section(_table(1), "<svg><unclosed"),),
        notes=(),
        markers=MARKERS,
        tz=PARIS,
        footer="Rapport",
    )
    text = PdfReader(io.BytesIO(pdf_bytes(document))).pages[0].extract_text()
    assert "Présences par atelier" in text and "Atelier" in text
