"""A visitor's own workshops (their phone, or a kiosk visit): their next session, their live
enrolments with the sessions to come, an enrolment as an .ics, their history. Offered to other
domains by ``lab.workshops.queries``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from lab.core import clock
from lab.workshops import calendars
from lab.workshops.queues import LIVE, place_in_line
from lab.workshops.tables import Enrolment, Session


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


async def visitor_enrolments_at(
    visitor_id: int, site_ids: Iterable[int], since: dt.datetime | None = None
) -> list[dict]:
    """The visitor's enrolments and places on a waiting list in modules of ``site_ids``
    (made from ``since``), newest first, for the staff's timeline: ``id``, ``module_id``,
    ``workshop``, ``site_id``, ``session_starts_at`` (a drop-in's session, else None),
    ``status``, ``created_at``, ``updated_at`` and ``promoted_at``."""
    where = (Enrolment.visitor == visitor_id) & Enrolment.module.site.is_in(list(site_ids) or [-1])
    if since is not None:
        where &= Enrolment.created_at >= since
    return (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.module.as_alias("module_id"),
            Enrolment.module.title.as_alias("workshop"),
            Enrolment.module.site.as_alias("site_id"),
            Enrolment.session.starts_at.as_alias("session_starts_at"),
            Enrolment.status,
            Enrolment.created_at,
            Enrolment.updated_at,
            Enrolment.promoted_at,
        )
        .where(where)
        .order_by(Enrolment.created_at, ascending=False)
    )


async def message_sites(enrolment_ids: Iterable[int], session_ids: Iterable[int]) -> dict:
    """The sites that messages about workshops are about: ``{"enrolment": {id: site},
    "session": {id: site}}`` for the enrolments and sessions that exist."""
    enrolments = await Enrolment.select(
        Enrolment.id, Enrolment.module.site.as_alias("site_id")
    ).where(Enrolment.id.is_in(list(enrolment_ids) or [-1]))
    sessions = await Session.select(Session.id, Session.module.site.as_alias("site_id")).where(
        Session.id.is_in(list(session_ids) or [-1])
    )
    return {
        "enrolment": {row["id"]: row["site_id"] for row in enrolments},
        "session": {row["id"]: row["site_id"] for row in sessions},
    }
