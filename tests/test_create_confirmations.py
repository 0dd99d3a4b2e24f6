"""Every staff action that creates something says so on the page it leads to: a new visitor,
a new card, an account, a role, a site, a tablet, objects to lend, a closing day.
(Bookings, modules, sessions, loans, resources, partners, enrolments and calendar links say it
in their own pages; their tests check it.)"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from lab.accounts.tables import StaffUser
from lab.kiosk.tables import KioskDevice
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.forms import NEW_SITE, NEW_VISITOR, new_account, new_tablet
from tests.helpers import login
from tests.personas import make_visitor

CONFIRMATION = re.compile(r'<div class="alert alert-success" role="status"[^>]*><p>(.*?)</p></div>')


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def said(text: str) -> str:
    """Whitespace made plain (no-break spaces included) for comparing sentences."""
    return " ".join(html.unescape(text).split())


async def confirmation_after(client, response) -> str:
    """Follow the action's redirect and read the confirmation the page shows."""
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    found = CONFIRMATION.findall(page.text)
    assert len(found) == 1, f"{len(found)} confirmations on {response.headers['location']}"
    return said(found[0])


async def test_creating_a_visitor_says_the_record_and_its_card_are_made(client, cast):
    await login(client, cast.email("awa"))
    created = await client.post("/visitors", data=NEW_VISITOR)
    assert await confirmation_after(client, created) == "La fiche est créée, avec sa carte."


async def test_issuing_a_new_pass_says_the_old_one_no_longer_works(client, cast):
    visitor = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await login(client, cast.email("awa"))
    first = await client.post(f"/visitors/{visitor.id}/pass")
    assert await confirmation_after(client, first) == "Nouvelle carte émise."
    again = await client.post(f"/visitors/{visitor.id}/pass")
    assert (
        await confirmation_after(client, again)
        == "Nouvelle carte émise : l'ancienne ne fonctionne plus."
    )
    # The confirmation belongs to the action: the same page opened later does not repeat it.
    plain = await client.get(f"/visitors/{visitor.id}/pass")
    assert not CONFIRMATION.search(plain.text)


async def test_creating_a_site_an_account_and_a_role_says_so(client, cast):
    await login(client, cast.email("camille"))
    site = await client.post("/admin/sites", data=NEW_SITE)
    assert await confirmation_after(client, site) == "Le site est créé."
    account = await client.post("/admin/users", data=new_account(cast.brussels.id))
    assert await confirmation_after(client, account) == "Le compte est créé."
    eline = await StaffUser.objects().get(StaffUser.email == "eline@lab.test")
    role = await client.post(
        f"/admin/users/{eline.id}/grants",
        data={"role": "manager", "site_id": str(cast.saint_denis.id)},
    )
    assert await confirmation_after(client, role) == "Le rôle est ajouté."


async def test_adding_a_tablet_says_to_pair_it_with_the_code_shown(client, cast):
    await login(client, cast.email("julien"))
    added = await client.post("/kiosks", data=new_tablet(cast.saint_denis.id))
    assert await KioskDevice.count() == 1
    assert (
        await confirmation_after(client, added)
        == "La tablette est ajoutée. Associez-la maintenant avec ce code."
    )


async def test_adding_objects_to_lend_and_a_closing_day_says_so(client, cast):
    pool = await make_resource(cast.saint_denis, "Tablettes", units=5)
    await login(client, cast.email("julien"))
    objects = await client.post(f"/resources/{pool.id}/assets", data={"count": "2"})
    assert (
        await confirmation_after(client, objects)
        == "Les objets sont ajoutés, chacun avec son étiquette."
    )
    closed = await client.post(
        "/resources/closures",
        data={"site_id": str(cast.saint_denis.id), "day": TUESDAY.isoformat()},
    )
    assert await confirmation_after(client, closed) == "Le jour de fermeture est ajouté."
