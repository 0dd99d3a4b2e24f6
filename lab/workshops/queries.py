"""Reads about workshops that other domains may use (no rules here).

``get_module_for`` and ``get_session_for`` are the reads that check the actor's sites: every
other read of a module or a session the actor names goes through them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from piccolo.columns.combination import Combination

from lab.core import clock
from lab.core.errors import NotFound
from lab.core.i18n import _
from lab.core.principals import Principal, require_own, require_site
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.workshops import calendars
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Partner, Session

# Enrolment statuses that hold or wait for a place.
LIVE = ("enrolled", "waitlisted")


def queue_of(module_id: int, enrolment: str, session_id: int | None) -> Combination:
    """The enrolments (any status) that make up a session's queue, as a condition on
    ``Enrolment``: a series module has one queue for all its sessions (enrolments with no
    session); a drop-in module has one per session. The single place this rule is written."""
    where = Enrolment.module == module_id
    if enrolment == "drop_in":
        return where & (Enrolment.session == session_id)
    return where & Enrolment.session.is_null()


def expected_at(module_id: int, enrolment: str, session_id: int) -> Combination:
    """Who is expected at a session: those holding a place in its queue."""
    return queue_of(module_id, enrolment, session_id) & (Enrolment.status == "enrolled")


async def expected_visitors(module_id: int, enrolment: str, session_id: int) -> list[int]:
    """The ids of the visitors expected at a session (see ``expected_at``)."""
    rows = await Enrolment.select(Enrolment.visitor).where(
        expected_at(module_id, enrolment, session_id)
    )
    return [row["visitor"] for row in rows]


async def expected_count(module_id: int, enrolment: str, session_id: int) -> int:
    return await Enrolment.count().where(expected_at(module_id, enrolment, session_id))


async def is_expected(module_id: int, enrolment: str, session_id: int, visitor_id: int) -> bool:
    """Whether ``visitor_id`` holds a place at the session. Anyone may walk into a drop-in
    session: there, this says whether they enrolled beforehand."""
    return await Enrolment.exists().where(
        expected_at(module_id, enrolment, session_id) & (Enrolment.visitor == visitor_id)
    )


@dataclasses.dataclass(frozen=True, slots=True)
class NextSession:
    session_id: int
    title: str
    starts_at: dt.datetime


async def next_session_of(visitor_id: int, site_id: int, after: dt.datetime) -> NextSession | None:
    """The visitor's first session at ``site_id`` starting after ``after``: a scheduled session
    of a series they are enrolled in, or a drop-in session they are enrolled in. A place on a
    waiting list is not an appointment: it is left out."""
    rows = await Enrolment.select(Enrolment.module, Enrolment.session).where(
        (Enrolment.visitor == visitor_id)
        & (Enrolment.status == "enrolled")
        & (Enrolment.module.site == site_id)
    )
    if not rows:
        return None
    series = [row["module"] for row in rows if row["session"] is None] or [-1]
    drop_in = [row["session"] for row in rows if row["session"] is not None] or [-1]
    row = (
        await Session.select(Session.id, Session.starts_at, Session.module.title.as_alias("title"))
        .where(
            (Session.module.is_in(series) | Session.id.is_in(drop_in))
            & (Session.module.site == site_id)
            & (Session.status == "scheduled")
            & (Session.starts_at > after)
        )
        .order_by(Session.starts_at)
        .first()
    )
    return NextSession(row["id"], row["title"], row["starts_at"]) if row else None


async def sessions_open_at(
    site_id: int, start: dt.datetime, end: dt.datetime, *, session_id: int | None = None
) -> list[tuple[Session, Module]]:
    """Sessions at ``site_id`` (whatever their status) under way at some moment between
    ``start`` and ``end`` (starting at or before ``end``, ending after ``start``), with their
    module, earliest first. With ``session_id``: that one session, whenever it is, if it is at
    the site."""
    where = Session.module.site == site_id
    if session_id is not None:
        where &= Session.id == session_id
    else:
        where &= (Session.starts_at <= end) & (Session.ends_at > start)
    sessions = await Session.objects().where(where).order_by(Session.starts_at)
    if not sessions:
        return []
    ids = list({session.module for session in sessions})
    modules = {m.id: m for m in await Module.objects().where(Module.id.is_in(ids))}
    return [(session, modules[session.module]) for session in sessions]


async def session_summary(session_id: int) -> dict | None:
    """A session's module title (``title``) and start (``starts_at``), to name it."""
    return (
        await Session.select(Session.starts_at, Session.module.title.as_alias("title"))
        .where(Session.id == session_id)
        .first()
    )


async def session_summaries(session_ids: Iterable[int]) -> dict[int, dict]:
    """{id: {"id", "title", "starts_at"}} of the sessions among ``session_ids`` that exist."""
    wanted = list(session_ids)
    if not wanted:
        return {}
    rows = await Session.select(
        Session.id, Session.starts_at, Session.module.title.as_alias("title")
    ).where(Session.id.is_in(wanted))
    return {row["id"]: row for row in rows}


# -- A visitor's own enrolments (their phone, or a kiosk visit) -----------------------------


async def _sessions_to_come(rows: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """("module", id) or ("session", id) -> the scheduled sessions still to come."""
    module_ids = [row["module"] for row in rows if row["session"] is None] or [-1]
    session_ids = [row["session"] for row in rows if row["session"] is not None] or [-1]
    sessions = (
        await Session.select(Session.id, Session.module, Session.starts_at, Session.ends_at)
        .where(
            (Session.module.is_in(module_ids) | Session.id.is_in(session_ids))
            & (Session.status == "scheduled")
            & (Session.ends_at > clock.now())
        )
        .order_by(Session.starts_at)
    )
    found: dict[tuple[str, int], list[dict]] = {}
    for session in sessions:
        found.setdefault(("module", session["module"]), []).append(session)
        found.setdefault(("session", session["id"]), []).append(session)
    return found


async def place_in_line(
    module_id: int, enrolment: str, session_id: int | None, position: int
) -> int:
    """Where a waitlisted enrolment at ``position`` stands in its queue: 1 for the next."""
    ahead = await Enrolment.count().where(
        queue_of(module_id, enrolment, session_id)
        & (Enrolment.status == "waitlisted")
        & (Enrolment.position < position)
    )
    return ahead + 1


async def upcoming_enrolments(visitor_id: int) -> list[dict]:
    """The visitor's live enrolments with a session still to come (the next ones of a series,
    or the one drop-in session), soonest first. Each has its ``sessions`` to come and, when
    waitlisted, its ``position`` (1 = next), besides ``id``, ``status``, ``title``, ``kind``
    (series or drop_in), ``site_name`` and ``timezone``."""
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.module,
            Enrolment.session,
            Enrolment.status,
            Enrolment.position,
            Enrolment.module.title.as_alias("title"),
            Enrolment.module.enrolment.as_alias("kind"),
            Enrolment.module.site.name.as_alias("site_name"),
            Enrolment.module.site.timezone.as_alias("timezone"),
        )
        .where((Enrolment.visitor == visitor_id) & Enrolment.status.is_in(list(LIVE)))
        .order_by(Enrolment.id)
    )
    to_come = await _sessions_to_come(rows)
    items = []
    for row in rows:
        if row["session"] is None:
            sessions = to_come.get(("module", row["module"]), [])
        else:
            sessions = to_come.get(("session", row["session"]), [])
        if not sessions:
            continue  # the series is over, or the session past or cancelled
        position = None
        if row["status"] == "waitlisted":
            position = await place_in_line(
                row["module"], row["kind"], row["session"], row["position"]
            )
        items.append({**row, "sessions": sessions, "position": position})
    items.sort(key=lambda item: item["sessions"][0]["starts_at"])
    return items


async def upcoming_enrolment(visitor_id: int, enrolment_id: int) -> dict | None:
    """One of ``upcoming_enrolments``, or None (someone else's, no longer live, or over)."""
    for item in await upcoming_enrolments(visitor_id):
        if item["id"] == enrolment_id:
            return item
    return None


# -- Modules and sessions, as the actor may see them ----------------------------------------


async def get_module_for(actor: Principal, module_id: int) -> Module:
    """Errors: not_found, forbidden (another site's module, for staff; a tablet or a phone
    gets not_found)."""
    missing = _("Ce module n'existe pas.")
    module = await Module.objects().get(Module.id == module_id)
    if module is None:
        raise NotFound(missing)
    require_site(
        actor, module.site, missing=missing, elsewhere=_("Ce module appartient à un autre site.")
    )
    return module


async def get_session_for(actor: Principal, session_id: int) -> tuple[Session, Module]:
    """Errors: not_found, forbidden (another site's session, for staff; a tablet or a phone
    gets not_found)."""
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    return session, await get_module_for(actor, session.module)


def can_manage(actor: StaffPrincipal, site_id: int) -> bool:
    """Whether ``actor`` manages the programme of ``site_id`` (modules, sessions, feeds)."""
    return actor.can_reach_site(site_id, *MANAGERS)


# -- Enrolments -----------------------------------------------------------------------------


async def get_enrolment(enrolment_id: int) -> Enrolment | None:
    """An enrolment by id, whoever it belongs to: the caller checks it may see it."""
    return await Enrolment.objects().get(Enrolment.id == enrolment_id)


async def get_enrolment_for(actor: Principal, enrolment_id: int) -> Enrolment:
    """An enrolment the actor may see: one of its module's site and, for a principal acting
    for one visitor (their phone), one of their own. Errors: not_found (also someone else's,
    and another site's for a tablet or a phone), forbidden (another site's, for staff)."""
    missing = _("Cette inscription n'existe pas.")
    enrolment = await get_enrolment(enrolment_id)
    if enrolment is None:
        raise NotFound(missing)
    require_own(actor, enrolment.visitor, missing=missing)
    await get_module_for(actor, enrolment.module)
    return enrolment


async def enrolment_calendar(enrolment: Enrolment, language: str) -> bytes | None:
    """A live enrolment's sessions to come as an .ics to import; None when it is no longer
    live or no session is left to come."""
    if enrolment.status not in LIVE:
        return None
    return await calendars.enrolment_calendar(enrolment, language)


async def enrolment_history(visitor_id: int) -> list[dict]:
    """Every enrolment of a visitor, oldest first, as they may read it (right of access):
    ``workshop``, ``session_starts_at``, ``status``, ``source`` and when it changed."""
    return (
        await Enrolment.select(
            Enrolment.module.title.as_alias("workshop"),
            Enrolment.session.starts_at.as_alias("session_starts_at"),
            Enrolment.status,
            Enrolment.source,
            Enrolment.created_at,
            Enrolment.updated_at,
            Enrolment.promoted_at,
        )
        .where(Enrolment.visitor == visitor_id)
        .order_by(Enrolment.created_at)
    )


# -- Queues: seats, waitlists, rosters --------------------------------------------------------


def capacity_of(module: Module, session: Session | None) -> int:
    """The seats of a queue: the session's own capacity, else the module's."""
    if session is not None and session.capacity is not None:
        return session.capacity
    return module.capacity


async def enrolled_counts(module_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Seats taken: (enrolled per series module, enrolled per drop-in session)."""
    rows = await Enrolment.select(Enrolment.module, Enrolment.session).where(
        Enrolment.module.is_in(module_ids or [-1]) & (Enrolment.status == "enrolled")
    )
    per_module: dict[int, int] = {}
    per_session: dict[int, int] = {}
    for row in rows:
        if row["session"] is None:
            per_module[row["module"]] = per_module.get(row["module"], 0) + 1
        else:
            per_session[row["session"]] = per_session.get(row["session"], 0) + 1
    return per_module, per_session


async def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next in line; None when not waitlisted."""
    if enrolment.status != "waitlisted":
        return None
    module = await Module.objects().get(Module.id == enrolment.module)
    return await place_in_line(module.id, module.enrolment, enrolment.session, enrolment.position)


async def roster(module: Module, session_id: int | None = None) -> dict[str, list[dict]]:
    """Enrolled and waitlisted (in order) of a queue, with first and last names."""
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.position,
            Enrolment.visitor,
            Enrolment.visitor.first_name.as_alias("first_name"),
            Enrolment.visitor.last_name.as_alias("last_name"),
        )
        .where(
            queue_of(module.id, module.enrolment, session_id) & Enrolment.status.is_in(list(LIVE))
        )
        .order_by(Enrolment.position)
    )
    return {
        "enrolled": [row for row in rows if row["status"] == "enrolled"],
        "waitlisted": [row for row in rows if row["status"] == "waitlisted"],
    }


async def session_of(module: Module, session_id: int | None) -> Session | None:
    """The session of a drop-in module a form names (None for a series, or a session of
    another module)."""
    if session_id is None or module.enrolment != "drop_in":
        return None
    return await Session.objects().get((Session.id == session_id) & (Session.module == module.id))


async def queue_of_enrolment(actor: Principal, enrolment_id: int) -> tuple[Module, Session | None]:
    """The module (and, drop-in, the session) an enrolment belongs to. Errors: not_found,
    forbidden."""
    row = (
        await Enrolment.select(Enrolment.module, Enrolment.session)
        .where(Enrolment.id == enrolment_id)
        .first()
    )
    if row is None:
        raise NotFound(_("Cette inscription n'existe pas."))
    module = await get_module_for(actor, row["module"])
    session = None
    if row["session"] is not None:
        session = await Session.objects().get(Session.id == row["session"])
    return module, session


# -- A module's participants, for attendance's completion rule --------------------------------


async def module_sessions(module_id: int) -> list[dict]:
    """The module's sessions not cancelled (``id``, ``starts_at``, ``ends_at``), in order."""
    return (
        await Session.select(Session.id, Session.starts_at, Session.ends_at)
        .where((Session.module == module_id) & (Session.status != "cancelled"))
        .order_by(Session.starts_at)
    )


async def module_session_ids(module_id: int) -> list[int]:
    """Every session of the module, whatever its status."""
    rows = await Session.select(Session.id).where(Session.module == module_id)
    return [row["id"] for row in rows]


async def enrolled_in_module(module_id: int, enrolment: str, statuses: tuple[str, ...]) -> set[int]:
    """Visitors with an enrolment of one of ``statuses`` in the module: a series in its one
    queue, a drop-in module in any of its sessions."""
    where = Enrolment.module == module_id
    if enrolment != "drop_in":
        where = queue_of(module_id, enrolment, None)
    rows = await Enrolment.select(Enrolment.visitor).where(
        where & Enrolment.status.is_in(list(statuses))
    )
    return {row["visitor"] for row in rows}


async def drop_in_enrolments(
    module_id: int, session_ids: list[int], visitor_ids: list[int], statuses: tuple[str, ...]
) -> list[dict]:
    """(``visitor``, ``session``) of these visitors' enrolments of one of ``statuses`` in
    these sessions of a drop-in module (one queue per session: see ``queue_of``)."""
    return await Enrolment.select(Enrolment.visitor, Enrolment.session).where(
        (Enrolment.module == module_id)
        & Enrolment.session.is_in(session_ids or [-1])
        & Enrolment.visitor.is_in(visitor_ids or [-1])
        & Enrolment.status.is_in(list(statuses))
    )


# -- What a tablet offers a visitor --------------------------------------------------------


async def self_enrol_modules(site_id: int, module_id: int | None = None) -> list[Module]:
    """The site's active modules open to self-enrolment (with ``module_id``: that one, if it
    is)."""
    where = Module.self_enrol.eq(True) & Module.active.eq(True) & (Module.site == site_id)
    if module_id is not None:
        where &= Module.id == module_id
    return await Module.objects().where(where)


async def sessions_to_come(module_ids: list[int]) -> list[Session]:
    """Scheduled sessions of these modules not started yet (one enrols before a session, not
    during it), soonest first."""
    return (
        await Session.objects()
        .where(
            Session.module.is_in(module_ids or [-1])
            & (Session.status == "scheduled")
            & (Session.starts_at > clock.now())
        )
        .order_by(Session.starts_at)
    )


async def live_enrolment(
    visitor_id: int, module_id: int, enrolment: str, session_id: int | None
) -> Enrolment | None:
    """The visitor's live enrolment (enrolled or waitlisted) in a queue (see ``queue_of``)."""
    return (
        await Enrolment.objects()
        .where(
            queue_of(module_id, enrolment, session_id)
            & (Enrolment.visitor == visitor_id)
            & Enrolment.status.is_in(list(LIVE))
        )
        .first()
    )


# -- Sessions as attendance's pages show them ------------------------------------------------

# A session with its module's title, kind and kind of enrolment, its site, and its room (the
# room booked for it, else the module's usual room).
_SESSION_COLUMNS = (
    Session.id,
    Session.module,
    Session.starts_at,
    Session.ends_at,
    Session.status,
    Session.module.title.as_alias("title"),
    Session.module.kind.as_alias("kind"),
    Session.module.enrolment.as_alias("enrolment"),
    Session.module.site.as_alias("site_id"),
    Session.room_booking.resource.name.as_alias("room_name"),
    Session.module.room.name.as_alias("module_room_name"),
)


def _with_room(row: dict) -> dict:
    booked, usual = row.pop("room_name"), row.pop("module_room_name")
    row["room"] = booked or usual
    return row


async def sessions_starting(site_id: int, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The site's sessions (whatever their status) starting in [start, end), in order: ``id``,
    ``module``, ``starts_at``, ``ends_at``, ``status``, ``title``, ``kind``, ``enrolment``,
    ``site_id`` and ``room`` (its name, or None)."""
    rows = (
        await Session.select(*_SESSION_COLUMNS)
        .where(
            (Session.module.site == site_id)
            & (Session.starts_at >= start)
            & (Session.starts_at < end)
        )
        .order_by(Session.starts_at)
    )
    return [_with_room(row) for row in rows]


async def session_room(session_id: int) -> str | None:
    """The name of the session's room: the one booked for it, else its module's usual room."""
    row = await Session.select(*_SESSION_COLUMNS).where(Session.id == session_id).first()
    return _with_room(row)["room"] if row else None


async def facilitator_names(module_ids: list[int]) -> dict[int, list[str]]:
    """{module id: its facilitators' names, sorted} (modules without any are left out)."""
    rows = await ModuleFacilitator.select(
        ModuleFacilitator.module, ModuleFacilitator.staff_user.name.as_alias("name")
    ).where(ModuleFacilitator.module.is_in(module_ids or [-1]))
    names: dict[int, list[str]] = {}
    for row in rows:
        names.setdefault(row["module"], []).append(row["name"])
    return {module: sorted(people) for module, people in names.items()}


async def modules_facilitated_by(staff_id: int) -> set[int]:
    """The modules ``staff_id`` facilitates."""
    rows = await ModuleFacilitator.select(ModuleFacilitator.module).where(
        ModuleFacilitator.staff_user == staff_id
    )
    return {row["module"] for row in rows}


async def public_session(session_id: int) -> dict | None:
    """What a page anyone may open says of a session (its module's title, its times and
    status, its site and time zone) and its check-in secret, or None if there is none."""
    return (
        await Session.select(
            Session.id,
            Session.starts_at,
            Session.ends_at,
            Session.status,
            Session.checkin_secret,
            Session.module.title.as_alias("title"),
            Session.module.site.as_alias("site"),
            Session.module.site.timezone.as_alias("timezone"),
        )
        .where(Session.id == session_id)
        .first()
    )


async def sessions_near(module_id: int, session: Session, hours: int) -> list[Session]:
    """The module's other sessions (not cancelled) starting less than ``hours`` before or
    after ``session``, in order."""
    return await (
        Session.objects()
        .where(
            (Session.module == module_id)
            & (Session.id != session.id)
            & (Session.status != "cancelled")
            & (Session.starts_at > session.starts_at - dt.timedelta(hours=hours))
            & (Session.starts_at < session.starts_at + dt.timedelta(hours=hours))
        )
        .order_by(Session.starts_at)
    )


async def partner_name(partner_id: int | None) -> str | None:
    """The partner organisation's name (None for none, or an unknown id)."""
    if partner_id is None:
        return None
    row = await Partner.select(Partner.name).where(Partner.id == partner_id).first()
    return row["name"] if row else None
