"""QR passes: opaque tokens stored as hashes, readable QR codes, revocation."""

from __future__ import annotations

import io
import math

import pypdf
import pytest
import zxingcpp
from PIL import Image

from lab.accounts import cards, passes, visitors
from lab.accounts.tables import Pass
from lab.core import qr
from lab.core.security import token_hash
from tests.personas import make_visitor


def decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found"
    return found[0].text


async def test_a_pass_token_has_at_least_128_bits_and_only_its_hash_is_stored(cast):
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis)
    issued, token = await visitors.reissue_pass(awa, visitor.id)
    alphabet = 64  # URL-safe base64
    assert len(token) * math.log2(alphabet) >= 128
    row = await Pass.select().where(Pass.id == issued.id).first()
    assert token not in {str(value) for value in row.values()}
    assert row["token_hash"] == token_hash(token)


async def test_short_codes_avoid_ambiguous_characters():
    for _ in range(200):
        code = passes.new_short_code()
        assert len(code) == 8
        assert not set(code) & set("01ILO")


async def test_reissuing_revokes_the_old_pass_at_once(cast):
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis)
    _, old_token = await visitors.reissue_pass(awa, visitor.id)
    _, new_token = await visitors.reissue_pass(awa, visitor.id)
    assert await passes.resolve_token(old_token) is None
    assert (await passes.resolve_token(new_token)).id == visitor.id
    assert await Pass.count().where(Pass.revoked_at.is_null()) == 1


async def test_the_database_refuses_a_second_active_pass(cast, engine):
    visitor = await make_visitor(cast.saint_denis)
    awa = await cast.principal("awa")
    await visitors.reissue_pass(awa, visitor.id)
    with pytest.raises(Exception, match=r"(?i)unique"):
        await engine._run_in_new_connection(
            "INSERT INTO visitor_pass (visitor, token_hash, short_code, issued_at) "
            f"VALUES ({int(visitor.id)}, 'x', 'ZZZZZZZZ', CURRENT_TIMESTAMP)"
        )


def test_the_png_qr_decodes_to_the_pass_url():
    url = passes.pass_url("https://lab.example.org", "A" * 27)
    assert decode(Image.open(io.BytesIO(qr.qr_png(url)))) == url


def test_the_printed_card_decodes_as_png_and_as_pdf():
    url = passes.pass_url("https://lab.example.org", "b" * 27)
    card = cards.card_image("Lab", "Maëlys", url, "ABCD-EFGH", "Montrez cette carte.")
    assert decode(Image.open(io.BytesIO(cards.card_png(card)))) == url
    pdf = pypdf.PdfReader(io.BytesIO(cards.card_pdf(card)))
    assert len(pdf.pages) == 1
    assert decode(pdf.pages[0].images[0].image) == url


def test_a_scanned_url_or_a_bare_token_yields_the_token():
    token = "abcDEF123_-abcDEF123_-abcde"
    assert passes.token_from_scan(f"https://lab.example.org/p/{token}") == token
    assert passes.token_from_scan(f"  {token}\n") == token
    assert passes.token_from_scan("https://evil.example/<script>") is None
