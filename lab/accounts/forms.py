"""Input types of the accounts domain, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from lab.core.forms import TEXT_PATTERN, Email, LongText, Name, Phone, ShortText
from lab.core.i18n import N_
from lab.core.params import FieldId
from lab.core.roles import ROLES

Gender = Literal["female", "male", "other", "undisclosed"]
PriorityArea = Literal["yes", "no", "undisclosed"]
Status = Literal["job_seeker", "student", "training", "employed", "inactive", "other"]
EducationLevel = Literal["none", "level3", "level4", "level5", "level6", "undisclosed"]
Language = Literal["fr", "en", "nl"]
RoleName = Literal[ROLES]  # type: ignore[valid-type]

Postcode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4,5}$",
        extra={"message": N_("Code postal : 4 chiffres (Belgique) ou 5 chiffres (France).")},
    ),
]
ExternalRef = Annotated[
    str,
    msgspec.Meta(
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./\-]*$",
        extra={"message": N_("Lettres, chiffres, espaces, points, tirets et barres seulement.")},
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=12, max_length=200)]
Slug = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=60,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        extra={"message": N_("Lettres minuscules sans accent, chiffres et tirets seulement.")},
    ),
]
Timezone = Literal["Europe/Paris", "Europe/Brussels", "Indian/Reunion", "America/Guadeloupe"]
HoursLine = Annotated[
    str,
    msgspec.Meta(
        max_length=60,
        pattern=r"^\s*(\d{1,2}[:h]\d{2}\s*-\s*\d{1,2}[:h]\d{2}\s*(,\s*|$))*$",
        extra={"message": N_("Écrivez les horaires ainsi : 09:00-12:30, 13:30-17:00")},
    ),
]
SearchText = Annotated[str, msgspec.Meta(max_length=60, pattern=TEXT_PATTERN)]
RetainYears = Annotated[int, msgspec.Meta(ge=1, le=100)]
FollowUpAge = Annotated[int, msgspec.Meta(ge=0, le=120)]


class VisitorInput(msgspec.Struct, forbid_unknown_fields=False):
    """A visitor's record. Only first name, last name, birth date, postcode and status are
    required; funder fields are optional and always offer "prefer not to say"."""

    first_name: Name
    last_name: Name
    birth_date: dt.date
    postcode: Postcode
    status: Status
    preferred_language: Language = "fr"
    gender: Gender | None = None
    priority_area: PriorityArea | None = None
    education_level: EducationLevel | None = None
    phone: Phone | None = None
    email: Email | None = None
    external_ref: ExternalRef | None = None


class NewVisitorInput(VisitorInput):
    site_id: FieldId | None = None
    # Set after the duplicate warning: "this is another person, create anyway".
    confirm_not_duplicate: bool = False


class LoginInput(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class SecondFactorInput(msgspec.Struct):
    """A code from the authenticator app, or a recovery code (the service tells them apart)."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class SiteInput(msgspec.Struct):
    name: ShortText
    slug: Slug
    timezone: Timezone
    address: LongText | None = None
    network: ShortText | None = None
    hours_mon: HoursLine | None = None
    hours_tue: HoursLine | None = None
    hours_wed: HoursLine | None = None
    hours_thu: HoursLine | None = None
    hours_fri: HoursLine | None = None
    hours_sat: HoursLine | None = None
    hours_sun: HoursLine | None = None
    active: bool = True
    # This site's retention of visitors' records; empty: the deployment's settings
    # (LAB_RETAIN_VISITOR_YEARS, and LAB_FOLLOW_UP_AGE_FR or _BE by the site's country).
    retain_visitor_years: RetainYears | None = None
    follow_up_age: FollowUpAge | None = None


class NewStaffInput(msgspec.Struct):
    email: Email
    name: Name
    password: Password
    role: RoleName
    language: Language = "fr"
    site_id: FieldId | None = None


class StaffUpdateInput(msgspec.Struct):
    name: Name
    language: Language
    active: bool = False


class GrantInput(msgspec.Struct):
    role: RoleName
    site_id: FieldId | None = None


class PasswordInput(msgspec.Struct):
    password: Password


class SearchInput(msgspec.Struct):
    q: SearchText | None = None


class LanguageInput(msgspec.Struct):
    language: Language
    next: Annotated[str, msgspec.Meta(max_length=500)] | None = None


# Checked for length here; what makes a good PIN is pins.check_new_pin's rule.
PinText = Annotated[str, msgspec.Meta(max_length=8)]


class EraseInput(msgspec.Struct):
    """The erasure's confirmation: a box the manager ticks, since nothing brings it back."""

    confirm: bool = False


class PinResetInput(msgspec.Struct):
    """A new PIN typed twice by the visitor at the desk."""

    pin: PinText = ""
    pin_confirm: PinText = ""


ConsentPurpose = Literal[
    "messages_email", "messages_sms", "photos", "share_partner", "reporting_optional_fields"
]
GuardianRelation = Literal["parent", "guardian"]


class ConsentInput(msgspec.Struct):
    """A consent given for one optional purpose (lab.accounts.consents). ``partner`` names the
    partner of ``share_partner``; the guardian is asked for a minor under the consent age."""

    purpose: ConsentPurpose
    partner: ShortText | None = None
    guardian_name: Name | None = None
    guardian_relation: GuardianRelation | None = None
