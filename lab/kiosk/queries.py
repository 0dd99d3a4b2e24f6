"""What the kiosk shows a visitor: the workshops they may join, the equipment they may book
and when it is free, and their own appointments (reads only).

Everything is scoped to the tablet's site: a module or a resource of another site, or one not
open to self-service, is not_found here, as if it did not exist. Free slots come from the
bookings domain's own availability (``lab.bookings.queries.availability_over`` for the days
shown, ``day_slots`` for one); the rules are checked again, for real, when the visitor books
(``lab.bookings.services.book``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts import queries as accounts
from lab.bookings import queries as booking_queries
from lab.bookings.queries import WEEKDAYS, Resource, Slot, day_slots
from lab.core import clock, i18n
from lab.core.errors import NotFound
from lab.core.i18n import N_, _
from lab.kiosk.devices import DevicePrincipal
from lab.visits import queries as visit_queries
from lab.workshops import queries as workshop_queries
from lab.workshops.queries import Module, capacity_of, enrolled_counts, waitlist_position

# A kiosk shows two weeks ahead at most: further plans are made at the desk.
DAYS_SHOWN = 14
# Sessions of a drop-in module listed on the overview (the module's page lists more).
SESSIONS_ON_LIST = 3
SESSIONS_ON_PAGE = 12


async def site_timezone(device: DevicePrincipal) -> str:
    return await accounts.site_timezone(device.site_id)


# -- The visitor's next appointment ------------------------------------------------------------

# A time said the way each language writes it: "14 h 00" in French (never split across lines).
_TIME_FORMATS = {"fr": "H\u00a0'h'\u00a0mm"}


@dataclasses.dataclass(frozen=True, slots=True)
class Appointment:
    title: str
    starts_at: dt.datetime
    timezone: str  # the site's

    def sentence(self) -> str:
        """« Votre prochain rendez-vous : mardi 8 décembre à 14 h 00, Atelier CV »."""
        time_format = _TIME_FORMATS.get(i18n.current_language(), "HH:mm")
        return _(
            "Votre prochain rendez-vous : %(day)s à %(time)s, %(title)s",
            day=i18n.format_datetime(self.starts_at, self.timezone, "EEEE d MMMM"),
            time=i18n.format_datetime(self.starts_at, self.timezone, time_format),
            title=self.title,
        )


# The age bands someone counted without a card may give (or none), with their words.
AGE_BANDS = {
    "under_16": N_("Moins de 16 ans"),
    "16_17": N_("16 ou 17 ans"),
    "18_21": N_("18 à 21 ans"),
    "22_25": N_("22 à 25 ans"),
    "26_29": N_("26 à 29 ans"),
    "30_plus": N_("30 ans ou plus"),
}
assert tuple(AGE_BANDS) == visit_queries.AGE_BANDS


async def visit_purposes(device: DevicePrincipal) -> list:
    """Why one drops in at the tablet's site (code, label in the current language, icon):
    shown before anyone scans, so they hold nothing personal."""
    return list(await visit_queries.purposes_for(device.site_id))


async def next_appointment(device: DevicePrincipal, visitor_id: int) -> Appointment | None:
    """The visitor's next appointment at the tablet's site, from now: the sooner of their next
    workshop session (enrolled) and their next booking (confirmed). None when they have none."""
    now = clock.now()
    found = [
        item
        for item in (
            await workshop_queries.next_session_of(visitor_id, device.site_id, now),
            await booking_queries.next_booking_of(visitor_id, device.site_id, now),
        )
        if item is not None
    ]
    if not found:
        return None
    first = min(found, key=lambda item: item.starts_at)
    return Appointment(first.title, first.starts_at, await site_timezone(device))


# -- Workshops --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class SessionSeats:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    seats_left: int


@dataclasses.dataclass(frozen=True, slots=True)
class Workshop:
    module: Module
    sessions: list[SessionSeats]  # upcoming, soonest first
    seats_left: int  # a series: of the module; drop-in: of its next session

    @property
    def drop_in(self) -> bool:
        return self.module.enrolment == "drop_in"

    @property
    def next_session(self) -> SessionSeats:
        return self.sessions[0]


async def _workshops(modules: list[Module], sessions_each: int) -> list[Workshop]:
    ids = [module.id for module in modules]
    sessions = await workshop_queries.sessions_to_come(ids)
    per_module, per_session = await enrolled_counts(ids)
    found = []
    for module in modules:
        upcoming = [session for session in sessions if session.module == module.id]
        if not upcoming:
            continue  # nothing left to enrol in
        listed = []
        for session in upcoming[:sessions_each] if module.enrolment == "drop_in" else upcoming:
            if module.enrolment == "drop_in":
                left = capacity_of(module, session) - per_session.get(session.id, 0)
            else:
                left = module.capacity - per_module.get(module.id, 0)
            listed.append(
                SessionSeats(session.id, session.starts_at, session.ends_at, max(left, 0))
            )
        found.append(Workshop(module, listed, listed[0].seats_left))
    found.sort(key=lambda workshop: workshop.next_session.starts_at)
    return found


async def workshops(device: DevicePrincipal) -> list[Workshop]:
    """The self-enrolment workshops of the tablet's site that have a session to come."""
    modules = await workshop_queries.self_enrol_modules(device.site_id)
    return await _workshops(modules, SESSIONS_ON_LIST)


async def workshop(device: DevicePrincipal, module_id: int) -> Workshop:
    """One of them, with its sessions to come. Errors: not_found (another site's, closed to
    self-enrolment, inactive, or nothing to come)."""
    modules = await workshop_queries.self_enrol_modules(device.site_id, module_id)
    found = await _workshops(modules, SESSIONS_ON_PAGE)
    if not found:
        raise NotFound(_("Cet atelier n'est pas ouvert aux inscriptions ici."))
    return found[0]


def session_of(workshop: Workshop, session_id: int | None) -> SessionSeats | None:
    """The chosen session of a drop-in workshop (None for a series). Errors: not_found."""
    if not workshop.drop_in:
        if session_id is not None:
            raise NotFound(_("Cette séance n'existe pas."))
        return None
    for session in workshop.sessions:
        if session.id == session_id:
            return session
    raise NotFound(_("Cette séance n'existe pas ou a déjà commencé."))


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    """A visitor's place in a workshop: enrolled, or waitlisted at ``position`` (1 = next)."""

    enrolment_id: int
    status: str
    position: int | None


async def place_of(visitor_id: int, module: Module, session_id: int | None) -> Place | None:
    """The visitor's live enrolment in the module (a series) or the session (drop-in)."""
    row = await workshop_queries.live_enrolment(visitor_id, module.id, module.enrolment, session_id)
    if row is None:
        return None
    return Place(row.id, row.status, await waitlist_position(row))


# -- Booking ----------------------------------------------------------------------------------


async def resources(device: DevicePrincipal) -> list[Resource]:
    """What a visitor may book on this tablet: its site's active self-service resources."""
    return await booking_queries.self_service_resources(device.site_id)


async def resource(device: DevicePrincipal, resource_id: int) -> Resource:
    """Errors: not_found (another site's, not self-service, or inactive)."""
    found = await booking_queries.self_service_resource(device.site_id, resource_id)
    if found is None:
        raise NotFound(_("On ne peut pas réserver cela sur cette tablette."))
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class Day:
    day: dt.date
    open: bool  # False: closed (no opening hours, or a closure)
    full: bool = False  # open, but nothing is free any more (today, late in the day)


async def days(resource: Resource, timezone: str) -> list[Day]:
    """Today and the next days a visitor may book (the resource's horizon, two weeks at
    most), each marked open or closed."""
    return (await _days_and_starts(resource, timezone))[0]


def _shown_days(resource: Resource, timezone: str) -> list[dt.date]:
    now = clock.now()
    today = clock.to_zone(now, timezone).date()
    last = clock.to_zone(now + dt.timedelta(days=resource.horizon_days), timezone).date()
    count = min((last - today).days + 1, DAYS_SHOWN)
    return [today + dt.timedelta(days=offset) for offset in range(count)]


async def _days_and_starts(
    resource: Resource, timezone: str, day: dt.date | None = None
) -> tuple[list[Day], list[Start]]:
    """The days shown (see ``days``) and, when ``day`` is one of them, its free starts: the
    resource's rules, closures and bookings read once for all of them."""
    shown = _shown_days(resource, timezone)
    if not shown:
        return [], []
    today = shown[0]
    wanted = [today] + ([day] if day in shown and day != today else [])
    plan = await booking_queries.availability_over(resource, shown[0], shown[-1], wanted)
    listed = [
        Day(
            shown_day,
            bool(plan.policy.opening_hours.get(WEEKDAYS[shown_day.weekday()], []))
            and shown_day not in plan.policy.closed_days,
        )
        for shown_day in shown
    ]
    # Late in the day, today may have nothing left: say so instead of offering an empty day.
    if listed[0].open and not _starts_from(resource, plan.slots[today]):
        listed[0] = Day(today, True, full=True)
    found = _starts_from(resource, plan.slots[day]) if day in plan.slots else []
    return listed, found


async def bookable_day(device: DevicePrincipal, resource_id: int, day: dt.date) -> dict:
    """One of the tablet's resources and a day it may be booked on, with that day's free
    starts: ``resource``, ``day``, ``timezone`` (the site's) and ``starts``.
    Errors: not_found (another site's resource, not self-service, or a day the kiosk does not
    offer)."""
    found = await resource(device, resource_id)
    timezone = await site_timezone(device)
    listed, free = await _days_and_starts(found, timezone, day)
    if day not in {item.day for item in listed}:
        raise NotFound(_("On ne peut pas réserver ce jour-là ici."))
    return {"resource": found, "day": day, "timezone": timezone, "starts": free}


@dataclasses.dataclass(frozen=True, slots=True)
class Start:
    """A time a visitor may start a booking, and how long they may keep it from there."""

    starts_at: dt.datetime
    durations: list[int]  # minutes, shortest first

    @property
    def choices(self) -> list[tuple[int, dt.datetime]]:
        """(minutes, when it would end) of each duration."""
        return [
            (minutes, self.starts_at + dt.timedelta(minutes=minutes)) for minutes in self.durations
        ]


async def starts(resource: Resource, day: dt.date) -> list[Start]:
    """The free starting times of ``day``: at least one unit free for the shortest booking,
    not too soon (lead time) nor too far (horizon). Each start lists the durations free
    after it, up to the longest allowed.

    A slot's free units are the units free during all of it, so a run of slots each with a
    free unit has a unit free all along (the peak over a run is the highest of its slots').
    """
    return _starts_from(resource, await day_slots(resource, day))


def _starts_from(resource: Resource, slots: list[Slot]) -> list[Start]:
    """The free starting times among a day's ``slots`` (see ``starts``)."""
    now = clock.now()
    earliest = now + dt.timedelta(minutes=resource.lead_minutes)
    latest = now + dt.timedelta(days=resource.horizon_days)
    step = resource.slot_minutes
    shortest = -(-resource.min_minutes // step) * step  # rounded up to whole slots
    found = []
    for index, slot in enumerate(slots):
        if slot.starts_at < earliest or slot.starts_at > latest:
            continue
        durations: list[int] = []
        end = slot.starts_at
        for following in slots[index:]:
            if following.starts_at != end or following.free_units < 1:
                break  # the lab closes in between, or nothing is free
            end = following.ends_at
            minutes = int((end - slot.starts_at).total_seconds() // 60)
            if minutes > resource.max_minutes:
                break
            if minutes >= shortest:
                durations.append(minutes)
        if durations:
            found.append(Start(slot.starts_at, durations))
    return found


async def start_at(resource: Resource, day: dt.date, starts_at: dt.datetime) -> Start | None:
    """The free start of ``day`` at ``starts_at``, or None when it is taken or out of reach."""
    for start in await starts(resource, day):
        if start.starts_at == starts_at:
            return start
    return None


# -- My appointments ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Mine:
    enrolments: list[dict]  # workshops.queries.upcoming_enrolments
    bookings: list[dict]  # bookings.queries.upcoming_bookings


async def mine(visitor_id: int) -> Mine:
    """The visitor's enrolments and bookings still to come (each domain's own listing, the
    one their phone shows too)."""
    return Mine(
        await workshop_queries.upcoming_enrolments(visitor_id),
        await booking_queries.upcoming_bookings(visitor_id),
    )


async def enrolment_to_cancel(visitor_id: int, enrolment_id: int) -> dict:
    """One of the visitor's live enrolments with sessions to come, for "cancel?".
    Errors: not_found (missing, someone else's, no longer live, or over)."""
    found = await workshop_queries.upcoming_enrolment(visitor_id, enrolment_id)
    if found is None:
        raise NotFound(_("Vous n'avez pas cette inscription."), code="not_found")
    return found


async def booking_to_cancel(visitor_id: int, booking_id: int) -> dict:
    """One of the visitor's bookings they may still cancel, for "cancel?". Errors: not_found."""
    found = await booking_queries.cancellable_booking(visitor_id, booking_id)
    if found is None:
        raise NotFound(_("Cette réservation n'existe pas."))
    return found
