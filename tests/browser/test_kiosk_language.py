"""The language of a lab tablet, in Chromium set to English (Accept-Language en-US): the tablet
greets every new visitor in the lab's language (French here), a visitor's choice holds for
their visit, and « J'ai fini » or the idle timer bring the next visitor back to French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.checkin_lab import pair_tablet
from tests.browser.kiosk import assert_accessible
from tests.browser.test_kiosk_screens import HOME_BOXES
from tests.browser.visitor_lab import PIN, seed_visitor_lab


@pytest.fixture
def lab(live_server: str, live_env: dict[str, str]) -> dict:
    return seed_visitor_lab(live_env)


def _home_in(tablet, language: str, welcome: str) -> None:
    # Each step starts at home already: the address is the same before and after, so it is
    # checked once the language and the welcome say the new page is there.
    expect(tablet.locator("html")).to_have_attribute("lang", language)
    expect(tablet.locator("h1")).to_have_text(welcome)
    expect(tablet).to_have_url(re.compile(r"/kiosk$"))


def test_an_english_tablet_greets_in_french_until_the_visitor_chooses(
    browser, live_server, lab, tmp_path: Path
):
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 800, "height": 1280}
    )
    context.set_default_timeout(10_000)
    context.clock.install()
    try:
        tablet = context.new_page()
        assert tablet.evaluate("navigator.language") == "en-US"
        pair_tablet(tablet, lab["pairing_code"])
        tablet.goto("/kiosk")
        _home_in(tablet, "fr", "Bienvenue au lab")
        assert_accessible(tablet, "home of an English tablet")

        # The visitor chooses English, then opens their appointments: all in English.
        tablet.click("button[lang=en]")
        _home_in(tablet, "en", "Welcome to the lab")
        tablet.click("a.tile-mine")
        tablet.wait_for_selector("#identify-form")
        expect(tablet.locator("html")).to_have_attribute("lang", "en")
        tablet.fill("#k-code", lab["short_code"])
        tablet.fill("#k-pin", PIN)
        tablet.click("#identify-form button[type=submit]")
        tablet.wait_for_url(re.compile(r"/kiosk/mine$"))
        expect(tablet.locator(".kiosk-hello")).to_have_text(f"Hello {lab['first_name']}")
        # Home during the visit (the header greets them and offers "I'm done"): still whole.
        tablet.goto("/kiosk")
        tablet.screenshot(path=str(tmp_path / "home-visit-en.png"))
        measured = tablet.evaluate(HOME_BOXES)
        assert measured["scrollHeight"] <= measured["innerHeight"], measured
        assert all(tile["y"] + tile["height"] <= 1280 for tile in measured["tiles"]), measured

        # "I'm done": the next visitor is greeted in French again.
        tablet.click("form.kiosk-end button[type=submit]")
        _home_in(tablet, "fr", "Bienvenue au lab")
        expect(tablet.locator("body")).to_have_attribute("data-visit", "off")
        expect(tablet.locator("body")).to_have_attribute("data-language", "default")

        # A visitor who chose Dutch and walked away without a visit: the idle timer resets it.
        tablet.click("button[lang=nl]")
        _home_in(tablet, "nl", "Welkom in het lab")
        tablet.clock.fast_forward(76_000)
        tablet.wait_for_selector("#idle-warning", state="visible")
        tablet.clock.fast_forward(15_000)
        expect(tablet.locator("html")).to_have_attribute("lang", "fr")
        _home_in(tablet, "fr", "Bienvenue au lab")
        assert "lab_kiosk_lang" not in {cookie["name"] for cookie in context.cookies()}
    finally:
        context.close()
