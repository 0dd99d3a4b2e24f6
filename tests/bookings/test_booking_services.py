"""The booking lifecycle through the services, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.bookings import checkin, gates, queries, releases, services
from lab.bookings.forms import MoveInput, SeriesInput
from lab.bookings.services import BookingRefused, SkillOffer, Wanted
from lab.bookings.tables import Booking, Closure
from lab.core.errors import Conflict, Forbidden
from lab.core.tables import AuditLog
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.personas import make_visitor


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def wanted(resource, start, end, **extra) -> Wanted:
    return Wanted(resource_id=resource.id, starts_at=start, ends_at=end, **extra)


async def test_it_books_and_refuses_an_overlap_but_allows_back_to_back(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    await services.book(awa, wanted(studio, at(10), at(11)))
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(10, 30), at(11, 30)))
    assert refused.value.code == "capacity"
    await services.book(awa, wanted(studio, at(11), at(12)))
    assert await Booking.count() == 2
    assert await AuditLog.exists().where(AuditLog.action == "booking.refused")


async def test_a_pool_holds_as_many_bookings_as_units(cast):
    awa = await cast.principal("awa")
    tablets = await make_resource(cast.saint_denis, "Tablettes", units=3)
    for _ in range(3):
        await services.book(awa, wanted(tablets, at(14), at(15)))
    with pytest.raises(BookingRefused, match="Déjà réservé"):
        await services.book(awa, wanted(tablets, at(14, 30), at(15)))
    with pytest.raises(BookingRefused):
        await services.book(awa, wanted(tablets, at(13), at(16), units=1))


async def test_the_buffer_keeps_time_free_after_a_booking(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, buffer_minutes=30)
    await services.book(awa, wanted(studio, at(10), at(11)))
    with pytest.raises(BookingRefused):
        await services.book(awa, wanted(studio, at(11), at(12)))
    await services.book(awa, wanted(studio, at(11, 30), at(12)))


async def test_opening_hours_and_closures_are_respected(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(19, 30), at(20, 30)))
    assert refused.value.code == "outside_opening_hours"
    await Closure.insert(Closure(site=cast.saint_denis.id, day=TUESDAY, label="Formation"))
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(10), at(11)))
    assert refused.value.code == "closed_day"


async def test_quotas_limit_a_visitor_but_not_others(cast):
    awa = await cast.principal("awa")
    tablets = await make_resource(
        cast.saint_denis, "Tablettes", units=5, max_bookings_per_day=1, max_minutes_per_week=90
    )
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await services.book(awa, wanted(tablets, at(10), at(11), visitor_id=yanis.id))
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(tablets, at(14), at(14, 30), visitor_id=yanis.id))
    assert refused.value.code == "quota_day_bookings"
    wednesday = TUESDAY + dt.timedelta(days=1)
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa, wanted(tablets, at(10, day=wednesday), at(11, day=wednesday), visitor_id=yanis.id)
        )
    assert refused.value.code == "quota_week_minutes"
    await services.book(awa, wanted(tablets, at(14), at(14, 30), visitor_id=lea.id))


async def test_a_studio_needs_its_skill_and_names_the_workshop_that_teaches_it(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, "Studio", required_skill="studio")
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    skills.offers["studio", cast.saint_denis.id] = SkillOffer(
        "Enregistrer un message vocal au studio", 7, "Découvrir le studio"
    )
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    assert refused.value.code == "skill_required"
    assert refused.value.module_id == 7
    assert refused.value.message == (
        "Pour réserver «\u00a0Studio\u00a0», il faut d'abord savoir «\u00a0Enregistrer un "
        "message vocal au studio\u00a0». L'atelier «\u00a0Découvrir le studio\u00a0» vous "
        "l'apprend."
    )
    assert await AuditLog.exists().where(AuditLog.action == "booking.refused")
    # The team's own use needs no skill.
    await services.book(awa, wanted(studio, at(14), at(15)))
    skills.validated[moussa.id, "studio"] = at(9, day=TUESDAY - dt.timedelta(days=1))
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    assert booking.status == "confirmed"


async def test_without_a_workshop_to_offer_the_refusal_sends_to_the_desk(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, "Studio", required_skill="studio")
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    assert refused.value.code == "skill_required" and refused.value.module_id is None
    assert refused.value.message.endswith("Demandez à l'accueil.")


async def test_with_no_skills_gate_registered_a_skill_is_never_held(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, "Studio", required_skill="studio")
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    skills.validated[moussa.id, "studio"] = at(9, day=TUESDAY - dt.timedelta(days=1))
    services.check_skills_with(gates.CLOSED)  # the fixture puts the previous gate back
    with pytest.raises(BookingRefused) as refused:
        await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    assert refused.value.code == "skill_required"
    assert "«\u00a0studio\u00a0»" in refused.value.message  # no skills domain: its code


async def test_a_skill_unused_for_its_lapse_period_is_needed_again(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(
        cast.saint_denis, "Studio", required_skill="studio", skill_lapse_months=6
    )
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    skills.validated[moussa.id, "studio"] = at(9, day=TUESDAY - dt.timedelta(days=1))
    skills.offers["studio", cast.saint_denis.id] = SkillOffer("Enregistrer au studio", 7, "Studio")
    # Booked, but never used: the visitor did not come, which keeps nothing alive.
    await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    # Six months after the validation, to the day: still held.
    june = dt.date(2027, 5, 31)  # a Monday
    freeze(at(9, day=june))
    tuesday = june + dt.timedelta(days=1)
    await services.book(
        awa, wanted(studio, at(10, day=tuesday), at(11, day=tuesday), visitor_id=moussa.id)
    )
    # A day later, no more.
    freeze(at(9, day=tuesday))
    later = tuesday + dt.timedelta(days=1)
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa, wanted(studio, at(10, day=later), at(11, day=later), visitor_id=moussa.id)
        )
    assert refused.value.code == "skill_lapsed"
    assert refused.value.module_id == 7
    assert refused.value.message.startswith(
        "Vous n'avez pas utilisé «\u00a0Studio\u00a0» depuis plus de 6 mois\u00a0: il faut de "
        "nouveau savoir «\u00a0Enregistrer au studio\u00a0»."
    )
    # Validated again: booked again.
    skills.validated[moussa.id, "studio"] = at(9, day=tuesday)
    await services.book(
        awa, wanted(studio, at(10, day=later), at(11, day=later), visitor_id=moussa.id)
    )


async def test_using_the_studio_keeps_the_skill_alive(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(
        cast.saint_denis, "Studio", required_skill="studio", skill_lapse_months=6
    )
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    validated = at(9, day=dt.date(2026, 7, 1))  # five months before: held now
    skills.validated[moussa.id, "studio"] = validated
    skills.validated[lea.id, "studio"] = validated
    used = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=moussa.id))
    await services.book(awa, wanted(studio, at(14), at(15), visitor_id=lea.id))
    freeze(at(10, 5))
    await services.check_in(awa, used.id)  # Moussa came; Léa never did
    # April: nine months after the validation, four after Moussa's session in the studio.
    april = dt.date(2027, 4, 6)  # a Tuesday
    freeze(at(9, day=april - dt.timedelta(days=1)))
    booked = await services.book(
        awa, wanted(studio, at(10, day=april), at(11, day=april), visitor_id=moussa.id)
    )
    assert booked.status == "confirmed"
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa, wanted(studio, at(14, day=april), at(15, day=april), visitor_id=lea.id)
        )
    assert refused.value.code == "skill_lapsed"


async def test_only_a_use_of_that_skill_at_that_site_keeps_it_alive(cast, skills):
    awa = await cast.principal("awa")
    studio = await make_resource(
        cast.saint_denis, "Studio", required_skill="studio", skill_lapse_months=6
    )
    booth = await make_resource(
        cast.saint_denis, "Cabine", required_skill="podcast", skill_lapse_months=6
    )
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    validated = at(9, day=dt.date(2026, 7, 1))
    skills.validated[moussa.id, "studio"] = validated
    skills.validated[moussa.id, "podcast"] = validated
    used = await services.book(awa, wanted(booth, at(10), at(11), visitor_id=moussa.id))
    freeze(at(10, 5))
    await services.check_in(awa, used.id)
    april = dt.date(2027, 4, 6)
    freeze(at(9, day=april - dt.timedelta(days=1)))
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa, wanted(studio, at(10, day=april), at(11, day=april), visitor_id=moussa.id)
        )
    assert refused.value.code == "skill_lapsed"
    await services.book(
        awa, wanted(booth, at(10, day=april), at(11, day=april), visitor_id=moussa.id)
    )


async def test_self_service_obeys_lead_time_and_horizon_and_may_need_approval(cast):
    studio = await make_resource(
        cast.saint_denis, lead_minutes=120, horizon_days=7, needs_approval=True
    )
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis)
    freeze(at(9))
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa, wanted(studio, at(10), at(11), visitor_id=visitor.id), self_service=True
        )
    assert refused.value.code == "too_soon"
    later = TUESDAY + dt.timedelta(days=10)
    with pytest.raises(BookingRefused) as refused:
        await services.book(
            awa,
            wanted(studio, at(10, day=later), at(11, day=later), visitor_id=visitor.id),
            self_service=True,
        )
    assert refused.value.code == "too_far"
    pending = await services.book(
        awa, wanted(studio, at(14), at(15), visitor_id=visitor.id), self_service=True
    )
    assert pending.status == "pending"
    staff_booking = await services.book(awa, wanted(studio, at(9, 30), at(10)))
    assert staff_booking.status == "confirmed"  # staff at the desk are not bound by lead time


async def test_a_manager_approves_and_a_facilitator_cannot(cast):
    studio = await make_resource(cast.saint_denis, needs_approval=True)
    visitor = await make_visitor(cast.saint_denis)
    awa, julien = await cast.principal("awa"), await cast.principal("julien")
    pending = await services.book(
        awa, wanted(studio, at(14), at(15), visitor_id=visitor.id), self_service=True
    )
    with pytest.raises(Forbidden):
        await services.decide(awa, pending.id, approve=True)
    approved = await services.decide(julien, pending.id, approve=True)
    assert approved.status == "confirmed" and approved.sequence == 1
    with pytest.raises(Conflict):
        await services.decide(julien, pending.id, approve=False)


async def test_cancelling_frees_the_slot_and_bumps_the_sequence(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    booking = await services.book(awa, wanted(studio, at(10), at(11)))
    cancelled = await services.cancel(awa, booking.id)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    await services.book(awa, wanted(studio, at(10), at(11)))
    with pytest.raises(Conflict):
        await services.cancel(awa, booking.id)


async def test_a_move_is_checked_without_the_booking_itself(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis)
    booking = await services.book(awa, wanted(studio, at(10), at(11)))
    await services.book(awa, wanted(studio, at(12), at(13)))
    moved = await services.move(
        awa,
        booking.id,
        MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(10, 30), end=dt.time(11, 30)),
    )
    assert moved.starts_at == at(10, 30)
    with pytest.raises(BookingRefused):
        await services.move(
            awa,
            booking.id,
            MoveInput(resource_id=studio.id, day=TUESDAY, start=dt.time(12), end=dt.time(13)),
        )


async def test_another_sites_resource_is_forbidden(cast):
    sofia = await cast.principal("sofia")
    studio = await make_resource(cast.saint_denis)
    with pytest.raises(Forbidden):
        await services.book(sofia, wanted(studio, at(10), at(11)))


async def test_a_weekly_series_lists_every_skipped_date(cast):
    awa = await cast.principal("awa")
    room = await make_resource(cast.saint_denis, "Salle")
    second_week = TUESDAY + dt.timedelta(days=7)
    await services.book(awa, wanted(room, at(10, day=second_week), at(11, day=second_week)))
    result = await services.book_series(
        awa,
        SeriesInput(
            resource_id=room.id,
            day=TUESDAY,
            start=dt.time(10),
            end=dt.time(11),
            weekdays=[1, 3],  # Tuesdays and Thursdays
            until=TUESDAY + dt.timedelta(days=20),
        ),
    )
    assert len(result.created) == 5
    assert [day for day, _ in result.skipped] == [second_week]
    assert all(booking.series_id == result.series_id for booking in result.created)


async def test_an_unclaimed_booking_is_released_after_its_delay_without_a_request(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    visitor = await make_visitor(cast.saint_denis)
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=visitor.id))
    freeze(at(10, 14))
    assert await releases.release_due() == 0
    freeze(at(10, 15))
    assert await releases.release_due() == 1
    released = await Booking.objects().get(Booking.id == booking.id)
    assert released.status == "released"
    assert await queries.no_show_count(visitor.id) == 1
    assert await releases.release_due() == 0  # a second round changes nothing


async def test_the_release_loop_runs_in_the_background(cast):
    import asyncio

    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    booking = await services.book(awa, wanted(studio, at(10), at(11)))
    freeze(at(10, 20))
    stop = asyncio.Event()
    loop = asyncio.create_task(releases.release_loop(stop, seconds=0.01))
    for _ in range(200):
        if (await Booking.objects().get(Booking.id == booking.id)).status == "released":
            break
        await asyncio.sleep(0.01)
    stop.set()
    await loop
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "released"


async def test_booking_applies_due_releases_before_checking_capacity(cast):
    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    await services.book(awa, wanted(studio, at(10), at(11)))
    freeze(at(10, 20))
    # No loop ran: the booking itself applies the due release and gets the freed slot.
    await services.book(awa, wanted(studio, at(10, 30), at(11)))


async def test_check_in_by_scanning_a_pass_within_the_window(cast):
    from lab.accounts import visitors

    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, checkin_before_minutes=15)
    yanis = await make_visitor(cast.saint_denis)
    issued, token = await visitors.reissue_pass(awa, yanis.id)
    booking = await services.book(awa, wanted(studio, at(10), at(11), visitor_id=yanis.id))
    freeze(at(9, 30))
    with pytest.raises(Conflict) as refused:
        await checkin.check_in_by_pass(awa, cast.saint_denis.id, f"http://x/p/{token}")
    assert refused.value.code == "no_booking_now"
    freeze(at(9, 50))
    checked = await checkin.check_in_by_pass(awa, cast.saint_denis.id, issued.short_code)
    assert checked.id == booking.id and checked.status == "checked_in"
    again = await checkin.check_in_by_pass(awa, cast.saint_denis.id, token)
    assert again.status == "checked_in"
    freeze(at(11, 1))
    await releases.release_due()
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "completed"


async def test_reading_availability_applies_due_releases(cast):
    from lab.bookings.availability import day_slots

    awa = await cast.principal("awa")
    studio = await make_resource(cast.saint_denis, release_after_minutes=15)
    booking = await services.book(awa, wanted(studio, at(10), at(11)))
    freeze(at(10, 16))
    slots = {slot.starts_at: slot.free_units for slot in await day_slots(studio, TUESDAY)}
    assert slots[at(10, 30)] == 1
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "released"


async def test_a_workshop_room_is_not_released_for_want_of_a_check_in(cast):
    awa = await cast.principal("awa")
    room = await make_resource(cast.saint_denis, "Salle d'atelier", release_after_minutes=15)
    booking = await services.book(awa, wanted(room, at(10), at(12), source="workshop"))
    freeze(at(10, 30))
    assert await releases.release_due() == 0
    freeze(at(12))
    assert await releases.release_due() == 1
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "completed"
