"""The principal used by command-line operations (demo data, create-user): an admin on all sites."""

from __future__ import annotations

from lab.accounts.queries import active_site_ids
from lab.core.roles import ADMIN, Grant, StaffPrincipal


async def operator() -> StaffPrincipal:
    return StaffPrincipal(
        user_id=0,
        name="lab command line",
        email="",
        language="fr",
        grants=(Grant(ADMIN, None),),
        all_site_ids=await active_site_ids(),
        actor_kind="system",
    )
