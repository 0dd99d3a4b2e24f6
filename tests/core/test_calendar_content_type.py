"""Every calendar the app serves says its type and charset once: ``text/calendar;
charset=utf-8``. A header with the charset twice is refused by strict calendar clients."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.routes import HTTPRoute

from lab.bookings import feeds
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.me.factories import sign_in, visitor_with_pass
from tests.workshops.factories import make_module, make_session

CALENDAR = "text/calendar; charset=utf-8"


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def calendar_routes(app) -> set[str]:
    """The GET paths that answer a calendar: an .ics file or a subscription feed."""
    paths = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods:
            if route.path.endswith(".ics") or route.path.startswith("/feeds/"):
                paths.add(route.path)
    return paths


async def test_every_calendar_route_says_its_charset_once(client, cast):
    awa = await cast.principal("awa")
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=4)
    session = await make_session(module, at(10))
    enrolled = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=holder.visitor.id))
    studio = await make_resource(cast.saint_denis, "Studio son")
    booking = await bookings.book(
        awa, Wanted(studio.id, at(16), at(17), visitor_id=holder.visitor.id)
    )
    julien = await cast.principal("julien")
    resource_feed = await feeds.create_feed(julien, "resource", studio.id)
    visitor_feed = await feeds.create_feed(julien, "visitor", holder.visitor.id)

    staff = {
        "/bookings/{booking_id:int}/calendar.ics": f"/bookings/{booking.id}/calendar.ics",
        "/workshops/sessions/{session_id:int}/calendar.ics": (
            f"/workshops/sessions/{session.id}/calendar.ics"
        ),
    }
    phone = {
        "/me/enrolments/{enrolment_id:int}/calendar.ics": (
            f"/me/enrolments/{enrolled.id}/calendar.ics"
        ),
        "/me/bookings/{booking_id:int}/calendar.ics": f"/me/bookings/{booking.id}/calendar.ics",
    }
    feeds_paths = [f"/feeds/{resource_feed}.ics", f"/feeds/{visitor_feed}.ics"]
    public = {"/feeds/{filename:str}": feeds_paths}
    assert calendar_routes(client.app) == set(staff) | set(phone) | set(public), (
        "a calendar route is missing from this test"
    )

    fetched = {}
    for path in feeds_paths:
        fetched[path] = await client.get(path)
    await sign_in(client, holder)
    for path in phone.values():
        fetched[path] = await client.get(path)
    await login(client, cast.email("awa"))
    for path in staff.values():
        fetched[path] = await client.get(path)

    for path, response in fetched.items():
        assert response.status_code == 200, path
        assert response.headers["content-type"] == CALENDAR, path
        assert response.content.startswith(b"BEGIN:VCALENDAR"), path


async def test_the_kiosk_scripts_say_their_charset_once(client):
    for path in ("/kiosk/sw.js", "/kiosk/queue.js"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8", path
