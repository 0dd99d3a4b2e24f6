"""Values worded for people, in one place for pages, charts and the PDF."""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, parse_pattern

from lab.reports.model import Value


@cache
def _one_decimal_percent(language: str) -> NumberPattern:
    """The language's own percent pattern (fr "42,5 %", en and nl "42.5%" / "42,5%") with one
    decimal."""
    pattern = parse_pattern(Locale.parse(language).percent_formats[None].pattern)
    pattern.frac_prec = (1, 1)
    return pattern


def format_value(value: Value, kind: str, language: str, tz: ZoneInfo | None = None) -> str:
    """A value as people read it, on a page, in a chart or on paper (the one place numbers are
    worded): in ``language`` (fr: 1 234,5 and 42,5 %), dates day first, times in ``tz``."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or value.tzinfo).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool) and kind != "text":
        return _number(value, kind, language)
    return str(value)


# A report words the same few numbers over and over (counts, rates, hours), each through
# Babel's pattern machinery: a dashboard's cells took a quarter of its time. Kept per process.
@lru_cache(maxsize=8192, typed=True)
def _number(value: int | float, kind: str, language: str) -> str:
    locale = _locale(language)
    if kind == "percent":
        return _one_decimal_percent(language).apply(value, locale)
    if kind in ("hours", "number"):
        return format_decimal(round(value, 1), format="#,##0.0", locale=locale)
    return format_decimal(value, locale=locale)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)
