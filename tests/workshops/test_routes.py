"""Staff workshop pages through the real app: works, wrong role or site, htmx blocks."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from lab.accounts import visitors
from lab.accounts.passes import display_short_code, pass_url
from lab.bookings import services as bookings
from lab.bookings.tables import Booking
from lab.core.tables import Outbox
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Partner, Session
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

HTMX = {"HX-Request": "true"}
DAY = TUESDAY.isoformat()


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def text(response) -> str:
    return html.unescape(response.text)


def module_form(site, **extra) -> dict:
    return {
        "site_id": str(site.id),
        "title": "Atelier CV",
        "kind": "job_search",
        "capacity": "10",
        "enrolment": "series",
        "description": "On écrit son CV, pas à pas.",
        "completion_percent": "80",
        "late_after_minutes": "10",
        "competences": "CV, lettre de motivation",
        "active": "on",
        **extra,
    }


async def make_room(site, name: str = "Salle d'atelier"):
    return await make_resource(site, name, kind="room", max_minutes=240, release_after_minutes=None)


# -- Modules -------------------------------------------------------------------------------


async def test_a_manager_creates_a_module_with_its_team_partner_and_room(client, cast):
    room = await make_room(cast.saint_denis)
    partner = Partner(
        site=cast.saint_denis.id, name="France Travail", kind="employment", created_at=at(8)
    )
    await partner.save()
    await login(client, cast.email("julien"))
    page = await client.get(f"/workshops/new?site={cast.saint_denis.id}")
    assert page.status_code == 200
    assert 'name="facilitator_ids"' in page.text and "Awa" in page.text
    assert "Salle d&#39;atelier" in page.text and "France Travail" in page.text
    response = await client.post(
        "/workshops/new",
        data=module_form(
            cast.saint_denis,
            facilitator_ids=[str(cast.users["awa"].id), str(cast.users["julien"].id)],
            room_id=str(room.id),
            partner_id=str(partner.id),
            self_enrol="on",
        ),
    )
    assert response.status_code == 303
    module = await Module.objects().first()
    assert response.headers["location"] == f"/workshops/{module.id}?done=created"
    assert (module.room, module.partner, module.self_enrol) == (room.id, partner.id, True)
    assert module.competences == "CV, lettre de motivation"
    team = await ModuleFacilitator.select(ModuleFacilitator.staff_user)
    assert {row["staff_user"] for row in team} == {
        cast.users["awa"].id,
        cast.users["julien"].id,
    }
    shown = text(await client.get(f"/workshops/{module.id}"))
    assert "Atelier CV" in shown and "Awa, Julien" in shown and "France Travail" in shown
    assert "Programmer des séances" in shown and "Modifier le module" in shown


async def test_a_manager_edits_a_module(client, cast):
    module = await make_module(cast.saint_denis)
    await login(client, cast.email("julien"))
    page = await client.get(f"/workshops/{module.id}/edit")
    assert page.status_code == 200 and 'value="Atelier CV"' in page.text
    response = await client.post(
        f"/workshops/{module.id}/edit", data=module_form(cast.saint_denis, title="Atelier CV+")
    )
    assert response.status_code == 303
    assert (await Module.objects().get(Module.id == module.id)).title == "Atelier CV+"


async def test_a_module_form_with_mistakes_comes_back_as_a_block(client, cast):
    await login(client, cast.email("julien"))
    response = await client.post(
        "/workshops/new",
        data=module_form(cast.saint_denis, title="", capacity="0"),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form method="post" id="module-form"')
    assert 'id="e-title"' in response.text and 'id="e-capacity"' in response.text
    assert await Module.count() == 0


async def test_a_facilitator_may_not_create_or_edit_a_module(client, cast):
    module = await make_module(cast.saint_denis)
    await login(client, cast.email("awa"))
    assert (await client.get("/workshops/new")).status_code == 403
    created = await client.post("/workshops/new", data=module_form(cast.saint_denis))
    assert created.status_code == 403
    assert (await client.get(f"/workshops/{module.id}/edit")).status_code == 403
    edited = await client.post(f"/workshops/{module.id}/edit", data=module_form(cast.saint_denis))
    assert edited.status_code == 403
    schedule = {"day": DAY, "start": "10:00", "end": "12:00", "repeat_weeks": "1"}
    assert (await client.post(f"/workshops/{module.id}/sessions", data=schedule)).status_code == 403
    assert await Module.count() == 1 and await Session.count() == 0
    # But they read the module and the list.
    assert (await client.get(f"/workshops/{module.id}")).status_code == 200
    listed = await client.get("/workshops")
    assert listed.status_code == 200 and "Atelier CV" in listed.text
    assert "Nouveau module" not in listed.text


async def test_another_sites_module_is_forbidden(client, cast):
    module = await make_module(cast.saint_denis)
    session = await make_session(module, at(10))
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/workshops/{module.id}")).status_code == 403
    assert (await client.get(f"/workshops/sessions/{session.id}")).status_code == 403
    await login(client, cast.email("pieter"))
    assert (await client.get(f"/workshops/{module.id}/edit")).status_code == 403
    assert (await client.get(f"/workshops/new?site={cast.saint_denis.id}")).status_code == 403
    cancel = await client.post(f"/workshops/sessions/{session.id}/cancel")
    assert cancel.status_code == 403
    listed = await client.get("/workshops")
    assert "Atelier CV" not in listed.text


async def test_the_list_shows_upcoming_sessions_and_free_seats(client, cast):
    series = await make_module(cast.saint_denis, "Recherche d'emploi", capacity=2)
    drop_in = await make_module(cast.saint_denis, "Numérique", capacity=8, enrolment="drop_in")
    await make_session(series, at(10))
    await make_session(series, at(10, day=TUESDAY + dt.timedelta(days=7)))
    await make_session(series, at(10, day=TUESDAY - dt.timedelta(days=7)))  # past
    await make_session(drop_in, at(14))
    awa = await cast.principal("awa")
    for visitor in [await make_visitor(cast.saint_denis, "Personne", n) for n in "AB"]:
        await enrolment.enrol(awa, series.id, EnrolInput(visitor_id=visitor.id))
    await login(client, cast.email("awa"))
    page = text(await client.get("/workshops"))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    series_row = next(row for row in rows if f'"/workshops/{series.id}"' in row)
    drop_in_row = next(row for row in rows if f'"/workshops/{drop_in.id}"' in row)
    assert "<td>2</td>" in series_row and "Complet" in series_row
    assert "<td>1</td>" in drop_in_row and "<td>8</td>" in drop_in_row


async def test_a_partner_is_added_beside_the_module_form_and_chosen(client, cast):
    await login(client, cast.email("julien"))
    data = {"site_id": str(cast.saint_denis.id), "name": "France Travail", "kind": "employment"}
    response = await client.post("/workshops/partners", data=data, headers=HTMX)
    assert response.status_code == 200
    partner = await Partner.objects().first()
    assert partner.name == "France Travail"
    assert 'id="partner-field" hx-swap-oob="true"' in response.text
    assert f'<option value="{partner.id}" selected>France Travail</option>' in response.text
    assert 'id="partner-form"' in response.text
    refused = await client.post("/workshops/partners", data={**data, "name": ""}, headers=HTMX)
    assert refused.status_code == 422 and "hx-swap-oob" not in refused.text
    without_js = await client.post("/workshops/partners", data={**data, "name": "Cap Emploi"})
    assert without_js.status_code == 303
    assert without_js.headers["location"].startswith(f"/workshops/new?site={cast.saint_denis.id}")


# -- Scheduling ----------------------------------------------------------------------------


async def test_scheduling_lists_created_sessions_refused_dates_and_clashes(client, cast):
    room = await make_room(cast.saint_denis)
    module = await make_module(cast.saint_denis, room=room.id)
    other = await make_module(cast.saint_denis, "Orientation")
    awa = cast.users["awa"].id
    await ModuleFacilitator.insert(
        ModuleFacilitator(module=module.id, staff_user=awa),
        ModuleFacilitator(module=other.id, staff_user=awa),
    )
    week_2 = TUESDAY + dt.timedelta(days=7)
    week_3 = TUESDAY + dt.timedelta(days=14)
    # The room is taken on week 2; Awa runs another module on week 3.
    await bookings.book(
        await cast.principal("julien"),
        bookings.Wanted(room.id, at(10, day=week_2), at(11, day=week_2)),
    )
    await make_session(other, at(10, day=week_3))
    await login(client, cast.email("julien"))
    response = await client.post(
        f"/workshops/{module.id}/sessions",
        data={"day": DAY, "start": "09:30", "end": "12:00", "repeat_weeks": "3"},
        headers=HTMX,
    )
    assert response.status_code == 200
    page = text(response)
    assert page.lstrip().startswith('<section id="schedule"')
    assert "2 séances créées." in page and "1 date refusée" in page
    refused = re.search(r'<table class="table" id="schedule-refused">(.*?)</table>', page, re.S)
    assert "8 décembre 2026" in refused.group(1)
    assert "Déjà réservé à ce moment-là." in refused.group(1)  # the booking rule's words
    assert "Orientation" in re.search(r'id="schedule-warnings">(.*?)</div>', page, re.S).group(1)
    # The list of sessions is refreshed beside the result.
    assert '<section id="sessions" aria-labelledby="sessions-title" hx-swap-oob="true">' in page
    sessions = await Session.objects().where(Session.module == module.id)
    assert len(sessions) == 2 and all(s.room_booking for s in sessions)


async def test_a_schedule_with_mistakes_comes_back_with_its_errors(client, cast):
    module = await make_module(cast.saint_denis)
    await login(client, cast.email("julien"))
    response = await client.post(
        f"/workshops/{module.id}/sessions",
        data={"day": DAY, "start": "12:00", "end": "10:00", "repeat_weeks": "1"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert 'id="e-end"' in response.text and await Session.count() == 0


# -- Sessions ------------------------------------------------------------------------------


async def scheduled_session(cast, module, day=TUESDAY) -> Session:
    from lab.workshops import services
    from lab.workshops.forms import ScheduleInput

    result = await services.schedule(
        await cast.principal("julien"),
        module.id,
        ScheduleInput(day=day, start=dt.time(10), end=dt.time(12)),
    )
    return result.created[0]


async def test_a_session_page_links_its_room_booking_and_its_roster(client, cast):
    room = await make_room(cast.saint_denis)
    module = await make_module(cast.saint_denis, room=room.id)
    session = await scheduled_session(cast, module)
    await login(client, cast.email("awa"))
    page = text(await client.get(f"/workshops/sessions/{session.id}"))
    assert f'href="/bookings/{session.room_booking}"' in page
    assert f'href="/attendance/sessions/{session.id}"' in page
    assert "Déplacer la séance" not in page  # a facilitator does not move sessions
    download = await client.get(f"/workshops/sessions/{session.id}/calendar.ics")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/calendar")
    assert f"UID:{session.uid}" in download.text
    moved = await client.post(
        f"/workshops/sessions/{session.id}/move",
        data={"day": DAY, "start": "14:00", "end": "16:00"},
    )
    assert moved.status_code == 403
    assert (await client.post(f"/workshops/sessions/{session.id}/cancel")).status_code == 403


async def test_a_manager_moves_then_cancels_a_session_and_the_room_follows(client, cast):
    room = await make_room(cast.saint_denis)
    module = await make_module(cast.saint_denis, room=room.id)
    session = await scheduled_session(cast, module)
    await login(client, cast.email("julien"))
    assert "Déplacer la séance" in (await client.get(f"/workshops/sessions/{session.id}")).text
    moved = await client.post(
        f"/workshops/sessions/{session.id}/move",
        data={"day": DAY, "start": "14:00", "end": "16:00"},
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/workshops/sessions/{session.id}?done=moved"
    booking = await Booking.objects().get(Booking.id == session.room_booking)
    assert booking.starts_at == at(14)
    cancelled = await client.post(f"/workshops/sessions/{session.id}/cancel")
    assert cancelled.status_code == 303
    assert (await Session.objects().get(Session.id == session.id)).status == "cancelled"
    booking = await Booking.objects().get(Booking.id == session.room_booking)
    assert booking.status == "cancelled"
    page = text(await client.get(f"/workshops/sessions/{session.id}?done=cancelled"))
    assert "La séance est annulée" in page and "Annulée" in page
    again = await client.post(f"/workshops/sessions/{session.id}/cancel")
    assert again.status_code == 409


async def test_a_move_the_room_rules_refuse_shows_their_reason(client, cast):
    room = await make_room(cast.saint_denis)
    module = await make_module(cast.saint_denis, room=room.id)
    session = await scheduled_session(cast, module)
    await login(client, cast.email("julien"))
    response = await client.post(
        f"/workshops/sessions/{session.id}/move",
        data={"day": DAY, "start": "19:00", "end": "21:00"},  # the site closes at 20:00
    )
    assert response.status_code == 409
    assert 'id="refusals"' in response.text and 'data-code="outside_opening_hours"' in response.text


# -- Enrolment -----------------------------------------------------------------------------


async def test_staff_find_a_visitor_by_name_and_enrol_them_then_the_next_is_waitlisted(
    client, cast
):
    module = await make_module(cast.saint_denis, capacity=1)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    ines = await make_visitor(cast.saint_denis, "Inès", "Diallo")
    await make_visitor(cast.brussels, "Yanis", "Peeters")  # another site: not offered
    await login(client, cast.email("awa"))
    found = await client.post(
        f"/workshops/{module.id}/enrolments/search", data={"q": "yanis"}, headers=HTMX
    )
    assert found.status_code == 200
    page = text(found)
    assert "1 personne trouvée." in page and "Yanis Martin" in page and "Peeters" not in page
    assert "<html" not in page
    enrolled = await client.post(
        f"/workshops/{module.id}/enrolments", data={"visitor_id": str(yanis.id)}, headers=HTMX
    )
    assert enrolled.status_code == 200
    page = text(enrolled)
    assert page.lstrip().startswith('<section id="enrolments"')
    assert "Yanis Martin\u00a0: inscrit·e." in page
    waitlisted = text(
        await client.post(
            f"/workshops/{module.id}/enrolments", data={"visitor_id": str(ines.id)}, headers=HTMX
        )
    )
    assert "Inès Diallo\u00a0: liste d'attente, position 1." in waitlisted
    waitlist = re.search(r'<table class="table" id="waitlist".*?</table>', waitlisted, re.S)
    assert "Inès Diallo" in waitlist.group(0) and "<td>1</td>" in waitlist.group(0)
    # Searching again shows where each one already is.
    again = text(
        await client.post(
            f"/workshops/{module.id}/enrolments/search", data={"q": "Inès"}, headers=HTMX
        )
    )
    assert "liste d'attente, position 1" in again and "Inscrire" not in again


async def test_a_short_code_finds_the_visitor(client, cast):
    module = await make_module(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    card, _token = await visitors.reissue_pass(await cast.principal("awa"), yanis.id)
    await login(client, cast.email("awa"))
    found = text(
        await client.post(
            f"/workshops/{module.id}/enrolments/search",
            data={"q": display_short_code(card.short_code).lower()},
            headers=HTMX,
        )
    )
    assert "1 personne trouvée." in found and "Yanis Martin" in found


async def test_scanning_a_pass_enrols_its_holder_at_once(client, cast):
    module = await make_module(cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    _card, token = await visitors.reissue_pass(await cast.principal("awa"), yanis.id)
    await login(client, cast.email("awa"))
    scanned = await client.post(
        f"/workshops/{module.id}/enrolments/search",
        data={"q": pass_url(BASE_URL, token)},
        headers=HTMX,
    )
    assert scanned.status_code == 200
    assert scanned.headers["hx-retarget"] == "#enrolments"
    assert scanned.headers["hx-reswap"] == "outerHTML"
    assert "Yanis Martin\u00a0: inscrit·e." in text(scanned)
    assert await Enrolment.count().where(Enrolment.status == "enrolled") == 1
    unknown = await client.post(
        f"/workshops/{module.id}/enrolments/search",
        data={"q": pass_url(BASE_URL, "x" * 43)},
        headers=HTMX,
    )
    assert unknown.status_code == 404 and "Cette carte n'est pas valable." in text(unknown)


async def test_another_sites_visitor_cannot_be_enrolled(client, cast):
    module = await make_module(cast.saint_denis)
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    await login(client, cast.email("nadia"))  # sees both sites
    response = await client.post(
        f"/workshops/{module.id}/enrolments", data={"visitor_id": str(lotte.id)}, headers=HTMX
    )
    assert response.status_code == 403
    assert "Cette personne est suivie par un autre site" in text(response)
    assert await Enrolment.count() == 0


async def test_cancelling_a_seat_shows_the_first_waitlisted_enrolled_at_once(client, cast):
    module = await make_module(cast.saint_denis, capacity=1)
    awa = await cast.principal("awa")
    first, second, third = [
        await make_visitor(cast.saint_denis, name, "Martin") for name in ("Yanis", "Inès", "Lina")
    ]
    seat = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=first.id))
    for person in (second, third):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=person.id))
    await login(client, cast.email("awa"))
    response = await client.post(f"/workshops/enrolments/{seat.id}/cancel", headers=HTMX)
    assert response.status_code == 200
    page = text(response)
    assert "Inès Martin passe de la liste d'attente à une place" in page
    enrolled = re.search(r'<table class="table" id="enrolled".*?</table>', page, re.S).group(0)
    waitlist = re.search(r'<table class="table" id="waitlist".*?</table>', page, re.S).group(0)
    assert "Inès Martin" in enrolled and "Yanis" not in enrolled
    assert "Lina Martin" in waitlist and "<td>1</td>" in waitlist
    again = await client.post(f"/workshops/enrolments/{seat.id}/cancel", headers=HTMX)
    assert again.status_code == 409
    await login(client, cast.email("sofia"))
    other = await client.post(f"/workshops/enrolments/{seat.id}/cancel", headers=HTMX)
    assert other.status_code == 403


async def test_drop_in_sessions_take_enrolments_on_the_session_page(client, cast):
    module = await make_module(cast.saint_denis, capacity=1, enrolment="drop_in")
    session = await make_session(module, at(14))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await login(client, cast.email("awa"))
    module_page = text(await client.get(f"/workshops/{module.id}"))
    assert 'id="enrol-finder"' not in module_page and "séance par séance" in module_page
    session_page = text(await client.get(f"/workshops/sessions/{session.id}"))
    assert 'id="enrol-finder"' in session_page
    assert f'name="session_id" value="{session.id}"' in session_page
    response = await client.post(
        f"/workshops/{module.id}/enrolments",
        data={"visitor_id": str(yanis.id), "session_id": str(session.id)},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Yanis Martin\u00a0: inscrit·e." in text(response)
    row = await Enrolment.objects().first()
    assert row.session == session.id
    # Without JavaScript, the same form answers with the whole session page.
    other = await make_visitor(cast.saint_denis, "Inès", "Diallo")
    full = await client.post(
        f"/workshops/{module.id}/enrolments",
        data={"visitor_id": str(other.id), "session_id": str(session.id)},
    )
    assert full.status_code == 200 and "<html" in full.text
    assert "Inès Diallo\u00a0: liste d'attente, position 1." in text(full)


async def test_enrolling_by_staff_queues_a_confirmation_with_the_sessions(client, cast):
    module = await make_module(cast.saint_denis)
    first = await make_session(module, at(10))
    second = await make_session(module, at(10, day=TUESDAY + dt.timedelta(days=7)))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin", email="yanis@example.org")
    await login(client, cast.email("awa"))
    await client.post(f"/workshops/{module.id}/enrolments", data={"visitor_id": str(yanis.id)})
    message = await Outbox.objects().first()
    assert message.kind == "enrolled" and message.recipient == "yanis@example.org"
    assert f"UID:{first.uid}" in message.ics and f"UID:{second.uid}" in message.ics


# -- Feeds ---------------------------------------------------------------------------------

FEED_URL = re.compile(r'id="feed-url" type="text" value="([^"]+)"')


async def test_a_staff_member_subscribes_to_their_own_sessions(client, cast):
    module = await make_module(cast.saint_denis)
    await ModuleFacilitator.insert(
        ModuleFacilitator(module=module.id, staff_user=cast.users["awa"].id)
    )
    session = await make_session(module, at(10))
    await login(client, cast.email("awa"))
    page = await client.get("/workshops/my-feed")
    assert page.status_code == 200 and "Pas de lien actif." in page.text
    created = await client.post("/workshops/my-feed")
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    url = FEED_URL.search(created.text).group(1)
    feed = await client.get(url.removeprefix(BASE_URL))
    assert feed.status_code == 200 and f"UID:{session.uid}" in feed.text
    revoked = await client.post("/workshops/my-feed/revoke")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/workshops/my-feed?revoked=1"
    assert (await client.get(url.removeprefix(BASE_URL))).status_code == 404


async def test_only_managers_of_the_site_manage_a_modules_feed(client, cast):
    module = await make_module(cast.saint_denis)
    await login(client, cast.email("awa"))
    assert (await client.get(f"/workshops/{module.id}/feed")).status_code == 403
    assert (await client.post(f"/workshops/{module.id}/feed")).status_code == 403
    await login(client, cast.email("pieter"))
    assert (await client.post(f"/workshops/{module.id}/feed")).status_code == 403
    await login(client, cast.email("julien"))
    created = await client.post(f"/workshops/{module.id}/feed")
    assert created.status_code == 200 and FEED_URL.search(created.text)
    assert "Un lien est actif" in (await client.get(f"/workshops/{module.id}/feed")).text


async def test_a_modules_and_a_sessions_pages_count_who_came_as_attendance_says(client, cast):
    # Attendance sits above workshops: the app hands its counts to the workshop pages.
    from lab.attendance.tables import Attendance

    module = await make_module(cast.saint_denis)
    session = await make_session(module, at(10, day=TUESDAY - dt.timedelta(days=7)))
    for status in ("present", "late", "absent"):
        visitor = await make_visitor(cast.saint_denis, status.title())
        await Attendance.insert(
            Attendance(
                visitor=visitor.id,
                session=session.id,
                status=status,
                method="staff",
                created_at=at(10),
                updated_at=at(10),
            )
        )
    await login(client, cast.email("awa"))
    page = text(await client.get(f"/workshops/sessions/{session.id}"))
    assert "2 venus, 1 absents, 0 excusés" in page
    listing = text(await client.get(f"/workshops/{module.id}"))
    assert re.search(r"<td>2</td>\s*<td>1</td>\s*<td>0</td>", listing)
