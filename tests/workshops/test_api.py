"""The workshops JSON API: modules, sessions over a period, enrolments, and a staff member's
calendar, with the pages' guards, site scopes and rules."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import services as bookings
from lab.bookings.forms import BookingApiInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

MONDAY = TUESDAY - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=MONDAY))


@pytest.fixture
async def programme(cast):
    """Atelier CV (2 seats, Awa facilitates) on Tuesday and a week later at Saint-Denis; a
    drop-in module there; a Brussels module on Tuesday."""
    awa = await cast.principal("awa")
    cv = await make_module(cast.saint_denis, "Atelier CV", capacity=2)
    await ModuleFacilitator.insert(ModuleFacilitator(module=cv.id, staff_user=awa.user_id))
    tuesday = await make_session(cv, at(10))
    later = await make_session(cv, at(10, day=TUESDAY + dt.timedelta(days=7)))
    drop_in = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    drop_in_session = await make_session(drop_in, at(14))
    brussels = await make_module(cast.brussels, "Atelier Bruxelles")
    brussels_session = await make_session(brussels, at(11))
    return {
        "cv": cv,
        "tuesday": tuesday,
        "later": later,
        "drop_in": drop_in,
        "drop_in_session": drop_in_session,
        "brussels": brussels,
        "brussels_session": brussels_session,
    }


async def test_modules_are_those_of_my_sites_a_page_at_a_time(client, cast, programme):
    await login(client, cast.email("awa"))
    listed = (await client.get("/api/workshops")).json()
    assert [m["title"] for m in listed] == ["Atelier CV", "Café numérique"]
    assert listed[0]["enrolment"] == "series" and listed[1]["enrolment"] == "drop_in"
    second = (await client.get("/api/workshops?limit=1&offset=1")).json()
    assert [m["title"] for m in second] == ["Café numérique"]
    other_site = await client.get(f"/api/workshops?site_id={cast.brussels.id}")
    assert other_site.status_code == 200 and other_site.json() == []
    assert (await client.get("/api/workshops?limit=201")).status_code == 422
    one = await client.get(f"/api/workshops/{programme['cv'].id}")
    assert one.status_code == 200 and one.json()["capacity"] == 2
    refused = await client.get(f"/api/workshops/{programme['brussels'].id}")
    assert refused.status_code == 403 and refused.json()["code"] == "other_site"
    assert (await client.get("/api/workshops/999999")).status_code == 404


async def test_sessions_by_period_and_site(client, cast, programme):
    await login(client, cast.email("awa"))
    week = (await client.get(f"/api/workshops/sessions?from={TUESDAY}&to={TUESDAY}")).json()
    assert [s["id"] for s in week] == [programme["tuesday"].id, programme["drop_in_session"].id]
    assert week[0]["title"] == "Atelier CV" and week[0]["site_id"] == cast.saint_denis.id
    assert week[0]["starts_at"] == at(10).isoformat().replace("+00:00", "Z")
    # From today (Monday), 31 days: both Tuesdays.
    month = (await client.get("/api/workshops/sessions")).json()
    assert programme["later"].id in [s["id"] for s in month]
    # A network manager sees both sites; site_id narrows them.
    await login(client, cast.email("nadia"))
    both = (await client.get(f"/api/workshops/sessions?from={TUESDAY}&to={TUESDAY}")).json()
    assert programme["brussels_session"].id in [s["id"] for s in both]
    only = await client.get(
        f"/api/workshops/sessions?from={TUESDAY}&to={TUESDAY}&site_id={cast.brussels.id}"
    )
    assert [s["id"] for s in only.json()] == [programme["brussels_session"].id]


async def test_a_period_is_checked(client, cast, programme):
    await login(client, cast.email("awa"))
    backwards = await client.get(f"/api/workshops/sessions?from={TUESDAY}&to={MONDAY}")
    assert backwards.status_code == 422 and "to" in backwards.json()["field_errors"]
    too_long = await client.get(
        f"/api/workshops/sessions?from={TUESDAY}&to={TUESDAY + dt.timedelta(days=366)}"
    )
    assert too_long.status_code == 422
    year = await client.get(
        f"/api/workshops/sessions?from={TUESDAY}&to={TUESDAY + dt.timedelta(days=365)}"
    )
    assert year.status_code == 200
    assert (await client.get("/api/workshops/sessions?from=3000-01-01")).status_code == 422


async def test_a_session_and_another_sites(client, cast, programme):
    await login(client, cast.email("awa"))
    one = await client.get(f"/api/workshops/sessions/{programme['tuesday'].id}")
    assert one.status_code == 200 and one.json()["module_id"] == programme["cv"].id
    other = await client.get(f"/api/workshops/sessions/{programme['brussels_session'].id}")
    assert other.status_code == 403


async def test_enrol_waitlist_cancel_and_promotion_through_the_api(client, cast, programme):
    cv = programme["cv"]
    people = [await make_visitor(cast.saint_denis, name, "Martin") for name in "ABC"]
    await login(client, cast.email("awa"))
    answers = []
    for person in people:
        response = await client.post(
            f"/api/workshops/{cv.id}/enrolments", json={"visitor_id": person.id}
        )
        assert response.status_code == 201
        answers.append(response.json())
    assert [a["status"] for a in answers] == ["enrolled", "enrolled", "waitlisted"]
    assert answers[2]["place_in_line"] == 1 and answers[2]["source"] == "api"
    again = await client.post(
        f"/api/workshops/{cv.id}/enrolments", json={"visitor_id": people[0].id}
    )
    assert again.json()["id"] == answers[0]["id"]  # already enrolled: unchanged
    listed = (await client.get(f"/api/workshops/{cv.id}/enrolments")).json()
    assert [e["visitor_id"] for e in listed] == [p.id for p in people]
    at_session = (
        await client.get(f"/api/workshops/sessions/{programme['tuesday'].id}/enrolments")
    ).json()
    assert at_session == listed  # a series: the session's queue is the module's

    cancelled = await client.post(f"/api/workshops/enrolments/{answers[0]['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    listed = (await client.get(f"/api/workshops/{cv.id}/enrolments")).json()
    assert [(e["visitor_id"], e["status"]) for e in listed] == [
        (people[1].id, "enrolled"),
        (people[2].id, "enrolled"),  # promoted at once
    ]
    twice = await client.post(f"/api/workshops/enrolments/{answers[0]['id']}/cancel")
    assert twice.status_code == 409 and twice.json()["code"] == "not_live"


async def test_enrolment_keeps_the_pages_rules(client, cast, programme):
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    lars = await make_visitor(cast.brussels, "Lars", "Maes")
    await login(client, cast.email("awa"))
    drop_in = programme["drop_in"]
    no_session = await client.post(
        f"/api/workshops/{drop_in.id}/enrolments", json={"visitor_id": yanis.id}
    )
    assert no_session.status_code == 422 and "session_id" in no_session.json()["field_errors"]
    enrolled = await client.post(
        f"/api/workshops/{drop_in.id}/enrolments",
        json={"visitor_id": yanis.id, "session_id": programme["drop_in_session"].id},
    )
    assert enrolled.status_code == 201
    assert enrolled.json()["session_id"] == programme["drop_in_session"].id
    elsewhere = await client.post(
        f"/api/workshops/{programme['brussels'].id}/enrolments", json={"visitor_id": yanis.id}
    )
    assert elsewhere.status_code == 403
    other_visitor = await client.post(
        f"/api/workshops/{programme['cv'].id}/enrolments", json={"visitor_id": lars.id}
    )
    assert other_visitor.status_code in (403, 404)
    assert (await client.get(f"/api/workshops/{drop_in.id}/enrolments")).json()[0][
        "visitor_id"
    ] == yanis.id
    # Sofia works in Brussels: Saint-Denis' enrolments are not hers to read or cancel.
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/api/workshops/{drop_in.id}/enrolments")).status_code == 403
    cancel = await client.post(f"/api/workshops/enrolments/{enrolled.json()['id']}/cancel")
    assert cancel.status_code == 403


async def test_my_calendar_has_the_sessions_i_facilitate_and_the_bookings_i_made(
    client, cast, programme
):
    studio = await make_resource(cast.saint_denis)
    awa, julien = await cast.principal("awa"), await cast.principal("julien")

    async def book(who, hour):
        wanted = BookingApiInput(resource_id=studio.id, starts_at=at(hour), ends_at=at(hour + 1))  # type: ignore[arg-type]
        return await bookings.book(who, bookings.wanted_from_api(wanted))

    mine = await book(awa, 15)
    await book(julien, 17)
    await login(client, cast.email("awa"))
    sessions = (await client.get(f"/api/calendar/sessions?from={MONDAY}")).json()
    assert [s["id"] for s in sessions] == [programme["tuesday"].id, programme["later"].id]
    one_day = (await client.get(f"/api/calendar/sessions?from={TUESDAY}&to={TUESDAY}")).json()
    assert [s["id"] for s in one_day] == [programme["tuesday"].id]
    made = (await client.get(f"/api/calendar/bookings?from={TUESDAY}&to={TUESDAY}")).json()
    assert [b["id"] for b in made] == [mine.id]
    assert (await client.get(f"/api/calendar/bookings?from={MONDAY}&to={MONDAY}")).json() == []
    await login(client, cast.email("julien"))  # facilitates nothing
    assert (await client.get("/api/calendar/sessions")).json() == []
