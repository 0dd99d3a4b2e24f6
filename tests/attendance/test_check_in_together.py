"""Tablet scans arriving together are checked in together (one transaction, one statement of
each kind), and each is answered as it would have been alone."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance import services
from lab.attendance.services import ScanRefused
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import db
from lab.core.tables import AuditLog
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.faults import inject
from tests.kiosk.helpers import paired_device
from tests.personas import make_visitor
from tests.query_count import count_statements
from tests.workshops.factories import make_module, make_session

PEOPLE = 12


@pytest.fixture
async def morning(cast):
    """A session at Saint-Denis at 10:00, a dozen people enrolled with a pass each, and the
    site's tablet, at 9:55."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=PEOPLE + 5, late_after_minutes=10)
    session = await make_session(module, at(10))
    tokens = []
    for number in range(PEOPLE):
        person = await make_visitor(cast.saint_denis, f"Personne{number}", "Test")
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=person.id))
        _pass, token = await visitors.reissue_pass(awa, person.id)
        tokens.append(token)
    tablet = await paired_device(cast)
    freeze(at(9, 55))
    return {"awa": awa, "session": session, "tokens": tokens, "tablet": tablet, "cast": cast}


def _scan(morning, code: str, nonce: str | None = None) -> services.Scan:
    return services.Scan(
        by=morning["tablet"],
        site_id=morning["cast"].saint_denis.id,
        nonce=nonce or str(uuid.uuid4()),
        method="kiosk_scan",
        code=code,
    )


async def _stranger(morning) -> str:
    """The pass of someone at the site who is not enrolled."""
    person = await make_visitor(morning["cast"].saint_denis, "Léa", "Petit")
    _pass, token = await visitors.reissue_pass(morning["awa"], person.id)
    return token


async def test_a_dozen_scans_at_once_cost_the_statements_of_one(morning):
    tokens = morning["tokens"]
    with count_statements() as alone:
        first = await services.check_in(_scan(morning, tokens[0]))
    assert first.outcome == "accepted"
    with count_statements() as together:
        answers = await asyncio.gather(*(services.check_in(_scan(morning, t)) for t in tokens[1:]))
    assert [answer.outcome for answer in answers] == ["accepted"] * (PEOPLE - 1)
    assert [answer.first_name for answer in answers] == [
        f"Personne{number}" for number in range(1, PEOPLE)
    ]
    # Eleven check-ins, one transaction: as many statements as one check-in alone.
    assert together.count == alone.count, together.listing()
    session_id = morning["session"].id
    assert await Attendance.count().where(Attendance.session == session_id) == PEOPLE
    assert {answer.attendance.id for answer in answers} == {
        row["id"]
        for row in await Attendance.select(Attendance.id).where(Attendance.session == session_id)
    } - {first.attendance.id}
    journal = await ScanEvent.select(ScanEvent.outcome, ScanEvent.device_id, ScanEvent.token_hash)
    assert len(journal) == PEOPLE
    assert {(row["outcome"], row["device_id"]) for row in journal} == {
        ("accepted", morning["tablet"].device_id)
    }
    assert all(row["token_hash"] for row in journal)  # the pass's hash, never the token
    audited = await AuditLog.count().where(AuditLog.action == "attendance.checked_in")
    assert audited == PEOPLE


async def test_each_scan_of_a_batch_is_answered_as_it_would_be_alone(morning):
    tokens = morning["tokens"]
    repeated = str(uuid.uuid4())
    scans = [
        _scan(morning, tokens[0], repeated),
        _scan(morning, tokens[1]),
        _scan(morning, tokens[0], repeated),  # the same scan again: its first answer again
        _scan(morning, tokens[1]),  # the same person, another scan: already there
        _scan(morning, "ZZZZ-ZZZZ"),  # a pass nobody holds
        _scan(morning, await _stranger(morning)),  # not enrolled
    ]
    answers = await asyncio.gather(
        *(services.check_in(scan) for scan in scans), return_exceptions=True
    )
    assert [a.outcome for a in answers[:4]] == ["accepted", "accepted", "duplicate", "duplicate"]
    assert [(type(a), a.code) for a in answers[4:]] == [
        (ScanRefused, "unknown_pass"),
        (ScanRefused, "not_enrolled"),
    ]
    assert await Attendance.count() == 2
    journal = await ScanEvent.select(ScanEvent.nonce, ScanEvent.outcome, ScanEvent.reason)
    assert len(journal) == len(scans)  # every scan journaled once
    assert sorted((row["outcome"], row["reason"]) for row in journal) == [
        ("accepted", ""),
        ("accepted", ""),
        ("duplicate", ""),
        ("duplicate", "repeated_nonce"),
        ("refused", "not_enrolled"),
        ("refused", "unknown_pass"),
    ]


async def test_a_batch_that_fails_checks_each_scan_in_on_its_own(morning, engine):
    tokens = morning["tokens"][:5]
    # The batch's audit entries fail, after its arrivals were written: the batch rolls back
    # whole, and each scan is then checked in on its own, once.
    audit_step = 6 if db.is_sqlite(engine) else 7  # passes, (lock), journal, sessions, places
    with inject(audit_step, "error") as injection:
        answers = await asyncio.gather(*(services.check_in(_scan(morning, t)) for t in tokens))
    assert injection.fired
    assert "audit_log" in injection.texts[audit_step - 1]
    assert [answer.outcome for answer in answers] == ["accepted"] * len(tokens)
    assert await Attendance.count() == len(tokens)
    assert await ScanEvent.count() == len(tokens)
    assert await AuditLog.count().where(AuditLog.action == "attendance.checked_in") == len(tokens)


async def test_a_scan_alone_that_fails_fails_as_before(morning, engine):
    audit_step = 6 if db.is_sqlite(engine) else 7
    with inject(audit_step, "error"), pytest.raises(Exception) as failed:
        await services.check_in(_scan(morning, morning["tokens"][0]))
    assert "injected fault" in str(failed.value)
    assert await Attendance.count() == 0
    assert await ScanEvent.count() == 0
