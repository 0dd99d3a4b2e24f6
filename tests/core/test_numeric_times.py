"""Times written by strftime for patterns made of numbers only are the ones Babel writes, in
every language, across a change of summer time and for a naive instant (read as UTC)."""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from hypothesis import given
from hypothesis import strategies as st

from lab.core import i18n

ZONES = ("Europe/Paris", "Europe/Brussels", "America/Cayenne", "Indian/Reunion", "UTC")


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.none()
    ),
    aware=st.booleans(),
    zone=st.sampled_from(ZONES),
    language=st.sampled_from(("fr", "en", "nl")),
    pattern=st.sampled_from(sorted(i18n.NUMERIC_PATTERNS)),
)
def test_numeric_patterns_read_as_babel_writes_them(moment, aware, zone, language, pattern):
    value = moment.replace(tzinfo=dt.UTC) if aware else moment
    with i18n.language(language):
        written = i18n.format_datetime(value, zone, pattern)
        expected = babel_dates.format_datetime(
            value, format=pattern, tzinfo=zone, locale=i18n._locale()
        )
    assert written == expected


def test_the_night_summer_time_ends_in_paris():
    # 00:30 and 01:30 UTC on 2026-10-25 are 02:30 twice in Paris.
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    assert i18n.format_datetime(first, "Europe/Paris", "HH:mm") == "02:30"
    assert i18n.format_datetime(second, "Europe/Paris", "HH:mm") == "02:30"
