"""What core forgets of a person when their record is erased: core's part of an erasure.

- The audit log never holds names or contact details (lab.core.audit), but its entries about a
  person say what they did and what was done to them. Erasing the person redacts them: each
  entry whose subject is the person, whose author is the person (on their phone), or whose
  details name the person's id keeps its time, author, action, subject and site, and its
  details become ``{"redacted": true}``. That one change is all the database lets through
  (the append-only trigger, migration 2026-12-04T22:05); any other change is refused.
- The outbox: every message to the person (by their id, or to their address) goes, sent or
  not: a message not yet sent is never sent, one sent is no longer kept.

Both run inside the erasure's transaction (``lab.accounts.erasure``).
"""

from __future__ import annotations

from lab.core.db import chunks, fetch, is_sqlite, placeholders
from lab.core.tables import AuditLog, Outbox

REDACTED = '{"redacted": true}'
# The keys of an entry's details that name a visitor by id.
_VISITOR_KEYS = ("visitor_id", "visitor")


def _names_visitor(sqlite: bool) -> str:
    if sqlite:
        keys = " OR ".join(f"json_extract(data, '$.{key}') = {{}}" for key in _VISITOR_KEYS)
    else:
        keys = " OR ".join(f"(data::jsonb ->> '{key}') = {{}}::text" for key in _VISITOR_KEYS)
    return f"(subject = {{}} OR (actor_kind = 'visitor' AND actor_id = {{}}) OR {keys})"


async def redact_audit(visitor_id: int) -> int:
    """Redact the audit entries about ``visitor_id`` (see the module's note); the number of
    entries redacted (none on a second run)."""
    sqlite = is_sqlite(AuditLog._meta.db)
    key = visitor_id if sqlite else str(visitor_id)
    where = _names_visitor(sqlite)
    data_text = "data" if sqlite else "data::text"
    values = (f"visitor:{visitor_id}", visitor_id, *(key for _ in _VISITOR_KEYS))
    rows = await fetch(
        AuditLog,
        f"SELECT id FROM audit_log WHERE {where} AND {data_text} <> {{}}",  # noqa: S608 (placeholders only)
        *values,
        REDACTED,
    )
    ids = [row["id"] for row in rows]
    for chunk in chunks(ids, 500):
        cast = "" if sqlite else "::json"
        await fetch(
            AuditLog,
            f"UPDATE audit_log SET data = {{}}{cast} WHERE id IN ({placeholders(chunk)})",  # noqa: S608 (placeholders only)
            REDACTED,
            *chunk,
        )
    return len(ids)


async def forget_mail(visitor_id: int, addresses: list[str]) -> int:
    """Delete every message to ``visitor_id`` or to one of ``addresses``; how many."""
    where = Outbox.visitor_id == visitor_id
    wanted = [address for address in addresses if address]
    if wanted:
        where = where | Outbox.recipient.is_in(wanted)
    count = await Outbox.count().where(where)
    if count:
        await Outbox.delete().where(where)
    return count
