"""The live roster in real browsers: a facilitator's roster updates without a reload when
someone else checks a person in from another browser; the camera reads a pass.

The demo data may have no session today, so each test adds one (a module run by the demo
facilitator, starting now, with two enrolled people and their passes) straight into the live
server's database, from a separate process, before its browsers ask for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    CHROMIUM,
    FACILITATOR,
    camera_browser,
    camera_feed,
    login,
    run_in_lab,
)

MANAGER = "responsable.stdenis@lab.example"

SEED = r"""
import asyncio, datetime as dt, json, secrets, uuid
from lab.accounts import passes
from lab.accounts.staff import load_principal
from lab.accounts.tables import Site, StaffUser, Visitor
from lab.accounts.visitors import search_key
from lab.core import clock, db
from lab.core.audit import SYSTEM
from lab.core.db import write_transaction
from lab.settings import Settings
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Module, ModuleFacilitator, Session

async def seed():
    site = await Site.objects().get(Site.slug == "saint-denis")
    awa = await StaffUser.objects().get(StaffUser.email == "animation.stdenis@lab.example")
    actor = await load_principal(awa.id)
    now = clock.now()
    module = Module(site=site.id, title="Atelier numérique en direct", kind="digital_skills",
                    capacity=10, created_at=now)
    await module.save()
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.id))
    start = clock.utc_minute(now) - dt.timedelta(minutes=5)
    session = Session(module=module.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      checkin_secret=secrets.token_hex(32), uid=f"{uuid.uuid4()}@lab",
                      created_at=now, updated_at=now)
    await session.save()
    people = []
    for first, last in (("Nour", "Haddad"), ("Hugo", "Lambert")):
        visitor = Visitor(first_name=first, last_name=last, birth_date=dt.date(2006, 4, 2),
                          postcode="93200", status="job_seeker",
                          search_name=search_key(first, last), created_site=site.id,
                          created_at=now, updated_at=now)
        await visitor.save()
        async with write_transaction(Visitor._meta.db):
            card, token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        await enrolment.enrol(actor, module.id, EnrolInput(visitor_id=visitor.id))
        people.append({"id": visitor.id, "first_name": first, "short_code": card.short_code,
                       "token": token})
    return {"session_id": session.id, "people": people}

async def main():
    engine = db.engine_for(Settings.from_env())
    db.bind_tables(engine)
    await db.start(engine)
    try:
        print(json.dumps(await seed()))
    finally:
        await db.stop(engine)

asyncio.run(main())
"""


@pytest.fixture
def session_today(live_server: str, live_env: dict[str, str]) -> dict:
    return json.loads(run_in_lab(live_env, SEED).strip().splitlines()[-1])


def _open_roster(page: Page, session_id: int) -> None:
    page.goto(f"/attendance/sessions/{session_id}")
    # The stream is subscribed: from now on, nothing is missed.
    expect(page.locator("#roster-page")).to_have_attribute("data-live-state", "open")


def test_a_roster_updates_without_reload_when_another_browser_checks_in(
    browser, context, live_server: str, session_today: dict
) -> None:
    session_id = session_today["session_id"]
    nour = session_today["people"][0]

    facilitator = context.new_page()
    login(facilitator, FACILITATOR)
    facilitator.goto("/attendance/today")
    link = facilitator.locator(f"#my-sessions a[href='/attendance/sessions/{session_id}']")
    expect(link).to_be_visible()
    link.click()
    facilitator.wait_for_url(f"**/attendance/sessions/{session_id}")
    expect(facilitator.locator("#roster-page")).to_have_attribute("data-live-state", "open")
    row = facilitator.locator(f"#person-{nour['id']}")
    expect(row).to_have_attribute("data-status", "none")
    facilitator.evaluate("window.labMarker = 'still the same page'")

    other = browser.new_context(base_url=live_server, locale="fr-FR")
    other.set_default_timeout(10_000)
    try:
        manager = other.new_page()
        login(manager, MANAGER)
        _open_roster(manager, session_id)
        expect(manager.locator("#f-code")).to_be_focused()
        manager.keyboard.type(nour["short_code"])  # as a USB scanner does
        manager.keyboard.press("Enter")
        expect(manager.locator("#scan-result")).to_contain_text("Nour : arrivée enregistrée")
        expect(manager.locator("#f-code")).to_be_focused()  # ready for the next card
    finally:
        other.close()

    expect(row).to_have_attribute("data-status", "present")
    expect(row).to_contain_text("Présent·e")
    expect(facilitator.locator("#roster-counts")).to_contain_text("1 personne arrivée")
    assert facilitator.evaluate("window.labMarker") == "still the same page"


def test_a_tap_and_a_refusal_on_the_roster(page: Page, session_today: dict) -> None:
    session_id = session_today["session_id"]
    hugo = session_today["people"][1]
    login(page, FACILITATOR)
    _open_roster(page, session_id)
    page.click(f"#present-{hugo['id']}")
    expect(page.locator(f"#person-{hugo['id']}")).to_have_attribute("data-status", "present")
    expect(page.locator("#scan-result")).to_have_attribute("role", "status")
    page.fill("#f-code", "ZZZZ-ZZZZ")
    page.press("#f-code", "Enter")
    result = page.locator("#scan-result")
    expect(result).to_have_attribute("role", "alert")
    expect(result).to_contain_text("Cette carte n'est pas valable.")


def test_the_camera_reads_a_pass_and_checks_the_person_in(
    browser, live_server: str, session_today: dict, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: browser tests skipped")
    session_id = session_today["session_id"]
    hugo = session_today["people"][1]
    feed = tmp_path / "pass.y4m"
    camera_feed(feed, f"{live_server}/p/{hugo['token']}")
    with_camera = camera_browser(browser, feed)
    try:
        context = with_camera.new_context(
            base_url=live_server, locale="fr-FR", permissions=["camera"]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        login(page, FACILITATOR)
        _open_roster(page, session_id)
        page.click("#camera-start")
        expect(page.locator("#camera")).to_have_attribute("data-camera", "on")
        expect(page.locator("#scan-result")).to_contain_text("Hugo : arrivée enregistrée")
        expect(page.locator(f"#person-{hugo['id']}")).to_have_attribute("data-status", "present")
        page.click("#camera-stop")
        expect(page.locator("#camera")).to_have_attribute("data-camera", "off")
    finally:
        with_camera.close()
