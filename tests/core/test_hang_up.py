"""A client that closes the connection before its request's body is read (a tablet losing the
network, a load generator stopping) is no server error: an INFO line, no 500, no ERROR."""

from __future__ import annotations

import logging

import pytest

from lab.core.web import CLIENT_CLOSED_REQUEST


async def _hang_up(app, path: str, content_type: str, csrf: str) -> list[dict]:
    """Send ``app`` the head of a POST, then the client's disconnect instead of its body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver.local"),
            (b"content-type", content_type.encode()),
            (b"content-length", b"100"),
            *(
                [(b"x-csrftoken", csrf.encode()), (b"cookie", b"lab_csrf=" + csrf.encode())]
                if csrf
                else []
            ),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    ("content_type", "with_csrf_header"),
    [
        # The CSRF check looks for the token in the form.
        ("application/x-www-form-urlencoded", False),
        # The handler reads the form.
        ("application/x-www-form-urlencoded", True),
        # The check of every body reads it before the handler.
        ("application/json", True),
    ],
)
async def test_a_client_hanging_up_mid_request_is_logged_quietly(
    app, client, caplog, content_type, with_csrf_header
):
    await client.get("/login")
    csrf = client.cookies["lab_csrf"] if with_csrf_header else ""
    caplog.set_level(logging.INFO, logger="lab")
    sent = await _hang_up(app, "/login", content_type, csrf)

    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == CLIENT_CLOSED_REQUEST
    lab_records = [record for record in caplog.records if record.name.startswith("lab")]
    assert [record.levelno for record in lab_records] == [logging.INFO]
    assert lab_records[0].getMessage() == "Client hung up during POST /login"
