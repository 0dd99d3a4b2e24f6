"""Staff booking pages through the real app: works, wrong role or site, htmx blocks."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from lab.accounts import visitors
from lab.bookings import services
from lab.bookings.services import SkillOffer, Wanted
from lab.bookings.tables import Booking, Closure, Resource
from lab.core import clock
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module

HTMX = {"HX-Request": "true"}
DAY = TUESDAY.isoformat()


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def text(response) -> str:
    return html.unescape(response.text)


async def book(cast, resource, start, end, who: str = "awa", **extra) -> Booking:
    actor = await cast.principal(who)
    self_service = extra.pop("self_service", False)
    wanted = Wanted(resource_id=resource.id, starts_at=start, ends_at=end, **extra)
    return await services.book(actor, wanted, self_service=self_service)


def form(resource, start: str, end: str, visitor=None, **extra) -> dict:
    return {
        "resource_id": str(resource.id),
        "day": DAY,
        "start": start,
        "end": end,
        "visitor_id": str(visitor.id) if visitor else "",
        "units": "1",
        **extra,
    }


async def test_the_day_grid_shows_a_booking_and_offers_the_free_slots(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    booking = await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    await login(client, cast.email("awa"))
    response = await client.get(f"/bookings?site={cast.saint_denis.id}&day={DAY}")
    assert response.status_code == 200
    page = text(response)
    assert f'href="/bookings/{booking.id}"' in page
    assert "Yanis" in page and "Confirmée" in page
    # The booked hour is one cell spanning its two half-hour columns.
    assert re.search(r'cell-booking status-confirmed"\s+colspan="2"', page)
    # Free slots name the resource and the time, and open the form without JavaScript too.
    assert 'aria-label="Réserver Studio à 11:00"' in page
    assert f"/bookings/new?resource={studio.id}&day={DAY}&start=11:00&end=11:30" in page
    assert 'aria-label="Réserver Studio à 10:00"' not in page
    assert '<th scope="row">Studio' in page and "<caption>" in page


async def test_the_week_grid_lists_each_days_bookings(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    await book(
        cast,
        studio,
        at(14, day=TUESDAY + dt.timedelta(days=2)),
        at(15, day=TUESDAY + dt.timedelta(days=2)),
    )
    await login(client, cast.email("awa"))
    response = await client.get(f"/bookings?site={cast.saint_denis.id}&day={DAY}&view=week")
    assert response.status_code == 200
    page = text(response)
    assert "10:00–11:00 Yanis" in page
    assert "14:00–15:00 Équipe" in page
    assert "Fermé" in page  # Sunday has no opening hours


async def test_the_grid_shows_a_closure(client, cast):
    await make_resource(cast.saint_denis, "Studio")
    await Closure.insert(Closure(site=cast.saint_denis.id, day=TUESDAY, label="Formation"))
    await login(client, cast.email("awa"))
    page = text(await client.get(f"/bookings?site={cast.saint_denis.id}&day={DAY}"))
    assert "Le lab est fermé ce jour-là. Formation" in page


async def test_the_booking_form_is_prefilled_and_books_back_to_the_grid(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    await login(client, cast.email("awa"))
    page = await client.get(f"/bookings/new?resource={studio.id}&day={DAY}&start=10:00&end=10:30")
    assert page.status_code == 200
    assert 'value="10:00"' in page.text and f'value="{DAY}"' in page.text
    assert re.search(rf'<option value="{studio.id}" selected>Studio', page.text)
    response = await client.post("/bookings", data=form(studio, "10:00", "10:30", yanis))
    assert response.status_code == 303
    booking = await Booking.objects().first()
    assert response.headers["location"] == (
        f"/bookings?site={cast.saint_denis.id}&day={DAY}&booked={booking.id}"
    )
    assert booking.visitor == yanis.id and booking.starts_at == at(10)
    grid = text(await client.get(response.headers["location"]))
    assert "La réservation est enregistrée." in grid and "Yanis" in grid


async def test_a_team_booking_needs_no_visitor_but_an_explicit_choice(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    await login(client, cast.email("awa"))
    data = form(studio, "10:00", "10:30")
    missing = {key: value for key, value in data.items() if key != "visitor_id"}
    response = await client.post("/bookings", data=missing)
    assert response.status_code == 422
    assert 'id="e-visitor_id"' in response.text
    assert await Booking.count() == 0
    assert (await client.post("/bookings", data=data)).status_code == 303
    booking = await Booking.objects().first()
    assert booking.visitor is None and booking.staff_user == cast.users["awa"].id


async def test_a_conflicting_booking_is_refused_with_409_and_the_rule(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    await book(cast, studio, at(10), at(11))
    await login(client, cast.email("awa"))
    response = await client.post("/bookings", data=form(studio, "10:30", "11:30"))
    assert response.status_code == 409
    page = text(response)
    assert 'data-code="capacity"' in page
    assert "Déjà réservé à ce moment-là." in page
    assert 'value="10:30"' in page  # the form comes back as typed
    assert await Booking.count() == 1


async def test_every_rule_that_refuses_is_listed_with_the_workshop_to_enrol_in(
    client, cast, skills
):
    studio = await make_resource(cast.saint_denis, "Studio", required_skill="studio")
    moussa = await make_visitor(cast.saint_denis, "Moussa")
    module = await make_module(cast.saint_denis, "Découvrir le studio")
    skills.offers["studio", cast.saint_denis.id] = SkillOffer(
        "Enregistrer un message vocal au studio", module.id, module.title
    )
    await login(client, cast.email("awa"))
    response = await client.post("/bookings", data=form(studio, "19:30", "20:30", moussa))
    assert response.status_code == 409
    page = text(response)
    assert 'data-code="outside_opening_hours"' in page
    assert 'data-code="skill_required"' in page
    assert "savoir «\u00a0Enregistrer un message vocal au studio\u00a0»" in page
    assert re.search(rf'href="/workshops/{module.id}"[^>]*>S\'inscrire à l\'atelier<', page)
    assert (await client.get(f"/workshops/{module.id}")).status_code == 200
    assert "Moussa Martin" in page  # the chosen person is still chosen
    assert re.search(rf'value="{moussa.id}" checked', page)


async def test_a_weekly_series_lists_created_and_every_skipped_date(client, cast):
    room = await make_resource(cast.saint_denis, "Salle")
    second_tuesday = TUESDAY + dt.timedelta(days=7)
    await book(cast, room, at(10, day=second_tuesday), at(11, day=second_tuesday))
    await Closure.insert(
        Closure(site=cast.saint_denis.id, day=TUESDAY + dt.timedelta(days=2), label="Férié")
    )
    await login(client, cast.email("awa"))
    data = {**form(room, "10:00", "11:00"), "until": (TUESDAY + dt.timedelta(days=20)).isoformat()}
    data["weekdays"] = ["1", "3"]
    response = await client.post("/bookings", data=data)
    assert response.status_code == 200
    page = text(response)
    assert "4 réservations créées." in page
    assert "2 dates n'ont pas pu être réservées" in page
    skipped = page[page.index('id="series-skipped"') :]
    assert "mardi 8 décembre 2026" in skipped and "Déjà réservé à ce moment-là." in skipped
    assert "jeudi 3 décembre 2026" in skipped and "Le lab est fermé ce jour-là." in skipped
    assert await Booking.count().where(Booking.series_id.is_not_null()) == 4


async def test_a_series_without_a_weekday_is_refused_in_the_form(client, cast):
    room = await make_resource(cast.saint_denis, "Salle")
    await login(client, cast.email("awa"))
    data = {**form(room, "10:00", "11:00"), "until": "2026-12-20"}
    response = await client.post("/bookings", data=data)
    assert response.status_code == 422
    assert 'id="e-weekdays"' in response.text


async def test_htmx_gets_only_the_form_block(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    await book(cast, studio, at(10), at(11))
    await login(client, cast.email("awa"))
    panel = await client.get(
        f"/bookings/new?resource={studio.id}&day={DAY}&start=11:00&end=11:30",
        headers={**HTMX, "HX-Target": "booking-panel"},
    )
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert panel.text.lstrip().startswith('<div id="booking-form-wrap" class="panel">')
    assert 'name="panel" value="1"' in panel.text
    refused = await client.post(
        "/bookings", data={**form(studio, "10:00", "10:30"), "panel": "1"}, headers=HTMX
    )
    assert refused.status_code == 409
    assert "<html" not in refused.text and 'class="panel"' in refused.text
    assert "Déjà réservé" in text(refused)
    done = await client.post("/bookings", data=form(studio, "11:00", "11:30"), headers=HTMX)
    assert done.status_code == 204 and done.headers["HX-Redirect"].startswith("/bookings?site=")


async def test_the_visitor_search_fills_a_list_of_matches(client, cast):
    await make_visitor(cast.saint_denis, "Yanis", "Benali")
    await make_visitor(cast.brussels, "Yanis", "Peeters")  # another site: not offered
    await login(client, cast.email("awa"))
    response = await client.post("/bookings/visitor-search", data={"q": "yanis"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Yanis Benali" in response.text and "Peeters" not in response.text
    assert 'name="visitor_id"' in response.text and "checked" in response.text
    # Without JavaScript, the whole form comes back with the matches and the typed values.
    page = await client.post(
        "/bookings/visitor-search", data={"q": "yanis", "start": "10:00", "day": DAY}
    )
    assert "<html" in page.text and "Yanis Benali" in page.text and 'value="10:00"' in page.text


async def test_the_booking_page_shows_times_visitor_no_shows_and_history(client, cast, skills):
    studio = await make_resource(
        cast.saint_denis, "Studio", required_skill="studio", skill_lapse_months=6
    )
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    skills.validated[yanis.id, "studio"] = clock.now()
    booking = await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    await login(client, cast.email("awa"))
    response = await client.get(f"/bookings/{booking.id}")
    assert response.status_code == 200
    page = text(response)
    assert "10:00–11:00" in page and "mardi 1 décembre 2026" in page
    assert f'href="/visitors/{yanis.id}"' in page
    assert re.search(r"0 absences? sans prévenir", page)
    assert "Compétence requise\u00a0: studio (à revoir après 6 mois sans usage)" in page
    assert "Réservation créée" in page
    assert "Accepter la demande" not in page  # not pending


async def test_cancelling_from_the_booking_page(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    booking = await book(cast, studio, at(10), at(11))
    await login(client, cast.email("awa"))
    response = await client.post(f"/bookings/{booking.id}/cancel")
    assert response.status_code == 303
    assert response.headers["location"] == f"/bookings/{booking.id}?done=cancelled"
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "cancelled"
    page = text(await client.get(response.headers["location"]))
    assert "La réservation est annulée" in page and "Réservation annulée" in page
    again = await client.post(f"/bookings/{booking.id}/cancel")
    assert again.status_code == 409
    assert "ne peut plus être annulée" in text(again)


async def test_checking_in_works_only_within_the_window(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio", checkin_before_minutes=15)
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    booking = await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    await login(client, cast.email("awa"))
    early = await client.post(f"/bookings/{booking.id}/check-in")
    assert early.status_code == 409
    assert "15 minutes avant le début" in text(early)
    freeze(at(9, 50))
    response = await client.post(f"/bookings/{booking.id}/check-in")
    assert response.status_code == 303
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "checked_in"


async def test_a_manager_approves_a_request_and_a_facilitator_cannot(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio", needs_approval=True)
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    pending = await book(cast, studio, at(14), at(15), visitor_id=yanis.id, self_service=True)
    assert pending.status == "pending"
    await login(client, cast.email("awa"))
    queue = text(await client.get("/bookings/approvals"))
    assert "Yanis Martin" in queue and "Un ou une responsable du site décide." in queue
    refused = await client.post(f"/bookings/{pending.id}/approve")
    assert refused.status_code == 403
    await client.post("/logout")
    await login(client, cast.email("julien"))
    page = text(await client.get(f"/bookings/{pending.id}"))
    assert "Accepter la demande" in page
    response = await client.post(f"/bookings/{pending.id}/approve")
    assert response.status_code == 303
    assert (await Booking.objects().get(Booking.id == pending.id)).status == "confirmed"


async def test_the_approval_queue_replaces_the_row_with_the_decision(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio", needs_approval=True)
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    pending = await book(cast, studio, at(14), at(15), visitor_id=yanis.id, self_service=True)
    await login(client, cast.email("julien"))
    queue = await client.get("/bookings/approvals")
    assert f'hx-post="/bookings/{pending.id}/refuse"' in queue.text
    response = await client.post(f"/bookings/{pending.id}/refuse", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="approval-{pending.id}">')
    assert "Annulée" in response.text and "hx-post" not in response.text
    again = await client.post(f"/bookings/{pending.id}/approve", headers=HTMX)
    assert "déjà été traitée" in text(again)


async def test_moving_a_booking_checks_the_rules_again(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    booking = await book(cast, studio, at(10), at(11))
    await book(cast, studio, at(12), at(13))
    await login(client, cast.email("awa"))
    page = await client.get(f"/bookings/{booking.id}/move")
    assert page.status_code == 200 and 'value="10:00"' in page.text
    moved = await client.post(f"/bookings/{booking.id}/move", data=form(studio, "11:00", "12:00"))
    assert moved.status_code == 303
    assert (await Booking.objects().get(Booking.id == booking.id)).starts_at == at(11)
    clash = await client.post(f"/bookings/{booking.id}/move", data=form(studio, "12:00", "13:00"))
    assert clash.status_code == 409 and 'data-code="capacity"' in clash.text


async def test_the_list_filters_and_paginates(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio", units=60)
    brussels_room = await make_resource(cast.brussels, "Salle")
    now = clock.now()
    rows = [
        Booking(
            resource=studio.id,
            starts_at=at(10),
            ends_at=at(11),
            blocked_until=at(11),
            units=1,
            status="confirmed" if index else "cancelled",
            uid=f"list-{index}@lab",
            created_at=now,
            updated_at=now,
        )
        for index in range(55)
    ]
    await Booking.insert(*rows)
    await book(cast, brussels_room, at(10), at(11), who="pieter")
    await login(client, cast.email("awa"))
    first = text(await client.get("/bookings/list"))
    assert "55 réservations" in first and "Page 1 sur 2" in first
    assert "Salle" not in first.split('id="results"')[1]  # another site's booking
    second = text(await client.get("/bookings/list?page=2"))
    assert second.count('href="/bookings/') - second.count('href="/bookings/list') >= 5
    cancelled = text(await client.get("/bookings/list?status=cancelled"))
    assert "1 réservation" in cancelled
    later = text(await client.get(f"/bookings/list?from={TUESDAY + dt.timedelta(days=1)}"))
    assert "0 réservation" in later


async def test_another_sites_booking_and_grid_are_forbidden(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    booking = await book(cast, studio, at(10), at(11))
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/bookings/{booking.id}")).status_code == 403
    assert (await client.post(f"/bookings/{booking.id}/cancel")).status_code == 403
    assert (await client.get(f"/bookings?site={cast.saint_denis.id}")).status_code == 403
    refused = await client.post("/bookings", data=form(studio, "14:00", "14:30"))
    assert refused.status_code == 403
    assert (await Booking.objects().get(Booking.id == booking.id)).status == "confirmed"


async def test_the_desk_checks_in_a_scanned_pass(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio", checkin_before_minutes=15)
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    issued, token = await visitors.reissue_pass(await cast.principal("awa"), yanis.id)
    await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    await login(client, cast.email("awa"))
    desk = await client.get("/bookings/check-in")
    assert desk.status_code == 200 and "autofocus" in desk.text
    site = str(cast.saint_denis.id)
    early = await client.post(
        "/bookings/check-in", data={"site_id": site, "code": issued.short_code}, headers=HTMX
    )
    assert early.status_code == 409 and "<html" not in early.text
    assert "Yanis n'a pas de réservation à pointer maintenant." in text(early)
    assert "autofocus" in early.text
    freeze(at(9, 50))
    scanned = await client.post(
        "/bookings/check-in", data={"site_id": site, "code": f"http://testserver.local/p/{token}"}
    )
    assert scanned.status_code == 200 and "<html" in scanned.text
    page = text(scanned)
    assert "Yanis" in page and "Studio, 10:00–11:00\u00a0: arrivée enregistrée." in page
    unknown = await client.post("/bookings/check-in", data={"site_id": site, "code": "ZZZZ-ZZZZ"})
    assert unknown.status_code == 404 and "Cette carte n'est pas valable." in text(unknown)


async def test_the_desk_refuses_another_site(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post(
        "/bookings/check-in", data={"site_id": str(cast.brussels.id), "code": "ABCD-EFGH"}
    )
    assert response.status_code == 403


async def test_a_visitor_page_loads_their_bookings(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    await login(client, cast.email("awa"))
    show = await client.get(f"/visitors/{yanis.id}")
    assert f'hx-get="/bookings/for-visitor/{yanis.id}"' in show.text
    section = await client.get(f"/bookings/for-visitor/{yanis.id}", headers=HTMX)
    assert section.status_code == 200 and "<html" not in section.text
    assert "Aucune réservation à venir." in text(section)
    await book(cast, studio, at(10), at(11), visitor_id=yanis.id)
    prefilled = await client.get(f"/bookings/new?visitor={yanis.id}")
    assert re.search(rf'value="{yanis.id}" checked>\s*<label[^>]*>Yanis Martin', prefilled.text)
    page = text(await client.get(f"/bookings/for-visitor/{yanis.id}"))
    assert "<html" in page and "Studio" in page and "0 absence" in page
    # Skills are not recorded here any more: the skills domain has its own section.
    assert "présentation" not in page.lower()
    gone = await client.post(f"/visitors/{yanis.id}/inductions", data={"name": "studio"})
    assert gone.status_code in (404, 405)


async def test_a_facilitator_gets_403_on_resource_admin(client, cast):
    studio = await make_resource(cast.saint_denis, "Studio")
    await login(client, cast.email("awa"))
    for path in ("/resources", "/resources/new", f"/resources/{studio.id}/edit"):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.get("/resources/closures")).status_code == 403
    response = await client.post("/resources", data={"site_id": str(cast.saint_denis.id)})
    assert response.status_code == 403
    page = text(await client.get("/bookings"))
    assert 'href="/resources"' not in page and 'href="/bookings"' in page


RESOURCE = {
    "name": "Studio son",
    "kind": "studio",
    "units": "1",
    "active": "on",
    "slot_minutes": "30",
    "min_minutes": "30",
    "max_minutes": "120",
    "buffer_minutes": "0",
    "lead_minutes": "0",
    "horizon_days": "30",
    "checkin_before_minutes": "15",
    "release_after_minutes": "15",
}


async def test_a_manager_creates_and_edits_a_resource(client, cast):
    await login(client, cast.email("julien"))
    page = await client.get("/resources/new")
    assert page.status_code == 200
    for legend in (
        "Général",
        "Durées et créneaux",
        "Quotas par personne",
        "Validation et pointage",
    ):
        assert f"<legend>{legend}</legend>" in page.text
    assert 'id="h-buffer_minutes"' in page.text
    data = {**RESOURCE, "site_id": str(cast.saint_denis.id)}
    created = await client.post("/resources", data=data)
    assert created.status_code == 303
    resource = await Resource.objects().get(Resource.name == "Studio son")
    assert resource.site == cast.saint_denis.id
    assert resource.max_bookings_per_day is None and resource.release_after_minutes == 15
    wrong = await client.post(
        f"/resources/{resource.id}", data={**data, "min_minutes": "45"}, headers=HTMX
    )
    assert wrong.status_code == 422 and 'id="e-min_minutes"' in wrong.text
    assert "<html" not in wrong.text
    edited = await client.post(
        f"/resources/{resource.id}", data={**data, "max_bookings_per_day": "2", "units": "3"}
    )
    assert edited.status_code == 303
    resource = await Resource.objects().get(Resource.id == resource.id)
    assert resource.max_bookings_per_day == 2 and resource.units == 3
    listing = text(await client.get("/resources"))
    assert "Studio son" in listing and "La ressource est enregistrée." not in listing


async def test_a_resource_may_require_a_skill_by_its_code_and_let_it_lapse(client, cast):
    await login(client, cast.email("julien"))
    page = text(await client.get("/resources/new"))
    assert "<legend>Compétence requise</legend>" in page
    assert "Le code d'une compétence, par exemple\u00a0: studio." in page
    data = {**RESOURCE, "site_id": str(cast.saint_denis.id)}
    for code in ("Studio", "é-son", "s", "-studio", "studio son", "x" * 41):
        refused = await client.post("/resources", data={**data, "required_skill": code})
        assert refused.status_code == 422 and 'id="e-required_skill"' in refused.text, code
    for months in ("0", "121", "six"):
        refused = await client.post(
            "/resources",
            data={**data, "required_skill": "studio", "skill_lapse_months": months},
        )
        assert refused.status_code == 422 and 'id="e-skill_lapse_months"' in refused.text
    alone = await client.post("/resources", data={**data, "skill_lapse_months": "6"})
    assert alone.status_code == 422 and "Seulement avec une compétence requise." in text(alone)
    assert await Resource.count() == 0
    created = await client.post(
        "/resources", data={**data, "required_skill": "studio-son", "skill_lapse_months": "6"}
    )
    assert created.status_code == 303
    resource = await Resource.objects().get(Resource.name == "Studio son")
    assert (resource.required_skill, resource.skill_lapse_months) == ("studio-son", 6)
    listing = text(await client.get("/resources"))
    assert "Compétence\u00a0: studio-son (à revoir après 6 mois sans usage)" in listing
    edit = text(await client.get(f"/resources/{resource.id}/edit"))
    assert 'value="studio-son"' in edit and 'value="6"' in edit
    cleared = await client.post(
        f"/resources/{resource.id}", data={**data, "required_skill": "", "skill_lapse_months": ""}
    )
    assert cleared.status_code == 303
    resource = await Resource.objects().get(Resource.id == resource.id)
    assert resource.required_skill is None and resource.skill_lapse_months is None


async def test_a_manager_cannot_add_a_resource_to_another_site(client, cast):
    await login(client, cast.email("julien"))
    data = {**RESOURCE, "site_id": str(cast.brussels.id)}
    assert (await client.post("/resources", data=data)).status_code == 403
    assert (await client.get(f"/resources?site={cast.brussels.id}")).status_code == 403


async def test_a_manager_adds_and_removes_a_closure(client, cast):
    await login(client, cast.email("julien"))
    site = str(cast.saint_denis.id)
    added = await client.post(
        "/resources/closures", data={"site_id": site, "day": DAY, "label": "Formation"}
    )
    assert added.status_code == 303
    page = text(await client.get(f"/resources/closures?site={site}"))
    assert "mardi 1 décembre 2026 — Formation" in page
    twice = await client.post("/resources/closures", data={"site_id": site, "day": DAY})
    assert twice.status_code == 409 and "déjà marqué fermé" in text(twice)
    closure = await Closure.objects().first()
    removed = await client.post(f"/resources/closures/{closure.id}/delete", data={"site_id": site})
    assert removed.status_code == 303
    assert await Closure.count() == 0


async def test_the_day_grid_escapes_names_it_writes_without_autoescape(client, cast):
    """The grid's cells are written with their words escaped once, in Python: a resource's or
    a visitor's name with markup in it still reaches the page as text."""
    studio = await make_resource(cast.saint_denis, "<b>Studio</b> & co")
    pool = await make_resource(cast.saint_denis, "Tablettes <i>", units=3)
    visitor = await make_visitor(cast.saint_denis, "<script>x</script>")
    await book(cast, studio, at(10), at(11), visitor_id=visitor.id)
    await login(client, cast.email("awa"))
    response = await client.get(f"/bookings?site={cast.saint_denis.id}&day={DAY}")
    assert response.status_code == 200
    page = response.text
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<b>Studio" not in page and "&lt;b&gt;Studio&lt;/b&gt; &amp; co" in page
    assert "Tablettes <i>" not in page and "Tablettes &lt;i&gt;" in page
    assert 'aria-label="Réserver &lt;b&gt;Studio&lt;/b&gt; &amp; co à 11:00"' in page
    assert f"/bookings/new?resource={pool.id}&amp;day={DAY}&amp;start=10:00" in page
