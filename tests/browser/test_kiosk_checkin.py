"""Checking in at a kiosk tablet in Chromium: by the short code typed on the screen, by a
USB/Bluetooth scanner (a keyboard typing the pass's URL, then Enter), by the camera (a fake
camera showing a pass), and choosing between two sessions. The tablet greets by first name."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checkin_lab import arrived, pair_tablet, seed_lab
from tests.browser.conftest import camera_browser, camera_feed
from tests.browser.kiosk import assert_accessible


@pytest.fixture
def lab(live_server: str, live_env: dict[str, str]) -> dict:
    return seed_lab(live_env, people=3)


def _result(page: Page):
    return page.locator("#checkin-result")


def test_check_in_by_short_code_and_by_a_scanner_typed_pass(
    page: Page, lab: dict, live_server: str, live_env: dict[str, str]
) -> None:
    nour, hugo, ines = lab["people"]
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/checkin")
    field = page.locator("#f-code")
    expect(field).to_be_focused()
    assert_accessible(page, "check-in page")

    # Typed by hand on the screen: the short code, as printed (with its dash), then OK.
    code = nour["short_code"]
    field.fill(f"{code[:4]}-{code[4:]}")
    page.click("#scan-form button[type=submit]")
    expect(_result(page)).to_have_attribute("data-outcome", "accepted")
    expect(_result(page)).to_contain_text("Bienvenue, Nour !")
    expect(_result(page)).to_contain_text("Atelier CV")
    assert nour["last_name"] not in _result(page).inner_text()
    assert_accessible(page, "check-in answer")

    # A scanner is a keyboard: it types the pass's URL wherever the focus is, then Enter.
    page.locator("h1").click()  # the focus left the field: the next keystrokes come back to it
    page.keyboard.type(f"{live_server}/p/{hugo['token']}")
    page.keyboard.press("Enter")
    expect(_result(page)).to_contain_text("Bienvenue, Hugo !")
    expect(field).to_be_focused()  # ready for the next card
    expect(field).to_have_value("")

    # The same card again: already checked in, nothing recorded twice.
    page.keyboard.type(hugo["short_code"])
    page.keyboard.press("Enter")
    expect(_result(page)).to_have_attribute("data-outcome", "duplicate")
    expect(_result(page)).to_contain_text("Vous étiez déjà pointé·e")

    page.keyboard.type("ZZZZ-ZZZZ")
    page.keyboard.press("Enter")
    expect(_result(page)).to_have_attribute("data-outcome", "refused")
    expect(_result(page)).to_contain_text("Cette carte ne marche pas.")
    assert_accessible(page, "check-in refusal")

    state = arrived(live_env, lab["site_id"])
    methods = {row["visitor"]: row["method"] for row in state["attendances"]}
    assert methods == {nour["id"]: "kiosk_code", hugo["id"]: "kiosk_scan"}
    assert sorted(scan["outcome"] for scan in state["scans"]) == [
        "accepted",
        "accepted",
        "duplicate",
        "refused",
    ]
    assert not any(scan["offline"] for scan in state["scans"])  # all sent at once
    assert ines["id"] not in methods
    expect(page.locator("#kiosk-network")).to_be_empty()  # nothing left in the queue


def test_a_visitor_with_two_sessions_open_chooses_one(
    page: Page, live_server: str, live_env: dict[str, str]
) -> None:
    lab = seed_lab(live_env, people=1, drop_in=True)
    nour = lab["people"][0]
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/checkin")
    page.keyboard.type(nour["short_code"])
    page.keyboard.press("Enter")
    expect(_result(page)).to_have_attribute("data-outcome", "choose")
    expect(_result(page)).to_contain_text("Nour, choisissez votre atelier")
    choice = page.locator(f"#checkin-result button[data-session='{lab['drop_in_session_id']}']")
    expect(choice).to_contain_text("Café numérique")
    assert_accessible(page, "choice of sessions")
    choice.click()
    expect(_result(page)).to_have_attribute("data-outcome", "accepted")
    expect(_result(page)).to_contain_text("Café numérique")
    sessions = [row["session"] for row in arrived(live_env, lab["site_id"])["attendances"]]
    assert sessions == [lab["drop_in_session_id"]]


def test_check_in_by_showing_the_pass_to_the_camera(
    browser, lab: dict, live_server: str, live_env: dict[str, str], tmp_path: Path
) -> None:
    ines = lab["people"][2]
    feed = tmp_path / "pass.y4m"
    camera_feed(feed, f"{live_server}/p/{ines['token']}")
    with_camera = camera_browser(browser, feed)
    try:
        context = with_camera.new_context(
            base_url=live_server, locale="fr-FR", permissions=["camera"]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        pair_tablet(page, lab["pairing_code"])
        page.goto("/kiosk/checkin")
        page.click("#camera-start")
        expect(page.locator("#camera")).to_have_attribute("data-camera", "on")
        expect(_result(page)).to_contain_text("Bienvenue, Inès !")
        page.click("#camera-stop")
        expect(page.locator("#camera")).to_have_attribute("data-camera", "off")
    finally:
        with_camera.close()
    state = arrived(live_env, lab["site_id"])
    assert {row["visitor"]: row["method"] for row in state["attendances"]} == {
        ines["id"]: "kiosk_scan"
    }
