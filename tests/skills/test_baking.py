"""Badges baked in PNG and SVG: bake, unbake, verify; edited, broken, hostile or huge files read
"malformed" (or "altered" when the credential itself was edited), never an exception."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from lab.skills import baking, credentials, keys, verify
from lab.skills.config import Issuer

SECRET = "s" * 40
PICTURE = baking.Picture("Envoyer une pièce jointe à un courriel", "Lab — Mission locale")


@pytest.fixture
def issuer(tmp_path):
    return Issuer("Lab — Mission locale", "https://lab.example", tmp_path / "keys", SECRET)


@pytest.fixture
def ring(issuer):
    return keys.KeyRing(issuer.key_dir, issuer.secret)


@pytest.fixture
def token(issuer, ring):
    award = credentials.Award(
        public_id="b1",
        name=PICTURE.title,
        description="Joindre un fichier et l'envoyer.",
        criteria="Vu par une animatrice.",
        alignments=[credentials.Target("digcomp", "2.2", "2.1", "Interagir")],
        recipient="https://lab.example/visitors/3",
        recipient_type="systemId",
        salt="00ff",
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        status_index=7,
    )
    return credentials.sign(award, issuer, ring)[1]


def check(data, ring, revoked=frozenset()):
    return verify.verify_file(
        data,
        ring.public_jwks(),
        lambda index: index in revoked,
        "https://lab.example/badges/issuer",
    )


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --- PNG ---------------------------------------------------------------------------------------


def test_the_generated_badge_is_a_real_png_with_its_title_as_alt_text():
    png = baking.picture_png(PICTURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.size == (512, 512)
    assert image.info.get("Title") == PICTURE.title


def test_bake_unbake_verify_a_png(token, ring):
    png = baking.bake_png(token, PICTURE)
    assert baking.unbake_png(png) == token
    # Still an image every viewer opens, with exactly one credential chunk.
    Image.open(io.BytesIO(png)).load()
    assert png.count(b"iTXtopenbadgecredential\x00") == 1
    verdict = check(png, ring)
    assert verdict.outcome == verify.VALID
    assert verdict.credential["credentialSubject"]["achievement"]["name"] == PICTURE.title


def test_baking_again_replaces_the_credential(token, ring):
    once = baking.bake_png("x.y.z", PICTURE)
    twice = baking.bake_png(token, once)
    assert baking.unbake_png(twice) == token
    assert twice.count(b"openbadgecredential") == 1


def test_a_compressed_itxt_chunk_is_read_too(token):
    plain = baking.picture_png(PICTURE)
    body = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(token.encode())
    png = plain[:-12] + chunk(b"iTXt", body) + plain[-12:]
    assert baking.unbake_png(png) == token


def test_a_revoked_png_badge_reads_revoked(token, ring):
    assert check(baking.bake_png(token, PICTURE), ring, revoked={7}).outcome == verify.REVOKED


def test_one_byte_of_the_credential_changed_in_the_png_reads_altered(token, ring):
    png = baking.bake_png(token, PICTURE)
    payload_start = png.index(token.encode()) + token.index(".") + 1
    for offset in (0, 17, 200):
        position = payload_start + offset
        edited = bytearray(png)
        edited[position] = ord("A") if edited[position] != ord("A") else ord("B")
        # Edited as with a hex editor: the chunk's CRC no longer matches, and still "altered".
        assert check(bytes(edited), ring).outcome == verify.ALTERED


def test_a_badge_from_another_issuer_reads_foreign(token, issuer, tmp_path):
    other = keys.KeyRing(tmp_path / "other", SECRET)
    assert check(baking.bake_png(token, PICTURE), other).outcome == verify.FOREIGN


def _bomb_text_chunk() -> bytes:
    return b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b"a" * 50_000_000)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty", b"", "not_a_jws"),
        ("garbage", b"\x00\x01\x02 garbage \xff", "not_a_jws"),
        ("signature only", baking.PNG_SIGNATURE, "truncated"),
        ("truncated", baking.picture_png(PICTURE)[:300], "truncated"),
        ("no credential", baking.picture_png(PICTURE), "no_credential"),
        ("huge", baking.PNG_SIGNATURE + b"\x00" * (baking.MAX_FILE + 1), "too_large"),
        (
            "chunk claiming 4 GiB",
            baking.PNG_SIGNATURE + b"\xff\xff\xff\xfeIHDR" + b"\x00" * 20,
            "bad_chunk",
        ),
        (
            "no IHDR first",
            baking.PNG_SIGNATURE + chunk(b"tEXt", b"a\x00b") + chunk(b"IEND", b""),
            "bad_chunk",
        ),
        (
            "a compression bomb",
            baking.picture_png(PICTURE)[:-12]
            + chunk(b"iTXt", _bomb_text_chunk())
            + baking.picture_png(PICTURE)[-12:],
            "bad_credential",
        ),
        (
            "credential not utf-8",
            baking.picture_png(PICTURE)[:-12]
            + chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00\xff\xfe")
            + baking.picture_png(PICTURE)[-12:],
            "bad_credential",
        ),
        (
            "credential not a jws",
            baking.bake_png("hello", PICTURE),
            "not_a_jws",
        ),
    ],
)
def test_broken_or_hostile_png_reads_malformed_without_an_exception(ring, name, data, reason):
    verdict = check(data, ring)
    assert verdict.outcome == verify.MALFORMED, name
    assert verdict.reason == reason, name


def test_unbake_raises_only_its_own_error_with_a_code():
    with pytest.raises(baking.BakingError) as error:
        baking.unbake(b"GIF89a...")
    assert error.value.code == "not_png"


def test_a_png_claiming_enormous_dimensions_is_never_decoded(token, ring):
    # IHDR says 100000 x 100000: reading the credential must not touch the pixels.
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    png = baking.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
    baked = baking.bake_png(token, png)
    assert check(baked, ring).outcome == verify.VALID


# --- SVG ---------------------------------------------------------------------------------------


def test_bake_unbake_verify_an_svg(token, ring):
    svg = baking.bake_svg(token, PICTURE)
    text = svg.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    assert f"<openbadges:credential><![CDATA[{token}]]></openbadges:credential>" in text
    assert "<title" in text and 'role="img"' in text
    assert baking.unbake_svg(svg) == token
    assert check(svg, ring).outcome == verify.VALID
    assert check(svg, ring, revoked={7}).outcome == verify.REVOKED


def test_names_with_markup_are_escaped_in_the_svg(token):
    svg = baking.bake_svg(token, baking.Picture("<script>alert(1)</script> & co", "Lab"))
    assert b"<script>" not in svg
    assert baking.unbake_svg(svg) == token


def test_an_svg_credential_edited_by_one_byte_reads_altered(token, ring):
    svg = baking.bake_svg(token, PICTURE)
    position = svg.index(token.encode()) + token.index(".") + 5
    edited = bytearray(svg)
    edited[position] = ord("A") if edited[position] != ord("A") else ord("B")
    assert check(bytes(edited), ring).outcome == verify.ALTERED


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&c;</openbadges:credential></svg>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&secret;</openbadges:credential></svg>"""


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("entity expansion", BILLION_LAUGHS, "forbidden_xml"),
        ("external entity", EXTERNAL_ENTITY, "forbidden_xml"),
        ("not well-formed", b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "not_svg"),
        ("not svg", b"<html><body>hi</body></html>", "not_svg"),
        (
            "no credential",
            b"<svg xmlns='http://www.w3.org/2000/svg'><title>x</title></svg>",
            "no_credential",
        ),
        (
            "wrong namespace",
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='https://openbadges.org/'>"
            b"<openbadges:credential>a.b.c</openbadges:credential></svg>",
            "no_credential",
        ),
        ("huge", b"<svg>" + b" " * (baking.MAX_FILE + 1) + b"</svg>", "too_large"),
        (
            "credential too long",
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='https://purl.imsglobal.org/ob/v3p0'>"
            b"<openbadges:credential>"
            + b"a" * (baking.MAX_CREDENTIAL + 1)
            + b"</openbadges:credential></svg>",
            "bad_credential",
        ),
        ("deep nesting", b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<g>" * 100_000, "not_svg"),
    ],
)
def test_hostile_or_broken_svg_reads_malformed_without_an_exception(ring, name, data, reason):
    verdict = check(data, ring)
    assert verdict.outcome == verify.MALFORMED, name
    assert verdict.reason == reason, name


def test_a_raw_jws_file_is_verified_too(token, ring):
    assert check(token.encode() + b"\n", ring).outcome == verify.VALID


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from([b"", baking.PNG_SIGNATURE, b"<svg", b"<?xml version='1.0'?><svg"]),
    body=st.binary(max_size=2000),
)
def test_any_bytes_give_a_verdict_never_an_exception(ring, prefix, body):
    assert check(prefix + body, ring).outcome in verify.OUTCOMES


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_baked_png_damaged_anywhere_gives_a_verdict_never_an_exception(token, ring, data):
    png = bytearray(baking.bake_png(token, PICTURE))
    position = data.draw(st.integers(min_value=0, max_value=len(png) - 1))
    png[position] = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda b: b != png[position])
    )
    cut = data.draw(st.integers(min_value=1, max_value=len(png)))
    verdict = check(bytes(png[:cut]), ring)
    assert verdict.outcome in verify.OUTCOMES
    # Whatever the damage, it never passes for a valid badge unless it missed the credential.
    if verdict.outcome == verify.VALID:
        assert baking.unbake_png(bytes(png[:cut])) == token
