"""Sessions as iCalendar events: the .ics a message carries, a visitor's own sessions.

A session keeps its UID for life and every change (move, cancellation) bumps its SEQUENCE,
so a calendar that has the event updates it; a cancelled session stays as STATUS:CANCELLED,
so a calendar that had it removes it. Events are built with the bookings' calendar writer
(times in the site's zone, with its VTIMEZONE). What an event says: the module, the place and
the room; never a visitor's name (not even a first name), phone or e-mail.

Pure reads of workshops' own tables: the feeds and the staff's files (``lab.workshops.ics``)
and the messages build on these.
"""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from lab.bookings.queries import FEED_AHEAD, FEED_PAST, EventData, calendar, location
from lab.core import clock
from lab.core.i18n import N_, translations
from lab.workshops.tables import Enrolment, Module, Session

IN_ROOM = N_("%(room)s — %(place)s")

# What a calendar reads of a session: no person at all.
COLUMNS = (
    Session.id,
    Session.module,
    Session.uid,
    Session.sequence,
    Session.starts_at,
    Session.ends_at,
    Session.status,
    Session.capacity,
    Session.created_at,
    Session.updated_at,
    Session.module.title.as_alias("title"),
    Session.module.description.as_alias("description"),
    Session.module.enrolment.as_alias("enrolment"),
    Session.module.capacity.as_alias("module_capacity"),
    Session.module.room.name.as_alias("room_name"),
    Session.module.site.name.as_alias("site_name"),
    Session.module.site.address.as_alias("site_address"),
    Session.module.site.timezone.as_alias("timezone"),
)


def window() -> Combinable:
    """The sessions a feed shows: as the bookings' feeds, 30 days back and 180 ahead."""
    now = clock.now()
    return (Session.ends_at > now - FEED_PAST) & (Session.starts_at < now + FEED_AHEAD)


def event_from_row(row: dict, language: str, *, description: str = "") -> EventData:
    """One session (a row of COLUMNS) as an event, worded in ``language``."""
    place = location(row["site_name"], row["site_address"])
    if row["room_name"]:
        place = translations(language).gettext(IN_ROOM) % {"room": row["room_name"], "place": place}
    return EventData(
        uid=row["uid"],
        sequence=row["sequence"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        # A closed session took place: confirmed. Only a cancelled one says CANCELLED.
        status="cancelled" if row["status"] == "cancelled" else "confirmed",
        summary=row["title"],
        location=place,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=description,
    )


async def message_calendar(module: Module, session: Session | None, language: str) -> str:
    """The .ics a message carries: ``session``, or (a series) the module's sessions to come.
    Empty when there is none to show."""
    if session is not None:
        where = Session.id == session.id
    else:
        where = (
            (Session.module == module.id)
            & (Session.status == "scheduled")
            & (Session.ends_at > clock.now())
        )
    rows = await Session.select(*COLUMNS).where(where).order_by(Session.starts_at)
    if not rows:
        return ""
    description = module.description
    events = [event_from_row(row, language, description=description) for row in rows]
    return calendar(events, method="PUBLISH").decode()


async def visitor_sessions(visitor_id: int, language: str) -> list[EventData]:
    """A visitor's enrolled sessions, for their own feed: every session of the series they
    are enrolled in, and the drop-in sessions they hold a seat at."""
    mine = await Enrolment.select(Enrolment.module, Enrolment.session).where(
        (Enrolment.visitor == visitor_id) & (Enrolment.status == "enrolled")
    )
    series = [row["module"] for row in mine if row["session"] is None]
    single = [row["session"] for row in mine if row["session"] is not None]
    if not series and not single:
        return []
    rows = (
        await Session.select(*COLUMNS)
        .where((Session.module.is_in(series or [-1]) | Session.id.is_in(single or [-1])) & window())
        .order_by(Session.starts_at)
    )
    return [event_from_row(row, language, description=row["description"]) for row in rows]


async def enrolment_calendar(enrolment: Enrolment, language: str) -> bytes | None:
    """The sessions to come of one enrolment (the drop-in session, or the series' sessions)
    as an .ics to import; None when none is left to come."""
    if enrolment.session is not None:
        where = Session.id == enrolment.session
    else:
        where = Session.module == enrolment.module
    rows = (
        await Session.select(*COLUMNS)
        .where(where & (Session.status == "scheduled") & (Session.ends_at > clock.now()))
        .order_by(Session.starts_at)
    )
    if not rows:
        return None
    return calendar([event_from_row(row, language, description=row["description"]) for row in rows])
