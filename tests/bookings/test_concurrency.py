"""Real concurrency through the real app: many requests at once for the same units."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from lab.bookings.tables import Booking
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def body(resource, start, end):
    return {"resource_id": resource.id, "starts_at": start.isoformat(), "ends_at": end.isoformat()}


async def storm(client, payloads):
    responses = await asyncio.gather(*(client.post("/api/bookings", json=p) for p in payloads))
    statuses = [response.status_code for response in responses]
    texts = " ".join(response.text for response in responses)
    return statuses, texts


async def test_fifty_requests_for_the_last_tablet_give_one_booking(client, cast):
    tablets = await make_resource(cast.saint_denis, "Tablettes", units=12)
    await login(client, cast.email("awa"))
    for _ in range(11):
        response = await client.post("/api/bookings", json=body(tablets, at(14), at(15)))
        assert response.status_code == 201
    statuses, texts = await storm(client, [body(tablets, at(14), at(15))] * 50)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 49
    assert not [status for status in statuses if status >= 500]
    assert "locked" not in texts
    assert await Booking.count().where(Booking.resource == tablets.id) == 12


async def test_thirty_overlapping_requests_on_the_studio_have_one_winner(client, cast):
    studio = await make_resource(cast.saint_denis, slot_minutes=15, min_minutes=15)
    await login(client, cast.email("awa"))
    # Three different requests (10:00, 10:15, 10:30, each an hour): all overlap at 10:30.
    starts = [at(10) + dt.timedelta(minutes=15 * (i % 3)) for i in range(30)]
    payloads = [body(studio, start, start + dt.timedelta(hours=1)) for start in starts]
    statuses, texts = await storm(client, payloads)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 29
    assert "locked" not in texts
    refused = [status for status in statuses if status != 201]
    assert set(refused) == {409}
