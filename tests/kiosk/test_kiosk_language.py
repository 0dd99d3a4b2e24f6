"""The language of a shared tablet: the lab's default for every new visitor, whatever the
tablet's browser says; the visitor's own choice for their visit only; back to the default when
the visit ends."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from lab.app import create_app
from tests.conftest import BASE_URL, make_settings
from tests.kiosk.helpers import pair_client

ENGLISH_BROWSER = {"accept-language": "en-US,en;q=0.9"}


def _language_of(page) -> str:
    start = page.text.index('<html lang="') + len('<html lang="')
    return page.text[start : start + 2]


async def _choose(client, language: str, next_path: str = "/kiosk"):
    return await client.post("/kiosk/language", data={"language": language, "next": next_path})


async def test_a_tablet_whose_browser_asks_for_english_greets_in_the_labs_language(client, cast):
    await pair_client(client, cast)
    home = await client.get("/kiosk", headers=ENGLISH_BROWSER)
    assert _language_of(home) == "fr"
    assert "Bienvenue au lab" in home.text
    assert 'data-language="default"' in home.text
    # Every kiosk page, refusals included, follows the same rule.
    missing = await client.get("/kiosk/workshops/999999", headers=ENGLISH_BROWSER)
    assert missing.status_code == 404 and _language_of(missing) == "fr"


async def test_the_staff_language_choice_does_not_follow_the_tablet(client, cast):
    await pair_client(client, cast)
    client.cookies.set("lab_lang", "en")
    assert _language_of(await client.get("/kiosk")) == "fr"


async def test_the_visitor_chooses_a_language_for_their_visit(client, cast):
    await pair_client(client, cast)
    chosen = await _choose(client, "nl")
    assert chosen.status_code == 303 and chosen.headers["location"] == "/kiosk"
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith("lab_kiosk_lang=nl;") and "Path=/kiosk" in cookie
    assert "HttpOnly" in cookie and "max-age" not in cookie.lower()  # gone with the browser
    home = await client.get("/kiosk", headers=ENGLISH_BROWSER)
    assert _language_of(home) == "nl"
    assert "Welkom in het lab" in home.text
    assert 'data-language="chosen"' in home.text
    assert _language_of(await client.get("/kiosk/signup")) == "nl"


async def test_ending_the_visit_brings_the_next_visitor_back_to_the_labs_language(client, cast):
    await pair_client(client, cast)
    await _choose(client, "en")
    assert _language_of(await client.get("/kiosk")) == "en"
    ended = await client.post("/kiosk/end")
    assert ended.status_code == 303 and ended.headers["location"] == "/kiosk"
    assert 'lab_kiosk_lang=""' in ended.headers["set-cookie"]
    home = await client.get("/kiosk", headers=ENGLISH_BROWSER)
    assert _language_of(home) == "fr"
    assert 'data-language="default"' in home.text


async def test_the_choice_only_goes_back_to_a_kiosk_page(client, cast):
    await pair_client(client, cast)
    assert (await _choose(client, "en", "/kiosk/workshops")).headers["location"] == (
        "/kiosk/workshops"
    )
    for elsewhere in ("/visitors", "https://evil.example/kiosk", "//evil.example", "/kiosks"):
        assert (await _choose(client, "en", elsewhere)).headers["location"] == "/kiosk"


async def test_an_unknown_language_is_refused_and_an_unpaired_tablet_pairs_first(client, cast):
    await client.get("/kiosk/pair")
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
    unpaired = await _choose(client, "en")
    assert unpaired.headers["location"] == "/kiosk/pair"
    await pair_client(client, cast)
    refused = await _choose(client, "de")
    assert refused.status_code == 422
    assert "lab_kiosk_lang" not in refused.headers.get("set-cookie", "")


async def test_a_lab_whose_default_is_dutch_greets_every_visitor_in_dutch(
    tmp_path, database_url, engine, cast
):
    settings = make_settings(tmp_path, database_url, default_language="nl")
    app = create_app(settings, engine=engine, pool=False, background_jobs=False)
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        client.follow_redirects = False
        await pair_client(client, cast)
        home = await client.get("/kiosk", headers={"accept-language": "fr-BE,fr;q=0.9"})
        assert _language_of(home) == "nl"
        await _choose(client, "fr")
        assert _language_of(await client.get("/kiosk")) == "fr"
        await client.post("/kiosk/end")
        assert _language_of(await client.get("/kiosk")) == "nl"
