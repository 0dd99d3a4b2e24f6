"""Visitor and pass pages through the real app: works, wrong role or site, htmx blocks."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import zxingcpp
from PIL import Image

from lab.accounts.tables import Visitor
from tests.forms import NEW_VISITOR
from tests.helpers import login
from tests.personas import make_visitor


async def test_a_facilitator_creates_a_visitor_and_gets_the_printable_pass(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post("/visitors", data=NEW_VISITOR)
    assert response.status_code == 303
    assert re.fullmatch(r"/visitors/\d+/pass\?done=visitor_created", response.headers["location"])
    pass_page = response.headers["location"].split("?")[0]
    page = await client.get(pass_page)
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="qr"' in page.text
    assert page.headers["cache-control"] == "no-store"
    card = await client.get(pass_page + "/card.png")
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(card.content)))[0].text
    assert url.startswith("http://testserver.local/p/")
    landing = await client.get(url.removeprefix("http://testserver.local"))
    assert landing.status_code == 200
    assert "Aïcha" not in landing.text  # a scanned pass shows nothing personal
    pdf = await client.get(pass_page + "/card.pdf")
    assert pdf.content.startswith(b"%PDF")


async def test_a_revoked_pass_url_no_longer_resolves(client, cast):
    await login(client, cast.email("awa"))
    created = await client.post("/visitors", data=NEW_VISITOR)
    pass_page = created.headers["location"].split("?")[0]
    card = await client.get(pass_page + "/card.png")
    old_url = zxingcpp.read_barcodes(Image.open(io.BytesIO(card.content)))[0].text
    assert (await client.post(pass_page)).status_code == 303  # reissue
    landing = await client.get(old_url.removeprefix("http://testserver.local"))
    assert landing.status_code == 404
    assert "Cette carte ne fonctionne plus" in landing.text


async def test_a_card_cannot_be_printed_again_without_a_new_pass(client, cast):
    visitor = await make_visitor(cast.saint_denis)
    await login(client, cast.email("awa"))
    await client.post(f"/visitors/{visitor.id}/pass")
    await login(client, cast.email("awa"))  # a new session: the token is gone with the old one
    refused = await client.get(f"/visitors/{visitor.id}/pass/card.png")
    assert refused.status_code == 409
    assert "créez une nouvelle carte" in html.unescape(refused.text)


async def test_another_sites_visitor_is_a_403_on_every_page(client, cast):
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    await login(client, cast.email("awa"))
    for path in ("", "/edit", "/pass", "/pass/card.png"):
        assert (await client.get(f"/visitors/{lotte.id}{path}")).status_code == 403, path
    for path in ("", "/pass", "/erase"):
        response = await client.post(f"/visitors/{lotte.id}{path}", data=NEW_VISITOR)
        assert response.status_code == 403, path
    assert (await client.get(f"/api/visitors/{lotte.id}")).status_code == 403
    assert await Visitor.count().where(Visitor.last_name == "Peeters") == 1


async def test_the_duplicate_warning_asks_for_confirmation(client, cast):
    await make_visitor(cast.saint_denis, "Aïcha", "Camara", birth_date=dt.date(2006, 9, 30))
    await login(client, cast.email("awa"))
    warned = await client.post("/visitors", data=NEW_VISITOR)
    assert warned.status_code == 409
    assert "confirm_not_duplicate" in warned.text
    confirmed = await client.post("/visitors", data={**NEW_VISITOR, "confirm_not_duplicate": "on"})
    assert confirmed.status_code == 303


async def test_search_answers_htmx_with_the_results_block_only(client, cast):
    await make_visitor(cast.saint_denis, "Moussa", "Diallo")
    await login(client, cast.email("awa"))
    response = await client.post(
        "/visitors/search", data={"q": "moussa"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "Moussa" in response.text
    full = await client.post("/visitors/search", data={"q": "moussa"})
    assert "<html" in full.text


async def test_a_visitor_is_edited_and_the_form_comes_back_with_errors(client, cast):
    visitor = await make_visitor(cast.saint_denis)
    await login(client, cast.email("awa"))
    bad = await client.post(f"/visitors/{visitor.id}", data={**NEW_VISITOR, "postcode": "ABC"})
    assert bad.status_code == 422
    assert "Code postal\u00a0: 4 chiffres" in bad.text
    good = await client.post(f"/visitors/{visitor.id}", data=NEW_VISITOR)
    assert good.status_code == 303
    page = await client.get(f"/visitors/{visitor.id}")
    assert "Aïcha" in page.text


async def test_a_manager_erases_a_visitor_from_the_page(client, cast):
    visitor = await make_visitor(cast.saint_denis)
    await login(client, cast.email("julien"))
    assert "Supprimer définitivement" in (await client.get(f"/visitors/{visitor.id}/erase")).text
    # Without the box ticked, nothing is erased and the page says what to do.
    unticked = await client.post(f"/visitors/{visitor.id}/erase")
    assert unticked.status_code == 422
    assert "Cochez la case pour confirmer la suppression." in unticked.text
    assert 'id="f-confirm"' in unticked.text and "has-error" in unticked.text
    assert (await client.get(f"/visitors/{visitor.id}")).status_code == 200
    response = await client.post(f"/visitors/{visitor.id}/erase", data={"confirm": "on"})
    assert response.status_code == 303
    assert (await client.get(f"/visitors/{visitor.id}")).status_code == 404


async def test_pages_carry_security_headers(client, cast):
    await login(client, cast.email("awa"))
    page = await client.get("/visitors")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
