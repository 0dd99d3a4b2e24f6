"""A lab of its own for the kiosk visitor browser tests, put into the live server's database
from another process: a new site (nothing of the demo's runs there), a tablet waiting to be
paired, and a visitor with a pass, a PIN and a seat in a workshop session two days ahead at
14:00, site time (nothing to check in for now: their next appointment is that session)."""

from __future__ import annotations

import json

from tests.browser.checkin_lab import _PRELUDE
from tests.browser.conftest import run_in_lab

PIN = "4826"

_SEED = (
    _PRELUDE
    + r"""
from lab.accounts import pins
from lab.kiosk import devices
from lab.system import operator
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Module, Session

async def seed():
    now = clock.now()
    slug = "visite-" + secrets.token_hex(4)
    site = Site(name="Lab " + slug, slug=slug, timezone="Europe/Paris", created_at=now)
    await site.save()
    actor = await operator()
    _device, pairing = await devices.create_device(actor, site.id, "Tablette accueil")
    title = "Atelier CV " + secrets.token_hex(2)
    module = Module(site=site.id, title=title, kind="job_search", capacity=12,
                    enrolment="series", created_at=now)
    await module.save()
    day = clock.to_zone(now, site.timezone).date() + dt.timedelta(days=2)
    start = clock.utc_minute(clock.local_instant(day, dt.time(14), site.timezone))
    session = Session(module=module.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      checkin_secret=secrets.token_hex(32), uid=f"{uuid.uuid4()}@lab",
                      created_at=now, updated_at=now)
    await session.save()
    visitor = Visitor(first_name="Awena", last_name="Prochainrdv", birth_date=dt.date(2006, 4, 2),
                      postcode="93200", status="job_seeker",
                      search_name=search_key("Awena", "Prochainrdv"), created_site=site.id,
                      created_at=now, updated_at=now)
    await visitor.save()
    async with write_transaction(Visitor._meta.db):
        card, token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        await pins.set_pin_in_transaction(actor, visitor.id, "PIN_HERE")
    await enrolment.enrol(actor, module.id, EnrolInput(visitor_id=visitor.id))
    return {"site_id": site.id, "pairing_code": pairing, "visitor_id": visitor.id,
            "first_name": "Awena", "last_name": "Prochainrdv", "token": token,
            "short_code": card.short_code, "title": title, "day": day.isoformat()}

run(seed)
""".replace("PIN_HERE", PIN)
)


def seed_visitor_lab(env: dict[str, str]) -> dict:
    """The lab above: its tablet's pairing code and its visitor (first name, pass token, short
    code), and the title and day of their next session."""
    return json.loads(run_in_lab(env, _SEED).strip().splitlines()[-1])
