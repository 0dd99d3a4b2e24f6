"""The staff pages of visits through the real app: who is in now, check someone out, an
anonymous visit (once per form, whatever the double taps), and the admins' list of purposes."""

from __future__ import annotations

import asyncio

import pytest

from lab.visits import services
from lab.visits.tables import Visit, VisitPurpose
from tests.bookings.factories import at, freeze
from tests.helpers import login
from tests.personas import make_visitor


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10))


async def _csrf(client) -> None:
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]


async def test_the_page_lists_who_is_in_and_checks_them_out(client, cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    visit = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="studio",
        nonce="route-visit-1",
        at=at(9),
        visitor_id=yanis.id,
    )
    await login(client, cast.email("awa"))
    await _csrf(client)
    page = await client.get(f"/visits/sites/{cast.saint_denis.id}")
    assert page.status_code == 200
    assert "Yanis Martin" in page.text and "09:00" in page.text
    board = await client.get(f"/visits/sites/{cast.saint_denis.id}", headers={"HX-Request": "true"})
    assert board.text.lstrip().startswith('<div id="board"')
    ended = await client.post(f"/visits/{visit.id}/end", headers={"HX-Request": "true"})
    assert ended.status_code == 200 and "Départ enregistré" in ended.text
    assert (await Visit.objects().get(Visit.id == visit.id)).ended_by == "desk"
    again = await client.post(f"/visits/{visit.id}/end", headers={"HX-Request": "true"})
    assert again.status_code == 409 and 'data-code="no_open_visit"' in again.text
    home = await client.get("/visits/panel", headers={"HX-Request": "true"})
    assert "Lab Saint-Denis" in home.text


async def test_one_anonymous_visit_per_form_whatever_the_double_taps(client, cast):
    await login(client, cast.email("awa"))
    await _csrf(client)
    form = {"purpose": "wifi", "age_band": "18_21", "nonce": "3b7c1d2e-anonymous"}
    url = f"/visits/sites/{cast.saint_denis.id}/anonymous"
    answers = await asyncio.gather(*(client.post(url, data=form) for _ in range(10)))
    assert {answer.status_code for answer in answers} == {200}
    visits = await Visit.objects()
    assert len(visits) == 1
    assert visits[0].visitor is None and visits[0].age_band == "18_21"
    named = await client.post(url, data={**form, "nonce": "another-nonce-1", "age_band": "12"})
    assert named.status_code == 422


async def test_staff_of_another_site_and_tablets_are_refused(client, cast):
    await login(client, cast.email("sofia"))
    await _csrf(client)
    assert (await client.get(f"/visits/sites/{cast.saint_denis.id}")).status_code == 403
    answer = await client.post(
        f"/visits/sites/{cast.saint_denis.id}/anonymous",
        data={"purpose": "wifi", "nonce": "other-site-nonce"},
    )
    assert answer.status_code == 403
    assert await Visit.count() == 0


async def test_only_admins_edit_a_sites_purposes(client, cast):
    url = f"/admin/visit-purposes/{cast.saint_denis.id}"
    await login(client, cast.email("julien"))
    await _csrf(client)
    assert (await client.get(url)).status_code == 403
    assert (await client.post(url, data={"code": "x", "label_fr": "X"})).status_code == 403
    await login(client, cast.email("camille"))
    await _csrf(client)
    page = await client.get(url)
    assert page.status_code == 200 and "La salle de jeux" in page.text
    saved = await client.post(
        url,
        data={
            "code": "sewing",
            "label_fr": "Couture",
            "label_en": "Sewing",
            "icon": "other",
            "position": "5",
            "active": "on",
        },
    )
    assert saved.status_code == 303
    removed = await client.post(f"{url}/remove", data={"code": "games"})
    assert removed.status_code == 303
    codes = {row.code for row in await VisitPurpose.objects()}
    assert "sewing" in codes and "games" not in codes and "wifi" in codes
    awa = await cast.principal("awa")
    with pytest.raises(Exception) as unknown:
        await services.open_visit(
            awa, site_id=cast.saint_denis.id, purpose="games", nonce="no-games-now", at=at(10)
        )
    assert getattr(unknown.value, "code", "") == "unknown_purpose"
