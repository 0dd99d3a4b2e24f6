"""Bookings as iCalendar (RFC 5545): one VEVENT per booking, times in the site's time zone.

A calendar client matches events by UID and keeps the one with the highest SEQUENCE, so a
booking keeps its UID for life and every change bumps its sequence (the booking services do
that). Cancelled, released and no-show bookings stay in the calendar as STATUS:CANCELLED: a
client that had the event then removes it, instead of keeping a ghost.

What an event may say about a person: a first name in staff and resource calendars, nothing
in a visitor's own calendar (they know who they are). Never a last name, phone or e-mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from lab.bookings.access import get_booking_for
from lab.bookings.tables import Booking
from lab.core.i18n import N_, translations
from lab.core.roles import StaffPrincipal

PRODID = "-//lab//Mission locale//FR"
# The bare type: Litestar adds "; charset=utf-8" to every text/* response itself.
MEDIA_TYPE = "text/calendar"
# How often a subscribed client should come back (RFC 7986, and the older Microsoft name).
REFRESH = dt.timedelta(hours=1)

STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "checked_in": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "released": "CANCELLED",
    "no_show": "CANCELLED",
}

SUMMARY = N_("%(resource)s — réservation")
SUMMARY_WITH_NAME = N_("%(resource)s — réservation (%(name)s)")
PENDING_NOTE = N_("Demande en attente de validation par l'équipe du lab.")

# What a feed reads of a booking: no note (free text may hold anything), no last name.
COLUMNS = (
    Booking.uid,
    Booking.sequence,
    Booking.starts_at,
    Booking.ends_at,
    Booking.status,
    Booking.created_at,
    Booking.updated_at,
    Booking.resource.name.as_alias("resource_name"),
    Booking.resource.site.name.as_alias("site_name"),
    Booking.resource.site.address.as_alias("site_address"),
    Booking.resource.site.timezone.as_alias("timezone"),
    Booking.visitor.first_name.as_alias("first_name"),
)


@dataclasses.dataclass(frozen=True, slots=True)
class EventData:
    uid: str
    sequence: int
    starts_at: dt.datetime  # aware
    ends_at: dt.datetime
    timezone: str
    status: str  # the booking's status
    summary: str
    location: str
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    description: str = ""


def location(site_name: str, address: str | None) -> str:
    address = " ".join((address or "").split())  # one line: the address is typed on several
    return f"{site_name}, {address}" if address else site_name


def event_from_row(row: dict, language: str, *, with_first_name: bool) -> EventData:
    """One booking (a row of COLUMNS) as an event, worded in ``language``."""
    text = translations(language).gettext
    name = row["first_name"] if with_first_name else None
    if name:
        summary = text(SUMMARY_WITH_NAME) % {"resource": row["resource_name"], "name": name}
    else:
        summary = text(SUMMARY) % {"resource": row["resource_name"]}
    return EventData(
        uid=row["uid"],
        sequence=row["sequence"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        status=row["status"],
        summary=summary,
        location=location(row["site_name"], row["site_address"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=text(PENDING_NOTE) if row["status"] == "pending" else "",
    )


def _event(data: EventData, stamp: dt.datetime, *, utc: bool = False) -> Event:
    zone = dt.UTC if utc else ZoneInfo(data.timezone)
    event = Event()
    event.add("uid", data.uid)
    event.add("sequence", data.sequence)
    event.add("dtstamp", stamp)
    # Aware, in the site's zone: the calendar carries the zone's VTIMEZONE and each client
    # shows the wall-clock time the lab opens at, across daylight-saving changes. A single
    # event sent by e-mail may be in UTC instead: no zone for a mail client to get wrong.
    event.add("dtstart", data.starts_at.astimezone(zone))
    event.add("dtend", data.ends_at.astimezone(zone))
    event.add("summary", data.summary)
    event.add("location", data.location)
    event.add("status", STATUS.get(data.status, "CONFIRMED"))
    cancelled = STATUS.get(data.status) == "CANCELLED"
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if data.description:
        event.add("description", data.description)
    if data.created_at:
        event.add("created", data.created_at.astimezone(dt.UTC))
    if data.updated_at:
        event.add("last-modified", data.updated_at.astimezone(dt.UTC))
    return event


def calendar(
    events: Iterable[EventData],
    *,
    name: str | None = None,
    method: str | None = None,
    utc: bool = False,
) -> bytes:
    """The calendar as bytes (CRLF lines, folded at 75 octets, UTF-8), with a VTIMEZONE for
    every zone its events use; ``utc``: times in UTC (DTSTART:…Z), and no VTIMEZONE.

    The same events make the same bytes: that is what lets a feed's ETag be a digest of its
    body, the same in every worker, and lets a feed asked again skip the writing.
    """
    return _written(tuple(events), name, method, utc)


# Enough for every feed a lab's calendars poll within an hour; a feed is tens of kilobytes.
CACHE_SIZE = 256


@functools.lru_cache(maxsize=CACHE_SIZE)
def _written(
    events: tuple[EventData, ...], name: str | None, method: str | None, utc: bool
) -> bytes:
    # DTSTAMP is the latest revision of the events (RFC 5545: when the information was last
    # revised), not the clock: the clock would make every fetch a new body.
    stamp = max((_revised(data) for data in events), default=None)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    for data in events:
        cal.add_component(_event(data, stamp, utc=utc))
    # The zones' full definitions (1970-2038), not just the months around the events: a few
    # kilobytes, and some readers skip a sub-component's DTSTART onset, counting only the
    # dates it lists after it.
    cal.add_missing_timezones()
    return cal.to_ical()


def _revised(data: EventData) -> dt.datetime:
    moment = data.updated_at or data.created_at or data.starts_at
    return moment.astimezone(dt.UTC).replace(microsecond=0)


async def booking_calendar(actor: StaffPrincipal, booking_id: int) -> bytes:
    """One booking as a file to import, in the staff member's language.

    Errors: not_found, forbidden (another site's booking), from get_booking_for.
    """
    booking = await get_booking_for(actor, booking_id)
    row = await Booking.select(*COLUMNS).where(Booking.id == booking.id).first()
    return calendar([event_from_row(row, actor.language, with_first_name=True)])
