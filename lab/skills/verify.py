"""What a verifier says of a credential: valid, revoked, altered, foreign or malformed.

The order of the checks decides the words, so it is fixed:

1. The JWS must be three base64url parts whose header is JSON naming ``alg`` EdDSA and a
   ``kid``; otherwise **malformed** (a byte changed inside the header lands here, or in 2).
2. The kid must be one of the issuer's published keys (retired ones included); otherwise
   **foreign**. The ``jwk`` a header may carry is never trusted: anyone can sign with a key
   of their own and put it there.
3. The signature must verify over the header and payload exactly as received; otherwise
   **altered**. This comes before the payload is even decoded, so one byte changed anywhere in
   the payload or the signature reads "altered", even when the payload no longer decodes.
4. The signed payload must be an OpenBadgeCredential naming ``expected_issuer`` (the claim
   ``iss`` and the credential's issuer); a payload that is not one is **malformed**, another
   issuer is **foreign**.
5. ``status(index)`` says whether the credential's status-list bit is set: **revoked**;
   otherwise **valid**. None (the list cannot be read) leaves it valid, with ``status_known``
   False for the page to say so.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lab.skills import baking

VALID = "valid"
REVOKED = "revoked"
ALTERED = "altered"
FOREIGN = "foreign"
MALFORMED = "malformed"
OUTCOMES = (VALID, REVOKED, ALTERED, FOREIGN, MALFORMED)

MAX_JWS = baking.MAX_CREDENTIAL
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # one of OUTCOMES
    # The credential (without the JWT's registered claims) once its signature verified: shown
    # to the person checking, even when revoked or from an unexpected issuer.
    credential: dict | None = None
    kid: str | None = None
    reason: str = ""  # a stable code saying why, for logs and tests (e.g. "bad_signature")
    status_known: bool = True

    @property
    def valid(self) -> bool:
        return self.outcome == VALID


def _decode(part: str) -> bytes | None:
    if not _BASE64URL.fullmatch(part) or len(part) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    # Canonical only: the unused low bits of the last character must be zero, or two texts
    # would carry the same signature and a changed character could go unnoticed.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
        return None
    return raw


def _json_object(part: str) -> dict | None:
    raw = _decode(part)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _public_key(jwks: dict, kid: str) -> Ed25519PublicKey | None:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in keys if isinstance(keys, list) else ():
        if not isinstance(jwk, dict) or jwk.get("kid") != kid:
            continue
        if (
            jwk.get("kty") != "OKP"
            or jwk.get("crv") != "Ed25519"
            or not isinstance(jwk.get("x"), str)
        ):
            return None
        raw = _decode(jwk["x"])
        if raw is None or len(raw) != 32:
            return None
        return Ed25519PublicKey.from_public_bytes(raw)
    return None


def _status_index(credential: dict) -> int | None:
    status = credential.get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        return None
    index = status.get("statusListIndex")
    if isinstance(index, str) and index.isdigit() and len(index) < 10:
        return int(index)
    return None


def verify(
    jws: str, jwks: dict, status: Callable[[int], bool | None], expected_issuer: str
) -> Verdict:
    """The verdict on a compact JWS. ``jwks``: the issuer's published key set; ``status``: is
    this status-list index revoked (None: unknown); ``expected_issuer``: the issuer profile id."""
    if not isinstance(jws, str) or len(jws) > MAX_JWS:
        return Verdict(MALFORMED, reason="not_a_jws")
    parts = jws.strip().split(".")
    if len(parts) != 3:
        return Verdict(MALFORMED, reason="not_a_jws")
    header = _json_object(parts[0])
    if header is None or header.get("alg") != "EdDSA" or not isinstance(header.get("kid"), str):
        return Verdict(MALFORMED, reason="bad_header")
    kid = header["kid"]
    key = _public_key(jwks, kid)
    if key is None:
        return Verdict(FOREIGN, kid=kid, reason="unknown_key")
    signature = _decode(parts[2])
    if signature is None or len(signature) != 64:
        return Verdict(ALTERED, kid=kid, reason="bad_signature")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        return Verdict(ALTERED, kid=kid, reason="bad_signature")
    payload = _json_object(parts[1])
    if payload is None:
        return Verdict(MALFORMED, kid=kid, reason="bad_payload")
    credential = {name: value for name, value in payload.items() if name not in REGISTERED_CLAIMS}
    types = credential.get("type")
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if (
        not isinstance(types, list)
        or "OpenBadgeCredential" not in types
        or not isinstance(credential.get("credentialSubject"), dict)
    ):
        return Verdict(MALFORMED, credential=credential, kid=kid, reason="not_a_badge")
    if payload.get("iss") != expected_issuer or issuer_id != expected_issuer:
        return Verdict(FOREIGN, credential=credential, kid=kid, reason="other_issuer")
    index = _status_index(credential)
    if index is None:
        return Verdict(MALFORMED, credential=credential, kid=kid, reason="no_status")
    revoked = status(index)
    if revoked:
        return Verdict(REVOKED, credential=credential, kid=kid, reason="revoked")
    return Verdict(VALID, credential=credential, kid=kid, status_known=revoked is not None)


def verify_file(
    data: bytes, jwks: dict, status: Callable[[int], bool | None], expected_issuer: str
) -> Verdict:
    """The verdict on an uploaded file: a baked PNG or SVG, or a raw JWS. Never raises:
    what cannot be read is malformed, with the baking error's code as the reason."""
    if len(data) > baking.MAX_FILE:
        return Verdict(MALFORMED, reason="too_large")
    stripped = data.strip()
    if data.startswith(baking.PNG_SIGNATURE) or stripped.lstrip(b"\xef\xbb\xbf").startswith(b"<"):
        try:
            jws = baking.unbake(data)
        except baking.BakingError as error:
            return Verdict(MALFORMED, reason=error.code)
        return verify(jws, jwks, status, expected_issuer)
    if len(stripped) > MAX_JWS:
        return Verdict(MALFORMED, reason="too_large")
    try:
        jws = stripped.decode("ascii")
    except UnicodeDecodeError:
        return Verdict(MALFORMED, reason="not_a_jws")
    return verify(jws, jwks, status, expected_issuer)
