"""The issuer's signing keys: on disk, encrypted, 0600, rotated without breaking old badges."""

from __future__ import annotations

import stat

import jwt
import pytest

from lab.skills import keys

SECRET = "s" * 40


def test_first_use_generates_one_encrypted_private_key_file_readable_by_its_owner_only(tmp_path):
    ring = keys.KeyRing(tmp_path / "badge-keys", SECRET)
    kid, _private = ring.active_key()
    path = tmp_path / "badge-keys" / f"{kid}.pem"
    pem = path.read_bytes()
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in pem
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "badge-keys" / keys.MANIFEST).stat().st_mode) == 0o600
    # The same directory read again gives the same key, not a new one.
    assert keys.KeyRing(tmp_path / "badge-keys", SECRET).active_kid() == kid


def test_the_kid_is_the_rfc7638_thumbprint_and_the_published_key_verifies_with_pyjwt(tmp_path):
    ring = keys.KeyRing(tmp_path, SECRET)
    kid, token = ring.sign({"hello": "world"})
    jwk = ring.public_jwks()["keys"][0]
    assert jwk["kid"] == kid
    assert set(jwk) >= {"kty", "crv", "x", "kid", "alg"}
    assert "d" not in jwk  # never the private part
    public = jwt.PyJWK(jwk)
    assert jwt.decode(token, public.key, algorithms=["EdDSA"]) == {"hello": "world"}
    assert jwt.get_unverified_header(token)["kid"] == kid


def test_a_wrong_secret_cannot_read_the_keys(tmp_path):
    keys.KeyRing(tmp_path, SECRET).active_key()
    with pytest.raises(keys.BadgeKeyError) as error:
        keys.KeyRing(tmp_path, "t" * 40).active_key()
    assert error.value.code == "badge_keys_unreadable"


def test_rotation_retires_the_old_key_and_keeps_it_published(tmp_path):
    ring = keys.KeyRing(tmp_path, SECRET)
    old_kid, old_token = ring.sign({"n": 1})
    new_kid = ring.rotate()
    assert new_kid != old_kid
    assert ring.active_kid() == new_kid
    kid, _token = ring.sign({"n": 2})
    assert kid == new_kid
    published = {jwk["kid"]: jwk for jwk in ring.public_jwks()["keys"]}
    assert set(published) == {old_kid, new_kid}
    assert "retired" in published[old_kid] and "retired" not in published[new_kid]
    old_public = jwt.PyJWK(published[old_kid]).key
    assert jwt.decode(old_token, old_public, algorithms=["EdDSA"]) == {"n": 1}
