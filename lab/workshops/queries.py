"""Reads about workshops that other domains may use (no rules here)."""

from __future__ import annotations

import dataclasses
import datetime as dt

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
