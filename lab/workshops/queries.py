"""Reads about workshops that other domains may use (no rules here)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from piccolo.columns.combination import Combination

from lab.core import clock
from lab.workshops.tables import Enrolment, Module, Session

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
