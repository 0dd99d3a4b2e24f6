"""What the JSON API lists of visits: a period's visits at the actor's sites, each site's days
in its own time zone, read through ``queries.visits_between_at_sites``."""

from __future__ import annotations

import datetime as dt

from lab.accounts.queries import timezones
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.visits.queries import Visit, visits_between_at_sites


async def visits_of_period(
    actor: StaffPrincipal, first: dt.date, last: dt.date, site_id: int | None = None
) -> list[Visit]:
    """Visits that began on a day from ``first`` to ``last`` at the actor's sites (or at
    ``site_id`` if it is one of them, else none), oldest first."""
    sites = actor.site_ids()
    if site_id is not None:
        sites = frozenset({site_id}) & sites
    windows = {}
    for site, zone in (await timezones(sites)).items():
        start = clock.local_instant(first, dt.time(0), zone).astimezone(dt.UTC)
        end = clock.local_instant(last + dt.timedelta(days=1), dt.time(0), zone)
        windows[site] = (start, end.astimezone(dt.UTC))
    # One query for every site, each over its own days.
    rows = await visits_between_at_sites(windows)
    return sorted(rows, key=lambda visit: (visit.arrived_at, visit.id))
