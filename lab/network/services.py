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

import dataclasses

from lab.core.roles import StaffPrincipal
from lab.network.forms import (
    ActionInput,
    ActionNoteInput,
    ContactInput,
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PartnerInput,
    PresenceInput,
    ReferralInput,
    ReferralUpdateInput,
    ThemeInput,
)
from lab.network.tables import (
    NetworkAction,
    NetworkActionNote,
    NetworkContact,
    NetworkDecision,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
    NetworkTheme,
)

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

# The actions' state machine: proposed → under_way → done; proposed or under_way → abandoned;
# under_way → proposed (put back on hold, e.g. waiting for a partner's answer). Done and
# abandoned are final: a new action is opened instead, so the history stays true.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"under_way", "abandoned"}),
    "under_way": frozenset({"proposed", "done", "abandoned"}),
    "done": frozenset(),
    "abandoned": frozenset(),
}
# A referral: sent → taken_up | not_taken_up → outcome_known (the outcome of one not taken up
# may still become known: the young person went elsewhere). Outcome known is final.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "sent": frozenset({"taken_up", "not_taken_up"}),
    "taken_up": frozenset({"outcome_known"}),
    "not_taken_up": frozenset({"outcome_known"}),
    "outcome_known": frozenset(),
}


@dataclasses.dataclass(frozen=True, slots=True)
class RowProblem:
    """One line of an imported file that was not imported, or imported with a warning."""

    line: int  # the line number in the file (the header is line 1)
    messages: tuple[str, ...]  # in the importing person's language
    warning: bool = False  # a duplicate (imported only with ``confirm_duplicates``)


@dataclasses.dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    problems: tuple[RowProblem, ...]


# -- partners and contact people --------------------------------------------------------------


async def create_partner(actor: StaffPrincipal, data: PartnerInput) -> NetworkPartner:
    """Add a partner, followed by ``data.site_id``.

    Errors: forbidden (not a manager of that site), invalid (workshop partner of another
    site), duplicate_partner (Conflict: a partner of the same network has the same name and
    municipality once normalised; the message names it; saved when ``confirm_duplicate``)."""
    raise NotImplementedError


async def update_partner(
    actor: StaffPrincipal, partner_id: int, data: PartnerInput
) -> NetworkPartner:
    """Change a partner (and the site that follows it). Errors: as ``create_partner``, and
    not_found, forbidden (other_site: another network's partner)."""
    raise NotImplementedError


async def import_partners(
    actor: StaffPrincipal, site_id: int, text: str, *, confirm_duplicates: bool = False
) -> ImportResult:
    """Import partners from CSV (the columns of ``queries.export_partners``; ``;`` or ``,``
    separated, UTF-8 with or without BOM), followed by ``site_id``.

    All or nothing: when any line has an error, nothing is imported and every line's errors
    are returned (``created`` 0). A line whose name and municipality match an existing
    partner, or an earlier line, is a warning: skipped unless ``confirm_duplicates``.
    Errors: forbidden (not a manager of ``site_id``), invalid (not a CSV, no name column, too
    many lines)."""
    raise NotImplementedError


async def add_contact(actor: StaffPrincipal, partner_id: int, data: ContactInput) -> NetworkContact:
    """Add a contact person to a partner. Errors: not_found, forbidden, invalid (e-mail)."""
    raise NotImplementedError


async def update_contact(
    actor: StaffPrincipal, contact_id: int, data: ContactInput
) -> NetworkContact:
    """Errors: not_found, forbidden, invalid."""
    raise NotImplementedError


async def remove_contact(actor: StaffPrincipal, contact_id: int) -> None:
    """Delete a contact person (who left the organisation): their invitations go with them;
    referrals keep the partner. Errors: not_found, forbidden."""
    raise NotImplementedError


async def issue_contact_pass(actor: StaffPrincipal, contact_id: int) -> str:
    """A new meeting pass for a contact person: the token for their QR (shown once; only its
    hash is kept, the previous one stops working). Errors: not_found, forbidden."""
    raise NotImplementedError


# -- meetings ---------------------------------------------------------------------------------


async def create_meeting(actor: StaffPrincipal, data: MeetingInput) -> NetworkMeeting:
    """Errors: forbidden (not a manager of the site), invalid (end before start)."""
    raise NotImplementedError


async def update_meeting(
    actor: StaffPrincipal, meeting_id: int, data: MeetingInput
) -> NetworkMeeting:
    """Change the date, place or title; the site stays. When the time or place changed, the
    invited get an updated invitation (same UID, higher SEQUENCE). Errors: not_found,
    forbidden, invalid, meeting_cancelled."""
    raise NotImplementedError


async def cancel_meeting(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """Cancel; the invited get a cancellation (METHOD:CANCEL). Errors: not_found, forbidden,
    meeting_cancelled."""
    raise NotImplementedError


async def add_theme(actor: StaffPrincipal, meeting_id: int, data: ThemeInput) -> NetworkTheme:
    """Append an item to the agenda. Errors: not_found, forbidden."""
    raise NotImplementedError


async def remove_theme(actor: StaffPrincipal, theme_id: int) -> None:
    """Errors: not_found, forbidden."""
    raise NotImplementedError


async def invite(
    actor: StaffPrincipal, meeting_id: int, data: InviteInput
) -> list[NetworkInvitation]:
    """Invite contact people (and organisations with no person named); each new invitee gets
    an e-mail with the meeting's .ics, in their language (the contact's, else the partner's).
    Inviting someone twice does nothing. Returns the new invitations. Errors: not_found,
    forbidden, invalid (a contact or partner of another network), meeting_cancelled."""
    raise NotImplementedError


async def record_presence(
    actor: StaffPrincipal, meeting_id: int, data: PresenceInput
) -> NetworkInvitation:
    """Mark an invitee present, absent or excused (back to invited to undo), as for a
    workshop's attendance. Errors: not_found, forbidden (any staff of the meeting's site may
    take attendance; a facilitator too)."""
    raise NotImplementedError


async def check_in_contact(
    actor: StaffPrincipal, meeting_id: int, scanned: str
) -> NetworkInvitation:
    """Mark present the contact person whose meeting pass was scanned (the QR's text or the
    token). Idempotent: scanning again returns the same invitation. Errors: not_found
    (unknown pass), not_invited (the person is not invited to this meeting), forbidden."""
    raise NotImplementedError


async def write_minutes(
    actor: StaffPrincipal, meeting_id: int, data: MinutesInput
) -> NetworkMeeting:
    """Save the minutes written in the page; a meeting whose minutes are written is held.
    Errors: not_found, forbidden, meeting_cancelled."""
    raise NotImplementedError


async def send_minutes(actor: StaffPrincipal, meeting_id: int) -> int:
    """E-mail the minutes (and the meeting's .ics) to every invitee with an address, in their
    language; how many were queued. Errors: not_found, forbidden, no_minutes."""
    raise NotImplementedError


async def record_decision(
    actor: StaffPrincipal, meeting_id: int, data: DecisionInput
) -> NetworkDecision:
    """Errors: not_found, forbidden, invalid (a theme of another meeting)."""
    raise NotImplementedError


# -- actions ----------------------------------------------------------------------------------


async def open_action(actor: StaffPrincipal, data: ActionInput) -> NetworkAction:
    """Open an action (status proposed), from a decision when ``decision_id``. Errors:
    forbidden (not a manager of the site), not_found (decision), invalid (owner, partners)."""
    raise NotImplementedError


async def update_action(actor: StaffPrincipal, action_id: int, data: ActionInput) -> NetworkAction:
    """Change title, kind, owner, due date and partners (not the status: ``move_action``).
    Errors: not_found, forbidden, invalid, action_closed."""
    raise NotImplementedError


async def move_action(actor: StaffPrincipal, action_id: int, status: str) -> NetworkAction:
    """Move an action along ``ACTION_TRANSITIONS``; each move is audited
    (network.action.moved), and so is each refusal (network.action.refused).
    Errors: not_found, forbidden, transition_refused (Conflict)."""
    raise NotImplementedError


async def add_action_note(
    actor: StaffPrincipal, action_id: int, data: ActionNoteInput
) -> NetworkActionNote:
    """Any staff member of the action's site may note its progress. Errors: not_found,
    forbidden."""
    raise NotImplementedError


async def action_to_module(actor: StaffPrincipal, action_id: int) -> int:
    """Turn the action into a workshop module of its site (title, kind, description; the
    first partner's workshop partner when it has one) and keep the link; the module's id.
    Doing it again returns the same module. Errors: not_found, forbidden, action_closed
    (abandoned)."""
    raise NotImplementedError


# -- referrals --------------------------------------------------------------------------------


async def refer(actor: StaffPrincipal, data: ReferralInput) -> NetworkReferral:
    """Refer a visitor to a partner for a need, with their consent, and e-mail the partner's
    contact (or the partner) only the first name, the need, and, when the young person agreed,
    how to reach them (``referral_message``).

    Errors: consent_required (Invalid: no consent, nothing is written; the refusal is
    audited), not_found, forbidden (visitor or site not the actor's; partner of another
    network), invalid (contact of another partner)."""
    raise NotImplementedError


async def update_referral(
    actor: StaffPrincipal, referral_id: int, data: ReferralUpdateInput
) -> NetworkReferral:
    """Move a referral along ``REFERRAL_TRANSITIONS`` (or change only its follow-up date with
    the same status); outcome_known needs an outcome. Audited. Errors: not_found,
    forbidden, transition_refused, outcome_required."""
    raise NotImplementedError
