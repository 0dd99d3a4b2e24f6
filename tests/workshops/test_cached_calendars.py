"""Session calendars revalidated: a facilitator's feed, a module's feed, a visitor's own feed
and a session's file answer 304 while unchanged and a new ETag after a change."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import feeds
from lab.workshops import enrolment, services
from lab.workshops.forms import EnrolInput, SessionMoveInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze
from tests.bookings.test_ics import fetch, read_with_icalendar
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def revalidate(client, url: str, etag: str):
    return await client.get(url, headers={"If-None-Match": etag})


async def test_a_facilitators_feed_changes_etag_when_someone_enrols(cast, client):
    """The count of enrolled people has no timestamp of its own: the ETag still follows it."""
    awa = cast.users["awa"]
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=3)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.id))
    session = await make_session(module, at(10))
    token = await feeds.create_feed(await cast.principal("awa"), "staff", awa.id)
    url = f"/feeds/{token}.ics"
    etag = (await fetch(client, token)).headers["etag"]
    unchanged = await revalidate(client, url, etag)
    assert unchanged.status_code == 304 and unchanged.content == b""

    zoe = await make_visitor(cast.saint_denis, "Zoé")
    await enrolment.enrol(await cast.principal("awa"), module.id, EnrolInput(visitor_id=zoe.id))
    changed = await revalidate(client, url, etag)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    event = read_with_icalendar(changed.content)[session.uid]
    assert str(event["DESCRIPTION"]) == "Inscrits\u00a0: 1 sur 3 places."


async def test_a_visitors_feed_changes_etag_when_their_session_moves(cast, client):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    module = await make_module(cast.saint_denis, "Recherche d'emploi")
    session = await make_session(module, at(10))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    token = await feeds.create_feed(awa, "visitor", yanis.id)
    url = f"/feeds/{token}.ics"
    first = await fetch(client, token)
    assert list(read_with_icalendar(first.content)) == [session.uid]
    etag = first.headers["etag"]
    assert (await revalidate(client, url, etag)).status_code == 304

    await services.move_session(
        await cast.principal("julien"),
        session.id,
        SessionMoveInput(day=TUESDAY, start=dt.time(14), end=dt.time(16)),
    )
    moved = await revalidate(client, url, etag)
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert read_with_icalendar(moved.content)[session.uid].decoded("DTSTART") == at(14)
    assert (await revalidate(client, url, moved.headers["etag"])).status_code == 304


async def test_a_modules_feed_changes_etag_when_a_session_is_cancelled(cast, client):
    julien = await cast.principal("julien")
    module = await make_module(cast.saint_denis, "Numérique")
    session = await make_session(module, at(10))
    token = await feeds.create_feed(julien, "module", module.id)
    url = f"/feeds/{token}.ics"
    etag = (await fetch(client, token)).headers["etag"]
    assert (await revalidate(client, url, etag)).status_code == 304
    await services.cancel_session(julien, session.id)
    cancelled = await revalidate(client, url, etag)
    assert cancelled.status_code == 200 and cancelled.headers["etag"] != etag
    assert read_with_icalendar(cancelled.content)[session.uid]["STATUS"] == "CANCELLED"


async def test_a_sessions_file_is_validated_but_kept_nowhere(cast, client):
    module = await make_module(cast.saint_denis, "Atelier CV")
    session = await make_session(module, at(10))
    await login(client, cast.email("julien"))
    url = f"/workshops/sessions/{session.id}/calendar.ics"
    first = await client.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    etag = first.headers["etag"]
    assert (await revalidate(client, url, etag)).status_code == 304
    await services.move_session(
        await cast.principal("julien"),
        session.id,
        SessionMoveInput(day=TUESDAY, start=dt.time(15), end=dt.time(17)),
    )
    moved = await revalidate(client, url, etag)
    assert moved.status_code == 200 and moved.headers["etag"] != etag
