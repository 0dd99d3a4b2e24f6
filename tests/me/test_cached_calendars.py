"""The visitor's own calendar files on /me: validated by their ETag, kept nowhere."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import services
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.me.factories import sign_in, visitor_with_pass


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def test_a_booking_file_is_a_304_until_the_booking_is_cancelled(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    studio = await make_resource(cast.saint_denis)
    awa = await cast.principal("awa")
    booking = await services.book(
        awa, services.Wanted(studio.id, at(10), at(11), visitor_id=holder.visitor.id)
    )
    await sign_in(client, holder)
    url = f"/me/bookings/{booking.id}/calendar.ics"
    first = await client.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    etag = first.headers["etag"]
    unchanged = await client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    await services.cancel(awa, booking.id)
    cancelled = await client.get(url, headers={"If-None-Match": etag})
    assert cancelled.status_code == 200 and cancelled.headers["etag"] != etag
    assert b"STATUS:CANCELLED" in cancelled.content
