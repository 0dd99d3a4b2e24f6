"""Calendar feeds and files revalidated: an unchanged calendar is a 304, a changed one a new
ETag. The feeds' own content is tested in test_ics.py."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import feeds, ics, services
from lab.bookings.forms import MoveInput
from lab.core.conditional import etag_of
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.bookings.test_ics import fetch, insert_booking, read_with_icalendar
from tests.helpers import login, validated_until_changed
from tests.personas import make_visitor

SOME_DATE = "Mon, 30 Nov 2026 09:00:00 GMT"


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def test_an_unchanged_feed_is_a_304_and_a_moved_booking_a_new_etag(cast, client):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis)
    booking = await services.book(
        awa, services.Wanted(studio.id, at(10), at(11), visitor_id=yanis.id)
    )
    token = await feeds.create_feed(awa, "visitor", yanis.id)
    url = f"/feeds/{token}.ics"

    first = await client.get(url)
    assert first.status_code == 200 and list(read_with_icalendar(first.content)) == [booking.uid]
    etag = first.headers["etag"]
    assert etag == etag_of(first.content) and not etag.startswith("W/")
    assert first.headers["cache-control"] == "private, max-age=300"

    unchanged = await client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["cache-control"] == "private, max-age=300"

    # The clock stands still: the ETag follows the calendar, not a timestamp.
    await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(14), end=dt.time(15)),
    )
    moved = await client.get(url, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] not in {etag, ""}
    assert read_with_icalendar(moved.content)[booking.uid].decoded("DTSTART") == at(14)
    # And the new copy is current in its turn.
    assert (
        await client.get(url, headers={"If-None-Match": moved.headers["etag"]})
    ).status_code == 304


async def test_a_new_booking_in_a_resource_feed_changes_its_etag(cast, client):
    studio = await make_resource(cast.saint_denis)
    await insert_booking(studio, at(10), at(11))
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    etag = (await fetch(client, token)).headers["etag"]
    await insert_booking(studio, at(14), at(15))
    response = await client.get(f"/feeds/{token}.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["etag"] != etag
    assert len(read_with_icalendar(response.content)) == 2


async def test_every_worker_gives_the_same_feed_the_same_etag(cast, client):
    """A strong ETag is the same bytes: a worker that never wrote this feed writes the same
    ones (DTSTAMP comes from the bookings, not from the clock)."""
    studio = await make_resource(cast.saint_denis)
    await insert_booking(studio, at(10), at(11))
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    first = await fetch(client, token)
    ics._written.cache_clear()
    freeze(at(9, day=TUESDAY))  # a day later, in another process
    second = await fetch(client, token)
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]


async def test_a_feed_gives_no_last_modified_so_a_date_alone_gets_the_calendar(cast, client):
    studio = await make_resource(cast.saint_denis)
    await insert_booking(studio, at(10), at(11))
    token = await feeds.create_feed(await cast.principal("julien"), "resource", studio.id)
    response = await client.get(f"/feeds/{token}.ics", headers={"If-Modified-Since": SOME_DATE})
    assert response.status_code == 200 and "last-modified" not in response.headers
    assert len(read_with_icalendar(response.content)) == 1


async def test_a_revoked_feed_is_a_404_even_to_a_client_with_its_etag(cast, client):
    julien = await cast.principal("julien")
    studio = await make_resource(cast.saint_denis)
    token = await feeds.create_feed(julien, "resource", studio.id)
    etag = (await fetch(client, token)).headers["etag"]
    await feeds.revoke_feed(julien, "resource", studio.id)
    assert (
        await client.get(f"/feeds/{token}.ics", headers={"If-None-Match": etag})
    ).status_code == 404


async def test_a_bookings_file_is_validated_but_kept_nowhere(cast, client):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    booking = await services.book(awa, services.Wanted(studio.id, at(10), at(11)))
    await login(client, cast.email("awa"))
    url = f"/bookings/{booking.id}/calendar.ics"
    etag, cancelled = await validated_until_changed(
        client, url, lambda: services.cancel(awa, booking.id)
    )
    assert read_with_icalendar(cancelled.content)[booking.uid]["STATUS"] == "CANCELLED"
    # Another site's booking stays forbidden, ETag or not.
    await login(client, cast.email("sofia"))
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 403
