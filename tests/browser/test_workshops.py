"""Workshops in a real browser, on the demo programme: find a person by the code on their
page and enrol them (the full module puts them on its waitlist), cancel a seat and see the
first waitlisted take it, and enrol by scanning a pass (a scanner types its URL)."""

from __future__ import annotations

import io
import random
import re
import string

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, login, search_answered

SAINT_DENIS = "Mission locale de Saint-Denis — Lab"
FULL_MODULE = "Objectif emploi : 6 séances pour trouver un job"
OPEN_MODULE = "Réunion d'information France Travail"


def _new_visitor(page: Page, first_name: str) -> str:
    """Register someone at Saint-Denis (so nobody has enrolled them yet); returns the last
    name. Lands on their pass page."""
    last_name = "Atelier" + "".join(random.choices(string.ascii_lowercase, k=6))
    page.goto("/visitors/new")
    page.fill("#f-first_name", first_name)
    page.fill("#f-last_name", last_name)
    page.fill("#f-birth_date", "2006-09-02")
    page.fill("#f-postcode", "93200")
    page.select_option("#f-preferred_language", "fr")
    page.select_option("#f-site_id", label=SAINT_DENIS)
    page.select_option("#f-status", "job_seeker")
    page.click("#visitor-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/visitors/\d+/pass\?done=visitor_created$"))
    return last_name


def _open_module(page: Page, title: str) -> None:
    page.goto("/workshops")
    page.select_option("#f-site", label=SAINT_DENIS)
    page.get_by_role("button", name="Afficher ce site").click()
    # The list already shown may be that site's: wait for the one asked for, or the click
    # lands on the page being left.
    page.wait_for_url(re.compile(r"/workshops\?site=\d+$"))
    page.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text(title)


def test_a_code_from_a_visitors_page_enrols_them_on_the_waitlist_of_a_full_module(
    page: Page,
) -> None:
    login(page, ADMIN)
    last_name = _new_visitor(page, "Aya")
    visitor_page = page.url.split("/pass?")[0]
    page.goto(visitor_page)
    code = page.locator("strong.code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code

    _open_module(page, FULL_MODULE)
    expect(page.locator("#enrolments")).to_contain_text("0 place libre")
    waiting_before = page.locator("#waitlist tbody tr").count()
    # Typing searches after a pause, Enter searches at once: the button is pressed in the last
    # answer, not in an earlier one that the last would replace under the click.
    with search_answered(page, page.locator("#enrol-finder"), code):
        page.fill("#f-enrol-q", code)
        page.keyboard.press("Enter")
    matches = page.locator("#enrol-matches")
    expect(matches).to_contain_text("1 personne trouvée.")
    expect(matches).to_contain_text(f"Aya {last_name}")
    matches.get_by_role("button", name=f"Inscrire Aya {last_name}").click()

    position = waiting_before + 1
    expect(page.locator("#enrol-outcome")).to_contain_text(
        f"Aya {last_name} : liste d'attente, position {position}."
    )
    row = page.locator("#waitlist tbody tr").filter(has_text=f"Aya {last_name}")
    expect(row.locator("td").first).to_have_text(str(position))

    # A seat frees: the first waitlisted takes it at once, without a reload.
    first_waiting = page.locator("#waitlist tbody tr").first.locator("a").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#enrolled tbody tr").first.get_by_role("button").click()
    expect(page.locator("#enrol-outcome")).to_contain_text(
        f"{first_waiting} passe de la liste d'attente à une place"
    )
    expect(page.locator("#enrolled")).to_contain_text(first_waiting)
    expect(
        page.locator("#waitlist tbody tr").filter(has_text=f"Aya {last_name}").locator("td").first
    ).to_have_text(str(position - 1))


def _decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    qr = [result for result in results if result.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1
    return qr[0].text


def test_a_scanned_pass_enrols_its_holder_at_once(page: Page, live_server: str) -> None:
    login(page, ADMIN)
    last_name = _new_visitor(page, "Noé")
    url = _decode_qr(page.locator(".qr-box svg.qr").screenshot())
    assert url.startswith(f"{live_server}/p/")

    _open_module(page, OPEN_MODULE)
    page.click("#f-enrol-q")
    page.keyboard.type(url)  # a USB scanner is a keyboard: the URL, then Enter
    page.keyboard.press("Enter")
    expect(page.locator("#enrol-outcome")).to_contain_text(f"Noé {last_name} : inscrit·e.")
    expect(page.locator("#enrolled")).to_contain_text(f"Noé {last_name}")
    # Ready for the next scan: the field is empty and has the focus.
    expect(page.locator("#f-enrol-q")).to_have_value("")
    expect(page.locator("#f-enrol-q")).to_be_focused()
