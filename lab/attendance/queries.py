"""Reads about attendance that other domains may use (no rules here).

``ScanEvent`` is exposed as the row type the scan journal's reads return (for annotations and
reading fields): other domains do not query it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from piccolo.query import Select

from lab.attendance.completion import progress
from lab.attendance.tables import Attendance, ScanEvent
from lab.workshops import queries as workshops

CAME = ("present", "late")


async def attendance_counts(session_ids: list[int]) -> dict[int, dict[str, int]]:
    """{session id: {"came", "absent", "excused"}} for the sessions with any attendance
    recorded (present and late both count as came)."""
    rows = await Attendance.select(Attendance.session, Attendance.status).where(
        Attendance.session.is_in(session_ids or [-1])
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        per = counts.setdefault(row["session"], {"came": 0, "absent": 0, "excused": 0})
        key = "came" if row["status"] in ("present", "late") else row["status"]
        if key in per:
            per[key] += 1
    return counts


async def attendance_history(visitor_id: int) -> list[dict]:
    """The visitor's attendance records, oldest session first: the ``workshop``'s title, the
    ``session_starts_at``, ``status``, ``checked_in_at`` and ``method`` (their data export)."""
    return (
        await Attendance.select(
            Attendance.session.module.title.as_alias("workshop"),
            Attendance.session.starts_at.as_alias("session_starts_at"),
            Attendance.status,
            Attendance.checked_in_at,
            Attendance.method,
        )
        .where(Attendance.visitor == visitor_id)
        .order_by(Attendance.session.starts_at)
    )


async def visitor_attendance_at(
    visitor_id: int, site_ids: Iterable[int], since: dt.datetime | None = None
) -> list[dict]:
    """The visitor's attendance at sessions of ``site_ids`` (starting from ``since``), newest
    session first, for the staff's timeline: ``session_id``, ``module_id``, ``workshop``,
    ``site_id``, ``starts_at``, ``ends_at``, ``status`` and ``checked_in_at``."""
    where = (Attendance.visitor == visitor_id) & Attendance.session.module.site.is_in(
        list(site_ids) or [-1]
    )
    if since is not None:
        where &= Attendance.session.starts_at >= since
    return (
        await Attendance.select(
            Attendance.session.as_alias("session_id"),
            Attendance.session.module.as_alias("module_id"),
            Attendance.session.module.title.as_alias("workshop"),
            Attendance.session.module.site.as_alias("site_id"),
            Attendance.session.starts_at.as_alias("starts_at"),
            Attendance.session.ends_at.as_alias("ends_at"),
            Attendance.status,
            Attendance.checked_in_at,
        )
        .where(where)
        .order_by(Attendance.session.starts_at, ascending=False)
    )


# -- The scan journal, for the review of tablets' scans ---------------------------------------


async def get_scan(scan_id: int) -> ScanEvent | None:
    """A scan of the journal by id, unchecked: the caller checks whose tablet made it."""
    return await ScanEvent.objects().get(ScanEvent.id == scan_id)


async def refused_scans(
    device_ids: Select | list[int], *, reviewed: Select | list[int], limit: int
) -> list[ScanEvent]:
    """Scans these tablets refused, but those in ``reviewed`` (ids, or a select of them),
    newest first, ``limit`` at most."""
    return (
        await ScanEvent.objects()
        .where(
            ScanEvent.device_id.is_in(device_ids)
            & (ScanEvent.outcome == "refused")
            & ScanEvent.id.not_in(reviewed)
        )
        .order_by(ScanEvent.received_at, ascending=False)
        .limit(limit)
    )


async def offline_scans(device_ids: Select | list[int], since: dt.datetime) -> list[ScanEvent]:
    """Scans these tablets sent from their offline queue (with the time they were made) that
    reached the server since ``since``, newest first, whatever their outcome."""
    return (
        await ScanEvent.objects()
        .where(
            ScanEvent.device_id.is_in(device_ids)
            & ScanEvent.offline.eq(True)
            & ScanEvent.client_at.is_not_null()
            & (ScanEvent.received_at >= since)
        )
        .order_by(ScanEvent.received_at, ascending=False)
    )


async def skewed_scans(
    device_ids: Select | list[int], since: dt.datetime, limit_seconds: int
) -> list[dict]:
    """``device_id``, ``clock_skew_seconds`` and ``received_at`` of these tablets' scans since
    ``since`` whose clock was off by more than ``limit_seconds`` either way, oldest first."""
    return (
        await ScanEvent.select(
            ScanEvent.device_id, ScanEvent.clock_skew_seconds, ScanEvent.received_at
        )
        .where(
            ScanEvent.device_id.is_in(device_ids)
            & (
                (ScanEvent.clock_skew_seconds > limit_seconds)
                | (ScanEvent.clock_skew_seconds < -limit_seconds)
            )
            & (ScanEvent.received_at >= since)
        )
        .order_by(ScanEvent.received_at)
    )


async def present_pairs(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (session, visitor) pairs have a presence (present or late)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    rows = await Attendance.select(Attendance.session, Attendance.visitor).where(
        Attendance.session.is_in([session for session, _ in pairs])
        & Attendance.visitor.is_in([visitor for _, visitor in pairs])
        & Attendance.status.is_in(list(CAME))
    )
    return {(row["session"], row["visitor"]) for row in rows} & pairs


async def completed(module_id: int, visitor_ids: list[int]) -> set[int]:
    """Those of ``visitor_ids`` who have completed the module by its completion rule."""
    module = await workshops.get_module(module_id)
    if module is None or not visitor_ids:
        return set()
    return {
        visitor for visitor, done in (await progress(module, visitor_ids)).items() if done.complete
    }
