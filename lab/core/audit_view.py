"""Reading the audit log back for administrators."""

from __future__ import annotations

from lab.core.tables import AuditLog


async def recent_entries(limit: int = 200) -> list[dict]:
    return await AuditLog.select().order_by(AuditLog.id, ascending=False).limit(limit)
