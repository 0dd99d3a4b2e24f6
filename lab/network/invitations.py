"""Invitations to network meetings, their e-mails, and presence (by staff or by pass)."""

from __future__ import annotations

from lab.accounts.queries import get_site, token_from_scan
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Invalid, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.core.security import token_hash
from lab.network import messages
from lab.network.access import (
    get_meeting_for,
    network_site_ids,
    require_meeting_manager,
    require_meeting_staff,
)
from lab.network.forms import (
    InviteInput,
    PresenceInput,
)
from lab.network.tables import (
    NetworkContact,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkTheme,
)


def meeting_cancelled() -> Conflict:
    return Conflict(_("Cette réunion est annulée."), code="meeting_cancelled")


async def locked_meeting(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """The meeting, locked until the transaction ends (call inside one)."""
    await lock_row(NetworkMeeting, meeting_id)
    return await get_meeting_for(actor, meeting_id)


async def invite(
    actor: StaffPrincipal, meeting_id: int, data: InviteInput
) -> list[NetworkInvitation]:
    """Invite contact people (and organisations with no person named); each new invitee gets
    an e-mail with the meeting's .ics, in their language (the contact's, else the partner's).
    Inviting someone twice does nothing. Returns the new invitations. Errors: not_found,
    forbidden, invalid (a contact or partner of another network), meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    if meeting.status == "cancelled":
        raise meeting_cancelled()
    shared = sorted(await network_site_ids(actor))
    contacts = await NetworkContact.select(
        NetworkContact.id, NetworkContact.partner, NetworkContact.partner.site.as_alias("site")
    ).where(NetworkContact.id.is_in(sorted(set(data.contact_ids)) or [-1]))
    partners = await NetworkPartner.select(NetworkPartner.id, NetworkPartner.site).where(
        NetworkPartner.id.is_in(sorted(set(data.partner_ids)) or [-1])
    )
    if len(contacts) != len(set(data.contact_ids)) or len(partners) != len(set(data.partner_ids)):
        raise NotFound(_("Ce partenaire n'existe pas."))
    if any(row["site"] not in shared for row in [*contacts, *partners]):
        raise Invalid(
            _("Invitez des partenaires de votre réseau."),
            field_errors={"contact_ids": _("Invitez des partenaires de votre réseau.")},
        )
    created: list[NetworkInvitation] = []
    async with write_transaction(NetworkInvitation._meta.db):
        await locked_meeting(actor, meeting_id)
        existing = await NetworkInvitation.select(
            NetworkInvitation.partner, NetworkInvitation.contact
        ).where(NetworkInvitation.meeting == meeting.id)
        have_contacts = {row["contact"] for row in existing if row["contact"]}
        have_partners = {row["partner"] for row in existing if row["contact"] is None}
        now = clock.now()
        wanted = [(row["partner"], row["id"]) for row in contacts if row["id"] not in have_contacts]
        wanted += [(row["id"], None) for row in partners if row["id"] not in have_partners]
        for partner_id, contact_id in wanted:
            invitation = NetworkInvitation(
                meeting=meeting.id,
                partner=partner_id,
                contact=contact_id,
                presence="invited",
                invited_at=now,
            )
            await invitation.save()
            created.append(invitation)
        if created:
            await audit.record(
                actor,
                "network.meeting.invited",
                f"network_meeting:{meeting.id}",
                site_id=meeting.site,
                invitation_ids=[item.id for item in created],
            )
    if created:
        await announce(meeting, "invitation", [item.id for item in created])
    return created


async def announce(
    meeting: NetworkMeeting, kind: str, invitation_ids: list[int] | None = None
) -> int:
    """E-mail the invitees (``invitation_ids``, or all of them) an invitation, an update or
    a cancellation with the meeting's .ics; how many were queued."""
    site = await get_site(meeting.site)
    timezone = site.timezone
    themes = [
        row["title"]
        for row in await NetworkTheme.select(NetworkTheme.title)
        .where(NetworkTheme.meeting == meeting.id)
        .order_by(NetworkTheme.position)
    ]
    sent = 0
    for row in await invitees(meeting.id, invitation_ids):
        async with write_transaction(NetworkInvitation._meta.db):
            queued = await messages.queue_invitation(
                meeting=meeting,
                invitation_id=row["id"],
                recipient=row["recipient"],
                name=row["name"],
                reader_language=row["language"],
                timezone=timezone,
                site_name=site.name,
                themes=themes,
                kind=kind,
            )
            if queued:
                sent += 1
                await NetworkInvitation.update({NetworkInvitation.sent_at: clock.now()}).where(
                    NetworkInvitation.id == row["id"]
                )
    return sent


async def invitees(meeting_id: int, invitation_ids: list[int] | None = None) -> list[dict]:
    """``id``, ``recipient`` (the contact's e-mail, else the partner's), ``name`` (the
    contact's first name, or ""), ``language`` of each invitation."""
    query = NetworkInvitation.select(
        NetworkInvitation.id,
        NetworkInvitation.partner.email.as_alias("partner_email"),
        NetworkInvitation.partner.language.as_alias("partner_language"),
        NetworkInvitation.contact.as_alias("contact_id"),
        NetworkInvitation.contact.first_name.as_alias("first_name"),
        NetworkInvitation.contact.email.as_alias("contact_email"),
        NetworkInvitation.contact.language.as_alias("contact_language"),
    ).where(NetworkInvitation.meeting == meeting_id)
    if invitation_ids is not None:
        query = query.where(NetworkInvitation.id.is_in(invitation_ids or [-1]))
    rows = await query.order_by(NetworkInvitation.id)
    return [
        {
            "id": row["id"],
            "recipient": (row["contact_email"] if row["contact_id"] else row["partner_email"])
            or "",
            "name": row["first_name"] or "" if row["contact_id"] else "",
            "language": (row["contact_language"] if row["contact_id"] else None)
            or row["partner_language"]
            or "fr",
        }
        for row in rows
    ]


async def record_presence(
    actor: StaffPrincipal, meeting_id: int, data: PresenceInput
) -> NetworkInvitation:
    """Mark an invitee present, absent or excused (back to invited to undo), as for a
    workshop's attendance. Errors: not_found, forbidden (any staff of the meeting's site may
    take attendance; a facilitator too)."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_staff(actor, meeting)
    async with write_transaction(NetworkInvitation._meta.db):
        await lock_row(NetworkInvitation, data.invitation_id)
        invitation = await NetworkInvitation.objects().get(
            (NetworkInvitation.id == data.invitation_id) & (NetworkInvitation.meeting == meeting.id)
        )
        if invitation is None:
            raise NotFound(_("Cette invitation n'existe pas."))
        invitation.presence = data.presence
        marked = data.presence != "invited"
        invitation.method = "staff" if marked else None
        invitation.checked_in_at = clock.now() if data.presence == "present" else None
        invitation.recorded_by = actor.staff_id if marked else None
        await invitation.save()
        await audit.record(
            actor,
            "network.presence.recorded",
            f"network_invitation:{invitation.id}",
            site_id=meeting.site,
            presence=data.presence,
        )
    return invitation


async def check_in_contact(
    actor: StaffPrincipal, meeting_id: int, scanned: str
) -> NetworkInvitation:
    """Mark present the contact person whose meeting pass was scanned (the QR's text or the
    token). Idempotent: scanning again returns the same invitation. Errors: not_found
    (unknown pass), not_invited (the person is not invited to this meeting), forbidden."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_staff(actor, meeting)
    token = token_from_scan(scanned or "")
    contact = (
        await NetworkContact.objects().get(NetworkContact.pass_hash == token_hash(token))
        if token
        else None
    )
    if contact is None:
        raise NotFound(_("Ce badge n'est pas reconnu."))
    async with write_transaction(NetworkInvitation._meta.db):
        await lock_row(NetworkMeeting, meeting.id)
        invitation = await NetworkInvitation.objects().get(
            (NetworkInvitation.meeting == meeting.id) & (NetworkInvitation.contact == contact.id)
        )
        if invitation is None:
            await audit.record(
                actor,
                "network.presence.refused",
                f"network_meeting:{meeting.id}",
                site_id=meeting.site,
                contact_id=contact.id,
                reason="not_invited",
            )
        elif invitation.presence != "present":
            invitation.presence = "present"
            invitation.method = "qr"
            invitation.checked_in_at = clock.now()
            invitation.recorded_by = actor.staff_id
            await invitation.save()
            await audit.record(
                actor,
                "network.presence.recorded",
                f"network_invitation:{invitation.id}",
                site_id=meeting.site,
                presence="present",
                method="qr",
            )
    # Refused once the refusal's audit entry is committed (raising inside would undo it).
    if invitation is None:
        raise Conflict(_("Cette personne n'est pas invitée à cette réunion."), code="not_invited")
    return invitation
