"""Every kiosk page is complete in French, English and Dutch: no French sentence is left on a
page shown in English or Dutch, and the page says which language it is in."""

from __future__ import annotations

import html
import re
import uuid
from functools import cache

import pytest
from babel.messages.pofile import read_po

from lab.accounts import visitors
from lab.settings import PROJECT_ROOT
from lab.visits.tables import Visit
from tests.bookings.factories import at, freeze
from tests.kiosk.helpers import pair_client
from tests.kiosk.test_visitor_routes import NOW, TOMORROW, identify, tablets, workshop
from tests.me.factories import visitor_with_pass
from tests.personas import make_visitor


@cache
def _french_sentences(language: str) -> tuple[str, ...]:
    """Catalogue entries that are French text (two words or more) translated differently."""
    with (PROJECT_ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    found = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or "%(" in message.id:
            continue
        if len(message.id.split()) >= 2 and message.string and message.string != message.id:
            found.append(message.id)
    return tuple(found)


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


async def _pages(client, cast) -> list[str]:
    """Paths of every kiosk page, with a workshop, a resource and a visit to show."""
    freeze(NOW)
    await pair_client(client, cast)
    module, _ = await workshop(cast.saint_denis)
    pool = await tablets(cast.saint_denis, max_minutes=60)
    holder = await visitor_with_pass(cast.saint_denis)
    await identify(client, holder)
    return [
        "/kiosk",
        "/kiosk/identify",
        "/kiosk/signup",
        "/kiosk/checkin",
        "/kiosk/workshops",
        f"/kiosk/workshops/{module.id}",
        "/kiosk/book",
        f"/kiosk/book/{pool.id}",
        f"/kiosk/book/{pool.id}/{TOMORROW.isoformat()}",
        "/kiosk/mine",
    ]


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_every_kiosk_page_is_complete_in_english_and_dutch(client, cast, language):
    paths = await _pages(client, cast)
    await client.post("/kiosk/language", data={"language": language, "next": "/kiosk"})
    leftovers = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert f'<html lang="{language}"' in response.text, path
        text = _visible_text(response.text)
        french = [sentence for sentence in _french_sentences(language) if sentence in text]
        if french:
            leftovers[path] = french
    assert not leftovers, f"French left on {language} pages: {leftovers}"


async def test_the_check_finds_a_french_sentence_on_a_page(client, cast):
    """The test above can fail: the French page holds French sentences it would catch."""
    await pair_client(client, cast)
    text = _visible_text((await client.get("/kiosk")).text)
    assert "Bienvenue au lab" in _french_sentences("en")
    assert any(sentence in text for sentence in _french_sentences("en"))


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_drop_in_visit_screens_are_complete_in_english_and_dutch(client, cast, language):
    """The "I'm leaving" and "count me without a card" pages, and each answer of a visit
    without JavaScript: the purposes, the welcome, the visit already open, the goodbye and
    the anonymous visit counted."""
    awa = await cast.principal("awa")
    nour = await make_visitor(cast.saint_denis, "Nour", "Benali")
    _card, token = await visitors.reissue_pass(awa, nour.id)
    freeze(at(15))
    await pair_client(client, cast)
    await client.post("/kiosk/language", data={"language": language, "next": "/kiosk"})
    form = {"_csrf_token": client.cookies["lab_csrf"], "code": token, "visits": "true"}
    answers = {
        "leaving page": await client.get("/kiosk/checkin?leaving=1"),
        "anonymous page": await client.get("/kiosk/visits/anonymous"),
    }
    for name, extra in [
        ("purposes", {}),
        ("welcome", {"purpose": "wifi"}),
        ("visit open", {}),
        ("goodbye", {"leaving": "true"}),
    ]:
        sent = {**form, "nonce": str(uuid.uuid4()), **extra}
        answers[name] = await client.post("/kiosk/checkin", data=sent)
    anonymous = {"_csrf_token": form["_csrf_token"], "nonce": str(uuid.uuid4())}
    answers["counted"] = await client.post(
        "/kiosk/visits/anonymous", data={**anonymous, "purpose": "games", "age_band": "18_21"}
    )
    leftovers = {}
    for name, response in answers.items():
        assert response.status_code == 200, (name, response.status_code)
        text = _visible_text(response.text)
        assert "Benali" not in text, name
        french = [sentence for sentence in _french_sentences(language) if sentence in text]
        if french:
            leftovers[name] = french
    assert not leftovers, f"French left on {language} visit screens: {leftovers}"
    assert "Nour" in _visible_text(answers["welcome"].text)
    # Nour's visit opened and ended; the anonymous one is open.
    assert await Visit.count() == 2
    assert await Visit.count().where(Visit.left_at.is_null()) == 1
