"""The visitor's own calendar files on /me: validated by their ETag, kept nowhere."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import services
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import validated_until_changed
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
    _etag, cancelled = await validated_until_changed(
        client, url, lambda: services.cancel(awa, booking.id)
    )
    assert b"STATUS:CANCELLED" in cancelled.content
