"""Jobs lab runs in its own process every so often (releasing bookings, sending mail,
reminders, ending visits at closing time): no cron to forget on a small server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("lab.jobs")


async def every(
    seconds: float, stop: asyncio.Event, name: str, *rounds: Callable[[], Awaitable[object]]
) -> None:
    """Run ``rounds`` one after the other, then wait ``seconds``, until ``stop`` is set.

    A round that fails is logged under ``name`` and the next one still runs: the loop must
    outlive a failed round (a database restart, a mail server down)."""
    while not stop.is_set():
        for step in rounds:
            try:
                await step()
            except Exception:
                log.exception("%s: %s failed", name, getattr(step, "__name__", "a round"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
