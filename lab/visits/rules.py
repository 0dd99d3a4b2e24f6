"""Pure rules of drop-in visits: opening hours, closing time, counted duration, and the
defaults a site uses until an admin edits its list of purposes. No database here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The age bands an anonymous visit may carry (or none): never a name, never a birth date.
AGE_BANDS = ("under_16", "16_17", "18_21", "22_25", "26_29", "30_plus")
# How a visit ended: at a tablet, at the desk, or by the site closing.
ENDINGS = ("kiosk", "desk", "closing")
# A visit ended by closing counts at most this long (the setting visit_max_minutes).
DEFAULT_MAX_MINUTES = 240

Hours = Mapping[str, Sequence[Sequence[str]]]


@dataclasses.dataclass(frozen=True, slots=True)
class DefaultPurpose:
    code: str
    label_fr: str
    label_en: str
    label_nl: str
    icon: str


# Why people drop in, until an admin edits a site's own list (lab.visits.tables.VisitPurpose).
DEFAULT_PURPOSES = (
    DefaultPurpose(
        "computer",
        "Utiliser une tablette ou un ordinateur",
        "Use a tablet or a computer",
        "Een tablet of computer gebruiken",
        "computer",
    ),
    DefaultPurpose("wifi", "Le wifi", "The wifi", "De wifi", "wifi"),
    DefaultPurpose("games", "La salle de jeux", "The game room", "De spelzaal", "games"),
    DefaultPurpose(
        "studio",
        "Le studio ou la salle de mixage",
        "The studio or the mix room",
        "De studio of de mixruimte",
        "studio",
    ),
    DefaultPurpose(
        "help",
        "De l'aide d'un médiateur ou d'une médiatrice",
        "Help from a mediator",
        "Hulp van een begeleider",
        "help",
    ),
    DefaultPurpose(
        "print",
        "Imprimer ou scanner un document",
        "Print or scan a document",
        "Een document afdrukken of scannen",
        "print",
    ),
    DefaultPurpose(
        "job_search",
        "Chercher un emploi ou une formation",
        "Look for a job or a training",
        "Werk of een opleiding zoeken",
        "job_search",
    ),
    DefaultPurpose("other", "Autre chose", "Something else", "Iets anders", "other"),
)

# The pictograms a purpose may show (drawn by the templates' icon macro).
ICONS = (
    "computer",
    "tablet_pool",
    "wifi",
    "games",
    "studio",
    "help",
    "print",
    "job_search",
    "digital_skills",
    "orientation",
    "info_session",
    "partner_meeting",
    "screen",
    "room",
    "seat",
    "book",
    "other",
)


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


Interval = tuple[dt.datetime, dt.datetime]


def intervals_on(hours: Hours, day: dt.date, timezone: str) -> list[Interval]:
    """The day's opening intervals as aware instants, in order; malformed ones are left out."""
    zone = ZoneInfo(timezone)
    found = []
    for interval in hours.get(WEEKDAYS[day.weekday()], []) or []:
        try:
            opens, closes = _time(interval[0]), _time(interval[1])
        except (ValueError, IndexError, TypeError, AttributeError):
            continue
        start = dt.datetime.combine(day, opens, tzinfo=zone)
        end = dt.datetime.combine(day, closes, tzinfo=zone)
        if start < end:
            found.append((start, end))
    return sorted(found)


def closing_time(hours: Hours, day: dt.date, timezone: str) -> dt.datetime | None:
    """When the site closes on ``day`` (its local day): the end of the day's last opening
    interval, or None on a day it does not open."""
    intervals = intervals_on(hours, day, timezone)
    return max(end for _, end in intervals) if intervals else None


def is_open(hours: Hours, timezone: str, at: dt.datetime) -> bool:
    """Whether the site is open at the instant ``at`` (aware): opening ≤ at < closing of one
    of that local day's intervals."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    local = at.astimezone(ZoneInfo(timezone))
    return any(start <= at < end for start, end in intervals_on(hours, local.date(), timezone))


def closing_for_visit(
    hours: Hours, timezone: str, arrived_at: dt.datetime, max_minutes: int = DEFAULT_MAX_MINUTES
) -> dt.datetime:
    """When a visit left open is ended by closing: the site's closing time on the day of the
    arrival (local), or, when there is none after the arrival (a day it does not open, an
    arrival recorded after closing), the arrival plus ``max_minutes``."""
    local = arrived_at.astimezone(ZoneInfo(timezone))
    closes = closing_time(hours, local.date(), timezone)
    if closes is None or closes <= arrived_at:
        return arrived_at + dt.timedelta(minutes=max_minutes)
    return closes


def counted_minutes(
    arrived_at: dt.datetime,
    left_at: dt.datetime | None,
    ended_by: str | None,
    max_minutes: int = DEFAULT_MAX_MINUTES,
) -> int | None:
    """The minutes a visit counts: from arrival to leaving (never negative), capped by
    ``max_minutes`` for a visit ended by closing (nobody said when they left). None while
    the visit is open."""
    if left_at is None:
        return None
    minutes = max(0, int((left_at - arrived_at).total_seconds() // 60))
    if ended_by == "closing":
        return min(minutes, max(0, max_minutes))
    return minutes
