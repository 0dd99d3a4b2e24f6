"""What lab accepts in a path, a query string or a body: one definition of each kind of value.

Every id, day and moment that reaches a handler is typed with one of these, so an out-of-range
value is refused at the edge (422, with a field error in the user's language) before any query
runs: a 20-digit id would overflow PostgreSQL's integer, year 9999 overflows date arithmetic as
soon as a day is added, and year 1 overflows a time-zone conversion.

- Path parameters: ``Id`` and ``Day``; query parameters: ``QueryId``, ``OptionalId``,
  ``QueryDay``, ``OptionalDay`` (bounds checked by Litestar's signature model).
- Struct fields (forms and JSON bodies): ``FieldId`` and ``Day``/``Moment`` (msgspec).
- Lists (the JSON API's): a page (``Limit``, ``Offset``) over a period (``FromDay``, ``ToDay``,
  checked by ``period``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.params import Parameter, QueryParameter

from lab.core import clock
from lab.core.errors import Invalid
from lab.core.i18n import _

# Piccolo's Serial and ForeignKey columns are PostgreSQL `integer`: a larger id is no row's.
MAX_ID = 2**31 - 1

# Path parameters take their place from the route's path; query parameters say so (Litestar 3
# drops the inferred style). ``ge=1`` rather than ``gt=0``: Litestar leaves a bound of 0 out of
# an optional value's OpenAPI schema.
Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
# A path parameter of one of a handler's two paths (absent from the other).
OptionalPathId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, required=False)]
QueryId = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, required=False)]
FieldId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]

# Days lab reasons about (calendars, bookings, sessions, reports): this span around today. A
# birth date goes further back (see accounts.forms); nothing in a lab is planned 30 years ahead.
YEARS_BACK = 100
YEARS_AHEAD = 30


def day_bounds(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day lab accepts from a person or a client, around ``today``."""
    today = today or clock.now().date()
    return (
        dt.date(today.year - YEARS_BACK, 1, 1),
        dt.date(min(today.year + YEARS_AHEAD, dt.MAXYEAR - 1), 12, 31),
    )


def day_in_bounds(day: dt.date) -> bool:
    first, last = day_bounds()
    return first <= day <= last


class Day(dt.date):
    """A calendar day within ``day_bounds()``: the type of every day parameter and field.

    A subclass of ``date`` so that Litestar and msgspec call ``decode_day`` for it: the range
    depends on today, which a static constraint cannot say.
    """


class Moment(dt.datetime):
    """An aware instant whose day is within ``day_bounds()`` (a booking's start, a scan's time)."""


def decode_day(target: type, value: Any) -> Day:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError("Expected a date (YYYY-MM-DD)")
    if not day_in_bounds(value):
        raise ValueError("Date out of range")
    return Day(value.year, value.month, value.day)


def decode_moment(target: type, value: Any) -> Moment:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if not isinstance(value, dt.datetime):
        raise TypeError("Expected a date and time (ISO 8601)")
    if value.tzinfo is None:
        raise ValueError("Expected a time zone offset")
    if not day_in_bounds(value.date()):
        raise ValueError("Date out of range")
    return Moment.fromisoformat(value.isoformat())


def _is(kind: type):
    return lambda target: target is kind


# For Litestar (``type_decoders``) and msgspec (``dec_hook``): how Day and Moment are read.
TYPE_DECODERS = [(_is(Day), decode_day), (_is(Moment), decode_moment)]


def dec_hook(target: type, value: Any) -> Any:
    for predicate, decoder in TYPE_DECODERS:
        if predicate(target):
            return decoder(target, value)
    # msgspec's protocol for a dec_hook: NotImplementedError means "not a type I decode", and
    # msgspec turns it into a validation error for that field.
    raise NotImplementedError(f"no decoder for {target!r}")


QueryDay = Annotated[Day, QueryParameter()]
OptionalDay = Annotated[Day | None, QueryParameter(required=False)]


def id_or_none(value: object) -> int | None:
    """A raw value (an unparsed form field, a cookie) as a row id, or None when it is not one.

    For pages re-rendered after a refusal: they look up only what is a real id, never raw input.
    """
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# -- Lists: a page at a time, over a period -------------------------------------------------

# A list answers at most ``MAX_LIMIT`` rows at once (``DEFAULT_LIMIT`` unless asked), from the
# ``offset``-th; an offset past ``MAX_OFFSET`` is refused (narrow the period instead).
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, required=False)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, required=False)]

# A period is ``from`` … ``to``, both days included, at most ``MAX_PERIOD_DAYS`` long; without
# ``from`` it starts today, without ``to`` it lasts ``DEFAULT_PERIOD_DAYS``.
DEFAULT_PERIOD_DAYS = 31
MAX_PERIOD_DAYS = 366
FromDay = Annotated[Day | None, QueryParameter(name="from", required=False)]
ToDay = Annotated[Day | None, QueryParameter(name="to", required=False)]


def period(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days a list covers, ``first`` to ``last`` included (see ``FromDay``, ``ToDay``).
    Errors: invalid (``to`` before ``from``, or a period longer than ``MAX_PERIOD_DAYS``)."""
    if first is None:
        first = last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1) if last else clock.now().date()
    if last is None:
        last = first + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if last < first or (last - first).days >= MAX_PERIOD_DAYS:
        message = _("Vérifiez la date : elle est hors des limites acceptées.")
        raise Invalid(message, field_errors={"to": message})
    return first, last


Row = TypeVar("Row")


def page(rows: list[Row], limit: int, offset: int) -> list[Row]:
    """The ``limit`` rows from the ``offset``-th of a list already read (and bounded)."""
    return rows[offset : offset + limit]
