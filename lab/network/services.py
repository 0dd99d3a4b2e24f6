"""The network's public surface for writes (reads are in ``lab.network.queries``).

Who may do what (every function takes the acting principal first):
- partner organisations and their contact people are shared by the sites of a network (the
  ``network`` of the site that follows the partner; a site with no network shares with itself):
  any staff member of one of these sites reads them, a manager of one of them changes them;
- a meeting belongs to its site's network the same way: its staff read it, the managers of
  the meeting's site (network managers, admins) change it;
- an action is followed by a site: its staff read it and write notes, its managers change it;
- a referral is seen only by the staff of the site that made it, and by network managers and
  admins (whose grants cover every site); a visitor sees their own on /me (queries).

Errors are ``LabError`` codes: not_found, forbidden (other_site for another network's or
site's object), invalid (field errors), conflict codes named in each docstring.
"""

from __future__ import annotations

from lab.network.actions import (
    ACTION_TRANSITIONS,
    action_to_module,
    add_action_note,
    move_action,
    open_action,
    update_action,
)
from lab.network.invitations import check_in_contact, invite, record_presence
from lab.network.meetings import (
    add_theme,
    cancel_meeting,
    create_meeting,
    remove_theme,
    update_meeting,
)
from lab.network.minutes import record_decision, send_minutes, write_minutes
from lab.network.partner_files import ImportResult, RowProblem, import_partners
from lab.network.partners import (
    add_contact,
    create_partner,
    issue_contact_pass,
    remove_contact,
    update_contact,
    update_partner,
)
from lab.network.referrals import REFERRAL_TRANSITIONS, forget_visitor, refer, update_referral

__all__ = [
    "ACTION_TRANSITIONS",
    "REFERRAL_TRANSITIONS",
    "ImportResult",
    "RowProblem",
    "action_to_module",
    "add_action_note",
    "add_contact",
    "add_theme",
    "cancel_meeting",
    "check_in_contact",
    "create_meeting",
    "create_partner",
    "forget_visitor",
    "import_partners",
    "invite",
    "issue_contact_pass",
    "move_action",
    "open_action",
    "record_decision",
    "record_presence",
    "refer",
    "remove_contact",
    "remove_theme",
    "send_minutes",
    "update_action",
    "update_contact",
    "update_meeting",
    "update_partner",
    "update_referral",
    "write_minutes",
]
