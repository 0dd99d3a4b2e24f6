"""What other domains (and bookings' own routes) read of bookings: the public read surface.

Reads written here take ids and return rows or small dicts; the rest is re-exported from the
private modules that own it (resources, availability, the calendars and their feeds), so a
caller never imports those nor reads bookings' tables. ``__all__`` is the surface. Writes are
in ``lab.bookings.services``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from lab.accounts.queries import get_site_for, timezones
from lab.bookings import ics
from lab.bookings.access import get_booking_for
from lab.bookings.availability import (
    Availability,
    Slot,
    availability_for,
    availability_over,
    day_slots,
)
from lab.bookings.feeds import AHEAD as FEED_AHEAD
from lab.bookings.feeds import PAST as FEED_PAST
from lab.bookings.feeds import feed_status, feed_url, webcal_url
from lab.bookings.ics import MEDIA_TYPE as CALENDAR_MEDIA_TYPE
from lab.bookings.ics import EventData, calendar, location
from lab.bookings.resources import KINDS as RESOURCE_KINDS
from lab.bookings.resources import get_resource_for, list_resources, policy_for
from lab.bookings.rules import WEEKDAYS, checkin_window
from lab.bookings.tables import Booking, Loan, Resource
from lab.core import clock
from lab.core.principals import Principal
from lab.core.roles import StaffPrincipal

# Row types (Booking, Resource) are here for annotations: read rows through the functions.
__all__ = [
    "CALENDAR_MEDIA_TYPE",
    "CANCELLABLE",
    "FEED_AHEAD",
    "FEED_PAST",
    "RESOURCE_KINDS",
    "UPCOMING",
    "WEEKDAYS",
    "Availability",
    "Booking",
    "EventData",
    "NextBooking",
    "Resource",
    "Slot",
    "availability_for",
    "availability_over",
    "booking_sites",
    "booking_summaries",
    "booking_summary",
    "bookings_around",
    "bookings_made_by",
    "calendar",
    "cancellable_booking",
    "day_slots",
    "feed_status",
    "feed_url",
    "get_booking",
    "get_booking_for",
    "get_resource",
    "get_resource_for",
    "list_resources",
    "location",
    "next_booking_of",
    "no_show_count",
    "open_booking_at",
    "own_booking_calendar",
    "policy_for",
    "resource_name",
    "self_service_resource",
    "self_service_resources",
    "today_at",
    "upcoming_bookings",
    "visitor_booking_history",
    "visitor_bookings_at",
    "visitor_loans",
    "webcal_url",
]


@dataclasses.dataclass(frozen=True, slots=True)
class NextBooking:
    booking_id: int
    title: str  # the resource's name
    starts_at: dt.datetime


async def next_booking_of(visitor_id: int, site_id: int, after: dt.datetime) -> NextBooking | None:
    """The visitor's first confirmed booking at ``site_id`` starting after ``after``. One still
    awaiting the team's approval is not an appointment yet: it is left out."""
    row = (
        await Booking.select(Booking.id, Booking.starts_at, Booking.resource.name.as_alias("title"))
        .where(
            (Booking.visitor == visitor_id)
            & (Booking.resource.site == site_id)
            & (Booking.status == "confirmed")
            & (Booking.starts_at > after)
        )
        .order_by(Booking.starts_at)
        .first()
    )
    return NextBooking(row["id"], row["title"], row["starts_at"]) if row else None


# A booking as other domains describe it (booking_summary, booking_summaries).
SUMMARY_COLUMNS = (
    Booking.id,
    Booking.resource.as_alias("resource_id"),
    Booking.resource.name.as_alias("title"),
    Booking.starts_at,
    Booking.ends_at,
    Booking.status,
)


async def booking_summary(booking_id: int) -> dict | None:
    """What describes a booking to someone else: {"id", "resource_id", "title" (the resource's
    name), "starts_at", "ends_at", "status"}; None if there is no such booking."""
    return await Booking.select(*SUMMARY_COLUMNS).where(Booking.id == booking_id).first()


async def booking_summaries(booking_ids: Iterable[int]) -> dict[int, dict]:
    """{id: booking_summary} of the bookings among ``booking_ids`` that exist."""
    wanted = list(booking_ids)
    if not wanted:
        return {}
    rows = await Booking.select(*SUMMARY_COLUMNS).where(Booking.id.is_in(wanted))
    return {row["id"]: row for row in rows}


async def get_booking(booking_id: int) -> Booking | None:
    """A booking by id, whoever it belongs to: the caller checks it may see it."""
    return await Booking.objects().get(Booking.id == booking_id)


async def open_booking_at(
    visitor_id: int, site_id: int, at: dt.datetime
) -> tuple[Booking, Resource] | None:
    """The visitor's confirmed (or already checked-in) booking at ``site_id`` whose check-in
    window holds ``at``, the one starting nearest to it; None if there is none."""
    candidates = await Booking.objects().where(
        (Booking.visitor == visitor_id)
        & Booking.status.is_in(["confirmed", "checked_in"])
        & (Booking.starts_at <= at + dt.timedelta(hours=4))
        & (Booking.ends_at > at)
    )
    found = []
    for booking in candidates:
        resource = await Resource.objects().get(Resource.id == booking.resource)
        opens, closes = checkin_window(booking, resource)
        if resource.site == site_id and opens <= at < closes:
            found.append((abs(booking.starts_at - at), booking.id, booking, resource))
    if not found:
        return None
    _distance, _id, booking, resource = min(found, key=lambda item: item[:2])
    return booking, resource


async def no_show_count(visitor_id: int) -> int:
    """How many of the visitor's bookings were released or marked no-show."""
    return await Booking.count().where(
        (Booking.visitor == visitor_id) & Booking.status.is_in(["released", "no_show"])
    )


# A booking its visitor may still cancel themselves, before it starts (services.cancel_own).
CANCELLABLE = ("pending", "confirmed")
# Bookings still to come or going on.
UPCOMING = ("pending", "confirmed", "checked_in")


async def upcoming_bookings(visitor_id: int) -> list[dict]:
    """The visitor's bookings not over yet, soonest first: ``id``, ``starts_at``, ``ends_at``,
    ``status``, ``resource_name``, ``site_name``, ``timezone`` and whether they may still
    ``cancellable`` it themselves."""
    now = clock.now()
    bookings = (
        await Booking.select(
            Booking.id,
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.resource.name.as_alias("resource_name"),
            Booking.resource.site.name.as_alias("site_name"),
            Booking.resource.site.timezone.as_alias("timezone"),
        )
        .where(
            (Booking.visitor == visitor_id)
            & Booking.status.is_in(list(UPCOMING))
            & (Booking.ends_at > now)
        )
        .order_by(Booking.starts_at)
    )
    for booking in bookings:
        booking["cancellable"] = booking["status"] in CANCELLABLE and booking["starts_at"] > now
    return bookings


async def cancellable_booking(visitor_id: int, booking_id: int) -> dict | None:
    """One of ``upcoming_bookings`` the visitor may still cancel, or None."""
    for booking in await upcoming_bookings(visitor_id):
        if booking["id"] == booking_id and booking["cancellable"]:
            return booking
    return None


async def visitor_booking_history(visitor_id: int) -> list[dict]:
    """Every booking of the visitor, oldest first, as their data export lists it."""
    return (
        await Booking.select(
            Booking.resource.name.as_alias("resource"),
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.source,
            Booking.note,
            Booking.created_at,
            Booking.checked_in_at,
        )
        .where(Booking.visitor == visitor_id)
        .order_by(Booking.starts_at)
    )


async def visitor_bookings_at(
    visitor_id: int, site_ids: Iterable[int], since: dt.datetime | None = None
) -> list[dict]:
    """The visitor's bookings at ``site_ids`` (starting from ``since``), newest first, for the
    staff's timeline: ``id``, ``resource_name``, ``site_id``, ``starts_at``, ``ends_at``,
    ``status`` and ``checked_in_at``. No note: the timeline shows what happened, not what was
    written about it."""
    where = (Booking.visitor == visitor_id) & Booking.resource.site.is_in(list(site_ids) or [-1])
    if since is not None:
        where &= Booking.starts_at >= since
    return (
        await Booking.select(
            Booking.id,
            Booking.resource.name.as_alias("resource_name"),
            Booking.resource.site.as_alias("site_id"),
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.checked_in_at,
        )
        .where(where)
        .order_by(Booking.starts_at, ascending=False)
    )


async def booking_sites(booking_ids: Iterable[int]) -> dict[int, int]:
    """{booking id: its resource's site} for the bookings that exist."""
    rows = await Booking.select(Booking.id, Booking.resource.site.as_alias("site_id")).where(
        Booking.id.is_in(list(booking_ids) or [-1])
    )
    return {row["id"]: row["site_id"] for row in rows}


async def visitor_loans(visitor_id: int) -> list[dict]:
    """Every loan of the visitor, oldest first, as their data export lists it."""
    return (
        await Loan.select(
            Loan.asset.label.as_alias("item"),
            Loan.asset.tag.as_alias("tag"),
            Loan.out_at,
            Loan.due_at,
            Loan.returned_at,
            Loan.condition_out,
            Loan.condition_in,
        )
        .where(Loan.visitor == visitor_id)
        .order_by(Loan.out_at)
    )


async def own_booking_calendar(booking_id: int, language: str) -> bytes:
    """One booking as an .ics for its own visitor (no name in it: they know who they are).
    The caller checks the booking is theirs."""
    row = await Booking.select(*ics.COLUMNS).where(Booking.id == booking_id).first()
    return calendar([ics.event_from_row(row, language, with_first_name=False)])


async def bookings_around(actor: Principal, resource_id: int, day: dt.date) -> list[Booking]:
    """The bookings of a resource that overlap ``day`` wherever on Earth (UTC-14 to UTC+14),
    soonest first. Errors: not_found, forbidden (another site's resource)."""
    resource = await get_resource_for(actor, resource_id)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    end = start + dt.timedelta(hours=48)
    return (
        await Booking.objects()
        .where(
            (Booking.resource == resource.id)
            & (Booking.starts_at < end)
            & (Booking.ends_at > start)
        )
        .order_by(Booking.starts_at)
    )


async def bookings_made_by(actor: StaffPrincipal, first: dt.date, last: dt.date) -> list[Booking]:
    """The bookings ``actor`` made (whatever their status) at their sites, starting on a day
    from ``first`` to ``last`` (each site's days in its own time zone), soonest first."""
    # One query for every site, each over its own days.
    where = None
    for site_id, zone in (await timezones(actor.site_ids())).items():
        start = clock.local_instant(first, dt.time(0), zone).astimezone(dt.UTC)
        end = clock.local_instant(last + dt.timedelta(days=1), dt.time(0), zone)
        window = (
            (Booking.resource.site == site_id)
            & (Booking.starts_at >= start)
            & (Booking.starts_at < end.astimezone(dt.UTC))
        )
        where = window if where is None else where | window
    if where is None:
        return []
    rows = await Booking.objects().where((Booking.created_by == actor.actor_id) & (where))
    return sorted(rows, key=lambda booking: (booking.starts_at, booking.id))


async def get_resource(resource_id: int) -> Resource | None:
    """A resource by id, whatever its site: the caller checks it may see it."""
    return await Resource.objects().get(Resource.id == resource_id)


async def resource_name(resource_id: int) -> str | None:
    row = await Resource.select(Resource.name).where(Resource.id == resource_id).first()
    return row["name"] if row else None


def _self_service():
    return Resource.objects().where(Resource.kiosk_self_service.eq(True) & Resource.active.eq(True))


async def self_service_resources(site_id: int) -> list[Resource]:
    """What a visitor may book by themselves at a site: its active self-service resources."""
    return await _self_service().where(Resource.site == site_id).order_by(Resource.name)


async def self_service_resource(site_id: int, resource_id: int) -> Resource | None:
    """One of ``self_service_resources``, or None (another site's, not self-service, inactive)."""
    return (
        await _self_service()
        .where((Resource.id == resource_id) & (Resource.site == site_id))
        .first()
    )


async def today_at(actor: StaffPrincipal, site_id: int) -> dt.date:
    """Today in the site's time zone. Errors: not_found, forbidden."""
    site = await get_site_for(actor, site_id)
    return clock.to_zone(clock.now(), site.timezone).date()
