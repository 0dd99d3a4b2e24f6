"""Helpers for route tests: a logged-in client with its CSRF header."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lab.core.security import token_hash
from tests.personas import PASSWORD

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient, path: str = "/login") -> str:
    """The CSRF token a page would carry (the double-submit cookie's value, once set)."""
    if "lab_csrf" in client.cookies:
        return client.cookies["lab_csrf"]
    page = await client.get(path)
    match = CSRF_INPUT.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def post_login(
    client: AsyncTestClient, email: str, password: str = PASSWORD, **fields: str
) -> Response:
    """Submit the login form as a browser would, whatever the outcome."""
    token = await csrf_token(client)
    data = {"email": email, "password": password, "_csrf_token": token, **fields}
    return await client.post("/login", data=data)


async def login(client: AsyncTestClient, email: str, password: str = PASSWORD) -> None:
    response = await post_login(client, email, password)
    assert response.status_code == 303, response.text
    assert "lab_session" in client.cookies, "login did not set a session"
    # htmx sends the token in a header on every later request; do the same.
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]


async def age_session(app: Litestar, client: AsyncTestClient, **seconds_ago: float) -> None:
    """Move the client's session back in time (``created`` or ``seen``), as if time had passed."""
    key = f"session:{token_hash(client.cookies['lab_session'])}"
    store = app.state.sessions.store
    data = json.loads(await store.get(key))
    for field, ago in seconds_ago.items():
        data[field] -= ago
    await store.set(key, json.dumps(data), expires_in=3600)


async def validated_until_changed(
    client: AsyncTestClient, url: str, change: Callable[[], Awaitable[object]]
) -> tuple[str, Response]:
    """A file kept nowhere (``no-store``) but validated: 200 with an ETag, then 304 with no body
    while it is unchanged; after ``change()``, 200 with a new ETag. Returns the first ETag and
    the answer after the change."""
    first = await client.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    etag = first.headers["etag"]
    unchanged = await client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    await change()
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    return etag, changed
