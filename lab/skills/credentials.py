"""An Open Badges 3.0 ``OpenBadgeCredential`` for a skill a visitor showed, and its VC-JWT.

The credential is a Verifiable Credential 2.0 document. It names the recipient only through a
salted SHA-256 hash of their identity (the e-mail address, or lab's address for them): the
e-mail itself never appears in it. Signed per Open Badges 3.0 §8.2 (VC-JWT): the JWT payload is
the credential itself, plus the registered claims ``iss`` (issuer id), ``jti`` (credential id),
``sub`` (the recipient's identity hash), ``nbf`` (validFrom).
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime

from lab.skills.config import Issuer
from lab.skills.keys import KeyRing

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]

# Where each framework is described: an Alignment's targetUrl is required.
FRAMEWORKS = {
    "digcomp": ("DigComp", "https://publications.jrc.ec.europa.eu/repository/handle/JRC128415"),
    "pix": ("Pix", "https://pix.fr/competences"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """A place in a competence framework the skill aligns to (DigComp 2.2 "2.1", Pix "2.1")."""

    framework: str  # digcomp | pix
    version: str  # 2.2
    code: str  # 2.1
    name: str  # the entry's label, in the issuer's language
    # The proficiency level the skill reaches; Alignment has no member for it, so lab keeps
    # it for its own pages and the credential names the competence.
    level: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Award:
    """What is being certified, to whom: everything a credential is built from."""

    public_id: str  # the credential's id in URLs (random)
    name: str  # the skill's name, in the issuer's language
    description: str
    criteria: str  # how it was earned, as a narrative
    alignments: list[Target]
    recipient: str  # an e-mail address, or lab's address for the visitor (systemId)
    recipient_type: str  # emailAddress | systemId
    salt: str
    issued_at: datetime  # aware
    status_index: int  # the badge's bit in the revocation status list
    image: str | None = None  # the badge image's URL
    skill: str = ""  # the skill's code: the achievement's id is the same for every badge of it
    status_list: int = 1  # which status list holds status_index


def timestamp(moment: datetime) -> str:
    """XML Schema dateTime in UTC, to the second, as Verifiable Credentials write it."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: credentials only take aware datetimes")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(identity: str, salt: str, identity_type: str) -> str:
    """``sha256$`` and the hex SHA-256 of the identity followed by the salt (Open Badges'
    IdentityObject). E-mail addresses are compared lower-cased, so they are hashed so."""
    text = identity.strip().lower() if identity_type == "emailAddress" else identity.strip()
    return "sha256$" + hashlib.sha256((text + salt).encode("utf-8")).hexdigest()


def issuer_profile(issuer: Issuer) -> dict:
    """The issuer's Profile, as embedded in each credential and served at its id. A Profile
    carries no key: the keys are published at ``issuer.keys_url`` and named by each
    credential's header."""
    return {
        "id": issuer.profile_url,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.base_url,
    }


def alignment(target: Target) -> dict:
    label, url = FRAMEWORKS.get(target.framework, (target.framework, ""))
    if not url:
        raise ValueError(f"unknown competence framework: {target.framework}")
    return {
        "type": ["Alignment"],
        "targetName": target.name,
        "targetFramework": f"{label} {target.version}",
        "targetCode": target.code,
        "targetUrl": url,
    }


def status_entry(issuer: Issuer, index: int, number: int = 1) -> dict:
    """A BitstringStatusListEntry (W3C Bitstring Status List): the credential's bit."""
    list_url = issuer.status_list_url(number)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        # The specification writes the index as a string of digits.
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def build(award: Award, issuer: Issuer) -> dict:
    """The OpenBadgeCredential, unsigned."""
    if award.recipient_type not in ("emailAddress", "systemId"):
        raise ValueError(f"unknown identity type: {award.recipient_type}")
    credential_id = issuer.badge_url(award.public_id)
    achievement: dict = {
        "id": f"{issuer.base_url}/badges/skills/{award.skill}"
        if award.skill
        else f"{credential_id}#achievement",
        "type": ["Achievement"],
        "name": award.name,
        "description": award.description,
        "criteria": {"narrative": award.criteria},
    }
    if award.image:
        achievement["image"] = {"id": award.image, "type": "Image", "caption": award.name}
    if award.alignments:
        achievement["alignment"] = [alignment(target) for target in award.alignments]
    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "issuer": issuer_profile(issuer),
        "validFrom": timestamp(award.issued_at),
        "name": award.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": identity_hash(
                        award.recipient, award.salt, award.recipient_type
                    ),
                    "identityType": award.recipient_type,
                    "salt": award.salt,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": status_entry(issuer, award.status_index, award.status_list),
    }
    if award.image:
        credential["image"] = {"id": award.image, "type": "Image", "caption": award.name}
    return credential


def claims(credential: dict) -> dict:
    """The VC-JWT payload: the credential and its registered claims (Open Badges 3.0 §8.2.4)."""
    valid_from = datetime.strptime(credential["validFrom"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC
    )
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        # The subject has no id of its own; its identity hash names it without revealing it.
        "sub": credential["credentialSubject"]["identifier"][0]["identityHash"],
        "nbf": int(valid_from.timestamp()),
    }


def sign(award: Award, issuer: Issuer, keyring: KeyRing) -> tuple[str, str]:
    """The credential as a compact JWS (EdDSA) signed with the active key: (kid, jws)."""
    return keyring.sign(claims(build(award, issuer)))
