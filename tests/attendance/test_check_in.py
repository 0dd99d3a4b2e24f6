"""Check-in: idempotent by nonce, every scan journaled, statuses, closing a session."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance import services
from lab.attendance.services import ScanRefused
from lab.attendance.tables import Attendance, ScanEvent
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture
async def workshop(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=5, late_after_minutes=10)
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    _, token = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(9, 55))
    return {"awa": awa, "module": module, "session": session, "yanis": yanis, "token": token}


async def test_the_same_nonce_ten_times_in_a_row_makes_one_attendance(workshop):
    nonce = str(uuid.uuid4())
    results = [
        await services.check_in(
            services.Scan(
                by=workshop["awa"],
                session_id=workshop["session"].id,
                nonce=nonce,
                method="staff_scan",
                code=workshop["token"],
            )
        )
        for _ in range(10)
    ]
    assert [r.repeated for r in results] == [False] + [True] * 9
    assert await Attendance.count() == 1
    assert await ScanEvent.count().where(ScanEvent.outcome == "duplicate") == 9


async def test_the_same_nonce_ten_times_at_once_makes_one_attendance(workshop):
    nonce = str(uuid.uuid4())
    results = await asyncio.gather(
        *(
            services.check_in(
                services.Scan(
                    by=workshop["awa"],
                    session_id=workshop["session"].id,
                    nonce=nonce,
                    method="kiosk_scan",
                    code=workshop["token"],
                )
            )
            for _ in range(10)
        )
    )
    assert sum(not r.repeated for r in results) == 1
    assert await Attendance.count() == 1
    assert await ScanEvent.count() == 10


async def test_a_refused_scan_leaves_a_journal_row_with_its_reason(workshop, cast):
    stranger = await make_visitor(cast.saint_denis, "Léa", "Petit")
    _, token = await visitors.reissue_pass(workshop["awa"], stranger.id)
    nonce = str(uuid.uuid4())
    with pytest.raises(ScanRefused) as refused:
        await services.check_in(
            services.Scan(
                by=workshop["awa"],
                session_id=workshop["session"].id,
                nonce=nonce,
                method="kiosk_scan",
                code=token,
            )
        )
    assert refused.value.code == "not_enrolled"
    row = await ScanEvent.objects().where(ScanEvent.nonce == nonce).first()
    assert (row.outcome, row.reason) == ("refused", "not_enrolled")
    with pytest.raises(ScanRefused, match="pas inscrite"):  # the repeat repeats the refusal
        await services.check_in(
            services.Scan(
                by=workshop["awa"],
                session_id=workshop["session"].id,
                nonce=nonce,
                method="kiosk_scan",
                code=token,
            )
        )
    bad = str(uuid.uuid4())
    with pytest.raises(ScanRefused):
        await services.check_in(
            services.Scan(
                by=workshop["awa"],
                session_id=workshop["session"].id,
                nonce=bad,
                method="kiosk_code",
                code="ZZZZ-ZZZZ",
            )
        )
    assert (
        await ScanEvent.objects().where(ScanEvent.nonce == bad).first()
    ).reason == "unknown_pass"


async def test_arriving_after_the_threshold_is_late_and_closing_marks_the_rest_absent(
    workshop, cast
):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await enrolment.enrol(workshop["awa"], workshop["module"].id, EnrolInput(visitor_id=lea.id))
    freeze(at(10, 11))
    result = await services.check_in(
        services.Scan(
            by=workshop["awa"],
            session_id=workshop["session"].id,
            nonce=str(uuid.uuid4()),
            method="staff_scan",
            code=workshop["token"],
        )
    )
    assert result.attendance.status == "late"
    julien = await cast.principal("julien")
    assert await services.close_session(julien, workshop["session"].id) == 1
    statuses = {
        r["visitor"]: r["status"]
        for r in await Attendance.select(Attendance.visitor, Attendance.status)
    }
    assert statuses == {workshop["yanis"].id: "late", lea.id: "absent"}
    with pytest.raises(ScanRefused) as refused:
        await services.check_in(
            services.Scan(
                by=workshop["awa"],
                session_id=workshop["session"].id,
                nonce=str(uuid.uuid4()),
                method="staff",
                visitor_id=lea.id,
            )
        )
    assert refused.value.code == "session_closed"


async def test_a_correction_after_the_fact_is_audited(workshop):
    from lab.core.tables import AuditLog

    await services.mark(workshop["awa"], workshop["session"].id, workshop["yanis"].id, "excused")
    await services.mark(workshop["awa"], workshop["session"].id, workshop["yanis"].id, "present")
    entries = await AuditLog.select(AuditLog.data).where(AuditLog.action == "attendance.marked")
    assert len(entries) == 2
    assert '"before": "excused"' in entries[1]["data"]


async def test_the_scan_journal_is_append_only(workshop, engine):
    await services.check_in(
        services.Scan(
            by=workshop["awa"],
            session_id=workshop["session"].id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=workshop["yanis"].id,
        )
    )
    with pytest.raises(Exception, match="append-only"):
        await engine._run_in_new_connection("DELETE FROM scan_event")


async def test_walk_ins_are_welcome_at_drop_in_sessions(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, enrolment="drop_in")
    session = await make_session(module, at(14))
    walker = await make_visitor(cast.saint_denis, "Omar", "Haddad")
    freeze(at(14, 5))
    result = await services.check_in(
        services.Scan(
            by=awa,
            session_id=session.id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=walker.id,
        )
    )
    assert result.attendance.status == "present"
    people = await services.roster(awa, session.id)
    assert people[0]["walk_in"] is True
