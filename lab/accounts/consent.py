"""Digital-consent age: who needs a guardian's consent before using optional features.

Under the age of digital consent a young person may register for the core service (check-in,
workshops, bookings) on their own, but optional features (badges shared outside the lab, mail
reminders, anything not strictly needed) wait for a guardian's consent. The age follows the
site's country: 15 in France (loi Informatique et Libertés, art. 45), 13 in Belgium (loi du
30 juillet 2018, art. 7). A site's country is read from its time zone, the one place a site
already states where it is: Europe/Brussels is Belgium, every other zone counts as France.

Consent is recorded at the desk by a staff member, never self-declared on a kiosk or a phone.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from lab.accounts.tables import Site, Visitor
from lab.accounts.visitors import get_visitor_for
from lab.core import audit, clock
from lab.core.db import write_transaction
from lab.core.errors import Conflict
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal

CONSENT_AGE = {"FR": 15, "BE": 13}
_BELGIAN_ZONES = frozenset({"Europe/Brussels"})


class HasTimezone(Protocol):
    timezone: str


def site_country(site: HasTimezone | str) -> str:
    """The site's country: "BE" in Brussels' time zone, else "FR" (a Site or a zone name)."""
    zone = site if isinstance(site, str) else site.timezone
    return "BE" if zone in _BELGIAN_ZONES else "FR"


def consent_age(site: HasTimezone | str) -> int:
    """The age under which optional features need a guardian's consent at this site."""
    return CONSENT_AGE[site_country(site)]


def age_on(birth_date: dt.date, today: dt.date) -> int:
    """Full years on ``today`` (a birthday counts from its own day)."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def is_under_consent_age(birth_date: dt.date, site: HasTimezone | str, today: dt.date) -> bool:
    return age_on(birth_date, today) < consent_age(site)


def needs_guardian_consent(visitor: Visitor, site: HasTimezone | str, today: dt.date) -> bool:
    """True while the visitor is under the site's consent age and no consent is recorded.

    ``today`` is the date in the site's time zone (the caller knows it; tests pass it).
    """
    if visitor.guardian_consent_at is not None:
        return False
    return is_under_consent_age(visitor.birth_date, site, today)


async def optional_features_allowed(visitor: Visitor) -> bool:
    """Whether the visitor may use optional features (e-mail messages and reminders…): old
    enough at their site, or a guardian's consent recorded."""
    if visitor.guardian_consent_at is not None:
        return True
    site = await Site.objects().get(Site.id == visitor.created_site)
    return not needs_guardian_consent(visitor, site, today_at(site))


def today_at(site: HasTimezone) -> dt.date:
    """Today's date in the site's time zone, from the injectable clock."""
    return clock.now().astimezone(ZoneInfo(site.timezone)).date()


async def record_guardian_consent(actor: StaffPrincipal, visitor_id: int) -> Visitor:
    """Record, at the desk, that a guardian consented for an under-age visitor.

    The age is judged at the visitor's own site. Errors: not_found, forbidden (another site's
    visitor), consent_not_needed (409: old enough, or already recorded; audited too).
    """
    async with write_transaction(Visitor._meta.db):
        fresh = await get_visitor_for(actor, visitor_id)
        site = await Site.objects().get(Site.id == fresh.created_site)
        needed = needs_guardian_consent(fresh, site, today_at(site))
        if needed:
            fresh.guardian_consent_at = clock.now()
            fresh.guardian_consent_by = actor.actor_id
            await fresh.save(columns=[Visitor.guardian_consent_at, Visitor.guardian_consent_by])
            await audit.record(
                actor, "visitor.guardian_consent", f"visitor:{fresh.id}", site_id=fresh.created_site
            )
    if not needed:
        # Logged outside the transaction, which has nothing to undo.
        await audit.record(
            actor,
            "visitor.guardian_consent_refused",
            f"visitor:{fresh.id}",
            site_id=fresh.created_site,
            reason="consent_not_needed",
        )
        raise Conflict(
            _("Cette personne n'a pas besoin de l'accord d'un parent."),
            code="consent_not_needed",
        )
    return fresh
