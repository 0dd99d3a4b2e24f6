"""Retention, every category together: what the daily job and ``lab retention`` run.

Wiring, at the top of the package: each category's purge belongs to the domain that owns its
table (core: the audit log and the outbox; attendance: the kiosk's scan journal), and only
here are they called together, each with its own setting.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from lab.attendance.services import purge_journal
from lab.core import clock, jobs
from lab.core.retention import BATCH, purge_audit, purge_outbox
from lab.settings import Settings

log = logging.getLogger("lab")

CATEGORIES = ("audit", "journal", "outbox")


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

    async def round_() -> None:
        await apply_retention(settings=settings)

    round_.__name__ = "apply_retention"
    await jobs.every(settings.retention_interval_hours * 3600, stop, "retention", round_)
