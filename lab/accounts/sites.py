"""Sites: the lab's places, each with its time zone and opening hours."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from lab.accounts.forms import SiteInput
from lab.accounts.tables import Site
from lab.core import audit, clock
from lab.core.db import fetch, placeholders, plain_objects, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.roles import StaffPrincipal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = {
    "mon": N_("Lundi"),
    "tue": N_("Mardi"),
    "wed": N_("Mercredi"),
    "thu": N_("Jeudi"),
    "fri": N_("Vendredi"),
    "sat": N_("Samedi"),
    "sun": N_("Dimanche"),
}
_RANGE = re.compile(r"(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})")


def parse_hours(line: str | None) -> list[list[str]]:
    """ "9h00-12:30, 13:30-17:00" -> [["09:00", "12:30"], ["13:30", "17:00"]].

    Raises ValueError for impossible times or ranges that end before they start or overlap.
    """
    ranges: list[list[str]] = []
    for match in _RANGE.finditer(line or ""):
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError("impossible time")
        start, end = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if end <= start or (ranges and start < ranges[-1][1]):
            raise ValueError("ranges out of order")
        ranges.append([start, end])
    return ranges


def format_hours(ranges: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in ranges)


def opening_hours_from(data: SiteInput) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = {}
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        try:
            hours[day] = parse_hours(getattr(data, f"hours_{day}"))
        except ValueError:
            errors[f"hours_{day}"] = _(
                "Horaires impossibles : chaque plage finit après son début, dans l'ordre."
            )
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)
    return hours


def site_form_values(site: Site) -> dict[str, object]:
    hours = json.loads(site.opening_hours) if isinstance(site.opening_hours, str) else {}
    values: dict[str, object] = {
        "name": site.name,
        "slug": site.slug,
        "timezone": site.timezone,
        "address": site.address,
        "network": site.network,
        "active": site.active,
        "retain_visitor_years": site.retain_visitor_years,
        "follow_up_age": site.follow_up_age,
    }
    for day in WEEKDAYS:
        values[f"hours_{day}"] = format_hours(hours.get(day, []))
    return values


def _require_admin(actor: StaffPrincipal) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Seul un administrateur peut gérer les sites."))


async def list_sites(actor: StaffPrincipal, *, include_inactive: bool = False) -> list[Site]:
    """The sites the actor works on (all of them for network-wide roles)."""
    query = Site.objects()
    if not actor.is_admin:
        query = query.where(Site.id.is_in(list(actor.site_ids()) or [-1]))
    if not include_inactive:
        query = query.where(Site.active.eq(True))
    return await query.order_by(Site.name)


async def active_site_ids() -> tuple[int, ...]:
    rows = await Site.select(Site.id).where(Site.active.eq(True)).order_by(Site.id)
    return tuple(row["id"] for row in rows)


async def site_choices(actor: StaffPrincipal, *roles: str) -> dict[int, str]:
    """{id: name} of the open sites the actor may pick in a form, by name: those where they
    hold one of ``roles`` (any role when none is given; every open site for an admin)."""
    # Every staff page with a site picker asks: plain SQL (see lab.core.db, "hot paths").
    among, ids = "", []
    if roles or not actor.is_admin:
        ids = sorted(actor.site_ids(*roles)) or [-1]
        among = f" AND id IN ({placeholders(ids)})"
    rows = await fetch(
        Site,
        f"SELECT id, name FROM site WHERE active = {{}}{among} ORDER BY name",  # noqa: S608 (placeholders only)
        True,
        *ids,
    )
    return {row["id"]: row["name"] for row in rows}


async def default_site(actor: StaffPrincipal, *roles: str) -> int:
    """The first of the sites the actor may pick (``site_choices``), by name: the one a page
    about a single site opens on. Errors: not_found (no site at all)."""
    choices = await site_choices(actor, *roles)
    if not choices:
        raise NotFound(_("Aucun site ne vous est attribué."))
    return next(iter(choices))


async def sites_sharing_with(site_ids: Iterable[int]) -> frozenset[int]:
    """``site_ids`` and every site of their networks (a site's ``network`` names it; a site
    with no network shares with itself only)."""
    site_ids = set(site_ids)
    if not site_ids:
        return frozenset()
    rows = await Site.select(Site.id, Site.network).where(Site.id.is_in(sorted(site_ids)))
    networks = sorted({row["network"] for row in rows if row["network"]})
    if networks:
        others = await Site.select(Site.id).where(Site.network.is_in(networks))
        site_ids.update(row["id"] for row in others)
    return frozenset(site_ids)


async def site_timezone(site_id: int) -> str:
    """The site's IANA time zone ("Europe/Paris"). Errors: not_found."""
    row = await Site.select(Site.timezone).where(Site.id == site_id).first()
    if row is None:
        raise NotFound(_("Ce site n'existe pas."))
    return row["timezone"]


async def timezones(site_ids: Iterable[int]) -> dict[int, str]:
    """{site id: IANA time zone} of these sites (unknown ids are left out)."""
    rows = await Site.select(Site.id, Site.timezone).where(Site.id.is_in(list(site_ids) or [-1]))
    return {row["id"]: row["timezone"] for row in rows}


async def get_site_for(actor: StaffPrincipal, site_id: int) -> Site:
    found = await plain_objects(Site, "WHERE id = {}", site_id)
    if not found:
        raise NotFound(_("Ce site n'existe pas."))
    site = found[0]
    if not actor.is_admin and site.id not in actor.site_ids():
        raise Forbidden(_("Ce site ne fait pas partie des vôtres."))
    return site


async def create_site(actor: StaffPrincipal, data: SiteInput) -> Site:
    """Admins only. Errors: forbidden, invalid (hours), slug_taken."""
    _require_admin(actor)
    hours = opening_hours_from(data)
    async with write_transaction(Site._meta.db):
        if await Site.exists().where(Site.slug == data.slug):
            raise Conflict(
                _("Ce nom court est déjà pris par un autre site."),
                code="slug_taken",
                field_errors={"slug": _("Déjà pris.")},
            )
        site = Site(
            name=data.name,
            slug=data.slug,
            timezone=data.timezone,
            address=data.address or "",
            network=data.network or "",
            opening_hours=json.dumps(hours),
            active=data.active,
            retain_visitor_years=data.retain_visitor_years,
            follow_up_age=data.follow_up_age,
            created_at=clock.now(),
        )
        await site.save()
        await audit.record(actor, "site.created", f"site:{site.id}", site_id=site.id)
    return site


async def update_site(actor: StaffPrincipal, site_id: int, data: SiteInput) -> Site:
    """Admins only. Errors: forbidden, not_found, invalid, slug_taken."""
    _require_admin(actor)
    hours = opening_hours_from(data)
    async with write_transaction(Site._meta.db):
        site = await get_site_for(actor, site_id)
        if await Site.exists().where((Site.slug == data.slug) & (Site.id != site.id)):
            raise Conflict(
                _("Ce nom court est déjà pris par un autre site."),
                code="slug_taken",
                field_errors={"slug": _("Déjà pris.")},
            )
        site.name = data.name
        site.slug = data.slug
        site.timezone = data.timezone
        site.address = data.address or ""
        site.network = data.network or ""
        site.opening_hours = json.dumps(hours)
        site.active = data.active
        site.retain_visitor_years = data.retain_visitor_years
        site.follow_up_age = data.follow_up_age
        await site.save()
        await audit.record(actor, "site.updated", f"site:{site.id}", site_id=site.id)
    return site
