"""Attendance in the room through the real app: today's sessions, the roster (tap, scan, short
code, corrections, closing), its live stream, the projector and the phone's self check-in."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import queue
import re
import uuid
from types import SimpleNamespace

import anyio
import pytest

from lab.accounts import passes, visitors
from lab.attendance import selfcheck, services
from lab.attendance.routes.live import session_events
from lab.attendance.tables import Attendance, ScanEvent
from lab.core.tables import AuditLog
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze
from tests.conftest import BASE_URL
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

HTMX = {"HX-Request": "true"}
NONCE = re.compile(r'name="nonce" value="([0-9a-f-]{36})"')


def text(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
async def room(cast):
    """Awa runs "Atelier CV" at Saint-Denis at 10:00; Yanis and Léa are enrolled; it is 9:55."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    for person in (yanis, lea):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=person.id))
    yanis_pass, _ = await visitors.reissue_pass(awa, yanis.id)
    freeze(at(9, 55))
    return {
        "awa": awa,
        "module": module,
        "session": session,
        "yanis": yanis,
        "lea": lea,
        "short_code": passes.display_short_code(yanis_pass.short_code),
        "path": f"/attendance/sessions/{session.id}",
    }


async def check_in(client, room, **fields) -> object:
    data = {"nonce": str(uuid.uuid4()), **fields}
    return await client.post(f"{room['path']}/check-in", data=data, headers=HTMX)


# -- Today ----------------------------------------------------------------------------------


async def test_today_lists_my_sessions_first_with_their_counts(client, cast, room):
    other = await make_module(cast.saint_denis, "Réunion d'information")
    await make_session(other, at(14))
    await make_session(other, at(14, day=TUESDAY + dt.timedelta(days=1)))  # not today
    brussels = await make_module(cast.brussels, "Atelier Bruxelles")
    await make_session(brussels, at(11))
    await services.check_in(
        services.Scan(
            by=room["awa"],
            session_id=room["session"].id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=room["yanis"].id,
        )
    )
    await login(client, cast.email("awa"))
    response = await client.get("/attendance/today")
    assert response.status_code == 200
    page = text(response)
    mine = page.split('id="my-sessions"')[1].split("</ul>")[0]
    others = page.split('id="other-sessions"')[1].split("</ul>")[0]
    assert "Atelier CV" in mine and "10:00–12:00" in mine
    assert "1 personne arrivée" in mine and "2 personnes inscrites" in mine
    assert f'href="{room["path"]}"' in mine
    assert "Réunion d'information" in others and others.count("session-card") == 1
    assert "Atelier Bruxelles" not in page


async def test_a_manager_sees_the_site_sessions_among_the_others(client, cast, room):
    await login(client, cast.email("julien"))
    page = text(await client.get("/attendance/today"))
    assert "Vous n'animez aucune séance aujourd'hui." in page
    assert "Atelier CV" in page.split('id="other-sessions"')[1]


# -- The roster -----------------------------------------------------------------------------


async def test_the_roster_shows_everyone_with_their_status(client, cast, room):
    await services.check_in(
        services.Scan(
            by=room["awa"],
            session_id=room["session"].id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=room["yanis"].id,
        )
    )
    await login(client, cast.email("awa"))
    response = await client.get(room["path"])
    assert response.status_code == 200
    page = text(response)
    assert "Atelier CV" in page
    yanis_row = page.split(f'id="person-{room["yanis"].id}"')[1].split("</tr>")[0]
    lea_row = page.split(f'id="person-{room["lea"].id}"')[1].split("</tr>")[0]
    assert 'data-status="present"' in yanis_row and "09:55" in yanis_row
    assert 'data-status="none"' in lea_row and "Pas encore pointé·e" in lea_row
    assert f'id="present-{room["lea"].id}"' in lea_row  # the tap button
    assert f'id="present-{room["yanis"].id}"' not in page  # already in
    assert "1 personne arrivée" in page and "2 personnes inscrites" in page
    # Each form carries its own nonce, made by the server.
    nonces = NONCE.findall(page)
    assert len(nonces) == 2 and len(set(nonces)) == 2
    assert 'data-live-stream="' + room["path"] + '/stream"' in page


async def test_an_htmx_refresh_gets_only_the_roster_block(client, cast, room):
    await login(client, cast.email("awa"))
    response = await client.get(room["path"], headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="roster"')
    assert "<html" not in response.text and "scan-form" not in response.text


async def test_a_tap_checks_a_person_in(client, cast, room):
    await login(client, cast.email("awa"))
    response = await check_in(client, room, visitor_id=str(room["lea"].id))
    assert response.status_code == 200
    page = text(response)
    assert page.lstrip().startswith('<div id="live">')
    assert "Léa\u00a0: arrivée enregistrée (Présent·e)." in page
    row = await Attendance.objects().where(Attendance.visitor == room["lea"].id).first()
    assert (row.status, row.method) == ("present", "staff")


async def test_the_same_nonce_twice_makes_one_attendance(client, cast, room):
    await login(client, cast.email("awa"))
    page = text(await client.get(room["path"]))
    form = page.split(f'id="person-{room["lea"].id}"')[1]
    nonce = NONCE.search(form).group(1)
    data = {"nonce": nonce, "visitor_id": str(room["lea"].id)}
    first = await client.post(f"{room['path']}/check-in", data=data, headers=HTMX)
    second = await client.post(f"{room['path']}/check-in", data=data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert "Léa est déjà pointé·e (Présent·e)." in text(second)
    assert await Attendance.count() == 1
    assert await ScanEvent.count().where(ScanEvent.nonce == nonce) == 2


async def test_a_check_in_without_a_nonce_is_refused_and_none_is_invented(client, cast, room):
    await login(client, cast.email("awa"))
    response = await client.post(
        f"{room['path']}/check-in", data={"visitor_id": str(room["lea"].id)}, headers=HTMX
    )
    assert response.status_code == 422
    assert 'data-code="bad_nonce"' in response.text
    assert await Attendance.count() == 0
    assert await ScanEvent.count() == 0


async def test_scanning_a_pass_by_its_short_code_checks_in(client, cast, room):
    await login(client, cast.email("awa"))
    response = await check_in(client, room, code=room["short_code"].lower())
    assert response.status_code == 200
    assert "Yanis\u00a0: arrivée enregistrée (Présent·e)." in text(response)
    row = await Attendance.objects().where(Attendance.visitor == room["yanis"].id).first()
    assert row.method == "staff_scan"


async def test_a_refused_scan_says_why_in_plain_words(client, cast, room):
    stranger = await make_visitor(cast.saint_denis, "Inès", "Durand")
    stranger_pass, _ = await visitors.reissue_pass(room["awa"], stranger.id)
    await login(client, cast.email("awa"))
    response = await check_in(client, room, code=stranger_pass.short_code)
    assert response.status_code == 409
    page = text(response)
    assert 'role="alert" data-code="not_enrolled"' in page
    assert "Cette personne n'est pas inscrite à cet atelier." in page
    unknown = await check_in(client, room, code="ZZZZ-ZZZZ")
    assert unknown.status_code == 409
    assert "Cette carte n'est pas valable." in text(unknown)
    reasons = {row["reason"] for row in await ScanEvent.select(ScanEvent.reason)}
    assert reasons == {"not_enrolled", "unknown_pass"}
    empty = await check_in(client, room, code="")
    assert empty.status_code == 422
    assert "Scannez la carte ou tapez le code de la carte." in text(empty)


async def test_a_status_is_corrected_afterwards_and_audited(client, cast, room):
    await login(client, cast.email("awa"))
    response = await client.post(
        f"{room['path']}/mark",
        data={"visitor_id": str(room["lea"].id), "status": "excused"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Statut enregistré\u00a0: Excusé·e." in text(response)
    row = await Attendance.objects().where(Attendance.visitor == room["lea"].id).first()
    assert row.status == "excused"
    entry = await AuditLog.objects().where(AuditLog.action == "attendance.marked").first()
    assert json.loads(entry.data)["after"] == "excused"
    bad = await client.post(
        f"{room['path']}/mark", data={"visitor_id": str(room["lea"].id), "status": "gone"}
    )
    assert bad.status_code == 422


async def test_closing_marks_the_unmarked_absent_and_ends_scanning(client, cast, room):
    await login(client, cast.email("awa"))
    await check_in(client, room, visitor_id=str(room["yanis"].id))
    response = await client.post(f"{room['path']}/close")
    assert response.status_code == 303
    assert response.headers["location"] == f"{room['path']}?done=closed"
    statuses = {
        r["visitor"]: r["status"]
        for r in await Attendance.select(Attendance.visitor, Attendance.status)
    }
    assert statuses == {room["yanis"].id: "present", room["lea"].id: "absent"}
    page = text(await client.get(response.headers["location"]))
    assert "La séance est close." in page
    assert 'id="scan-form"' not in page and 'id="close-session"' not in page
    again = await client.post(f"{room['path']}/close")
    assert again.status_code == 409
    # A correction after closing is still possible, and audited as one.
    await client.post(
        f"{room['path']}/mark", data={"visitor_id": str(room["lea"].id), "status": "excused"}
    )
    assert await AuditLog.exists().where(AuditLog.action == "attendance.corrected")


@pytest.mark.parametrize("who", ["sofia", "pieter"])
async def test_staff_of_another_site_get_403(client, cast, room, who):
    await login(client, cast.email(who))
    path = room["path"]
    assert (await client.get(path)).status_code == 403
    assert (await client.get(f"{path}/projector")).status_code == 403
    assert (await client.get(f"{path}/stream")).status_code == 403
    refused = await check_in(client, room, visitor_id=str(room["lea"].id))
    assert refused.status_code == 403
    mark = await client.post(
        f"{path}/mark", data={"visitor_id": str(room["lea"].id), "status": "present"}
    )
    assert mark.status_code == 403
    assert (await client.post(f"{path}/close")).status_code == 403
    assert await Attendance.count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "<script>alert(1)</script>"},
        {"code": "x" * 5000},
        {"code": "🙂🙂🙂🙂"},
        {"visitor_id": "abc"},
        {"visitor_id": str(2**40)},
        {"nonce": "x" * 500, "code": "ABCD-EFGH"},
        {"nonce": "pas un nonce !", "code": "ABCD-EFGH"},
    ],
)
async def test_hostile_check_in_input_is_refused_in_words_never_500(client, cast, room, fields):
    await login(client, cast.email("awa"))
    data = {"nonce": str(uuid.uuid4()), **fields}
    response = await client.post(f"{room['path']}/check-in", data=data, headers=HTMX)
    assert response.status_code in (409, 422), response.text
    assert "<script>alert" not in response.text
    assert await Attendance.count() == 0


async def test_a_missing_session_is_404(client, cast, room):
    await login(client, cast.email("awa"))
    assert (await client.get("/attendance/sessions/999999")).status_code == 404


# -- Live stream ----------------------------------------------------------------------------


class StreamProbe:
    """Calls the app's ASGI entry for one GET in the test client's own event loop (where the
    app's channels live), keeping every message it sends; ``close`` is the browser leaving."""

    def __init__(self, client, path: str) -> None:
        self.portal = client.blocking_portal
        self.messages: queue.Queue = queue.Queue()
        self.gone = self.portal.call(anyio.Event)
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver.local"),
                (b"accept", b"text/event-stream"),
                (b"cookie", cookies.encode()),
            ],
            "client": ("testclient", 50000),
            "server": ("testserver.local", 80),
        }
        asked = False

        async def receive():
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            self.messages.put(message)

        self.done = self.portal.start_task_soon(client.app, scope, receive, send)
        self.body = b""
        self.start: dict | None = None

    async def read_until(self, wanted: bytes, seconds: float = 5.0) -> bytes:
        deadline = asyncio.get_running_loop().time() + seconds
        while wanted not in self.body:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"{wanted!r} not received; got {self.body!r}"
            try:
                message = await asyncio.to_thread(self.messages.get, timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if message["type"] == "http.response.start":
                self.start = message
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")
        return self.body

    def close(self) -> None:
        self.portal.call(self.gone.set)
        self.done.result(timeout=5)


async def test_the_stream_delivers_a_check_in_made_by_someone_else(app, client, cast, room):
    await login(client, cast.email("awa"))
    probe = StreamProbe(client, f"{room['path']}/stream")
    try:
        await probe.read_until(b"event: ready")
        assert probe.start["status"] == 200
        headers = dict(probe.start["headers"])
        assert headers[b"content-type"].startswith(b"text/event-stream")
        response = await check_in(client, room, visitor_id=str(room["lea"].id))
        assert response.status_code == 200
        body = await probe.read_until(b'"visitor_id": ' + str(room["lea"].id).encode())
        event = json.loads(body.split(b"data: ")[-1].split(b"\r\n")[0])
        assert event["type"] == "attendance" and event["status"] == "present"
    finally:
        probe.close()
    # The browser left: the handler ended and let go of the channel.
    assert not app.state.channels._channels.get(f"session:{room['session'].id}")


async def test_a_quiet_stream_sends_keep_alive_comments_and_unsubscribes_when_closed():
    from litestar.channels import ChannelsPlugin
    from litestar.channels.backends.memory import MemoryChannelsBackend

    channels = ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
    async with channels:
        stream = session_events(channels, 7, keep_alive=0.05)
        first = await anext(stream)
        assert first.event == "ready"
        assert (await anext(stream)).comment == "keep-alive"
        channels.publish(json.dumps({"type": "closed"}), channels=["session:7"])
        assert json.loads((await anext(stream)).data) == {"type": "closed"}
        await stream.aclose()
        assert not channels._channels.get("session:7")


async def test_a_stream_ends_after_its_lifetime_so_the_browser_reconnects():
    """A server only stops once open responses end; and each new stream checks access."""
    from litestar.channels import ChannelsPlugin
    from litestar.channels.backends.memory import MemoryChannelsBackend

    channels = ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
    async with channels:
        stream = session_events(channels, 7, keep_alive=0.05, lifetime=0.3)
        messages = [message async for message in stream]
        assert messages[0].event == "ready"
        assert messages[1:] and {message.comment for message in messages[1:]} == {"keep-alive"}
        assert not channels._channels.get("session:7")


# -- Projector ------------------------------------------------------------------------------


async def test_the_projector_shows_a_qr_of_the_current_code_and_the_count(client, cast, room):
    await login(client, cast.email("awa"))
    response = await client.get(f"{room['path']}/projector")
    assert response.status_code == 200
    page = text(response)
    assert '<svg role="img" class="qr"' in page
    assert "0 personne arrivée" in page and 'data-seconds-left="' in page
    assert "Yanis" not in page and "Martin" not in page
    board = await client.get(f"{room['path']}/projector", headers=HTMX)
    assert board.text.lstrip().startswith('<div id="board"')


def test_the_projected_address_carries_only_the_session_and_the_code():
    from lab.attendance.pages import self_check_url

    freeze(at(9, 55))
    session = SimpleNamespace(id=12, checkin_secret="s" * 64)
    url = self_check_url(BASE_URL, session)
    code = selfcheck.current_code("s" * 64, 12)
    assert url == f"{BASE_URL}/c/12/{code}"


# -- Self check-in on a phone ---------------------------------------------------------------


async def open_phone_page(client, room):
    session = room["session"]
    code = selfcheck.current_code(session.checkin_secret, session.id)
    return await client.get(f"/c/{session.id}/{code}")


def phone_form(page: str) -> dict:
    fields = dict(re.findall(r'name="(_csrf_token|form_token|nonce)" value="([^"]+)"', page))
    assert set(fields) == {"_csrf_token", "form_token", "nonce"}
    return fields


async def test_a_current_code_opens_the_form_and_the_short_code_checks_in(client, room):
    page = await open_phone_page(client, room)
    assert page.status_code == 200
    assert "Le code de ma carte lab" in text(page)
    fields = phone_form(page.text)
    response = await client.post(
        f"/c/{room['session'].id}", data={**fields, "code": room["short_code"]}
    )
    assert response.status_code == 200
    assert "Merci Yanis\u00a0!" in text(response)
    assert "Martin" not in response.text
    row = await Attendance.objects().where(Attendance.visitor == room["yanis"].id).first()
    assert (row.status, row.method) == ("present", "self_phone")
    entry = await AuditLog.objects().where(AuditLog.action == "attendance.checked_in").first()
    assert (entry.actor_kind, entry.actor_id) == ("visitor", None)


async def test_a_rotated_out_code_is_refused(client, room):
    session = room["session"]
    old = selfcheck.current_code(session.checkin_secret, session.id)
    freeze(at(9, 55) + dt.timedelta(seconds=61))
    response = await client.get(f"/c/{session.id}/{old}")
    assert response.status_code == 410
    assert "Ce code a expiré, scannez l'écran à nouveau." in text(response)
    assert 'name="form_token"' not in response.text
    assert (await client.get(f"/c/{session.id}/not-a-code")).status_code == 410
    assert (await client.get(f"/c/999999/{old}")).status_code == 410


async def test_a_forged_or_stale_form_token_is_refused(client, room):
    fields = phone_form((await open_phone_page(client, room)).text)
    expires, _, mac = fields["form_token"].partition(".")
    forged = {**fields, "form_token": f"{int(expires) + 3600}.{mac}", "code": room["short_code"]}
    response = await client.post(f"/c/{room['session'].id}", data=forged)
    assert response.status_code == 403
    freeze(at(10, 5))  # ten minutes later
    stale = await client.post(
        f"/c/{room['session'].id}", data={**fields, "code": room["short_code"]}
    )
    assert stale.status_code == 403
    assert await Attendance.count() == 0


@pytest.mark.parametrize("code", ["", "<b>", "x" * 500, "ZZ"])
async def test_a_bad_short_code_on_the_phone_is_refused_in_words(client, room, code):
    fields = phone_form((await open_phone_page(client, room)).text)
    response = await client.post(f"/c/{room['session'].id}", data={**fields, "code": code})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert await Attendance.count() == 0


async def test_too_many_wrong_short_codes_are_refused_even_with_the_right_one(client, room):
    fields = phone_form((await open_phone_page(client, room)).text)
    path = f"/c/{room['session'].id}"
    for attempt in range(5):
        wrong = await client.post(path, data={**fields, "code": f"ZZZZ-ZZZ{attempt + 2}"})
        assert wrong.status_code == 409
        assert "Cette carte n'est pas valable." in text(wrong)
        fields["nonce"] = phone_form(wrong.text)["nonce"]  # each try gets a new nonce
    locked = await client.post(path, data={**fields, "code": room["short_code"]})
    assert locked.status_code == 429
    assert "Demandez à l'animateur ou à l'animatrice de vous pointer." in text(locked)
    assert await Attendance.count() == 0
    # Another person's page (its own form token, even in the same second) still works.
    fresh = phone_form((await open_phone_page(client, room)).text)
    ok = await client.post(path, data={**fresh, "code": room["short_code"]})
    assert ok.status_code == 200
