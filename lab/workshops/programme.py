"""The programme as other domains read it: sessions by time and site, their rooms, teams and
partners, a module's sessions, what a tablet offers. Offered to other domains by
``lab.workshops.queries``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lab.core import clock
from lab.core.db import column_list, fetch, is_sqlite, row_of
from lab.workshops.tables import Module, ModuleFacilitator, Partner, Session

# A session starts and ends on one local day (``sessions.schedule``, ``move_session``): with
# a change of clocks that day, at most 25 hours.
LONGEST_SESSION = dt.timedelta(hours=25)


async def sessions_open_at(
    site_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    session_id: int | None = None,
    held: bool = False,
) -> list[tuple[Session, Module]]:
    """Sessions at ``site_id`` (whatever their status) under way at some moment between
    ``start`` and ``end`` (starting at or before ``end``, ending after ``start``), with their
    module, earliest first. With ``session_id``: that one session, whenever it is, if it is at
    the site. ``held``: inside a write transaction, the sessions read under a shared lock
    until it ends, as ``sessions.hold_session`` reads one (on SQLite the transaction holds
    the database's write lock already)."""
    # Every check-in at a tablet asks: one plain statement (see lab.core.db, "hot paths").
    if session_id is not None:
        when, values = "s.id = {}", (session_id,)
    else:
        # The bound from below lets the index on starts_at skip the past's sessions.
        when = "s.starts_at <= {} AND s.starts_at > {} AND s.ends_at > {}"
        values = (end, start - LONGEST_SESSION, start)
    rows = await fetch(
        Session,
        f"SELECT {column_list(Session, 's', 's.')}, {column_list(Module, 'm', 'm.')} "  # noqa: S608
        f"FROM workshop_session s JOIN workshop_module m ON m.id = s.module "
        f"WHERE m.site = {{}} AND {when} ORDER BY s.starts_at, s.id"
        + (" FOR SHARE OF s" if held and not is_sqlite(Session._meta.db) else ""),
        site_id,
        *values,
    )
    modules: dict[int, Module] = {}
    found = []
    for row in rows:
        module = modules.get(row["m.id"]) or modules.setdefault(
            row["m.id"], row_of(Module, row, "m.")
        )
        found.append((row_of(Session, row, "s."), module))
    return found


def under_way(session: Session, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether ``session`` is under way at some moment between ``start`` and ``end``: the
    rule ``sessions_open_at`` reads by, for a caller that read one wider span for several."""
    return session.starts_at <= end and session.ends_at > start


async def session_summary(session_id: int) -> dict | None:
    """A session's module title (``title``) and start (``starts_at``), to name it, with its
    ``module`` and the module's ``site``."""
    # Asked after every check-in: plain SQL (see lab.core.db, "hot paths").
    rows = await fetch(
        Session,
        "SELECT s.starts_at AS starts_at, m.title AS title, s.module AS module, m.site AS site "
        "FROM workshop_session s JOIN workshop_module m ON m.id = s.module WHERE s.id = {}",
        session_id,
    )
    return rows[0] if rows else None


async def session_summaries(session_ids: Iterable[int]) -> dict[int, dict]:
    """{id: {"id", "title", "starts_at"}} of the sessions among ``session_ids`` that exist."""
    wanted = list(session_ids)
    if not wanted:
        return {}
    rows = await Session.select(
        Session.id, Session.starts_at, Session.module.title.as_alias("title")
    ).where(Session.id.is_in(wanted))
    return {row["id"]: row for row in rows}


async def module_sessions(module_id: int) -> list[dict]:
    """The module's sessions not cancelled (``id``, ``starts_at``, ``ends_at``), in order."""
    return (
        await Session.select(Session.id, Session.starts_at, Session.ends_at)
        .where((Session.module == module_id) & (Session.status != "cancelled"))
        .order_by(Session.starts_at)
    )


async def sessions_of_modules(module_ids: list[int]) -> list[dict]:
    """``module_sessions`` of several modules in one query (each row names its ``module``)."""
    if not module_ids:
        return []
    return (
        await Session.select(Session.id, Session.module, Session.starts_at, Session.ends_at)
        .where(Session.module.is_in(list(module_ids)) & (Session.status != "cancelled"))
        .order_by(Session.starts_at)
    )


async def module_session_ids(module_id: int) -> list[int]:
    """Every session of the module, whatever its status."""
    rows = await Session.select(Session.id).where(Session.module == module_id)
    return [row["id"] for row in rows]


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


async def sessions_starting_at_sites(
    windows: dict[int, tuple[dt.datetime, dt.datetime]],
) -> list[dict]:
    """``sessions_starting`` for several sites at once, each over its own [start, end) (each
    site's own today, say), in one query; each row names its ``site_id``."""
    where = None
    for site_id, (start, end) in windows.items():
        window = (
            (Session.module.site == site_id)
            & (Session.starts_at >= start)
            & (Session.starts_at < end)
        )
        where = window if where is None else where | window
    if where is None:
        return []
    rows = await Session.select(*_SESSION_COLUMNS).where(where).order_by(Session.starts_at)
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


async def facilitator_ids(module_id: int) -> list[int]:
    """The staff ids of the module's facilitators."""
    rows = await ModuleFacilitator.select(ModuleFacilitator.staff_user).where(
        ModuleFacilitator.module == module_id
    )
    return [row["staff_user"] for row in rows]
