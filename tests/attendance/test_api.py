"""A session's attendance through the JSON API: the roster page's rows, with their statuses."""

from __future__ import annotations

import re
import uuid

from lab.attendance import services
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

ROW = re.compile(r'id="person-(\d+)".*?data-status="(\w+)"', re.S)


async def test_the_api_lists_the_rows_the_roster_page_shows(client, cast):
    """Yanis checked in, Léa marked excused, Sam expected and unmarked, Inès marked present
    without a place (a walk-in)."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, at(10))
    yanis, lea, sam, ines = [
        await make_visitor(cast.saint_denis, first, last)
        for first, last in [("Yanis", "Martin"), ("Léa", "Petit"), ("Sam", "Roux"), ("Inès", "Ba")]
    ]
    for person in (yanis, lea, sam):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=person.id))
    freeze(at(10, 5))
    scan = services.Scan(
        by=awa, session_id=session.id, nonce=str(uuid.uuid4()), method="staff", visitor_id=yanis.id
    )
    await services.check_in(scan)
    await services.mark(awa, session.id, lea.id, "excused")
    await services.mark(awa, session.id, ines.id, "present")

    await login(client, cast.email("awa"))
    page = await client.get(f"/attendance/sessions/{session.id}")
    assert page.status_code == 200
    on_page = [(int(visitor), status) for visitor, status in ROW.findall(page.text)]
    answer = await client.get(f"/api/attendance/sessions/{session.id}")
    assert answer.status_code == 200
    rows = answer.json()
    in_api = [(row["visitor_id"], row["status"] or "none") for row in rows]
    assert in_api == on_page
    assert len(in_api) == 4
    by_id = {row["visitor_id"]: row for row in rows}
    assert by_id[yanis.id]["status"] in ("present", "late") and by_id[yanis.id]["checked_in_at"]
    assert by_id[lea.id]["status"] == "excused"
    assert by_id[sam.id]["status"] is None and not by_id[sam.id]["walk_in"]
    assert by_id[ines.id]["walk_in"]
    # A page of it.
    second = (await client.get(f"/api/attendance/sessions/{session.id}?limit=2&offset=2")).json()
    assert second == rows[2:]


async def test_another_sites_attendance_is_refused(client, cast):
    module = await make_module(cast.brussels, "Atelier Bruxelles")
    session = await make_session(module, at(10))
    await login(client, cast.email("awa"))
    refused = await client.get(f"/api/attendance/sessions/{session.id}")
    assert refused.status_code == 403 and refused.json()["code"] == "other_site"
    assert (await client.get("/api/attendance/sessions/999999")).status_code == 404
