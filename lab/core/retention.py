"""Retention: lab deletes, by itself, what it no longer needs to keep (core's part).

Each category has its own setting (days) and its owner's purge function; ``lab.retention``
(wiring, at the top of the package) runs them all, on a schedule and from the command line.
Core owns two categories:

- the audit log (``LAB_RETAIN_AUDIT_DAYS``, 12 months by default): entries older than that;
- the mail outbox (``LAB_RETAIN_OUTBOX_DAYS``, 30 days): messages *sent* (or written to the
  mail folder) that long ago, and messages given up (``failed``, after the sender's last
  attempt) created that long ago. Messages still ``pending`` or ``held`` are kept whatever
  their age: they have not reached their recipient yet, and the sender or a manager still acts
  on them. A deleted message frees its ``dedupe_key``; by then the moment it announced is long
  past, so nothing queues it again.

The kiosk journal (scans) is attendance's: ``lab.attendance.services.purge_journal``.

The reports never read these tables (lab.reports counts attendance, bookings, visits and
enrolments), so deleting from them leaves every figure, live or frozen, as it was.

Deletion goes in batches of ``batch`` rows, each in its own short transaction, until a batch
finds nothing (``delete_in_batches``): a large backlog never holds the write lock for long, and
a run interrupted half-way leaves only whole batches done. A second run finds nothing to
delete. What a run did is logged as counts, never as content.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lab.core.db import write_transaction
from lab.core.tables import AuditLog, Outbox

if TYPE_CHECKING:
    from piccolo.table import Table

BATCH = 1000
# Outbox states that mean the message's life is over: delivered (by SMTP, or to the folder)…
_DELIVERED = ("sent", "written")
# …or given up by the sender after its last attempt.
_GIVEN_UP = "failed"


async def delete_in_batches(
    table: type[Table], where: object, *, batch: int, dry_run: bool, before: object = None
) -> int:
    """Delete the rows of ``table`` matching ``where``, ``batch`` ids at a time, one transaction
    per batch; ``before`` (rows referencing them) is called with each batch's ids first. With
    ``dry_run``, only count them."""
    if dry_run:
        return await table.count().where(where)
    total = 0
    while True:
        async with write_transaction(table._meta.db):
            rows = await table.select(table._meta.primary_key).where(where).limit(batch)
            ids = [row["id"] for row in rows]
            if not ids:
                return total
            if before is not None:
                await before(ids)
            await table.delete().where(table._meta.primary_key.is_in(ids))
        total += len(ids)


async def purge_audit(
    now: dt.datetime, *, days: int = 365, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Audit entries older than ``days``."""
    cutoff = now - dt.timedelta(days=days)
    return await delete_in_batches(AuditLog, AuditLog.at < cutoff, batch=batch, dry_run=dry_run)


async def purge_outbox(
    now: dt.datetime, *, days: int = 30, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Messages sent more than ``days`` ago, and given-up ones created more than ``days`` ago.
    Pending and held messages stay (see the module's note)."""
    cutoff = now - dt.timedelta(days=days)
    where = (Outbox.status.is_in(list(_DELIVERED)) & (Outbox.sent_at < cutoff)) | (
        (Outbox.status == _GIVEN_UP) & (Outbox.created_at < cutoff)
    )
    return await delete_in_batches(Outbox, where, batch=batch, dry_run=dry_run)
