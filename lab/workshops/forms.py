"""Input types of the workshops domain, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from lab.core.forms import LongText, ShortText
from lab.core.params import FieldId

ModuleKind = Literal[
    "job_search", "orientation", "digital_skills", "info_session", "partner_meeting", "other"
]
PartnerKind = Literal["employment", "training", "association", "company", "public", "other"]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=500)]
Tags = Annotated[str, msgspec.Meta(max_length=300, pattern=r"^[^<>]*$")]


class ModuleInput(msgspec.Struct):
    site_id: FieldId
    title: ShortText
    kind: ModuleKind
    capacity: Capacity = 12
    enrolment: Literal["series", "drop_in"] = "series"
    description: LongText = ""
    audience: Annotated[str, msgspec.Meta(max_length=200, pattern=r"^[^<>]*$")] = ""
    self_enrol: bool = False
    partner_id: FieldId | None = None
    room_id: FieldId | None = None
    completion_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] = 80
    late_after_minutes: Annotated[int, msgspec.Meta(ge=0, le=120)] = 10
    competences: Tags = ""
    facilitator_ids: list[FieldId] = []
    active: bool = True


class PartnerInput(msgspec.Struct):
    site_id: FieldId
    name: ShortText
    kind: PartnerKind
    contact: LongText = ""


class ScheduleInput(msgspec.Struct):
    """One session, or ``repeat_weeks`` sessions a week apart, at the site's local times."""

    day: dt.date
    start: dt.time
    end: dt.time
    repeat_weeks: Annotated[int, msgspec.Meta(ge=1, le=52)] = 1
    capacity: Capacity | None = None


class SessionMoveInput(msgspec.Struct):
    day: dt.date
    start: dt.time
    end: dt.time


class EnrolInput(msgspec.Struct):
    visitor_id: FieldId
    session_id: FieldId | None = None  # drop-in modules: the session
