"""Sessions in calendars (feeds and messages) and the reminder the day before.

Feeds are read back with ``ical``, a parser that shares no code with the ``icalendar``
package that writes them (as the bookings' calendar tests do).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from lab.accounts import consents
from lab.accounts.forms import ConsentInput
from lab.bookings import feeds
from lab.bookings import services as bookings
from lab.core.i18n import translations
from lab.core.tables import Outbox
from lab.workshops import enrolment, reminders, services
from lab.workshops.forms import EnrolInput, SessionMoveInput
from lab.workshops.tables import Enrolment, ModuleFacilitator, Session
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.bookings.test_ics import fetch, read_with_ical, read_with_icalendar
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

PARIS = ZoneInfo("Europe/Paris")
BRUSSELS = ZoneInfo("Europe/Brussels")
NEXT_WEEK = TUESDAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def facilitate(module, person) -> None:
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=person.id))


def ics_events(text: str) -> dict[str, icalendar.Event]:
    return read_with_icalendar(text.encode())


# -- Feeds ---------------------------------------------------------------------------------


async def test_a_modules_feed_reads_back_every_session_at_the_same_instants(cast, client):
    module = await make_module(cast.saint_denis, "Recherche d'emploi")
    sessions = [
        await make_session(module, at(9 + week % 3, 30, day=TUESDAY + dt.timedelta(weeks=week)))
        for week in range(6)
    ]
    julien = await cast.principal("julien")
    await services.cancel_session(julien, sessions[1].id)
    await services.move_session(
        julien,
        sessions[2].id,
        SessionMoveInput(day=NEXT_WEEK + dt.timedelta(days=8), start=dt.time(14), end=dt.time(16)),
    )
    token = await feeds.create_feed(julien, "module", module.id)
    response = await fetch(client, token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events, zones = read_with_ical(response.text)
    rows = {s.uid: s for s in await Session.objects().where(Session.module == module.id)}
    assert set(events) == set(rows)
    for uid, session in rows.items():
        event = events[uid]
        assert (event.dtstart, event.dtend) == (session.starts_at, session.ends_at), uid
        assert event.sequence == session.sequence
        assert event.summary == "Recherche d'emploi"
        # The same wall-clock time through the feed's own VTIMEZONE.
        wall = event.dtstart.astimezone(PARIS).replace(tzinfo=None)
        assert wall.replace(tzinfo=zones["Europe/Paris"]) == session.starts_at
    assert str(events[sessions[1].uid].status).endswith("CANCELLED")
    assert events[sessions[2].uid].sequence == 1
    assert events[sessions[2].uid].dtstart == at(14, day=NEXT_WEEK + dt.timedelta(days=8))
    assert "DTSTART;TZID=Europe/Paris:20261201T093000" in response.text


async def test_a_brussels_session_is_in_brusselss_time(cast, client):
    module = await make_module(cast.brussels, "Info France Travail")
    session = await make_session(module, at(14, zone=BRUSSELS))
    token = await feeds.create_feed(await cast.principal("pieter"), "module", module.id)
    text = (await fetch(client, token)).text
    assert "DTSTART;TZID=Europe/Brussels:20261201T140000" in text
    events, zones = read_with_ical(text)
    wall = events[session.uid].dtstart.astimezone(BRUSSELS).replace(tzinfo=None)
    assert wall.replace(tzinfo=zones["Europe/Brussels"]) == session.starts_at


async def test_a_facilitators_feed_has_their_sessions_and_nobodys_name(cast, client):
    awa = cast.users["awa"]
    room = await make_resource(cast.saint_denis, "Salle d'atelier", kind="room")
    theirs = await make_module(cast.saint_denis, "Atelier CV", capacity=3, room=room.id)
    other = await make_module(cast.saint_denis, "Orientation")
    await facilitate(theirs, awa)
    mine = await make_session(theirs, at(10))
    not_mine = await make_session(other, at(14))
    zoe = await make_visitor(cast.saint_denis, "Zoé", "Nguyen", email="zoe@example.org")
    await enrolment.enrol(await cast.principal("awa"), theirs.id, EnrolInput(visitor_id=zoe.id))
    token = await feeds.create_feed(await cast.principal("awa"), "staff", awa.id)
    assert await feeds.resolve_feed(token) == ("staff", awa.id)
    text = (await fetch(client, token)).text
    events, _zones = read_with_ical(text)
    assert set(events) == {mine.uid} and not_mine.uid not in text
    event = ics_events(text)[mine.uid]
    assert str(event["DESCRIPTION"]) == "Inscrits\u00a0: 1 sur 3 places."
    assert str(event["LOCATION"]).startswith("Salle d'atelier — Lab Saint-Denis")
    for secret in ("Zoé", "Nguyen", "zoe@example.org"):
        assert secret not in text


async def test_nobody_manages_another_staff_members_feed(cast):
    from lab.core.errors import Forbidden

    with pytest.raises(Forbidden):
        await feeds.create_feed(await cast.principal("julien"), "staff", cast.users["awa"].id)
    with pytest.raises(Forbidden):
        module = await make_module(cast.saint_denis)
        await feeds.create_feed(await cast.principal("awa"), "module", module.id)


async def test_the_visitor_feed_gains_the_sessions_they_hold_a_seat_at(cast, client):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    someone = await make_visitor(cast.saint_denis, "Inès", "Diallo")
    booking = await bookings.book(
        awa, bookings.Wanted(studio.id, at(16), at(17), visitor_id=yanis.id)
    )
    series = await make_module(cast.saint_denis, "Recherche d'emploi")
    series_sessions = [
        await make_session(series, at(10)),
        await make_session(series, at(10, day=NEXT_WEEK)),
    ]
    drop_in = await make_module(cast.saint_denis, "Numérique", enrolment="drop_in")
    chosen, skipped = await make_session(drop_in, at(14)), await make_session(drop_in, at(15))
    full = await make_module(cast.saint_denis, "Complet", capacity=1)
    full_session = await make_session(full, at(11))
    await enrolment.enrol(awa, series.id, EnrolInput(visitor_id=yanis.id))
    await enrolment.enrol(awa, drop_in.id, EnrolInput(visitor_id=yanis.id, session_id=chosen.id))
    await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=someone.id))
    waiting = await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=yanis.id))
    assert waiting.status == "waitlisted"
    token = await feeds.create_feed(awa, "visitor", yanis.id)
    text = (await fetch(client, token)).text
    events, _zones = read_with_ical(text)
    expected = {booking.uid, chosen.uid, *(s.uid for s in series_sessions)}
    assert set(events) == expected
    assert skipped.uid not in text and full_session.uid not in text
    assert "Yanis" not in text and "Martin" not in text
    # A cancelled session stays, as cancelled; a cancelled enrolment takes them all away.
    await services.cancel_session(await cast.principal("julien"), series_sessions[1].id)
    events = ics_events((await fetch(client, token)).text)
    assert events[series_sessions[1].uid]["STATUS"] == "CANCELLED"
    assert events[series_sessions[1].uid]["SEQUENCE"] == 1
    seat = await enrolment.enrol(awa, series.id, EnrolInput(visitor_id=yanis.id))
    await enrolment.cancel(awa, seat.id)
    events = ics_events((await fetch(client, token)).text)
    assert set(events) == {booking.uid, chosen.uid}


# -- Messages ------------------------------------------------------------------------------


async def test_messages_carry_the_sessions_as_an_ics(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=1)
    past = await make_session(module, at(10, day=TUESDAY - dt.timedelta(days=7)))
    first = await make_session(module, at(10))
    second = await make_session(module, at(10, day=NEXT_WEEK))
    yanis = await make_visitor(cast.saint_denis, "Yanis", email="yanis@example.org")
    ines = await make_visitor(cast.saint_denis, "Inès", email="ines@example.org")
    seat = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=ines.id))
    messages = {row.kind: row for row in await Outbox.objects()}
    enrolled = ics_events(messages["enrolled"].ics)
    assert set(enrolled) == {first.uid, second.uid} and past.uid not in messages["enrolled"].ics
    assert messages["waitlisted"].ics == ""  # no seat yet: nothing to put in a calendar
    await enrolment.cancel(awa, seat.id)
    promoted = await Outbox.objects().where(Outbox.kind == "promoted").first()
    assert promoted.recipient == "ines@example.org"
    assert set(ics_events(promoted.ics)) == {first.uid, second.uid}
    await services.cancel_session(await cast.principal("julien"), first.id)
    cancelled = await Outbox.objects().where(Outbox.kind == "session_cancelled").first()
    event = ics_events(cancelled.ics)[first.uid]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    calendar = icalendar.Calendar.from_ical(cancelled.ics)
    assert calendar["METHOD"] == "PUBLISH"


async def test_under_the_consent_age_no_mail_goes_until_a_guardian_consents(cast):
    freeze(at(9))
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    await make_session(module, at(10, day=NEXT_WEEK))
    twelve = dt.date(TUESDAY.year - 13, 1, 1)  # 13 at a French site: under 15
    lina = await make_visitor(
        cast.saint_denis, "Lina", email="lina@example.org", birth_date=twelve, consents=()
    )
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=lina.id))
    assert await Outbox.count() == 0
    agreed = ConsentInput(
        purpose="messages_email", guardian_name="Samia Benali", guardian_relation="parent"
    )
    await consents.give_consent(await cast.principal("julien"), lina.id, agreed)
    seat = await Enrolment.objects().get(Enrolment.visitor == lina.id)
    await enrolment.cancel(awa, seat.id)
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=lina.id))
    assert await Outbox.count() == 1


# -- Reminders -----------------------------------------------------------------------------


async def test_a_reminder_is_queued_once_in_the_visitors_language(cast):
    freeze(at(10, day=TUESDAY - dt.timedelta(days=1)))  # 24 hours before the session
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV")
    session = await make_session(module, at(10))
    later = await make_session(module, at(16))  # 30 hours ahead: not yet
    daan = await make_visitor(
        cast.saint_denis, "Daan", "Maes", email="daan@example.org", preferred_language="nl"
    )
    await make_visitor(cast.saint_denis, "Sans", "Courriel")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=daan.id))
    assert await reminders.queue_due_reminders() == 1
    assert await reminders.queue_due_reminders() == 1  # the same people, but …
    rows = await Outbox.objects().where(Outbox.kind == "reminder")
    assert len(rows) == 1  # … written once
    message = rows[0]
    assert message.language == "nl" and message.recipient == "daan@example.org"
    dutch = translations("nl").gettext
    assert message.subject == dutch("Rappel : %(title)s") % {"title": "Atelier CV"}
    assert "dinsdag 1 december 2026" in message.body
    assert list(ics_events(message.ics)) == [session.uid]
    assert later.uid not in message.ics
    # A moved session is a new version: its people are reminded of the new time.
    await services.move_session(
        await cast.principal("julien"),
        session.id,
        SessionMoveInput(day=TUESDAY, start=dt.time(11), end=dt.time(13)),
    )
    await reminders.queue_due_reminders()
    assert await Outbox.count().where(Outbox.kind == "reminder") == 2


async def test_no_reminder_for_a_cancelled_session(cast):
    freeze(at(10, day=TUESDAY - dt.timedelta(days=1)))
    module = await make_module(cast.saint_denis)
    session = await make_session(module, at(10))
    daan = await make_visitor(cast.saint_denis, "Daan", email="daan@example.org")
    await enrolment.enrol(await cast.principal("awa"), module.id, EnrolInput(visitor_id=daan.id))
    await services.cancel_session(await cast.principal("julien"), session.id)
    assert await reminders.queue_due_reminders() == 0
    assert await Outbox.count().where(Outbox.kind == "reminder") == 0


async def test_the_reminder_loop_runs_until_stopped(cast):
    freeze(at(10, day=TUESDAY - dt.timedelta(days=1)))
    module = await make_module(cast.saint_denis)
    await make_session(module, at(9))  # 23 hours ahead
    daan = await make_visitor(cast.saint_denis, "Daan", email="daan@example.org")
    await enrolment.enrol(await cast.principal("awa"), module.id, EnrolInput(visitor_id=daan.id))
    stop = asyncio.Event()
    loop = asyncio.create_task(reminders.reminder_loop(stop, seconds=0.01))
    for _ in range(200):
        if await Outbox.count().where(Outbox.kind == "reminder"):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert await Outbox.count().where(Outbox.kind == "reminder") == 1
