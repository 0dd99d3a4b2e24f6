"""The booking rule engine: pure functions, no database, so tests can throw anything at them.

``refusals()`` lists every rule a requested booking breaks, given the resource's policy, the
bookings that already hold units, the requesting visitor's other bookings and, for a resource
that requires a skill, where the visitor stands with it. The service calls it inside a locked
transaction and writes only when the list is empty.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lab.core.i18n import _, ngettext

if TYPE_CHECKING:
    from lab.bookings.gates import SkillOffer
    from lab.bookings.tables import Booking, Resource

# Statuses that occupy units; the others (cancelled, no_show, released) free them.
HOLDING = ("pending", "confirmed", "checked_in", "completed")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    units: int
    timezone: str
    opening_hours: Mapping[str, list[list[str]]]
    closed_days: frozenset[dt.date] = frozenset()
    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 120
    lead_minutes: int = 0
    horizon_days: int = 30
    buffer_minutes: int = 0
    max_bookings_per_day: int | None = None
    max_bookings_per_week: int | None = None
    max_minutes_per_day: int | None = None
    max_minutes_per_week: int | None = None
    name: str = ""  # the resource's, for the skill refusals
    required_skill: str | None = None  # a practical skill's code
    skill_lapse_months: int | None = None  # unused this long, the skill is needed again

    def blocked_until(self, ends_at: dt.datetime) -> dt.datetime:
        return ends_at + dt.timedelta(minutes=self.buffer_minutes)


@dataclasses.dataclass(frozen=True, slots=True)
class Held:
    """A booking that holds units (or a visitor's booking counted against quotas)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    blocked_until: dt.datetime
    units: int


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    starts_at: dt.datetime
    ends_at: dt.datetime
    units: int = 1
    for_visitor: bool = True
    # Staff at the desk may book right now or far ahead; lead time and horizon are for
    # self-service. Every other rule binds everyone.
    self_service: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    # The workshop module that teaches what is missing: pages offer to enrol in it.
    module_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SkillStanding:
    """Where a visitor stands with the skill a resource requires."""

    since: dt.datetime | None  # see ``skill_since``; None: never validated
    offer: SkillOffer | None = None  # how to get it (the refusal's words); None: its code


def refusals(
    policy: Policy,
    request: Request,
    held: Iterable[Held],
    visitor_bookings: Iterable[Held] = (),
    skill: SkillStanding | None = None,
    now: dt.datetime | None = None,
) -> list[Refusal]:
    """Every rule ``request`` breaks. A visitor's request for a resource that requires a skill
    is refused unless ``skill`` says they hold it: no standing given is no skill."""
    found = _shape(policy, request)
    if found:
        return found  # the other rules need a well-formed interval
    found += _timing(policy, request, now)
    found += _opening(policy, request)
    if policy.required_skill and request.for_visitor:
        found += _skill(policy, skill or SkillStanding(None), now or request.starts_at)
    if request.for_visitor:
        found += _quotas(policy, request, list(visitor_bookings))
    free = free_units(policy, list(held), request.starts_at, policy.blocked_until(request.ends_at))
    if request.units > free:
        found.append(
            Refusal(
                "capacity",
                _("Déjà réservé à ce moment-là.")
                if free == 0
                else ngettext(
                    "Il ne reste que %(num)d unité libre à ce moment-là.",
                    "Il ne reste que %(num)d unités libres à ce moment-là.",
                    free,
                ),
            )
        )
    return found


def skill_since(
    validated_at: dt.datetime | None, last_used: dt.datetime | None
) -> dt.datetime | None:
    """Since when a visitor's skill counts: the later of its validation and their last use of
    a resource that requires it. A use never stands for a validation: never validated, None."""
    if validated_at is None:
        return None
    return max(validated_at, last_used) if last_used is not None else validated_at


def months_before(moment: dt.datetime, months: int, timezone: str) -> dt.datetime:
    """The same wall-clock time ``months`` calendar months earlier in ``timezone``; a day the
    month lacks becomes its last (31 August minus 6 months is 28 or 29 February)."""
    local = moment.astimezone(ZoneInfo(timezone))
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def skill_verdict(policy: Policy, since: dt.datetime | None, at: dt.datetime) -> str | None:
    """``skill_required`` (never validated), ``skill_lapsed`` (neither validated nor used for
    ``skill_lapse_months`` months before ``at``), or None: the visitor holds the skill."""
    if since is None:
        return "skill_required"
    months = policy.skill_lapse_months
    if months is not None and since < months_before(at, months, policy.timezone):
        return "skill_lapsed"
    return None


def _skill(policy: Policy, standing: SkillStanding, at: dt.datetime) -> list[Refusal]:
    verdict = skill_verdict(policy, standing.since, at)
    if verdict is None:
        return []
    offer = standing.offer
    skill = offer.skill_name if offer is not None else policy.required_skill
    if verdict == "skill_required":
        what = _(
            "Pour réserver « %(resource)s », il faut d'abord savoir « %(skill)s ».",
            resource=policy.name,
            skill=skill,
        )
    else:
        what = ngettext(
            "Vous n'avez pas utilisé « %(resource)s » depuis plus de %(num)d mois : il faut "
            "de nouveau savoir « %(skill)s ».",
            "Vous n'avez pas utilisé « %(resource)s » depuis plus de %(num)d mois : il faut "
            "de nouveau savoir « %(skill)s ».",
            policy.skill_lapse_months or 0,
            resource=policy.name,
            skill=skill,
        )
    if offer is not None and offer.module_id is not None:
        how = _("L'atelier « %(module)s » vous l'apprend.", module=offer.module_title or "")
        return [Refusal(verdict, f"{what} {how}", module_id=offer.module_id)]
    how = _("Demandez à l'accueil.")
    return [Refusal(verdict, f"{what} {how}")]


def free_units(policy: Policy, held: list[Held], start: dt.datetime, end: dt.datetime) -> int:
    """Units free during the whole of [start, end): units minus the peak of what overlaps."""
    return policy.units - peak_units(held, start, end)


def peak_units(held: list[Held], start: dt.datetime, end: dt.datetime) -> int:
    events: list[tuple[dt.datetime, int]] = []
    for booking in held:
        if booking.starts_at < end and start < booking.blocked_until:
            events.append((max(booking.starts_at, start), booking.units))
            events.append((min(booking.blocked_until, end), -booking.units))
    # At equal times, releases come first: back-to-back bookings do not overlap.
    events.sort(key=lambda event: (event[0], event[1]))
    peak = current = 0
    for _moment, change in events:
        current += change
        peak = max(peak, current)
    return peak


def _local(policy: Policy, moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(policy.timezone))


def _minutes(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def _shape(policy: Policy, request: Request) -> list[Refusal]:
    if request.starts_at.tzinfo is None or request.ends_at.tzinfo is None:
        raise ValueError("naive datetime in a booking request")
    if request.ends_at <= request.starts_at:
        return [Refusal("invalid_interval", _("L'heure de fin doit être après l'heure de début."))]
    if request.units < 1 or request.units > policy.units:
        return [
            Refusal(
                "invalid_units",
                ngettext(
                    "On peut réserver de 1 à %(num)d unité.",
                    "On peut réserver de 1 à %(num)d unités.",
                    policy.units,
                ),
            )
        ]
    found = []
    duration = int((request.ends_at - request.starts_at).total_seconds() // 60)
    start = _local(policy, request.starts_at)
    if _minutes(start) % policy.slot_minutes or duration % policy.slot_minutes or start.second:
        found.append(
            Refusal(
                "not_on_slot",
                _("Les réservations se font par tranches de %(n)s minutes.", n=policy.slot_minutes),
            )
        )
    if duration < policy.min_minutes:
        found.append(
            Refusal("too_short", _("Durée minimale : %(n)s minutes.", n=policy.min_minutes))
        )
    if duration > policy.max_minutes:
        found.append(
            Refusal("too_long", _("Durée maximale : %(n)s minutes.", n=policy.max_minutes))
        )
    return found


def _timing(policy: Policy, request: Request, now: dt.datetime | None) -> list[Refusal]:
    if now is None:
        return []
    if request.ends_at <= now:
        return [Refusal("in_the_past", _("Ce créneau est déjà passé."))]
    if not request.self_service:
        return []
    if request.starts_at < now + dt.timedelta(minutes=policy.lead_minutes):
        return [
            Refusal(
                "too_soon",
                _("Il faut réserver au moins %(n)s minutes à l'avance.", n=policy.lead_minutes),
            )
        ]
    if request.starts_at > now + dt.timedelta(days=policy.horizon_days):
        return [
            Refusal(
                "too_far",
                _("On ne peut pas réserver plus de %(n)s jours à l'avance.", n=policy.horizon_days),
            )
        ]
    return []


def _opening(policy: Policy, request: Request) -> list[Refusal]:
    start, end = _local(policy, request.starts_at), _local(policy, request.ends_at)
    if start.date() in policy.closed_days:
        return [Refusal("closed_day", _("Le lab est fermé ce jour-là."))]
    end_minutes = _minutes(end) if end.date() == start.date() else 24 * 60 + _minutes(end)
    for opens, closes in policy.opening_hours.get(WEEKDAYS[start.weekday()], []):
        if _parse(opens) <= _minutes(start) and end_minutes <= _parse(closes):
            return []
    return [Refusal("outside_opening_hours", _("Ce créneau est en dehors des heures d'ouverture."))]


def _parse(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _quotas(policy: Policy, request: Request, mine: list[Held]) -> list[Refusal]:
    day = _local(policy, request.starts_at).date()
    week = day.isocalendar()[:2]
    same_day = [b for b in mine if _local(policy, b.starts_at).date() == day]
    same_week = [b for b in mine if _local(policy, b.starts_at).date().isocalendar()[:2] == week]
    asked = int((request.ends_at - request.starts_at).total_seconds() // 60)

    def minutes(bookings: list[Held]) -> int:
        return sum(int((b.ends_at - b.starts_at).total_seconds() // 60) for b in bookings)

    found = []
    if policy.max_bookings_per_day is not None and len(same_day) >= policy.max_bookings_per_day:
        found.append(
            Refusal(
                "quota_day_bookings",
                ngettext(
                    "%(num)d réservation par jour au maximum.",
                    "%(num)d réservations par jour au maximum.",
                    policy.max_bookings_per_day,
                ),
            )
        )
    if policy.max_bookings_per_week is not None and len(same_week) >= policy.max_bookings_per_week:
        found.append(
            Refusal(
                "quota_week_bookings",
                ngettext(
                    "%(num)d réservation par semaine au maximum.",
                    "%(num)d réservations par semaine au maximum.",
                    policy.max_bookings_per_week,
                ),
            )
        )
    if (
        policy.max_minutes_per_day is not None
        and minutes(same_day) + asked > policy.max_minutes_per_day
    ):
        found.append(
            Refusal(
                "quota_day_minutes",
                _("%(n)s minutes par jour au maximum.", n=policy.max_minutes_per_day),
            )
        )
    if (
        policy.max_minutes_per_week is not None
        and minutes(same_week) + asked > policy.max_minutes_per_week
    ):
        found.append(
            Refusal(
                "quota_week_minutes",
                _("%(n)s minutes par semaine au maximum.", n=policy.max_minutes_per_week),
            )
        )
    return found


def checkin_window(booking: Booking, resource: Resource) -> tuple[dt.datetime, dt.datetime]:
    """When a booking can be checked in: from ``checkin_before_minutes`` before its start
    until it is released (or until its end when the resource never releases)."""
    opens = booking.starts_at - dt.timedelta(minutes=resource.checkin_before_minutes)
    if resource.release_after_minutes is None:
        return opens, booking.ends_at
    return opens, min(
        booking.ends_at, booking.starts_at + dt.timedelta(minutes=resource.release_after_minutes)
    )
