"""Aware time. Store UTC; reason and display in the site's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as dt_time
from zoneinfo import ZoneInfo

# Swapped by tests that need to move time; services call now(), never datetime.now().
_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def set_clock(func: Callable[[], datetime] | None) -> None:
    global _now
    _now = func or (lambda: datetime.now(UTC))


def to_zone(moment: datetime, timezone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: lab only handles aware datetimes")
    return moment.astimezone(ZoneInfo(timezone))


def utc_minute(moment: datetime) -> datetime:
    """UTC, to the minute: how booking times are stored, so both engines compare them alike."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: lab only handles aware datetimes")
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def local_instant(day: date, time: dt_time, timezone: str) -> datetime:
    """The aware instant of a local wall-clock ``day`` + ``time`` in ``timezone``."""
    return datetime.combine(day, time, tzinfo=ZoneInfo(timezone))
