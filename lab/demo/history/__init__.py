"""Demo history: the year before this week at both sites, so that reports have a year to show.

About 75 more young people per site (created over the year, a share at the kiosk), each with a
pass; past runs of the programme's workshops with their enrolments, waitlists and attendance;
bookings of the lab's equipment, a few tablet loans (two still out and overdue); and drop-in
visits for the eleven months before the month ``lab.demo.visits`` loads.

Written in bulk, straight to the tables (a year through the services would take minutes), so
this module keeps the rules the services keep: a visitor does nothing before their record
exists; enrolled ≤ capacity in every queue, a freed seat going to the first in line at that
moment; one attendance per person and session, walk-ins only where a scan would take them;
booked units never above a resource's units; one open loan per tablet; every instant aware and
in UTC, inside the sites' opening hours. Nothing lies in the current week (its pages belong to
the rest of the demo) nor in the last month of visits.

Every draw comes from the generator it is given, in a fixed order (same seed, same history);
pass tokens and short codes alone come from ``secrets``, as the service makes them: a printed
demo card must not be guessable from the seed.
"""

from __future__ import annotations

import random
from collections import Counter

from lab.core import clock
from lab.core.db import write_transaction
from lab.core.tables import AuditLog
from lab.demo.history.equipment import load_equipment
from lab.demo.history.people import load_people
from lab.demo.history.place import place_of
from lab.demo.history.visits import load_visits
from lab.demo.history.workshops import load_workshops

__all__ = ["load_history"]


async def load_history(
    site_ids: dict[str, int],
    staff_ids: dict[str, int],
    rng: random.Random,
    kiosks: dict[str, int] | None = None,
) -> dict[str, int]:
    """Write the year at each site; returns what it added, by kind. ``kiosks`` ({site slug:
    device id}) are the tablets past kiosk check-ins name (none: staff and phones only)."""
    kiosks = kiosks or {}
    now = clock.now()
    counts: Counter[str] = Counter()
    # One transaction on the engine every table is bound to (core's own table names it).
    async with write_transaction(AuditLog._meta.db):
        for slug, site_id in site_ids.items():
            place = await place_of(slug, site_id, kiosks.get(slug), staff_ids, now)
            counts["visitors"] += await load_people(place, rng)
            counts.update(await load_workshops(place, staff_ids, rng))
            counts.update(await load_equipment(place, rng))
            counts["visits"] += await load_visits(place, rng)
    return dict(counts)
