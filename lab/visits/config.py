"""The visits domain's one setting, handed in by the app at start-up (lab.settings)."""

from __future__ import annotations

from lab.visits.rules import DEFAULT_MAX_MINUTES

_max_minutes = DEFAULT_MAX_MINUTES


def configure(max_minutes: int) -> None:
    global _max_minutes
    _max_minutes = max_minutes


def max_minutes() -> int:
    """The longest a visit ended by closing counts (visit_max_minutes)."""
    return _max_minutes
