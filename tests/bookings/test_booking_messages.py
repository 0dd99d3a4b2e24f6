"""Messages for bookings, on both engines: every change of a visitor's booking queues exactly
one message, in their language, with an .ics that an independent parser (icalendar) reads at
the booking's own instant; none for an under-age visitor without a guardian's consent; the
staff member who asked for someone hears of the decision; the reminder goes once."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from lab.accounts import consent, consents
from lab.accounts.forms import ConsentInput
from lab.accounts.tables import StaffUser
from lab.bookings import messages, releases, reminders, services
from lab.bookings.forms import MoveInput, SeriesInput
from lab.bookings.services import Wanted
from lab.bookings.tables import Booking
from lab.core import mail
from lab.core.db import write_transaction
from lab.core.i18n import translations
from lab.core.tables import Outbox
from lab.kiosk.devices import DevicePrincipal
from lab.workshops import messages as workshop_messages
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.personas import make_visitor

MONDAY_MORNING = at(9, day=TUESDAY - dt.timedelta(days=1))


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(MONDAY_MORNING)


def wanted(resource, start, end, **extra) -> Wanted:
    return Wanted(resource_id=resource.id, starts_at=start, ends_at=end, **extra)


async def new_messages(seen: set[int]) -> list[Outbox]:
    """The outbox rows written since the last call (ids in ``seen``), oldest first."""
    rows = [row for row in await Outbox.objects().order_by(Outbox.id) if row.id not in seen]
    seen.update(row.id for row in rows)
    return rows


def read(ics: str) -> tuple[str, list]:
    """The calendar's METHOD and its events, as an independent reader sees them."""
    calendar = Calendar.from_ical(ics)
    return str(calendar.get("method")), list(calendar.walk("VEVENT"))


def assert_event(event, booking: Booking, *, status: str) -> None:
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == booking.starts_at and end == booking.ends_at  # the same instants
    assert start.utcoffset() == dt.timedelta(0)  # written in UTC
    assert str(event["uid"]) == booking.uid
    assert int(event["sequence"]) == booking.sequence
    assert str(event["status"]) == status


async def fresh(booking: Booking) -> Booking:
    return await Booking.objects().get(Booking.id == booking.id)


def subject(language: str, msgid: str, **params: object) -> str:
    return translations(language).gettext(msgid) % params


async def test_each_change_queues_one_message_in_the_visitors_language(cast, settings):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    daan = await make_visitor(
        cast.saint_denis, "Daan", "Maes", email="daan@example.org", preferred_language="nl"
    )
    seen: set[int] = set()

    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=daan.id))
    [confirmed] = await new_messages(seen)
    assert (confirmed.kind, confirmed.status) == ("booking_confirmed", "pending")
    assert confirmed.recipient == "daan@example.org" and confirmed.language == "nl"
    assert confirmed.visitor_id == daan.id
    assert confirmed.subject == subject(
        "nl", "Réservation confirmée : %(resource)s", resource="Studio"
    )
    assert "Daan" in confirmed.body and "Maes" not in confirmed.body
    assert "dinsdag 1 december 2026" in confirmed.body
    method, [event] = read(confirmed.ics)
    assert method == "REQUEST"
    assert_event(event, await fresh(booking), status="CONFIRMED")
    assert "DTSTART:20261201T090000Z" in confirmed.ics  # 10:00 in Paris, in UTC
    assert "Maes" not in confirmed.ics and "daan@" not in confirmed.ics

    moved = await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(14), end=dt.time(15)),
    )
    [message] = await new_messages(seen)
    assert message.kind == "booking_moved" and message.language == "nl"
    method, [event] = read(message.ics)
    assert method == "REQUEST" and moved.sequence == 1
    assert_event(event, await fresh(booking), status="CONFIRMED")
    assert event.decoded("dtstart") == at(14)

    await services.cancel(awa, booking.id)
    [message] = await new_messages(seen)
    assert message.kind == "booking_cancelled"
    assert message.subject == subject("nl", "Réservation annulée : %(resource)s", resource="Studio")
    method, [event] = read(message.ics)
    assert method == "CANCEL"
    assert_event(event, await fresh(booking), status="CANCELLED")
    assert int(event["sequence"]) == 2

    # The visitor cancelling their own booking hears of it too (their calendar drops it).
    own = await services.book(awa, wanted(studio, at(16), at(17), visitor_id=daan.id))
    assert [row.kind for row in await new_messages(seen)] == ["booking_confirmed"]
    await services.cancel_own(awa, daan.id, own.id)
    [message] = await new_messages(seen)
    method, [event] = read(message.ics)
    assert message.kind == "booking_cancelled" and method == "CANCEL"
    assert_event(event, await fresh(own), status="CANCELLED")

    # Written messages go out as any other; the part says the calendar's method.
    assert await mail.deliver_due(settings) == 5
    files = sorted((settings.data_dir / "outbox").iterdir())
    assert b'method="CANCEL"' in files[-1].read_bytes()


async def test_an_approval_and_a_refusal_reach_the_visitor_and_who_asked_for_them(cast):
    studio = await make_resource(cast.saint_denis, needs_approval=True)
    awa, julien = await cast.principal("awa"), await cast.principal("julien")
    await StaffUser.update({StaffUser.language: "en"}).where(StaffUser.id == awa.actor_id)
    lea = await make_visitor(cast.saint_denis, "Léa", "Durand", email="lea@example.org")
    seen: set[int] = set()

    asked = await services.book(
        awa, wanted(studio, at(14), at(15), visitor_id=lea.id), self_service=True
    )
    [request] = await new_messages(seen)
    assert request.kind == "booking_requested" and request.language == "fr"
    method, [event] = read(request.ics)
    assert method == "REQUEST"
    assert_event(event, await fresh(asked), status="TENTATIVE")

    await services.decide(julien, asked.id, approve=True)
    visitor, staff = await new_messages(seen)
    assert (visitor.kind, visitor.recipient) == ("booking_approved", "lea@example.org")
    assert visitor.subject == subject(
        "fr", "Réservation acceptée : %(resource)s", resource="Studio"
    )
    method, [event] = read(visitor.ics)
    assert method == "REQUEST"
    assert_event(event, await fresh(asked), status="CONFIRMED")
    assert (staff.kind, staff.recipient, staff.language) == (
        "booking_approved_staff",
        "awa@lab.test",
        "en",
    )
    assert staff.visitor_id is None  # not a message to the visitor
    assert staff.subject == subject(
        "en",
        "Demande acceptée : %(resource)s pour %(visitor)s",
        resource="Studio",
        visitor="Léa",
    )
    assert "Durand" not in staff.body

    refused = await services.book(
        awa, wanted(studio, at(16), at(17), visitor_id=lea.id), self_service=True
    )
    assert [row.kind for row in await new_messages(seen)] == ["booking_requested"]
    await services.decide(julien, refused.id, approve=False)
    visitor, staff = await new_messages(seen)
    assert visitor.kind == "booking_refused"
    method, [event] = read(visitor.ics)
    assert method == "CANCEL"
    assert_event(event, await fresh(refused), status="CANCELLED")
    assert (staff.kind, staff.recipient, staff.language) == (
        "booking_refused_staff",
        "awa@lab.test",
        "en",
    )
    assert staff.subject.startswith("Request declined: Studio")


async def test_a_request_made_at_a_kiosk_tells_no_staff_member(cast):
    studio = await make_resource(cast.saint_denis, needs_approval=True, kiosk_self_service=True)
    julien = await cast.principal("julien")
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    # A tablet whose id is a staff member's: the journal says a kiosk made it, not Awa.
    tablet = DevicePrincipal(
        device_id=cast.users["awa"].id,
        site_id=cast.saint_denis.id,
        allowed_actions=frozenset({"book"}),
    )
    asked = await services.book(
        tablet, wanted(studio, at(14), at(15), visitor_id=lea.id), self_service=True
    )
    await services.decide(julien, asked.id, approve=True)
    kinds = [row.kind for row in await Outbox.objects().order_by(Outbox.id)]
    assert kinds == ["booking_requested", "booking_approved"]  # the staff's was dropped


async def test_a_no_show_release_tells_the_visitor_once(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=lea.id))
    seen: set[int] = set()
    await new_messages(seen)
    freeze(at(10, 16))
    assert await releases.release_due() == 1
    [message] = await new_messages(seen)
    assert message.kind == "booking_released" and message.status == "pending"
    method, [event] = read(message.ics)
    assert method == "CANCEL"
    assert_event(event, await fresh(booking), status="CANCELLED")
    assert await releases.release_due() == 0
    assert await new_messages(seen) == []


async def test_a_request_never_decided_lapses_and_the_visitor_is_told(cast):
    studio = await make_resource(cast.saint_denis, needs_approval=True)
    awa = await cast.principal("awa")
    lea = await make_visitor(
        cast.saint_denis, "Lea", email="lea@example.org", preferred_language="en"
    )
    asked = await services.book(
        awa, wanted(studio, at(14), at(15), visitor_id=lea.id), self_service=True
    )
    seen: set[int] = set()
    await new_messages(seen)
    freeze(at(14))
    assert await releases.release_due() == 1
    [message] = await new_messages(seen)
    assert message.kind == "booking_lapsed" and message.language == "en"
    assert message.subject == subject("en", "Demande non validée : %(resource)s", resource="Studio")
    method, [event] = read(message.ics)
    assert method == "CANCEL"
    assert_event(event, await fresh(asked), status="CANCELLED")


async def test_a_release_inside_a_booking_is_told_after_its_commit(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    await services.book(awa, wanted(studio, at(10), at(11), visitor_id=lea.id))
    seen: set[int] = set()
    await new_messages(seen)
    freeze(at(10, 16))
    # The next booking of the studio releases the no-show first, under the same lock.
    await services.book(awa, wanted(studio, at(10, 30), at(11)))
    [message] = await new_messages(seen)
    assert message.kind == "booking_released" and message.status == "pending"


async def test_no_message_under_the_consent_age_until_a_guardian_consents(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    thirteen = dt.date(TUESDAY.year - 13, 1, 1)  # under 15 at a French site
    lina = await make_visitor(
        cast.saint_denis, "Lina", email="lina@example.org", birth_date=thirteen, consents=()
    )
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=lina.id))
    await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(11), end=dt.time(12)),
    )
    await services.cancel(awa, booking.id)
    assert await Outbox.count() == 0  # nothing held behind either
    await consent.record_guardian_consent(await cast.principal("julien"), lina.id)
    await services.book(awa, wanted(studio, at(13), at(14), visitor_id=lina.id))
    assert await Outbox.count() == 0  # the guardian's consent is not yet one to e-mail
    agreed = ConsentInput(
        purpose="messages_email", guardian_name="Samia Benali", guardian_relation="parent"
    )
    await consents.give_consent(await cast.principal("julien"), lina.id, agreed)
    await services.book(awa, wanted(studio, at(14), at(15), visitor_id=lina.id))
    assert [row.kind for row in await Outbox.objects()] == ["booking_confirmed"]


async def test_no_message_without_a_visitor_or_an_address(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    nobody = await make_visitor(cast.saint_denis, "Sans", "Courriel")
    await services.book(awa, wanted(studio, at(10), at(11)))  # the staff's own use
    await services.book(awa, wanted(studio, at(12), at(13), visitor_id=nobody.id))
    assert await Outbox.count() == 0


async def test_a_series_is_one_message_with_every_date(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, horizon_days=90)
    lea = await make_visitor(
        cast.saint_denis, "Lea", email="lea@example.org", preferred_language="en"
    )
    result = await services.book_series(
        awa,
        SeriesInput(
            resource_id=studio.id,
            day=TUESDAY,
            start=dt.time(10),
            end=dt.time(11),
            visitor_id=lea.id,
            weekdays=[1],
            until=TUESDAY + dt.timedelta(days=21),
        ),
    )
    assert len(result.created) == 4
    [message] = await Outbox.objects()
    assert message.kind == "booking_series" and message.language == "en"
    assert "4 dates" in message.body
    method, events = read(message.ics)
    assert method == "REQUEST"
    assert [event.decoded("dtstart") for event in events] == [b.starts_at for b in result.created]
    assert {str(event["uid"]) for event in events} == {b.uid for b in result.created}


async def test_the_reminder_goes_once_per_version_of_the_booking(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    daan = await make_visitor(
        cast.saint_denis, "Daan", email="daan@example.org", preferred_language="nl"
    )
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=daan.id))
    later = await services.book(
        awa,
        wanted(
            studio,
            at(10, day=TUESDAY + dt.timedelta(days=2)),
            at(11, day=TUESDAY + dt.timedelta(days=2)),
            visitor_id=daan.id,
        ),
    )
    await Outbox.delete().where(Outbox.id > 0)
    freeze(at(8, day=TUESDAY - dt.timedelta(days=1)))  # 26 hours before: not yet
    assert await reminders.queue_due_reminders() == 0
    freeze(at(10, day=TUESDAY - dt.timedelta(days=1)))  # 24 hours before
    assert await reminders.queue_due_reminders() == 1
    assert await reminders.queue_due_reminders() == 1  # the same booking, but …
    [message] = await Outbox.objects()  # … written once
    assert message.kind == "booking_reminder" and message.language == "nl"
    assert message.subject == subject("nl", "Rappel : %(resource)s", resource="Studio")
    method, [event] = read(message.ics)
    assert method == "REQUEST"
    assert_event(event, await fresh(booking), status="CONFIRMED")
    assert later.uid not in message.ics
    # A moved booking is a new version: its visitor is reminded of the new time.
    await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(10, 30), end=dt.time(11)),
    )
    assert await reminders.queue_due_reminders() == 1
    assert await Outbox.count().where(Outbox.kind == "booking_reminder") == 2
    # A cancelled booking is reminded of nothing.
    await services.cancel(awa, booking.id)
    await Outbox.delete().where(Outbox.id > 0)
    assert await reminders.queue_due_reminders() == 0
    assert await Outbox.count() == 0


async def test_a_message_a_stopped_writer_held_is_written_by_the_next_round(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    lea = await make_visitor(cast.saint_denis, "Léa", email="lea@example.org")
    booking = await services.book(awa, wanted(studio, at(10), at(11)))
    booking.visitor = lea.id  # a booking whose message was never written
    await Booking.update({Booking.visitor: lea.id}).where(Booking.id == booking.id)
    async with write_transaction(Booking._meta.db):  # … the writer stops before send()
        await messages.Notices().booking("booking_confirmed", booking)
    [held] = await Outbox.objects()
    assert held.status == "held" and held.ics == ""
    assert await messages.send_stale() == 0  # its writer may still be at work
    freeze(MONDAY_MORNING + dt.timedelta(minutes=6))
    assert await workshop_messages.send_stale() == 0  # not the workshops' to write
    assert await messages.send_stale() == 1
    [written] = await Outbox.objects()
    assert written.status == "pending" and written.recipient == "lea@example.org"
    method, [event] = read(written.ics)
    assert method == "REQUEST"
    assert_event(event, await fresh(booking), status="CONFIRMED")
    assert await messages.send_stale() == 0
