"""What other domains may read from accounts: sites, visitors, passes, PINs, consent, staff.

This module is accounts' public surface for reads (``lab.accounts.services`` is the one for
writes). Other domains import these names and nothing else of accounts but ``forms`` (the input
types) and, from their own ``tables.py`` only, ``tables`` for foreign keys. The modules behind it
(``sites``, ``visitors``, ``passes``, ``pins``, ``consent``, ``staff``, ``labels``) are accounts'
own and may change.

- ``get_site_for`` / ``get_visitor_for`` / ``visitor_at_site`` check the actor's sites and raise
  ``not_found`` / ``forbidden``; ``get_site`` / ``get_visitor`` do not: use them for a row
  reached through one the caller has already checked (a resource's site, a booking's visitor).
- A site's time zone is ``site_timezone`` (``timezones`` for several sites), and the sites a
  staff member may pick in a form are ``site_choices``: each is written once, here.
- ``Site``, ``Visitor`` and ``Pass`` are exposed as the types these functions return (for
  annotations and reading fields): other domains do not query them.
"""

from __future__ import annotations

from collections.abc import Iterable

from lab.accounts.consent import (
    age_on,
    consent_age,
    is_under_consent_age,
    needs_guardian_consent,
    optional_features_allowed,
    today_at,
)
from lab.accounts.consents import (
    MESSAGES_EMAIL,
    PURPOSES,
    REPORTING,
    ConsentPage,
    consent_page,
    consented,
    consents_of,
    has_consent,
    may_email,
)
from lab.accounts.export import Export, archive, archive_name, export_for, summary_context
from lab.accounts.labels import STATUS as VISITOR_STATUSES
from lab.accounts.passes import (
    PASS_PATH,
    active_pass,
    display_short_code,
    get_pass,
    new_short_code,
    normalise_short_code,
    pass_is_live,
    pass_url,
    resolve_token,
    token_from_scan,
    visitor_for_code,
    visitors_for_codes,
)
from lab.accounts.pins import has_pin, is_locked, pin_set
from lab.accounts.sites import (
    WEEKDAY_LABELS,
    WEEKDAYS,
    active_site_ids,
    default_site,
    get_site_for,
    list_sites,
    site_choices,
    site_timezone,
    sites_sharing_with,
    timezones,
)
from lab.accounts.staff import (
    active_staff_count,
    load_principal,
    staff_at_site,
    staff_language,
    staff_member,
    staff_names,
)
from lab.accounts.tables import Pass, Site, StaffUser, Visitor
from lab.accounts.visitors import (
    get_visitor_for,
    recent_visitors,
    same_person,
    search_key,
    search_visitors,
    visitor_at_site,
)
from lab.core.db import plain_objects

__all__ = [
    "MESSAGES_EMAIL",
    "PASS_PATH",
    "PURPOSES",
    "REPORTING",
    "VISITOR_STATUSES",
    "WEEKDAYS",
    "WEEKDAY_LABELS",
    "ConsentPage",
    "Export",
    "Pass",
    "Site",
    "Visitor",
    "active_pass",
    "active_site_ids",
    "active_staff_count",
    "age_on",
    "archive",
    "archive_name",
    "consent_age",
    "consent_page",
    "consented",
    "consents_of",
    "default_site",
    "display_short_code",
    "export_for",
    "get_pass",
    "get_site",
    "get_site_for",
    "get_visitor",
    "get_visitor_for",
    "has_consent",
    "has_pin",
    "has_sites_or_staff",
    "is_locked",
    "is_under_consent_age",
    "list_sites",
    "load_principal",
    "may_email",
    "needs_guardian_consent",
    "new_short_code",
    "normalise_short_code",
    "optional_features_allowed",
    "pass_history",
    "pass_is_live",
    "pass_url",
    "pin_set",
    "recent_visitors",
    "resolve_token",
    "same_person",
    "search_key",
    "search_visitors",
    "site_choices",
    "site_timezone",
    "sites_sharing_with",
    "staff_at_site",
    "staff_ids_by_email",
    "staff_language",
    "staff_member",
    "staff_names",
    "summary_context",
    "timezones",
    "today_at",
    "token_from_scan",
    "visitor_at_site",
    "visitor_count",
    "visitor_for_code",
    "visitor_names",
    "visitor_sites",
    "visitors_for_codes",
]


# -- sites ----------------------------------------------------------------------------------


async def get_site(site_id: int) -> Site | None:
    """The site, unchecked: for a site reached through a row the caller may already see."""
    found = await plain_objects(Site, "WHERE id = {}", site_id)
    return found[0] if found else None


# -- visitors -------------------------------------------------------------------------------


async def get_visitor(visitor_id: int) -> Visitor | None:
    """The visitor, unchecked: for a visitor reached through a row the caller may already see
    (an enrolment, a booking, a signed-in visitor's own id)."""
    return await Visitor.objects().get(Visitor.id == visitor_id)


async def visitor_names(
    visitor_ids: Iterable[int], *, site_ids: Iterable[int] | None = None
) -> list[dict]:
    """``{id, first_name, last_name}`` of these visitors, by last then first name; with
    ``site_ids``, only those followed by one of these sites."""
    where = Visitor.id.is_in(sorted(set(visitor_ids)) or [-1])
    if site_ids is not None:
        where &= Visitor.created_site.is_in(list(site_ids) or [-1])
    return (
        await Visitor.select(Visitor.id, Visitor.first_name, Visitor.last_name)
        .where(where)
        .order_by(Visitor.last_name, Visitor.first_name)
    )


async def pass_history(visitor_id: int) -> list[dict]:
    """Every pass the visitor was given, newest first: ``id``, ``issued_at`` and
    ``revoked_at`` (None while it works). Never the token or its code."""
    return (
        await Pass.select(Pass.id, Pass.issued_at, Pass.revoked_at)
        .where(Pass.visitor == visitor_id)
        .order_by(Pass.issued_at, ascending=False)
    )


async def has_sites_or_staff() -> bool:
    """Whether anything has been set up yet (the demo loads only into an empty lab)."""
    return bool(await StaffUser.exists() or await Site.exists())


async def visitor_sites() -> list[dict]:
    """Every visitor's ``id`` and ``created_site``, in the order they were created."""
    return await Visitor.select(Visitor.id, Visitor.created_site).order_by(Visitor.id)


async def visitor_count() -> int:
    return await Visitor.count()


async def staff_ids_by_email() -> dict[str, int]:
    """{e-mail: id} of the staff accounts."""
    rows = await StaffUser.select(StaffUser.id, StaffUser.email)
    return {row["email"]: row["id"] for row in rows}
