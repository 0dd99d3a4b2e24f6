"""A visitor refused at a tablet's check-in is told their next appointment at this lab: their
next workshop session (enrolled) or booking (confirmed) at the tablet's site, in the site's
time zone, in plain words."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lab.accounts import visitors
from lab.bookings import services as bookings
from lab.bookings.queries import next_booking_of
from lab.bookings.services import Wanted
from lab.bookings.tables import Booking
from lab.core import i18n
from lab.kiosk import devices
from lab.kiosk.queries import next_appointment
from lab.kiosk.services import KioskScanRefused, check_in_at_kiosk
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.queries import next_session_of
from lab.workshops.tables import Enrolment, Session
from tests.bookings.factories import at, freeze, make_resource
from tests.kiosk.helpers import pair_client, paired_device
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

THURSDAY = dt.date(2026, 12, 3)
NEXT_WEEK = dt.date(2026, 12, 8)


@pytest.fixture
async def tablet(cast) -> devices.DevicePrincipal:
    return await paired_device(cast)


@pytest.fixture
async def yanis(cast):
    """Yanis of Saint-Denis with his pass; it is Tuesday 1 December 2026, 10:05 in Paris."""
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    _card, token = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(10, 5))
    return {"awa": awa, "visitor": yanis, "token": token}


async def _enrolled(awa, visitor, site, title: str, starts: list[dt.datetime], **module):
    workshop = await make_module(site, title, capacity=module.pop("capacity", 5), **module)
    sessions = [await make_session(workshop, start) for start in starts]
    await enrolment.enrol(awa, workshop.id, EnrolInput(visitor_id=visitor.id))
    return workshop, sessions


async def test_the_next_session_is_the_first_to_come_of_a_series_they_are_enrolled_in(cast, yanis):
    visitor = yanis["visitor"]
    _cv, sessions = await _enrolled(
        yanis["awa"],
        visitor,
        cast.saint_denis,
        "Atelier CV",
        [at(9, 0), at(14, day=THURSDAY), at(14, day=NEXT_WEEK)],
    )
    found = await next_session_of(visitor.id, cast.saint_denis.id, at(10, 5))
    assert (found.session_id, found.title, found.starts_at) == (
        sessions[1].id,
        "Atelier CV",
        at(14, day=THURSDAY),
    )
    # A cancelled session is no appointment: the next one is.
    await Session.update({Session.status: "cancelled"}).where(Session.id == sessions[1].id)
    found = await next_session_of(visitor.id, cast.saint_denis.id, at(10, 5))
    assert found.session_id == sessions[2].id


async def test_a_drop_in_session_counts_a_waiting_list_does_not(cast, yanis):
    visitor, awa = yanis["visitor"], yanis["awa"]
    cafe = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    sooner = await make_session(cafe, at(16))
    later = await make_session(cafe, at(16, day=THURSDAY))
    await enrolment.enrol(awa, cafe.id, EnrolInput(visitor_id=visitor.id, session_id=later.id))
    full = await make_module(cast.saint_denis, "Atelier plein", capacity=1)
    await make_session(full, at(11))
    someone = await make_visitor(cast.saint_denis, "Lina", "Autre")
    await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=someone.id))
    await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=visitor.id))  # waitlisted
    assert await Enrolment.count().where(Enrolment.status == "waitlisted") == 1
    found = await next_session_of(visitor.id, cast.saint_denis.id, at(10, 5))
    assert (found.session_id, found.title) == (later.id, "Café numérique")
    assert found.session_id != sooner.id  # a drop-in session they did not enrol in


async def test_a_cancelled_enrolment_and_another_sites_sessions_are_no_appointment(cast, yanis):
    visitor, awa = yanis["visitor"], yanis["awa"]
    _cv, _ = await _enrolled(awa, visitor, cast.saint_denis, "Atelier CV", [at(14)])
    await Enrolment.update({Enrolment.status: "cancelled"}).where(Enrolment.visitor == visitor.id)
    # Enrolled in Brussels too (the desk there would have to take them on: written directly).
    brussels = await make_module(cast.brussels, "Atelier Bruxelles")
    await make_session(brussels, at(15))
    await Enrolment.insert(
        Enrolment(
            visitor=visitor.id,
            module=brussels.id,
            status="enrolled",
            created_at=at(9),
            updated_at=at(9),
        )
    )
    assert await next_session_of(visitor.id, cast.saint_denis.id, at(10, 5)) is None
    elsewhere = await next_session_of(visitor.id, cast.brussels.id, at(10, 5))
    assert elsewhere.title == "Atelier Bruxelles"


async def test_the_next_booking_is_a_confirmed_one_at_this_site(cast, yanis):
    visitor, awa = yanis["visitor"], yanis["awa"]
    studio = await make_resource(cast.saint_denis, name="Studio")
    room = await make_resource(cast.saint_denis, name="Salle")
    asked = await bookings.book(
        awa, Wanted(resource_id=room.id, starts_at=at(11), ends_at=at(12), visitor_id=visitor.id)
    )
    # Still awaiting the team's approval (as a kiosk booking of such a room is).
    await Booking.update({Booking.status: "pending"}).where(Booking.id == asked.id)
    assert await next_booking_of(visitor.id, cast.saint_denis.id, at(10, 5)) is None
    booked = await bookings.book(
        awa,
        Wanted(resource_id=studio.id, starts_at=at(15), ends_at=at(16), visitor_id=visitor.id),
    )
    found = await next_booking_of(visitor.id, cast.saint_denis.id, at(10, 5))
    assert (found.booking_id, found.title, found.starts_at) == (booked.id, "Studio", at(15))
    assert await next_booking_of(visitor.id, cast.brussels.id, at(10, 5)) is None
    assert await next_booking_of(visitor.id, cast.saint_denis.id, at(15)) is None  # started


async def test_the_next_appointment_is_the_sooner_said_in_the_sites_time_and_language(
    cast, yanis, tablet
):
    visitor, awa = yanis["visitor"], yanis["awa"]
    assert await next_appointment(tablet, visitor.id) is None
    await _enrolled(awa, visitor, cast.saint_denis, "Atelier CV", [at(14, day=NEXT_WEEK)])
    studio = await make_resource(cast.saint_denis, name="Studio")
    await bookings.book(
        awa,
        Wanted(
            resource_id=studio.id,
            starts_at=at(9, day=THURSDAY),
            ends_at=at(10, day=THURSDAY),
            visitor_id=visitor.id,
        ),
    )
    found = await next_appointment(tablet, visitor.id)
    assert (found.title, found.starts_at, found.timezone) == (
        "Studio",
        at(9, day=THURSDAY),
        "Europe/Paris",
    )
    # The booking gone, the session is next: said in Paris time (13:00 UTC), in each language.
    await bookings.cancel_own(
        tablet,
        visitor.id,
        (await next_booking_of(visitor.id, cast.saint_denis.id, at(10, 5))).booking_id,
    )
    found = await next_appointment(tablet, visitor.id)
    assert found.starts_at.hour == 13  # UTC
    said = {}
    for language in ("fr", "en", "nl"):
        with i18n.language(language):
            said[language] = found.sentence()
    assert said == {
        "fr": "Votre prochain rendez-vous\u00a0: mardi 8 décembre à 14\u00a0h\u00a000, Atelier CV",
        "en": "Your next appointment: Tuesday 8 December at 14:00, Atelier CV",
        "nl": "Uw volgende afspraak: dinsdag 8 december om 14:00, Atelier CV",
    }


async def test_a_refusal_names_whose_pass_it_was_for_the_tablet_only(cast, yanis, tablet):
    visitor = yanis["visitor"]

    async def scan(code: str, nonce: str | None = None):
        with pytest.raises(KioskScanRefused) as refused:
            await check_in_at_kiosk(
                tablet, code=code, nonce=nonce or str(uuid.uuid4()), client_at=at(10, 5)
            )
        return refused.value

    refused = await scan(yanis["token"])
    assert (refused.code, refused.visitor_id) == ("nothing_now", visitor.id)
    assert str(visitor.id) not in refused.message
    unknown = await scan("ZZZZ-ZZZZ")
    assert (unknown.code, unknown.visitor_id) == ("unknown_pass", None)
    # A repeated nonce repeats the refusal, and still knows whose it was.
    nonce = str(uuid.uuid4())
    await scan(yanis["token"], nonce)
    again = await scan(yanis["token"], nonce)
    assert (again.code, again.visitor_id) == ("nothing_now", visitor.id)


# -- What the tablet shows -------------------------------------------------------------------

API = "/kiosk/api/checkins"
THURSDAY_CV = "Votre prochain rendez-vous\u00a0: jeudi 3 décembre à 14\u00a0h\u00a000, Atelier CV"


def _scan(code: str) -> dict:
    now = at(10, 5).isoformat()
    return {"nonce": str(uuid.uuid4()), "code": code, "client_at": now, "sent_at": now}


async def test_the_queue_hears_the_next_appointment_with_the_refusal(client, cast, yanis):
    await _enrolled(
        yanis["awa"], yanis["visitor"], cast.saint_denis, "Atelier CV", [at(14, day=THURSDAY)]
    )
    await pair_client(client, cast)
    refused = await client.post(API, json=_scan(yanis["token"]))
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "nothing_now",
        "message": "Rien à pointer pour vous maintenant. Demandez à l'accueil.",
        "next_appointment": THURSDAY_CV,
    }
    assert "Martin" not in refused.text
    # In the language the visitor chose at the tablet.
    await client.post("/kiosk/language", data={"language": "en", "next": "/kiosk/checkin"})
    english = await client.post(API, json=_scan(yanis["token"]))
    assert english.json()["next_appointment"] == (
        "Your next appointment: Thursday 3 December at 14:00, Atelier CV"
    )


async def test_nothing_to_come_or_an_unknown_pass_gets_the_refusal_alone(client, cast, yanis):
    await pair_client(client, cast)
    nothing = await client.post(API, json=_scan(yanis["token"]))
    assert nothing.status_code == 409 and "next_appointment" not in nothing.json()
    unknown = await client.post(API, json=_scan("ZZZZ-ZZZZ"))
    assert unknown.json() == {
        "code": "unknown_pass",
        "message": "Cette carte ne marche pas. Demandez à l'accueil.",
    }


async def test_without_javascript_the_refusal_page_says_the_next_appointment(client, cast, yanis):
    await _enrolled(
        yanis["awa"], yanis["visitor"], cast.saint_denis, "Atelier CV", [at(14, day=THURSDAY)]
    )
    await pair_client(client, cast)
    await client.get("/kiosk/checkin")
    form = {"_csrf_token": client.cookies["lab_csrf"], "nonce": str(uuid.uuid4())}
    refused = await client.post("/kiosk/checkin", data={**form, "code": yanis["token"]})
    assert refused.status_code == 409
    assert "Rien à pointer pour vous maintenant." in refused.text
    assert f"<span>{THURSDAY_CV}</span>" in refused.text
    assert 'content="12;url=/kiosk/checkin"' in refused.text  # time to read it
