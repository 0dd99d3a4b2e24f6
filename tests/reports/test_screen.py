"""A report's table as the page shows it (``lab.reports.screen``): each cell worded in the
reader's language and escaped once, withheld cells shown by their marker, the total marked."""

from __future__ import annotations

from lab.core.i18n import set_language
from lab.reports.model import PRIMARY, SECONDARY, Column, Table
from lab.reports.screen import screen_rows

MARKERS = {PRIMARY: "< 5", SECONDARY: "masqué"}


def _table() -> Table:
    return Table(
        key="sites",
        title="Par site",
        description="Une ligne par site.",
        columns=(
            Column("site", "Site", "text"),
            Column("people", "Personnes"),
            Column("rate", "Taux", "percent"),
        ),
        rows=(
            ("Saint-Denis <Nord>", 1234, 0.425),
            ("Bobigny", None, None),
            ("Total", 1237, 0.5),
        ),
        marks={(1, 1): PRIMARY, (1, 2): SECONDARY},
        has_total=True,
    )


def test_cells_are_worded_in_french_and_escaped() -> None:
    set_language("fr")
    first, _withheld, total = screen_rows(_table(), MARKERS)
    assert first.label == "Saint-Denis &lt;Nord&gt;"
    assert [(cell.text, cell.css, cell.mark) for cell in first.cells] == [
        ("1\u202f234", "num", None),
        ("42,5\xa0%", "num", None),
    ]
    assert not first.total and total.total
    assert total.label == "Total"


def test_withheld_cells_show_their_marker_escaped_and_say_why() -> None:
    set_language("fr")
    _first, withheld, _total = screen_rows(_table(), MARKERS)
    assert [(cell.text, cell.mark) for cell in withheld.cells] == [
        ("&lt; 5", PRIMARY),
        ("masqué", SECONDARY),
    ]


def test_numbers_follow_the_readers_language() -> None:
    set_language("en")
    try:
        first, _withheld, _total = screen_rows(_table(), MARKERS)
    finally:
        set_language("fr")
    assert first.cells[0].text == "1,234"
    assert first.cells[1].text == "42.5%"


def test_a_table_without_a_total_marks_no_line() -> None:
    table = _table()
    plain = Table(
        key=table.key,
        title=table.title,
        description=table.description,
        columns=table.columns,
        rows=table.rows[:2],
    )
    rows = screen_rows(plain, MARKERS)
    assert [row.total for row in rows] == [False, False]
    assert [cell.mark for cell in rows[1].cells] == [None, None]
    assert [cell.text for cell in rows[1].cells] == ["—", "—"]
