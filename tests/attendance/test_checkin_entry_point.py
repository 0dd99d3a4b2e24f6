"""Every surface that checks someone in reaches the one entry point, attendance's
``check_in``: a tablet's scan and typed short code, its offline queue, the staff roster (a
scanned pass and a tapped name), the staff's visits desk and the visitor's phone. The entry
point is wrapped here, so each test sees what the surface asked of it, and the real service
still answers."""

from __future__ import annotations

import re
import uuid

import pytest

from lab.accounts import passes, visitors
from lab.attendance import selfcheck
from lab.attendance import services as attendance
from lab.attendance.tables import Attendance
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import at, freeze
from tests.helpers import login
from tests.kiosk.helpers import pair_client
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

HTMX = {"HX-Request": "true"}


@pytest.fixture
def scans(monkeypatch) -> list[attendance.Scan]:
    """The scans the entry point received, in order."""
    received: list[attendance.Scan] = []
    real = attendance.check_in

    async def spy(scan: attendance.Scan) -> attendance.CheckIn:
        received.append(scan)
        return await real(scan)

    monkeypatch.setattr(attendance, "check_in", spy)
    return received


@pytest.fixture
async def room(cast):
    """Awa runs "Atelier CV" at Saint-Denis at 10:00 with Yanis enrolled; it is 10:05."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    card, token = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(10, 5))
    return {
        "session": session,
        "yanis": yanis,
        "token": token,
        "short_code": passes.display_short_code(card.short_code),
    }


async def _one_attendance_by(method: str, room) -> None:
    row = await Attendance.objects().first()
    assert (row.visitor, row.session, row.method) == (
        room["yanis"].id,
        room["session"].id,
        method,
    )
    assert await Attendance.count() == 1


def _queued(code: str, *, offline: bool) -> dict:
    now = at(10, 5).isoformat()
    return {
        "nonce": str(uuid.uuid4()),
        "code": code,
        "client_at": now,
        "sent_at": now,
        "offline": offline,
    }


async def test_a_tablets_scan_reaches_the_entry_point(client, cast, room, scans):
    await pair_client(client, cast)
    url = f"https://lab.example/p/{room['token']}"
    response = await client.post("/kiosk/api/checkins", json=_queued(url, offline=False))
    assert response.status_code == 201, response.text
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.site_id) == (
        "kiosk",
        "kiosk_scan",
        cast.saint_denis.id,
    )
    assert scan.session_id is None and not scan.offline
    await _one_attendance_by("kiosk_scan", room)


async def test_a_short_code_typed_on_a_tablet_reaches_the_entry_point(client, cast, room, scans):
    await pair_client(client, cast)
    page = await client.get("/kiosk/checkin")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    form = {"_csrf_token": client.cookies["lab_csrf"], "nonce": nonce, "code": room["short_code"]}
    response = await client.post("/kiosk/checkin", data=form)
    assert response.status_code == 200
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.nonce) == ("kiosk", "kiosk_code", nonce)
    await _one_attendance_by("kiosk_code", room)


async def test_the_tablets_offline_queue_reaches_the_entry_point(client, cast, room, scans):
    await pair_client(client, cast)
    response = await client.post(
        "/kiosk/api/checkins", json=_queued(room["short_code"], offline=True)
    )
    assert response.status_code == 201, response.text
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.offline) == ("kiosk", "kiosk_code", True)
    await _one_attendance_by("kiosk_code", room)


@pytest.mark.parametrize("how", ["staff_scan", "staff"])
async def test_the_staff_roster_reaches_the_entry_point(client, cast, room, scans, how):
    await login(client, cast.email("awa"))
    fields = {"code": room["short_code"]} if how == "staff_scan" else {}
    if how == "staff":
        fields = {"visitor_id": str(room["yanis"].id)}
    path = f"/attendance/sessions/{room['session'].id}/check-in"
    response = await client.post(path, data={"nonce": str(uuid.uuid4()), **fields}, headers=HTMX)
    assert response.status_code == 200
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.session_id) == (
        "staff",
        how,
        room["session"].id,
    )
    await _one_attendance_by(how, room)


async def test_the_visits_desk_reaches_the_entry_point(client, cast, room, scans):
    await login(client, cast.email("awa"))
    desk = f"/visits/desk/sites/{cast.saint_denis.id}/scan"
    response = await client.post(desk, data={"nonce": str(uuid.uuid4()), "code": room["token"]})
    assert response.status_code == 200
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.site_id) == (
        "staff",
        "staff_scan",
        cast.saint_denis.id,
    )
    await _one_attendance_by("staff_scan", room)


async def test_the_visitors_phone_reaches_the_entry_point(client, room, scans):
    session = room["session"]
    code = selfcheck.current_code(session.checkin_secret, session.id)
    page = await client.get(f"/c/{session.id}/{code}")
    fields = dict(re.findall(r'name="(_csrf_token|form_token|nonce)" value="([^"]+)"', page.text))
    response = await client.post(f"/c/{session.id}", data={**fields, "code": room["short_code"]})
    assert response.status_code == 200
    [scan] = scans
    assert (scan.by.actor_kind, scan.method, scan.session_id) == (
        "visitor",
        "self_phone",
        session.id,
    )
    await _one_attendance_by("self_phone", room)


def test_no_other_module_writes_the_scan_journal_or_records_a_check_in():
    """The entry point's own module is the only writer of the scan journal and the only place
    where an arrival is recorded: no surface keeps a copy."""
    from pathlib import Path

    root = Path(attendance.__file__).parent.parent
    writers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(
            r"ScanEvent\.insert|ScanEvent\((?!Table)|insert_row\(\s*ScanEvent|INTO\s+\"?scan_event",
            path.read_text(),
        )
    )
    assert writers == ["attendance/checkin.py"]
