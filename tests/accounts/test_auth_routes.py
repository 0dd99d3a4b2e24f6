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


# -- a change of credentials ends the member's other sessions --------------------------------


async def _second_client(app):
    from litestar.testing import AsyncTestClient

    from tests.conftest import BASE_URL

    other = AsyncTestClient(app, base_url=BASE_URL)
    other.follow_redirects = False
    return other


async def _signed_out(client) -> bool:
    answer = await client.get("/")
    return answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_a_password_reset_by_an_admin_ends_every_session_of_the_member(app, client, cast):
    async with await _second_client(app) as awa_phone, await _second_client(app) as awa_desk:
        await login(awa_phone, cast.email("awa"))
        await login(awa_desk, cast.email("awa"))
        await login(client, cast.email("camille"))
        user_id = cast.users["awa"].id
        reset = await client.post(
            f"/admin/users/{user_id}/password", data={"password": "a brand new password"}
        )
        assert reset.status_code == 303
        assert await _signed_out(awa_phone) and await _signed_out(awa_desk)
        assert not await _signed_out(client)  # the admin's own session is untouched
        await login(awa_desk, cast.email("awa"), "a brand new password")
        assert not await _signed_out(awa_desk)


async def _signed_in(client) -> bool:
    return (await client.get("/")).status_code == 200


async def test_giving_or_taking_a_role_ends_the_members_sessions(app, client, cast):
    from lab.accounts.tables import Role

    user_id = cast.users["awa"].id
    async with await _second_client(app) as awa:
        await login(client, cast.email("camille"))
        await login(awa, cast.email("awa"))
        added = await client.post(
            f"/admin/users/{user_id}/grants",
            data={"role": "facilitator", "site_id": str(cast.brussels.id)},
        )
        assert added.status_code == 303
        assert await _signed_out(awa)
        await login(awa, cast.email("awa"))
        assert await _signed_in(awa)
        grant = await Role.objects().get((Role.user == user_id) & (Role.site == cast.brussels.id))
        taken = await client.post(f"/admin/users/{user_id}/grants/{grant.id}/delete")
        assert taken.status_code == 303
        assert await _signed_out(awa)


async def test_a_second_factor_reset_by_an_admin_ends_the_members_sessions(app, client, cast):
    user_id = cast.users["julien"].id
    async with await _second_client(app) as julien:
        await login(julien, cast.email("julien"))  # enrols on the way: managers must
        assert await _signed_in(julien)
        await login(client, cast.email("camille"))
        reset = await client.post(f"/admin/users/{user_id}/second-factor/reset")
        assert reset.status_code == 303
        assert await _signed_out(julien)


async def test_an_admin_changing_their_own_password_keeps_this_session_only(app, client, cast):
    user_id = cast.users["camille"].id
    async with await _second_client(app) as elsewhere:
        await login(elsewhere, cast.email("camille"))
        await login(client, cast.email("camille"))
        changed = await client.post(
            f"/admin/users/{user_id}/password", data={"password": "my own new password"}
        )
        assert changed.status_code == 303
        assert await _signed_in(client)
        assert await _signed_out(elsewhere)


async def test_turning_ones_own_second_factor_on_or_off_keeps_this_session_only(app, client, cast):
    from tests.helpers import enrol_second_factor

    async with await _second_client(app) as elsewhere:
        await login(elsewhere, cast.email("awa"))
        await login(client, cast.email("awa"))
        await enrol_second_factor(client, "/account/second-factor")
        assert await _signed_in(client)
        assert await _signed_out(elsewhere)
        await login(elsewhere, cast.email("awa"))  # with a code now
        removed = await client.post("/account/second-factor/remove")
        assert removed.status_code == 303
        assert await _signed_in(client)
        assert await _signed_out(elsewhere)


async def test_a_session_from_before_its_stamp_existed_is_ended(app, client, cast):
    """A session opened by a version that did not stamp credentials: signed out once."""
    import json

    from lab.core.security import token_hash

    await login(client, cast.email("awa"))
    key = f"session:{token_hash(client.cookies['lab_session'])}"
    store = app.state.sessions.store
    data = json.loads(await store.get(key))
    del data["credentials"]
    await store.set(key, json.dumps(data), expires_in=3600)
    assert await _signed_out(client)
