"""The network's e-mails, through the outbox (``lab.core.mail``): invitations and minutes with
the meeting's .ics, and a referral's message to the partner.

Each is written in its reader's language (the contact person's, else the partner's: fr or nl,
en when chosen). The .ics is built by the bookings' calendar writer (``lab.bookings.queries``:
the same event fields, UID for life and SEQUENCE per change), in UTC as every e-mailed event.
"""

from __future__ import annotations

from lab.bookings.queries import EventData, calendar, location
from lab.core import mail
from lab.core.i18n import N_, _, format_datetime
from lab.core.i18n import language as speaking
from lab.network.labels import NEEDS
from lab.network.tables import NetworkMeeting

INVITATION_SUBJECT = N_("Invitation : %(title)s, %(when)s")
UPDATE_SUBJECT = N_("Réunion modifiée : %(title)s, %(when)s")
CANCEL_SUBJECT = N_("Réunion annulée : %(title)s, %(when)s")
MINUTES_SUBJECT = N_("Procès-verbal : %(title)s, %(when)s")
GREETING = N_("Bonjour %(name)s,")
GREETING_ANY = N_("Bonjour,")
INVITATION_BODY = N_(
    "%(site)s vous invite à la réunion du réseau « %(title)s », le %(when)s.\n"
    "Lieu : %(place)s\n"
    "L'invitation d'agenda est jointe."
)
CANCEL_BODY = N_("La réunion du réseau « %(title)s » du %(when)s est annulée.")
AGENDA = N_("Ordre du jour :")
MINUTES_BODY = N_("Voici le procès-verbal de la réunion du réseau « %(title)s » du %(when)s.")
VIDEO = N_("Lien de la visioconférence : %(link)s")
REFERRAL_SUBJECT = N_("Orientation d'un jeune : %(need)s")
REFERRAL_BODY = N_("%(site)s vous oriente un jeune.\nPrénom : %(first_name)s\nBesoin : %(need)s")
REFERRAL_REACH = N_("Pour le ou la joindre (avec son accord) : %(how)s")
REFERRAL_NO_REACH = N_(
    "Le jeune n'a pas souhaité transmettre ses coordonnées : il ou elle prendra contact avec vous."
)
SIGNATURE = N_("L'équipe de %(site)s")


def meeting_event(meeting: NetworkMeeting, timezone: str, site_name: str) -> EventData:
    place = " ".join((meeting.place or "").split())
    return EventData(
        uid=meeting.uid,
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=timezone,
        status="cancelled" if meeting.status == "cancelled" else "confirmed",
        summary=meeting.title,
        location=location(site_name, place) if place else (meeting.video_link or site_name),
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
        description=meeting.video_link or "",
    )


def meeting_ics(meeting: NetworkMeeting, timezone: str, site_name: str, method: str) -> str:
    event = meeting_event(meeting, timezone, site_name)
    return calendar([event], method=method, utc=True).decode()


def _when(meeting: NetworkMeeting, timezone: str) -> str:
    return format_datetime(meeting.starts_at, timezone, "EEEE d MMMM y, HH:mm")


async def queue_invitation(
    *,
    meeting: NetworkMeeting,
    invitation_id: int,
    recipient: str,
    name: str,
    reader_language: str,
    timezone: str,
    site_name: str,
    themes: list[str],
    kind: str = "invitation",
) -> bool:
    """Queue one invitation (``kind``: invitation, update or cancel); False if there is no
    address or it was queued before (one per invitation and version of the meeting)."""
    cancelled = kind == "cancel"
    with speaking(reader_language):
        when = _when(meeting, timezone)
        values = {"title": meeting.title, "when": when, "site": site_name}
        subject = {
            "invitation": _(INVITATION_SUBJECT, **values),
            "update": _(UPDATE_SUBJECT, **values),
            "cancel": _(CANCEL_SUBJECT, **values),
        }[kind]
        lines = [_(GREETING, name=name) if name else _(GREETING_ANY), ""]
        if cancelled:
            lines.append(_(CANCEL_BODY, **values))
        else:
            place = " ".join((meeting.place or "").split()) or "—"
            lines.append(_(INVITATION_BODY, **values, place=place))
            if meeting.video_link:
                lines.append(_(VIDEO, link=meeting.video_link))
            if themes:
                lines += ["", _(AGENDA), *(f"- {theme}" for theme in themes)]
        lines += ["", _(SIGNATURE, site=site_name)]
    ics = meeting_ics(meeting, timezone, site_name, "CANCEL" if cancelled else "REQUEST")
    return await mail.queue(
        kind=f"network_{kind}",
        recipient=recipient,
        language=reader_language,
        subject=subject,
        body="\n".join(lines),
        ics=ics,
        dedupe_key=f"network_{kind}:{invitation_id}:{meeting.sequence}",
    )


async def queue_minutes(
    *,
    meeting: NetworkMeeting,
    invitation_id: int,
    recipient: str,
    name: str,
    reader_language: str,
    timezone: str,
    site_name: str,
    decisions: list[str],
    version: str,
) -> bool:
    """Queue the minutes to one invitee (once per ``version`` of the minutes)."""
    with speaking(reader_language):
        when = _when(meeting, timezone)
        values = {"title": meeting.title, "when": when}
        lines = [_(GREETING, name=name) if name else _(GREETING_ANY), ""]
        lines += [_(MINUTES_BODY, **values), "", meeting.minutes.strip()]
        if decisions:
            lines += ["", *(f"- {text}" for text in decisions)]
        lines += ["", _(SIGNATURE, site=site_name)]
        subject = _(MINUTES_SUBJECT, **values)
    return await mail.queue(
        kind="network_minutes",
        recipient=recipient,
        language=reader_language,
        subject=subject,
        body="\n".join(lines),
        ics=meeting_ics(meeting, timezone, site_name, "PUBLISH"),
        dedupe_key=f"network_minutes:{invitation_id}:{version}",
    )


def referral_message(
    *,
    first_name: str,
    need: str,
    phone: str | None,
    email: str | None,
    share_contact: bool,
    language: str,
    site_name: str,
) -> tuple[str, str]:
    """The subject and body sent to the partner about a referral: the young person's first
    name, the need, and their phone or e-mail only when ``share_contact``; nothing else (no
    last name, birth date, address, situation or notes)."""
    with speaking(language):
        need_label = _(NEEDS.get(need, NEEDS["other"]))
        subject = _(REFERRAL_SUBJECT, need=need_label)
        lines = [
            _(GREETING_ANY),
            "",
            _(REFERRAL_BODY, site=site_name, first_name=first_name, need=need_label),
        ]
        how = " · ".join(part for part in (phone, email) if part) if share_contact else ""
        lines.append(_(REFERRAL_REACH, how=how) if how else _(REFERRAL_NO_REACH))
        lines += ["", _(SIGNATURE, site=site_name)]
    return subject, "\n".join(lines)
