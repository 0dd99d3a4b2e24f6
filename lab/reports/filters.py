"""What a report covers: a period, the sites a person may see, and the narrowing filters.

Periods are whole days in the sites' own time zone: "this month" on a Brussels site starts at
midnight in Brussels. A report never covers a site outside its reader's scope: ``scope_for``
decides the sites once, from the reader's roles, and every query takes the resulting
``Filters``. Bad input is refused here, before any query runs: an impossible or too long period
or a filter value that names nothing is a 422, a site outside the reader's scope a 403.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Concatenate, Literal, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from lab.core.db import reading_aside
from lab.core.errors import Forbidden, Invalid
from lab.core.i18n import N_, _
from lab.core.params import day_in_bounds, id_or_none
from lab.core.roles import FACILITATOR, MANAGERS, NETWORK_WIDE, StaffPrincipal

Preset = Literal["week", "month", "quarter", "year", "custom"]
PRESETS: dict[str, str] = {
    "week": N_("Cette semaine"),
    "month": N_("Ce mois-ci"),
    "quarter": N_("Ce trimestre"),
    "year": N_("Cette année"),
    "custom": N_("Dates choisies"),
}
# Module kinds a report can narrow to (the workshops domain's kinds).
MODULE_KINDS = ("job_search", "orientation", "digital_skills", "info_session", "partner_meeting")
MODULE_KINDS += ("other",)
# Longer than this, a report is an archive query, not a dashboard: ask for a narrower period.
MAX_DAYS = 3 * 366 + 1


@dataclasses.dataclass(frozen=True, slots=True)
class Period:
    """Whole days, first and last included."""

    first: dt.date
    last: dt.date
    preset: Preset = "custom"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period just before, of the same kind: last month for a month, the same number
        of days before a custom span."""
        if self.preset == "month" or (self.first.day == 1 and _month_end(self.first) == self.last):
            last = self.first - dt.timedelta(days=1)
            return Period(last.replace(day=1), last, self.preset)
        if self.preset == "quarter":
            last = self.first - dt.timedelta(days=1)
            return Period(_quarter_start(last), last, self.preset)
        if self.preset == "year":
            return Period(
                self.first.replace(year=self.first.year - 1),
                self.first - dt.timedelta(days=1),
                self.preset,
            )
        last = self.first - dt.timedelta(days=1)
        return Period(last - dt.timedelta(days=self.days - 1), last, self.preset)

    def bounds(self, zone: str) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants [start, end) in the time zone ``zone``."""
        tz = ZoneInfo(zone)
        start = dt.datetime.combine(self.first, dt.time(), tz).astimezone(dt.UTC)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tz)
        return start, end.astimezone(dt.UTC)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def preset_period(preset: str, today: dt.date) -> Period:
    """The calendar week (Monday first), month, quarter or year around ``today``."""
    if preset == "week":
        first = today - dt.timedelta(days=today.weekday())
        return Period(first, first + dt.timedelta(days=6), "week")
    if preset == "month":
        return Period(today.replace(day=1), _month_end(today), "month")
    if preset == "quarter":
        first = _quarter_start(today)
        return Period(first, _month_end(first.replace(month=first.month + 2)), "quarter")
    if preset == "year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "year")
    raise Invalid(_("Cette période n'existe pas."), field_errors={"period": _("Période inconnue.")})


def period_from(raw: Mapping[str, str | None], today: dt.date) -> Period:
    """The period a report's form (or query string) asks for: a preset, or first and last
    days, around ``day`` (default ``today``). Errors: invalid (a date that does not exist)."""
    return parse_period(
        raw.get("period"), _day(raw, "first"), _day(raw, "last"), _day(raw, "day") or today
    )


def _day(raw: Mapping[str, str | None], name: str) -> dt.date | None:
    text = (raw.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            _("Cette date n'existe pas : écrivez-la AAAA-MM-JJ."),
            field_errors={name: _("Date invalide.")},
        ) from None


def parse_period(
    preset: str | None, first: dt.date | None, last: dt.date | None, today: dt.date
) -> Period:
    """The period a reader asked for; "this month" when they asked for nothing.
    Errors (422): unknown preset, custom without both days, last before first, too long."""
    preset = preset or ("custom" if first or last else "month")
    if preset not in PRESETS:
        raise Invalid(
            _("Cette période n'existe pas."), field_errors={"period": _("Période inconnue.")}
        )
    if preset != "custom":
        return preset_period(preset, today)
    if first is None or last is None:
        raise Invalid(
            _("Choisissez le premier et le dernier jour."),
            field_errors={"first": _("Les deux dates sont nécessaires.")},
        )
    if not (day_in_bounds(first) and day_in_bounds(last)):
        raise Invalid(_("Cette date est hors limites."), field_errors={"first": _("Hors limites.")})
    if last < first:
        raise Invalid(
            _("Le dernier jour est avant le premier : cette période est impossible."),
            field_errors={"last": _("Le dernier jour doit suivre le premier.")},
        )
    period = Period(first, last, "custom")
    if period.days > MAX_DAYS:
        raise Invalid(
            _("Choisissez une période de trois ans au plus."),
            field_errors={"last": _("Période trop longue.")},
        )
    return period


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    """The sites a reader may report on, and how far they see into them."""

    site_ids: tuple[int, ...]
    # A facilitator sees only the sessions of modules they run (their id), managers everything.
    own_sessions_of: int | None
    network: bool  # a network manager or an admin: every site, with a roll-up
    # Sites whose rows (names, single sessions) the reader may open behind a figure.
    row_site_ids: frozenset[int]


def scope_for(actor: StaffPrincipal) -> Scope:
    """Managers (site, network) and admins report on the sites they manage; a facilitator on
    their own sessions at their sites. Everyone else has no report (the guards keep them out)."""
    managed = actor.site_ids(*MANAGERS)
    network = bool(actor.site_ids(*NETWORK_WIDE)) and any(
        grant.site_id is None and grant.role in NETWORK_WIDE for grant in actor.grants
    )
    if managed:
        return Scope(tuple(sorted(managed)), None, network, frozenset(managed))
    facilitated = actor.site_ids(FACILITATOR)
    return Scope(tuple(sorted(facilitated)), actor.user_id, False, frozenset(facilitated))


P = ParamSpec("P")
R = TypeVar("R")

# Beyond this many site-days, a report's statements may take long enough (tens of ms to a
# second at a regional network's size) to be worth a thread hop (0.1 ms) each: a network's
# month (620) and a site's year (365) are beyond it, a site's quarter (92) within.
LARGE_SITE_DAYS = 200


@dataclasses.dataclass(frozen=True, slots=True)
class Filters:
    """Everything a report query needs: the period (as days and, per time zone, as UTC
    bounds), the sites, and the optional narrowing by module kind, module, facilitator and
    partner. Built by ``build_filters`` only, so its values are always valid and in scope."""

    period: Period
    site_ids: tuple[int, ...]
    zones: Mapping[str, tuple[int, ...]]  # time zone -> the filtered sites in it
    module_kind: str | None = None
    module_id: int | None = None
    facilitator_id: int | None = None
    partner_id: int | None = None
    own_sessions_of: int | None = None

    def bounds(self) -> list[tuple[tuple[int, ...], dt.datetime, dt.datetime]]:
        """(sites, start, end) for each time zone of the filtered sites."""
        return [(sites, *self.period.bounds(zone)) for zone, sites in sorted(self.zones.items())]

    @property
    def zone_of(self) -> dict[int, str]:
        """{site: its time zone} for the filtered sites."""
        return {site: zone for zone, sites in self.zones.items() for site in sites}

    @property
    def large(self) -> bool:
        """Whether the report spans more than ``LARGE_SITE_DAYS`` days of sites (a network's
        month, a site's year): its statements then read aside (``lab.core.db.reading_aside``)."""
        days = (self.period.last - self.period.first).days + 1
        return len(self.site_ids) * days > LARGE_SITE_DAYS

    @property
    def narrowed(self) -> bool:
        """Whether only part of the programme is counted (lab use then is not shown)."""
        return any(
            value is not None
            for value in (self.module_kind, self.module_id, self.facilitator_id, self.partner_id)
        )

    def with_period(self, period: Period) -> Filters:
        return dataclasses.replace(self, period=period)

    def query(self) -> dict[str, str]:
        """These filters as a query string's parameters (links to rows and other periods)."""
        values: dict[str, str] = {
            "period": "custom",
            "first": self.period.first.isoformat(),
            "last": self.period.last.isoformat(),
        }
        if self.period.preset != "custom":
            values = {"period": self.period.preset, "day": self.period.first.isoformat()}
        if len(self.site_ids) == 1:
            values["site"] = str(self.site_ids[0])
        optional = {
            "kind": self.module_kind,
            "module": self.module_id,
            "facilitator": self.facilitator_id,
            "partner": self.partner_id,
        }
        values.update({key: str(value) for key, value in optional.items() if value is not None})
        return values


@dataclasses.dataclass(frozen=True, slots=True)
class Choices:
    """What the filters may name, within a reader's scope: sites (id -> name and time zone),
    modules, facilitators and partners (id -> name)."""

    sites: Mapping[int, tuple[str, str]]
    modules: Mapping[int, str]
    facilitators: Mapping[int, str]
    partners: Mapping[int, str]


def build_filters(
    scope: Scope, choices: Choices, period: Period, raw: Mapping[str, str | None]
) -> Filters:
    """Checks each filter against what exists in the reader's scope.
    Errors: 403 forbidden for a site outside the scope; 422 invalid for anything else."""
    site_ids = scope.site_ids
    site = raw.get("site")
    if site not in (None, ""):
        site_id = id_or_none(site)
        if site_id is None:
            raise Invalid(_("Ce site n'existe pas."), field_errors={"site": _("Site inconnu.")})
        if site_id not in choices.sites:
            raise Forbidden(_("Vous ne pouvez pas voir les chiffres de ce site."))
        site_ids = (site_id,)
    kind = raw.get("kind") or None
    if kind is not None and kind not in MODULE_KINDS:
        raise Invalid(
            _("Ce type d'atelier n'existe pas."), field_errors={"kind": _("Type inconnu.")}
        )
    picked: dict[str, int | None] = {}
    for name, known, message in (
        ("module", choices.modules, N_("Cet atelier n'existe pas ou n'est pas dans vos sites.")),
        ("facilitator", choices.facilitators, N_("Cette personne n'anime pas dans vos sites.")),
        (
            "partner",
            choices.partners,
            N_("Ce partenaire n'existe pas ou n'est pas dans vos sites."),
        ),
    ):
        text = raw.get(name)
        if text in (None, ""):
            picked[name] = None
            continue
        value = id_or_none(text)
        if value is None or value not in known:
            raise Invalid(_(message), field_errors={name: _("Valeur inconnue.")})
        picked[name] = value
    zones: dict[str, list[int]] = {}
    for site_id in site_ids:
        zones.setdefault(choices.sites[site_id][1], []).append(site_id)
    return Filters(
        period=period,
        site_ids=tuple(site_ids),
        zones={zone: tuple(ids) for zone, ids in zones.items()},
        module_kind=kind,
        module_id=picked["module"],
        facilitator_id=picked["facilitator"],
        partner_id=picked["partner"],
        own_sessions_of=scope.own_sessions_of,
    )


def read_aside_when_large(
    report: Callable[Concatenate[Filters, P], Awaitable[R]],
) -> Callable[Concatenate[Filters, P], Awaitable[R]]:
    """A report's reading function (its filters first) whose statements read aside when its
    filters are ``large``: on the embedded SQLite they then run in a worker thread instead of
    holding the event loop (``lab.core.db.reading_aside``)."""

    @functools.wraps(report)
    async def reading(f: Filters, *args: P.args, **kwargs: P.kwargs) -> R:
        with reading_aside(f.large):
            return await report(f, *args, **kwargs)

    return reading
