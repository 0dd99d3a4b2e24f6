"""A network meeting's minutes and decisions, and the minutes sent to the invited."""

from __future__ import annotations

import hashlib

from lab.accounts.queries import get_site
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Invalid
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.network import messages
from lab.network.access import (
    get_meeting_for,
    require_meeting_manager,
)
from lab.network.forms import (
    DecisionInput,
    MinutesInput,
)
from lab.network.invitations import invitees, locked_meeting, meeting_cancelled
from lab.network.tables import (
    NetworkDecision,
    NetworkMeeting,
    NetworkTheme,
)


async def write_minutes(
    actor: StaffPrincipal, meeting_id: int, data: MinutesInput
) -> NetworkMeeting:
    """Save the minutes written in the page; a meeting whose minutes are written is held.
    Errors: not_found, forbidden, meeting_cancelled."""
    meeting = await get_meeting_for(actor, meeting_id)
    require_meeting_manager(actor, meeting)
    async with write_transaction(NetworkMeeting._meta.db):
        meeting = await locked_meeting(actor, meeting_id)
        if meeting.status == "cancelled":
            raise meeting_cancelled()
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
        for row in await invitees(meeting.id):
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
