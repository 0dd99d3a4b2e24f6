"""The check-in desk: staff scan a pass at one of their sites and the one entry point decides
(a session, or a drop-in visit for the purpose staff pick), and note departures; a site not
theirs, a bad pass or a check-out without a visit get a coded answer, never a 500."""

from __future__ import annotations

import uuid

import pytest

from lab.accounts import visitors
from lab.attendance.tables import Attendance, ScanEvent
from lab.visits.tables import Visit
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture
async def nour(cast) -> dict:
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis, "Nour", "Benali")
    _card, token = await visitors.reissue_pass(awa, visitor.id)
    freeze(at(15))
    return {"awa": awa, "visitor": visitor, "token": token}


def _form(code: str, **extra) -> dict:
    return {"nonce": str(uuid.uuid4()), "code": code, **extra}


async def test_the_desk_opens_a_visit_for_the_purpose_picked_then_notes_the_departure(
    client, cast, nour
):
    await login(client, cast.email("awa"))
    desk = f"/visits/desk/sites/{cast.saint_denis.id}"
    page = await client.get(desk)
    assert page.status_code == 200 and 'value="wifi"' in page.text
    assert (await client.get("/visits/desk")).status_code == 200
    asked = await client.post(f"{desk}/scan", data=_form(nour["token"]))
    assert asked.status_code == 200 and 'data-code="purpose"' in asked.text
    assert await Visit.count() == 0
    opened = await client.post(f"{desk}/scan", data=_form(nour["token"], purpose="wifi"))
    assert 'data-code="accepted"' in opened.text and "Nour" in opened.text
    visit = await Visit.objects().first()
    assert (visit.purpose, visit.staff_user, visit.left_at) == ("wifi", nour["awa"].user_id, None)
    again = await client.post(f"{desk}/scan", data=_form(nour["token"]))
    assert 'data-code="visit_open"' in again.text
    left = await client.post(f"{desk}/scan", data=_form(nour["token"], leaving="true"))
    assert 'data-code="left"' in left.text
    visit = await Visit.objects().first()
    assert visit.ended_by == "desk" and visit.left_at == at(15)
    scans = await ScanEvent.objects().order_by(ScanEvent.id)
    assert [s.outcome for s in scans] == ["accepted", "visit_open", "left"]
    assert all(s.staff_user == nour["awa"].user_id and s.method == "staff_scan" for s in scans)


async def test_at_the_desk_a_session_wins_and_ends_no_visit(client, cast, nour):
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, at(15))
    await enrolment.enrol(nour["awa"], module.id, EnrolInput(visitor_id=nour["visitor"].id))
    await login(client, cast.email("awa"))
    desk = f"/visits/desk/sites/{cast.saint_denis.id}"
    answer = await client.post(f"{desk}/scan", data=_form(nour["token"], purpose="wifi"))
    assert 'data-code="accepted"' in answer.text and "Atelier CV" in answer.text
    assert (await Attendance.objects().first()).session == session.id
    assert await Visit.count() == 0


async def test_refusals_at_the_desk_are_coded_and_journaled(client, cast, nour):
    await login(client, cast.email("awa"))
    desk = f"/visits/desk/sites/{cast.saint_denis.id}"
    nobody = await client.post(f"{desk}/scan", data=_form(nour["token"], leaving="true"))
    assert nobody.status_code == 409 and 'data-code="no_open_visit"' in nobody.text
    assert "Cette personne n&#39;a pas de visite en cours ici." in nobody.text
    unknown = await client.post(f"{desk}/scan", data=_form("ZZZZ-ZZZZ", purpose="wifi"))
    assert unknown.status_code == 409 and 'data-code="unknown_pass"' in unknown.text
    bad = await client.post(f"{desk}/scan", data=_form(nour["token"], purpose="<script>"))
    assert bad.status_code == 422
    reasons = [s.reason for s in await ScanEvent.objects().order_by(ScanEvent.id)]
    assert reasons == ["no_open_visit", "unknown_pass"]


async def test_the_desk_of_a_site_not_theirs_is_refused(client, cast, nour):
    await login(client, cast.email("awa"))
    other = f"/visits/desk/sites/{cast.brussels.id}"
    assert (await client.get(other)).status_code in (403, 404)
    refused = await client.post(f"{other}/scan", data=_form(nour["token"], purpose="wifi"))
    assert refused.status_code in (403, 404)
    assert await Visit.count() == 0 and await ScanEvent.count() == 0
