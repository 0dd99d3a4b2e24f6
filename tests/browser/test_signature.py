"""The sign-in sheet in a real browser: a visitor draws their signature on the tablet with the
mouse (pointer events on the canvas), it is saved and shows as signed; a blank pad is refused,
and the box for people who cannot draw works without drawing."""

from __future__ import annotations

import io
import json

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import FACILITATOR, login, run_in_lab

# Run in the live server's data directory, in its own process: a session happening now at
# Saint-Denis (whatever the demo holds), two people enrolled and checked in.
SETUP = """
import asyncio, datetime as dt, json, secrets, uuid
from lab.accounts import visitors
from lab.accounts.forms import NewVisitorInput
from lab.accounts.tables import Site
from lab.attendance import services
from lab.core import clock, db
from lab.settings import Settings
from lab.system import operator
from lab.workshops import enrolment, services as workshops
from lab.workshops.forms import EnrolInput, ModuleInput
from lab.workshops.tables import Session

async def main():
    db.bind_tables(db.engine_for(Settings.from_env()))
    actor = await operator()
    site = await Site.objects().get(Site.slug == "saint-denis")
    module = await workshops.create_module(actor, ModuleInput(
        site_id=site.id, title="Atelier signature " + secrets.token_hex(3),
        kind="digital_skills", capacity=10))
    now = clock.utc_minute(clock.now())
    session = Session(module=module.id, starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(minutes=100), checkin_secret=secrets.token_hex(32),
        uid=f"{uuid.uuid4()}@lab", created_at=now, updated_at=now)
    await session.save()
    people = []
    for first in ("Signataire", "Cochette"):
        visitor, _ = await visitors.create_visitor(actor, NewVisitorInput(
            first_name=first, last_name="Navigateur", birth_date=dt.date(2006, 4, 2),
            postcode="93200", status="job_seeker", site_id=site.id,
            confirm_not_duplicate=True))
        await enrolment.enrol(actor, module.id, EnrolInput(visitor_id=visitor.id))
        await services.mark(actor, session.id, visitor.id, "present")
        people.append(visitor.id)
    print(json.dumps({"session": session.id, "people": people}))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def signing(live_server: str, live_env: dict[str, str]) -> dict:
    return json.loads(run_in_lab(live_env, SETUP).strip().splitlines()[-1])


def _draw(page: Page, selector: str) -> None:
    """A scribble with the mouse: down, a zigzag, up."""
    box = page.locator(selector).bounding_box()
    assert box and box["width"] > 300, box
    left, top = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.5
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 13):
        x = left + step * box["width"] * 0.06
        y = top + (box["height"] * 0.3 if step % 2 else -box["height"] * 0.3)
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def test_a_visitor_draws_a_signature_that_is_saved_and_shows_as_signed(
    page: Page, signing: dict
) -> None:
    session_id, visitor_id = signing["session"], signing["people"][0]
    login(page, FACILITATOR)
    page.goto(f"/attendance/sessions/{session_id}/sign")
    person = page.locator(f"#person-{visitor_id}")
    expect(person).to_have_attribute("data-signed", "false")
    person.get_by_role("link").click()
    page.wait_for_url(f"**/attendance/sessions/{session_id}/sign/{visitor_id}")
    expect(page.locator("h1")).to_have_text("Signataire Navigateur")

    canvas = "#visitor-canvas"
    expect(page.locator(canvas)).to_be_visible()
    expect(page.get_by_role("button", name="Effacer")).to_be_visible()
    _draw(page, canvas)
    page.get_by_role("button", name="Enregistrer ma signature").click()

    page.wait_for_url(f"**/attendance/sessions/{session_id}/sign?signed={visitor_id}")
    expect(page.locator("#sign-result")).to_contain_text("Merci Signataire")
    expect(person).to_have_attribute("data-signed", "true")
    expect(person).to_contain_text("Signé à")

    sheet = page.context.request.get(f"/attendance/sessions/{session_id}/sheet.pdf")
    assert sheet.status == 200
    reader = PdfReader(io.BytesIO(sheet.body()))
    assert "Signataire" in reader.pages[0].extract_text()
    assert len(reader.pages[0].images) == 1


def test_a_blank_pad_is_refused_and_the_box_signs_without_drawing(
    page: Page, signing: dict
) -> None:
    session_id, visitor_id = signing["session"], signing["people"][1]
    login(page, FACILITATOR)
    page.goto(f"/attendance/sessions/{session_id}/sign/{visitor_id}")
    _draw(page, "#visitor-canvas")
    page.get_by_role("button", name="Effacer").click()
    page.get_by_role("button", name="Enregistrer ma signature").click()
    expect(page.locator("#sign-error")).to_contain_text("La signature est vide")
    expect(page.locator("#visitor-canvas")).to_be_visible()

    # Keyboard only: tick the box and send.
    page.locator("#f-confirm").focus()
    page.keyboard.press("Space")
    expect(page.locator("#f-confirm")).to_be_checked()
    page.locator("#sign-submit").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/attendance/sessions/{session_id}/sign?signed={visitor_id}")
    expect(page.locator(f"#person-{visitor_id}")).to_have_attribute("data-signed", "true")
