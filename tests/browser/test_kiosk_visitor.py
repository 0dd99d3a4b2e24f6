"""A visitor at a lab tablet, in Chromium: card + PIN, join a workshop, book a tablet, see both
in "my appointments", cancel one."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_in_lab
from tests.browser.kiosk import assert_accessible, pair

PIN = "4826"

# A paired-to-be tablet (its one-time code), a visitor of Saint-Denis with a pass and a PIN
# (their short code), and a self-enrolment workshop with a session the day after tomorrow.
SETUP = """
import asyncio, datetime as dt, json, secrets
from lab.accounts import passes, pins, visitors
from lab.accounts.forms import NewVisitorInput
from lab.accounts.tables import Site, Visitor
from lab.bookings.tables import Resource
from lab.core import clock, db
from lab.core.db import write_transaction
from lab.kiosk import devices
from lab.settings import Settings
from lab.system import operator
from lab.workshops import services as workshops
from lab.workshops.forms import ModuleInput, ScheduleInput

async def main():
    db.bind_tables(db.engine_for(Settings.from_env()))
    actor = await operator()
    site = await Site.objects().get(Site.slug == "saint-denis")
    _device, code = await devices.create_device(actor, site.id, "Tablette rendez-vous (test)")
    visitor, _token = await visitors.create_visitor(actor, NewVisitorInput(
        first_name="Yasmine", last_name="Rendezvous", birth_date=dt.date(2005, 9, 14),
        postcode="93200", status="job_seeker", site_id=site.id, confirm_not_duplicate=True))
    async with write_transaction(Visitor._meta.db):
        await pins.set_pin_in_transaction(actor, visitor.id, "PIN_HERE")
    short_code = (await passes.active_pass(visitor.id)).short_code
    title = "Atelier e-mail " + secrets.token_hex(3)
    module = await workshops.create_module(actor, ModuleInput(
        site_id=site.id, title=title, kind="digital_skills", capacity=6, self_enrol=True))
    today = clock.to_zone(clock.now(), site.timezone).date()
    await workshops.schedule(actor, module.id, ScheduleInput(
        day=today + dt.timedelta(days=2), start=dt.time(14), end=dt.time(16)))
    tablets = await Resource.objects().get(
        (Resource.site == site.id) & (Resource.kind == "tablet_pool")
        & Resource.kiosk_self_service.eq(True))
    print(json.dumps({"code": code, "short_code": passes.display_short_code(short_code),
        "module": module.id, "title": title, "tablets": tablets.id}))

asyncio.run(main())
""".replace("PIN_HERE", PIN)


@pytest.fixture
def setup(live_server: str, live_env: dict[str, str]) -> dict:
    return json.loads(run_in_lab(live_env, SETUP).strip().splitlines()[-1])


def test_a_visitor_enrols_books_a_tablet_and_cancels_at_the_kiosk(browser, live_server, setup):
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    context.set_default_timeout(10_000)
    try:
        tablet = context.new_page()
        pair(tablet, setup["code"])
        tablet.goto("/kiosk")

        # Browsing needs no card; enrolling asks for the card and the PIN, then comes back.
        tablet.click("a.tile-workshops")
        tablet.wait_for_selector(f"#workshop-{setup['module']}")
        assert_accessible(tablet, "kiosk workshops")
        tablet.click(f"#workshop-{setup['module']}")
        tablet.click(f"a[href='/kiosk/workshops/{setup['module']}/enrol']")
        tablet.wait_for_url(re.compile(r"/kiosk/identify\?next="))
        tablet.fill("#k-code", setup["short_code"])
        tablet.fill("#k-pin", PIN)
        tablet.click("#identify-form button[type=submit]")
        # Back on the step asked for, loaded: the whole page's text is read next.
        tablet.wait_for_url(re.compile(rf"/kiosk/workshops/{setup['module']}/enrol$"))
        tablet.wait_for_selector("#enrol-form")
        assert "Bonjour Yasmine" in tablet.content()
        assert "Rendezvous" not in tablet.content()  # first name only on a shared screen
        tablet.click("#enrol-form button[type=submit]")
        result = tablet.wait_for_selector("#enrol-result")
        assert result.get_attribute("data-status") == "enrolled"
        assert "Vous êtes inscrit·e." in result.inner_text()

        # Book a tablet: the first open day, the first free time, the shortest duration.
        tablet.goto("/kiosk")
        tablet.click("a.tile-book")
        tablet.click(f"#resource-{setup['tablets']}")
        tablet.click(".day-grid a.day-button >> nth=0")
        tablet.wait_for_selector(".slot-grid")
        assert_accessible(tablet, "kiosk free slots")
        tablet.click(".slot-grid a.slot-button >> nth=0")
        tablet.wait_for_selector("#book-form")
        assert_accessible(tablet, "kiosk booking confirmation")
        tablet.click("#book-form button[type=submit]")
        booked = tablet.wait_for_selector("#book-result")
        assert booked.get_attribute("data-status") == "confirmed"

        # Both show in "my appointments"; cancel the booking after saying yes.
        tablet.click("a[href='/kiosk/mine']")
        # Loaded, not only begun: the workshops come first, the bookings after them.
        tablet.wait_for_url(re.compile(r"/kiosk/mine$"))
        tablet.wait_for_selector("li.appointment")
        assert_accessible(tablet, "kiosk my appointments")
        mine = tablet.locator("main").inner_text()
        assert setup["title"] in mine and "Tablettes" in mine
        tablet.click("li.appointment[id^='booking-'] a.kbutton")
        tablet.wait_for_selector("#cancel-form")
        tablet.click("#cancel-form button[type=submit]")
        tablet.wait_for_selector("#mine-done")
        # The answer keeps the address and shows its message first: no booking left is only
        # worth saying once the lists below it have loaded (the confirmation page had none).
        tablet.wait_for_load_state()
        expect(tablet.locator("li.appointment[id^='booking-']")).to_have_count(0)
        expect(tablet.locator("main")).to_contain_text(setup["title"])
    finally:
        context.close()
