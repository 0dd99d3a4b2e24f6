"""The visitor's space on their own phone, through the real app: signing in with the pass and
the PIN, what a session opens and for how long, and what one may see, cancel and download."""

from __future__ import annotations

import datetime as dt
import html
import json

import icalendar
import pytest
from litestar.testing import AsyncTestClient

from lab.accounts import visitors
from lab.accounts.tables import Pass
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.bookings.tables import Booking
from lab.core import clock
from lab.core.security import token_hash
from lab.core.tables import AuditLog
from lab.kiosk import devices
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL
from tests.helpers import login
from tests.me.factories import PIN, csrf, post_pin, sign_in, visitor_with_pass
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

MONDAY_9 = at(9, day=TUESDAY - dt.timedelta(days=1))


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(MONDAY_9)


def text(response) -> str:
    return html.unescape(response.text)


async def phone(app) -> AsyncTestClient:
    """Another phone: a client with no cookie at all."""
    client = AsyncTestClient(app, base_url=BASE_URL)
    client.follow_redirects = False
    return client


# -- Signing in ------------------------------------------------------------------------------


async def test_a_scanned_pass_asks_for_the_pin_and_shows_no_name(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès", last_name="Benali")
    page = await client.get(holder.pass_path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Inès" not in text(page) and "Benali" not in text(page)
    assert 'name="pin"' in page.text and 'action="/me/sign-in"' in page.text
    # The token rides in a hidden field, to be posted: no link carries it further.
    assert f'type="hidden" name="code" value="{holder.token}"' in page.text
    assert f'href="/me?{holder.token}' not in page.text


async def test_a_pass_with_no_pin_yet_says_to_ask_staff(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, pin=None)
    page = await client.get(holder.pass_path)
    assert page.status_code == 200
    assert "Demandez à l'équipe d'en créer un" in text(page)
    assert 'name="pin"' not in page.text


async def test_an_unknown_pass_says_it_no_longer_works(client, cast):
    page = await client.get("/p/" + "x" * 43)
    assert page.status_code == 404
    assert "Cette carte ne fonctionne plus" in text(page)


async def test_the_right_pin_opens_the_visitors_space_with_a_session_cookie_for_me_only(
    client, cast
):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    response = await post_pin(client, holder)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("lab_me="))
    assert "Path=/me" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert holder.token not in response.headers["location"]
    home = await client.get("/me")
    assert home.status_code == 200
    assert "Bonjour Inès" in text(home)
    # The store keeps the session under the id's hash, never under the cookie's value.
    store = client.app.state.store
    assert await store.get(f"me-session:{client.cookies['lab_me']}") is None
    assert await store.get(f"me-session:{token_hash(client.cookies['lab_me'])}") is not None


async def test_the_short_code_with_the_pin_opens_it_too(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    start = await client.get("/me/start")
    assert start.status_code == 200 and "appareil photo" in text(start)
    await sign_in(client, holder, by="short_code")
    assert "Bonjour Inès" in text(await client.get("/me"))


async def test_a_short_code_without_a_pin_opens_nothing(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    response = await post_pin(client, holder, "", by="short_code")
    assert response.status_code == 422
    assert "lab_me" not in client.cookies


async def test_a_wrong_pin_says_how_many_tries_are_left(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    response = await post_pin(client, holder, "1357")
    assert response.status_code == 422
    assert "Il vous reste 4 essai(s)" in text(response)
    assert 'data-code="wrong_pin"' in response.text
    assert "Inès" not in text(response)
    # The form comes back with the token still hidden in it, to try again.
    assert f'name="code" value="{holder.token}"' in response.text
    assert "lab_me" not in client.cookies


async def test_five_wrong_pins_lock_the_pass_even_for_a_fresh_phone(app, client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    statuses = [(await post_pin(client, holder, "1357")).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    async with await phone(app) as other:
        locked = await post_pin(other, holder, PIN, by="short_code")
        assert locked.status_code == 429
        assert 'data-code="pin_locked"' in locked.text
        assert "lab_me" not in other.cookies
    freeze(MONDAY_9 + dt.timedelta(minutes=16))
    await sign_in(client, holder)


async def test_an_unknown_short_code_is_refused_plainly(client, cast):
    await csrf(client)
    response = await client.post(
        "/me/sign-in", data={"from": "start", "code": "ZZZZ-ZZZZ", "pin": PIN}
    )
    assert response.status_code == 422
    assert 'data-code="unknown_pass"' in response.text


# -- Who may open /me ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me", "/me/pass", "/me/data.json"])
async def test_me_sends_a_phone_without_a_session_to_the_start_page(client, cast, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/me/start"


async def test_me_refuses_a_staff_session_and_a_kiosk_credential(client, cast):
    await login(client, cast.email("awa"))
    assert (await client.get("/me")).headers["location"] == "/me/start"
    julien = await cast.principal("julien")
    _device, code = await devices.create_device(julien, cast.saint_denis.id, "Tablette")
    _device, credential = await devices.pair(code)
    client.cookies.set("lab_kiosk", credential)
    assert (await client.get("/me")).headers["location"] == "/me/start"
    assert (await client.get("/me/data.json")).status_code == 303


async def test_a_planted_session_id_is_never_adopted(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    planted = "planted-by-someone-else-0123456789"
    client.cookies.set("lab_me", planted)
    response = await post_pin(client, holder)
    assert response.status_code == 303
    minted = response.cookies["lab_me"]
    assert minted and minted != planted
    store = client.app.state.store
    assert await store.get(f"me-session:{token_hash(planted)}") is None
    client.cookies.clear()
    client.cookies.set("lab_me", minted)
    assert (await client.get("/me")).status_code == 200


async def test_a_session_ends_after_thirty_idle_minutes(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await sign_in(client, holder)
    freeze(MONDAY_9 + dt.timedelta(minutes=29))
    assert (await client.get("/me")).status_code == 200
    freeze(MONDAY_9 + dt.timedelta(minutes=29 + 31))
    assert (await client.get("/me")).headers["location"] == "/me/start"


async def test_a_session_ends_after_four_hours_even_when_used(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await sign_in(client, holder)
    for minutes in range(20, 240, 20):
        freeze(MONDAY_9 + dt.timedelta(minutes=minutes))
        assert (await client.get("/me")).status_code == 200
    freeze(MONDAY_9 + dt.timedelta(hours=4, minutes=1))
    assert (await client.get("/me")).headers["location"] == "/me/start"


async def test_replacing_a_lost_pass_ends_the_sessions_opened_with_it(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await sign_in(client, holder)
    await visitors.reissue_pass(await cast.principal("awa"), holder.visitor.id)
    assert (await client.get("/me")).headers["location"] == "/me/start"


async def test_signing_out_ends_the_session(client, cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await sign_in(client, holder)
    old = client.cookies["lab_me"]
    response = await client.post("/me/sign-out")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/me/start")
    client.cookies.set("lab_me", old)
    assert (await client.get("/me")).headers["location"] == "/me/start"


async def test_the_space_speaks_the_visitors_language_unless_the_phone_chose_one(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, preferred_language="nl")
    response = await post_pin(client, holder)
    assert "lab_lang=nl" in "".join(response.headers.get_list("set-cookie"))
    await client.post("/me/sign-out")
    await csrf(client)
    await client.post("/language", data={"language": "en", "next": "/me/start"})
    response = await post_pin(client, holder)
    assert "lab_lang=" not in "".join(response.headers.get_list("set-cookie"))


# -- What the visitor sees and does ------------------------------------------------------------


async def _programme(cast, holder, other):
    """A series Inès is enrolled in, a full drop-in session she waits for, her booking, and
    someone else's enrolment and booking."""
    awa = await cast.principal("awa")
    series = await make_module(cast.saint_denis, "Atelier CV", capacity=2)
    await make_session(series, at(10))
    await make_session(series, at(10, day=TUESDAY + dt.timedelta(days=7)))
    drop_in = await make_module(cast.saint_denis, "Café numérique", capacity=1, enrolment="drop_in")
    cafe = await make_session(drop_in, at(14))
    secret = await make_module(cast.saint_denis, "Atelier entretien", capacity=5)
    await make_session(secret, at(15))
    mine = await enrolment.enrol(awa, series.id, EnrolInput(visitor_id=holder.visitor.id))
    theirs_seat = await enrolment.enrol(
        awa, drop_in.id, EnrolInput(visitor_id=other.visitor.id, session_id=cafe.id)
    )
    waiting = await enrolment.enrol(
        awa, drop_in.id, EnrolInput(visitor_id=holder.visitor.id, session_id=cafe.id)
    )
    theirs = await enrolment.enrol(awa, secret.id, EnrolInput(visitor_id=other.visitor.id))
    studio = await make_resource(cast.saint_denis, "Studio son")
    booked = await bookings.book(
        awa, Wanted(studio.id, at(16), at(17), visitor_id=holder.visitor.id)
    )
    other_booking = await bookings.book(
        awa, Wanted(studio.id, at(18), at(19), visitor_id=other.visitor.id)
    )
    return {
        "mine": mine,
        "waiting": waiting,
        "theirs_seat": theirs_seat,
        "theirs": theirs,
        "booked": booked,
        "other_booking": other_booking,
    }


async def test_the_visitor_sees_only_their_own_upcoming_sessions_and_bookings(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    await _programme(cast, holder, other)
    await sign_in(client, holder)
    page = text(await client.get("/me"))
    assert "Atelier CV" in page and "Studio son" in page
    assert "Café numérique" in page and "Liste d'attente\u00a0: vous êtes n° 1." in page
    assert "Atelier entretien" not in page and "Malik" not in page
    assert page.index("Atelier CV") < page.index("Café numérique")  # soonest first


async def test_past_and_cancelled_items_are_not_shown(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, holder, other)
    await bookings.cancel(await cast.principal("awa"), made["booked"].id)
    freeze(at(16, 30, day=TUESDAY))  # the drop-in session is over, the series goes on next week
    await sign_in(client, holder)
    page = text(await client.get("/me"))
    assert "Studio son" not in page and "Café numérique" not in page
    assert "Atelier CV" in page


async def test_cancelling_own_enrolment_gives_the_seat_to_the_first_waiting(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, other, holder)  # Malik waits behind Inès for the café
    await sign_in(client, holder)
    seat = made["theirs_seat"]  # Inès's seat at the café, Malik first on its waitlist
    ask = await client.get(f"/me/enrolments/{seat.id}/cancel")
    assert ask.status_code == 200 and "Oui, annuler" in text(ask)
    done = await client.post(f"/me/enrolments/{seat.id}/cancel")
    assert done.status_code == 303 and done.headers["location"].startswith("/me")
    statuses = {
        row["id"]: row["status"]
        for row in await Enrolment.select(Enrolment.id, Enrolment.status).where(
            Enrolment.id.is_in([seat.id, made["waiting"].id])
        )
    }
    assert statuses == {seat.id: "cancelled", made["waiting"].id: "enrolled"}
    logged = await AuditLog.select(AuditLog.actor_kind, AuditLog.actor_id).where(
        AuditLog.action == "enrolment.cancelled"
    )
    assert logged == [{"actor_kind": "visitor", "actor_id": holder.visitor.id}]


async def test_a_visitor_cannot_cancel_or_read_someone_elses_enrolment_or_booking(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, holder, other)
    await sign_in(client, holder)
    refused = [
        await client.post(f"/me/enrolments/{made['theirs'].id}/cancel"),
        await client.get(f"/me/enrolments/{made['theirs'].id}/cancel"),
        await client.get(f"/me/enrolments/{made['theirs'].id}/calendar.ics"),
        await client.post(f"/me/bookings/{made['other_booking'].id}/cancel"),
        await client.get(f"/me/bookings/{made['other_booking'].id}/cancel"),
        await client.get(f"/me/bookings/{made['other_booking'].id}/calendar.ics"),
        await client.post("/me/bookings/999999/cancel"),
    ]
    assert [response.status_code for response in refused] == [404] * 7
    assert "Malik" not in "".join(text(response) for response in refused)
    still = await Booking.select(Booking.status).where(Booking.id == made["other_booking"].id)
    assert still[0]["status"] == "confirmed"
    theirs = await Enrolment.select(Enrolment.status).where(Enrolment.id == made["theirs"].id)
    assert theirs[0]["status"] == "enrolled"
    actions = {row["action"] for row in await AuditLog.select(AuditLog.action)}
    assert {"enrolment.cancel_refused", "booking.cancel_refused"} <= actions


async def test_a_visitor_cancels_their_own_booking_before_it_starts_only(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, holder, other)
    await sign_in(client, holder)
    booking_id = made["booked"].id
    assert (await client.post(f"/me/bookings/{booking_id}/cancel")).status_code == 303
    row = await Booking.objects().get(Booking.id == booking_id)
    assert row.status == "cancelled" and row.sequence == 1
    again = await client.post(f"/me/bookings/{booking_id}/cancel")
    assert again.status_code == 409 and 'data-code="not_cancellable"' in again.text


async def test_a_booking_already_started_cannot_be_cancelled_from_the_phone(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, holder, other)
    freeze(at(16, 10, day=TUESDAY))
    await sign_in(client, holder)
    response = await client.post(f"/me/bookings/{made['booked'].id}/cancel")
    assert response.status_code == 409


async def test_calendar_files_parse_and_name_nobody(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    other = await visitor_with_pass(cast.saint_denis, "Malik")
    made = await _programme(cast, holder, other)
    await sign_in(client, holder)
    series = await client.get(f"/me/enrolments/{made['mine'].id}/calendar.ics")
    assert series.status_code == 200
    assert series.headers["content-type"].startswith("text/calendar")
    assert "attachment" in series.headers["content-disposition"]
    events = icalendar.Calendar.from_ical(series.content).walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["Atelier CV", "Atelier CV"]
    assert events[0].decoded("dtstart") == at(10)
    booking = await client.get(f"/me/bookings/{made['booked'].id}/calendar.ics")
    (event,) = icalendar.Calendar.from_ical(booking.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(16) and "Studio son" in str(event["summary"])
    assert "Inès" not in booking.text and "Inès" not in series.text


async def test_the_pass_page_shows_the_qr_of_the_pass_signed_in_with(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder)
    page = await client.get("/me/pass")
    assert page.status_code == 200 and '<img class="qr" src="/me/pass/qr.svg"' in page.text
    image = await client.get("/me/pass/qr.svg")
    assert image.status_code == 200 and image.text.startswith("<svg")
    assert f"{holder.short_code[:4]}-{holder.short_code[4:]}" in page.text
    assert page.headers["cache-control"] == "no-store"
    # The database still holds the token's hash only.
    row = await Pass.objects().get(Pass.visitor == holder.visitor.id)
    assert holder.token not in str(row.__dict__)


async def test_after_a_short_code_sign_in_the_pass_page_shows_the_code_only(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder, by="short_code")
    page = await client.get("/me/pass")
    assert page.status_code == 200 and 'class="qr"' not in page.text
    assert f"{holder.short_code[:4]}-{holder.short_code[4:]}" in page.text


async def test_my_data_holds_my_records_only_and_no_secret(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès", email="ines@example.org")
    other = await visitor_with_pass(cast.saint_denis, "Malik", email="malik@example.org")
    await _programme(cast, holder, other)
    await sign_in(client, holder)
    response = await client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.content)
    assert data["identity"]["first_name"] == "Inès"
    assert data["identity"]["email"] == "ines@example.org"
    assert data["pass"]["short_code"].replace("-", "") == holder.short_code
    assert data["pin"]["set_at"] is not None
    assert {row["workshop"] for row in data["enrolments"]} == {"Atelier CV", "Café numérique"}
    assert [row["resource"] for row in data["bookings"]] == ["Studio son"]
    assert data["bookings"][0]["starts_at"] == at(16).isoformat()
    body = response.text
    assert "Malik" not in body and "malik@example.org" not in body
    assert "Atelier entretien" not in body
    assert holder.token not in body and token_hash(holder.token) not in body
    assert "argon2" not in body and "pin_hash" not in body


async def test_my_data_includes_attendance(client, cast):
    from lab.attendance.tables import Attendance

    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    module = await make_module(cast.saint_denis, "Atelier CV")
    session = await make_session(module, at(10))
    now = clock.now()
    await Attendance(
        visitor=holder.visitor.id,
        session=session.id,
        status="present",
        checked_in_at=now,
        method="staff",
        created_at=now,
        updated_at=now,
    ).save()
    stranger = await make_visitor(cast.saint_denis, "Malik")
    await Attendance(
        visitor=stranger.id,
        session=session.id,
        status="late",
        method="staff",
        created_at=now,
        updated_at=now,
    ).save()
    await sign_in(client, holder)
    data = json.loads((await client.get("/me/data.json")).content)
    assert [(row["workshop"], row["status"]) for row in data["attendance"]] == [
        ("Atelier CV", "present")
    ]
