"""The public side of badges: the verification page and its JSON, the image, the issuer's
profile, keys and status list, and the verifier anyone can upload a badge to. No login."""

from __future__ import annotations

import base64
import json
import re

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.skills import badges, baking, services, statuslist
from lab.skills.forms import Assessment
from lab.skills.tables import Badge, FrameworkEntry
from tests.helpers import csrf_token
from tests.personas import make_visitor

VISITOR_EMAIL = "yanis.martin@example.test"


@pytest.fixture
async def issued(cast, practical_skills):
    """Yanis's badge for "email-use" (DigComp 2.1, whose entries the migrations load), validated
    at the desk by Awa: (public id, the visitor)."""
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, email=VISITOR_EMAIL)
    recorded = await services.validate_at_desk(
        awa, yanis.id, Assessment(skill="email-use", level="on_my_own")
    )
    [public_id] = recorded.badges
    return public_id, yanis


async def _verify(client, **kwargs):
    token = await csrf_token(client, "/badges/verify")
    return await client.post("/badges/verify", headers={"x-csrftoken": token}, **kwargs)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _altered(jws: str) -> str:
    """One character changed in the middle of the payload (still base64url)."""
    header, payload, signature = jws.split(".")
    middle = len(payload) // 2
    swapped = "B" if payload[middle] != "B" else "C"
    return ".".join([header, payload[:middle] + swapped + payload[middle + 1 :], signature])


async def test_the_verification_page_says_valid_and_nothing_about_the_person(client, issued):
    public_id, yanis = issued
    page = await client.get(f"/badges/{public_id}", headers={"accept-language": "fr"})
    assert page.status_code == 200
    assert 'data-outcome="valid"' in page.text
    assert "Badge valable" in page.text
    assert "Lire et envoyer un e-mail" in page.text  # the skill's name as issued
    label = (
        await FrameworkEntry.select(FrameworkEntry.label_fr)
        .where((FrameworkEntry.framework == "digcomp") & (FrameworkEntry.code == "2.1"))
        .first()
    )
    assert f"DigComp 2.2 2.1\u00a0: {label['label_fr']}" in page.text
    assert "empreinte (hachage) de son identité" in page.text
    for personal in (yanis.first_name, yanis.last_name, VISITOR_EMAIL, "yanis"):
        assert personal.lower() not in page.text.lower()
    # In the reader's language.
    english = await client.get(f"/badges/{public_id}", headers={"accept-language": "en"})
    assert '<html lang="en">' in english.text


async def test_a_revoked_badge_says_so_with_its_date_and_sets_its_bit(client, cast, issued):
    public_id, _yanis = issued
    julien = await cast.principal("julien")
    await services.revoke_badge(julien, public_id, "given by mistake")

    page = await client.get(f"/badges/{public_id}")
    assert 'data-outcome="revoked"' in page.text and "Badge retiré" in page.text
    assert "retiré le" in page.text
    assert "given by mistake" not in page.text  # the reason stays with the staff

    machine = await client.get(f"/badges/{public_id}.json")
    assert machine.json()["outcome"] == "revoked"

    listed = await client.get("/badges/status/1")
    assert listed.status_code == 200
    assert listed.headers["content-type"].startswith("application/vc+jwt")
    jwks = (await client.get("/badges/keys.json")).json()
    kid = jwt.get_unverified_header(listed.text)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
    claims = jwt.decode(listed.text, key=key, algorithms=["EdDSA"], options={"verify_aud": False})
    encoded = claims["credentialSubject"]["encodedList"]
    index = (await Badge.objects().get(Badge.public_id == public_id)).status_index
    assert statuslist.revoked_in(encoded, index)
    assert not statuslist.revoked_in(encoded, index + 1)


async def test_unknown_badges_and_other_status_lists_are_404(client, issued):
    page = await client.get(
        "/badges/00000000-0000-4000-8000-000000000000", headers={"accept-language": "nl"}
    )
    assert page.status_code == 404 and '<html lang="nl">' in page.text
    assert 'data-outcome="unknown"' in page.text
    assert (await client.get("/badges/not-a-badge")).status_code == 404
    assert (await client.get("/badges/status/2")).status_code == 404
    machine = await client.get(
        "/badges/00000000-0000-4000-8000-000000000000", headers={"accept": "application/json"}
    )
    assert machine.status_code == 404 and machine.json()["outcome"] == "unknown"


async def test_the_json_carries_the_credential_that_another_library_verifies(client, issued):
    """PyJWT (not joserfc, which signed it) checks the credential against the published keys."""
    public_id, _yanis = issued
    answer = await client.get(f"/badges/{public_id}", headers={"accept": "application/json"})
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["outcome"] == "valid"
    jws = body["credential"]
    assert (await client.get(f"/badges/{public_id}.json")).json()["credential"] == jws

    jwks = await client.get("/badges/keys.json")
    assert jwks.status_code == 200
    kid = jwt.get_unverified_header(jws)["kid"]
    published = {key["kid"]: key for key in jwks.json()["keys"]}
    assert kid in published and "d" not in published[kid]  # public only
    claims = jwt.decode(
        jws, key=jwt.PyJWK(published[kid]), algorithms=["EdDSA"], options={"verify_aud": False}
    )
    assert claims["id"] == badges.verification_url(public_id)
    assert claims["credentialSubject"]["identifier"][0]["hashed"] is True
    assert VISITOR_EMAIL not in json.dumps(claims)

    profile = await client.get("/badges/issuer")
    assert profile.headers["content-type"].startswith("application/ld+json")
    assert profile.json()["id"] == claims["iss"]


async def test_the_image_is_the_plain_picture_and_cacheable(client, issued):
    public_id, _yanis = issued
    image = await client.get(f"/badges/{public_id}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(baking.PNG_SIGNATURE)
    assert "max-age" in image.headers["cache-control"]
    with pytest.raises(baking.BakingError) as plain:
        baking.unbake(image.content)
    assert plain.value.code == "no_credential"


async def test_the_verifier_reads_a_baked_badge_and_spots_changes(client, cast, issued):
    public_id, _yanis = issued
    form = await client.get("/badges/verify")
    assert form.status_code == 200 and 'name="file"' in form.text
    awa = await cast.principal("awa")
    baked = await badges.badge_png(awa, public_id)

    valid = await _verify(client, files={"file": ("badge.png", baked, "image/png")})
    assert valid.status_code == 200
    assert 'data-outcome="valid"' in valid.text and "Lire et envoyer un e-mail" in valid.text

    jws = (await Badge.objects().get(Badge.public_id == public_id)).credential
    pasted = await _verify(client, data={"credential": jws})
    assert 'data-outcome="valid"' in pasted.text
    # As a browser sends it: the file input left empty is an empty part, the text counts.
    pasted = await _verify(
        client, data={"credential": jws}, files={"file": ("", b"", "application/octet-stream")}
    )
    assert 'data-outcome="valid"' in pasted.text

    altered = await _verify(client, data={"credential": _altered(jws)})
    assert 'data-outcome="altered"' in altered.text and "modifié" in altered.text
    assert "Lire et envoyer un e-mail" not in altered.text

    tampered_png = baking.bake_png(
        _altered(jws), baking.Picture("Lire et envoyer un e-mail", "Lab")
    )
    tampered = await _verify(client, files={"file": ("badge.png", tampered_png, "image/png")})
    assert 'data-outcome="altered"' in tampered.text


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (("notes.txt", b"hello, this is not a badge", "text/plain"), "Ce n'est pas un badge"),
        (("broken.png", baking.PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDR", "image/png"), "PNG ou SVG"),
        (
            ("plain.png", baking.picture_png(baking.Picture("x", "y")), "image/png"),
            "ne contient pas",
        ),
        (("bad.svg", b"<svg><unclosed", "image/svg+xml"), "Ce n'est pas un badge"),
    ],
)
async def test_what_is_not_a_badge_gets_a_clear_answer_never_an_error(client, issued, upload, said):
    answer = await _verify(client, files={"file": upload})
    assert answer.status_code == 200
    assert 'data-outcome="malformed"' in answer.text and said in answer.text


async def test_empty_huge_foreign_and_extra_files_are_answered_clearly(client, issued):
    empty = await _verify(client, files={"file": ("empty.png", b"", "image/png")})
    assert empty.status_code == 422 and "Choisissez un fichier" in empty.text
    nothing = await _verify(client, data={"credential": "   "})
    assert nothing.status_code == 422

    huge = await _verify(
        client, files={"file": ("huge.png", b"x" * (baking.MAX_FILE + 1), "image/png")}
    )
    assert huge.status_code == 413 and "trop gros" in huge.text

    # Signed with a key this lab never published: not from this lab.
    stranger = Ed25519PrivateKey.generate()
    header = _b64(json.dumps({"alg": "EdDSA", "kid": "someone-else"}).encode())
    signing_input = header + "." + _b64(b"{}")
    forged = f"{signing_input}.{_b64(stranger.sign(signing_input.encode()))}"
    foreign = await _verify(client, data={"credential": forged})
    assert 'data-outcome="foreign"' in foreign.text and "autre organisme" in foreign.text

    # Only the verifier takes a file, and only one, named "file".
    two = await _verify(
        client,
        files=[("file", ("a.png", b"a", "image/png")), ("file", ("b.png", b"b", "image/png"))],
    )
    assert two.status_code == 422
    other_name = await _verify(client, files={"picture": ("a.png", b"a", "image/png")})
    assert other_name.status_code == 422
    token = await csrf_token(client, "/badges/verify")
    elsewhere = await client.post(
        "/language",
        headers={"x-csrftoken": token},
        files={"file": ("a.png", b"a", "image/png")},
    )
    assert elsewhere.status_code == 422


async def test_the_verifier_needs_the_csrf_token_its_form_carries(client, issued):
    public_id, _yanis = issued
    form = await client.get("/badges/verify")
    refused = await client.post("/badges/verify", data={"credential": "x"})
    assert refused.status_code == 403
    # As the page's form sends it: the token in a field of the multipart body.
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    jws = (await Badge.objects().get(Badge.public_id == public_id)).credential
    sent = await client.post(
        "/badges/verify",
        data={"_csrf_token": token, "credential": jws},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert sent.status_code == 200 and 'data-outcome="valid"' in sent.text
