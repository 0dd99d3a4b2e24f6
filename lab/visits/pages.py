"""What the visits pages show, put together for their templates (routes stay thin)."""

from __future__ import annotations

from lab.accounts import queries as accounts
from lab.core.errors import NotFound
from lab.core.i18n import N_, _
from lab.core.principals import require_site
from lab.core.roles import ADMIN, StaffPrincipal
from lab.visits import queries
from lab.visits.rules import AGE_BANDS, ICONS

AGE_BAND_LABELS = {
    "under_16": N_("Moins de 16 ans"),
    "16_17": N_("16 ou 17 ans"),
    "18_21": N_("18 à 21 ans"),
    "22_25": N_("22 à 25 ans"),
    "26_29": N_("26 à 29 ans"),
    "30_plus": N_("30 ans ou plus"),
}
assert tuple(AGE_BAND_LABELS) == AGE_BANDS


async def now_context(actor: StaffPrincipal, site_id: int) -> dict:
    """The "in the lab now" page of a site. Errors: not_found, forbidden (other_site)."""
    require_site(
        actor,
        site_id,
        missing=_("Ce site n'existe pas."),
        elsewhere=_("Ce site ne fait pas partie des vôtres."),
    )
    site = await accounts.get_site(site_id)
    if site is None:
        raise NotFound(_("Ce site n'existe pas."))
    return {
        "site": site,
        "timezone": site.timezone,
        "now": await queries.in_lab_now(actor, site_id),
        "purposes": await queries.purposes_for(site_id),
        "age_bands": AGE_BAND_LABELS,
        "sites": await accounts.site_choices(actor),
    }


async def panel_context(actor: StaffPrincipal) -> dict:
    """The staff home page's panel: how many are in now at each of the actor's sites."""
    sites = await accounts.site_choices(actor)
    counts = await queries.in_lab_counts(sites)
    by_purpose = await queries.purpose_counts_now(sites)
    rows = []
    for site_id, name in sites.items():
        rows.append(
            {
                "id": site_id,
                "name": name,
                "total": counts.get(site_id, 0),
                "counts": [(p, n) for p, n in by_purpose[site_id] if n],
            }
        )
    return {"panel_sites": rows}


async def purposes_context(actor: StaffPrincipal, site_id: int) -> dict:
    """The admin page of a site's purposes. Errors: forbidden, not_found."""
    if not actor.has_role(ADMIN):
        raise NotFound(_("Cette page n'existe pas."))
    site = await accounts.get_site(site_id)
    if site is None:
        raise NotFound(_("Ce site n'existe pas."))
    return {
        "site": site,
        "rows": await queries.purpose_rows(site_id),
        "icons": ICONS,
        "sites": await accounts.site_choices(actor),
    }
