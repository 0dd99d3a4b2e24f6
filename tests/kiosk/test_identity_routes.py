"""First visit (sign-up) and "my card and my code" (pass + PIN) on a kiosk."""

from __future__ import annotations

import datetime as dt
import re

from lab.accounts import pins
from lab.accounts.tables import Pass, Visitor, VisitorPin
from lab.core.db import write_transaction
from lab.kiosk.auth import VISIT_COOKIE
from tests.bookings.factories import freeze
from tests.kiosk.helpers import pair_client
from tests.personas import make_visitor

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _signup(**changes: str) -> dict[str, str]:
    form = {
        "first_name": "Inès",
        "last_name": "Benali",
        "birth_day": "5",
        "birth_month": "3",
        "birth_year": "2006",
        "postcode": "93200",
        "status": "job_seeker",
        "email": "",
        "pin": "4826",
        "pin_confirm": "4826",
    }
    return {**form, **changes}


async def test_a_first_visit_creates_the_record_the_pass_and_the_pin(client, cast):
    freeze(T0)
    await pair_client(client, cast)
    response = await client.post("/kiosk/signup", data=_signup())
    assert response.status_code == 200, response.text
    assert "Bienvenue Inès" in response.text
    assert "<svg" in response.text and 'class="short-code"' in response.text
    assert "Benali" not in response.text  # the first name only, on a shared screen
    visitor = await Visitor.objects().get(Visitor.last_name == "Benali")
    assert visitor.created_via == "kiosk" and visitor.created_site == cast.saint_denis.id
    assert await Pass.exists().where(Pass.visitor == visitor.id)
    pin = await VisitorPin.objects().get(VisitorPin.visitor == visitor.id)
    assert "4826" not in pin.pin_hash
    assert VISIT_COOKIE in response.headers["set-cookie"]


async def test_sign_up_refuses_bad_input_with_every_field_named(client, cast):
    await pair_client(client, cast)
    response = await client.post(
        "/kiosk/signup", data=_signup(first_name="", postcode="12", status="", pin="12")
    )
    assert response.status_code == 422
    for field in ("e-first_name", "e-postcode", "e-status"):
        assert f'id="{field}"' in response.text, field
    assert not await Visitor.exists().where(Visitor.last_name == "Benali")
    assert 'value="4826"' not in response.text  # a PIN is never sent back


async def test_sign_up_refuses_an_impossible_date_and_a_weak_pin(client, cast):
    await pair_client(client, cast)
    response = await client.post("/kiosk/signup", data=_signup(birth_day="31", birth_month="2"))
    assert response.status_code == 422
    assert "Cette date n&#39;existe pas" in response.text
    response = await client.post("/kiosk/signup", data=_signup(pin="1234", pin_confirm="1234"))
    assert response.status_code == 422
    assert "trop facile" in response.text
    response = await client.post("/kiosk/signup", data=_signup(pin_confirm="4827"))
    assert response.status_code == 422
    assert 'id="e-pin_confirm"' in response.text


async def test_under_the_consent_age_the_e_mail_waits_for_a_guardian(client, cast):
    freeze(T0)
    await pair_client(client, cast)  # Saint-Denis: France, 15
    young = _signup(birth_year="2012", email="ines@example.org")
    response = await client.post("/kiosk/signup", data=young)
    assert response.status_code == 422
    assert "Avant 15 ans" in response.text
    response = await client.post("/kiosk/signup", data={**young, "email": ""})
    assert response.status_code == 200  # the core service is open to them


async def test_in_brussels_the_consent_age_is_13(client, cast):
    freeze(T0)
    await pair_client(client, cast, site="brussels")
    thirteen = _signup(birth_year="2012", postcode="1000", email="ines@example.org")
    response = await client.post("/kiosk/signup", data=thirteen)
    assert response.status_code == 200, response.text


async def test_a_second_sign_up_of_the_same_person_is_sent_to_the_desk(client, cast):
    await pair_client(client, cast)
    assert (await client.post("/kiosk/signup", data=_signup())).status_code == 200
    again = await client.post("/kiosk/signup", data=_signup(last_name="BENALI"))
    assert again.status_code == 409
    assert "Demandez à l&#39;équipe" in again.text
    assert await Visitor.count().where(Visitor.search_name == "ines benali") == 1


async def _visitor_with_pin(cast, pin: str = "4826") -> str:
    """A Saint-Denis visitor with a PIN; returns their pass short code."""
    from lab.accounts import passes
    from lab.core.audit import SYSTEM

    visitor = await make_visitor(cast.saint_denis)
    async with write_transaction(Visitor._meta.db):
        issued, _ = await passes.issue_in_transaction(SYSTEM, visitor.id, cast.saint_denis.id)
        await pins.set_pin_in_transaction(SYSTEM, visitor.id, pin)
    return issued.short_code


async def test_pass_and_pin_open_a_visit_and_go_back_where_the_visitor_wanted(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast)
    response = await client.post(
        "/kiosk/identify", data={"code": code, "pin": "4826", "next": "/kiosk/workshops"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk/workshops"
    assert VISIT_COOKIE in response.headers["set-cookie"]
    home = await client.get("/kiosk")
    assert "J'ai fini" in home.text


async def test_a_wrong_pin_is_refused_and_five_lock_the_pass(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast)
    for left in (4, 3, 2, 1):
        response = await client.post("/kiosk/identify", data={"code": code, "pin": "9173"})
        assert response.status_code == 422
        assert f"Il vous reste {left} essai" in response.text
    response = await client.post("/kiosk/identify", data={"code": code, "pin": "9173"})
    assert response.status_code == 429
    right = await client.post("/kiosk/identify", data={"code": code, "pin": "4826"})
    assert right.status_code == 429  # locked: even the right PIN waits


async def test_identify_never_goes_back_to_another_site(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast)
    response = await client.post(
        "/kiosk/identify", data={"code": code, "pin": "4826", "next": "https://evil.example/"}
    )
    assert response.headers["location"] == "/kiosk/mine"


async def test_a_card_of_another_lab_opens_nothing_here(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast, site="brussels")
    response = await client.post("/kiosk/identify", data={"code": code, "pin": "4826"})
    assert response.status_code == 403
    assert VISIT_COOKIE not in response.headers.get("set-cookie", "")


async def test_ending_a_visit_refuses_its_cookie_afterwards(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast)
    await client.post("/kiosk/identify", data={"code": code, "pin": "4826"})
    old = client.cookies.get(VISIT_COOKIE)
    ended = await client.post("/kiosk/end")
    assert ended.status_code == 303
    client.cookies.set(VISIT_COOKIE, old, path="/kiosk")
    home = await client.get("/kiosk")
    assert "J'ai fini" not in home.text


async def test_a_visit_ends_after_90_seconds_without_a_request(client, cast):
    code = await _visitor_with_pin(cast)
    await pair_client(client, cast)
    freeze(T0)
    await client.post("/kiosk/identify", data={"code": code, "pin": "4826"})
    freeze(T0 + dt.timedelta(seconds=80))
    assert "J'ai fini" in (await client.get("/kiosk")).text  # activity slides the window
    freeze(T0 + dt.timedelta(seconds=80 + 91))
    assert "J'ai fini" not in (await client.get("/kiosk")).text


async def test_the_card_page_offers_the_camera_which_goes_on_to_the_pin(client, cast):
    await pair_client(client, cast)
    page = await client.get("/kiosk/identify")
    assert 'src="/static/js/scan.js"' in page.text and "jsQR-1.4.0.js" in page.text
    panel = re.search(r'<section id="camera"[^>]*>', page.text).group(0)
    assert 'data-field="k-code"' in panel and 'data-form="identify-form"' in panel
    assert 'data-next-field="k-pin"' in panel  # a card read never sends the form without the PIN
    assert re.search(r'<input id="k-code"[^>]* autofocus', page.text)  # a scanner types here
    code = await _visitor_with_pin(cast)
    wrong = await client.post("/kiosk/identify", data={"code": code, "pin": "9173"})
    assert re.search(r'<input id="k-code"[^>]*value="' + code, wrong.text)
    assert not re.search(r'<input id="k-code"[^>]* autofocus', wrong.text)
    assert re.search(r'<input id="k-pin"[^>]* autofocus', wrong.text)  # the card stays


async def test_what_the_camera_reads_a_pass_url_opens_a_visit_with_the_pin(client, cast):
    from lab.accounts import passes
    from lab.core.audit import SYSTEM

    visitor = await make_visitor(cast.saint_denis)
    async with write_transaction(Visitor._meta.db):
        _issued, token = await passes.issue_in_transaction(SYSTEM, visitor.id, cast.saint_denis.id)
        await pins.set_pin_in_transaction(SYSTEM, visitor.id, "4826")
    await pair_client(client, cast)
    response = await client.post(
        "/kiosk/identify", data={"code": f"https://lab.example/p/{token}", "pin": "4826"}
    )
    assert response.status_code == 303
    assert VISIT_COOKIE in response.headers["set-cookie"]
