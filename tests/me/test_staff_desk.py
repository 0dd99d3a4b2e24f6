"""At the desk: staff see a visitor's PIN state, reset it (which unlocks the pass), and record a
guardian's consent for visitors under the site's consent age."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from lab.accounts import pins
from lab.accounts.tables import Visitor
from lab.core.audit import ANONYMOUS
from lab.core.errors import LabError
from tests.bookings.factories import TUESDAY, at, freeze
from tests.helpers import login
from tests.me.factories import post_pin, sign_in, visitor_with_pass

FOURTEEN = dt.date(2011, 12, 2)


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10, day=TUESDAY))


def text(response) -> str:
    return html.unescape(response.text)


async def _lock(visitor_id: int) -> None:
    for _ in range(pins.MAX_FAILURES):
        with pytest.raises(LabError):
            await pins.verify_pin(ANONYMOUS, visitor_id, "1357")


async def test_the_visitor_page_says_whether_a_pin_is_set_or_locked(client, cast):
    await login(client, cast.email("awa"))
    without = await visitor_with_pass(cast.saint_denis, "Inès", pin=None)
    page = await client.get(f"/visitors/{without.visitor.id}")
    assert 'data-pin-state="none"' in page.text
    holder = await visitor_with_pass(cast.saint_denis, "Malik")
    assert 'data-pin-state="set"' in (await client.get(f"/visitors/{holder.visitor.id}")).text
    await _lock(holder.visitor.id)
    assert 'data-pin-state="locked"' in (await client.get(f"/visitors/{holder.visitor.id}")).text


async def test_a_staff_reset_sets_the_new_pin_and_unlocks_the_pass(app, client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await _lock(holder.visitor.id)
    await login(client, cast.email("awa"))
    response = await client.post(
        f"/visitors/{holder.visitor.id}/pin", data={"pin": "7319", "pin_confirm": "7319"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/visitors/{holder.visitor.id}?done=pin_reset"
    assert not await pins.is_locked(holder.visitor.id)
    client.cookies.clear()
    del client.headers["x-csrftoken"]
    assert (await post_pin(client, holder, "7319")).status_code == 303


async def test_a_reset_refuses_a_weak_or_mistyped_pin(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await login(client, cast.email("awa"))
    weak = await client.post(
        f"/visitors/{holder.visitor.id}/pin", data={"pin": "1234", "pin_confirm": "1234"}
    )
    assert weak.status_code == 422 and "trop facile" in text(weak)
    mistyped = await client.post(
        f"/visitors/{holder.visitor.id}/pin", data={"pin": "7319", "pin_confirm": "7391"}
    )
    assert mistyped.status_code == 422 and 'id="e-pin_confirm"' in mistyped.text


async def test_staff_of_another_site_cannot_reset_a_pin(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await login(client, cast.email("pieter"))
    response = await client.post(
        f"/visitors/{holder.visitor.id}/pin", data={"pin": "7319", "pin_confirm": "7319"}
    )
    assert response.status_code == 403
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, "2580")  # unchanged


async def test_a_new_pin_opens_a_pass_that_had_none(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès", pin=None)
    await login(client, cast.email("julien"))
    await client.post(
        f"/visitors/{holder.visitor.id}/pin", data={"pin": "2580", "pin_confirm": "2580"}
    )
    client.cookies.clear()
    del client.headers["x-csrftoken"]
    await sign_in(client, holder)


async def test_guardian_consent_is_offered_and_recorded_only_for_the_under_age(client, cast):
    await login(client, cast.email("awa"))
    young = await visitor_with_pass(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    adult = await visitor_with_pass(cast.saint_denis, "Yanis")
    page = text(await client.get(f"/visitors/{young.visitor.id}"))
    assert "Enregistrer l'accord du parent" in page and "moins de 15 ans" in page
    assert "Enregistrer l'accord du parent" not in text(
        await client.get(f"/visitors/{adult.visitor.id}")
    )
    done = await client.post(f"/visitors/{young.visitor.id}/guardian-consent")
    assert done.status_code == 303
    row = await Visitor.objects().get(Visitor.id == young.visitor.id)
    assert row.guardian_consent_at is not None
    page = text(await client.get(f"/visitors/{young.visitor.id}"))
    assert "Enregistrer l'accord du parent" not in page and "Accord d'un parent enregistré" in page
    refused = await client.post(f"/visitors/{adult.visitor.id}/guardian-consent")
    assert refused.status_code == 409
    row = await Visitor.objects().get(Visitor.id == adult.visitor.id)
    assert row.guardian_consent_at is None


async def test_a_fourteen_year_old_in_brussels_is_offered_no_consent_button(client, cast):
    await login(client, cast.email("pieter"))
    young = await visitor_with_pass(cast.brussels, "Lotte", birth_date=FOURTEEN, postcode="1070")
    page = text(await client.get(f"/visitors/{young.visitor.id}"))
    assert "Enregistrer l'accord du parent" not in page
    assert (await client.post(f"/visitors/{young.visitor.id}/guardian-consent")).status_code == 409
