"""Checking in at a kiosk: which session (or booking), when, once, and what the journal keeps."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance.services import ScanRefused
from lab.attendance.tables import Attendance, ScanEvent
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.bookings.tables import Booking
from lab.core.tables import AuditLog
from lab.kiosk import devices
from lab.kiosk.services import check_in_at_kiosk
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Session
from tests.bookings.factories import at, freeze, make_resource
from tests.kiosk.helpers import paired_device
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture
async def tablet(cast) -> devices.DevicePrincipal:
    return await paired_device(cast)


@pytest.fixture
async def lab(cast):
    """A CV workshop 10:00-12:00 at Saint-Denis with Yanis enrolled; it is 10:05."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    card, token = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(10, 5))
    return {
        "awa": awa,
        "module": module,
        "session": session,
        "yanis": yanis,
        "token": token,
        "short_code": card.short_code,
    }


def nonce() -> str:
    return str(uuid.uuid4())


async def scan(tablet, code: str, *, when: dt.datetime | None = None, **extra):
    when = when or at(10, 5)
    extra.setdefault("sent_at", when)
    return await check_in_at_kiosk(
        tablet, code=code, nonce=extra.pop("nonce", None) or nonce(), client_at=when, **extra
    )


async def test_an_enrolled_visitor_is_checked_into_the_running_session_by_first_name(tablet, lab):
    result = await scan(tablet, f"https://lab.example/p/{lab['token']}")
    assert (result.outcome, result.first_name, result.title) == ("accepted", "Yanis", "Atelier CV")
    assert result.kind == "session"
    attendance = await Attendance.objects().first()
    assert (attendance.session, attendance.visitor) == (lab["session"].id, lab["yanis"].id)
    assert (attendance.status, attendance.method) == ("present", "kiosk_scan")
    assert attendance.device_id == tablet.device_id
    event = await ScanEvent.objects().first()
    assert (event.outcome, event.device_id, event.offline) == ("accepted", tablet.device_id, False)
    assert event.staff_user is None and event.clock_skew_seconds is None


async def test_a_typed_short_code_checks_in_as_a_kiosk_code(tablet, lab):
    code = lab["short_code"]
    result = await scan(tablet, f" {code[:4]}-{code[4:]} ".lower())
    assert result.outcome == "accepted"
    assert (await Attendance.objects().first()).method == "kiosk_code"


async def test_the_check_in_opens_30_minutes_before_the_start(tablet, lab):
    freeze(at(9, 29))
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"], when=at(9, 29))
    assert refused.value.code == "nothing_now"
    freeze(at(9, 31))
    result = await scan(tablet, lab["token"], when=at(9, 31))
    assert result.outcome == "accepted"


async def test_the_visitor_chooses_when_several_sessions_would_take_them(tablet, lab, cast):
    drop_in = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    cafe = await make_session(drop_in, at(10, 15), minutes=60)
    result = await scan(tablet, lab["token"])
    assert result.outcome == "choose" and result.first_name == "Yanis"
    assert [(c.session_id, c.title) for c in result.choices] == [
        (lab["session"].id, "Atelier CV"),
        (cafe.id, "Café numérique"),
    ]
    assert await Attendance.count() == 0 and await ScanEvent.count() == 0  # nothing yet
    chosen = await scan(tablet, lab["token"], session_id=cafe.id)
    assert (chosen.outcome, chosen.title) == ("accepted", "Café numérique")
    assert (await Attendance.objects().first()).session == cafe.id


async def test_an_offline_scan_takes_the_session_starting_nearest_to_it(tablet, lab, cast):
    drop_in = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    cafe = await make_session(drop_in, at(10, 15), minutes=60)
    freeze(at(10, 40))  # sent 30 minutes after the scan
    result = await scan(tablet, lab["token"], when=at(10, 10), sent_at=at(10, 40), offline=True)
    assert (result.outcome, result.title) == ("accepted", "Café numérique")
    attendance = await Attendance.objects().first()
    assert attendance.session == cafe.id
    assert attendance.checked_in_at == at(10, 10)  # timed when scanned, not when received
    event = await ScanEvent.objects().first()
    assert event.offline is True and event.client_at == at(10, 10)
    assert event.received_at == at(10, 40)


async def test_an_offline_scan_received_after_the_session_ended_still_counts(tablet, lab):
    freeze(at(13))
    result = await scan(tablet, lab["token"], when=at(10, 20), sent_at=at(13), offline=True)
    assert result.outcome == "accepted"
    attendance = await Attendance.objects().first()
    assert (attendance.status, attendance.checked_in_at) == ("late", at(10, 20))


async def test_with_no_session_the_visitors_booking_at_this_site_is_checked_in(tablet, cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, name="Studio", checkin_before_minutes=15)
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    _card, token = await visitors.reissue_pass(awa, lea.id)
    freeze(at(9))
    booking = await bookings.book(
        awa, Wanted(resource_id=studio.id, starts_at=at(14), ends_at=at(15), visitor_id=lea.id)
    )
    freeze(at(13, 50))
    result = await scan(tablet, token, when=at(13, 50))
    assert (result.outcome, result.first_name, result.title, result.kind) == (
        "accepted",
        "Léa",
        "Studio",
        "booking",
    )
    booking = await Booking.objects().get(Booking.id == booking.id)
    assert (booking.status, booking.checked_in_at) == ("checked_in", at(13, 50))
    event = await ScanEvent.objects().first()
    assert (event.outcome, event.booking, event.session) == ("accepted", booking.id, None)
    again = await scan(tablet, token, when=at(13, 55))
    assert again.outcome == "duplicate"


async def test_an_unknown_or_revoked_pass_is_refused_and_journaled(tablet, lab):
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, "ZZZZ-ZZZZ")
    assert refused.value.code == "unknown_pass"
    assert "ne marche pas" in refused.value.message
    await visitors.reissue_pass(lab["awa"], lab["yanis"].id)  # the old card stops working
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"])
    assert refused.value.code == "unknown_pass"
    events = await ScanEvent.objects().order_by(ScanEvent.id)
    assert [(e.outcome, e.reason, e.device_id, e.visitor) for e in events] == [
        ("refused", "unknown_pass", tablet.device_id, None)
    ] * 2
    assert events[1].token_hash and events[1].method == "kiosk_scan"
    assert await AuditLog.count().where(AuditLog.action == "kiosk.checkin_refused") == 2
    assert await Attendance.count() == 0


async def test_a_visitor_not_enrolled_is_refused_with_the_session_for_staff_to_resolve(
    tablet, lab, cast
):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    _card, token = await visitors.reissue_pass(lab["awa"], lea.id)
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, token)
    assert refused.value.code == "not_enrolled"
    event = await ScanEvent.objects().first()
    assert (event.reason, event.session, event.visitor) == (
        "not_enrolled",
        lab["session"].id,
        lea.id,
    )


async def test_an_offline_scan_of_a_session_closed_since_is_refused_as_closed(tablet, lab, cast):
    julien = await cast.principal("julien")
    from lab.attendance.services import close_session

    freeze(at(12, 30))
    await close_session(julien, lab["session"].id)
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"], when=at(10, 5), sent_at=at(12, 30), offline=True)
    assert refused.value.code == "session_closed"
    event = await ScanEvent.objects().where(ScanEvent.outcome == "refused").first()
    assert (event.offline, event.session, event.client_at) == (True, lab["session"].id, at(10, 5))


async def test_the_same_nonce_checks_in_once_and_repeats_the_first_answer(tablet, lab):
    same = nonce()
    answers = [await scan(tablet, lab["token"], nonce=same) for _ in range(3)]
    assert [a.outcome for a in answers] == ["accepted", "duplicate", "duplicate"]
    assert {a.first_name for a in answers} == {"Yanis"}
    assert {a.title for a in answers} == {"Atelier CV"}
    assert await Attendance.count() == 1
    refused = nonce()
    for _ in range(2):
        with pytest.raises(ScanRefused) as error:
            await scan(tablet, "ZZZZ-ZZZZ", nonce=refused)
        assert error.value.code == "unknown_pass"
    outcomes = [e.outcome for e in await ScanEvent.objects().order_by(ScanEvent.id)]
    assert outcomes == ["accepted", "duplicate", "duplicate", "refused", "duplicate"]


async def test_a_skewed_tablet_clock_is_corrected_and_flagged(tablet, lab):
    # The tablet's clock is 10 minutes ahead: it scanned at 10:05 real time, which it calls
    # 10:15, and sent it at 10:20 real time (10:30 on its clock).
    freeze(at(10, 20))
    await scan(tablet, lab["token"], when=at(10, 15), sent_at=at(10, 30), offline=True)
    event = await ScanEvent.objects().first()
    assert event.clock_skew_seconds == 600
    assert event.client_at == at(10, 5)
    assert (await Attendance.objects().first()).checked_in_at == at(10, 5)


async def test_a_small_skew_is_not_flagged_and_a_future_time_is_brought_back_to_now(tablet, lab):
    await scan(tablet, lab["token"], when=at(10, 6), sent_at=at(10, 5) + dt.timedelta(seconds=30))
    event = await ScanEvent.objects().first()
    assert event.clock_skew_seconds is None
    assert event.client_at == at(10, 5)  # never later than the server's now


async def test_a_scan_older_than_seven_days_is_refused_as_too_old(tablet, lab):
    freeze(at(10, 5) + dt.timedelta(days=8))
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"], when=at(10, 5), sent_at=at(10, 5) + dt.timedelta(days=8))
    assert refused.value.code == "too_old"
    event = await ScanEvent.objects().first()
    assert (event.outcome, event.reason, event.visitor) == ("refused", "too_old", lab["yanis"].id)
    assert await Attendance.count() == 0


async def test_nothing_to_check_into_is_refused_as_nothing_now(tablet, lab):
    freeze(at(15))
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"], when=at(15), sent_at=at(15))
    assert refused.value.code == "nothing_now"


async def test_a_session_of_another_site_cannot_be_chosen(tablet, lab, cast):
    brussels = await make_module(cast.brussels, "Atelier Bruxelles", enrolment="drop_in")
    elsewhere = await make_session(brussels, at(10))
    with pytest.raises(ScanRefused) as refused:
        await scan(tablet, lab["token"], session_id=elsewhere.id)
    assert refused.value.code == "nothing_now"
    assert await Session.count() == 2 and await Attendance.count() == 0


async def test_a_bad_nonce_is_invalid(tablet, lab):
    from lab.core.errors import Invalid

    with pytest.raises(Invalid) as error:
        await scan(tablet, lab["token"], nonce="x")
    assert error.value.code == "bad_nonce"


async def test_the_same_scan_sent_ten_times_at_once_checks_in_once(tablet, lab, cast):
    same = nonce()
    answers = await asyncio.gather(*(scan(tablet, lab["token"], nonce=same) for _ in range(10)))
    assert sorted(a.outcome for a in answers) == ["accepted"] + ["duplicate"] * 9
    assert await Attendance.count() == 1
    assert await ScanEvent.count().where(ScanEvent.outcome == "accepted") == 1


async def test_the_same_booking_scan_sent_ten_times_at_once_is_journaled_once(tablet, cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, name="Studio", checkin_before_minutes=15)
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    _card, token = await visitors.reissue_pass(awa, lea.id)
    freeze(at(9))
    await bookings.book(
        awa, Wanted(resource_id=studio.id, starts_at=at(14), ends_at=at(15), visitor_id=lea.id)
    )
    freeze(at(13, 50))
    same = nonce()
    answers = await asyncio.gather(
        *(scan(tablet, token, nonce=same, when=at(13, 50)) for _ in range(10))
    )
    assert sorted(a.outcome for a in answers) == ["accepted"] + ["duplicate"] * 9
    assert await ScanEvent.count().where(ScanEvent.outcome == "accepted") == 1
    assert await ScanEvent.count().where(ScanEvent.reason == "repeated_nonce") == 9
