"""Helpers for route tests: a logged-in client with its CSRF header."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

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


async def login(client: AsyncTestClient, email: str, password: str = PASSWORD) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    assert "lab_session" in client.cookies, "login did not set a session"
    # htmx sends the token in a header on every later request; do the same.
    client.headers["x-csrftoken"] = token
