"""Translations and locale-aware formatting.

French is the source language: message ids are French sentences. English and Dutch catalogues
live in ``locales/<lang>/LC_MESSAGES/messages.po`` and are read straight from the .po files, so
there is no compile step to forget. The current language is a context variable set per request.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lab.settings import LANGUAGES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
# Each language named in itself: a flag is not a language.
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "nl": "Nederlands"}

_current: ContextVar[str] = ContextVar("lab_language", default="fr")


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else "fr")


# French typography puts a space before ? ! ; : and inside « ». An ordinary space there lets the
# line break before the sign, leaving a lone "?" or ":" at the start of a line on a phone. So
# French text gets a no-break space there, always U+00A0 (espace insécable): the narrow U+202F
# that French printers prefer before ? ! ; is not in Latin-1, and old tablets' fonts, the PDF
# fallback core font or a mail client may show it as a box or a gap; U+00A0 every font has.
NO_BREAK_SPACE = "\u00a0"
_SPACE_BEFORE = re.compile(r"[ \u202f]+(?=[?!;:»])")
_SPACE_AFTER_OPENING = re.compile(r"«[ \u202f]*")
_NO_SPACE_BEFORE_CLOSING = re.compile(r"(?<=[^\s\u00a0«])»")


@cache
def french_typography(text: str) -> str:
    """``text`` with no-break spaces before ? ! ; : and inside « » (where French has a space).

    Only spaces already written become unbreakable (plus the one a guillemet always needs):
    "10:00", "https://", "%(name)s" and a "!" inside a word stay as they are. Cached: message
    ids are a fixed set.
    """
    text = _SPACE_BEFORE.sub(NO_BREAK_SPACE, text)
    text = _SPACE_AFTER_OPENING.sub("«" + NO_BREAK_SPACE, text)
    return _NO_SPACE_BEFORE_CLOSING.sub(NO_BREAK_SPACE + "»", text)


class _French(_gettext.NullTranslations):
    """The source language needs no catalogue (message ids are French), but its own plural
    rule: 0 and 1 are singular in French ("0 absence"), where the default rule is English's;
    and French typography, applied here, where every French text is produced (Python's ``_``,
    templates' ``_`` and ``{% trans %}``, documents, calendars, mails)."""

    def gettext(self, message: str) -> str:
        return french_typography(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return french_typography(msgid1 if n <= 1 else msgid2)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "fr" or not path.exists():
        return _French()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    # Fuzzy entries are not trusted translations: leave them out, French shows instead.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Speak ``code`` for a while: a message to a visitor is in the visitor's language."""
    token = _current.set(code if code in LANGUAGES else "fr")
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **params: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction; translate it later, where it is shown."""
    return message


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick fr/en/nl from an Accept-Language header."""
    if not accept_language:
        return default
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default


def _locale() -> Locale:
    return _babel_locale(_current.get())


@cache
def _babel_locale(language: str) -> Locale:
    # Dutch in Brussels; French as written in France. Parsed once per process.
    return Locale.parse({"fr": "fr_FR", "en": "en_GB", "nl": "nl_BE"}[language])


def format_date(value: date | None, form: str = "medium") -> str:
    if value is None:
        return ""
    return babel_dates.format_date(value, format=form, locale=_locale())


# Patterns made of numbers only read the same in every language: strftime writes them for a
# tenth of Babel's cost (the planning grid writes two for each of its cells).
NUMERIC_PATTERNS = {"HH:mm": "%H:%M", "yyyy-MM-dd": "%Y-%m-%d"}


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_datetime(value: datetime | None, timezone: str, form: str = "medium") -> str:
    if value is None:
        return ""
    numeric = NUMERIC_PATTERNS.get(form)
    if numeric is not None:
        # Babel reads a naive instant as UTC: so does this.
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(_zone(timezone)).strftime(numeric)
    return babel_dates.format_datetime(value, format=form, tzinfo=timezone, locale=_locale())


def format_number(value: float | int) -> str:
    return _number(type(value), value, _current.get())


@lru_cache(maxsize=4096)
def _number(_kind: type, value: float | int, language: str) -> str:
    # A page of figures writes the same few numbers again and again; Babel's pattern
    # machinery is most of what such a page costs (the kind keeps 1 and 1.0 apart).
    return babel_numbers.format_decimal(value, locale=_babel_locale(language))


def month_names() -> list[str]:
    """January to December, spelled out in the current language (for date pickers)."""
    names = _locale().months["stand-alone"]["wide"]
    return [names[month] for month in range(1, 13)]
