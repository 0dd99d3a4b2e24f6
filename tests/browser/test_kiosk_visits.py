"""Drop-in visits at a kiosk tablet, in Chromium: a visitor with nothing scheduled scans, chooses
why they came with one touch and is welcomed by first name only; staff watching "in the lab
now" see the visit appear, then end when the visitor taps "I'm leaving" and scans, without
reloading. The screens pass the WCAG A/AA audit. With the network cut, 10 drop-in visits are
queued with their purposes and each reaches the server once, with its client time."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from tests.browser.checkin_lab import pair_tablet, queued
from tests.browser.conftest import login
from tests.browser.kiosk import MANAGER, assert_accessible
from tests.browser.visits_lab import seed_visits_lab, site_visits

# The staff board refreshes every few seconds: long enough for one refresh or two.
BOARD_MS = 25_000


def _result(page: Page):
    return page.locator("#checkin-result")


def test_a_drop_in_visit_from_scan_to_leaving_seen_live_by_staff(
    browser, page: Page, live_server: str, live_env: dict[str, str]
) -> None:
    lab = seed_visits_lab(live_env, people=1)
    (nour,) = lab["people"]
    staff = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        desk = staff.new_page()
        login(desk, MANAGER)
        desk.goto(f"/visits/sites/{lab['site_id']}")
        board = desk.locator("#board")
        expect(board).not_to_contain_text(nour["last_name"])

        pair_tablet(page, lab["pairing_code"])
        page.goto("/kiosk")
        assert_accessible(page, "kiosk home")
        page.click(".tile-checkin")
        # The tile is a link: wait for the check-in page's field before the card's keystrokes,
        # or the first of them land on the page being left.
        expect(page.locator("#f-code")).to_be_focused()
        page.keyboard.type(nour["short_code"])
        page.keyboard.press("Enter")
        expect(_result(page)).to_have_attribute("data-outcome", "purpose")
        expect(_result(page)).to_contain_text("Nour, pourquoi venez-vous aujourd’hui")
        tiles = page.locator("#checkin-result .tile-purpose")
        assert tiles.count() >= 5
        box = tiles.first.bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48
        assert_accessible(page, "purpose screen")
        page.click("#checkin-result [data-purpose=wifi]")
        expect(_result(page)).to_have_attribute("data-outcome", "accepted")
        expect(_result(page)).to_contain_text("Bienvenue, Nour ! Bonne visite.")
        expect(_result(page)).to_contain_text("Le wifi")
        assert nour["last_name"] not in page.content()
        assert_accessible(page, "visit welcome")

        # Staff see them in, without reloading.
        expect(desk.locator("#board")).to_contain_text(nour["last_name"], timeout=BOARD_MS)

        # A scan during the visit says so, and offers to leave.
        page.keyboard.type(nour["short_code"])
        page.keyboard.press("Enter")
        expect(_result(page)).to_have_attribute("data-outcome", "visit_open")
        expect(_result(page)).to_contain_text("Nour, vous êtes au lab depuis")
        assert_accessible(page, "visit already open")
        page.click("#checkin-result button:has-text('Je reste')")

        # Later: "I'm leaving" from the home screen, then the card.
        page.goto("/kiosk")
        page.click(".tile-leaving")
        expect(page.locator("h1")).to_have_text("Je m'en vais")
        expect(page.locator("#f-code")).to_be_focused()
        page.keyboard.type(nour["short_code"])
        page.keyboard.press("Enter")
        expect(_result(page)).to_have_attribute("data-outcome", "left")
        expect(_result(page)).to_contain_text("Au revoir, Nour !")
        assert_accessible(page, "visit ended")

        expect(desk.locator("#board")).not_to_contain_text(nour["last_name"], timeout=BOARD_MS)

        # Someone without a card is counted, never named: one touch, an optional age band.
        page.goto("/kiosk/checkin")
        page.click("#anonymous-link")
        # The audit reads the page as it is: the one the link opens, not the check-in page.
        page.wait_for_url("**/kiosk/visits/anonymous")
        assert_accessible(page, "count me without a card")
        page.select_option("#k-age_band", "18_21")
        page.click("button[name=purpose][value=games]")
        expect(page.locator("#anonymous-result")).to_contain_text("votre visite est comptée")
        assert_accessible(page, "counted without a card")
    finally:
        staff.close()
    visit, anonymous = site_visits(live_env, lab["site_id"])["visits"]
    assert (visit["visitor"], visit["purpose"], visit["ended_by"]) == (nour["id"], "wifi", "kiosk")
    assert (anonymous["visitor"], anonymous["purpose"]) == (None, "games")


COUNT = 10


def test_with_the_network_cut_10_drop_in_visits_wait_and_each_arrives_once(
    page: Page, context, live_server: str, live_env: dict[str, str]
) -> None:
    purpose = "computer"
    lab = seed_visits_lab(live_env, people=COUNT)
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/checkin")
    context.set_offline(True)
    network = page.locator("#kiosk-network")
    scanned_at = []
    for index, person in enumerate(lab["people"], start=1):
        scanned_at.append(dt.datetime.now(dt.UTC))
        page.keyboard.type(person["short_code"])
        page.keyboard.press("Enter")
        expect(network).to_have_attribute("data-queued", str(index))
        # Offline, the purposes are still there (they are in the page): one touch.
        expect(_result(page)).to_have_attribute("data-outcome", "saved")
        page.click(f"#checkin-result [data-purpose={purpose}]")
        expect(page.locator("#checkin-result [data-purpose]")).to_have_count(0)
        expect(_result(page)).to_have_attribute("data-outcome", "saved")
    assert queued(page) == COUNT
    assert site_visits(live_env, lab["site_id"])["visits"] == []

    context.set_offline(False)
    expect(network).to_have_attribute("data-queued", "0", timeout=15_000)
    state = site_visits(live_env, lab["site_id"])
    visits = state["visits"]
    assert sorted(v["visitor"] for v in visits) == sorted(p["id"] for p in lab["people"])
    assert all(v["offline"] and v["purpose"] == purpose for v in visits)
    assert all(v["client_at"] is not None for v in visits)
    # Each arrived at its own scan's time (the tablet's clock), not when the network came back.
    for visit, at in zip(visits, scanned_at, strict=True):
        arrived = dt.datetime.fromisoformat(visit["arrived_at"])
        assert abs((arrived - at).total_seconds()) < 5, (visit, at)
    accepted = [scan for scan in state["scans"] if scan["outcome"] == "accepted"]
    assert len(accepted) == COUNT and len({scan["nonce"] for scan in accepted}) == COUNT
