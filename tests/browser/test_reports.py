"""A manager's figures, in Chromium, on the demo that `make run` loads: the home page is the
dashboard; changing the period and the site updates the figures, charts and tables in place
(htmx) and the address; the XLSX and the PDF download and say the same figures; the page has no
WCAG 2.2 A/AA violation in French, English or Dutch."""

from __future__ import annotations

import io
import re

import openpyxl
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import login
from tests.browser.kiosk import assert_accessible

NETWORK_MANAGER = "reseau@lab.example"
SAINT_DENIS = "Mission locale de Saint-Denis — Lab"


def _figure(page: Page, key: str):
    return page.locator(f"#figure-{key}")


def _switch_language(page: Page, code: str) -> None:
    page.click(f".language-switch button[value={code}]")
    page.wait_for_selector(f"html[lang={code}]")


def test_a_manager_reads_filters_and_downloads_their_figures(page: Page, live_server: str) -> None:
    login(page, NETWORK_MANAGER)
    page.goto("/")
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#report-scope")).to_contain_text("Anderlecht")  # the whole network
    month = _figure(page, "attendances").get_attribute("data-value")
    assert page.locator("#report svg[role=img]").count() >= 3
    assert_accessible(page, "dashboard (fr)")

    # A year: the figures, charts and tables change in place, and the address says so.
    page.select_option("#f-period", "year")
    expect(_figure(page, "attendances")).not_to_have_attribute("data-value", month)
    year = int(_figure(page, "attendances").get_attribute("data-value"))
    assert year > int(month or 0)
    expect(page).to_have_url(re.compile(r"period=year"))
    assert page.locator("#section-trend table tbody tr").count() >= 12  # month by month

    # One site: only its figures.
    page.select_option("#f-site", label=SAINT_DENIS)
    expect(page.locator("#report-scope")).not_to_contain_text("Anderlecht")
    site_year = int(_figure(page, "attendances").get_attribute("data-value"))
    assert 0 < site_year < year
    shown = _figure(page, "attendances").locator(".figure-value").inner_text().strip()

    with page.expect_download() as waiting:
        page.click("[data-file=dashboard-xlsx]")
    book = openpyxl.load_workbook(io.BytesIO(open(waiting.value.path(), "rb").read()))
    figures = book.worksheets[1]
    values = {row[0]: row[1] for row in figures.iter_rows(min_row=2, values_only=True)}
    assert values["Présences"] == site_year

    # Files withhold small counts: the page shows the same figures in its funder view.
    page.click("#report-views a[href*='view=funder']")
    # Every figure of that page is read below: the page loaded, not only its legend.
    page.wait_for_url(re.compile(r"view=funder"))
    expect(page.locator("#report-legend")).to_be_visible()
    with page.expect_download() as waiting:
        page.click("[data-file=dashboard-pdf]")
    reader = PdfReader(io.BytesIO(open(waiting.value.path(), "rb").read()))
    text = " ".join(page_.extract_text() for page_ in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert "Rapport d'activité du lab" in text
    assert SAINT_DENIS in text
    # Every headline figure of the page, worded as on the page, is in the PDF.
    for figure in page.locator("#report .figure").all():
        value = re.sub(r"\s+", " ", figure.locator(".figure-value").inner_text().strip())
        label = re.sub(r"\s+", " ", figure.locator(".figure-label").inner_text().strip())
        assert f"{value} {label}" in text, (value, label)
    assert f"{re.sub(r'[ ]+', ' ', shown)} Présences" in text  # a count above k: shown

    for code in ("en", "nl"):
        _switch_language(page, code)
        expect(page.locator("#report")).to_be_visible()
        assert_accessible(page, f"dashboard ({code})")
