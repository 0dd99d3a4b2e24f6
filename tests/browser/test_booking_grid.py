"""Booking from the planning grid in a real browser: a manager adds a resource, books a free
cell through the panel, is refused the same slot again, and cancels the booking."""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import login, search_answered

MANAGER = "responsable.stdenis@lab.example"


def _booking_day() -> dt.date:
    """A weekday a few days ahead (Saint-Denis's demo hours include 14:00 Monday to Friday)."""
    day = dt.datetime.now(ZoneInfo("Europe/Paris")).date() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _create_resource(page: Page, name: str) -> int:
    page.goto("/resources/new")
    page.fill("#f-name", name)
    page.select_option("#f-kind", "studio")
    page.fill("#f-units", "1")
    page.select_option("#f-slot_minutes", "30")
    page.fill("#f-min_minutes", "30")
    page.fill("#f-max_minutes", "120")
    page.click("#resource-form button[type=submit]")
    page.wait_for_url("**/resources?*")
    link = page.get_by_role("link", name=name)
    href = link.get_attribute("href") or ""
    match = re.fullmatch(r"/resources/(\d+)/edit", href)
    assert match, href
    return int(match.group(1))


def _first_visitor(page: Page) -> tuple[str, str]:
    page.goto("/visitors")
    name = page.locator("#results table tbody tr td a").first.inner_text().strip()
    return name, name.split()[-1]


def test_a_manager_books_a_free_cell_is_refused_a_double_booking_and_cancels(
    page: Page,
) -> None:
    login(page, MANAGER)
    name = "Studio " + "".join(random.choices(string.ascii_lowercase, k=6))
    resource_id = _create_resource(page, name)
    full_name, last_name = _first_visitor(page)
    day = _booking_day().isoformat()

    # The week shows the resource; its day opens the slots.
    page.goto(f"/bookings?day={day}&view=week")
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    page.goto(f"/bookings?day={day}")
    page.evaluate("window.__labNoReload = 'still here'")
    free = page.get_by_role("link", name=f"Réserver {name} à 14:00")
    expect(free).to_be_visible()
    free.click()

    # The form opens in the panel, prefilled, without leaving the grid.
    panel = page.locator("#booking-panel #booking-form")
    expect(panel).to_be_visible()
    assert page.evaluate("window.__labNoReload") == "still here"
    expect(page.locator("#f-start")).to_have_value("14:00")
    expect(page.locator("#f-end")).to_have_value("14:30")
    expect(page.locator("#f-day")).to_have_value(day)
    expect(page.locator("#f-visitor_q")).to_be_focused()
    # The person is ticked in the answer to the whole name: an answer to its first letters may
    # show them too, and the next answer would replace that list, tick and all.
    with search_answered(page, page.locator("#visitor-search"), last_name):
        page.locator("#f-visitor_q").press_sequentially(last_name, delay=20)
    choice = page.get_by_role("radio", name=re.compile(re.escape(full_name)))
    expect(choice.first).to_be_visible()
    choice.first.check()
    page.locator("#booking-form .form-actions button[type=submit]").click()

    # Back on the grid of that day, the cell now names the person.
    page.wait_for_url(re.compile(r"/bookings\?site=\d+&day=" + day + r"&booked=\d+"))
    expect(page.locator(".alert-success")).to_contain_text("La réservation est enregistrée.")
    first_name = full_name.split()[0]
    # In the new studio's own row: the person may have a booking elsewhere that day too.
    studio_row = page.locator("tr").filter(has=page.get_by_role("rowheader", name=name))
    booked = studio_row.locator("td.cell-booking a").filter(has_text=first_name)
    expect(booked.first).to_be_visible()
    booking_href = booked.first.get_attribute("href")
    expect(page.get_by_role("link", name=f"Réserver {name} à 14:00")).to_have_count(0)

    # The same slot again is refused, with the rule's own words.
    page.goto(f"/bookings/new?resource={resource_id}&day={day}&start=14:00&end=14:30")
    page.evaluate("window.__labNoReload = 'still here'")
    page.locator("#booking-form .form-actions button[type=submit]").click()
    alert = page.locator("#booking-form [role=alert]")
    expect(alert).to_contain_text("Déjà réservé à ce moment-là.")
    expect(page.locator("#refusals li[data-code=capacity]")).to_be_visible()
    assert page.evaluate("window.__labNoReload") == "still here"
    expect(page.locator("#f-start")).to_have_value("14:00")

    # Cancel it from its page: the slot is free again.
    page.goto(booking_href or "/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Annuler la réservation").click()
    page.wait_for_url("**/bookings/*?done=cancelled")
    expect(page.locator(".alert-success")).to_contain_text("La réservation est annulée")
    expect(page.locator(".badge")).to_have_text("Annulée")
    page.goto(f"/bookings?day={day}")
    expect(page.get_by_role("link", name=f"Réserver {name} à 14:00")).to_be_visible()


def test_the_desk_keeps_the_scan_field_ready_for_the_next_card(page: Page) -> None:
    login(page, MANAGER)
    page.goto("/bookings/check-in")
    field = page.locator("#f-code")
    expect(field).to_be_focused()
    page.evaluate("window.__labNoReload = 'still here'")
    # A USB scanner is a keyboard: it types the code and presses Enter.
    page.keyboard.type("ZZZZ-ZZZZ")
    page.keyboard.press("Enter")
    expect(page.locator("#desk-result")).to_contain_text("Cette carte n'est pas valable.")
    expect(page.locator("#f-code")).to_be_focused()
    expect(page.locator("#f-code")).to_have_value("")
    assert page.evaluate("window.__labNoReload") == "still here"
