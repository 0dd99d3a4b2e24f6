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


TOTP_SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')


async def login(client: AsyncTestClient, email: str, password: str = PASSWORD) -> None:
    """Log in as a browser would, the second step too: managers (and anyone enrolled) type
    a code from their app; a manager without one enrols first."""
    response = await post_login(client, email, password)
    assert response.status_code == 303, response.text
    step = response.headers["location"]
    if step.startswith("/login/enrol"):
        await enrol_second_factor(client, "/login/enrol")
    elif step.startswith("/login/code"):
        response = await client.post(
            "/login/code",
            data={
                "code": await current_code(client, email),
                "_csrf_token": client.cookies["lab_csrf"],
            },
        )
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


async def enrol_second_factor(client: AsyncTestClient, path: str) -> tuple[str, list[str]]:
    """Scan (read) the secret on the enrolment page at ``path``, confirm with a code.
    Returns the secret and the recovery codes shown."""
    import pyotp

    from lab.core import clock

    page = await client.get(path)
    assert page.status_code == 200, page.text
    secret = TOTP_SECRET.search(page.text).group(1).replace(" ", "")
    code = pyotp.TOTP(secret).at(clock.now())
    done = await client.post(path, data={"code": code, "_csrf_token": client.cookies["lab_csrf"]})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    return secret, codes


async def current_code(client: AsyncTestClient, email: str) -> str:
    """The code the member's app shows now. A test may log the same person in twice within
    one 30-second step (a frozen clock); a code is accepted once, so the stored last step is
    moved back first, as if the second login came 30 seconds later."""
    import pyotp

    from lab.accounts import totp
    from lab.accounts.tables import StaffTotp, StaffUser
    from lab.core import clock

    user = await StaffUser.objects().get(StaffUser.email == email.strip().lower())
    row = await StaffTotp.objects().get(StaffTotp.user == user.id)
    secret = totp.decrypt_secret(row.secret, client.app.state.settings.secret_key)
    step = int(clock.now().timestamp() // totp.STEP_SECONDS)
    if row.last_step >= step - totp.VALID_WINDOW:
        await StaffTotp.update({StaffTotp.last_step: step - totp.VALID_WINDOW - 1}).where(
            StaffTotp.id == row.id
        )
    return pyotp.TOTP(secret).at(clock.now())
