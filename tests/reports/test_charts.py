"""The SVG charts: well-formed, named for assistive technology, escaped, honest about withheld
values, readable (heatmap contrast) and drawable by the PDF writer."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from fpdf import FPDF

from lab.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>"


def _all_charts(labels=("Lundi", "Mardi"), values=(3.0, None)):
    series = [("Cours", list(values)), ("Stage", [1.0, 2.0][: len(labels)])]
    return {
        "bars": charts.bars("c-bars", "Titre", "Desc", labels, values),
        "hbars": charts.bars("c-hbars", "Titre", "Desc", labels, values, horizontal=True),
        "stacked": charts.stacked_bars("c-stacked", "Titre", "Desc", labels, series),
        "lines": charts.lines("c-lines", "Titre", "Desc", labels, series),
        "heatmap": charts.heatmap(
            "c-heat",
            "Titre",
            "Desc",
            labels,
            ["8h", "9h"],
            [list(values), [0.0, 5.0]][: len(labels)],
        ),
    }


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- the markup is lab's own, made in this test


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", ["bars", "hbars", "stacked", "lines", "heatmap"])
def test_chart_is_an_image_named_by_its_title_and_description(name):
    root = _parse(str(_all_charts()[name]))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox")
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}title").text == "Titre"


@pytest.mark.parametrize("name", ["bars", "hbars", "stacked", "lines", "heatmap"])
def test_withheld_value_is_marked_not_drawn_as_zero(name):
    root = _parse(str(_all_charts()[name]))
    assert charts.WITHHELD in _texts(root)
    if name in ("bars", "hbars"):
        assert "0" not in _texts(root)


def test_hostile_label_stays_text():
    svg = str(charts.bars("c", HOSTILE, HOSTILE, [HOSTILE[:12]], [1.0]))
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert not list(root.iter(f"{SVG}script"))


def test_unsafe_chart_id_is_refused():
    with pytest.raises(ValueError):
        charts.bars('x" onload="alert(1)', "T", "D", ["a"], [1.0])


def test_one_bar_per_value_with_its_value_written():
    root = _parse(
        str(
            charts.bars("c", "T", "D", ["a", "b", "c"], [1.0, 2.5, 4.0], fmt=lambda v: f"{v:.1f} h")
        )
    )
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == charts.SHADES[0]]
    assert len(bars) == 3
    assert {"1.0 h", "2.5 h", "4.0 h"} <= set(_texts(root))


@pytest.mark.parametrize("name", ["bars", "hbars", "stacked", "lines", "heatmap"])
def test_empty_data_says_so(name):
    root = _parse(str(_all_charts(labels=(), values=())[name]))
    assert charts.EMPTY in _texts(root)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(_long(a)), _luminance(_long(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _long(colour: str) -> str:
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def test_heatmap_text_contrasts_with_its_cell():
    grid = [[float(step) for step in range(7)], [None, 0.0, 6.0, 3.0, 1.0, 2.0, 5.0]]
    svg = charts.heatmap("h", "T", "D", ["lun", "mar"], [str(h) for h in range(7)], grid)
    root = _parse(str(svg))
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in ("#ffffff",)]
    inks = [t.get("fill") for t in root.iter(f"{SVG}text") if t.get("font-size") == "9"]
    assert len(cells) == len(inks) == 13
    for cell, ink in zip(cells, inks, strict=True):
        assert _contrast(cell.get("fill"), ink) >= 4.5


@pytest.mark.parametrize("name", ["bars", "hbars", "stacked", "lines", "heatmap"])
def test_pdf_writer_can_draw_the_chart(name):
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(str(_all_charts()[name]).encode()), w=150)
    assert pdf.output()[:4] == b"%PDF"
