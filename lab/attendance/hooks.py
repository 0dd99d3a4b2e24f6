"""Who is told that someone came to a session: a domain above attendance (skills: a module's
completion is evidence of what the visitor can do) registers here, the app wires it at start.

Called after the commit, outside any lock, with (module id, session id, visitor ids): all who
came at once (a batch of check-ins, a session's closing) in one call. The
check-in or the mark is already recorded: a follower that fails is logged (ids only) and
does not turn the visitor's check-in into an error. Followers must be idempotent: closing a
session calls them again for everyone who came, which makes up for any that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

Follower = Callable[[int, int, list[int]], Awaitable[None]]

log = logging.getLogger(__name__)
_followers: list[Follower] = []


def after_attendance(follower: Follower) -> None:
    """Call ``follower(module_id, session_id, visitor_ids)`` after recorded presences."""
    if follower not in _followers:
        _followers.append(follower)


async def came(module_id: int, session_id: int, visitor_ids: Iterable[int]) -> None:
    visitors = list(visitor_ids)
    if not visitors:
        return
    for follower in _followers:
        try:
            await follower(module_id, session_id, visitors)
        except Exception:
            log.exception(
                "after-attendance follower %s failed for session %s (%d visitors)",
                getattr(follower, "__qualname__", follower),
                session_id,
                len(visitors),
            )
