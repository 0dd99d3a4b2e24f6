"""Reads about attendance that other domains may use (no rules here)."""

from __future__ import annotations

from lab.attendance.tables import Attendance


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
