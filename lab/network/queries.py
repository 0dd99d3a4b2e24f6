"""The network's public surface for reads: what pages, reports, /me and other domains may read.

Access rules are those of ``lab.network.services``; every ``get_<thing>_for`` raises not_found
or forbidden (other_site)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.core.roles import StaffPrincipal
from lab.network.labels import (
    ACTION_KINDS,
    ACTION_STATUSES,
    NEEDS,
    OUTCOMES,
    PARTNER_KINDS,
    PRESENCES,
    REFERRAL_STATUSES,
    THEME_KINDS,
)
from lab.network.tables import (
    NetworkAction,
    NetworkContact,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
)

__all__ = [
    "ACTION_KINDS",
    "ACTION_STATUSES",
    "CSV_COLUMNS",
    "NEEDS",
    "OUTCOMES",
    "PARTNER_KINDS",
    "PRESENCES",
    "REFERRAL_STATUSES",
    "THEME_KINDS",
    "FollowUpRow",
    "MeetingDetail",
    "action_detail",
    "export_partners",
    "follow_up",
    "get_action_for",
    "get_contact_for",
    "get_meeting_for",
    "get_partner_for",
    "get_referral_for",
    "list_meetings",
    "list_referrals",
    "meeting_detail",
    "network_site_ids",
    "partner_contacts",
    "referral_message",
    "search_partners",
    "visitor_referrals",
]


# The partners' CSV (export and import), in this order.
CSV_COLUMNS = (
    "name",
    "kind",
    "municipality",
    "zone",
    "services",
    "tags",
    "language",
    "email",
    "phone",
    "address",
    "website",
)


@dataclasses.dataclass(frozen=True, slots=True)
class FollowUpRow:
    """One open action on the follow-up page."""

    action_id: int
    title: str
    kind: str
    status: str
    site_id: int
    owner_id: int | None
    owner_name: str  # "" when nobody owns it yet
    due_on: dt.date | None
    overdue: bool  # due before today (the site's today), still open
    module_id: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingDetail:
    meeting: NetworkMeeting
    timezone: str
    themes: list[dict]  # id, position, kind, title, notes
    invitations: list[dict]  # id, partner_id, partner_name, contact_id, contact_name, presence,
    # method, checked_in_at, sent_at
    decisions: list[dict]  # id, theme_id, text, actions: [{id, title, status}]
    can_manage: bool  # the actor may change the meeting (the page shows its forms)


async def network_site_ids(actor: StaffPrincipal) -> frozenset[int]:
    """The sites whose partners and meetings ``actor`` shares: every site of the networks of
    the actor's sites (a site with no network shares with itself)."""
    raise NotImplementedError


async def get_partner_for(actor: StaffPrincipal, partner_id: int) -> NetworkPartner:
    """Errors: not_found, forbidden (other_site: a partner of another network)."""
    raise NotImplementedError


async def search_partners(
    actor: StaffPrincipal,
    text: str = "",
    *,
    kind: str | None = None,
    tag: str | None = None,
    site_id: int | None = None,
    include_inactive: bool = False,
    limit: int = 200,
) -> list[NetworkPartner]:
    """Partners of the actor's networks whose name, municipality, zone, services or tags hold
    ``text`` (accents and case ignored), by name."""
    raise NotImplementedError


async def partner_contacts(actor: StaffPrincipal, partner_id: int) -> list[NetworkContact]:
    """A partner's contact people, by last name. Errors: as ``get_partner_for``."""
    raise NotImplementedError


async def get_contact_for(actor: StaffPrincipal, contact_id: int) -> NetworkContact:
    """Errors: not_found, forbidden."""
    raise NotImplementedError


async def export_partners(actor: StaffPrincipal) -> str:
    """The partners of the actor's networks as CSV (``CSV_COLUMNS``, UTF-8 with BOM, ``;``),
    the file ``services.import_partners`` reads back. No contact person's data."""
    raise NotImplementedError


async def list_meetings(
    actor: StaffPrincipal, *, upcoming: bool | None = None, limit: int = 100
) -> list[NetworkMeeting]:
    """Meetings of the actor's networks, the next first (``upcoming`` True), the last first
    (False), or all by date (None)."""
    raise NotImplementedError


async def get_meeting_for(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """Errors: not_found, forbidden (other_site)."""
    raise NotImplementedError


async def meeting_detail(actor: StaffPrincipal, meeting_id: int) -> MeetingDetail:
    """A meeting with its agenda, invitations and presence, decisions and the actions they
    opened. Errors: as ``get_meeting_for``."""
    raise NotImplementedError


async def get_action_for(actor: StaffPrincipal, action_id: int) -> NetworkAction:
    """Errors: not_found, forbidden (other_site: an action another site follows)."""
    raise NotImplementedError


async def action_detail(actor: StaffPrincipal, action_id: int) -> dict:
    """``action``, ``partners`` [{id, name}], ``notes`` [{text, author_name, at}],
    ``decision`` ({id, text, meeting_id, meeting_title} or None), ``owner_name``,
    ``allowed`` (the statuses it may move to), ``can_manage``."""
    raise NotImplementedError


async def follow_up(
    actor: StaffPrincipal, *, owner_id: int | None = None, site_id: int | None = None
) -> list[FollowUpRow]:
    """Open actions (proposed, under way) of the actor's sites, by owner name then due date
    (undated last); overdue ones flagged."""
    raise NotImplementedError


async def get_referral_for(actor: StaffPrincipal, referral_id: int) -> NetworkReferral:
    """Errors: not_found, forbidden (other_site: another site's referral)."""
    raise NotImplementedError


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
    raise NotImplementedError


async def visitor_referrals(visitor_id: int) -> list[dict]:
    """A visitor's own referrals for /me, the newest first: partner_name, partner_kind, need,
    status, created_at, follow_up_on; nothing about the staff or the contact person."""
    raise NotImplementedError


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
    name, the need, and their phone or e-mail only when ``share_contact``; nothing else."""
    raise NotImplementedError
