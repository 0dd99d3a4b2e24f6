"""Retention, every category together: what the daily job and ``lab retention`` run.

Wiring, at the top of the package: each category's purge belongs to the domain that owns its
table (core: the audit log and the outbox; attendance: the kiosk's scan journal and the signed
sheets; accounts: visitors' records), and only here are they called together, each with its
own setting.

Visitors' records are not deleted but anonymised (``lab.accounts.erasure``, the erasure's
pseudonymisation, as the system): ``LAB_RETAIN_VISITOR_YEARS`` (2) after the last contact,
and not before the person reaches the age a mission locale follows people to
(``LAB_FOLLOW_UP_AGE_FR`` 26, ``LAB_FOLLOW_UP_AGE_BE`` 25, by the site's country), whichever
comes later. The last contact is the latest of the record's own dates (accounts) and of every
attendance, booking (one to come included), enrolment, visit, loan and skills evidence
(``lab.reports.queries.seen_since``, the domain that reads them all). Their signed sheets stay,
with the signer's name, until ``LAB_RETAIN_SIGNED_SHEETS_YEARS`` (10) after signing, when the
"signatures" category deletes them, whoever signed. A site may set its own years and
follow-up age (the admin's site form); an empty value is the deployment's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging

from lab.accounts import erasure
from lab.accounts.tables import Visitor
from lab.attendance.services import purge_journal, purge_signatures
from lab.core import clock, jobs
from lab.core.db import write_transaction
from lab.core.retention import BATCH, purge_audit, purge_outbox
from lab.reports.queries import seen_since
from lab.settings import Settings

log = logging.getLogger("lab")

CATEGORIES = ("audit", "journal", "outbox", "visitors", "signatures")


async def anonymise_visitors(
    now: dt.datetime,
    settings: Settings | None = None,
    *,
    batch: int = BATCH,
    dry_run: bool = False,
) -> int:
    """Anonymise the visitors due (see the module's note), ``batch`` at a time, each batch in
    one transaction that checks their contacts again before it writes; how many."""
    years = settings.retain_visitor_years if settings is not None else 2
    ages = {
        "FR": settings.follow_up_age_fr if settings is not None else 26,
        "BE": settings.follow_up_age_be if settings is not None else 25,
    }
    total, after = 0, 0
    while True:
        if dry_run:
            due = await erasure.anonymisation_candidates(
                now, years=years, ages=ages, after=after, limit=batch
            )
            if not due:
                return total
            after = due[-1][0]
            total += len(due) - len(await _seen_recently(due))
            continue
        async with write_transaction(Visitor._meta.db):
            due = await erasure.anonymisation_candidates(
                now, years=years, ages=ages, after=after, limit=batch
            )
            if not due:
                return total
            after = due[-1][0]
            recent = await _seen_recently(due)
            for visitor_id, _since in due:
                if visitor_id not in recent:
                    total += await erasure.anonymise_in_transaction(visitor_id)


async def _seen_recently(due: list[tuple[int, dt.datetime]]) -> set[int]:
    """Which of the candidates had a contact since their own site's cutoff: one read per
    distinct cutoff (one per retention rule in use, not per visitor)."""
    by_since: dict[dt.datetime, list[int]] = {}
    for visitor_id, since in due:
        by_since.setdefault(since, []).append(visitor_id)
    seen: set[int] = set()
    for since, ids in by_since.items():
        seen |= await seen_since(ids, since)
    return seen


async def apply_retention(
    now: dt.datetime | None = None,
    settings: Settings | None = None,
    *,
    batch: int = BATCH,
    dry_run: bool = False,
) -> dict[str, int]:
    """Apply every category's retention as of ``now``: the rows deleted or, for visitors, the
    records anonymised (or, with ``dry_run``, that would be), per category."""
    now = now or clock.now()
    days = (
        (settings.retain_audit_days, settings.retain_journal_days, settings.retain_outbox_days)
        if settings is not None
        else (365, 90, 30)
    )
    years = settings.retain_signed_sheets_years if settings is not None else 10

    async def visitors_(when: dt.datetime, *, batch: int, dry_run: bool) -> int:
        return await anonymise_visitors(when, settings, batch=batch, dry_run=dry_run)

    async def signatures(when: dt.datetime, *, batch: int, dry_run: bool) -> int:
        return await purge_signatures(when, years=years, batch=batch, dry_run=dry_run)

    purges = [
        (category, functools.partial(purge, days=period))
        for category, purge, period in zip(
            CATEGORIES[:3], (purge_audit, purge_journal, purge_outbox), days, strict=True
        )
    ]
    # Visitors before signatures: a sheet past its audit period goes whatever the record.
    purges += [("visitors", visitors_), ("signatures", signatures)]
    counts: dict[str, int] = {}
    failed: Exception | None = None
    for category, purge in purges:
        # One category failing (a batch rolled back) does not keep the others from running.
        try:
            counts[category] = await purge(now, batch=batch, dry_run=dry_run)
        except Exception as error:
            log.exception("retention: %s failed", category)
            counts[category] = 0
            failed = failed or error
    log.info(
        "retention%s: audit %d, journal %d, outbox %d, visitors anonymised %d, signatures %d",
        " (dry run)" if dry_run else "",
        counts["audit"],
        counts["journal"],
        counts["outbox"],
        counts["visitors"],
        counts["signatures"],
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
