"""Workshops in the staff's calendars: one session as a file, and calendar feeds.

Events are built by ``lab.workshops.calendars``. Feeds served here, through the bookings'
revocable tokens (registered with ``lab.bookings.services``):
- "staff": a staff member's own sessions (the modules they facilitate), for them alone;
- "module": every session of a module, managed by the managers of its site;
- and a visitor's own feed gains the sessions they are enrolled in.
What a staff event adds: how many are enrolled; never a visitor's name.
"""

from __future__ import annotations

from lab.accounts.queries import site_timezone, staff_language, staff_member
from lab.accounts.services import lock_staff_user
from lab.bookings import queries as bookings
from lab.bookings import services as feeds
from lab.core.db import lock_row
from lab.core.errors import Forbidden
from lab.core.i18n import N_, _, translations
from lab.core.roles import StaffPrincipal
from lab.workshops.access import can_manage, get_module_for, get_session_for
from lab.workshops.calendars import COLUMNS, event_from_row, visitor_sessions, window
from lab.workshops.queues import enrolled_counts
from lab.workshops.tables import Module, ModuleFacilitator, Session

STAFF_KIND = "staff"
MODULE_KIND = "module"

STAFF_CALENDAR_NAME = N_("Mes ateliers · %(name)s")
MODULE_CALENDAR_NAME = N_("%(title)s · %(site)s")
ENROLLED = N_("Inscrits : %(enrolled)s sur %(capacity)s places.")


async def _enrolled_counts(rows: list[dict]) -> dict[int, int]:
    """Session id -> how many are enrolled (series modules count the module's enrolments)."""
    per_module, per_session = await enrolled_counts(sorted({row["module"] for row in rows}))
    return {
        row["id"]: per_session.get(row["id"], 0)
        if row["enrolment"] == "drop_in"
        else per_module.get(row["module"], 0)
        for row in rows
    }


async def _team_events(rows: list[dict], language: str) -> list[bookings.EventData]:
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


async def session_calendar(actor: StaffPrincipal, session_id: int) -> bytes:
    """One session as a file to import, in the staff member's language.
    Errors: not_found, forbidden (another site's session)."""
    session, _module = await get_session_for(actor, session_id)
    rows = await Session.select(*COLUMNS).where(Session.id == session.id)
    return bookings.calendar(await _team_events(rows, actor.language))


# -- Feeds --------------------------------------------------------------------------------------


async def _staff_subject(actor: StaffPrincipal, staff_id: int) -> feeds.FeedSubject:
    """A facilitator's calendar is their own: nobody manages it for them."""
    if staff_id != actor.user_id:
        raise Forbidden(_("Chacun gère l'agenda de ses propres ateliers."), code="not_yours")
    sites = sorted(actor.site_ids())
    timezone = await site_timezone(sites[0]) if sites else "Europe/Paris"
    first_name = actor.name.split()[0] if actor.name.split() else actor.name
    return feeds.FeedSubject(STAFF_KIND, actor.user_id, None, first_name, timezone)


async def _module_subject(actor: StaffPrincipal, module_id: int) -> feeds.FeedSubject:
    module = await get_module_for(actor, module_id)
    if not can_manage(actor, module.site):
        raise Forbidden(_("Seul un ou une responsable du site peut gérer l'agenda d'un module."))
    timezone = await site_timezone(module.site)
    return feeds.FeedSubject(MODULE_KIND, module.id, module.site, module.title, timezone)


async def _language_of(staff_id: int | None) -> str:
    # Nobody is logged in to read a feed: it speaks the language of who created it.
    return await staff_language(staff_id) or "fr"


async def staff_feed(staff_id: int, _created_by: int | None) -> bytes | None:
    """The sessions of every module ``staff_id`` facilitates, cancelled ones included."""
    person = await staff_member(staff_id)
    if not person or not person["active"]:
        return None
    language = person["language"]
    theirs = ModuleFacilitator.select(ModuleFacilitator.module).where(
        ModuleFacilitator.staff_user == staff_id
    )
    rows = (
        await Session.select(*COLUMNS)
        .where(Session.module.is_in(theirs) & window())
        .order_by(Session.starts_at)
    )
    first_name = (person["name"].split() or [""])[0]
    name = translations(language).gettext(STAFF_CALENDAR_NAME) % {"name": first_name}
    return bookings.calendar(await _team_events(rows, language), name=name, method="PUBLISH")


async def _lock_module(module_id: int) -> None:
    await lock_row(Module, module_id)


async def module_feed(module_id: int, created_by: int | None) -> bytes | None:
    """Every session of a module, cancelled ones included."""
    module = await Module.objects().get(Module.id == module_id)
    if module is None:
        return None
    language = await _language_of(created_by)
    rows = (
        await Session.select(*COLUMNS)
        .where((Session.module == module.id) & window())
        .order_by(Session.starts_at)
    )
    site_name = rows[0]["site_name"] if rows else ""
    name = translations(language).gettext(MODULE_CALENDAR_NAME) % {
        "title": module.title,
        "site": site_name,
    }
    name = name.rstrip(" ·")
    return bookings.calendar(await _team_events(rows, language), name=name, method="PUBLISH")


feeds.register_feed_kind(
    STAFF_KIND, feeds.FeedKind(subject=_staff_subject, lock=lock_staff_user, calendar=staff_feed)
)
feeds.register_feed_kind(
    MODULE_KIND, feeds.FeedKind(subject=_module_subject, lock=_lock_module, calendar=module_feed)
)
feeds.add_visitor_events(visitor_sessions)
