"""Live events for pages that update themselves (a session's roster, for instance).

The app plugs a publisher in at start-up (Litestar channels: in memory by default, Redis
when LAB_REDIS_URL is set, so every worker sees every event). An event published inside a
write transaction goes out once it has committed (``lab.core.db.after_commit``): a service
called inside another's transaction may publish where it changes things. With no publisher
plugged in (the command line, a script) events simply have no listener.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from lab.core.db import after_commit

log = logging.getLogger("lab.events")

_publisher: Callable[[str, str], None] | None = None


def plug(publisher: Callable[[str, str], None] | None) -> None:
    global _publisher
    _publisher = publisher


def publish(channel: str, event: dict[str, Any]) -> None:
    """Send ``event`` to everyone listening on ``channel``, once the write transaction in
    progress (if any) has committed. Never raises: a live page missing one update must not
    undo the change that caused it."""
    after_commit(lambda: _send(channel, event))


def _send(channel: str, event: dict[str, Any]) -> None:
    if _publisher is None:
        return
    try:
        _publisher(channel, json.dumps(event, default=str))
    except Exception:
        log.exception("events: could not publish on %s", channel)
