"""Network meetings: their date and place, agenda, cancellation, list and detail."""

from __future__ import annotations

import dataclasses
import uuid

import msgspec

from lab.accounts.queries import site_timezone
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Forbidden, Invalid, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.network.access import (
    can_manage_site,
    get_meeting_for,
    network_site_ids,
    require_meeting_manager,
)
from lab.network.forms import (
    MeetingInput,
    ThemeInput,
)
from lab.network.invitations import announce, locked_meeting, meeting_cancelled
from lab.network.tables import (
    NetworkAction,
    NetworkDecision,
    NetworkInvitation,
    NetworkMeeting,
    NetworkTheme,
)


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
        raise Forbidden(_("Seul un ou une responsable du site peut organiser une réunion."))
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
        meeting = await locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise meeting_cancelled()
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
        await announce(meeting, "update")
    return meeting


def _same_site(data: MeetingInput, site_id: int) -> MeetingInput:
    return msgspec.structs.replace(data, site_id=site_id)


async def cancel_meeting(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """Cancel; the invited get a cancellation (METHOD:CANCEL). Errors: not_found, forbidden,
    meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkMeeting._meta.db):
        meeting = await locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise meeting_cancelled()
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
    await announce(meeting, "cancel")
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
