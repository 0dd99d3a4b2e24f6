"""Login, logout, sessions and CSRF."""

from __future__ import annotations

import html

from tests.helpers import age_session, login, post_login


async def test_a_staff_member_logs_in_and_sees_the_home_page(client, cast):
    await login(client, cast.email("awa"))
    page = await client.get("/")
    assert page.status_code == 200
    assert "Bonjour Awa" in page.text


async def test_a_wrong_password_is_refused_with_a_field_error(client, cast):
    response = await post_login(client, cast.email("awa"), "nope")
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
    for _ in range(5):
        await post_login(client, cast.email("awa"), "bad")
    locked = await post_login(client, cast.email("awa"))
    assert locked.status_code == 429
    assert "Trop d'essais" in html.unescape(locked.text)
    # Another account behind the same address still logs in.
    await login(client, cast.email("julien"))


async def test_session_cookie_is_httponly_and_samesite_lax(client, cast):
    response = await post_login(client, cast.email("awa"))
    cookie = next(
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith("lab_session=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()


async def test_an_idle_session_expires_after_thirty_minutes(app, client, cast):
    await login(client, cast.email("awa"))
    await age_session(app, client, seen=29 * 60)
    assert (await client.get("/")).status_code == 200
    await age_session(app, client, seen=31 * 60)
    assert (await client.get("/")).status_code == 303


async def test_a_session_ends_after_twelve_hours_even_when_active(app, client, cast):
    await login(client, cast.email("awa"))
    await age_session(app, client, created=12 * 3600 + 1)
    assert (await client.get("/")).status_code == 303


async def test_the_language_can_be_switched_on_any_page(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post("/language", data={"language": "nl", "next": "/visitors"})
    assert response.status_code == 303
    assert response.headers["location"] == "/visitors"
    page = await client.get("/visitors")
    assert '<html lang="nl">' in page.text


async def test_login_never_redirects_to_another_site(client, cast):
    response = await post_login(client, cast.email("awa"), next="//evil.example/")
    assert response.headers["location"] == "/"
