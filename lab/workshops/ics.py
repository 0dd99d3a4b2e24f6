"""Sessions as iCalendar: attached to messages, and in calendar feeds.

A session keeps its UID for life and every change (move, cancellation) bumps its SEQUENCE,
so a calendar that has the event updates it; a cancelled session stays as STATUS:CANCELLED,
so a calendar that had it removes it. Events are built with the bookings' calendar writer
(times in the site's zone, with its VTIMEZONE).

Feeds served here, through the bookings' revocable tokens (lab.bookings.feeds):
- "staff": a staff member's own sessions (the modules they facilitate), for them alone;
- "module": every session of a module, managed by the managers of its site;
- and a visitor's own feed gains the sessions they are enrolled in.
What an event says: the module, the place, the room and how many are enrolled; never a
visitor's name (not even a first name), phone or e-mail.
"""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from lab.accounts.tables import StaffUser
from lab.bookings import feeds
from lab.bookings import ics as calendars
from lab.bookings.resources import site_timezone
from lab.core import clock
from lab.core.errors import Forbidden
from lab.core.i18n import N_, _, translations
from lab.core.roles import StaffPrincipal
from lab.workshops.services import MANAGERS, get_module_for, get_session_for
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Session

STAFF_KIND = "staff"
MODULE_KIND = "module"

STAFF_CALENDAR_NAME = N_("Mes ateliers · %(name)s")
MODULE_CALENDAR_NAME = N_("%(title)s · %(site)s")
IN_ROOM = N_("%(room)s — %(place)s")
ENROLLED = N_("Inscrits : %(enrolled)s sur %(capacity)s places.")

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


def _window() -> Combinable:
    """The sessions a feed shows: as the bookings' feeds, 30 days back and 180 ahead."""
    now = clock.now()
    return (Session.ends_at > now - feeds.PAST) & (Session.starts_at < now + feeds.AHEAD)


def event_from_row(row: dict, language: str, *, description: str = "") -> calendars.EventData:
    """One session (a row of COLUMNS) as an event, worded in ``language``."""
    place = calendars.location(row["site_name"], row["site_address"])
    if row["room_name"]:
        place = translations(language).gettext(IN_ROOM) % {"room": row["room_name"], "place": place}
    return calendars.EventData(
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


async def _enrolled_counts(rows: list[dict]) -> dict[int, int]:
    """Session id -> how many are enrolled (series modules count the module's enrolments)."""
    module_ids = sorted({row["module"] for row in rows}) or [-1]
    enrolled = await Enrolment.select(Enrolment.module, Enrolment.session).where(
        Enrolment.module.is_in(module_ids) & (Enrolment.status == "enrolled")
    )
    per_module: dict[int, int] = {}
    per_session: dict[int, int] = {}
    for item in enrolled:
        if item["session"] is None:
            per_module[item["module"]] = per_module.get(item["module"], 0) + 1
        else:
            per_session[item["session"]] = per_session.get(item["session"], 0) + 1
    return {
        row["id"]: per_session.get(row["id"], 0)
        if row["enrolment"] == "drop_in"
        else per_module.get(row["module"], 0)
        for row in rows
    }


async def _team_events(rows: list[dict], language: str) -> list[calendars.EventData]:
    """Events for staff calendars: each says how many are enrolled, and no one's name."""
    counts = await _enrolled_counts(rows)
    text = translations(language).gettext(ENROLLED)
    return [
        event_from_row(
            row,
            language,
            description=text
            % {
                "enrolled": counts[row["id"]],
                "capacity": row["capacity"] or row["module_capacity"],
            },
        )
        for row in rows
    ]


# -- Messages ---------------------------------------------------------------------------------


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
    return calendars.calendar(events, method="PUBLISH").decode()


async def session_calendar(actor: StaffPrincipal, session_id: int) -> bytes:
    """One session as a file to import, in the staff member's language.
    Errors: not_found, forbidden (another site's session)."""
    session, _module = await get_session_for(actor, session_id)
    rows = await Session.select(*COLUMNS).where(Session.id == session.id)
    return calendars.calendar(await _team_events(rows, actor.language))


# -- Feeds --------------------------------------------------------------------------------------


async def _staff_subject(actor: StaffPrincipal, staff_id: int) -> feeds.Subject:
    """A facilitator's calendar is their own: nobody manages it for them."""
    if staff_id != actor.user_id:
        raise Forbidden(_("Chacun gère l'agenda de ses propres ateliers."), code="not_yours")
    sites = sorted(actor.site_ids())
    timezone = await site_timezone(sites[0]) if sites else "Europe/Paris"
    first_name = actor.name.split()[0] if actor.name.split() else actor.name
    return feeds.Subject(STAFF_KIND, actor.user_id, None, first_name, timezone)


async def _module_subject(actor: StaffPrincipal, module_id: int) -> feeds.Subject:
    module = await get_module_for(actor, module_id)
    if not actor.can_reach_site(module.site, *MANAGERS):
        raise Forbidden(_("Seul un ou une responsable du site peut gérer l'agenda d'un module."))
    timezone = await site_timezone(module.site)
    return feeds.Subject(MODULE_KIND, module.id, module.site, module.title, timezone)


async def _language_of(staff_id: int | None) -> str:
    # Nobody is logged in to read a feed: it speaks the language of who created it.
    row = await StaffUser.select(StaffUser.language).where(StaffUser.id == staff_id).first()
    return row["language"] if row else "fr"


async def staff_feed(staff_id: int, _created_by: int | None) -> bytes | None:
    """The sessions of every module ``staff_id`` facilitates, cancelled ones included."""
    person = await StaffUser.select(StaffUser.name, StaffUser.active, StaffUser.language).where(
        StaffUser.id == staff_id
    )
    if not person or not person[0]["active"]:
        return None
    language = person[0]["language"]
    theirs = ModuleFacilitator.select(ModuleFacilitator.module).where(
        ModuleFacilitator.staff_user == staff_id
    )
    rows = (
        await Session.select(*COLUMNS)
        .where(Session.module.is_in(theirs) & _window())
        .order_by(Session.starts_at)
    )
    first_name = (person[0]["name"].split() or [""])[0]
    name = translations(language).gettext(STAFF_CALENDAR_NAME) % {"name": first_name}
    return calendars.calendar(await _team_events(rows, language), name=name, method="PUBLISH")


async def module_feed(module_id: int, created_by: int | None) -> bytes | None:
    """Every session of a module, cancelled ones included."""
    module = await Module.objects().get(Module.id == module_id)
    if module is None:
        return None
    language = await _language_of(created_by)
    rows = (
        await Session.select(*COLUMNS)
        .where((Session.module == module.id) & _window())
        .order_by(Session.starts_at)
    )
    site_name = rows[0]["site_name"] if rows else ""
    name = translations(language).gettext(MODULE_CALENDAR_NAME) % {
        "title": module.title,
        "site": site_name,
    }
    name = name.rstrip(" ·")
    return calendars.calendar(await _team_events(rows, language), name=name, method="PUBLISH")


async def visitor_sessions(visitor_id: int, language: str) -> list[calendars.EventData]:
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
        .where(
            (Session.module.is_in(series or [-1]) | Session.id.is_in(single or [-1])) & _window()
        )
        .order_by(Session.starts_at)
    )
    return [event_from_row(row, language, description=row["description"]) for row in rows]


feeds.register_kind(
    STAFF_KIND, feeds.OtherKind(subject=_staff_subject, table=StaffUser, calendar=staff_feed)
)
feeds.register_kind(
    MODULE_KIND, feeds.OtherKind(subject=_module_subject, table=Module, calendar=module_feed)
)
feeds.add_visitor_events(visitor_sessions)
