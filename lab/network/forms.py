"""Input types of the network domain, shared by the HTML forms, the CSV import and the JSON API.

The kinds, statuses and needs are the lists the database holds (see the network migration);
their labels are in ``lab.network.labels``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from lab.core.forms import EMAIL_PATTERN, PHONE_PATTERN, TEXT_PATTERN, LongText, Name, ShortText
from lab.core.i18n import N_
from lab.core.params import FieldId

PartnerKind = Literal[
    "employment_service",
    "training",
    "job_coaching",
    "social_economy",
    "youth",
    "health",
    "housing",
    "employer",
    "other",
]
Language = Literal["fr", "nl", "en"]
ThemeKind = Literal["training_offer", "hiring_plan", "decree", "local_event", "other"]
Presence = Literal["invited", "present", "absent", "excused"]
ActionKind = Literal["joint_workshop", "job_dating", "info_session", "shared_training", "other"]
ActionStatus = Literal["proposed", "under_way", "done", "abandoned"]
Need = Literal["training", "job", "housing", "health", "rights", "mobility", "other"]
ReferralStatus = Literal["sent", "taken_up", "not_taken_up", "outcome_known"]
Outcome = Literal[
    "found_training", "found_job", "found_housing", "care", "rights_opened", "other", "none"
]

# A work e-mail, or nothing; a wrong one is refused with a sentence that says so.
WorkEmail = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=f"^$|{EMAIL_PATTERN}",
        extra={"message": N_("Adresse e-mail non valide : écrivez-la ainsi : nom@organisme.be")},
    ),
]
WorkPhone = Annotated[
    str,
    msgspec.Meta(
        max_length=20,
        pattern=f"^$|{PHONE_PATTERN}",
        extra={"message": N_("Numéro de téléphone non valide.")},
    ),
]
Text200 = Annotated[str, msgspec.Meta(max_length=200, pattern=TEXT_PATTERN)]
Tags = Annotated[str, msgspec.Meta(max_length=300, pattern=TEXT_PATTERN)]
Link = Annotated[
    str,
    msgspec.Meta(
        max_length=300,
        pattern=r"^$|^https?://[^\s<>\"']+$",
        extra={"message": N_("Lien non valide : il commence par https://")},
    ),
]
# Minutes are written in the page: longer than other free text.
Minutes = Annotated[str, msgspec.Meta(max_length=20000, pattern=TEXT_PATTERN)]


class PartnerInput(msgspec.Struct, forbid_unknown_fields=False):
    """A partner organisation. ``site_id``: the site that follows it."""

    site_id: FieldId
    name: ShortText
    kind: PartnerKind
    municipality: Text200 = ""
    zone: LongText = ""
    services: LongText = ""
    tags: Tags = ""
    language: Language = "fr"
    email: WorkEmail = ""
    phone: WorkPhone = ""
    address: LongText = ""
    website: Link = ""
    workshop_partner_id: FieldId | None = None
    active: bool = True
    # A partner with the same name and municipality as another is a warning: the person
    # confirms and it is saved anyway.
    confirm_duplicate: bool = False


class ContactInput(msgspec.Struct, forbid_unknown_fields=False):
    """A contact person at a partner: professional data only."""

    first_name: Name
    last_name: Name
    role: Text200 = ""
    email: WorkEmail = ""
    phone: WorkPhone = ""
    language: Language | None = None  # None: the partner's
    active: bool = True


class MeetingInput(msgspec.Struct, forbid_unknown_fields=False):
    """A meeting on ``day`` from ``start`` to ``end``, in the site's own time."""

    site_id: FieldId
    title: ShortText
    day: dt.date
    start: dt.time
    end: dt.time
    place: LongText = ""
    video_link: Link = ""
    zone: Text200 = ""


class ThemeInput(msgspec.Struct, forbid_unknown_fields=False):
    title: Text200
    kind: ThemeKind = "other"
    notes: LongText = ""


class InviteInput(msgspec.Struct, forbid_unknown_fields=False):
    """Who to invite: contact people, and organisations with no person named."""

    contact_ids: list[FieldId] = []
    partner_ids: list[FieldId] = []


class PresenceInput(msgspec.Struct, forbid_unknown_fields=False):
    invitation_id: FieldId
    presence: Presence


class MinutesInput(msgspec.Struct, forbid_unknown_fields=False):
    minutes: Minutes = ""


class DecisionInput(msgspec.Struct, forbid_unknown_fields=False):
    text: LongText
    theme_id: FieldId | None = None


class ActionInput(msgspec.Struct, forbid_unknown_fields=False):
    """An action; ``decision_id`` when it is opened from a meeting's decision."""

    site_id: FieldId
    title: Text200
    kind: ActionKind = "other"
    description: LongText = ""
    owner_id: FieldId | None = None
    due_on: dt.date | None = None
    partner_ids: list[FieldId] = []
    decision_id: FieldId | None = None


class ActionNoteInput(msgspec.Struct, forbid_unknown_fields=False):
    text: LongText


class ReferralInput(msgspec.Struct, forbid_unknown_fields=False):
    """A referral. ``consent``: the young person agreed to be referred (required);
    ``share_contact``: they agreed that the partner may contact them."""

    visitor_id: FieldId
    partner_id: FieldId
    need: Need
    consent: bool = False
    share_contact: bool = False
    contact_id: FieldId | None = None
    follow_up_on: dt.date | None = None
    site_id: FieldId | None = None  # the referring site; the visitor's site when omitted


class ReferralUpdateInput(msgspec.Struct, forbid_unknown_fields=False):
    """A referral's next status; ``follow_up_on`` None keeps the date it has."""

    status: ReferralStatus
    outcome: Outcome | None = None
    follow_up_on: dt.date | None = None
