"""Acceptance 2, end to end: a badge issued by a facilitator's validation, baked in a PNG. The
PNG's ``openbadgecredential`` chunk holds a credential that PyJWT (not joserfc, which signed it)
verifies with the key the issuer publishes; its Open Badges 3.0 fields are there; uploaded to
the verifier, the file reads valid, then revoked once the badge is revoked, and altered with one
byte of its credential changed."""

from __future__ import annotations

import io

import jwt
from PIL import Image

from lab.skills import badges, services
from lab.skills.forms import Assessment
from tests.helpers import csrf_token
from tests.personas import make_visitor

REQUIRED = ("@context", "id", "type", "issuer", "validFrom", "credentialSubject", "name")


async def _verdict(client, png: bytes) -> str:
    token = await csrf_token(client, "/badges/verify")
    answer = await client.post(
        "/badges/verify",
        headers={"x-csrftoken": token},
        files={"file": ("badge.png", png, "image/png")},
    )
    assert answer.status_code == 200
    found = answer.text.split('data-outcome="', 1)[1].split('"', 1)[0]
    return found


async def test_a_baked_png_badge_verifies_then_reads_revoked_then_altered(
    client, cast, practical_skills
):
    awa, julien = await cast.principal("awa"), await cast.principal("julien")
    yanis = await make_visitor(cast.saint_denis)
    recorded = await services.validate_at_desk(
        awa, yanis.id, Assessment(skill="phishing", level="on_my_own")
    )
    [public_id] = recorded.badges
    png = await badges.badge_png(awa, public_id)

    # The chunk, read with Pillow: the compact JWS as issued.
    jws = Image.open(io.BytesIO(png)).text["openbadgecredential"]
    published = {key["kid"]: key for key in (await client.get("/badges/keys.json")).json()["keys"]}
    key = jwt.PyJWK(published[jwt.get_unverified_header(jws)["kid"]])
    credential = jwt.decode(jws, key=key, algorithms=["EdDSA"], options={"verify_aud": False})
    assert all(field in credential for field in REQUIRED)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["type"] == ["AchievementSubject"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["criteria"]["narrative"]
    assert {target["targetFramework"] for target in achievement["alignment"]} >= {"DigComp 2.2"}
    assert credential["credentialStatus"]["statusListCredential"].endswith("/badges/status/1")
    assert await _verdict(client, png) == "valid"

    await services.revoke_badge(julien, public_id, "Délivré par erreur")
    assert await _verdict(client, png) == "revoked"  # the same file

    at = png.index(jws.encode()) + len(jws) // 3  # a byte inside the payload
    other = b"B" if png[at : at + 1] == b"A" else b"A"  # still a base64url letter
    changed = png[:at] + other + png[at + 1 :]
    assert await _verdict(client, changed) == "altered"
