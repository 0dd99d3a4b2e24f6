"""Input types of the bookings domain, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from lab.core.errors import Invalid
from lab.core.forms import LongText, ShortText
from lab.core.i18n import N_, _
from lab.core.params import FieldId, Moment

Kind = Literal["tablet_pool", "studio", "room", "screen", "computer", "other"]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
Count = Annotated[int, msgspec.Meta(ge=1, le=1000)]
Units = Annotated[int, msgspec.Meta(ge=1, le=500)]
Slot = Literal[5, 10, 15, 20, 30, 45, 60, 90, 120]
# A practical skill's code, as the skills domain names it (bookings cannot read its list).
SkillCode = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9-]{1,39}$",
        extra={"message": N_("Lettres minuscules sans accent, chiffres et tirets seulement.")},
    ),
]
Weekday = Literal[0, 1, 2, 3, 4, 5, 6]
Note = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^<>]*$")]


class ResourceInput(msgspec.Struct):
    site_id: FieldId
    kind: Kind
    name: ShortText
    units: Units = 1
    description: LongText = ""
    active: bool = True
    slot_minutes: Slot = 30
    min_minutes: Minutes = 30
    max_minutes: Minutes = 120
    lead_minutes: Minutes = 0
    horizon_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 30
    buffer_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 0
    max_bookings_per_day: Count | None = None
    max_bookings_per_week: Count | None = None
    max_minutes_per_day: Annotated[int, msgspec.Meta(ge=5, le=24 * 60)] | None = None
    max_minutes_per_week: Annotated[int, msgspec.Meta(ge=5, le=7 * 24 * 60)] | None = None
    needs_approval: bool = False
    kiosk_self_service: bool = False
    checkin_before_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 15
    release_after_minutes: Annotated[int, msgspec.Meta(ge=1, le=240)] | None = 15
    required_skill: SkillCode | None = None
    skill_lapse_months: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None

    def check(self) -> None:
        """Rules that contradict each other are refused with the field to fix."""
        errors = {}
        if self.min_minutes < self.slot_minutes or self.min_minutes % self.slot_minutes:
            errors["min_minutes"] = _("Un multiple de la tranche, au moins une tranche.")
        if self.max_minutes < self.min_minutes or self.max_minutes % self.slot_minutes:
            errors["max_minutes"] = _(
                "Un multiple de la tranche, au moins égal à la durée minimale."
            )
        if self.skill_lapse_months is not None and self.required_skill is None:
            errors["skill_lapse_months"] = _("Seulement avec une compétence requise.")
        if errors:
            raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)


class ClosureInput(msgspec.Struct):
    site_id: FieldId
    day: dt.date
    label: ShortText | None = None


class BookingInput(msgspec.Struct):
    """A staff booking: a visitor's, or for the staff's own use when ``visitor_id`` is empty.
    Day and times are the site's local ones."""

    resource_id: FieldId
    day: dt.date
    start: dt.time
    end: dt.time
    visitor_id: FieldId | None = None
    units: Units = 1
    note: Note = ""


class SeriesInput(BookingInput):
    """Weekly on ``weekdays`` (0 = Monday) from ``day`` until ``until`` (inclusive)."""

    weekdays: list[Weekday] = []
    until: dt.date | None = None


class MoveInput(msgspec.Struct):
    resource_id: FieldId
    day: dt.date
    start: dt.time
    end: dt.time
    units: Units = 1
    note: Note = ""


class CheckInInput(msgspec.Struct):
    """What a scanner typed (a pass URL or token) or a short code."""

    code: Annotated[str, msgspec.Meta(min_length=4, max_length=300, pattern=r"^[^<>\s]+$")]


class BookingApiInput(msgspec.Struct):
    """A booking through the API: aware instants (with a UTC offset)."""

    resource_id: FieldId
    starts_at: Moment
    ends_at: Moment
    visitor_id: FieldId | None = None
    units: Units = 1
    note: Note = ""
