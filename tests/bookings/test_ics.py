"""Calendars: what a client reads back from a feed, and who may get one.

Feeds are read back with ``ical``, a parser that shares no code with the ``icalendar``
package that writes them, and the VTIMEZONE they carry with dateutil's own VTIMEZONE reader:
every booking must come back at the same instants, through the zone's name and through the
zone's definition in the feed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.tz import tzical
from ical.calendar_stream import IcsCalendarStream

from lab.bookings import feeds, services
from lab.bookings.forms import MoveInput
from lab.bookings.tables import Booking, CalendarFeed
from lab.core import clock
from lab.core.errors import Forbidden
from lab.core.security import token_hash
from lab.core.tables import AuditLog
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.personas import make_visitor

PARIS = ZoneInfo("Europe/Paris")
BRUSSELS = ZoneInfo("Europe/Brussels")
DST_DAY = dt.date(2027, 3, 28)  # clocks go forward at 02:00 in Paris and Brussels
FEED_URL = re.compile(r'id="feed-url" type="text" value="([^"]+)"')


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def insert_booking(resource, starts_at, ends_at, *, status="confirmed", visitor=None):
    """A booking written straight into the table (the feed reads whatever is there)."""
    now = clock.now()
    booking = Booking(
        resource=resource.id,
        visitor=visitor.id if visitor else None,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at,
        units=1,
        exclusive=False,
        status=status,
        source="staff",
        uid=f"{uuid.uuid4()}@lab",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    await booking.save()
    return booking


async def fetch(client, token: str):
    return await client.get(f"/feeds/{token}.ics")


def read_with_ical(text: str):
    """{uid: event} as the independent parser reads them, and {tzid: tzinfo} built from the
    feed's own VTIMEZONE components (not from the system's zone database)."""
    calendar = IcsCalendarStream.calendar_from_ics(text)
    blocks = re.findall(r"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", text, re.S)
    zones = {}
    for block in blocks:
        parsed = tzical(io.StringIO(block))
        zones.update({key: parsed.get(key) for key in parsed.keys()})
    return {event.uid: event for event in calendar.events}, zones


def read_with_icalendar(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# -- What a client reads ---------------------------------------------------------------------


async def test_a_feed_of_200_bookings_reads_back_at_the_same_instants(cast, client):
    freeze(dt.datetime(2027, 2, 15, 8, tzinfo=dt.UTC))
    studio = await make_resource(cast.saint_denis)
    start = dt.datetime(2027, 1, 20, 9, tzinfo=PARIS)
    statuses = ("confirmed", "pending", "cancelled", "checked_in", "released")
    expected = {}
    for index in range(200):
        # One a day, at varied hours, over six months that include the spring clock change.
        starts = clock.utc_minute(start + dt.timedelta(days=index, hours=index % 9))
        ends = starts + dt.timedelta(minutes=30 * (1 + index % 4))
        booking = await insert_booking(studio, starts, ends, status=statuses[index % len(statuses)])
        expected[booking.uid] = (starts, ends)
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    response = await fetch(client, token)
    assert response.status_code == 200
    events, zones = read_with_ical(response.text)
    assert set(events) == set(expected)
    paris_from_feed = zones["Europe/Paris"]
    for uid, (starts, ends) in expected.items():
        event = events[uid]
        assert event.dtstart == starts and event.dtend == ends, uid
        # The same wall-clock times through the feed's own VTIMEZONE, not the system's zone.
        wall_start = event.dtstart.astimezone(PARIS).replace(tzinfo=None)
        wall_end = event.dtend.astimezone(PARIS).replace(tzinfo=None)
        assert wall_start.replace(tzinfo=paris_from_feed) == starts, uid
        assert wall_end.replace(tzinfo=paris_from_feed) == ends, uid


async def test_times_stay_right_on_the_day_the_clocks_change(cast, client):
    freeze(dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC))
    studio = await make_resource(cast.saint_denis)
    room = await make_resource(cast.brussels, "Salle")
    before = await insert_booking(
        studio,
        dt.datetime(2027, 3, 27, 10, tzinfo=PARIS).astimezone(dt.UTC),
        dt.datetime(2027, 3, 27, 11, tzinfo=PARIS).astimezone(dt.UTC),
    )
    on_the_day = await insert_booking(
        studio,
        dt.datetime.combine(DST_DAY, dt.time(10), tzinfo=PARIS).astimezone(dt.UTC),
        dt.datetime.combine(DST_DAY, dt.time(11), tzinfo=PARIS).astimezone(dt.UTC),
    )
    assert on_the_day.starts_at == dt.datetime(2027, 3, 28, 8, tzinfo=dt.UTC)  # UTC+2 now
    assert before.starts_at == dt.datetime(2027, 3, 27, 9, tzinfo=dt.UTC)  # UTC+1
    across = await insert_booking(  # 01:30 → 03:30 local is one hour long
        studio,
        dt.datetime.combine(DST_DAY, dt.time(1, 30), tzinfo=PARIS).astimezone(dt.UTC),
        dt.datetime.combine(DST_DAY, dt.time(3, 30), tzinfo=PARIS).astimezone(dt.UTC),
    )
    assert across.ends_at - across.starts_at == dt.timedelta(hours=1)
    julien = await cast.principal("julien")
    body = await (
        await fetch(client, await feeds.create_feed(julien, "resource", studio.id))
    ).aread()
    text = body.decode()
    assert "DTSTART;TZID=Europe/Paris:20270328T100000" in text
    assert "DTSTART;TZID=Europe/Paris:20270327T100000" in text
    assert "DTEND;TZID=Europe/Paris:20270328T033000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text
    events, zones = read_with_ical(text)
    for booking in (before, on_the_day, across):
        event = events[booking.uid]
        assert (event.dtstart, event.dtend) == (booking.starts_at, booking.ends_at)
        wall = event.dtstart.astimezone(PARIS).replace(tzinfo=None)
        assert wall.replace(tzinfo=zones["Europe/Paris"]) == booking.starts_at
    # And in Brussels, with its own zone.
    brussels = await insert_booking(
        room,
        dt.datetime.combine(DST_DAY, dt.time(14), tzinfo=BRUSSELS).astimezone(dt.UTC),
        dt.datetime.combine(DST_DAY, dt.time(15), tzinfo=BRUSSELS).astimezone(dt.UTC),
    )
    pieter = await cast.principal("pieter")
    text = (await fetch(client, await feeds.create_feed(pieter, "resource", room.id))).text
    assert "DTSTART;TZID=Europe/Brussels:20270328T140000" in text
    events, zones = read_with_ical(text)
    wall = events[brussels.uid].dtstart.astimezone(BRUSSELS).replace(tzinfo=None)
    assert wall.replace(tzinfo=zones["Europe/Brussels"]) == brussels.starts_at


async def test_the_uid_stays_and_the_sequence_grows_as_a_booking_changes(cast, client):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis)
    booking = await services.book(
        awa,
        services.Wanted(studio.id, at(10), at(11), visitor_id=yanis.id),
    )
    token = await feeds.create_feed(awa, "visitor", yanis.id)

    async def event() -> icalendar.Event:
        events = read_with_icalendar((await fetch(client, token)).content)
        assert list(events) == [booking.uid]
        return events[booking.uid]

    first = await event()
    assert first["SEQUENCE"] == 0 and first["STATUS"] == "CONFIRMED"
    await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(14), end=dt.time(15)),
    )
    moved = await event()
    assert moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved.decoded("DTSTART") == at(14)
    await services.cancel(awa, booking.id)
    cancelled = await event()
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]
    assert cancelled["STATUS"] == "CANCELLED"


async def test_cancelled_released_and_pending_bookings_say_so(cast, client):
    studio = await make_resource(cast.saint_denis)
    rows = {
        status: await insert_booking(studio, at(8 + index), at(9 + index), status=status)
        for index, status in enumerate(
            ("cancelled", "released", "no_show", "pending", "confirmed", "completed")
        )
    }
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    events = read_with_icalendar((await fetch(client, token)).content)
    expected = {
        "cancelled": "CANCELLED",
        "released": "CANCELLED",
        "no_show": "CANCELLED",
        "pending": "TENTATIVE",
        "confirmed": "CONFIRMED",
        "completed": "CONFIRMED",
    }
    for status, booking in rows.items():
        assert events[booking.uid]["STATUS"] == expected[status], status


async def test_a_feed_shows_thirty_days_back_and_six_months_ahead(cast, client):
    studio = await make_resource(cast.saint_denis)
    now = clock.now()
    old = await insert_booking(
        studio, now - dt.timedelta(days=40), now - dt.timedelta(days=40) + dt.timedelta(hours=1)
    )
    recent = await insert_booking(
        studio, now - dt.timedelta(days=20), now - dt.timedelta(days=20) + dt.timedelta(hours=1)
    )
    soon = await insert_booking(
        studio, now + dt.timedelta(days=170), now + dt.timedelta(days=170, hours=1)
    )
    far = await insert_booking(
        studio, now + dt.timedelta(days=200), now + dt.timedelta(days=200, hours=1)
    )
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    events = read_with_icalendar((await fetch(client, token)).content)
    assert set(events) == {recent.uid, soon.uid}
    assert old.uid not in events and far.uid not in events


async def test_the_calendar_has_the_headers_a_subscription_needs(cast, client):
    studio = await make_resource(cast.saint_denis)
    await insert_booking(studio, at(10), at(11))
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    response = await fetch(client, token)
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["cache-control"] == "private, max-age=300"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["PRODID"] == "-//lab//Mission locale//FR"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    assert event["LOCATION"].startswith("Lab Saint-Denis")
    assert event.decoded("DTSTAMP").tzinfo is not None


# -- Privacy ---------------------------------------------------------------------------------


async def test_feeds_show_a_first_name_to_staff_and_nothing_personal_to_the_visitor(cast, client):
    studio = await make_resource(cast.saint_denis, "Studio")
    zoe = await make_visitor(
        cast.saint_denis, "Zoé", "Nguyen", phone="0612345678", email="zoe@example.org"
    )
    await insert_booking(studio, at(10), at(11), visitor=zoe)
    julien = await cast.principal("julien")
    resource_feed = (
        await fetch(client, await feeds.create_feed(julien, "resource", studio.id))
    ).text
    visitor_feed = (await fetch(client, await feeds.create_feed(julien, "visitor", zoe.id))).text
    assert "SUMMARY:Studio — réservation (Zoé)" in resource_feed
    assert "SUMMARY:Studio — réservation\r\n" in visitor_feed
    for text in (resource_feed, visitor_feed):
        for secret in ("Nguyen", "0612345678", "zoe@example.org", "1234"):
            assert secret not in text
    assert "Zoé" not in visitor_feed


# -- Tokens ----------------------------------------------------------------------------------


async def test_a_new_feed_revokes_the_old_one_and_a_revoked_token_is_a_404(cast, client):
    studio = await make_resource(cast.saint_denis)
    julien = await cast.principal("julien")
    first = await feeds.create_feed(julien, "resource", studio.id)
    assert (await fetch(client, first)).status_code == 200
    second = await feeds.create_feed(julien, "resource", studio.id)
    assert (await fetch(client, first)).status_code == 404
    assert (await fetch(client, second)).status_code == 200
    assert await feeds.revoke_feed(julien, "resource", studio.id) == 1
    assert (await fetch(client, second)).status_code == 404
    assert await feeds.resolve_feed(second) is None
    assert (await client.get("/feeds/not-a-token.ics")).status_code == 404
    assert (await client.get(f"/feeds/{second}")).status_code == 404
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action)]
    assert actions.count("calendar_feed.created") == 2
    assert actions.count("calendar_feed.revoked") == 2


async def test_feed_tokens_are_stored_only_as_hashes(cast):
    studio = await make_resource(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis)
    julien = await cast.principal("julien")
    tokens = [
        await feeds.create_feed(julien, "resource", studio.id),
        await feeds.create_feed(julien, "visitor", yanis.id),
    ]
    assert await feeds.resolve_feed(tokens[0]) == ("resource", studio.id)
    assert await feeds.resolve_feed(tokens[1]) == ("visitor", yanis.id)
    rows = await CalendarFeed.select()
    assert {row["token_hash"] for row in rows} == {token_hash(t) for t in tokens}
    stored = repr(rows) + repr(await AuditLog.select())
    for token in tokens:
        assert len(token) >= 26  # at least 128 bits
        assert token not in stored


async def test_only_managers_of_the_site_manage_a_resource_feed(cast):
    studio = await make_resource(cast.saint_denis)
    with pytest.raises(Forbidden):
        await feeds.create_feed(await cast.principal("awa"), "resource", studio.id)
    with pytest.raises(Forbidden) as refused:
        await feeds.create_feed(await cast.principal("pieter"), "resource", studio.id)
    assert refused.value.code == "other_site"
    brussels_visitor = await make_visitor(cast.brussels, "Lotte", "Peeters")
    with pytest.raises(Forbidden):
        await feeds.create_feed(await cast.principal("awa"), "visitor", brussels_visitor.id)


# -- Routes ----------------------------------------------------------------------------------


async def test_staff_download_a_bookings_ics_but_not_another_sites(cast, client):
    studio = await make_resource(cast.saint_denis)
    booking = await insert_booking(studio, at(10), at(11))
    await login(client, cast.email("awa"))
    response = await client.get(f"/bookings/{booking.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert list(read_with_icalendar(response.content)) == [booking.uid]
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/bookings/{booking.id}/calendar.ics")).status_code == 403


async def test_a_manager_creates_a_resource_feed_and_sees_its_url_once(cast, client):
    studio = await make_resource(cast.saint_denis)
    await insert_booking(studio, at(10), at(11))
    await login(client, cast.email("julien"))
    page = await client.get(f"/resources/{studio.id}/feed")
    assert page.status_code == 200 and "Pas de lien actif." in page.text
    created = await client.post(f"/resources/{studio.id}/feed")
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    url = FEED_URL.search(created.text).group(1)
    assert url.startswith("http://testserver.local/feeds/") and url.endswith(".ics")
    assert 'class="qr"' in created.text and "webcal://testserver.local/feeds/" in created.text
    again = await client.get(f"/resources/{studio.id}/feed")
    assert url not in again.text  # shown once
    assert "Un lien est actif" in again.text
    client.cookies.clear()  # a calendar client has no session
    del client.headers["x-csrftoken"]
    feed = await client.get(url.removeprefix("http://testserver.local"))
    assert feed.status_code == 200
    await login(client, cast.email("julien"))
    revoked = await client.post(f"/resources/{studio.id}/feed/revoke")
    assert revoked.status_code == 303
    assert (await client.get(url.removeprefix("http://testserver.local"))).status_code == 404


async def test_a_facilitator_may_not_manage_a_resource_feed(cast, client):
    studio = await make_resource(cast.saint_denis)
    await login(client, cast.email("awa"))
    assert (await client.get(f"/resources/{studio.id}/feed")).status_code == 403
    assert (await client.post(f"/resources/{studio.id}/feed")).status_code == 403


async def test_staff_give_a_visitor_of_their_site_a_feed_but_not_another_sites(cast, client):
    yanis = await make_visitor(cast.saint_denis)
    await login(client, cast.email("awa"))
    created = await client.post(f"/visitors/{yanis.id}/feed")
    assert created.status_code == 200 and FEED_URL.search(created.text)
    await login(client, cast.email("sofia"))
    assert (await client.post(f"/visitors/{yanis.id}/feed")).status_code == 403
    assert (await client.post(f"/visitors/{yanis.id}/feed/revoke")).status_code == 403
