"""The visits JSON API: a period's visits at the actor's sites, no names."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lab.visits import services
from tests.bookings.factories import TUESDAY, at, freeze
from tests.helpers import login
from tests.personas import make_visitor

MONDAY = TUESDAY - dt.timedelta(days=1)


async def _visit(actor, site, when, visitor=None, **extra):
    freeze(when)
    return await services.open_visit(
        actor,
        site_id=site.id,
        purpose=extra.pop("purpose", "wifi"),
        nonce=str(uuid.uuid4()),
        at=when,
        visitor_id=visitor.id if visitor else None,
        **extra,
    )


@pytest.fixture
async def visits(cast):
    nadia = await cast.principal("nadia")
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    lars = await make_visitor(cast.brussels, "Lars", "Maes")
    return {
        "monday": await _visit(nadia, cast.saint_denis, at(10, day=MONDAY), yanis),
        "tuesday": await _visit(nadia, cast.saint_denis, at(11), age_band="16_17"),
        "brussels": await _visit(nadia, cast.brussels, at(11), lars),
    }


async def test_visits_of_a_period_at_my_sites(client, cast, visits):
    await login(client, cast.email("awa"))
    week = await client.get(f"/api/visits?from={MONDAY}&to={TUESDAY}")
    assert week.status_code == 200
    rows = week.json()
    assert [row["id"] for row in rows] == [visits["monday"].id, visits["tuesday"].id]
    assert rows[0]["visitor_id"] == visits["monday"].visitor and rows[0]["left_at"] is None
    assert rows[1]["visitor_id"] is None and rows[1]["age_band"] == "16_17"
    assert "first_name" not in rows[0]  # ids, never names
    one_day = (await client.get(f"/api/visits?from={TUESDAY}&to={TUESDAY}")).json()
    assert [row["id"] for row in one_day] == [visits["tuesday"].id]
    paged = (await client.get(f"/api/visits?from={MONDAY}&to={TUESDAY}&limit=1&offset=1")).json()
    assert [row["id"] for row in paged] == [visits["tuesday"].id]
    other = await client.get(f"/api/visits?from={MONDAY}&to={TUESDAY}&site_id={cast.brussels.id}")
    assert other.status_code == 200 and other.json() == []
    backwards = await client.get(f"/api/visits?from={TUESDAY}&to={MONDAY}")
    assert backwards.status_code == 422


async def test_a_network_manager_sees_every_site_and_may_narrow(client, cast, visits):
    await login(client, cast.email("nadia"))
    both = (await client.get(f"/api/visits?from={TUESDAY}&to={TUESDAY}")).json()
    assert {row["id"] for row in both} == {visits["tuesday"].id, visits["brussels"].id}
    brussels = await client.get(
        f"/api/visits?from={TUESDAY}&to={TUESDAY}&site_id={cast.brussels.id}"
    )
    assert [row["id"] for row in brussels.json()] == [visits["brussels"].id]
