"""Who acts, as every service sees them: a staff member, a paired tablet, a visitor's phone.

Services take any of them and ask only the questions below, never which kind it is. Object
access goes through ``get_<thing>_for(actor, id)``, which calls ``require_site`` (and
``require_own`` where the thing belongs to a visitor), so a row of another site is never
handed to a tablet or a phone, whoever calls the service.

Staff know the network has other sites: another site's object is refused to them as such
(forbidden, other_site), they may ask a colleague there. A tablet or a phone must not learn
that it exists: for them it is not_found, exactly as a missing one.
"""

from __future__ import annotations

from typing import Protocol

from lab.core.errors import Forbidden, NotFound


class Principal(Protocol):
    """What staff (``lab.core.roles.StaffPrincipal``), a tablet
    (``lab.kiosk.devices.DevicePrincipal``) and a phone (``lab.me.auth.VisitorPrincipal``)
    share."""

    actor_kind: str  # for the audit log: staff, system, kiosk, visitor

    @property
    def actor_id(self) -> int | None: ...

    @property
    def visitor_id(self) -> int | None:
        """The one visitor this principal acts for (their own things only), or None."""

    @property
    def staff_id(self) -> int | None:
        """The staff account acting (the author of what it writes), or None: a tablet, a phone
        or the command line's operator, who has no account."""

    @property
    def is_admin(self) -> bool:
        """Whether it administers the whole network (a tablet or a phone never does)."""

    @property
    def knows_other_sites(self) -> bool:
        """True when another site's object may be refused as such (forbidden, other_site)
        rather than not_found."""

    def site_ids(self, *roles: str) -> frozenset[int]:
        """Sites it acts for; with ``roles``, only those where it holds one of these staff
        roles (a tablet or a phone holds none)."""

    def may(self, action: str) -> bool:
        """Whether it may do ``action`` at all (a tablet: what its manager allowed)."""


def require_site(actor: Principal, site_id: int, *, missing: str, elsewhere: str) -> None:
    """Refuse ``actor`` an object of ``site_id`` unless it acts for that site.

    Errors: not_found (``missing``) for a tablet or a phone, forbidden (other_site,
    ``elsewhere``) for staff."""
    if site_id in actor.site_ids():
        return
    if actor.knows_other_sites:
        raise Forbidden(elsewhere, code="other_site")
    raise NotFound(missing)


def require_own(actor: Principal, visitor_id: int | None, *, missing: str) -> None:
    """Refuse someone else's thing to a principal acting for one visitor. Errors: not_found."""
    if actor.visitor_id is not None and actor.visitor_id != visitor_id:
        raise NotFound(missing)
