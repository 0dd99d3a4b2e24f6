"""Errors become pages in the user's language, never a stack trace."""

from __future__ import annotations

import pytest
from litestar import get

from lab.app import create_app
from lab.core.guards import require_role
from lab.core.roles import STAFF_ROLES
from tests.helpers import login


@pytest.fixture
def app(settings, engine):
    """A route is added here: this module's own app, not the one the worker's tests share."""
    return create_app(settings, engine=engine, pool=False, background_jobs=False)


async def test_an_unknown_page_is_a_404_in_the_chosen_language(client):
    french = await client.get("/no-such-page")
    assert french.status_code == 404
    assert "Cette page n&#39;existe pas ou plus." in french.text
    english = await client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "This page does not exist" in english.text or "no longer" in english.text


async def test_a_crash_is_a_500_page_without_a_traceback(app, client, cast):
    @get("/boom", guards=[require_role(*STAFF_ROLES)])
    async def boom() -> None:
        raise RuntimeError("secret detail from the database: Yanis Martin")

    app.register(boom)
    await login(client, cast.email("awa"))
    response = await client.get("/boom")
    assert response.status_code == 500
    assert "Une erreur est survenue de notre côté" in response.text
    assert "Traceback" not in response.text and "Yanis" not in response.text
    api = await client.get("/boom", headers={"HX-Request": "true"})
    assert api.headers["HX-Retarget"] == "#alerts"


async def test_an_api_error_is_json(client, cast):
    await login(client, cast.email("awa"))
    response = await client.get("/api/visitors/424242")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_method_a_path_does_not_answer_is_a_405_that_names_the_allowed_ones(client):
    page = await client.request("TRACE", "/login")
    assert page.status_code == 405
    assert page.headers["allow"] == "GET, OPTIONS, POST"
    assert page.headers["content-type"].startswith("text/html")
    api = await client.delete("/api/visitors/1")
    assert api.status_code == 405
    assert api.headers["allow"] == "GET, OPTIONS, PUT"
    assert api.json()["code"] == "method_not_allowed"
    kiosk = await client.request("TRACE", "/kiosk/api/checkins")
    assert kiosk.status_code == 405 and kiosk.headers["allow"] == "OPTIONS, POST"


async def test_an_unknown_path_is_a_404_whatever_the_method(client):
    response = await client.request("TRACE", "/no-such-page")
    assert response.status_code == 404
    assert "allow" not in response.headers
