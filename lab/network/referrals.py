"""Referrals of visitors to partners: consent first, the least said to the partner."""

from __future__ import annotations

from lab.accounts.queries import get_site, get_visitor_for, timezones
from lab.core import audit, clock, mail
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.network.access import get_partner_for, get_referral_for
from lab.network.forms import ReferralInput, ReferralUpdateInput
from lab.network.labels import REFERRAL_STATUSES
from lab.network.messages import referral_message
from lab.network.tables import NetworkContact, NetworkReferral

# A referral: sent → taken_up | not_taken_up → outcome_known (the outcome of one not taken up
# may still become known: the young person went elsewhere). Outcome known is final.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "sent": frozenset({"taken_up", "not_taken_up"}),
    "taken_up": frozenset({"outcome_known"}),
    "not_taken_up": frozenset({"outcome_known"}),
    "outcome_known": frozenset(),
}


def _message_key(referral_id: int) -> str:
    """The outbox key of the message telling the partner of a referral (one per referral)."""
    return f"network_referral:{referral_id}"


def consent_required() -> Invalid:
    message = _("Le jeune doit être d'accord avant d'être orienté : cochez son accord.")
    return Invalid(message, code="consent_required", field_errors={"consent": message})


async def refer(actor: StaffPrincipal, data: ReferralInput) -> NetworkReferral:
    """Refer a visitor to a partner for a need, with their consent, and e-mail the partner's
    contact (or the partner) only the first name, the need, and, when the young person agreed,
    how to reach them (``referral_message``).

    Errors: consent_required (Invalid: no consent, nothing is written; the refusal is
    audited), not_found, forbidden (visitor or site not the actor's; partner of another
    network), invalid (contact of another partner)."""
    if not data.consent:
        await audit.record(
            actor,
            "network.referral.refused",
            f"visitor:{data.visitor_id}",
            site_id=data.site_id,
            reason="consent_required",
        )
        raise consent_required()
    visitor = await get_visitor_for(actor, data.visitor_id)
    site_id = data.site_id or visitor.created_site
    if not actor.can_reach_site(site_id):
        raise Forbidden(_("Vous ne travaillez pas sur ce site."), code="other_site")
    partner = await get_partner_for(actor, data.partner_id)
    contact = None
    if data.contact_id is not None:
        contact = await NetworkContact.objects().get(
            (NetworkContact.id == data.contact_id) & (NetworkContact.partner == partner.id)
        )
        if contact is None:
            raise Invalid(
                _("Certains champs sont à corriger."),
                field_errors={"contact_id": _("Choisissez une personne de ce partenaire.")},
            )
    site = await get_site(site_id)
    reader_language = (contact.language if contact else None) or partner.language or "fr"
    subject, body = referral_message(
        first_name=visitor.first_name,
        need=data.need,
        phone=visitor.phone,
        email=visitor.email,
        share_contact=data.share_contact,
        language=reader_language,
        site_name=site.name,
    )
    recipient = (contact.email if contact else "") or partner.email
    async with write_transaction(NetworkReferral._meta.db):
        now = clock.now()
        referral = NetworkReferral(
            visitor=visitor.id,
            site=site_id,
            partner=partner.id,
            contact=contact.id if contact else None,
            need=data.need,
            consent_at=now,
            share_contact=data.share_contact,
            status="sent",
            follow_up_on=data.follow_up_on,
            referred_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        await referral.save()
        # The partner is told in the referral's own transaction: a message exists exactly
        # when the referral does. Not tied to the visitor: it is written to the partner.
        if await mail.queue(
            kind="network_referral",
            recipient=recipient,
            language=reader_language,
            subject=subject,
            body=body,
            dedupe_key=_message_key(referral.id),
        ):
            referral.message_sent_at = now
            await NetworkReferral.update({NetworkReferral.message_sent_at: now}).where(
                NetworkReferral.id == referral.id
            )
        await audit.record(
            actor,
            "network.referral.sent",
            f"network_referral:{referral.id}",
            site_id=site_id,
            partner_id=partner.id,
            need=data.need,
            share_contact=data.share_contact,
        )
    return referral


async def update_referral(
    actor: StaffPrincipal, referral_id: int, data: ReferralUpdateInput
) -> NetworkReferral:
    """Move a referral along ``REFERRAL_TRANSITIONS`` (or change only its follow-up date with
    the same status); outcome_known needs an outcome. Audited. Errors: not_found,
    forbidden, transition_refused, outcome_required."""
    await get_referral_for(actor, referral_id)
    refusal: Conflict | Invalid | None = None
    async with write_transaction(NetworkReferral._meta.db):
        await lock_row(NetworkReferral, referral_id)
        referral = await get_referral_for(actor, referral_id)
        before = referral.status
        subject = f"network_referral:{referral.id}"
        if data.status != before and data.status not in REFERRAL_TRANSITIONS[before]:
            refusal = Conflict(
                _(
                    "Une orientation « %(before)s » ne peut pas passer à « %(after)s ».",
                    before=_(REFERRAL_STATUSES[before]),
                    after=_(REFERRAL_STATUSES[data.status]),
                ),
                code="transition_refused",
            )
        elif data.status == "outcome_known" and not (data.outcome or referral.outcome):
            message = _("Indiquez le résultat de l'orientation.")
            refusal = Invalid(message, code="outcome_required", field_errors={"outcome": message})
        if refusal is not None:
            await audit.record(
                actor,
                "network.referral.refused",
                subject,
                site_id=referral.site,
                status_from=before,
                status_to=data.status,
                reason=refusal.code,
            )
        else:
            referral.status = data.status
            if data.outcome is not None:
                referral.outcome = data.outcome
            if data.follow_up_on is not None:
                referral.follow_up_on = data.follow_up_on
            referral.updated_at = clock.now()
            await referral.save()
            await audit.record(
                actor,
                "network.referral.updated",
                subject,
                site_id=referral.site,
                status_from=before,
                status_to=data.status,
                outcome=referral.outcome,
            )
    # Raised once the refusal's audit entry is committed.
    if refusal is not None:
        raise refusal
    return referral


async def list_referrals(
    actor: StaffPrincipal,
    *,
    site_id: int | None = None,
    status: str | None = None,
    visitor_id: int | None = None,
    limit: int = 200,
) -> list[dict]:
    """Referrals of the sites the actor works at (all for network managers and admins), the
    newest first: id, visitor_id, first_name, last_name, partner_id, partner_name, need,
    status, outcome, follow_up_on, follow_up_due (bool), created_at, site_id."""
    sites = sorted(actor.site_ids())
    if site_id is not None:
        sites = [site for site in sites if site == site_id]
    query = NetworkReferral.select(
        NetworkReferral.id,
        NetworkReferral.visitor.as_alias("visitor_id"),
        NetworkReferral.visitor.first_name.as_alias("first_name"),
        NetworkReferral.visitor.last_name.as_alias("last_name"),
        NetworkReferral.partner.as_alias("partner_id"),
        NetworkReferral.partner.name.as_alias("partner_name"),
        NetworkReferral.need,
        NetworkReferral.status,
        NetworkReferral.outcome,
        NetworkReferral.follow_up_on,
        NetworkReferral.created_at,
        NetworkReferral.site.as_alias("site_id"),
    ).where(NetworkReferral.site.is_in(sites or [-1]))
    if status:
        query = query.where(NetworkReferral.status == status)
    if visitor_id is not None:
        query = query.where(NetworkReferral.visitor == visitor_id)
    rows = await query.order_by(NetworkReferral.created_at, ascending=False).limit(limit)
    zones = await timezones({row["site_id"] for row in rows})
    now = clock.now()
    for row in rows:
        zone = zones.get(row["site_id"])
        today = clock.to_zone(now, zone).date() if zone else now.date()
        row["follow_up_due"] = (
            row["follow_up_on"] is not None
            and row["follow_up_on"] <= today
            and row["status"] != "outcome_known"
        )
    return rows


async def visitor_referrals(visitor_id: int) -> list[dict]:
    """A visitor's own referrals for /me, the newest first: partner_name, partner_kind, need,
    status, created_at, follow_up_on; nothing about the staff or the contact person."""
    return await (
        NetworkReferral.select(
            NetworkReferral.partner.name.as_alias("partner_name"),
            NetworkReferral.partner.kind.as_alias("partner_kind"),
            NetworkReferral.need,
            NetworkReferral.status,
            NetworkReferral.created_at,
            NetworkReferral.follow_up_on,
        )
        .where(NetworkReferral.visitor == visitor_id)
        .order_by(NetworkReferral.created_at, ascending=False)
    )


async def forget_visitor(visitor_id: int) -> dict[str, int]:
    """The network's part of erasing a person (call inside the erasure's transaction): the
    messages that told partners about their referrals (with their first name) go. The
    referrals stay, with no name in them: their need, status and outcome are counted."""
    rows = await NetworkReferral.select(NetworkReferral.id).where(
        NetworkReferral.visitor == visitor_id
    )
    keys = [_message_key(row["id"]) for row in rows]
    return {"referral_messages": await mail.forget(keys)}
