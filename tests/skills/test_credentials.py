"""An OpenBadgeCredential: every field Open Badges 3.0 asks for, the e-mail never in it, signed
with joserfc and verified by another JOSE library (PyJWT) with the published key. Then the
verifier's verdicts on raw JWS."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import jwt
import pytest

from lab.skills import credentials, keys, verify
from lab.skills.config import Issuer

SECRET = "s" * 40
ISSUED = datetime(2026, 12, 1, 9, 30, 12, 345, tzinfo=UTC)


@pytest.fixture
def issuer(tmp_path):
    return Issuer("Lab — Mission locale", "https://lab.example", tmp_path / "badge-keys", SECRET)


@pytest.fixture
def ring(issuer):
    return keys.KeyRing(issuer.key_dir, issuer.secret)


def award(**changes):
    values = {
        "public_id": "0b8f4c52-6a1e-4d3e-9f0a-5c1d2e3f4a5b",
        "name": "Envoyer une pièce jointe",
        "description": "Joindre un fichier à un courriel et l'envoyer.",
        "criteria": "Une animatrice a vu la personne le faire seule.",
        "alignments": [
            credentials.Target("digcomp", "2.2", "2.1", "Interagir par les technologies", 2),
            credentials.Target("pix", "1", "2.1", "Interagir"),
        ],
        "recipient": "Camille@Example.org",
        "recipient_type": "emailAddress",
        "salt": "a1b2c3",
        "issued_at": ISSUED,
        "status_index": 42,
        "image": "https://lab.example/badges/0b8f4c52-6a1e-4d3e-9f0a-5c1d2e3f4a5b.png",
        "skill": "attachment",
    }
    values.update(changes)
    return credentials.Award(**values)


def test_the_credential_has_every_field_open_badges_3_requires(issuer):
    credential = credentials.build(award(), issuer)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == "https://lab.example/badges/0b8f4c52-6a1e-4d3e-9f0a-5c1d2e3f4a5b"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": "https://lab.example/badges/issuer",
        "type": ["Profile"],
        "name": "Lab — Mission locale",
        "url": "https://lab.example",
    }
    assert credential["validFrom"] == "2026-12-01T09:30:12Z"
    assert credential["name"] == "Envoyer une pièce jointe"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["id"] == "https://lab.example/badges/skills/attachment"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Envoyer une pièce jointe"
    assert achievement["description"].startswith("Joindre")
    assert achievement["criteria"] == {
        "narrative": "Une animatrice a vu la personne le faire seule."
    }
    assert achievement["image"]["type"] == "Image"
    digcomp, pix = achievement["alignment"]
    assert digcomp == {
        "type": ["Alignment"],
        "targetName": "Interagir par les technologies",
        "targetFramework": "DigComp 2.2",
        "targetCode": "2.1",
        "targetUrl": "https://publications.jrc.ec.europa.eu/repository/handle/JRC128415",
    }
    assert pix["targetFramework"] == "Pix 1" and pix["targetUrl"].startswith("https://pix.fr")
    assert credential["credentialStatus"] == {
        "id": "https://lab.example/badges/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://lab.example/badges/status/1",
    }


def test_the_recipient_is_a_salted_hash_and_the_e_mail_never_appears(issuer, ring):
    credential = credentials.build(award(), issuer)
    (identity,) = credential["credentialSubject"]["identifier"]
    expected = "sha256$" + hashlib.sha256(b"camille@example.orga1b2c3").hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": expected,
        "identityType": "emailAddress",
        "salt": "a1b2c3",
    }
    _kid, token = credentials.sign(award(), issuer, ring)
    payload = token.split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "camille" not in decoded.lower() and "example.org" not in decoded


def test_a_visitor_without_e_mail_is_named_by_a_system_id(issuer):
    credential = credentials.build(
        award(recipient="https://lab.example/visitors/7", recipient_type="systemId"), issuer
    )
    assert credential["credentialSubject"]["identifier"][0]["identityType"] == "systemId"


def test_signed_by_joserfc_verified_by_pyjwt_with_the_published_key(issuer, ring):
    kid, token = credentials.sign(award(), issuer, ring)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == kid and header["typ"] == "JWT"
    (published,) = [k for k in ring.public_jwks()["keys"] if k["kid"] == kid]
    payload = jwt.decode(
        token,
        jwt.PyJWK(published).key,
        algorithms=["EdDSA"],
        issuer="https://lab.example/badges/issuer",
        options={"require": ["iss", "jti", "sub", "nbf"]},
    )
    assert payload["jti"] == payload["id"]
    assert payload["sub"] == payload["credentialSubject"]["identifier"][0]["identityHash"]
    assert payload["nbf"] == int(datetime(2026, 12, 1, 9, 30, 12, tzinfo=UTC).timestamp())
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def check(token, ring, revoked=frozenset(), issuer_id="https://lab.example/badges/issuer"):
    return verify.verify(token, ring.public_jwks(), lambda index: index in revoked, issuer_id)


def test_a_fresh_badge_is_valid_and_shows_its_credential(issuer, ring):
    kid, token = credentials.sign(award(), issuer, ring)
    verdict = check(token, ring)
    assert verdict.outcome == verify.VALID and verdict.kid == kid
    assert verdict.credential["name"] == "Envoyer une pièce jointe"
    assert "iss" not in verdict.credential


def test_its_status_bit_set_makes_it_revoked(issuer, ring):
    _kid, token = credentials.sign(award(), issuer, ring)
    assert check(token, ring, revoked={42}).outcome == verify.REVOKED
    assert check(token, ring, revoked={41, 43}).outcome == verify.VALID


def test_an_unreadable_status_leaves_it_valid_but_says_so(issuer, ring):
    _kid, token = credentials.sign(award(), issuer, ring)
    verdict = verify.verify(token, ring.public_jwks(), lambda index: None, issuer.profile_url)
    assert verdict.outcome == verify.VALID and not verdict.status_known


def test_one_byte_changed_anywhere_in_the_payload_or_signature_reads_altered(issuer, ring):
    _kid, token = credentials.sign(award(), issuer, ring)
    start = token.index(".") + 1
    for position in range(start, len(token)):
        if token[position] == ".":
            continue
        for replacement in "ABQg":
            if token[position] != replacement:
                edited = token[:position] + replacement + token[position + 1 :]
                assert check(edited, ring).outcome == verify.ALTERED, (position, replacement)


def test_a_changed_claim_re_encoded_reads_altered(issuer, ring):
    _kid, token = credentials.sign(award(), issuer, ring)
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["credentialSubject"]["achievement"]["name"] = "Piloter un avion"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    assert check(f"{header}.{forged}.{signature}", ring).outcome == verify.ALTERED


def test_another_issuers_key_reads_foreign(issuer, ring, tmp_path):
    impostor = keys.KeyRing(tmp_path / "elsewhere", SECRET)
    _kid, token = credentials.sign(award(), issuer, impostor)
    assert check(token, ring).outcome == verify.FOREIGN


def test_a_header_carrying_the_signers_own_key_is_not_trusted(issuer, ring, tmp_path):
    impostor = keys.KeyRing(tmp_path / "elsewhere", SECRET)
    _kid, token = credentials.sign(award(), issuer, impostor)
    assert "jwk" in jwt.get_unverified_header(token)
    assert check(token, ring).outcome == verify.FOREIGN


def test_a_badge_of_another_issuer_signed_with_a_known_key_reads_foreign(issuer, ring):
    _kid, token = credentials.sign(award(), issuer, ring)
    assert (
        check(token, ring, issuer_id="https://other.example/badges/issuer").outcome
        == verify.FOREIGN
    )


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b", "a.b.c.d", "!!!.e30.AAAA", "e30.e30.AAAA", "x" * 1_000_000, "é.é.é"],
)
def test_what_is_not_a_jws_reads_malformed(ring, token):
    assert check(token, ring).outcome == verify.MALFORMED


def test_a_badge_signed_before_a_rotation_still_verifies_and_new_ones_use_the_new_kid(issuer, ring):
    old_kid, old_token = credentials.sign(award(), issuer, ring)
    new_kid = ring.rotate()
    new_kid_used, new_token = credentials.sign(award(status_index=43), issuer, ring)
    assert new_kid_used == new_kid != old_kid
    assert check(old_token, ring).outcome == verify.VALID
    assert check(new_token, ring).outcome == verify.VALID
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
