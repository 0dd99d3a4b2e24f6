"""The check-in routes of a tablet: the queue's JSON endpoint, the page and its no-JavaScript
form, and the device-side sources. The confirmation names the visitor by first name only."""

from __future__ import annotations

import re
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance.tables import Attendance, ScanEvent
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.kiosk.helpers import pair_client
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

API = "/kiosk/api/checkins"


@pytest.fixture
async def lab(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martinez")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    card, token = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(10, 5))
    return {"module": module, "session": session, "token": token, "short_code": card.short_code}


def body(code: str, **extra) -> dict:
    now = at(10, 5).isoformat()
    return {"nonce": str(uuid.uuid4()), "code": code, "client_at": now, "sent_at": now, **extra}


async def test_an_unpaired_tablet_gets_401_from_the_api_and_the_pairing_page_otherwise(client):
    assert (await client.get("/kiosk/checkin")).headers["location"] == "/kiosk/pair"
    await client.get("/kiosk/pair")
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
    response = await client.post(API, json=body("ABCD-EFGH"))
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_paired",
        "message": "Cette tablette n'est pas associée. Demandez à l'accueil.",
    }


async def test_a_tablet_not_allowed_to_check_in_gets_403(client, cast, lab):
    await pair_client(client, cast, actions=["signup"])
    assert (await client.get("/kiosk/checkin")).status_code == 403
    response = await client.post(API, json=body(lab["token"]))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_the_api_checks_in_with_201_and_a_first_name_only(client, cast, lab):
    await pair_client(client, cast)
    response = await client.post(API, json=body(f"https://lab.example/p/{lab['token']}"))
    assert response.status_code == 201, response.text
    assert response.json() == {
        "outcome": "accepted",
        "first_name": "Yanis",
        "title": "Atelier CV",
        "kind": "session",
    }
    assert "Martinez" not in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_a_repeated_nonce_answers_200_duplicate_and_records_once(client, cast, lab):
    await pair_client(client, cast)
    sent = body(lab["short_code"], offline=True)
    first = await client.post(API, json=sent)
    again = await client.post(API, json=sent)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["outcome"] == "duplicate" and again.json()["first_name"] == "Yanis"
    assert await Attendance.count() == 1
    events = await ScanEvent.objects().order_by(ScanEvent.id)
    assert [(e.outcome, e.offline, e.method) for e in events] == [
        ("accepted", True, "kiosk_code"),
        ("duplicate", True, "kiosk_code"),
    ]


async def test_a_refusal_is_a_definitive_409_with_its_code_and_a_plain_message(client, cast, lab):
    await pair_client(client, cast)
    response = await client.post(API, json=body("ZZZZ-ZZZZ"))
    assert response.status_code == 409
    assert response.json() == {
        "code": "unknown_pass",
        "message": "Cette carte ne marche pas. Demandez à l'accueil.",
    }


@pytest.mark.parametrize(
    "wrong",
    [
        {"nonce": "x"},
        {"client_at": "2026-12-01T10:05:00"},  # no time zone: which clock?
        {"code": ""},
        {"session_id": 0},
        {"surname": "Martinez"},  # nothing else is accepted, names least of all
    ],
)
async def test_an_unreadable_item_is_a_definitive_400(client, cast, lab, wrong):
    await pair_client(client, cast)
    response = await client.post(API, json={**body(lab["token"]), **wrong})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert await ScanEvent.count() == 0


async def test_a_live_scan_with_two_sessions_open_answers_choose(client, cast, lab):
    drop_in = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    cafe = await make_session(drop_in, at(10, 30), minutes=60)
    await pair_client(client, cast)
    response = await client.post(API, json=body(lab["token"]))
    assert response.status_code == 200
    assert response.json() == {
        "outcome": "choose",
        "first_name": "Yanis",
        "choices": [
            {"session_id": lab["session"].id, "title": "Atelier CV", "time": "10:00"},
            {"session_id": cafe.id, "title": "Café numérique", "time": "10:30"},
        ],
    }
    chosen = await client.post(API, json=body(lab["token"], session_id=cafe.id))
    assert chosen.status_code == 201 and chosen.json()["title"] == "Café numérique"


async def test_the_page_has_a_focused_code_field_a_nonce_and_the_camera_panel(client, cast):
    await pair_client(client, cast)
    page = await client.get("/kiosk/checkin")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert re.search(r'<input id="f-code" name="code"[^>]* autofocus>', page.text)
    assert re.search(r'name="nonce" value="[0-9a-f-]{36}"', page.text)
    assert 'id="camera"' in page.text and "jsQR-1.4.0.js" in page.text
    assert 'src="/kiosk/queue.js"' in page.text
    assert 'data-visit="off"' in page.text  # the service worker may keep this page


async def test_without_javascript_the_form_checks_in_and_shows_the_first_name_only(
    client, cast, lab
):
    await pair_client(client, cast)
    page = await client.get("/kiosk/checkin")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    form = {"_csrf_token": client.cookies["lab_csrf"], "nonce": nonce}
    response = await client.post("/kiosk/checkin", data={**form, "code": lab["short_code"]})
    assert response.status_code == 200
    assert "Bienvenue, Yanis\u00a0!" in response.text
    assert "Martinez" not in response.text
    assert 'http-equiv="refresh" content="6;url=/kiosk/checkin"' in response.text
    again = await client.post("/kiosk/checkin", data={**form, "code": lab["short_code"]})
    assert "Vous étiez déjà pointé·e" in again.text
    assert await Attendance.count() == 1


async def test_without_javascript_a_refusal_and_a_choice_are_pages_too(client, cast, lab):
    drop_in = await make_module(cast.saint_denis, "Café numérique", enrolment="drop_in")
    cafe = await make_session(drop_in, at(10, 30), minutes=60)
    await pair_client(client, cast)
    await client.get("/kiosk/checkin")
    token = client.cookies["lab_csrf"]
    refused = await client.post(
        "/kiosk/checkin",
        data={"_csrf_token": token, "nonce": str(uuid.uuid4()), "code": "ZZZZ-ZZZZ"},
    )
    assert refused.status_code == 409
    assert "Cette carte ne marche pas." in refused.text
    choose = await client.post(
        "/kiosk/checkin",
        data={"_csrf_token": token, "nonce": str(uuid.uuid4()), "code": lab["token"]},
    )
    assert "Yanis, choisissez votre atelier" in choose.text
    assert f'name="session_id" value="{cafe.id}"' in choose.text
    nonce = re.search(
        rf'name="nonce" value="([^"]+)">\s*<input type="hidden" name="code" value="[^"]+">\s*'
        rf'<input type="hidden" name="session_id" value="{cafe.id}"',
        choose.text,
    ).group(1)
    chosen = await client.post(
        "/kiosk/checkin",
        data={"_csrf_token": token, "nonce": nonce, "code": lab["token"], "session_id": cafe.id},
    )
    assert "Votre arrivée est notée\u00a0: Café numérique." in chosen.text


async def test_the_service_worker_and_queue_sources_are_served_to_anyone(client):
    worker = await client.get("/kiosk/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/kiosk"
    assert worker.headers["cache-control"] == "no-cache"
    assert "__SHELL_VERSION__" not in worker.text
    assert re.search(r'CACHE = PREFIX \+ "[0-9a-f]{12}";', worker.text)  # a versioned cache
    queue = await client.get("/kiosk/queue.js")
    assert queue.status_code == 200
    assert queue.headers["content-type"].startswith("text/javascript")
    assert "/kiosk/api/checkins" in queue.text


@pytest.mark.parametrize(
    "client_at",
    [-1, 1764579600, "-0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z", "2026-12-01T10:05:00"],
)
async def test_a_client_time_that_is_not_an_aware_moment_near_today_is_refused(
    client, cast, lab, client_at
):
    """A number (a negative one was read as 1970), year 1, or a time without its offset: the
    queue's definitive "unreadable" answer (it drops the item), and nothing is recorded."""
    await pair_client(client, cast)
    response = await client.post(API, json=body(lab["short_code"], client_at=client_at))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert await Attendance.count() == 0
