"""Resources and their rules, and site closure days."""

from __future__ import annotations

import datetime as dt
import json

from lab.accounts.queries import Site, get_site, get_site_for
from lab.bookings.forms import ClosureInput, ResourceInput
from lab.bookings.holdings import held_bookings
from lab.bookings.rules import Policy, peak_units
from lab.bookings.tables import Closure, Resource
from lab.core import audit, clock
from lab.core.db import fetch, placeholders, plain_objects, write_transaction
from lab.core.errors import Conflict, Forbidden, NotFound
from lab.core.i18n import N_, _
from lab.core.principals import Principal, require_site
from lab.core.roles import MANAGERS, StaffPrincipal

# Who may change a site's equipment and its rules.

KINDS = {
    "tablet_pool": N_("Tablettes (lot)"),
    "studio": N_("Studio d'enregistrement"),
    "room": N_("Salle"),
    "screen": N_("Grand écran"),
    "computer": N_("Ordinateur"),
    "other": N_("Autre"),
}


async def list_resources(
    actor: StaffPrincipal, site_id: int | None = None, *, include_inactive: bool = False
) -> list[Resource]:
    # The grid and every booking form ask: plain SQL (see lab.core.db, "hot paths").
    sites = sorted(actor.site_ids()) or [-1]
    where, values = [f"site IN ({placeholders(sites)})"], [*sites]
    if site_id is not None:
        where.append("site = {}")
        values.append(site_id)
    if not include_inactive:
        where.append("active = {}")
        values.append(True)
    clauses = f"WHERE {' AND '.join(where)} ORDER BY site, name"
    return await plain_objects(Resource, clauses, *values)


async def get_resource_for(actor: Principal, resource_id: int) -> Resource:
    """Errors: not_found, forbidden (another site's resource, for staff; a tablet or a phone
    gets not_found)."""
    missing = _("Cette ressource n'existe pas.")
    found = await plain_objects(Resource, "WHERE id = {}", resource_id)
    if not found:
        raise NotFound(missing)
    resource = found[0]
    require_site(
        actor,
        resource.site,
        missing=missing,
        elsewhere=_("Cette ressource appartient à un autre site."),
    )
    return resource


def _require_manager(actor: StaffPrincipal, site_id: int) -> None:
    if not actor.can_reach_site(site_id, *MANAGERS):
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le matériel."))


def _apply(resource: Resource, data: ResourceInput) -> None:
    for field in ResourceInput.__struct_fields__:
        if field != "site_id":
            setattr(resource, field, getattr(data, field))


async def create_resource(actor: StaffPrincipal, data: ResourceInput) -> Resource:
    """Errors: forbidden (not a manager of that site), invalid (rules that contradict)."""
    _require_manager(actor, data.site_id)
    await get_site_for(actor, data.site_id)
    data.check()
    async with write_transaction(Resource._meta.db):
        resource = Resource(site=data.site_id, created_at=clock.now())
        _apply(resource, data)
        await resource.save()
        await audit.record(
            actor, "resource.created", f"resource:{resource.id}", site_id=data.site_id
        )
    return resource


async def update_resource(actor: StaffPrincipal, resource_id: int, data: ResourceInput) -> Resource:
    """The site cannot change (its bookings live in that site's time zone)."""
    data.check()
    async with write_transaction(Resource._meta.db):
        resource = await get_resource_for(actor, resource_id)
        _require_manager(actor, resource.site)
        if data.units < resource.units and await _units_in_use_above(resource, data.units):
            raise Conflict(
                _("Des réservations à venir utilisent plus d'unités : annulez-les d'abord."),
                code="units_in_use",
                field_errors={"units": _("Des réservations à venir utilisent plus d'unités.")},
            )
        _apply(resource, data)
        await resource.save()
        await audit.record(
            actor, "resource.updated", f"resource:{resource.id}", site_id=resource.site
        )
    return resource


async def _units_in_use_above(resource: Resource, units: int) -> bool:
    now = clock.now()
    far = now + dt.timedelta(days=3650)
    return peak_units(await held_bookings(resource.id, now, far), now, far) > units


async def policy_for(resource: Resource, around: dt.datetime | None = None) -> Policy:
    site = await get_site(resource.site)
    sql, values = "SELECT day FROM site_closure WHERE site = {}", [site.id]
    if around is not None:
        # The days a booking around ``around`` can touch (a week either side is plenty).
        sql += " AND day >= {} AND day <= {}"
        values += [(around - dt.timedelta(days=8)).date(), (around + dt.timedelta(days=8)).date()]
    closures = await fetch(Closure, sql, *values)
    return policy_from(resource, site, frozenset(row["day"] for row in closures))


def policy_from(resource: Resource, site: Site, closed_days: frozenset[dt.date]) -> Policy:
    """A resource's rules, from its site and the site's closure days already read: a page
    showing many resources reads the site and its closures once for all of them."""
    hours = json.loads(site.opening_hours) if isinstance(site.opening_hours, str) else {}
    return Policy(
        units=resource.units,
        timezone=site.timezone,
        opening_hours=hours,
        closed_days=closed_days,
        slot_minutes=resource.slot_minutes,
        min_minutes=resource.min_minutes,
        max_minutes=resource.max_minutes,
        lead_minutes=resource.lead_minutes,
        horizon_days=resource.horizon_days,
        buffer_minutes=resource.buffer_minutes,
        max_bookings_per_day=resource.max_bookings_per_day,
        max_bookings_per_week=resource.max_bookings_per_week,
        max_minutes_per_day=resource.max_minutes_per_day,
        max_minutes_per_week=resource.max_minutes_per_week,
        name=resource.name,
        required_skill=resource.required_skill,
        skill_lapse_months=resource.skill_lapse_months,
    )


async def closures_between(site_id: int, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """A site's closure days from ``first`` to ``last`` (both included), with their labels."""
    rows = await fetch(
        Closure,
        "SELECT day, label FROM site_closure WHERE site = {} AND day >= {} AND day <= {}",
        site_id,
        first,
        last,
    )
    return {row["day"]: row["label"] or "" for row in rows}


async def list_closures(actor: StaffPrincipal, site_id: int) -> list[dict]:
    await get_site_for(actor, site_id)
    today = clock.now().date()
    return (
        await Closure.select()
        .where((Closure.site == site_id) & (Closure.day >= today - dt.timedelta(days=1)))
        .order_by(Closure.day)
    )


async def add_closure(actor: StaffPrincipal, data: ClosureInput) -> None:
    """Errors: forbidden, closure_exists."""
    _require_manager(actor, data.site_id)
    async with write_transaction(Closure._meta.db):
        if await Closure.exists().where((Closure.site == data.site_id) & (Closure.day == data.day)):
            raise Conflict(_("Ce jour est déjà marqué fermé."), code="closure_exists")
        await Closure.insert(Closure(site=data.site_id, day=data.day, label=data.label or ""))
        await audit.record(
            actor, "closure.added", f"site:{data.site_id}", site_id=data.site_id, day=data.day
        )


async def remove_closure(actor: StaffPrincipal, closure_id: int) -> None:
    async with write_transaction(Closure._meta.db):
        closure = await Closure.objects().get(Closure.id == closure_id)
        if closure is None:
            raise NotFound(_("Ce jour de fermeture n'existe pas."))
        _require_manager(actor, closure.site)
        await closure.remove()
        await audit.record(
            actor, "closure.removed", f"site:{closure.site}", site_id=closure.site, day=closure.day
        )
