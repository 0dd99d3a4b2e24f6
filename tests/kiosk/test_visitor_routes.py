"""A visitor at a tablet: browse and join workshops, book equipment, see and cancel their own
appointments (pass + PIN for anything personal)."""

from __future__ import annotations

import datetime as dt

from lab.accounts import passes
from lab.bookings.tables import Booking
from lab.core import clock
from lab.workshops.tables import Enrolment
from tests.bookings.factories import at, freeze, make_resource
from tests.kiosk.helpers import pair_client
from tests.me.factories import PIN, Holder, visitor_with_pass
from tests.workshops.factories import make_module, make_session

# Tuesday 1 December 2026, 10:00 in Saint-Denis.
NOW = at(10)
TOMORROW = dt.date(2026, 12, 2)


async def identify(client, holder: Holder, next_path: str = "/kiosk/mine") -> None:
    """Show the card (its short code typed) and the PIN, as the identify page does."""
    response = await client.post(
        "/kiosk/identify",
        data={
            "code": passes.display_short_code(holder.short_code),
            "pin": PIN,
            "next": next_path,
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == next_path


async def workshop(site, title: str = "Atelier CV", capacity: int = 3, **extra):
    """A self-enrolment series with two sessions to come (tomorrow and a week later)."""
    extra = {"self_enrol": True, **extra}
    module = await make_module(site, title, capacity=capacity, **extra)
    first = await make_session(module, at(14, day=TOMORROW))
    await make_session(module, at(14, day=TOMORROW + dt.timedelta(days=7)))
    return module, first


async def enrolled(module, visitor, status: str = "enrolled", session=None, position: int = 1):
    row = Enrolment(
        visitor=visitor.id,
        module=module.id,
        session=session.id if session else None,
        status=status,
        position=position,
        source="staff",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    await row.save()
    return row


# -- Workshops --------------------------------------------------------------------------------


async def test_anyone_may_browse_the_workshops_open_to_self_enrolment(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    open_one, _first = await workshop(cast.saint_denis, "Atelier CV", kind="job_search")
    await workshop(cast.saint_denis, "Réservé équipe", self_enrol=False)
    await workshop(cast.saint_denis, "Fermé", active=False)
    await workshop(cast.brussels, "Atelier bruxellois")
    response = await client.get("/kiosk/workshops")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "Atelier CV" in response.text
    assert "mercredi 2 décembre, 14:00–16:00" in response.text  # Paris time
    assert "3 places libres" in response.text
    assert "Recherche d'emploi" in response.text  # the kind in words, beside its picture
    for hidden in ("Réservé équipe", "Fermé", "Atelier bruxellois"):
        assert hidden not in response.text
    page = await client.get(f"/kiosk/workshops/{open_one.id}")
    assert page.status_code == 200
    assert f'href="/kiosk/workshops/{open_one.id}/enrol"' in page.text
    assert "Les 2 séances" in page.text


async def test_a_full_workshop_says_so_and_offers_the_waiting_list(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis, capacity=1)
    someone = await visitor_with_pass(cast.saint_denis, "Malik")
    await enrolled(module, someone.visitor)
    response = await client.get("/kiosk/workshops")
    assert "Complet\u00a0: liste d'attente" in response.text


async def test_enrolling_without_a_visit_sends_the_tablet_to_the_pass_and_pin_page(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis)
    for method in (client.get, client.post):
        response = await method(f"/kiosk/workshops/{module.id}/enrol")
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/kiosk/identify?next=/kiosk/workshops/{module.id}/enrol"
        )
    assert await Enrolment.count() == 0


async def test_a_visitor_with_pass_and_pin_enrols_once(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    path = f"/kiosk/workshops/{module.id}/enrol"
    await identify(client, ines, path)
    confirm = await client.get(path)
    assert confirm.status_code == 200
    assert "Voulez-vous vous inscrire\u00a0?" in confirm.text
    assert "Bonjour Inès" in confirm.text
    assert "Martin" not in confirm.text  # the first name only, on a shared screen
    response = await client.post(path)
    assert response.status_code == 200, response.text
    assert 'data-status="enrolled"' in response.text
    assert "Vous êtes inscrit·e." in response.text
    row = await Enrolment.objects().get(Enrolment.visitor == ines.visitor.id)
    assert (row.status, row.source, row.session) == ("enrolled", "kiosk", None)
    again = await client.post(path)
    assert "Vous étiez déjà inscrit·e." in again.text
    assert await Enrolment.count().where(Enrolment.visitor == ines.visitor.id) == 1
    page = await client.get(f"/kiosk/workshops/{module.id}")
    assert "Vous êtes inscrit·e." in page.text and f'href="{path}"' not in page.text


async def test_a_full_drop_in_session_puts_the_visitor_on_its_waiting_list_with_a_number(
    client, cast
):
    freeze(NOW)
    await pair_client(client, cast)
    module, first = await workshop(cast.saint_denis, capacity=1, enrolment="drop_in")
    malik = await visitor_with_pass(cast.saint_denis, "Malik")
    sara = await visitor_with_pass(cast.saint_denis, "Sara")
    await enrolled(module, malik.visitor, session=first)
    await enrolled(module, sara.visitor, "waitlisted", session=first, position=2)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    path = f"/kiosk/workshops/{module.id}/{first.id}/enrol"
    await identify(client, ines, path)
    confirm = await client.get(path)
    assert "C'est complet" in confirm.text
    response = await client.post(path)
    assert response.status_code == 200, response.text
    assert "Vous êtes sur la liste d'attente, numéro 2." in response.text
    row = await Enrolment.objects().get(Enrolment.visitor == ines.visitor.id)
    assert (row.status, row.session) == ("waitlisted", first.id)


async def test_a_drop_in_workshop_needs_one_of_its_own_sessions_to_come(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis, enrolment="drop_in")
    _other, elsewhere = await workshop(cast.saint_denis, "Autre", enrolment="drop_in")
    past = await make_session(module, at(8))
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines)
    for session_id in (elsewhere.id, past.id):
        response = await client.post(f"/kiosk/workshops/{module.id}/{session_id}/enrol")
        assert response.status_code == 404
    assert (await client.post(f"/kiosk/workshops/{module.id}/enrol")).status_code == 404
    assert await Enrolment.count() == 0


async def test_a_tablet_not_allowed_to_enrol_gets_403(client, cast):
    freeze(NOW)
    await pair_client(client, cast, actions=["checkin", "book"])
    module, _first = await workshop(cast.saint_denis)
    assert (await client.get("/kiosk/workshops")).status_code == 403
    assert (await client.post(f"/kiosk/workshops/{module.id}/enrol")).status_code == 403


async def test_another_sites_workshop_is_not_found(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    brussels, _first = await workshop(cast.brussels)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines)
    assert (await client.get(f"/kiosk/workshops/{brussels.id}")).status_code == 404
    assert (await client.post(f"/kiosk/workshops/{brussels.id}/enrol")).status_code == 404
    assert await Enrolment.count() == 0


# -- Booking ----------------------------------------------------------------------------------


async def tablets(site, **rules):
    return await make_resource(site, "Tablettes", units=2, kiosk_self_service=True, **rules)


async def test_anyone_may_see_what_is_free_without_a_pass(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis, max_minutes=60)
    await make_resource(cast.saint_denis, "Grand écran")  # not self-service
    await tablets(cast.brussels)
    listing = await client.get("/kiosk/book")
    assert listing.status_code == 200
    assert f'href="/kiosk/book/{pool.id}"' in listing.text
    assert listing.text.count('class="tile tile-resource"') == 1
    days = await client.get(f"/kiosk/book/{pool.id}")
    assert "Aujourd'hui" in days.text
    assert 'id="day-2026-12-01"' in days.text and 'id="day-2026-12-02"' in days.text
    assert 'id="day-2026-12-06"' not in days.text  # Sunday: closed, shown without a link
    slots = await client.get(f"/kiosk/book/{pool.id}/2026-12-01")
    assert slots.status_code == 200
    assert 'id="slot-0930"' not in slots.text  # already past
    assert 'id="slot-1000"' in slots.text and 'id="slot-1930"' in slots.text


async def test_late_in_the_day_today_says_full_instead_of_offering_nothing(client, cast):
    freeze(at(20, 30))  # past the last start of the day
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis)
    days = await client.get(f"/kiosk/book/{pool.id}")
    assert "Complet" in days.text
    assert f'href="/kiosk/book/{pool.id}/2026-12-01"' not in days.text
    assert f'href="/kiosk/book/{pool.id}/2026-12-02"' in days.text


async def test_a_slot_taken_by_every_unit_is_not_offered(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis)
    for name in ("Malik", "Sara"):
        holder = await visitor_with_pass(cast.saint_denis, name)
        await book_directly(pool, holder, at(14), at(15))
    slots = await client.get(f"/kiosk/book/{pool.id}/2026-12-01")
    assert 'id="slot-1330"' in slots.text
    assert 'id="slot-1400"' not in slots.text and 'id="slot-1430"' not in slots.text


async def book_directly(resource, holder: Holder, starts_at, ends_at, status="confirmed"):
    booking = Booking(
        resource=resource.id,
        visitor=holder.visitor.id,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at,
        units=1,
        status=status,
        source="staff",
        uid=f"{holder.visitor.id}-{starts_at.isoformat()}@test",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    await booking.save()
    return booking


async def test_a_visitor_books_a_tablet_within_the_rules(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis, max_minutes=90)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    path = f"/kiosk/book/{pool.id}/2026-12-01/1400"
    assert (await client.get(path)).headers["location"] == f"/kiosk/identify?next={path}"
    await identify(client, ines, path)
    confirm = await client.get(path)
    assert confirm.status_code == 200
    for minutes in ("30", "60", "90"):
        assert f'value="{minutes}"' in confirm.text
    assert 'value="120"' not in confirm.text  # longer than the rules allow
    response = await client.post(path, data={"minutes": "60"})
    assert response.status_code == 200, response.text
    assert "C'est réservé\u00a0!" in response.text
    booking = await Booking.objects().get(Booking.visitor == ines.visitor.id)
    assert (booking.starts_at, booking.ends_at) == (at(14), at(15))
    assert (booking.status, booking.source, booking.units) == ("confirmed", "kiosk", 1)


async def test_a_booking_over_the_quota_is_refused_in_plain_words(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis, max_bookings_per_day=1)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await book_directly(pool, ines, at(11), at(12))
    path = f"/kiosk/book/{pool.id}/2026-12-01/1600"
    await identify(client, ines, path)
    response = await client.post(path, data={"minutes": "30"})
    assert response.status_code == 409
    assert 'data-code="quota_day_bookings"' in response.text
    assert "Vous avez déjà assez de réservations ce jour-là." in response.text
    assert await Booking.count().where(Booking.visitor == ines.visitor.id) == 1


async def test_a_booking_too_soon_is_refused_with_the_rule(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis, lead_minutes=120)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    slots = await client.get(f"/kiosk/book/{pool.id}/2026-12-01")
    assert 'id="slot-1130"' not in slots.text and 'id="slot-1200"' in slots.text
    path = f"/kiosk/book/{pool.id}/2026-12-01/1030"
    await identify(client, ines, path)
    assert 'id="slot-gone"' in (await client.get(path)).text
    response = await client.post(path, data={"minutes": "30"})
    assert response.status_code == 409
    assert 'data-code="too_soon"' in response.text
    assert "Il faut réserver au moins 120 minutes" in response.text
    assert await Booking.count() == 0


async def test_a_resource_needing_approval_gets_a_pending_request_explained(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    room = await make_resource(
        cast.saint_denis, "Salle de mixage", kiosk_self_service=True, needs_approval=True
    )
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    path = f"/kiosk/book/{room.id}/2026-12-02/1000"
    await identify(client, ines, path)
    assert "L'équipe doit valider" in (await client.get(path)).text
    response = await client.post(path, data={"minutes": "60"})
    assert response.status_code == 200, response.text
    assert 'data-status="pending"' in response.text
    booking = await Booking.objects().get(Booking.visitor == ines.visitor.id)
    assert booking.status == "pending"


async def test_another_sites_or_a_staff_only_resource_cannot_be_booked_here(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    brussels = await tablets(cast.brussels)
    screen = await make_resource(cast.saint_denis, "Grand écran")
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines)
    for resource in (brussels, screen):
        assert (await client.get(f"/kiosk/book/{resource.id}")).status_code == 404
        path = f"/kiosk/book/{resource.id}/2026-12-02/1000"
        assert (await client.post(path, data={"minutes": "30"})).status_code == 404
    assert await Booking.count() == 0


async def test_a_day_beyond_the_horizon_is_not_offered(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis, horizon_days=2)
    days = await client.get(f"/kiosk/book/{pool.id}")
    assert 'id="day-2026-12-03"' in days.text and 'id="day-2026-12-04"' not in days.text
    assert (await client.get(f"/kiosk/book/{pool.id}/2026-12-10")).status_code == 404


async def test_a_tablet_not_allowed_to_book_gets_403(client, cast):
    freeze(NOW)
    await pair_client(client, cast, actions=["enrol"])
    pool = await tablets(cast.saint_denis)
    assert (await client.get("/kiosk/book")).status_code == 403
    assert (await client.get(f"/kiosk/book/{pool.id}")).status_code == 403


# -- My appointments --------------------------------------------------------------------------


async def test_my_appointments_need_the_pass_and_pin(client, cast):
    await pair_client(client, cast)
    response = await client.get("/kiosk/mine")
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk/identify?next=/kiosk/mine"


async def test_a_visitor_sees_and_cancels_their_enrolment_and_the_next_in_line_gets_it(
    client, cast
):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis, capacity=1)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    malik = await visitor_with_pass(cast.saint_denis, "Malik")
    mine = await enrolled(module, ines.visitor)
    waiting = await enrolled(module, malik.visitor, "waitlisted", position=2)
    pool = await tablets(cast.saint_denis)
    booking = await book_directly(pool, ines, at(16), at(17))
    await identify(client, ines)
    page = await client.get("/kiosk/mine")
    assert page.status_code == 200
    assert "Atelier CV" in page.text and "Tablettes" in page.text
    assert f'href="/kiosk/mine/enrolments/{mine.id}/cancel"' in page.text
    assert f'href="/kiosk/mine/bookings/{booking.id}/cancel"' in page.text
    assert "Malik" not in page.text
    confirm = await client.get(f"/kiosk/mine/enrolments/{mine.id}/cancel")
    assert confirm.status_code == 200 and "Oui, annuler" in confirm.text
    done = await client.post(f"/kiosk/mine/enrolments/{mine.id}/cancel")
    assert done.status_code == 200, done.text
    assert "Votre inscription est annulée." in done.text
    assert (await Enrolment.objects().get(Enrolment.id == mine.id)).status == "cancelled"
    assert (await Enrolment.objects().get(Enrolment.id == waiting.id)).status == "enrolled"
    assert f'id="enrolment-{mine.id}"' not in done.text


async def test_a_visitor_cancels_their_booking(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    booking = await book_directly(pool, ines, at(16), at(17))
    await identify(client, ines)
    confirm = await client.get(f"/kiosk/mine/bookings/{booking.id}/cancel")
    assert confirm.status_code == 200
    assert "Voulez-vous annuler cette réservation\u00a0?" in confirm.text
    done = await client.post(f"/kiosk/mine/bookings/{booking.id}/cancel")
    assert done.status_code == 200, done.text
    assert "Votre réservation est annulée." in done.text
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "cancelled"


async def test_nobody_cancels_someone_elses_items_by_changing_the_number(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    module, _first = await workshop(cast.saint_denis)
    pool = await tablets(cast.saint_denis)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    malik = await visitor_with_pass(cast.saint_denis, "Malik")
    theirs = await enrolled(module, malik.visitor)
    their_booking = await book_directly(pool, malik, at(16), at(17))
    await identify(client, ines)
    for path in (
        f"/kiosk/mine/enrolments/{theirs.id}/cancel",
        f"/kiosk/mine/bookings/{their_booking.id}/cancel",
    ):
        assert (await client.get(path)).status_code == 404
        response = await client.post(path)
        assert response.status_code == 404
        assert "Malik" not in response.text
    assert (await Enrolment.objects().get(Enrolment.id == theirs.id)).status == "enrolled"
    assert (await Booking.objects().get(Booking.id == their_booking.id)).status == "confirmed"


async def test_a_booking_already_started_can_no_longer_be_cancelled(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    pool = await tablets(cast.saint_denis)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    booking = await book_directly(pool, ines, at(10), at(11), status="checked_in")
    await identify(client, ines)
    page = await client.get("/kiosk/mine")
    assert f'id="booking-{booking.id}"' in page.text
    assert f'href="/kiosk/mine/bookings/{booking.id}/cancel"' not in page.text
    response = await client.post(f"/kiosk/mine/bookings/{booking.id}/cancel")
    assert response.status_code == 409
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "checked_in"
