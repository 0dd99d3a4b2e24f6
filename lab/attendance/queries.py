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
