"""A lab of its own for the kiosk check-in browser tests, put straight into a live server's
database from a separate process: a new site (so that the demo's drop-in sessions of today
cannot make a visitor choose), a tablet waiting to be paired, a workshop running now and
visitors enrolled in it with their passes. And a look at what reached the database.
"""

from __future__ import annotations

import json

from tests.browser.conftest import run_in_lab

_PRELUDE = r"""
import asyncio, datetime as dt, json, secrets, uuid
from lab.accounts import passes
from lab.accounts.tables import Site, Visitor
from lab.accounts.visitors import search_key
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import clock, db
from lab.core.audit import SYSTEM
from lab.core.db import write_transaction
from lab.settings import Settings

def run(work):
    async def main():
        engine = db.engine_for(Settings.from_env())
        db.bind_tables(engine)
        await db.start(engine)
        try:
            print(json.dumps(await work(), default=str))
        finally:
            await db.stop(engine)
    asyncio.run(main())
"""

_SEED = (
    _PRELUDE
    + r"""
from lab.kiosk import devices
from lab.system import operator
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Module, Session

PEOPLE, DROP_IN = {people}, {drop_in}
FIRST = ["Nour", "Hugo", "Inès", "Moussa", "Chloé", "Adam", "Lina", "Yanis", "Sarah", "Ilyes",
         "Jade", "Rayan", "Maëlys", "Kylian", "Aya", "Noah", "Lou", "Sami", "Emma", "Ousmane"]

async def seed():
    now = clock.now()
    slug = "kiosk-" + secrets.token_hex(4)
    site = Site(name="Lab " + slug, slug=slug, timezone="Europe/Paris", created_at=now)
    await site.save()
    actor = await operator()
    _device, pairing = await devices.create_device(actor, site.id, "Tablette accueil")

    async def session_of(title, kind, minutes_ago):
        module = Module(site=site.id, title=title, kind="digital_skills", capacity=40,
                        enrolment=kind, created_at=now)
        await module.save()
        start = clock.utc_minute(now) - dt.timedelta(minutes=minutes_ago)
        session = Session(module=module.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                          checkin_secret=secrets.token_hex(32), uid=f"{{uuid.uuid4()}}@lab",
                          created_at=now, updated_at=now)
        await session.save()
        return module, session

    module, session = await session_of("Atelier CV", "series", 5)
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
        await enrolment.enrol(actor, module.id, EnrolInput(visitor_id=visitor.id))
        people.append({{"id": visitor.id, "first_name": first, "last_name": last,
                        "short_code": card.short_code, "token": token}})
    lab = {{"site_id": site.id, "pairing_code": pairing, "session_id": session.id,
            "people": people}}
    if DROP_IN:
        _module, cafe = await session_of("Café numérique", "drop_in", -10)
        lab["drop_in_session_id"] = cafe.id
    return lab

run(seed)
"""
)

_ARRIVED = (
    _PRELUDE
    + r"""
SITE = {site_id}

async def arrived():
    from lab.kiosk.tables import KioskDevice
    devices = KioskDevice.select(KioskDevice.id).where(KioskDevice.site == SITE)
    rows = await Attendance.select(Attendance.visitor, Attendance.session, Attendance.method,
                                   Attendance.status).where(Attendance.device_id.is_in(devices))
    scans = await ScanEvent.select(ScanEvent.nonce, ScanEvent.outcome, ScanEvent.reason,
                                   ScanEvent.offline, ScanEvent.visitor, ScanEvent.session
                                   ).where(ScanEvent.device_id.is_in(devices))
    return {{"attendances": rows, "scans": scans}}

run(arrived)
"""
)


def seed_lab(env: dict[str, str], people: int = 2, drop_in: bool = False) -> dict:
    """A site with a tablet to pair, a session that started 5 minutes ago, ``people`` visitors
    enrolled (first names, distinct last names, short codes, pass tokens) and, with
    ``drop_in``, a drop-in session starting in 10 minutes."""
    script = _SEED.format(people=people, drop_in=drop_in)
    return json.loads(run_in_lab(env, script).strip().splitlines()[-1])


def arrived(env: dict[str, str], site_id: int) -> dict:
    """The attendances and journaled scans of the site's tablets."""
    return json.loads(run_in_lab(env, _ARRIVED.format(site_id=site_id)).strip().splitlines()[-1])


def pair_tablet(page, code: str) -> None:
    """Type the pairing code on the tablet, as the person setting it up does."""
    page.goto("/kiosk/pair")
    page.fill("#k-code", code)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#pair-result")


# The number of check-ins in the tablet's queue (IndexedDB), read the way queue.js stores them.
QUEUED = """() => new Promise((resolve) => {
  const open = indexedDB.open("lab-kiosk");
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains("checkins")) { db.close(); resolve(0); return; }
    const count = db.transaction("checkins").objectStore("checkins").count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
  open.onerror = () => resolve(-1);
})"""


def queued(page) -> int:
    return page.evaluate(QUEUED)
