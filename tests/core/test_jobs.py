"""Scheduled jobs run once across processes: a job's round runs only in the holder of its lease
(a row in job_lease), taken or renewed in one statement, handed over when it expires or is
released."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from lab.core import jobs
from lab.core.tables import JobLease

TTL = dt.timedelta(minutes=3)
T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


async def _lease(name: str) -> dict:
    return (
        await JobLease.select(JobLease.holder, JobLease.expires_at)
        .where(JobLease.name == name)
        .first()
    )


async def test_of_two_holders_claiming_at_once_one_wins(engine):
    first, second = await asyncio.gather(
        jobs.claim("bookings:release", "host-a:1:aa", TTL),
        jobs.claim("bookings:release", "host-b:2:bb", TTL),
    )
    assert sorted([first, second]) == [False, True]
    winner = "host-a:1:aa" if first else "host-b:2:bb"
    assert (await _lease("bookings:release"))["holder"] == winner
    assert await JobLease.count().where(JobLease.name == "bookings:release") == 1


async def test_the_holder_renews_its_lease_and_the_other_is_refused_until_it_expires(engine):
    assert await jobs.claim("mail:deliver_due", "a", TTL, now=T0)
    assert await jobs.claim("mail:deliver_due", "a", TTL, now=T0 + dt.timedelta(minutes=2))
    renewed = await _lease("mail:deliver_due")
    assert renewed["expires_at"] == T0 + dt.timedelta(minutes=5)

    # Past the first expiry, but not the renewed one.
    assert not await jobs.claim("mail:deliver_due", "b", TTL, now=T0 + dt.timedelta(minutes=4))
    assert (await _lease("mail:deliver_due"))["holder"] == "a"


async def test_another_holder_takes_over_an_expired_lease(engine):
    assert await jobs.claim("visits:close", "a", TTL, now=T0)
    later = T0 + TTL + dt.timedelta(seconds=1)
    assert await jobs.claim("visits:close", "b", TTL, now=later)
    assert await _lease("visits:close") == {"holder": "b", "expires_at": later + TTL}
    # The old holder, back late, finds it taken.
    assert not await jobs.claim("visits:close", "a", TTL, now=later + dt.timedelta(seconds=1))


async def test_a_released_lease_is_taken_at_once(engine):
    assert await jobs.claim("workshops:remind", "a", TTL, now=T0)
    await jobs.release("workshops:remind", "b", now=T0)  # not b's: nothing changes
    assert not await jobs.claim("workshops:remind", "b", TTL, now=T0 + dt.timedelta(seconds=1))

    await jobs.release("workshops:remind", "a", now=T0 + dt.timedelta(seconds=1))
    assert await jobs.claim("workshops:remind", "b", TTL, now=T0 + dt.timedelta(seconds=2))
    assert (await _lease("workshops:remind"))["holder"] == "b"


async def test_leases_of_different_jobs_are_independent(engine):
    assert await jobs.claim("bookings:_release_round", "a", TTL)
    assert await jobs.claim("bookings:send_stale+queue_due_reminders", "b", TTL)


async def test_of_two_loops_of_one_job_only_the_holder_runs_rounds(engine):
    ran: list[str] = []
    enough = asyncio.Event()
    stop = asyncio.Event()

    def round_of(loop: str):
        async def release_no_shows() -> None:
            ran.append(loop)
            if len(ran) >= 5:
                enough.set()

        return release_no_shows

    loops = [
        asyncio.create_task(jobs.every(0.01, stop, "bookings", round_of(loop)))
        for loop in ("first", "second")
    ]
    await asyncio.wait_for(enough.wait(), 10)
    stop.set()
    await asyncio.gather(*loops)

    assert len(set(ran)) == 1, ran
    # Stopping released the lease: another process takes the job at its next round.
    assert await jobs.claim("bookings:release_no_shows", "next-process", TTL)


async def test_a_loop_whose_job_is_held_elsewhere_waits_for_the_lease(engine):
    assert await jobs.claim("visits:close_at_closing_time", "other-host:7:cc", TTL)
    ran = asyncio.Event()
    stop = asyncio.Event()

    async def close_at_closing_time() -> None:
        ran.set()

    loop = asyncio.create_task(jobs.every(0.01, stop, "visits", close_at_closing_time))
    # Claims come and go every 10 ms while the other host holds the job, none runs a round.
    for _ in range(20):
        await asyncio.sleep(0.01)
        assert not ran.is_set()
    await jobs.release("visits:close_at_closing_time", "other-host:7:cc")
    await asyncio.wait_for(ran.wait(), 10)
    stop.set()
    await loop


def test_a_job_is_named_by_its_loop_and_rounds():
    import functools

    async def send_stale() -> None: ...

    async def deliver_due(settings: object) -> None: ...

    assert jobs.lease_name("bookings", (send_stale,)) == "bookings:send_stale"
    assert jobs.lease_name("mail", (functools.partial(deliver_due, None),)) == "mail:deliver_due"
    with pytest.raises(ValueError):
        jobs.lease_name("x" * 61, (send_stale,))
