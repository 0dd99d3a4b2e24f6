"""Jobs lab runs in its own process every so often (releasing bookings, sending mail,
reminders, ending visits at closing time): no cron to forget on a small server.

Every worker of every host starts the same loops, yet each job's round must run once: before a
round, a loop claims its job's lease in the database (``claim``), and only the holder runs it.
The lease lasts a few periods and the holder renews it at each round, so a holder that dies
hands the job over once its lease expires; a holder that stops releases it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable

from lab.core.tables import JobLease

log = logging.getLogger("lab.jobs")

# A lease outlives this many periods, so one slow round or a late wake-up does not hand the job
# to another process; and never less than MIN_LEASE, so a round with a short period (mail) can
# take its time with a slow server.
LEASE_PERIODS = 3
MIN_LEASE = dt.timedelta(seconds=60)
_NAME_LENGTH = 60  # job_lease.name


def new_holder() -> str:
    """Who holds a lease: host and process (to read it in the table) and a random part (two
    loops of one process, or a restarted process reusing a pid, are different holders)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def _now() -> dt.datetime:
    # Real time, not lab.core.clock's (which tests move): leases are between live processes.
    # Hosts compare their own clocks with the stored expiry: keep them synchronised (NTP).
    return dt.datetime.now(dt.UTC)


async def claim(
    name: str, holder: str, ttl: dt.timedelta, *, now: dt.datetime | None = None
) -> bool:
    """Take or renew the lease on job ``name`` for ``ttl``: True when ``holder`` has it.

    One statement, atomic on SQLite (3.35+) and PostgreSQL: insert the lease, or on the name's
    conflict take it over only when ``holder`` already holds it or it has expired. The row comes
    back only when the insert or the update happened."""
    now = now or _now()
    taken = (
        await JobLease.insert(JobLease(name=name, holder=holder, expires_at=now + ttl))
        .on_conflict(
            target=JobLease.name,
            action="DO UPDATE",
            values=[JobLease.holder, JobLease.expires_at],
            where=(JobLease.holder == holder) | (JobLease.expires_at < now),
        )
        .returning(JobLease.holder)
    )
    return bool(taken)


async def release(name: str, holder: str, *, now: dt.datetime | None = None) -> None:
    """Give up the lease at once (when ``holder`` still has it), so that another process takes
    the job at its next round rather than when the lease would have expired. The row keeps the
    last holder's name."""
    await JobLease.update({JobLease.expires_at: now or _now()}).where(
        (JobLease.name == name) & (JobLease.holder == holder)
    )


def lease_name(name: str, rounds: tuple[Callable[..., object], ...]) -> str:
    """A loop's job: its log name and its rounds (bookings has two loops), e.g.
    ``bookings:send_stale+queue_due_reminders``."""
    steps = "+".join(_step_name(step) for step in rounds)
    job = f"{name}:{steps}"
    if len(job) > _NAME_LENGTH:
        raise ValueError(f"job name {job!r} is longer than {_NAME_LENGTH} characters")
    return job


def _step_name(step: Callable[..., object]) -> str:
    while hasattr(step, "func"):  # functools.partial
        step = step.func
    return getattr(step, "__name__", "round")


async def every(
    seconds: float, stop: asyncio.Event, name: str, *rounds: Callable[[], Awaitable[object]]
) -> None:
    """Run ``rounds`` one after the other, then wait ``seconds``, until ``stop`` is set; only
    while this loop holds its job's lease, so one process in all runs them.

    A round that fails is logged under ``name`` and the next one still runs: the loop must
    outlive a failed round (a database restart, a mail server down)."""
    job = lease_name(name, rounds)
    holder = new_holder()
    ttl = max(dt.timedelta(seconds=seconds * LEASE_PERIODS), MIN_LEASE)
    try:
        while not stop.is_set():
            if await _holds(job, holder, ttl):
                for step in rounds:
                    try:
                        await step()
                    except Exception:
                        log.exception("%s: %s failed", name, _step_name(step))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=seconds)
    finally:
        try:
            await release(job, holder)
        except Exception:
            log.warning("%s: could not release the lease of %s", name, job, exc_info=True)


async def _holds(job: str, holder: str, ttl: dt.timedelta) -> bool:
    try:
        return await claim(job, holder, ttl)
    except Exception:
        # No database, no round: the next period tries again.
        log.exception("%s: could not claim the lease", job)
        return False
