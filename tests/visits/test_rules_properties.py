"""Property tests of the visits' pure rules: opening hours, closing time, counted minutes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from lab.visits import rules

ZONES = ("Europe/Paris", "Europe/Brussels", "UTC")
DAYS = rules.WEEKDAYS


@st.composite
def hours(draw):
    """Opening hours as sites write them: for some days, one or two ordered intervals."""
    found = {}
    for day in draw(st.lists(st.sampled_from(DAYS), unique=True)):
        points = sorted(
            draw(st.lists(st.integers(0, 24 * 4 - 1), min_size=2, max_size=4, unique=True))
        )
        if len(points) % 2:
            points = points[:-1]
        found[day] = [
            [f"{a // 4:02d}:{a % 4 * 15:02d}", f"{b // 4:02d}:{b % 4 * 15:02d}"]
            for a, b in zip(points[::2], points[1::2], strict=True)
        ]
    return found


instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.just(dt.UTC),
)


@given(hours(), st.sampled_from(ZONES), instants)
def test_open_only_inside_an_interval_of_the_local_day(opening, zone, at):
    local = at.astimezone(ZoneInfo(zone))
    inside = any(
        start <= at < end for start, end in rules.intervals_on(opening, local.date(), zone)
    )
    assert rules.is_open(opening, zone, at) == inside
    closes = rules.closing_time(opening, local.date(), zone)
    if rules.is_open(opening, zone, at):
        # Open: the day closes later, and never after the day ends.
        assert closes is not None and closes > at
        assert closes.astimezone(ZoneInfo(zone)).date() == local.date()


@given(hours(), st.sampled_from(ZONES), instants, st.integers(1, 24 * 60))
def test_a_visit_left_open_ends_after_it_began(opening, zone, arrived, cap):
    closes = rules.closing_for_visit(opening, zone, arrived, cap)
    assert closes > arrived
    if rules.is_open(opening, zone, arrived):
        assert closes == rules.closing_time(
            opening, arrived.astimezone(ZoneInfo(zone)).date(), zone
        )


@given(
    instants,
    st.integers(-600, 3 * 24 * 60),
    st.sampled_from([*rules.ENDINGS, None]),
    st.integers(1, 24 * 60),
)
def test_counted_minutes_are_never_negative_and_closing_is_capped(arrived, minutes, how, cap):
    left = arrived + dt.timedelta(minutes=minutes)
    counted = rules.counted_minutes(arrived, left, how, cap)
    assert counted is not None and counted >= 0
    if how == "closing":
        assert counted <= cap
    else:
        assert counted == max(0, minutes)
    assert rules.counted_minutes(arrived, None, how, cap) is None


def test_the_closing_time_is_the_end_of_the_days_last_interval():
    opening = {"tue": [["09:00", "12:30"], ["13:30", "17:00"]]}
    day = dt.date(2026, 12, 1)  # a Tuesday
    closes = rules.closing_time(opening, day, "Europe/Paris")
    assert closes == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)
    lunch = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)  # 13:00 in Paris
    assert not rules.is_open(opening, "Europe/Paris", lunch)
    assert rules.closing_time(opening, day + dt.timedelta(days=1), "Europe/Paris") is None
