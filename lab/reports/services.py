"""What the reports' pages and files ask for, checked against the reader's scope.

Routes call these only. Each takes the acting staff member, so the scope (which sites, whose
sessions) is decided here and never by a page. Errors: 403 ``forbidden`` for a site, rows or a
period outside the reader's scope; 422 ``invalid`` for a filter that names nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import msgspec

from lab.accounts.tables import Site, StaffUser
from lab.core import audit, clock
from lab.core.db import fetch, placeholders, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.i18n import _
from lab.core.roles import FACILITATOR, MANAGERS, StaffPrincipal
from lab.reports import activity, collective, esf, queries
from lab.reports.figures import Dashboard, EsfFigures, RegistrantRow
from lab.reports.filters import (
    Choices,
    Filters,
    Period,
    Scope,
    build_filters,
    period_from,
    preset_period,
    scope_for,
)
from lab.reports.model import Table
from lab.reports.rows import ROWS
from lab.reports.tables import ClosedPeriod
from lab.workshops.tables import Module, Partner

__all__ = [
    "Frozen",
    "Report",
    "can_close",
    "choices_for",
    "close_month",
    "filter_choices",
    "report_for",
    "rows_for",
    "scope_for",
    "week_hours_of",
]


async def choices_for(actor: StaffPrincipal, scope: Scope) -> Choices:
    """The sites, modules, facilitators and partners the reader's filters may name (read on
    every report page: four plain statements)."""
    site_ids = list(scope.site_ids) or [-1]
    at_sites = placeholders(site_ids)
    sites = await fetch(
        Site,
        f"SELECT id, name, timezone FROM site WHERE id IN ({at_sites}) ORDER BY name",  # noqa: S608
        *site_ids,
    )
    own, own_values = "", []
    if scope.own_sessions_of is not None:
        own, own_values = f" AND id IN ({queries.RUN_BY})", [scope.own_sessions_of]
    modules = await fetch(
        Module,
        f"SELECT id, title, partner FROM workshop_module WHERE site IN ({at_sites}){own}"  # noqa: S608
        " ORDER BY title",
        *site_ids,
        *own_values,
    )
    module_ids = [row["id"] for row in modules] or [-1]
    facilitators = await fetch(
        StaffUser,
        "SELECT id, name FROM staff_user WHERE id IN (SELECT staff_user"  # noqa: S608
        f" FROM workshop_module_facilitator WHERE module IN ({placeholders(module_ids)}))"
        ' OR id IN (SELECT "user" FROM staff_role WHERE role = {}'
        f" AND site IN ({at_sites})) ORDER BY name",
        *module_ids,
        FACILITATOR,
        *site_ids,
    )
    if scope.own_sessions_of is not None:
        facilitators = [row for row in facilitators if row["id"] == actor.user_id]
    partners = await fetch(
        Partner,
        f"SELECT id, name FROM partner WHERE site IN ({at_sites}) ORDER BY name",  # noqa: S608
        *site_ids,
    )
    return Choices(
        sites={row["id"]: (row["name"], row["timezone"]) for row in sites},
        modules={row["id"]: row["title"] for row in modules},
        facilitators={row["id"]: row["name"] for row in facilitators},
        partners={row["id"]: row["name"] for row in partners},
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    """A closed period's figures as they were when it was closed."""

    closed_at: dt.datetime
    digest: str
    dashboard: Dashboard
    esf: EsfFigures
    collective: list[RegistrantRow]


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """A report's figures for a reader: live, or the frozen ones of a closed period (with the
    live ones beside them, to show corrections made since)."""

    scope: Scope
    choices: Choices
    filters: Filters
    dashboard: Dashboard | None  # None only when asked for without its figures
    may_see_rows: bool
    frozen: Frozen | None = None
    live: Dashboard | None = None  # for a closed period: today's figures, for the corrections

    @property
    def site_names(self) -> list[str]:
        return [self.choices.sites[site][0] for site in self.filters.site_ids]


def may_see_rows(scope: Scope, f: Filters) -> bool:
    """Rows (names, single sessions) only for sites the reader works at: managers of every
    filtered site, or a facilitator for their own sessions."""
    return set(f.site_ids) <= scope.row_site_ids


async def filter_choices(actor: StaffPrincipal) -> tuple[Scope, Choices]:
    """The reader's scope and what their filters may name. Errors: forbidden (no site)."""
    scope = scope_for(actor)
    if not scope.site_ids:
        raise Forbidden(_("Vous n'avez accès aux chiffres d'aucun site."))
    return scope, await choices_for(actor, scope)


async def report_for(
    actor: StaffPrincipal,
    raw: Mapping[str, str | None],
    today: dt.date | None = None,
    *,
    figures: bool = True,
) -> Report:
    """The reader's report for the filters in ``raw`` (a query string's values). Without
    ``figures`` (a file that does not show the dashboard) the dashboard is not read: the
    report's ``dashboard`` is then the frozen one of a closed period, or None."""
    scope, choices = await filter_choices(actor)
    today = today or clock.now().date()
    period = period_from(raw, today)
    filters = build_filters(scope, choices, period, raw)
    frozen = await _frozen_for(filters)
    live = await queries.dashboard(filters) if figures else None
    return Report(
        scope=scope,
        choices=choices,
        filters=filters,
        dashboard=frozen.dashboard if frozen else live,
        may_see_rows=may_see_rows(scope, filters),
        frozen=frozen,
        live=live if frozen else None,
    )


async def rows_for(report: Report, kind: str) -> Table:
    """The rows behind one of the report's figures. Errors: 404 for an unknown kind, 403 when
    the reader may not see rows of these sites."""
    if kind not in ROWS:
        raise Invalid(_("Ces lignes n'existent pas."), field_errors={"kind": _("Inconnu.")})
    if not report.may_see_rows:
        raise Forbidden(_("Vous pouvez voir les chiffres de ces sites, pas les personnes."))
    return await ROWS[kind](report.filters, clock.now())


def operation_start(period: Period) -> dt.date:
    """An ESF+ operation runs by calendar year here: first entries are counted from 1 January
    of the period's first year."""
    return dt.date(period.first.year, 1, 1)


async def esf_of(report: Report) -> EsfFigures:
    if report.frozen:
        return report.frozen.esf
    return await esf.esf_figures(report.filters, operation_start(report.filters.period))


async def registrants_of(report: Report) -> list[RegistrantRow]:
    if not report.may_see_rows:
        raise Forbidden(
            _("Ce fichier nomme des personnes : il est réservé aux sites où vous travaillez.")
        )
    if report.frozen:
        return report.frozen.collective
    return await collective.registrant_rows(report.filters, clock.now())


# Closed periods ----------------------------------------------------------------------------


def _closable(f: Filters) -> tuple[int | None, Period]:
    """A closed period is one site's (or the whole network's) whole month, unfiltered."""
    if f.narrowed or f.own_sessions_of is not None:
        raise Invalid(_("On clôt un mois entier, sans filtre d'atelier."))
    first = f.period.first
    if first.day != 1 or preset_period("month", first).last != f.period.last:
        raise Invalid(_("On clôt un mois entier, du premier au dernier jour."))
    return (f.site_ids[0] if len(f.site_ids) == 1 else None), f.period


def can_close(actor: StaffPrincipal, report: Report) -> bool:
    """Whether ``close_month`` would accept: a whole ended month, unfiltered, not closed yet,
    of sites the actor manages."""
    if report.frozen is not None or not set(report.filters.site_ids) <= actor.site_ids(*MANAGERS):
        return False
    try:
        _site, period = _closable(report.filters)
    except Invalid:
        return False
    return period.last < _today(report.filters)


def _today(f: Filters) -> dt.date:
    """The earliest of the filtered sites' todays: a month has ended when it has everywhere."""
    now = clock.now()
    return min(now.astimezone(ZoneInfo(zone)).date() for zone in f.zones)


async def _frozen_for(f: Filters) -> Frozen | None:
    try:
        site_id, period = _closable(f)
    except Invalid:
        return None
    row = (
        await ClosedPeriod.objects()
        .where(
            (ClosedPeriod.site == site_id if site_id is not None else ClosedPeriod.site.is_null())
            & (ClosedPeriod.first_day == period.first)
            & (ClosedPeriod.last_day == period.last)
        )
        .first()
    )
    if row is None:
        return None
    data = msgspec.json.decode(bytes(row.snapshot), type=_Snapshot)
    if site_id is None and data.dashboard.site_ids != list(f.site_ids):
        return None  # a network closed with other sites than this reader's: not theirs
    return Frozen(row.closed_at, row.digest, data.dashboard, data.esf, data.collective)


class _Snapshot(msgspec.Struct, frozen=True):
    dashboard: Dashboard
    esf: EsfFigures
    collective: list[RegistrantRow]


async def close_month(actor: StaffPrincipal, report: Report) -> ClosedPeriod:
    """Freeze the report's month: its figures, funder indicators and registrants as they are
    now. Only a manager of every site in it, once the month has ended, once.
    Errors: forbidden, invalid (not a whole ended month, or narrowed), conflict (closed already)."""
    if not set(report.filters.site_ids) <= actor.site_ids(*MANAGERS):
        raise Forbidden(_("Seuls les responsables de ces sites peuvent clore ce mois."))
    site_id, period = _closable(report.filters)
    now = clock.now()
    if period.last >= _today(report.filters):
        raise Invalid(_("Ce mois n'est pas terminé : on ne clôt qu'un mois passé."))
    if report.frozen is not None:
        raise Conflict(_("Ce mois est déjà clos."), code="closed")
    snapshot = _Snapshot(
        dashboard=await queries.dashboard(report.filters, now),
        esf=await esf.esf_figures(report.filters, operation_start(period)),
        collective=await collective.registrant_rows(report.filters, now),
    )
    encoded = msgspec.json.encode(snapshot, order="deterministic")
    row = ClosedPeriod(
        site=site_id,
        first_day=period.first,
        last_day=period.last,
        closed_at=now,
        closed_by=actor.user_id,
        snapshot=encoded,
        digest=hashlib.sha256(encoded).hexdigest(),
    )
    async with write_transaction(ClosedPeriod._meta.db):
        exists = await ClosedPeriod.exists().where(
            (ClosedPeriod.site == site_id if site_id is not None else ClosedPeriod.site.is_null())
            & (ClosedPeriod.first_day == period.first)
            & (ClosedPeriod.last_day == period.last)
        )
        if exists:
            raise Conflict(_("Ce mois est déjà clos."), code="closed")
        await row.save()
        await audit.record(
            actor,
            "report.period_closed",
            f"report_period:{row.id}",
            site_id=site_id,
            first_day=period.first.isoformat(),
            digest=row.digest,
        )
    return row


async def week_hours_of(visitor_id: int, day: dt.date, zone: str) -> activity.WeekHours:
    """A visitor's own activity hours this week (for their space)."""
    return await activity.week_hours_of(visitor_id, day, zone)
