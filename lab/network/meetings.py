"""Network meetings: agenda, invitations and presence, minutes, decisions."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid

import msgspec

from lab.accounts.queries import get_site, site_timezone, token_from_scan
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.core.security import token_hash
from lab.network import messages
from lab.network.access import (
    can_manage_site,
    get_meeting_for,
    network_site_ids,
    require_meeting_manager,
    require_meeting_staff,
)
from lab.network.forms import (
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PresenceInput,
    ThemeInput,
)
from lab.network.tables import (
    NetworkAction,
    NetworkContact,
    NetworkDecision,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkTheme,
)


def _cancelled() -> Conflict:
    return Conflict(_("Cette réunion est annulée."), code="meeting_cancelled")


async def _times(data: MeetingInput) -> tuple:
    timezone = await site_timezone(data.site_id)
    starts_at = clock.local_instant(data.day, data.start, timezone)
    ends_at = clock.local_instant(data.day, data.end, timezone)
    if ends_at <= starts_at:
        raise Invalid(
            _("Certains champs sont à corriger."),
            field_errors={"end": _("La fin doit venir après le début.")},
        )
    return starts_at, ends_at


async def create_meeting(actor: StaffPrincipal, data: MeetingInput) -> NetworkMeeting:
    """Errors: forbidden (not a manager of the site), invalid (end before start)."""
    if not can_manage_site(actor, data.site_id):
        raise_forbidden()
    starts_at, ends_at = await _times(data)
    async with write_transaction(NetworkMeeting._meta.db):
        now = clock.now()
        meeting = NetworkMeeting(
            site=data.site_id,
            zone=data.zone.strip(),
            title=data.title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            place=data.place.strip(),
            video_link=data.video_link.strip(),
            status="planned",
            minutes="",
            uid=f"{uuid.uuid4()}@lab",
            sequence=0,
            created_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        await meeting.save()
        await audit.record(
            actor, "network.meeting.created", f"network_meeting:{meeting.id}", site_id=data.site_id
        )
    return meeting


def raise_forbidden() -> None:
    raise Forbidden(_("Seul un ou une responsable du site organisateur peut modifier la réunion."))


async def _locked_meeting(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    await lock_row(NetworkMeeting, meeting_id)
    return await get_meeting_for(actor, meeting_id)


async def update_meeting(
    actor: StaffPrincipal, meeting_id: int, data: MeetingInput
) -> NetworkMeeting:
    """Change the date, place or title; the site stays. When the time or place changed, the
    invited get an updated invitation (same UID, higher SEQUENCE). Errors: not_found,
    forbidden, invalid, meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    starts_at, ends_at = await _times(_same_site(data, meeting.site))
    async with write_transaction(NetworkMeeting._meta.db):
        meeting = await _locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise _cancelled()
        moved = (
            meeting.starts_at != starts_at
            or meeting.ends_at != ends_at
            or meeting.place != data.place.strip()
            or meeting.video_link != data.video_link.strip()
        )
        meeting.title = data.title.strip()
        meeting.zone = data.zone.strip()
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        meeting.place = data.place.strip()
        meeting.video_link = data.video_link.strip()
        meeting.updated_at = clock.now()
        if moved:
            meeting.sequence += 1
        await meeting.save()
        await audit.record(
            actor,
            "network.meeting.updated",
            f"network_meeting:{meeting.id}",
            site_id=meeting.site,
            moved=moved,
        )
    if moved:
        await _announce(meeting, "update")
    return meeting


def _same_site(data: MeetingInput, site_id: int) -> MeetingInput:
    return msgspec.structs.replace(data, site_id=site_id)


async def cancel_meeting(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """Cancel; the invited get a cancellation (METHOD:CANCEL). Errors: not_found, forbidden,
    meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkMeeting._meta.db):
        meeting = await _locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise _cancelled()
        meeting.status = "cancelled"
        meeting.sequence += 1
        meeting.updated_at = clock.now()
        await meeting.save()
        await audit.record(
            actor,
            "network.meeting.cancelled",
            f"network_meeting:{meeting.id}",
            site_id=meeting.site,
        )
    await _announce(meeting, "cancel")
    return meeting


async def add_theme(actor: StaffPrincipal, meeting_id: int, data: ThemeInput) -> NetworkTheme:
    """Append an item to the agenda. Errors: not_found, forbidden."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkTheme._meta.db):
        await lock_row(NetworkMeeting, meeting.id)
        last = await NetworkTheme.count().where(NetworkTheme.meeting == meeting.id)
        theme = NetworkTheme(
            meeting=meeting.id,
            position=last + 1,
            kind=data.kind,
            title=data.title.strip(),
            notes=data.notes.strip(),
        )
        await theme.save()
        await audit.record(
            actor, "network.theme.added", f"network_meeting:{meeting.id}", site_id=meeting.site
        )
    return theme


async def remove_theme(actor: StaffPrincipal, theme_id: int) -> None:
    """Errors: not_found, forbidden."""
    theme = await NetworkTheme.objects().get(NetworkTheme.id == theme_id)
    if theme is None:
        raise NotFound(_("Ce point de l'ordre du jour n'existe pas."))
    meeting = await get_meeting_for(actor, theme.meeting)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkTheme._meta.db):
        await NetworkTheme.delete().where(NetworkTheme.id == theme.id)
        await audit.record(
            actor, "network.theme.removed", f"network_meeting:{meeting.id}", site_id=meeting.site
        )


# -- invitations and presence -----------------------------------------------------------------


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
        raise _cancelled()
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
        await _locked_meeting(actor, meeting_id)
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
        await _announce(meeting, "invitation", [item.id for item in created])
    return created


async def _announce(
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
    for row in await _invitees(meeting.id, invitation_ids):
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


async def _invitees(meeting_id: int, invitation_ids: list[int] | None = None) -> list[dict]:
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


# -- minutes and decisions --------------------------------------------------------------------


async def write_minutes(
    actor: StaffPrincipal, meeting_id: int, data: MinutesInput
) -> NetworkMeeting:
    """Save the minutes written in the page; a meeting whose minutes are written is held.
    Errors: not_found, forbidden, meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkMeeting._meta.db):
        meeting = await _locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise _cancelled()
        meeting.minutes = data.minutes.strip()
        if meeting.minutes:
            meeting.status = "held"
        meeting.updated_at = clock.now()
        await meeting.save()
        await audit.record(
            actor, "network.minutes.written", f"network_meeting:{meeting.id}", site_id=meeting.site
        )
    return meeting


async def send_minutes(actor: StaffPrincipal, meeting_id: int) -> int:
    """E-mail the minutes (and the meeting's .ics) to every invitee with an address, in their
    language; how many were queued. Errors: not_found, forbidden, no_minutes."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    if not meeting.minutes.strip():
        raise Conflict(_("Écrivez d'abord le procès-verbal."), code="no_minutes")
    site = await get_site(meeting.site)
    decisions = [
        row["text"]
        for row in await NetworkDecision.select(NetworkDecision.text)
        .where(NetworkDecision.meeting == meeting.id)
        .order_by(NetworkDecision.position)
    ]
    version = hashlib.sha256("\n".join([meeting.minutes, *decisions]).encode()).hexdigest()[:16]
    sent = 0
    async with write_transaction(NetworkMeeting._meta.db):
        for row in await _invitees(meeting.id):
            if await messages.queue_minutes(
                meeting=meeting,
                invitation_id=row["id"],
                recipient=row["recipient"],
                name=row["name"],
                reader_language=row["language"],
                timezone=site.timezone,
                site_name=site.name,
                decisions=decisions,
                version=version,
            ):
                sent += 1
        await NetworkMeeting.update({NetworkMeeting.minutes_sent_at: clock.now()}).where(
            NetworkMeeting.id == meeting.id
        )
        await audit.record(
            actor,
            "network.minutes.sent",
            f"network_meeting:{meeting.id}",
            site_id=meeting.site,
            messages=sent,
        )
    return sent


async def record_decision(
    actor: StaffPrincipal, meeting_id: int, data: DecisionInput
) -> NetworkDecision:
    """Errors: not_found, forbidden, invalid (a theme of another meeting)."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    if data.theme_id is not None and not await NetworkTheme.exists().where(
        (NetworkTheme.id == data.theme_id) & (NetworkTheme.meeting == meeting.id)
    ):
        raise Invalid(
            _("Certains champs sont à corriger."),
            field_errors={
                "theme_id": _("Choisissez un point de l'ordre du jour de cette réunion.")
            },
        )
    async with write_transaction(NetworkDecision._meta.db):
        await lock_row(NetworkMeeting, meeting.id)
        count = await NetworkDecision.count().where(NetworkDecision.meeting == meeting.id)
        decision = NetworkDecision(
            meeting=meeting.id,
            theme=data.theme_id,
            position=count + 1,
            text=data.text.strip(),
            created_by=actor.staff_id,
            created_at=clock.now(),
        )
        await decision.save()
        await audit.record(
            actor,
            "network.decision.recorded",
            f"network_decision:{decision.id}",
            site_id=meeting.site,
            meeting_id=meeting.id,
        )
    return decision


async def list_meetings(
    actor: StaffPrincipal, *, upcoming: bool | None = None, limit: int = 100
) -> list[NetworkMeeting]:
    """Meetings of the actor's networks, the next first (``upcoming`` True), the last first
    (False), or all by date (None)."""
    query = NetworkMeeting.objects().where(
        NetworkMeeting.site.is_in(sorted(await network_site_ids(actor)) or [-1])
    )
    now = clock.now()
    if upcoming is True:
        query = query.where(NetworkMeeting.ends_at >= now).order_by(NetworkMeeting.starts_at)
    elif upcoming is False:
        query = query.where(NetworkMeeting.ends_at < now).order_by(
            NetworkMeeting.starts_at, ascending=False
        )
    else:
        query = query.order_by(NetworkMeeting.starts_at)
    return await query.limit(limit)


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingDetail:
    meeting: NetworkMeeting
    timezone: str
    themes: list[dict]  # id, position, kind, title, notes
    # id, partner_id, partner_name, contact_id, contact_name, presence, method,
    # checked_in_at, sent_at
    invitations: list[dict]
    decisions: list[dict]  # id, theme_id, text, actions: [{id, title, status}]
    can_manage: bool  # the actor may change the meeting (the page shows its forms)


async def meeting_detail(actor: StaffPrincipal, meeting_id: int) -> MeetingDetail:
    """A meeting with its agenda, invitations and presence, decisions and the actions they
    opened. Errors: as ``get_meeting_for``."""
    meeting = await get_meeting_for(actor, meeting_id)
    timezone = await site_timezone(meeting.site)
    themes = await (
        NetworkTheme.select(
            NetworkTheme.id,
            NetworkTheme.position,
            NetworkTheme.kind,
            NetworkTheme.title,
            NetworkTheme.notes,
        )
        .where(NetworkTheme.meeting == meeting.id)
        .order_by(NetworkTheme.position)
    )
    invitations = await (
        NetworkInvitation.select(
            NetworkInvitation.id,
            NetworkInvitation.partner.as_alias("partner_id"),
            NetworkInvitation.partner.name.as_alias("partner_name"),
            NetworkInvitation.contact.as_alias("contact_id"),
            NetworkInvitation.contact.first_name.as_alias("first_name"),
            NetworkInvitation.contact.last_name.as_alias("last_name"),
            NetworkInvitation.presence,
            NetworkInvitation.method,
            NetworkInvitation.checked_in_at,
            NetworkInvitation.sent_at,
        )
        .where(NetworkInvitation.meeting == meeting.id)
        .order_by(NetworkInvitation.id)
    )
    for row in invitations:
        first, last = row.pop("first_name"), row.pop("last_name")
        row["contact_name"] = f"{first} {last}" if row["contact_id"] else ""
    decisions = await (
        NetworkDecision.select(NetworkDecision.id, NetworkDecision.theme, NetworkDecision.text)
        .where(NetworkDecision.meeting == meeting.id)
        .order_by(NetworkDecision.position)
    )
    actions = await NetworkAction.select(
        NetworkAction.id, NetworkAction.title, NetworkAction.status, NetworkAction.decision
    ).where(NetworkAction.decision.is_in([row["id"] for row in decisions] or [-1]))
    for row in decisions:
        row["theme_id"] = row.pop("theme")
        row["actions"] = [
            {"id": a["id"], "title": a["title"], "status": a["status"]}
            for a in actions
            if a["decision"] == row["id"]
        ]
    return MeetingDetail(
        meeting=meeting,
        timezone=timezone,
        themes=themes,
        invitations=invitations,
        decisions=decisions,
        can_manage=can_manage_site(actor, meeting.site),
    )
