"""The figures of a report as data: counts and durations keyed by codes, never by words.

The query layer (``lab.reports.queries``) fills these; pages, charts and files turn them into
words in the reader's language. Because they hold no words and no names, a closed period
freezes them as they are (canonical JSON) and its files come out the same, byte for byte,
whenever they are made again.
"""

from __future__ import annotations

import msgspec

# Attendance that counts: a person was there. Absent and excused never count as attendance.
CAME = ("present", "late")


class SessionFigures(msgspec.Struct, frozen=True, kw_only=True):
    held: int = 0  # not cancelled, started before the report was made
    cancelled: int = 0
    planned: int = 0  # still to come within the period
    seats: int = 0  # the capacity of the sessions held


class AttendanceFigures(msgspec.Struct, frozen=True, kw_only=True):
    attendances: int = 0  # present or late, walk-ins included
    walk_ins: int = 0  # present without an enrolment
    participants: int = 0  # different people among the attendances
    late: int = 0
    absent: int = 0  # no-shows: expected, did not come, not excused
    excused: int = 0
    hours: float = 0.0  # each attendance counts its session's length

    @property
    def expected(self) -> int:
        """Marks that say whether someone came (excused absences left out)."""
        return self.attendances + self.absent


class ModuleWaitlist(msgspec.Struct, frozen=True, kw_only=True):
    module_id: int
    title: str
    demand: int = 0
    converted: int = 0


class WaitlistFigures(msgspec.Struct, frozen=True, kw_only=True):
    demand: int = 0  # places asked for on a waitlist within the period
    converted: int = 0  # waitlisted people given a seat within the period
    modules: list[ModuleWaitlist] = msgspec.field(default_factory=list)  # most asked first


class VisitorFigures(msgspec.Struct, frozen=True, kw_only=True):
    new: int = 0  # people seen in the period whose record was made in it
    returning: int = 0  # people seen in the period, known before it
    kiosk_signups: int = 0  # records made on a kiosk in the period (first visits)


class PurposeFigures(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    labels: dict[str, str]  # the site's own wording by language (fr always)
    visits: int = 0
    anonymous: int = 0
    minutes: int = 0


class VisitFigures(msgspec.Struct, frozen=True, kw_only=True):
    visits: int = 0
    anonymous: int = 0
    minutes: int = 0  # durations, each capped (a visit never closed counts the cap)
    purposes: list[PurposeFigures] = msgspec.field(default_factory=list)
    # People in the lab at each hour of the day (site time), on average over open days.
    by_hour: list[float] = msgspec.field(default_factory=lambda: [0.0] * 24)
    days: int = 0  # days with at least one visit


class ResourceFigures(msgspec.Struct, frozen=True, kw_only=True):
    resource_id: int
    name: str
    kind: str
    site_id: int
    bookings: int = 0  # made for the period (not cancelled)
    used: int = 0  # checked in or completed
    missed: int = 0  # no-shows and released bookings
    cancelled: int = 0
    minutes: int = 0  # booked unit-minutes of the bookings made
    # Share of the resource booked, weekday (Monday first) × hour of the day (site time).
    heatmap: list[list[float]] = msgspec.field(default_factory=list)


class LoanFigures(msgspec.Struct, frozen=True, kw_only=True):
    lent: int = 0  # loans that began in the period
    out: int = 0  # not returned when the report was made
    overdue: int = 0  # not returned and past due


class KindFigures(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    sessions: int = 0
    attendances: int = 0
    hours: float = 0.0


class SiteFigures(msgspec.Struct, frozen=True, kw_only=True):
    site_id: int
    name: str
    sessions: int = 0
    attendances: int = 0
    participants: int = 0
    visits: int = 0


class Trend(msgspec.Struct, frozen=True, kw_only=True):
    """Attendances and drop-in visits per day, week or month of the period."""

    unit: str = "week"  # day | week | month
    starts: list[str] = msgspec.field(default_factory=list)  # ISO days
    attendances: list[int] = msgspec.field(default_factory=list)
    visits: list[int] = msgspec.field(default_factory=list)


class SkillAreaFigures(msgspec.Struct, frozen=True, kw_only=True):
    code: str  # a DigComp area's code ("2")
    labels: dict[str, str]  # the framework's wording by language (fr always)
    validations: int = 0


class SkillModuleFigures(msgspec.Struct, frozen=True, kw_only=True):
    module_id: int
    title: str
    evidence: int = 0  # recorded at its sessions or by its completion
    validations: int = 0


class SkillFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Digital skills: evidence recorded in the period by source, skills validated (a
    facilitator's observation or a module's completion saying "on my own"), badges."""

    self_assessed: int = 0
    observed: int = 0
    completed: int = 0
    people: int = 0  # different people with evidence
    validations: int = 0  # (person, skill) pairs validated in the period
    validated_people: int = 0
    badges_issued: int = 0
    badges_revoked: int = 0
    areas: list[SkillAreaFigures] = msgspec.field(default_factory=list)  # framework order
    modules: list[SkillModuleFigures] = msgspec.field(default_factory=list)  # by title
    # A workshop filter was set: evidence linked to no session nor module is left out.
    linked_only: bool = False

    @property
    def evidence(self) -> int:
        return self.self_assessed + self.observed + self.completed


class Dashboard(msgspec.Struct, frozen=True, kw_only=True):
    first_day: str
    last_day: str
    site_ids: list[int]
    made_at: str  # when the figures were read (UTC, ISO)
    lab_use: bool  # visits, equipment and loans are counted (not for a narrowed programme)
    sessions: SessionFigures
    attendance: AttendanceFigures
    waitlist: WaitlistFigures
    visitors: VisitorFigures
    visits: VisitFigures
    resources: list[ResourceFigures]
    loans: LoanFigures
    kinds: list[KindFigures]
    sites: list[SiteFigures]
    # dimension -> {category code: people}; every category listed, "not_stated" included.
    profile: dict[str, dict[str, int]]
    trend: Trend
    # None in a month closed before skills were counted: its snapshot is read as it was frozen.
    skills: SkillFigures | None = None


class EsfFigures(msgspec.Struct, frozen=True, kw_only=True):
    """ESF+ common output indicators for participants (Regulation (EU) 2021/1057, Annex I):
    indicator code -> {gender code: people}, each person counted once, at their first entry."""

    first_day: str
    last_day: str
    operation_start: str
    site_ids: list[int]
    indicators: dict[str, dict[str, int]]


class RegistrantRow(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """One registrant of one collective session, as the missions locales' information system
    takes it."""

    session_id: int
    day: str  # the session's day (site time, ISO)
    starts: str  # HH:MM, site time
    ends: str
    site: str
    module: str
    session_type: str  # workshop | info_session
    visitor_id: int
    external_ref: str
    last_name: str
    first_name: str
    birth_date: str
    outcome: str  # registered | refused_by_centre | refused_by_young_person | present
