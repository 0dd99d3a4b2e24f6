"""Showing a pass to a lab tablet, in Chromium: on « Ma carte et mon code » by the camera (a fake
camera showing the pass), by a scanner (a keyboard typing the pass's URL, then Enter) or by the
short code, then the PIN; a tablet without a camera says so. And a refused check-in tells the
visitor when their next appointment at this lab is."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from tests.browser.checkin_lab import pair_tablet
from tests.browser.conftest import camera_browser, camera_feed
from tests.browser.kiosk import assert_accessible
from tests.browser.visitor_lab import PIN, seed_visitor_lab


@pytest.fixture
def lab(live_server: str, live_env: dict[str, str]) -> dict:
    return seed_visitor_lab(live_env)


def _opens_their_appointments(page: Page, lab: dict) -> None:
    page.wait_for_url(re.compile(r"/kiosk/mine$"))
    expect(page.locator(".kiosk-hello")).to_have_text(f"Bonjour {lab['first_name']}")
    expect(page.locator("main")).to_contain_text(lab["title"])
    assert lab["last_name"] not in page.content()  # first name only on a shared screen


def test_a_visitor_shows_their_card_to_the_camera_then_types_their_pin(
    browser, lab: dict, live_server: str, tmp_path: Path
) -> None:
    card = f"{live_server}/p/{lab['token']}"
    feed = tmp_path / "pass.y4m"
    camera_feed(feed, card)
    with_camera = camera_browser(browser, feed)
    try:
        context = with_camera.new_context(
            base_url=live_server,
            locale="fr-FR",
            permissions=["camera"],
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        pair_tablet(page, lab["pairing_code"])
        page.goto("/kiosk/identify")
        expect(page.locator("#camera")).to_be_visible()
        assert_accessible(page, "my card and my code, with the camera")
        page.click("#camera-start")
        # Read: the card is in its field, the camera is off, and the PIN is next.
        expect(page.locator("#k-code")).to_have_value(card)
        expect(page.locator("#camera")).to_have_attribute("data-camera", "off")
        expect(page.locator("#camera-message")).to_have_text(
            "Carte lue. Tapez maintenant votre code secret."
        )
        expect(page.locator("#k-pin")).to_be_focused()
        page.screenshot(path=str(tmp_path / "identify-card-read.png"))
        assert_accessible(page, "my card and my code, card read")
        page.keyboard.type(PIN)
        page.keyboard.press("Enter")
        _opens_their_appointments(page, lab)
    finally:
        with_camera.close()


def test_a_scanner_or_the_short_code_work_and_a_tablet_without_camera_says_so(
    page: Page, lab: dict, live_server: str, tmp_path: Path
) -> None:
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/identify")
    code = page.locator("#k-code")
    expect(code).to_be_focused()  # a scanner types into it at once
    # The scanner types the pass's URL and presses Enter: on to the PIN, nothing sent yet.
    page.keyboard.type(f"{live_server}/p/{lab['token']}")
    page.keyboard.press("Enter")
    expect(page.locator("#k-pin")).to_be_focused()
    assert page.url.endswith("/kiosk/identify")
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    _opens_their_appointments(page, lab)
    page.click("form.kiosk-end button[type=submit]")
    page.wait_for_selector("body[data-visit=off]")

    # This browser has no camera to give: the panel says what to do instead.
    page.goto("/kiosk/identify")
    page.click("#camera-start")
    expect(page.locator("#camera-message")).to_contain_text("lecteur de cartes")
    page.screenshot(path=str(tmp_path / "identify-no-camera.png"))
    assert_accessible(page, "my card and my code, no camera")
    short = lab["short_code"]
    code.fill(f"{short[:4]}-{short[4:]}")
    page.fill("#k-pin", PIN)
    page.click("#identify-form button[type=submit]")
    _opens_their_appointments(page, lab)


def test_a_refused_check_in_tells_the_visitor_their_next_appointment(
    page: Page, lab: dict, tmp_path: Path
) -> None:
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/checkin")
    page.keyboard.type(lab["short_code"])
    page.keyboard.press("Enter")
    result = page.locator("#checkin-result")
    expect(result).to_have_attribute("data-outcome", "refused")
    day = format_date(dt.date.fromisoformat(lab["day"]), "EEEE d MMMM", locale="fr_FR")
    said = result.inner_text().replace("\u00a0", " ")
    assert "Rien à pointer pour vous maintenant" in said
    assert f"Votre prochain rendez-vous : {day} à 14 h 00, {lab['title']}" in said
    assert lab["last_name"] not in said
    page.screenshot(path=str(tmp_path / "checkin-refused-next.png"))
    assert_accessible(page, "check-in refusal with the next appointment")
