"""The booking lifecycle: book, book a series, move, cancel, approve, check in.

Every write follows one pattern: lock, check, write, log. The resource row is locked (on
SQLite the IMMEDIATE transaction holds the database's write lock), the rule engine checks the
request against what already holds units, and only then the booking is written. A refusal is
logged too, after the transaction rolled back.

This module is bookings' public write surface (``__all__``): other domains book, move, cancel
and check in through it, and register their own calendar feeds through the re-exported names
of ``lab.bookings.feeds``. A resource may require a practical skill: the app registers the
skills domain's gate (``check_skills_with``, ``SkillGate``, ``SkillOffer``), which bookings
may not import. Reads are in ``lab.bookings.queries``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid

from lab.accounts.queries import site_timezone, visitor_at_site
from lab.bookings import gates, releases
from lab.bookings.access import get_booking_for
from lab.bookings.feeds import OtherKind as FeedKind
from lab.bookings.feeds import Subject as FeedSubject
from lab.bookings.feeds import add_visitor_events, create_feed, revoke_feed
from lab.bookings.feeds import register_kind as register_feed_kind
from lab.bookings.forms import BookingApiInput, BookingInput, MoveInput, SeriesInput
from lab.bookings.gates import SkillGate, SkillOffer, check_skills_with
from lab.bookings.holdings import held_bookings, visitor_bookings
from lab.bookings.messages import Notices, series_key
from lab.bookings.resources import get_resource_for, policy_for
from lab.bookings.rules import Policy, Refusal, Request, checkin_window, refusals
from lab.bookings.tables import Booking, CalendarFeed, Loan, Resource
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import _
from lab.core.params import day_in_bounds
from lab.core.principals import Principal
from lab.core.roles import MANAGERS, StaffPrincipal

# Booking is the row type the services return (for annotations).
__all__ = [
    "MAX_SERIES",
    "Booking",
    "BookingRefused",
    "FeedKind",
    "FeedSubject",
    "SeriesResult",
    "SkillGate",
    "SkillOffer",
    "Wanted",
    "add_visitor_events",
    "book",
    "book_series",
    "cancel",
    "cancel_own",
    "check_in",
    "check_in_at",
    "check_skills_with",
    "create_feed",
    "decide",
    "forget_visitor",
    "get_booking_for",
    "move",
    "record_change",
    "register_feed_kind",
    "revoke_feed",
    "wanted_from_api",
    "wanted_from_form",
]

MAX_SERIES = 60


class BookingRefused(Conflict):
    """One or more rules said no; ``refusals`` lists them all, ``code`` is the first one's.
    ``module_id``: a workshop module that teaches the skill a refusal found missing (pages
    offer to enrol in it), else None."""

    default_code = "booking_refused"

    def __init__(self, found: list[Refusal]) -> None:
        super().__init__(" ".join(item.message for item in found), code=found[0].code)
        self.refusals = found
        self.module_id = next(
            (item.module_id for item in found if item.module_id is not None), None
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Wanted:
    """A booking request in instants (UTC, to the minute)."""

    resource_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    units: int = 1
    visitor_id: int | None = None
    note: str = ""
    source: str = "staff"
    series_id: str | None = None


async def wanted_from_form(data: BookingInput | MoveInput) -> Wanted:
    """Local day and times on the resource's site -> instants. Errors: not_found."""
    resource = await Resource.objects().get(Resource.id == data.resource_id)
    if resource is None:
        raise Invalid(
            _("Cette ressource n'existe pas."),
            field_errors={"resource_id": _("Choisissez une ressource.")},
        )
    timezone = await site_timezone(resource.site)
    return Wanted(
        resource_id=data.resource_id,
        starts_at=clock.utc_minute(clock.local_instant(data.day, data.start, timezone)),
        ends_at=clock.utc_minute(clock.local_instant(data.day, data.end, timezone)),
        units=data.units,
        visitor_id=getattr(data, "visitor_id", None),
        note=data.note,
    )


def wanted_from_api(data: BookingApiInput) -> Wanted:
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise Invalid(
            _("Donnez les heures avec leur fuseau (par exemple 2026-12-01T10:00:00+01:00)."),
            code="naive_datetime",
        )
    if not (day_in_bounds(data.starts_at.date()) and day_in_bounds(data.ends_at.date())):
        raise Invalid(
            _("Vérifiez la date : elle est hors des limites acceptées."), code="out_of_range"
        )
    return Wanted(
        resource_id=data.resource_id,
        starts_at=clock.utc_minute(data.starts_at),
        ends_at=clock.utc_minute(data.ends_at),
        units=data.units,
        visitor_id=data.visitor_id,
        note=data.note,
        source="api",
    )


async def _check(
    resource: Resource,
    wanted: Wanted,
    *,
    self_service: bool,
    excluding: int | None = None,
    policy: Policy | None = None,
) -> None:
    """Run the rule engine against the database as it is now. Raises BookingRefused.

    ``policy`` may be loaded before the lock: rules and opening hours are not what the
    lock protects, the bookings are.
    """
    policy = policy or await policy_for(resource, wanted.starts_at)
    blocked_until = policy.blocked_until(wanted.ends_at)
    held = await held_bookings(resource.id, wanted.starts_at, blocked_until, excluding=excluding)
    mine, skill = [], None
    now = clock.now()
    if wanted.visitor_id is not None:
        week_start = wanted.starts_at - dt.timedelta(days=7)
        week_end = wanted.starts_at + dt.timedelta(days=7)
        mine = await visitor_bookings(
            wanted.visitor_id, resource.id, week_start, week_end, excluding=excluding
        )
        skill = await gates.standing(resource, policy, wanted.visitor_id, now)
    found = refusals(
        policy,
        Request(
            wanted.starts_at,
            wanted.ends_at,
            wanted.units,
            for_visitor=wanted.visitor_id is not None,
            self_service=self_service,
        ),
        held,
        mine,
        skill,
        now=now,
    )
    if found:
        raise BookingRefused(found)


async def _resource_for_booking(actor: Principal, resource_id: int) -> Resource:
    resource = await get_resource_for(actor, resource_id)
    if not resource.active:
        raise Conflict(_("Cette ressource n'est pas disponible en ce moment."), code="inactive")
    return resource


async def book(actor: Actor, wanted: Wanted, *, self_service: bool = False) -> Booking:
    """Book ``wanted`` if every rule allows it.

    Errors: not_found, forbidden (other site), inactive, and the rule codes of BookingRefused
    (capacity, quota_*, too_soon, too_far, outside_opening_hours, closed_day, not_on_slot,
    too_short, too_long, skill_required, skill_lapsed, in_the_past, invalid_interval,
    invalid_units). A visitor's booking of a resource that requires a skill (staff booking for
    them included) needs the skill validated, and used or validated again within the
    resource's lapse period; the refusal names the workshop that teaches it (``module_id``).
    A resource that needs approval gets a pending booking when a visitor books it themselves.
    The visitor is told (confirmed, or asked for), after the commit.
    """
    notices = Notices()
    booking = await _book(actor, wanted, self_service=self_service, notices=notices)
    await notices.send()
    return booking


async def _book(actor: Actor, wanted: Wanted, *, self_service: bool, notices: Notices) -> Booking:
    """``book``, holding its message in ``notices``: one per booking, or one per series."""
    resource = await _resource_for_booking(actor, wanted.resource_id)
    if wanted.visitor_id is not None:
        await visitor_at_site(actor, wanted.visitor_id, resource.site)
    policy = await policy_for(resource, wanted.starts_at)
    try:
        async with write_transaction(Booking._meta.db):
            await lock_row(Resource, resource.id)
            await releases.release_due_for(resource.id, notices)
            await _check(resource, wanted, self_service=self_service, policy=policy)
            booking = await _insert(actor, resource, wanted, self_service=self_service)
            if wanted.series_id is not None and booking.visitor is not None:
                # Once per series (its key): the first booking holds it, the last one sent.
                await notices.hold("booking_series", booking.visitor, series_key(wanted.series_id))
            elif booking.status == "pending":
                await notices.booking("booking_requested", booking)
            else:
                await notices.booking("booking_confirmed", booking)
    except BookingRefused as refused:
        await audit.record(
            actor,
            "booking.refused",
            f"resource:{resource.id}",
            site_id=resource.site,
            reasons=[item.code for item in refused.refusals],
        )
        raise
    return booking


async def _insert(
    actor: Actor, resource: Resource, wanted: Wanted, *, self_service: bool
) -> Booking:
    now = clock.now()
    pending = resource.needs_approval and self_service
    booking = Booking(
        resource=resource.id,
        visitor=wanted.visitor_id,
        staff_user=actor.actor_id
        if wanted.visitor_id is None and actor.actor_kind == "staff"
        else None,
        starts_at=wanted.starts_at,
        ends_at=wanted.ends_at,
        blocked_until=clock.utc_minute(
            wanted.ends_at + dt.timedelta(minutes=resource.buffer_minutes)
        ),
        units=wanted.units,
        exclusive=wanted.units == resource.units,
        status="pending" if pending else "confirmed",
        source=wanted.source if not self_service else "kiosk",
        series_id=wanted.series_id,
        note=wanted.note,
        uid=f"{uuid.uuid4()}@lab",
        sequence=0,
        created_by=actor.actor_id,
        created_at=now,
        updated_at=now,
    )
    await booking.save()
    await audit.record(
        actor,
        "booking.created",
        f"booking:{booking.id}",
        site_id=resource.site,
        resource_id=resource.id,
        status=booking.status,
    )
    return booking


@dataclasses.dataclass
class SeriesResult:
    series_id: str
    created: list[Booking]
    skipped: list[tuple[dt.date, str]]  # (day, why), every conflict listed, none dropped


async def book_series(actor: StaffPrincipal, data: SeriesInput) -> SeriesResult:
    """Weekly bookings on the chosen weekdays until ``until``; each date is checked on its own.
    The visitor gets one message for the whole series, with every date booked.

    Errors: invalid (no weekday, no end date, too many dates).
    """
    if not data.weekdays or data.until is None or data.until < data.day:
        raise Invalid(
            _("Choisissez au moins un jour de la semaine et une date de fin."),
            field_errors={"weekdays": _("Au moins un jour."), "until": _("Une date de fin.")},
        )
    days = [
        data.day + dt.timedelta(days=offset)
        for offset in range((data.until - data.day).days + 1)
        if (data.day + dt.timedelta(days=offset)).weekday() in data.weekdays
    ]
    if len(days) > MAX_SERIES:
        raise Invalid(
            _("%(n)s dates au maximum par série.", n=MAX_SERIES),
            field_errors={"until": _("%(n)s dates au maximum par série.", n=MAX_SERIES)},
        )
    series_id = secrets.token_hex(8)
    result = SeriesResult(series_id, [], [])
    notices = Notices()
    for day in days:
        one = BookingInput(
            resource_id=data.resource_id,
            day=day,
            start=data.start,
            end=data.end,
            visitor_id=data.visitor_id,
            units=data.units,
            note=data.note,
        )
        wanted = dataclasses.replace(
            await wanted_from_form(one), source="series", series_id=series_id
        )
        try:
            result.created.append(await _book(actor, wanted, self_service=False, notices=notices))
        except BookingRefused as refused:
            result.skipped.append((day, refused.message))
    await notices.send()
    return result


async def record_change(actor: Actor, booking: Booking, action: str, **data: object) -> None:
    """Save a change to a booking: bump its iCalendar SEQUENCE, stamp it, audit it."""
    booking.sequence += 1
    booking.updated_at = clock.now()
    await booking.save()
    site_row = await Resource.select(Resource.site).where(Resource.id == booking.resource).first()
    await audit.record(
        actor,
        action,
        f"booking:{booking.id}",
        site_id=site_row["site"],
        status=booking.status,
        **data,
    )


async def cancel(actor: StaffPrincipal, booking_id: int) -> Booking:
    """Errors: not_found, forbidden, not_cancellable (already over or cancelled). The visitor
    is told, after the commit."""
    notices = Notices()
    async with write_transaction(Booking._meta.db):
        booking = await get_booking_for(actor, booking_id)
        await lock_row(Resource, booking.resource)
        if booking.status not in ("pending", "confirmed"):
            raise Conflict(
                _("Cette réservation ne peut plus être annulée."), code="not_cancellable"
            )
        booking.status = "cancelled"
        await record_change(actor, booking, "booking.cancelled")
        await notices.booking("booking_cancelled", booking)
    await notices.send()
    return booking


async def cancel_own(actor: Actor, visitor_id: int, booking_id: int) -> Booking:
    """A visitor cancels one of their own bookings (on their phone or at a kiosk), before it
    starts. ``actor`` is the phone or kiosk acting for ``visitor_id``.

    Someone else's booking answers not_found, exactly as a missing one: a visitor learns
    nothing about bookings that are not theirs. Errors: not_found, not_cancellable (already
    started, over or cancelled). Refusals are logged. The visitor gets the cancellation (an
    .ics that takes it out of their calendar), after the commit.
    """
    notices = Notices()
    try:
        async with write_transaction(Booking._meta.db):
            booking = await Booking.objects().get(Booking.id == booking_id)
            if booking is None or booking.visitor != visitor_id:
                raise NotFound(_("Cette réservation n'existe pas."))
            await lock_row(Resource, booking.resource)
            booking = await Booking.objects().get(Booking.id == booking_id)
            if booking.status not in ("pending", "confirmed") or booking.starts_at <= clock.now():
                raise Conflict(
                    _("Cette réservation ne peut plus être annulée."), code="not_cancellable"
                )
            booking.status = "cancelled"
            await record_change(actor, booking, "booking.cancelled", visitor_id=visitor_id)
            await notices.booking("booking_cancelled", booking)
    except (NotFound, Conflict) as refused:
        await audit.record(
            actor,
            "booking.cancel_refused",
            f"booking:{booking_id}",
            visitor_id=visitor_id,
            reason=refused.code,
        )
        raise
    await notices.send()
    return booking


async def move(actor: StaffPrincipal, booking_id: int, data: MoveInput) -> Booking:
    """Move a booking (other time, other resource of the same site); the rules apply again,
    without the booking itself. Errors: as ``book``, plus not_movable. The visitor is told
    the new time, after the commit."""
    wanted = await wanted_from_form(data)
    notices = Notices()
    try:
        async with write_transaction(Booking._meta.db):
            booking = await get_booking_for(actor, booking_id)
            if booking.status not in ("pending", "confirmed"):
                raise Conflict(
                    _("Cette réservation ne peut plus être déplacée."), code="not_movable"
                )
            old_resource = await get_resource_for(actor, booking.resource)
            resource = await _resource_for_booking(actor, wanted.resource_id)
            if resource.site != old_resource.site:
                raise Invalid(
                    _("On ne peut déplacer une réservation que vers une ressource du même site."),
                    field_errors={"resource_id": _("Une ressource du même site.")},
                )
            for resource_id in sorted({resource.id, old_resource.id}):
                await lock_row(Resource, resource_id)
            wanted = dataclasses.replace(wanted, visitor_id=booking.visitor)
            await _check(resource, wanted, self_service=False, excluding=booking.id)
            booking.resource = resource.id
            booking.starts_at = wanted.starts_at
            booking.ends_at = wanted.ends_at
            booking.blocked_until = clock.utc_minute(
                wanted.ends_at + dt.timedelta(minutes=resource.buffer_minutes)
            )
            booking.units = wanted.units
            booking.exclusive = wanted.units == resource.units
            booking.note = wanted.note
            await record_change(actor, booking, "booking.moved")
            await notices.booking("booking_moved", booking)
    except BookingRefused as refused:
        await audit.record(
            actor,
            "booking.refused",
            f"booking:{booking_id}",
            reasons=[item.code for item in refused.refusals],
        )
        raise
    await notices.send()
    return booking


async def decide(actor: StaffPrincipal, booking_id: int, *, approve: bool) -> Booking:
    """Approve or refuse a pending booking. Errors: forbidden (not a manager), not_pending.
    The visitor is told, and the staff member who asked for them, after the commit."""
    notices = Notices()
    async with write_transaction(Booking._meta.db):
        booking = await get_booking_for(actor, booking_id)
        resource = await get_resource_for(actor, booking.resource)
        if not actor.can_reach_site(resource.site, *MANAGERS):
            raise Forbidden(_("Seul un ou une responsable peut valider les demandes."))
        if booking.status != "pending":
            raise Conflict(_("Cette demande a déjà été traitée."), code="not_pending")
        booking.status = "confirmed" if approve else "cancelled"
        await record_change(actor, booking, "booking.approved" if approve else "booking.declined")
        await notices.decision(booking, approved=approve)
    await notices.send()
    return booking


async def check_in(actor: StaffPrincipal, booking_id: int) -> Booking:
    """Mark the visitor arrived. Errors: not_found, forbidden, not_confirmed, outside_window."""
    async with write_transaction(Booking._meta.db):
        booking = await get_booking_for(actor, booking_id)
        resource = await get_resource_for(actor, booking.resource)
        await check_in_at(actor, booking, resource)
    return booking


async def check_in_at(
    actor: Actor, booking: Booking, resource: Resource, at: dt.datetime | None = None
) -> None:
    """Check ``booking`` in as of ``at`` (now if None; a kiosk's offline scan sent later),
    inside the caller's write transaction. A second scan changes nothing.
    Errors: not_confirmed, outside_window."""
    if booking.status == "checked_in":
        return
    if booking.status != "confirmed":
        raise Conflict(_("Cette réservation n'est pas confirmée."), code="not_confirmed")
    opens, closes = checkin_window(booking, resource)
    now = at or clock.now()
    if not opens <= now < closes:
        raise Conflict(
            _(
                "On peut pointer de %(before)s minutes avant le début jusqu'à la libération.",
                before=resource.checkin_before_minutes,
            ),
            code="outside_window",
        )
    booking.status = "checked_in"
    booking.checked_in_at = now
    await record_change(actor, booking, "booking.checked_in")


async def forget_visitor(visitor_id: int, now: dt.datetime) -> dict[str, int]:
    """Bookings' part of erasing a person (``lab.accounts.erasure``; call inside its
    transaction): their bookings' notes and their loans' remarks are emptied, their bookings
    still to come are cancelled (the units go back to others; nobody is told, the person is
    gone) and their calendar feeds are deleted. Past bookings stay as they were, for the
    figures. Returns counts."""
    mine = Booking.visitor == visitor_id
    coming = mine & Booking.status.is_in(["pending", "confirmed"]) & (Booking.starts_at >= now)
    cancelled = await Booking.count().where(coming)
    if cancelled:
        await Booking.update(
            {
                Booking.status: "cancelled",
                Booking.sequence: Booking.sequence + 1,
                Booking.updated_at: now,
            }
        ).where(coming)
    noted = await Booking.count().where(mine & (Booking.note != ""))
    if noted:
        await Booking.update({Booking.note: ""}).where(mine & (Booking.note != ""))
    remarks = (Loan.condition_out != "") | (Loan.condition_in != "")
    loans = await Loan.count().where((Loan.visitor == visitor_id) & remarks)
    if loans:
        await Loan.update({Loan.condition_out: "", Loan.condition_in: ""}).where(
            Loan.visitor == visitor_id
        )
    feed = (CalendarFeed.kind == "visitor") & (CalendarFeed.subject_id == visitor_id)
    feeds = await CalendarFeed.count().where(feed)
    if feeds:
        await CalendarFeed.delete().where(feed)
    return {
        "bookings_cancelled": cancelled,
        "booking_notes": noted,
        "loan_remarks": loans,
        "feeds": feeds,
    }
