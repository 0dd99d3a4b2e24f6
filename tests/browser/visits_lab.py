"""A lab of its own for the drop-in visit browser tests, put into a live server's database from a
separate process: a new site open at every hour (nothing scheduled there), a tablet waiting to
be paired, visitors with passes, and the Saint-Denis manager granted the site (to watch "in the
lab now"). And a look at the site's visits and scans.
"""

from __future__ import annotations

import json

from tests.browser.checkin_lab import _PRELUDE
from tests.browser.conftest import run_in_lab
from tests.browser.kiosk import MANAGER

_SEED = (
    _PRELUDE
    + r"""
from lab.accounts.tables import Role, StaffUser
from lab.kiosk import devices
from lab.system import operator

PEOPLE, MANAGER = {people}, {manager!r}
FIRST = ["Nour", "Hugo", "Inès", "Moussa", "Chloé", "Adam", "Lina", "Yanis", "Sarah", "Ilyes"]
ALWAYS = {{day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}

async def seed():
    now = clock.now()
    slug = "visits-" + secrets.token_hex(4)
    site = Site(name="Lab " + slug, slug=slug, timezone="Europe/Paris",
                opening_hours=json.dumps(ALWAYS), created_at=now)
    await site.save()
    manager = await StaffUser.objects().get(StaffUser.email == MANAGER)
    await Role(user=manager.id, site=site.id, role="manager").save()
    actor = await operator()
    _device, pairing = await devices.create_device(actor, site.id, "Tablette accueil")
    people = []
    for index in range(PEOPLE):
        first, last = FIRST[index % len(FIRST)], f"Nomdefamille{{index}}"
        visitor = Visitor(first_name=first, last_name=last, birth_date=dt.date(2006, 4, 2),
                          postcode="93200", status="job_seeker",
                          search_name=search_key(first, last), created_site=site.id,
                          created_at=now, updated_at=now)
        await visitor.save()
        async with write_transaction(Visitor._meta.db):
            card, token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        people.append({{"id": visitor.id, "first_name": first, "last_name": last,
                        "short_code": card.short_code, "token": token}})
    return {{"site_id": site.id, "pairing_code": pairing, "people": people}}

run(seed)
"""
)

_VISITS = (
    _PRELUDE
    + r"""
SITE = {site_id}

async def visits():
    from lab.visits.tables import Visit
    rows = await Visit.select(Visit.id, Visit.visitor, Visit.purpose, Visit.arrived_at,
                              Visit.left_at, Visit.ended_by, Visit.offline, Visit.client_at,
                              Visit.nonce).where(Visit.site == SITE).order_by(Visit.id)
    scans = await ScanEvent.select(ScanEvent.nonce, ScanEvent.outcome, ScanEvent.reason,
                                   ScanEvent.offline, ScanEvent.visitor, ScanEvent.visit
                                   ).where(ScanEvent.visit.is_in(
                                       Visit.select(Visit.id).where(Visit.site == SITE)))
    return {{"visits": rows, "scans": scans}}

run(visits)
"""
)


def seed_visits_lab(env: dict[str, str], people: int = 1) -> dict:
    """A site open at every hour with a tablet to pair and ``people`` visitors with passes
    (first names, distinct last names, short codes), managed by the Saint-Denis manager."""
    script = _SEED.format(people=people, manager=MANAGER)
    return json.loads(run_in_lab(env, script).strip().splitlines()[-1])


def site_visits(env: dict[str, str], site_id: int) -> dict:
    """The site's visits and the scans that name them."""
    return json.loads(run_in_lab(env, _VISITS.format(site_id=site_id)).strip().splitlines()[-1])
