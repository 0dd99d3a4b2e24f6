"""The network report's figures: meetings held, partners present, actions opened and completed,
referrals by need and by outcome, per site, zone and period (``network_present`` shows them on a
page, in a CSV and in an XLSX).

Rules (the period is whole days in each site's own time zone, like every report):
- A meeting counts when it was held (``held``) and started in the period at a filtered site;
  a zone filter keeps the meetings of that zone (a meeting without a zone is its site's own).
- A partner is present at a meeting when one of its invitations is marked present; "partners
  present" counts organisations once over the period (per line of a table, once per line).
- An action is opened in the period when it was created in it, completed when it was closed
  as done in it, at a filtered site.
- A referral counts when it was made in the period at a filtered site; by need, and by where it
  stands now (sent, taken up, not taken up, or its known outcome).

Small cells: referrals are young people, so their tables withhold counts from 1 to k-1 (and
what would give them away) like every other count of people. Meetings, partners and actions
are organisations and events between professionals: nobody is identified by them, so they are
shown as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from lab.accounts.tables import Site
from lab.core import clock
from lab.core.db import fetch_aside, placeholders
from lab.core.errors import Forbidden, Invalid
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.network.queries import REFERRAL_STATUSES
from lab.network.tables import (
    NetworkAction,
    NetworkInvitation,
    NetworkMeeting,
    NetworkReferral,
)
from lab.reports.filters import (
    PRESETS,
    Choices,
    Filters,
    Scope,
    build_filters,
    period_from,
    read_aside_when_large,
    scope_for,
)
from lab.reports.queries import period_sql

# Where a referral stands, in the order a reader follows it: no answer yet, the partner's
# answer, then each known outcome.
STANDINGS: dict[str, str] = {
    code: label for code, label in REFERRAL_STATUSES.items() if code != "outcome_known"
}
MAX_ZONE = 120


@dataclasses.dataclass(frozen=True, slots=True)
class SiteLine:
    site_id: int
    meetings: int
    partners_present: int
    actions_opened: int
    actions_completed: int
    referrals: int


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkFigures:
    """The network's figures over a period, in codes and counts (no words: any language)."""

    meetings_held: int
    partners_present: int
    actions_opened: int
    actions_completed: int
    referrals: int
    sites: tuple[SiteLine, ...]
    zones: tuple[tuple[str, int, int], ...]  # (zone, meetings, partners present), by zone
    by_need: Mapping[str, int]
    by_standing: Mapping[str, int]  # a status, or "outcome:<code>" when the outcome is known


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkReport:
    scope: Scope
    choices: Choices
    filters: Filters
    zone: str | None
    zones: tuple[str, ...]  # the zones the filter may name
    figures: NetworkFigures

    @property
    def site_names(self) -> list[str]:
        return [self.choices.sites[site][0] for site in self.filters.site_ids]


async def _choices(scope: Scope) -> Choices:
    site_ids = list(scope.site_ids) or [-1]
    sites = await fetch_aside(
        Site,
        "SELECT id, name, timezone FROM site"  # noqa: S608 (placeholders only)
        f" WHERE id IN ({placeholders(site_ids)}) ORDER BY name",
        *site_ids,
    )
    return Choices(
        sites={row["id"]: (row["name"], row["timezone"]) for row in sites},
        modules={},
        facilitators={},
        partners={},
    )


async def _zones(site_ids: Sequence[int]) -> tuple[str, ...]:
    ids = list(site_ids) or [-1]
    rows = await fetch_aside(
        NetworkMeeting,
        "SELECT DISTINCT zone FROM network_meeting"  # noqa: S608 (placeholders only)
        f" WHERE site IN ({placeholders(ids)}) AND zone <> '' ORDER BY zone",
        *ids,
    )
    return tuple(row["zone"] for row in rows)


async def network_report_for(
    actor: StaffPrincipal, raw: Mapping[str, str | None], today: dt.date | None = None
) -> NetworkReport:
    """The reader's network report for the filters in ``raw`` (period, site, zone), over the
    sites they manage (a site manager: their sites; a network manager or an admin: every site).
    Errors: forbidden (no site, or a site outside the scope); invalid (a filter naming nothing)."""
    scope = scope_for(actor)
    if not scope.site_ids or scope.own_sessions_of is not None:
        raise Forbidden(_("Vous n'avez accès aux chiffres du réseau d'aucun site."))
    choices = await _choices(scope)
    today = today or clock.now().date()
    period = period_from(raw, today)
    filters = build_filters(scope, choices, period, {"site": raw.get("site")})
    zones = await _zones(scope.site_ids)
    zone = (raw.get("zone") or "").strip()[: MAX_ZONE + 1] or None
    if zone is not None and zone not in zones:
        raise Invalid(
            _("Cette zone n'a aucune réunion dans vos sites."),
            field_errors={"zone": _("Zone inconnue.")},
        )
    figures = await network_figures(filters, zone)
    return NetworkReport(scope, choices, filters, zone, zones, figures)


@read_aside_when_large
async def network_figures(f: Filters, zone: str | None = None) -> NetworkFigures:
    """The figures, in five plain statements whatever the data (grouped in the database)."""
    held, held_values = period_sql("m.site", "m.starts_at", f)
    held += " AND m.status = 'held'"
    if zone is not None:
        held += " AND m.zone = {}"
        held_values.append(zone)
    meetings = await fetch_aside(
        NetworkMeeting,
        f"SELECT m.id AS id, m.site AS site, m.zone AS zone FROM network_meeting m WHERE {held}",  # noqa: S608
        *held_values,
    )
    # The partners present, joined to the same meetings rather than listed by id: a network's
    # year holds thousands of meetings.
    present_rows = await fetch_aside(
        NetworkInvitation,
        "SELECT DISTINCT i.meeting AS meeting, i.partner AS partner"  # noqa: S608
        " FROM network_invitation i JOIN network_meeting m ON m.id = i.meeting"
        f" WHERE i.presence = 'present' AND {held}",
        *held_values,
    )
    opened = await _actions_by_site(f, "created_at")
    completed = await _actions_by_site(f, "closed_at", " AND status = 'done'")
    made_in, made_values = period_sql("site", "created_at", f)
    referrals = await fetch_aside(
        NetworkReferral,
        "SELECT site, need, status, outcome, COUNT(*) AS count FROM network_referral"  # noqa: S608
        f" WHERE {made_in} GROUP BY site, need, status, outcome",
        *made_values,
    )
    site_of = {row["id"]: row["site"] for row in meetings}
    zone_of = {row["id"]: row["zone"] or "" for row in meetings}
    partners_by_site: dict[int, set[int]] = defaultdict(set)
    partners_by_zone: dict[str, set[int]] = defaultdict(set)
    for row in present_rows:
        partners_by_site[site_of[row["meeting"]]].add(row["partner"])
        partners_by_zone[zone_of[row["meeting"]]].add(row["partner"])
    meetings_by_site = Counter(row["site"] for row in meetings)
    meetings_by_zone = Counter(row["zone"] or "" for row in meetings)
    opened_by_site = {row["site"]: row["count"] for row in opened}
    completed_by_site = {row["site"]: row["count"] for row in completed}
    referrals_by_site: Counter[int] = Counter()
    by_need: Counter[str] = Counter()
    by_standing: Counter[str] = Counter()
    for row in referrals:
        referrals_by_site[row["site"]] += row["count"]
        by_need[row["need"]] += row["count"]
        standing = row["status"]
        if standing == "outcome_known":
            standing = f"outcome:{row['outcome'] or 'other'}"
        by_standing[standing] += row["count"]
    sites = tuple(
        SiteLine(
            site_id,
            meetings_by_site[site_id],
            len(partners_by_site[site_id]),
            opened_by_site.get(site_id, 0),
            completed_by_site.get(site_id, 0),
            referrals_by_site[site_id],
        )
        for site_id in f.site_ids
    )
    zones = tuple(
        (name, meetings_by_zone[name], len(partners_by_zone[name]))
        for name in sorted(meetings_by_zone)
    )
    return NetworkFigures(
        meetings_held=len(meetings),
        partners_present=len({row["partner"] for row in present_rows}),
        actions_opened=sum(opened_by_site.values()),
        actions_completed=sum(completed_by_site.values()),
        referrals=sum(referrals_by_site.values()),
        sites=sites,
        zones=zones,
        by_need=dict(by_need),
        by_standing=dict(by_standing),
    )


async def _actions_by_site(f: Filters, moment: str, more: str = "") -> list[dict]:
    """How many actions each filtered site has whose ``moment`` lies in the period."""
    period, values = period_sql("site", moment, f)
    return await fetch_aside(
        NetworkAction,
        f"SELECT site, COUNT(*) AS count FROM network_action WHERE {period}{more} GROUP BY site",  # noqa: S608
        *values,
    )


async def filter_options(actor: StaffPrincipal) -> dict[str, dict]:
    """What the filters offer the reader: periods, the sites they manage, their zones."""
    scope = scope_for(actor)
    choices = await _choices(scope)
    return {
        "periods": PRESETS,
        "sites": {site: name for site, (name, _zone) in choices.sites.items()},
        "zones": {zone: zone for zone in await _zones(scope.site_ids)},
    }
