"""The network's public surface for reads: what pages, reports, /me and other domains may read.

Access rules are those of ``lab.network.services``; every ``get_<thing>_for`` raises not_found
or forbidden (other_site)."""

from __future__ import annotations

from lab.network.access import (
    get_action_for,
    get_contact_for,
    get_meeting_for,
    get_partner_for,
    get_referral_for,
    network_site_ids,
)
from lab.network.actions import FollowUpRow, action_detail, follow_up
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
from lab.network.meetings import MeetingDetail, list_meetings, meeting_detail
from lab.network.messages import referral_message
from lab.network.partner_files import CSV_COLUMNS, export_partners
from lab.network.partners import partner_contacts, search_partners
from lab.network.referrals import list_referrals, visitor_referrals

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
