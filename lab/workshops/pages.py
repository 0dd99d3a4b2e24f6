"""The data of the staff workshop pages: the list of modules, a module's and a session's
page, the enrolment lists and the choices of the module form.

No rule and no write lives here: every change goes through ``services``. Each page reaches a
module through ``get_module_for``, which enforces the actor's sites.

How many came to each session is attendance's to say, and attendance sits above workshops:
it is handed in by the app (``count_attendance_with``), never imported from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from lab.accounts import queries as accounts
from lab.bookings import queries as rooms
from lab.core import clock
from lab.core.errors import NotFound
from lab.core.i18n import N_, _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.workshops import queries, services
from lab.workshops.queries import can_manage, capacity_of, enrolled_counts
from lab.workshops.tables import Enrolment, Module, Partner, Session

MODE_LABELS = {
    "series": N_("En série : on s'inscrit une fois, pour toutes les séances"),
    "drop_in": N_("À la séance : on s'inscrit séance par séance"),
}
MODE_SHORT = {"series": N_("En série"), "drop_in": N_("À la séance")}
SESSION_STATUS_LABELS = {
    "scheduled": N_("Prévue"),
    "cancelled": N_("Annulée"),
    "closed": N_("Terminée"),
}
# Resources a session can take place in.
ROOM_KINDS = ("room", "studio", "screen")

# session ids -> {session id: {"came": n, "absent": n, "excused": n}}, from attendance.
AttendanceCounts = Callable[[list[int]], Awaitable[dict[int, dict[str, int]]]]
NO_ATTENDANCE = {"came": 0, "absent": 0, "excused": 0}


async def _nobody_counted(_session_ids: list[int]) -> dict[int, dict[str, int]]:
    return {}


_attendance_counts: AttendanceCounts = _nobody_counted


def count_attendance_with(source: AttendanceCounts) -> None:
    """Where the pages read how many came to each session (the app hands in attendance's)."""
    global _attendance_counts
    _attendance_counts = source


def _seats(module: Module, session: dict | Session | None, enrolled: int) -> int:
    capacity = module.capacity
    if session is not None:
        own = session["capacity"] if isinstance(session, dict) else session.capacity
        capacity = own if own is not None else capacity
    return max(capacity - enrolled, 0)


# -- The list of modules --------------------------------------------------------------------


async def module_rows(actor: StaffPrincipal, site_id: int | None) -> list[dict]:
    """The modules of a site (or of all the actor's sites): upcoming sessions and free seats
    (a series: of the module; drop-in: of its next session)."""
    modules = await services.list_modules(actor, site_id)
    ids = [module.id for module in modules]
    upcoming = (
        await Session.select(Session.id, Session.module, Session.starts_at, Session.capacity)
        .where(
            Session.module.is_in(ids or [-1])
            & (Session.status == "scheduled")
            & (Session.ends_at > clock.now())
        )
        .order_by(Session.starts_at)
    )
    per_module, per_session = await enrolled_counts(ids)
    facilitators = await queries.facilitator_names(ids)
    partners = {
        row["id"]: row["name"]
        for row in await Partner.select(Partner.id, Partner.name).where(
            Partner.id.is_in([m.partner for m in modules if m.partner] or [-1])
        )
    }
    zones = await accounts.timezones({module.site for module in modules})
    rows = []
    for module in modules:
        sessions = [s for s in upcoming if s["module"] == module.id]
        next_session = sessions[0] if sessions else None
        if module.enrolment == "series":
            seats = _seats(module, None, per_module.get(module.id, 0))
        elif next_session is not None:
            seats = _seats(module, next_session, per_session.get(next_session["id"], 0))
        else:
            seats = None
        rows.append(
            {
                "module": module,
                "upcoming": len(sessions),
                "next": next_session["starts_at"] if next_session else None,
                "seats": seats,
                "timezone": zones.get(module.site, "Europe/Paris"),
                "facilitators": facilitators.get(module.id, []),
                "partner": partners.get(module.partner),
            }
        )
    return rows


async def module_list(actor: StaffPrincipal, site_id: int | None) -> dict:
    """The list page: the modules of one of the actor's sites (``site_id``, else the first
    they work on), and whether they may add one there. Errors: not_found, forbidden (a site
    they do not work on)."""
    sites = await accounts.site_choices(actor)
    if site_id is not None:
        await accounts.get_site_for(actor, site_id)
    site_id = site_id or next(iter(sites), None)
    return {
        "sites": sites,
        "site_id": site_id,
        "rows": await module_rows(actor, site_id) if site_id else [],
        "can_create": site_id in await accounts.site_choices(actor, *MANAGERS),
        "kind_labels": services.KINDS,
        "mode_labels": MODE_SHORT,
    }


# -- A module's page ------------------------------------------------------------------------


async def session_rows(module: Module) -> dict[str, list[dict]]:
    """The module's sessions to come and past, with seats (drop-in) and attendance."""
    sessions = (
        await Session.objects().where(Session.module == module.id).order_by(Session.starts_at)
    )
    ids = [s.id for s in sessions]
    attendance = await _attendance_counts(ids)
    _per_module, per_session = await enrolled_counts([module.id])
    now = clock.now()
    result: dict[str, list[dict]] = {"upcoming": [], "past": []}
    for session in sessions:
        enrolled = per_session.get(session.id, 0)
        row = {
            "session": session,
            "attendance": attendance.get(session.id, NO_ATTENDANCE),
            "enrolled": enrolled,
            "capacity": capacity_of(module, session),
            "seats": _seats(module, session, enrolled),
        }
        result["upcoming" if session.ends_at > now else "past"].append(row)
    result["past"].reverse()  # the latest first
    return result


async def queue_block(module: Module, session: Session | None) -> dict:
    """The enrolment list of a queue (a series module, or a drop-in session), waitlist in
    order with each person's position (1: next in line)."""
    queue_session = session if module.enrolment == "drop_in" else None
    roster = await queries.roster(module, queue_session.id if queue_session else None)
    waitlisted = [{**row, "place": index} for index, row in enumerate(roster["waitlisted"], 1)]
    capacity = capacity_of(module, queue_session)
    return {
        "enrolled": roster["enrolled"],
        "waitlisted": waitlisted,
        "capacity": capacity,
        "seats": max(capacity - len(roster["enrolled"]), 0),
        "queue_session": queue_session,
        "open": module.active and (queue_session is None or queue_session.status == "scheduled"),
    }


async def module_detail(actor: StaffPrincipal, module_id: int) -> dict:
    """Errors: not_found, forbidden (another site's module)."""
    module = await queries.get_module_for(actor, module_id)
    site = await accounts.get_site(module.site)
    partner = await Partner.objects().get(Partner.id == module.partner) if module.partner else None
    room = await rooms.get_resource(module.room) if module.room else None
    context = {
        "module": module,
        "site": site,
        "partner": partner,
        "room": room,
        "facilitators": (await queries.facilitator_names([module.id])).get(module.id, []),
        "competences": [tag.strip() for tag in module.competences.split(",") if tag.strip()],
        "sessions": await session_rows(module),
        "can_manage": can_manage(actor, module.site),
        "kind_labels": services.KINDS,
        "partner_kinds": services.PARTNER_KINDS,
        "mode_labels": MODE_LABELS,
        "session_status_labels": SESSION_STATUS_LABELS,
    }
    if module.enrolment == "series":
        context["queue"] = await queue_block(module, None)
    return context


# -- A session's page -----------------------------------------------------------------------


def local_values(session: Session, timezone: str) -> dict[str, str]:
    """A session as the move form's values: local day and times of its site."""
    starts = clock.to_zone(session.starts_at, timezone)
    ends = clock.to_zone(session.ends_at, timezone)
    return {
        "day": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
    }


async def session_detail(actor: StaffPrincipal, session_id: int) -> dict:
    """Errors: not_found, forbidden (another site's session)."""
    session, module = await queries.get_session_for(actor, session_id)
    site = await accounts.get_site(module.site)
    booking = None
    if session.room_booking is not None:
        summary = await rooms.booking_summary(session.room_booking)
        if summary is not None:
            booking = {**summary, "resource_name": summary["title"]}
    manager = can_manage(actor, module.site)
    context = {
        "session": session,
        "module": module,
        "site": site,
        "booking": booking,
        "facilitators": (await queries.facilitator_names([module.id])).get(module.id, []),
        "attendance": (await _attendance_counts([session.id])).get(session.id, NO_ATTENDANCE),
        "can_manage": manager,
        "can_change": manager and session.status == "scheduled",
        "values": local_values(session, site.timezone),
        "errors": {},
        "session_status_labels": SESSION_STATUS_LABELS,
        "mode_labels": MODE_LABELS,
        "queue": await queue_block(module, session),
    }
    return context


# -- Enrolment ------------------------------------------------------------------------------


async def visitor_from_scan(actor: StaffPrincipal, text: str) -> accounts.Visitor | None:
    """The visitor whose pass was scanned (its URL or token typed by a scanner), or None
    when ``text`` is not a scan. Errors: unknown_pass, forbidden (another site's visitor)."""
    token = accounts.token_from_scan(text)
    if token is None:
        return None
    visitor = await accounts.resolve_token(token)
    if visitor is None:
        if accounts.PASS_PATH not in text:
            return None  # one long word (a hyphenated name?) rather than a scan: a search
        raise NotFound(_("Cette carte n'est pas valable."), code="unknown_pass")
    return await accounts.get_visitor_for(actor, visitor.id)


async def matches_for(actor: StaffPrincipal, module: Module, text: str, queue: dict) -> list[dict]:
    """Visitors of the module's site matching a name, a short code or a file number, each
    with their place in the queue if they have one."""
    found = await accounts.search_visitors(actor, text)
    ids = [row["id"] for row in found]
    here = {row["id"] for row in await accounts.visitor_names(ids, site_ids=[module.site])}
    places = {row["visitor"]: _("inscrit·e") for row in queue["enrolled"]}
    for row in queue["waitlisted"]:
        places[row["visitor"]] = _("liste d'attente, position %(n)s", n=row["place"])
    return [{**row, "place": places.get(row["id"])} for row in found if row["id"] in here]


async def outcome(enrolled: Enrolment) -> dict:
    """What to say after enrolling someone: their name, and enrolled or their position."""
    visitor = await accounts.get_visitor(enrolled.visitor)
    return {
        "name": f"{visitor.first_name} {visitor.last_name}",
        "status": enrolled.status,
        "position": await queries.waitlist_position(enrolled),
    }


def promoted_names(before: dict, after: dict) -> list[str]:
    """Who moved from the waitlist to a seat between two reads of the same queue."""
    waiting = {row["visitor"] for row in before["waitlisted"]}
    return [
        f"{row['first_name']} {row['last_name']}"
        for row in after["enrolled"]
        if row["visitor"] in waiting
    ]


# -- The module form ------------------------------------------------------------------------


async def module_form(
    actor: StaffPrincipal, site_id: int, values: dict, chosen_staff: list[int]
) -> dict:
    """The module form of a site, with ``values``. Errors: not_found, forbidden (a site the
    actor does not work on)."""
    return {
        "values": values,
        "errors": {},
        "site": await accounts.get_site_for(actor, site_id),
        "sites": await accounts.site_choices(actor, *MANAGERS),
        "kind_labels": services.KINDS,
        "partner_kinds": services.PARTNER_KINDS,
        "mode_labels": MODE_LABELS,
        "partner_values": {"site_id": site_id},
        "partner_errors": {},
        **await form_choices(actor, site_id, chosen_staff),
    }


async def first_managed_site(actor: StaffPrincipal) -> int | None:
    """The first site whose programme the actor manages, to show a form again."""
    return next(iter(await accounts.site_choices(actor, *MANAGERS)), None)


async def form_choices(
    actor: StaffPrincipal, site_id: int, chosen_staff: list[int] | None = None
) -> dict:
    """Partners, rooms and team members of the site (plus anyone already chosen)."""
    partners = await services.list_partners(actor, site_id)
    places = [r for r in await rooms.list_resources(actor, site_id) if r.kind in ROOM_KINDS]
    return {
        "partner_options": {p.id: p.name for p in partners},
        "room_options": {r.id: r.name for r in places},
        "staff_options": await services.team_choices(site_id, chosen_staff or []),
    }


def module_values(module: Module, facilitator_ids: list[int]) -> dict[str, object]:
    return {
        "site_id": module.site,
        "title": module.title,
        "kind": module.kind,
        "description": module.description,
        "audience": module.audience,
        "capacity": module.capacity,
        "enrolment": module.enrolment,
        "self_enrol": module.self_enrol,
        "partner_id": module.partner,
        "room_id": module.room,
        "completion_percent": module.completion_percent,
        "late_after_minutes": module.late_after_minutes,
        "competences": module.competences,
        "facilitator_ids": facilitator_ids,
        "active": module.active,
    }


def schedule_defaults(today: dt.date) -> dict[str, object]:
    return {"day": today.isoformat(), "start": "09:30", "end": "12:00", "repeat_weeks": 1}
