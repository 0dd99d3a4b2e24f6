"""Queues: who holds a seat or waits for one, in a series module (one queue for all its
sessions) or a drop-in session (one queue each), and who is expected at a session. Offered to
other domains by ``lab.workshops.queries``."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from piccolo.columns.combination import Combination

from lab.core.db import fetch, placeholders
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


async def expected_counts(sessions: Iterable[tuple[int, str, int]]) -> dict[int, int]:
    """``expected_count`` of several sessions, given as (module id, enrolment, session id), in
    one query: {session id: how many are expected}."""
    wanted = list(sessions)
    per_module, per_session = await enrolled_counts(sorted({module for module, _, _ in wanted}))
    return {
        session: per_session.get(session, 0)
        if enrolment == "drop_in"
        else per_module.get(module, 0)
        for module, enrolment, session in wanted
    }


async def is_expected(module_id: int, enrolment: str, session_id: int, visitor_id: int) -> bool:
    """Whether ``visitor_id`` holds a place at the session. Anyone may walk into a drop-in
    session: there, this says whether they enrolled beforehand."""
    return await Enrolment.exists().where(
        expected_at(module_id, enrolment, session_id) & (Enrolment.visitor == visitor_id)
    )


async def expected_among(visitor_id: int, sessions: Iterable[tuple[Session, Module]]) -> set[int]:
    """The ids of the sessions among ``sessions`` (with their modules) at which ``visitor_id``
    holds a place (``is_expected`` for each of them, in one statement)."""
    found = await expected_of_visitors([visitor_id], sessions)
    return found.get(visitor_id, set())


async def expected_of_visitors(
    visitor_ids: Collection[int], sessions: Iterable[tuple[Session, Module]]
) -> dict[int, set[int]]:
    """For each of ``visitor_ids``, the ids of the sessions among ``sessions`` (with their
    modules) at which they hold a place, in one statement.

    Every check-in at a tablet asks, so it is plain SQL (see lab.core.db, "hot paths"): the
    visitors' places in these modules, then ``queue_of``'s rule (a series module's place has
    no session, a drop-in one names its session) picks the sessions they are places at."""
    sessions = list(sessions)
    if not sessions or not visitor_ids:
        return {}
    visitors = sorted(set(visitor_ids))
    # The status is read, not asked for: with several visitors, SQLite would otherwise walk
    # every place held anywhere by the status's index rather than the visitors' own.
    module_ids = sorted({module.id for _session, module in sessions})
    rows = await fetch(
        Enrolment,
        "SELECT visitor, module, session, status FROM enrolment "  # noqa: S608 (placeholders only)
        f"WHERE visitor IN ({placeholders(visitors)}) AND module IN ({placeholders(module_ids)})",
        *visitors,
        *module_ids,
    )
    held = {
        (row["visitor"], row["module"], row["session"])
        for row in rows
        if row["status"] == "enrolled"
    }
    return {
        visitor: {
            session.id
            for session, module in sessions
            if (visitor, module.id, session.id if module.enrolment == "drop_in" else None) in held
        }
        for visitor in visitors
    }


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


async def places_in_line(module: Module, waiting: list[tuple[int | None, int]]) -> list[int]:
    """``place_in_line`` of several waitlisted enrolments of one module, given as (session,
    position), in one query: their places, in the same order."""
    if not waiting:
        return []
    sessions = {session for session, _ in waiting}
    where = None
    for session in sessions:
        queue = queue_of(module.id, module.enrolment, session)
        where = queue if where is None else where | queue
    rows = await Enrolment.select(Enrolment.session, Enrolment.position).where(
        where & (Enrolment.status == "waitlisted")
    )
    lines: dict[int | None, list[int]] = {}
    for row in rows:
        key = row["session"] if module.enrolment == "drop_in" else None
        lines.setdefault(key, []).append(row["position"])
    return [
        1
        + sum(
            1
            for other in lines.get(session if module.enrolment == "drop_in" else None, [])
            if other < position
        )
        for session, position in waiting
    ]


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


async def drop_in_enrolments_in(
    module_ids: list[int], session_ids: list[int], visitor_ids: list[int], statuses: tuple[str, ...]
) -> list[dict]:
    """``drop_in_enrolments`` of several modules in one query (each row names its ``module``)."""
    return await Enrolment.select(Enrolment.module, Enrolment.visitor, Enrolment.session).where(
        Enrolment.module.is_in(module_ids or [-1])
        & Enrolment.session.is_in(session_ids or [-1])
        & Enrolment.visitor.is_in(visitor_ids or [-1])
        & Enrolment.status.is_in(list(statuses))
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
