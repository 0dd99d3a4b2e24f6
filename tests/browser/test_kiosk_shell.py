"""The kiosk shell in Chromium: pairing, a first visit, the idle timer, and a clean slate."""

from __future__ import annotations

import re

from tests.browser.kiosk import (
    assert_accessible,
    audit,
    browser_storage,
    pair,
    paired_tablet,
    pairing_code,
)

FIRST, LAST = "Inès", "Kiosquetest"


def _sign_up(tablet) -> str:
    """Fill the first-visit form as a visitor would; returns the new pass's short code."""
    tablet.click("a.tile-signup")
    tablet.wait_for_selector("#signup-form")
    tablet.fill("#k-first_name", FIRST)
    tablet.fill("#k-last_name", LAST)
    tablet.fill("#k-birth_day", "5")
    tablet.select_option("#k-birth_month", "3")
    tablet.fill("#k-birth_year", "2006")
    tablet.fill("#k-postcode", "93200")
    tablet.check("input[name=status][value=job_seeker]")
    tablet.fill("#k-pin", "4826")
    tablet.fill("#k-pin_confirm", "4826")
    tablet.click("#signup-form button[type=submit]")
    tablet.wait_for_selector("#signup-done")
    # The answer keeps the address: the whole page's text is read next (the last name must not
    # be in it), so the page must be all there, not only its first lines.
    tablet.wait_for_load_state()
    return tablet.locator("#short-code").inner_text().strip()


def test_a_paired_tablet_signs_up_a_visitor_then_idles_home_and_forgets_them(
    browser, live_server, page
):
    code = pairing_code(page, "Tablette accueil (test)")
    tablet_context = browser.new_context(base_url=live_server, locale="fr-FR")
    tablet_context.set_default_timeout(10_000)
    tablet_context.clock.install()
    try:
        tablet = tablet_context.new_page()
        pair(tablet, code)
        tablet.goto("/kiosk")
        assert tablet.locator("h1").inner_text() == "Bienvenue au lab"
        assert_accessible(tablet, "kiosk home")

        tablet.click("a.tile-signup")
        tablet.click("#signup-form button[type=submit]")  # nothing filled in
        tablet.wait_for_selector("#signup-error")
        assert_accessible(tablet, "first-visit form with errors")
        tablet.goto("/kiosk")
        short_code = _sign_up(tablet)
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", short_code)
        assert FIRST in tablet.locator("#signup-done").inner_text()
        assert LAST not in tablet.content()  # first name only on a shared screen
        assert_accessible(tablet, "new pass page")
        old_visit = next(c for c in tablet_context.cookies() if c["name"] == "lab_kiosk_visit")

        tablet.clock.fast_forward(76_000)
        tablet.wait_for_selector("#idle-warning", state="visible")
        assert_accessible(tablet, "idle warning")
        tablet.clock.fast_forward(15_000)
        tablet.wait_for_url(re.compile(r"/kiosk$"))
        tablet.wait_for_selector("body[data-visit=off]")

        # The old visit is over on the server too: its cookie opens nothing.
        tablet_context.add_cookies([{**old_visit}])
        again = tablet_context.request.get("/kiosk")
        assert 'data-visit="off"' in again.text()
        tablet_context.clear_cookies(name="lab_kiosk_visit")

        # Back never shows the previous visitor, and the browser kept nothing personal.
        tablet.go_back()
        assert FIRST not in tablet.content()
        tablet.goto("/kiosk")
        kept = browser_storage(tablet)
        for personal in (FIRST, LAST, short_code, short_code.replace("-", "")):
            assert personal not in kept, personal
    finally:
        tablet_context.close()


def test_the_kiosk_speaks_each_language_named_in_itself(browser, live_server, page):
    code = pairing_code(page, "Tablette langues (test)")
    with paired_tablet(browser, live_server, code) as tablet:
        tablet.goto("/kiosk")
        tablet.click("button[lang=nl]")
        tablet.wait_for_selector("html[lang=nl]")
        assert tablet.locator("h1").inner_text() == "Welkom in het lab"
        assert_accessible(tablet, "kiosk home in Dutch")
        tablet.click("button[lang=en]")
        tablet.wait_for_selector("html[lang=en]")
        assert tablet.locator("h1").inner_text() == "Welcome to the lab"
        # The audit itself can fail: an unlabelled field is caught.
        tablet.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input>')")
        assert "label" in {violation["id"] for violation in audit(tablet)}
