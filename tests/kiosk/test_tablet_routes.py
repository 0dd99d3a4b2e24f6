"""The tablet's shell: pairing, the home screen, ending a visit."""

from __future__ import annotations

import re

from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from tests.helpers import csrf_token
from tests.kiosk.helpers import pair_client


async def test_an_unpaired_tablet_is_sent_to_the_pairing_page(client):
    response = await client.get("/kiosk")
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk/pair"


async def test_a_tablet_pairs_with_the_code_and_then_sees_the_home_screen(client, cast):
    julien = await cast.principal("julien")
    _device, code = await devices.create_device(julien, cast.saint_denis.id, "Accueil")
    token = await csrf_token(client, "/kiosk/pair")
    response = await client.post(
        "/kiosk/pair", data={"code": f"{code[:4]}-{code[4:]}".lower(), "_csrf_token": token}
    )
    assert response.status_code == 200, response.text
    assert "Accueil" in response.text
    cookie = response.headers["set-cookie"]
    assert DEVICE_COOKIE in cookie and "Path=/kiosk" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    home = await client.get("/kiosk")
    assert home.status_code == 200
    assert "Bienvenue au lab" in home.text
    assert home.headers["cache-control"] == "no-store"


async def test_a_wrong_pairing_code_is_refused_with_a_clear_message(client):
    token = await csrf_token(client, "/kiosk/pair")
    response = await client.post("/kiosk/pair", data={"code": "ZZZZ-ZZZZ", "_csrf_token": token})
    assert response.status_code == 422
    assert "Ce code ne fonctionne pas" in response.text
    assert DEVICE_COOKIE not in response.headers.get("set-cookie", "")


async def test_the_home_screen_shows_only_the_actions_the_device_may_do(client, cast):
    await pair_client(client, cast, actions=["checkin"])
    home = await client.get("/kiosk")
    assert 'href="/kiosk/checkin"' in home.text
    assert 'href="/kiosk/signup"' not in home.text
    assert 'href="/kiosk/book"' not in home.text


async def test_the_home_screen_names_each_language_in_itself(client, cast):
    await pair_client(client, cast)
    home = await client.get("/kiosk")
    for code, name in (("fr", "Français"), ("en", "English"), ("nl", "Nederlands")):
        assert re.search(rf'value="{code}" lang="{code}"[^>]*>{name}<', home.text), name


async def test_a_revoked_tablet_is_refused_on_its_next_request(client, cast):
    await pair_client(client, cast)
    assert (await client.get("/kiosk")).status_code == 200
    julien = await cast.principal("julien")
    for device in await devices.list_devices(julien, cast.saint_denis.id):
        await devices.revoke(julien, device.id)
    response = await client.get("/kiosk")
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk/pair"


async def test_a_refusal_on_the_kiosk_keeps_the_kiosk_look(client, cast):
    await pair_client(client, cast, actions=["checkin"])
    refused = await client.get("/kiosk/signup")  # not allowed on this tablet
    assert refused.status_code == 403
    assert 'class="kiosk"' in refused.text and "Pas sur cette tablette" in refused.text
    await pair_client(client, cast)
    missing = await client.get("/kiosk/workshops/999999")
    assert missing.status_code == 404
    assert 'class="kiosk"' in missing.text and "Se déconnecter" not in missing.text
