"""Staff roles, their named groups, and the staff principal a request acts as.

A core idea, not an accounts one: every domain's guards, services and the menu ask about
roles, and ``lab.core.principals`` is the protocol this principal implements."""

from __future__ import annotations

import dataclasses

from lab.core.i18n import N_

FACILITATOR = "facilitator"
MANAGER = "manager"
NETWORK_MANAGER = "network_manager"
ADMIN = "admin"
ROLES = (FACILITATOR, MANAGER, NETWORK_MANAGER, ADMIN)
# The role groups, named once: guards, services and the menu use these names.
STAFF_ROLES = ROLES
# Who manages a site: its equipment, tablets, programme, approvals and erasures.
MANAGERS = (MANAGER, NETWORK_MANAGER, ADMIN)
# Roles whose grant may leave the site empty, meaning every site.
NETWORK_WIDE = (NETWORK_MANAGER, ADMIN)

ROLE_LABELS = {
    FACILITATOR: N_("Animateur ou animatrice"),
    MANAGER: N_("Responsable de site"),
    NETWORK_MANAGER: N_("Responsable de réseau"),
    ADMIN: N_("Administrateur ou administratrice"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Grant:
    role: str
    site_id: int | None  # None: every site


@dataclasses.dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A logged-in staff member as services see them. Built once per request."""

    user_id: int
    name: str
    email: str
    language: str
    grants: tuple[Grant, ...]
    all_site_ids: tuple[int, ...]  # every active site, to resolve network-wide grants
    actor_kind: str = "staff"  # "system" for the command line

    @property
    def actor_id(self) -> int | None:
        return self.user_id or None

    # The access protocol of lab.core.principals: staff act for no one visitor, know the
    # network, and are limited by their roles (the guards and ``site_ids(*roles)``).
    visitor_id = None
    knows_other_sites = True

    @property
    def staff_id(self) -> int | None:
        return self.user_id or None

    def may(self, action: str) -> bool:
        return True

    def has_role(self, *roles: str) -> bool:
        return any(grant.role in roles for grant in self.grants)

    @property
    def is_admin(self) -> bool:
        return self.has_role(ADMIN)

    def site_ids(self, *roles: str) -> frozenset[int]:
        """Sites where the actor holds one of ``roles`` (any role when none is given)."""
        wanted = roles or ROLES
        sites: set[int] = set()
        for grant in self.grants:
            if grant.role not in wanted:
                continue
            if grant.site_id is None:
                return frozenset(self.all_site_ids)
            sites.add(grant.site_id)
        return frozenset(sites)

    def can_reach_site(self, site_id: int, *roles: str) -> bool:
        return site_id in self.site_ids(*roles)
