"""Retention: lab deletes, by itself, what it no longer needs to keep.

Three categories, each with its own setting (days):

- the audit log (``LAB_RETAIN_AUDIT_DAYS``, 12 months by default): entries older than that;
- the kiosk journals (``LAB_RETAIN_JOURNAL_DAYS``, 90 days): scans (``scan_event``) received
  before that, with the reviews of offline scans that point at them (``scan_review``);
- the mail outbox (``LAB_RETAIN_OUTBOX_DAYS``, 30 days): messages *sent* (or written to the
  mail folder) that long ago, and messages given up (``failed``, after the sender's last
  attempt) created that long ago. Messages still ``pending`` or ``held`` are kept whatever
  their age: they have not reached their recipient yet, and the sender or a manager still acts
  on them. A deleted message frees its ``dedupe_key``; by then the moment it announced is long
  past, so nothing queues it again.

The reports never read these tables (lab.reports counts attendance, bookings, visits and
enrolments), so deleting from them leaves every figure, live or frozen, as it was.

Deletion goes in batches of ``batch`` rows, each in its own short transaction, until a batch
finds nothing: a large backlog never holds the write lock for long, and a run interrupted
half-way leaves only whole batches done. A second run finds nothing to delete. What a run did
is logged as counts, never as content.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from lab.attendance.tables import ScanEvent
from lab.core import clock
from lab.core.db import write_transaction
from lab.core.tables import AuditLog, Outbox
from lab.kiosk.tables import ScanReview

if TYPE_CHECKING:
    import asyncio

    from piccolo.table import Table

    from lab.settings import Settings

log = logging.getLogger("lab")

BATCH = 1000
CATEGORIES = ("audit", "journal", "outbox")
# Outbox states that mean the message's life is over: delivered (by SMTP, or to the folder)…
_DELIVERED = ("sent", "written")
# …or given up by the sender after its last attempt.
_GIVEN_UP = "failed"


async def _delete_batches(
    table: type[Table], where: object, *, batch: int, dry_run: bool, before: object = None
) -> int:
    """Delete the rows of ``table`` matching ``where``, ``batch`` ids at a time, one transaction
    per batch; ``before`` (rows referencing them) is called with each batch's ids first."""
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
    return await _delete_batches(AuditLog, AuditLog.at < cutoff, batch=batch, dry_run=dry_run)


async def purge_journal(
    now: dt.datetime, *, days: int = 90, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Kiosk scans received more than ``days`` ago, with their offline-sync reviews."""
    cutoff = now - dt.timedelta(days=days)

    async def reviews(ids: list[int]) -> None:
        # The foreign key cascades, but SQLite only honours it with its pragma on: say it.
        await ScanReview.delete().where(ScanReview.scan_event.is_in(ids))

    return await _delete_batches(
        ScanEvent, ScanEvent.received_at < cutoff, batch=batch, dry_run=dry_run, before=reviews
    )


async def purge_outbox(
    now: dt.datetime, *, days: int = 30, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Messages sent more than ``days`` ago, and given-up ones created more than ``days`` ago.
    Pending and held messages stay (see the module's note)."""
    cutoff = now - dt.timedelta(days=days)
    where = (Outbox.status.is_in(list(_DELIVERED)) & (Outbox.sent_at < cutoff)) | (
        (Outbox.status == _GIVEN_UP) & (Outbox.created_at < cutoff)
    )
    return await _delete_batches(Outbox, where, batch=batch, dry_run=dry_run)


async def apply_retention(
    now: dt.datetime | None = None,
    settings: Settings | None = None,
    *,
    batch: int = BATCH,
    dry_run: bool = False,
) -> dict[str, int]:
    """Apply every category's retention as of ``now``: the rows deleted (or, with ``dry_run``,
    that would be), per category."""
    now = now or clock.now()
    days = (
        (settings.retain_audit_days, settings.retain_journal_days, settings.retain_outbox_days)
        if settings is not None
        else (365, 90, 30)
    )
    purges = zip(CATEGORIES, (purge_audit, purge_journal, purge_outbox), days, strict=True)
    counts: dict[str, int] = {}
    failed: Exception | None = None
    for category, purge, period in purges:
        # One category failing (a batch rolled back) does not keep the others from running.
        try:
            counts[category] = await purge(now, days=period, batch=batch, dry_run=dry_run)
        except Exception as error:
            log.exception("retention: %s failed", category)
            counts[category] = 0
            failed = failed or error
    log.info(
        "retention%s: audit %d, journal %d, outbox %d",
        " (dry run)" if dry_run else "",
        counts["audit"],
        counts["journal"],
        counts["outbox"],
    )
    if failed is not None:
        raise failed
    return counts


async def retention_loop(settings: Settings, stop: asyncio.Event) -> None:
    """Run the retention once per ``LAB_RETENTION_INTERVAL_HOURS``, under a lease: one process
    of all runs it."""
    from lab.core import jobs

    async def round_() -> None:
        await apply_retention(settings=settings)

    round_.__name__ = "apply_retention"
    await jobs.every(settings.retention_interval_hours * 3600, stop, "retention", round_)
