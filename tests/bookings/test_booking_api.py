"""The bookings JSON API."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings.services import SkillOffer
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def test_availability_shows_free_units_per_slot_in_opening_hours(client, cast):
    tablets = await make_resource(cast.saint_denis, "Tablettes", units=3)
    await login(client, cast.email("awa"))
    booked = await client.post(
        "/api/bookings",
        json={
            "resource_id": tablets.id,
            "starts_at": at(10).isoformat(),
            "ends_at": at(11).isoformat(),
            "units": 2,
        },
    )
    assert booked.status_code == 201
    slots = (await client.get(f"/api/resources/{tablets.id}/availability?day={TUESDAY}")).json()
    assert len(slots) == 24  # 08:00 to 20:00 in half hours
    free = {slot["starts_at"]: slot["free_units"] for slot in slots}
    assert free[at(10).isoformat().replace("+00:00", "Z")] == 1
    assert free[at(11).isoformat().replace("+00:00", "Z")] == 3


async def test_a_refusal_names_the_rule_and_a_cancel_frees_the_slot(client, cast):
    studio = await make_resource(cast.saint_denis)
    await login(client, cast.email("awa"))
    payload = {
        "resource_id": studio.id,
        "starts_at": at(10).isoformat(),
        "ends_at": at(11).isoformat(),
    }
    first = (await client.post("/api/bookings", json=payload)).json()
    refused = await client.post("/api/bookings", json=payload)
    assert refused.status_code == 409
    assert refused.json()["code"] == "capacity"
    assert refused.json()["message"] == "Déjà réservé à ce moment-là."
    cancelled = await client.post(f"/api/bookings/{first['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 1
    assert (await client.post("/api/bookings", json=payload)).status_code == 201


async def test_a_missing_skill_names_the_workshop_module_in_the_error_body(client, cast, skills):
    studio = await make_resource(cast.saint_denis, required_skill="studio")
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    await login(client, cast.email("awa"))
    payload = {
        "resource_id": studio.id,
        "starts_at": at(10).isoformat(),
        "ends_at": at(11).isoformat(),
        "visitor_id": moussa.id,
    }
    refused = await client.post("/api/bookings", json=payload)
    assert refused.status_code == 409
    assert refused.json()["code"] == "skill_required"
    assert "field_errors" not in refused.json()  # no workshop teaches it at this site
    module = await make_module(cast.saint_denis, "Découvrir le studio")
    skills.offers["studio", cast.saint_denis.id] = SkillOffer("Le studio", module.id, module.title)
    refused = await client.post("/api/bookings", json=payload)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "skill_required"
    assert body["field_errors"] == {"module_id": str(module.id)}
    assert "Découvrir le studio" in body["message"]


async def test_a_time_without_offset_is_refused_clearly(client, cast):
    studio = await make_resource(cast.saint_denis)
    await login(client, cast.email("awa"))
    response = await client.post(
        "/api/bookings",
        json={
            "resource_id": studio.id,
            "starts_at": "2026-12-01T10:00:00",
            "ends_at": "2026-12-01T11:00:00",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "starts_at" in body["field_errors"]


async def test_another_sites_resource_is_forbidden_through_the_api(client, cast):
    studio = await make_resource(cast.brussels)
    await login(client, cast.email("awa"))
    assert (
        await client.get(f"/api/resources/{studio.id}/availability?day={TUESDAY}")
    ).status_code == 403
    resources = (await client.get("/api/resources")).json()
    assert studio.id not in [r["id"] for r in resources]
