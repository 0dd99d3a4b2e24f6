"""Weekly activity hours: a workshop's length, a booking used and a drop-in visit add up for the
week; staff see who is under the target among the people they follow; a visitor sees their own
total on their phone."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import pytest

from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking
from lab.reports import activity
from lab.visits.tables import Visit
from lab.workshops.tables import Module, Session
from tests.bookings.factories import at, freeze, make_resource
from tests.helpers import login
from tests.me.factories import sign_in, visitor_with_pass
from tests.personas import make_visitor

pytestmark = pytest.mark.asyncio

WEDNESDAY = dt.date(2026, 12, 2)  # the week of Monday 30 November 2026
MONDAY = dt.date(2026, 11, 30)


async def _session_attended(site, visitor, day: dt.date, hours: int) -> None:
    module = Module(site=site.id, title="Atelier CV", kind="job_search", created_at=at(8, day=day))
    await module.save()
    session = Session(
        module=module.id,
        starts_at=at(9, day=day),
        ends_at=at(9 + hours, day=day),
        status="closed",
        checkin_secret=secrets.token_hex(8),
        uid=f"{uuid.uuid4()}@lab.test",
        created_at=at(8, day=day),
        updated_at=at(8, day=day),
    )
    await session.save()
    await Attendance(
        visitor=visitor.id,
        session=session.id,
        status="present",
        method="staff",
        checked_in_at=session.starts_at,
        created_at=session.starts_at,
        updated_at=session.starts_at,
    ).save()


@pytest.fixture
async def week(cast):
    freeze(at(12, day=WEDNESDAY))
    site = cast.saint_denis
    holder = await visitor_with_pass(site, "Amira")
    amira = holder.visitor
    bilal = await make_visitor(site, "Bilal", "Diallo")
    chloe = await make_visitor(site, "Chloé", "Lefèvre")
    await _session_attended(site, amira, MONDAY, 2)  # 2 h
    studio = await make_resource(site, "Studio")
    await Booking(
        resource=studio.id,
        visitor=amira.id,
        starts_at=at(14, day=MONDAY),
        ends_at=at(15, day=MONDAY),
        blocked_until=at(15, day=MONDAY),
        status="completed",
        uid=f"{uuid.uuid4()}@lab.test",
        created_at=at(8, day=MONDAY),
        updated_at=at(15, day=MONDAY),
        checked_in_at=at(14, day=MONDAY),
    ).save()  # 1 h
    await Visit(
        site=site.id,
        visitor=amira.id,
        purpose="wifi",
        arrived_at=at(10, day=WEDNESDAY),
        left_at=at(11, 30, day=WEDNESDAY),
        ended_by="kiosk",
        nonce=str(uuid.uuid4()),
        created_at=at(10, day=WEDNESDAY),
    ).save()  # 1.5 h
    await _session_attended(site, bilal, MONDAY - dt.timedelta(weeks=2), 3)  # followed, idle now
    for day in range(3):  # 18 h this week: above the target
        await _session_attended(site, chloe, MONDAY + dt.timedelta(days=day), 6)
    return {"holder": holder, "amira": amira, "bilal": bilal, "chloe": chloe}


async def test_a_weeks_hours_add_sessions_bookings_and_visits(cast, week) -> None:
    hours = await activity.week_hours_of(week["amira"].id, WEDNESDAY, "Europe/Paris")
    assert (hours.sessions, hours.bookings, hours.visits, hours.total) == (2.0, 1.0, 1.5, 4.5)


async def test_staff_see_who_they_follow_under_the_target(cast, week) -> None:
    below = await activity.below_target([cast.saint_denis.id], WEDNESDAY, "Europe/Paris", 15)
    assert [(item.first_name, item.hours.total) for item in below] == [
        ("Bilal", 0.0),
        ("Amira", 4.5),
    ]
    assert await activity.below_target([cast.brussels.id], WEDNESDAY, "Europe/Paris", 15) == []


async def test_the_list_is_a_page_for_staff_and_the_total_shows_on_the_phone(client, cast, week):
    await login(client, cast.email("julien"))
    page = await client.get("/reports/activity")
    assert page.status_code == 200
    assert "Diallo" in page.text and "Lefèvre" not in page.text
    await login(client, cast.email("pieter"))
    assert "Diallo" not in (await client.get("/reports/activity")).text
    client.cookies.clear()
    await sign_in(client, week["holder"])
    home = (await client.get("/me")).text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Cette semaine : 4,5 heures d'activité" in home.replace("&#39;", "'")
