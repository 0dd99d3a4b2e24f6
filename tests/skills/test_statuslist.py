"""The revocation list: a W3C Bitstring Status List of 131,072 entries, gzip then base64url."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.skills import keys, statuslist
from lab.skills.config import Issuer


def test_an_empty_list_is_16_kib_of_zeros_gzipped_in_multibase_base64url():
    encoded = statuslist.BitString().encode()
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(16384)


def test_bit_zero_is_the_leftmost_bit_of_the_first_byte():
    bits = statuslist.BitString()
    bits.set(0)
    bits.set(9)
    assert bits.data[0] == 0b1000_0000 and bits.data[1] == 0b0100_0000
    bits.set(0, False)
    assert not bits.get(0) and bits.get(9)


@given(st.sets(st.integers(min_value=0, max_value=statuslist.SIZE - 1), max_size=50))
def test_encode_then_decode_keeps_exactly_the_set_bits(revoked):
    decoded = statuslist.BitString.decode(statuslist.bitstring(revoked).encode())
    assert {i for i in range(statuslist.SIZE) if decoded.get(i)} == revoked


@pytest.mark.parametrize(
    "encoded",
    [
        "u!!!!",
        "u" + base64.urlsafe_b64encode(b"not gzip").decode(),
        # mtime=0: the same bytes, so the same test ids, in every test worker.
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100), mtime=0)).decode(),  # too short
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(10_000_000), mtime=0)).decode(),  # bomb
    ],
    ids=["not-base64url", "not-gzip", "too-short", "gzip-bomb"],
)
def test_unreadable_lists_raise_the_status_list_error(encoded):
    with pytest.raises(statuslist.StatusListError):
        statuslist.BitString.decode(encoded)


def test_an_index_out_of_range_is_refused():
    with pytest.raises(IndexError):
        statuslist.BitString().set(statuslist.SIZE)


def test_the_signed_status_list_credential(tmp_path):
    issuer = Issuer("Lab", "https://lab.example", tmp_path, "s" * 40)
    ring = keys.KeyRing(tmp_path, "s" * 40)
    now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    token = statuslist.sign({5, 77}, issuer, ring, now=now)
    public = jwt.PyJWK(ring.public_jwks()["keys"][0]).key
    payload = jwt.decode(token, public, algorithms=["EdDSA"])
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == "https://lab.example/badges/status/1"
    assert payload["iss"] == "https://lab.example/badges/issuer"
    assert payload["validFrom"] == "2026-12-04T10:00:00Z"
    subject = payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert statuslist.revoked_in(subject["encodedList"], 77)
    assert not statuslist.revoked_in(subject["encodedList"], 76)
