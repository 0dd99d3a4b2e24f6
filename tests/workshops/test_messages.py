"""Messages are held in the transaction of the change they announce and written after it:
nothing slow runs under the lock, and a message still exists exactly when its change does."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from lab.bookings.tables import Booking
from lab.core import mail
from lab.core.db import write_transaction
from lab.core.errors import Conflict
from lab.core.tables import AuditLog, Outbox
from lab.workshops import enrolment, messages, reminders, services
from lab.workshops.forms import EnrolInput, ScheduleInput
from lab.workshops.tables import Module
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def test_a_message_is_held_in_the_transaction_and_written_after_it(cast, settings):
    module = await make_module(cast.saint_denis, "Atelier CV")
    await make_session(module, at(10))
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    seat = await enrolment.enrol(
        await cast.principal("awa"), module.id, EnrolInput(visitor_id=lea.id)
    )
    await Outbox.delete().where(Outbox.id > 0)
    notices = messages.Notices()
    async with write_transaction(Module._meta.db):
        await notices.hold("promoted", lea.id, messages.enrolment_key(seat.id))
        held = await Outbox.objects().first()
        assert held.status == "held" and held.body == "" and held.ics == ""
    assert await mail.deliver_due(settings) == 0  # a held message is never sent
    await notices.send()
    written = await Outbox.objects().first()
    assert written.status == "pending" and written.recipient == "lea@example.org"
    assert "Atelier CV" in written.subject and "BEGIN:VCALENDAR" in written.ics
    assert await mail.deliver_due(settings) == 1


async def test_a_message_held_by_a_change_that_rolled_back_does_not_exist(cast):
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    notices = messages.Notices()
    with pytest.raises(RuntimeError):
        async with write_transaction(Module._meta.db):
            await notices.hold("enrolled", lea.id, "enrolment:1")
            raise RuntimeError("the change fails")
    await notices.send()
    assert await Outbox.count() == 0


async def test_messages_a_stopped_writer_held_are_written_by_the_next_round(cast):
    module = await make_module(cast.saint_denis, "Atelier CV")
    await make_session(module, at(10))
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    nobody = await make_visitor(cast.saint_denis, "Sans", "Courriel")
    seat = await enrolment.enrol(
        await cast.principal("awa"), module.id, EnrolInput(visitor_id=lea.id)
    )
    other = await enrolment.enrol(
        await cast.principal("awa"), module.id, EnrolInput(visitor_id=nobody.id)
    )
    await Outbox.delete().where(Outbox.id > 0)
    async with write_transaction(Module._meta.db):  # … and the writer stops before send()
        await messages.Notices().hold("promoted", lea.id, messages.enrolment_key(seat.id))
        await messages.Notices().hold("promoted", nobody.id, messages.enrolment_key(other.id))
    assert await messages.send_stale() == 0  # its writer may still be at work
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)) + dt.timedelta(minutes=6))
    assert await messages.send_stale() == 2  # one written, one with no address dropped
    assert await messages.send_stale() == 0
    rows = await Outbox.objects()
    assert [(row.recipient, row.status) for row in rows] == [("lea@example.org", "pending")]


async def test_the_reminder_loop_writes_stale_messages_on_each_round(cast):
    module = await make_module(cast.saint_denis, "Atelier CV")
    await make_session(module, at(10, day=TUESDAY + dt.timedelta(days=7)))  # no reminder yet
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    seat = await enrolment.enrol(
        await cast.principal("awa"), module.id, EnrolInput(visitor_id=lea.id)
    )
    await Outbox.delete().where(Outbox.id > 0)
    async with write_transaction(Module._meta.db):
        await messages.Notices().hold("promoted", lea.id, messages.enrolment_key(seat.id))
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)) + dt.timedelta(minutes=6))
    stop = asyncio.Event()
    loop = asyncio.create_task(reminders.reminder_loop(stop, seconds=0.01))
    for _ in range(200):
        if await Outbox.count().where(Outbox.status == "pending"):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert await Outbox.count().where(Outbox.status == "pending") == 1


# -- Cancelling a session --------------------------------------------------------------------


async def room_session(cast):
    room = await make_resource(
        cast.saint_denis, "Salle", kind="room", max_minutes=240, release_after_minutes=None
    )
    module = await make_module(cast.saint_denis, room=room.id)
    result = await services.schedule(
        await cast.principal("julien"),
        module.id,
        ScheduleInput(day=TUESDAY, start=dt.time(10), end=dt.time(12)),
    )
    return result.created[0]


async def test_two_managers_cancelling_a_session_at_once_cancel_it_once(cast):
    session = await room_session(cast)
    julien = await cast.principal("julien")
    results = await asyncio.gather(
        services.cancel_session(julien, session.id),
        services.cancel_session(julien, session.id),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict)
    assert refused[0].code == "not_scheduled"
    assert await AuditLog.count().where(AuditLog.action == "session.cancelled") == 1
    assert await AuditLog.count().where(AuditLog.action == "booking.cancelled") == 1
    room = await Booking.objects().get(Booking.id == session.room_booking)
    assert room.status == "cancelled"


async def test_the_room_is_freed_only_if_the_session_is_cancelled_with_it(cast, monkeypatch):
    session = await room_session(cast)

    async def fails(*_args, **_kwargs):
        raise RuntimeError("the session's write fails after its room was freed")

    monkeypatch.setattr(messages.Notices, "announce", fails)
    with pytest.raises(RuntimeError):
        await services.cancel_session(await cast.principal("julien"), session.id)
    room = await Booking.objects().get(Booking.id == session.room_booking)
    assert room.status == "confirmed"  # one transaction: the room's cancellation rolled back
    fresh, _module = await services.get_session_for(await cast.principal("julien"), session.id)
    assert fresh.status == "scheduled"


async def test_a_message_that_fails_to_be_written_stays_held_and_the_change_stands(
    cast, monkeypatch
):
    module = await make_module(cast.saint_denis, "Atelier CV")
    await make_session(module, at(10, day=TUESDAY + dt.timedelta(days=7)))
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")

    async def broken(*_args, **_kwargs):
        raise OSError("the calendar could not be built")

    with monkeypatch.context() as patch:
        patch.setattr(messages.calendars, "message_calendar", broken)
        seat = await enrolment.enrol(
            await cast.principal("awa"), module.id, EnrolInput(visitor_id=lea.id)
        )
    assert seat.status == "enrolled"
    assert [row.status for row in await Outbox.objects()] == ["held"]
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)) + dt.timedelta(minutes=6))
    assert await messages.send_stale() == 1
    assert [row.status for row in await Outbox.objects()] == ["pending"]
