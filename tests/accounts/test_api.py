"""The JSON API for visitors and passes."""

from __future__ import annotations

from tests.helpers import login
from tests.personas import make_visitor

BODY = {
    "first_name": "Noah",
    "last_name": "Peeters",
    "birth_date": "2005-01-02",
    "postcode": "1070",
    "status": "student",
    "preferred_language": "nl",
}


async def test_the_api_creates_reads_and_updates_a_visitor(client, cast):
    await login(client, cast.email("pieter"))
    created = await client.post("/api/visitors", json=BODY)
    assert created.status_code == 201, created.text
    visitor = created.json()
    assert visitor["site_id"] == cast.brussels.id
    assert len(visitor["short_code"]) == 9
    read = await client.get(f"/api/visitors/{visitor['id']}")
    assert read.json()["first_name"] == "Noah"
    updated = await client.put(f"/api/visitors/{visitor['id']}", json={**BODY, "postcode": "1080"})
    assert updated.json()["postcode"] == "1080"


async def test_the_api_answers_422_with_a_message_for_bad_input(client, cast):
    await login(client, cast.email("pieter"))
    response = await client.post("/api/visitors", json={**BODY, "birth_date": "yesterday"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert "<" not in str(body)


async def test_a_reissued_pass_is_returned_once_and_resolves(client, cast):
    visitor = await make_visitor(cast.brussels, "Lars", "Maes")
    await login(client, cast.email("sofia"))
    issued = (await client.post(f"/api/visitors/{visitor.id}/pass")).json()
    assert issued["url"].endswith(issued["token"])
    resolved = await client.post("/api/passes/resolve", json={"token": issued["url"]})
    assert resolved.json() == {"visitor_id": visitor.id, "first_name": "Lars"}
    again = (await client.post(f"/api/visitors/{visitor.id}/pass")).json()
    refused = await client.post("/api/passes/resolve", json={"token": issued["token"]})
    assert refused.status_code == 404
    assert refused.json()["code"] == "unknown_pass"
    assert again["token"] != issued["token"]


async def test_a_pass_from_another_site_does_not_resolve_for_this_site(client, cast):
    lars = await make_visitor(cast.brussels, "Lars", "Maes")
    await login(client, cast.email("pieter"))
    token = (await client.post(f"/api/visitors/{lars.id}/pass")).json()["token"]
    await login(client, cast.email("awa"))
    refused = await client.post("/api/passes/resolve", json={"token": token})
    assert refused.status_code == 403


async def test_the_openapi_schema_describes_the_visitor_api(client, cast):
    await login(client, cast.email("awa"))  # staff only, in production
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "/api/visitors" in schema["paths"]
    assert "/api/passes/resolve" in schema["paths"]
