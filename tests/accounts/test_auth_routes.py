"""Login, logout, sessions and CSRF."""

from __future__ import annotations

import html

from tests.helpers import csrf_token, login


async def test_a_staff_member_logs_in_and_sees_the_home_page(client, cast):
    await login(client, cast.email("awa"))
    page = await client.get("/")
    assert page.status_code == 200
    assert "Bonjour Awa" in page.text


async def test_a_wrong_password_is_refused_with_a_field_error(client, cast):
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": cast.email("awa"), "password": "nope", "_csrf_token": token}
    )
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert "lab_session" not in client.cookies


async def test_the_session_id_changes_at_login_and_a_planted_id_is_not_kept(client, cast):
    planted = "planted-by-an-attacker-0123456789abcdef"
    client.cookies.set("lab_session", planted, domain="testserver.local")
    await login(client, cast.email("awa"))
    assert client.cookies["lab_session"] != planted
    first = client.cookies["lab_session"]
    # Logging in again mints yet another id and kills the previous one.
    await login(client, cast.email("awa"))
    second = client.cookies["lab_session"]
    assert second != first
    client.cookies.set("lab_session", first, domain="testserver.local")
    assert (await client.get("/")).status_code == 303


async def test_logout_ends_the_session_on_the_server(client, cast):
    await login(client, cast.email("awa"))
    session = client.cookies["lab_session"]
    response = await client.post("/logout")
    assert response.status_code == 303
    client.cookies.set("lab_session", session, domain="testserver.local")
    assert (await client.get("/")).headers["location"].startswith("/login")


async def test_an_unsafe_request_without_csrf_token_is_refused(client, cast):
    await login(client, cast.email("awa"))
    del client.headers["x-csrftoken"]
    response = await client.post("/visitors/search", data={"q": "martin"})
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.text


async def test_a_forged_csrf_token_is_refused(client, cast):
    await login(client, cast.email("awa"))
    client.headers["x-csrftoken"] = "forged" * 10
    response = await client.post("/logout")
    assert response.status_code == 403


async def test_login_is_throttled_per_account_not_per_address(client, cast):
    token = await csrf_token(client)
    for _ in range(5):
        await client.post(
            "/login", data={"email": cast.email("awa"), "password": "bad", "_csrf_token": token}
        )
    locked = await client.post(
        "/login",
        data={
            "email": cast.email("awa"),
            "password": "correct horse battery",
            "_csrf_token": token,
        },
    )
    assert locked.status_code == 429
    assert "Trop d'essais" in html.unescape(locked.text)
    # Another account behind the same address still logs in.
    await login(client, cast.email("julien"))


async def test_session_cookie_is_httponly_and_samesite_lax(client, cast):
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": cast.email("awa"),
            "password": "correct horse battery",
            "_csrf_token": token,
        },
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("lab_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


async def test_an_idle_session_expires(app, client, cast):
    import time

    await login(client, cast.email("awa"))
    handle_key = client.cookies["lab_session"]
    sessions = app.state.sessions
    from lab.core.security import token_hash

    raw = await sessions.store.get(f"session:{token_hash(handle_key)}")
    import json

    data = json.loads(raw)
    data["seen"] = time.time() - 31 * 60
    await sessions.store.set(f"session:{token_hash(handle_key)}", json.dumps(data), expires_in=3600)
    assert (await client.get("/")).status_code == 303


async def test_a_session_ends_after_twelve_hours_even_when_active(app, client, cast):
    import json
    import time

    from lab.core.security import token_hash

    await login(client, cast.email("awa"))
    key = f"session:{token_hash(client.cookies['lab_session'])}"
    data = json.loads(await app.state.sessions.store.get(key))
    data["created"] = time.time() - 12 * 3600 - 1
    await app.state.sessions.store.set(key, json.dumps(data), expires_in=3600)
    assert (await client.get("/")).status_code == 303


async def test_the_language_can_be_switched_on_any_page(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post("/language", data={"language": "nl", "next": "/visitors"})
    assert response.status_code == 303
    assert response.headers["location"] == "/visitors"
    page = await client.get("/visitors")
    assert '<html lang="nl">' in page.text


async def test_login_never_redirects_to_another_site(client, cast):
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": cast.email("awa"),
            "password": "correct horse battery",
            "next": "//evil.example/",
            "_csrf_token": token,
        },
    )
    assert response.headers["location"] == "/"
