"""What other domains and the visits pages may read: purposes, open visits, who is in now,
a visitor's visits, a period's visits and the minutes a visit counts.

This module is the domain's public read surface (``__all__``); writes are in
``lab.visits.services``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable

from lab.accounts.queries import get_site, visitor_names
from lab.core.i18n import _, current_language
from lab.core.principals import Principal, require_site
from lab.visits import config, rules
from lab.visits.rules import AGE_BANDS, ICONS
from lab.visits.tables import Visit, VisitPurpose

__all__ = [
    "AGE_BANDS",
    "ICONS",
    "InLab",
    "Purpose",
    "PurposeRow",
    "Visit",
    "counted_minutes",
    "in_lab_counts",
    "in_lab_now",
    "open_visit_of",
    "purpose_counts_now",
    "purpose_rows",
    "purpose_rows_of",
    "purposes_for",
    "purposes_of",
    "site_is_open",
    "visits_between",
    "visits_between_at_sites",
    "visits_of",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    label: str  # in the current language
    icon: str


@dataclasses.dataclass(frozen=True, slots=True)
class PurposeRow:
    """A purpose as the admin page edits it: every language's label."""

    code: str
    label_fr: str
    label_en: str
    label_nl: str
    icon: str
    position: int
    active: bool


def _label(fr: str, en: str, nl: str, language: str) -> str:
    return {"en": en, "nl": nl}.get(language) or fr


async def purpose_rows(site_id: int) -> list[PurposeRow]:
    """The site's whole list, inactive ones too, in order (the defaults while it has none)."""
    return (await purpose_rows_of([site_id]))[site_id]


async def purpose_rows_of(site_ids: Iterable[int]) -> dict[int, list[PurposeRow]]:
    """``purpose_rows`` of several sites in one query: {site id: its list}."""
    ids = list(dict.fromkeys(site_ids))
    found: dict[int, list[PurposeRow]] = {site_id: [] for site_id in ids}
    if ids:
        rows = (
            await VisitPurpose.objects()
            .where(VisitPurpose.site.is_in(ids))
            .order_by(VisitPurpose.position)
            .order_by(VisitPurpose.id)
        )
        for r in rows:
            found[r.site].append(
                PurposeRow(r.code, r.label_fr, r.label_en, r.label_nl, r.icon, r.position, r.active)
            )
    defaults = [
        PurposeRow(p.code, p.label_fr, p.label_en, p.label_nl, p.icon, (i + 1) * 10, True)
        for i, p in enumerate(rules.DEFAULT_PURPOSES)
    ]
    return {site_id: rows or list(defaults) for site_id, rows in found.items()}


async def purposes_for(site_id: int) -> list[Purpose]:
    """The purposes a visit at the site may give, in order, labelled in the current
    language."""
    return (await purposes_of([site_id]))[site_id]


async def purposes_of(site_ids: Iterable[int]) -> dict[int, list[Purpose]]:
    """``purposes_for`` of several sites in one query: {site id: its purposes}."""
    language = current_language()
    return {
        site_id: [
            Purpose(row.code, _label(row.label_fr, row.label_en, row.label_nl, language), row.icon)
            for row in rows
            if row.active
        ]
        for site_id, rows in (await purpose_rows_of(site_ids)).items()
    }


async def site_is_open(site_id: int, at: dt.datetime) -> bool:
    """Whether the site is open at ``at`` by its opening hours (a visit may be opened then)."""
    site = await get_site(site_id)
    if site is None:
        return False
    hours = site.opening_hours
    if isinstance(hours, str):
        try:
            hours = json.loads(hours or "{}")
        except ValueError:
            return False
    return isinstance(hours, dict) and rules.is_open(hours, site.timezone, at)


async def open_visit_of(visitor_id: int, site_id: int) -> Visit | None:
    """The visitor's open visit at the site, if they are in."""
    return (
        await Visit.objects()
        .where((Visit.visitor == visitor_id) & (Visit.site == site_id) & Visit.left_at.is_null())
        .first()
    )


@dataclasses.dataclass(frozen=True, slots=True)
class InLab:
    """Who is in the lab now: counts per purpose (every purpose of the site, then any code
    no longer listed), the people (names for staff only) and the anonymous visits."""

    site_id: int
    total: int
    anonymous: int
    counts: list[tuple[Purpose, int]]
    people: list[dict]  # visit_id, visitor_id, first_name, last_name, purpose, arrived_at


async def in_lab_now(actor: Principal, site_id: int) -> InLab:
    """The site's open visits. Names only for staff (a tablet or a phone sees counts).
    Errors: not_found, forbidden (other_site)."""
    require_site(
        actor,
        site_id,
        missing=_("Ce site n'existe pas."),
        elsewhere=_("Ce site ne fait pas partie des vôtres."),
    )
    visits = (
        await Visit.select(Visit.id, Visit.visitor, Visit.purpose, Visit.arrived_at)
        .where((Visit.site == site_id) & Visit.left_at.is_null())
        .order_by(Visit.arrived_at)
    )
    purposes = await purposes_for(site_id)
    by_code = {purpose.code: purpose for purpose in purposes}
    tally: dict[str, int] = {}
    for visit in visits:
        tally[visit["purpose"]] = tally.get(visit["purpose"], 0) + 1
    counts = _purpose_counts(purposes, tally)
    people: list[dict] = []
    if actor.actor_kind == "staff":
        names = {
            row["id"]: row
            for row in await visitor_names(v["visitor"] for v in visits if v["visitor"])
        }
        for visit in visits:
            name = names.get(visit["visitor"])
            if name is None:
                continue
            purpose = by_code.get(visit["purpose"])
            people.append(
                {
                    "visit_id": visit["id"],
                    "visitor_id": visit["visitor"],
                    "first_name": name["first_name"],
                    "last_name": name["last_name"],
                    "purpose": purpose.label if purpose else visit["purpose"],
                    "icon": purpose.icon if purpose else "other",
                    "arrived_at": visit["arrived_at"],
                }
            )
    return InLab(
        site_id=site_id,
        total=len(visits),
        anonymous=sum(1 for visit in visits if visit["visitor"] is None),
        counts=counts,
        people=people,
    )


async def in_lab_counts(site_ids: Iterable[int]) -> dict[int, int]:
    """{site id: how many are in now} for these sites (the staff home page's panel)."""
    ids = list(site_ids)
    counts = dict.fromkeys(ids, 0)
    rows = await Visit.select(Visit.site).where(
        Visit.site.is_in(ids or [-1]) & Visit.left_at.is_null()
    )
    for row in rows:
        counts[row["site"]] += 1
    return counts


async def purpose_counts_now(site_ids: Iterable[int]) -> dict[int, list[tuple[Purpose, int]]]:
    """{site id: (purpose, how many are in now for it)} for these sites, as ``in_lab_now``
    counts them (every purpose of the site, then any code no longer listed), in two queries
    whatever the number of sites."""
    ids = list(site_ids)
    tally: dict[int, dict[str, int]] = {site_id: {} for site_id in ids}
    for row in await Visit.select(Visit.site, Visit.purpose).where(
        Visit.site.is_in(ids or [-1]) & Visit.left_at.is_null()
    ):
        per = tally[row["site"]]
        per[row["purpose"]] = per.get(row["purpose"], 0) + 1
    purposes = await purposes_of(ids)
    return {site_id: _purpose_counts(purposes[site_id], tally[site_id]) for site_id in ids}


def _purpose_counts(purposes: list[Purpose], tally: dict[str, int]) -> list[tuple[Purpose, int]]:
    listed = {purpose.code for purpose in purposes}
    counts = [(purpose, tally.get(purpose.code, 0)) for purpose in purposes]
    unlisted = [(code, n) for code, n in tally.items() if code not in listed]
    return counts + [(Purpose(code, code, "other"), n) for code, n in unlisted]


async def visits_between_at_sites(
    windows: dict[int, tuple[dt.datetime, dt.datetime]],
) -> list[Visit]:
    """``visits_between`` for several sites at once, each over its own [start, end), in one
    query, oldest first."""
    where = None
    for site_id, (start, end) in windows.items():
        window = (Visit.site == site_id) & (Visit.arrived_at >= start) & (Visit.arrived_at < end)
        where = window if where is None else where | window
    if where is None:
        return []
    return await Visit.objects().where(where).order_by(Visit.arrived_at).order_by(Visit.id)


async def visits_of(
    visitor_id: int, site_ids: Iterable[int], since: dt.datetime | None = None
) -> list[Visit]:
    """The visitor's visits at these sites, newest first (since ``since`` when given)."""
    where = (Visit.visitor == visitor_id) & Visit.site.is_in(list(site_ids) or [-1])
    if since is not None:
        where &= Visit.arrived_at >= since
    return await Visit.objects().where(where).order_by(Visit.arrived_at, ascending=False)


async def visits_between(
    site_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> list[Visit]:
    """Visits at these sites that began in [start, end), oldest first."""
    return (
        await Visit.objects()
        .where(
            Visit.site.is_in(list(site_ids) or [-1])
            & (Visit.arrived_at >= start)
            & (Visit.arrived_at < end)
        )
        .order_by(Visit.arrived_at)
        .order_by(Visit.id)
    )


def counted_minutes(visit: Visit) -> int | None:
    """The minutes the visit counts (capped for one ended by closing); None while open."""
    return rules.counted_minutes(
        visit.arrived_at, visit.left_at, visit.ended_by, config.max_minutes()
    )
