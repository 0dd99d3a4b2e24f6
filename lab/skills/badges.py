"""Badges as the database knows them: issuing one when a skill is validated, revoking it, the
published status list, and the files and verdicts pages show.

The credential is signed once, when issued, and stored as issued (the VC-JWT): a badge is never
re-signed, so a rotated key leaves every badge issued before it valid (the old public key stays
published). Revocation flips the badge's bit in the status list, which is signed afresh each
time it is served.
"""

from __future__ import annotations

import secrets
import uuid

from lab.accounts.queries import get_site, get_visitor
from lab.core import audit, clock
from lab.core.db import lock_key, write_transaction
from lab.core.errors import Conflict, Forbidden, NotFound
from lab.core.i18n import _
from lab.core.principals import Principal
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.skills import baking, config, credentials, keys, statuslist, verify
from lab.skills.queries import skill_names
from lab.skills.tables import Badge, FrameworkEntry

# One status list of statuslist.SIZE entries; the 131,073rd badge would need a second list.
STATUS_LIST = 1


def author(actor: Principal) -> int | None:
    """The staff member who wrote a row, or None (a tablet, a phone, the system, or the command
    line's operator, who has no account: user id 0)."""
    return actor.staff_id


def keyring() -> keys.KeyRing:
    issuer = config.issuer()
    return keys.KeyRing(issuer.key_dir, issuer.secret)


async def _alignments(skill: dict) -> list[credentials.Target]:
    """The skill's DigComp and Pix targets, named in French (the issuer's language): one
    query for all of them."""
    wanted = list(skill["alignments"] or ())
    rows = await FrameworkEntry.select(
        FrameworkEntry.framework,
        FrameworkEntry.version,
        FrameworkEntry.code,
        FrameworkEntry.label_fr,
    ).where(FrameworkEntry.code.is_in(sorted({t["code"] for t in wanted}) or ["-"]))
    labels = {(row["framework"], row["version"], row["code"]): row["label_fr"] for row in rows}
    return [
        credentials.Target(
            framework=target["framework"],
            version=target["version"],
            code=target["code"],
            name=labels[key],
            level=target.get("level"),
        )
        for target in wanted
        if (key := (target["framework"], target["version"], target["code"])) in labels
    ]


async def issue_in_transaction(
    actor: Principal,
    visitor_id: int,
    skill: dict,
    *,
    evidence_id: int | None,
    site_id: int,
) -> str | None:
    """Issue the visitor's badge for ``skill`` (a practical skill row), inside the caller's
    write transaction; None when they already hold a live one. Returns its public id."""
    live = await Badge.exists().where(
        (Badge.visitor == visitor_id) & (Badge.skill == skill["code"]) & Badge.revoked_at.is_null()
    )
    if live:
        return None
    visitor = await get_visitor(visitor_id)
    if visitor is None:
        raise NotFound(_("Cette personne n'existe pas ou sa fiche a été supprimée."))
    # The next place in the status list: taken under a lock so two issuers never share one.
    await lock_key(Badge._meta.db, "skill_badge.status_index")
    last = (
        await Badge.select(Badge.status_index).order_by(Badge.status_index, ascending=False).first()
    )
    index = (last["status_index"] + 1) if last else 0
    if index >= statuslist.SIZE:
        raise Conflict(_("La liste de statut des badges est pleine."), code="status_list_full")
    issuer = config.issuer()
    site = await get_site(site_id)
    public_id = str(uuid.uuid4())
    now = clock.now()
    recipient = visitor.email or f"{issuer.base_url}/visitors/{visitor.id}"
    award = credentials.Award(
        public_id=public_id,
        name=skill["name_fr"],
        description=skill["sentence_fr"],
        criteria=_(
            "Une animatrice ou un animateur de %(site)s a vu la personne le faire seule.",
            site=site.name if site else issuer.name,
        ),
        alignments=await _alignments(skill),
        recipient=recipient,
        recipient_type="emailAddress" if visitor.email else "systemId",
        salt=secrets.token_hex(16),
        issued_at=now,
        status_index=index,
        image=issuer.base_url + "/badges/" + public_id + ".png",
        skill=skill["code"],
    )
    kid, jws = credentials.sign(award, issuer, keyring())
    await Badge.insert(
        Badge(
            public_id=public_id,
            visitor=visitor.id,
            skill=skill["code"],
            evidence=evidence_id,
            site=site_id,
            issued_at=now,
            issued_by=author(actor),
            key_id=kid,
            status_index=index,
            credential=jws,
        )
    )
    await audit.record(
        actor,
        "badge.issued",
        f"badge:{public_id}",
        site_id=site_id,
        visitor_id=visitor.id,
        skill=skill["code"],
    )
    return public_id


async def revoke(actor: StaffPrincipal, public_id: str, reason: str) -> None:
    async with write_transaction(Badge._meta.db):
        badge = await Badge.objects().get(Badge.public_id == public_id)
        if badge is None:
            raise NotFound(_("Ce badge n'existe pas."))
        if badge.site not in actor.site_ids(*MANAGERS):
            raise Forbidden(
                _("Seule la direction du site peut retirer un badge."), code="forbidden"
            )
        if badge.revoked_at is not None:
            return
        badge.revoked_at = clock.now()
        badge.revoked_reason = reason
        await badge.save()
        await audit.record(actor, "badge.revoked", f"badge:{public_id}", site_id=badge.site)


async def revoked_indexes() -> set[int]:
    rows = await Badge.select(Badge.status_index).where(Badge.revoked_at.is_not_null())
    return {row["status_index"] for row in rows}


async def status_list_credential() -> str:
    """The revocation status list, as a signed VC-JWT (served at the issuer's status URL)."""
    return statuslist.sign(await revoked_indexes(), config.issuer(), keyring(), number=STATUS_LIST)


def issuer_profile() -> dict:
    """The issuer's profile as served at its id, with its JSON-LD context."""
    return {
        "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
        **credentials.issuer_profile(config.issuer()),
    }


def public_jwks() -> dict:
    return keyring().public_jwks()


async def check(jws: str) -> verify.Verdict:
    """Valid, revoked, altered, foreign or malformed: what a verifier says of a credential."""
    revoked = await revoked_indexes()
    return verify.verify(
        jws, public_jwks(), lambda index: index in revoked, config.issuer().profile_url
    )


async def check_file(data: bytes) -> verify.Verdict:
    revoked = await revoked_indexes()
    return verify.verify_file(
        data, public_jwks(), lambda index: index in revoked, config.issuer().profile_url
    )


async def _own_badge(actor: Principal, public_id: str) -> Badge:
    badge = await Badge.objects().get(Badge.public_id == public_id)
    if badge is None or (actor.visitor_id is not None and badge.visitor != actor.visitor_id):
        raise NotFound(_("Ce badge n'existe pas."))
    return badge


async def badge_png(actor: Principal, public_id: str) -> bytes:
    """The badge as a PNG with its credential baked in. Errors: not_found."""
    badge = await _own_badge(actor, public_id)
    return baking.bake_png(badge.credential, await _picture_text(badge))


async def badge_svg(actor: Principal, public_id: str) -> bytes:
    badge = await _own_badge(actor, public_id)
    return baking.bake_svg(badge.credential, await _picture_text(badge))


async def _picture_text(badge: Badge) -> baking.Picture:
    names = await skill_names([badge.skill])
    return baking.Picture(title=names[badge.skill], issuer=config.issuer().name)


def verification_url(public_id: str) -> str:
    return config.issuer().badge_url(public_id)
