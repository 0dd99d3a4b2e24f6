"""QR passes: opaque tokens stored as hashes, readable QR codes, revocation."""

from __future__ import annotations

import html
import io
import math
import re
import subprocess
import tempfile
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image

from lab.accounts import cards, passes, visitors
from lab.accounts.tables import Pass
from lab.app import create_app
from lab.core import qr
from lab.core.security import token_hash
from tests.conftest import BASE_URL, make_settings
from tests.helpers import login
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
    card = cards.Card("Lab", "Maëlys", url, "ABCD-EFGH", "Montrez cette carte.")
    assert decode(Image.open(io.BytesIO(cards.card_png(card)))) == url
    content = cards.card_pdf(card)
    pdf = pypdf.PdfReader(io.BytesIO(content))
    assert len(pdf.pages) == 1
    assert len(pdf.pages[0].images) == 0  # the QR is drawn, not a picture
    assert decode(pdf_page_image(content)) == url


# -- The card as a PDF, read by poppler (pdftotext, pdftoppm) ---------------------------------

LONG_LAB_NAME = (
    "Mission locale intercommunale de Saint-Denis, Pierrefitte et Villetaneuse — Lab numérique"
)
MM_TO_PT = 72 / 25.4


def pdf_page_image(content: bytes, dpi: int = 200) -> Image.Image:
    """The first page as poppler renders it."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "card.pdf"
        source.write_bytes(content)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), f"{folder}/page"],
            check=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return image.copy()


def pdf_words(content: bytes) -> list[tuple[str, float, float, float, float]]:
    """(word, x min, y min, x max, y max) in points, as ``pdftotext -bbox`` finds them."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = []
    for match in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
        out,
    ):
        x0, y0, x1, y1 = (float(value) for value in match.groups()[:4])
        words.append((html.unescape(match.group(5)), x0, y0, x1, y1))
    return words


def card_box_pt() -> tuple[float, float, float, float]:
    """The card on the A4 page: left, top, right, bottom in points."""
    left = (cards.A4_MM[0] - cards.CARD_MM[0]) / 2
    top = cards.CARD_TOP_MM
    return (
        left * MM_TO_PT,
        top * MM_TO_PT,
        (left + cards.CARD_MM[0]) * MM_TO_PT,
        (top + cards.CARD_MM[1]) * MM_TO_PT,
    )


def assert_within_the_card(words) -> None:
    left, top, right, bottom = card_box_pt()
    edge = 2 * MM_TO_PT  # no text nearer than 2 mm to the card's (rounded) edge
    for word, x0, y0, x1, y1 in words:
        assert left + edge <= x0 and x1 <= right - edge, f"{word!r} runs past the card's side"
        assert top + edge <= y0 and y1 <= bottom - edge, f"{word!r} runs past the card's edge"


async def test_the_pdf_card_has_real_text_within_the_card_and_a_qr_poppler_decodes(
    tmp_path, database_url, engine, cast
):
    settings = make_settings(tmp_path, database_url, lab_name=LONG_LAB_NAME)
    app = create_app(settings, engine=engine, pool=False, background_jobs=False)
    visitor = await make_visitor(cast.saint_denis, "Marie-Christine-Alexandra", "Lefèvre")
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        client.follow_redirects = False
        await login(client, cast.email("awa"))
        issued = await client.post(f"/visitors/{visitor.id}/pass")
        assert issued.status_code == 303
        page = await client.get(f"/visitors/{visitor.id}/pass")
        code = re.search(r'id="short-code">([A-Z0-9-]+)<', page.text).group(1)
        response = await client.get(f"/visitors/{visitor.id}/pass/card.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    words = pdf_words(response.content)
    text = " ".join(word for word, *_ in words)
    assert len(LONG_LAB_NAME) > 60 and LONG_LAB_NAME in text  # all of it, in reading order
    # The first name may break after a hyphen, never elsewhere.
    assert "Marie-Christine-Alexandra" in text.replace("- ", "-")
    assert code in text
    assert_within_the_card(words)
    url = decode(pdf_page_image(response.content))
    assert url.startswith(f"{BASE_URL}/p/")
    assert (await passes.resolve_token(passes.token_from_scan(url))).id == visitor.id


@pytest.mark.parametrize(
    "first_name",
    [
        "Yanis",
        "Ἀλέξανδρος",
        "Ольга",
        "Nguyễn Thị Minh Khai",
        "Łucja-Żaneta",
        "Oluwadamilolaoluwaseun",
    ],
)
def test_any_first_name_fits_the_card_in_full_or_wraps_inside_it(first_name):
    url = passes.pass_url("https://lab.example.org", "c" * 43)
    footer = "Montrez cette carte à l'accueil ou sur une tablette du lab."
    content = cards.card_pdf(cards.Card(LONG_LAB_NAME, first_name, url, "ABCD-EFGH", footer))
    words = pdf_words(content)
    assert_within_the_card(words)
    text = "".join(word for word, *_ in words)
    assert first_name.replace(" ", "") in text  # every letter is there, in a font that has it
    assert decode(pdf_page_image(content)) == url


def test_a_lab_name_too_long_for_three_lines_ends_with_an_ellipsis_inside_the_card():
    url = passes.pass_url("https://lab.example.org", "d" * 43)
    name = " ".join([LONG_LAB_NAME] * 4)
    content = cards.card_pdf(cards.Card(name, "Yanis", url, "ABCD-EFGH", "Montrez."))
    words = pdf_words(content)
    assert_within_the_card(words)
    assert any(word.endswith("…") for word, *_ in words)
    assert decode(pdf_page_image(content)) == url


def test_the_png_card_has_the_same_layout_as_the_pdf():
    url = passes.pass_url("https://lab.example.org", "e" * 43)
    card = cards.Card(LONG_LAB_NAME, "Marie-Christine-Alexandra", url, "ABCD-EFGH", "Montrez.")
    image = Image.open(io.BytesIO(cards.card_png(card)))
    assert image.size == cards.CARD_SIZE and image.info["dpi"] == pytest.approx(
        (300, 300), abs=0.01
    )
    assert decode(image) == url
    pdf_lines = cards.layout(card, cards._CardPdf().measure).blocks
    png_lines = cards.layout(card, cards._measure_png).blocks
    assert [block.lines for block in png_lines] == [block.lines for block in pdf_lines]


def test_a_scanned_url_or_a_bare_token_yields_the_token():
    token = "abcDEF123_-abcDEF123_-abcde"
    assert passes.token_from_scan(f"https://lab.example.org/p/{token}") == token
    assert passes.token_from_scan(f"  {token}\n") == token
    assert passes.token_from_scan("https://evil.example/<script>") is None
