"""Two-factor staff accounts: TOTP required for managers, optional for facilitators."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from lab.accounts import totp
from lab.accounts.tables import StaffRecoveryCode, StaffTotp
from lab.core import clock
from lab.core.tables import AuditLog
from tests.bookings.factories import freeze
from tests.helpers import enrol_second_factor, login, post_login
from tests.test_route_guards import PUBLIC, PUBLIC_PREFIXES, _routes, _sample_path

NOON = dt.datetime(2026, 12, 2, 11, 0, 0, tzinfo=dt.UTC)
SECOND_STEP_PAGES = ("/login/code", "/login/enrol")


async def _actions() -> list[str]:
    return [row["action"] for row in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]


async def _enrolled(client, who_email: str) -> tuple[str, list[str]]:
    """Log ``who`` in (enrolling on the way), log out: returns the secret and recovery codes."""
    response = await post_login(client, who_email)
    assert response.headers["location"] == "/login/enrol"
    secret, codes = await enrol_second_factor(client, "/login/enrol")
    await client.post("/logout", data={"_csrf_token": client.cookies["lab_csrf"]})
    return secret, codes


async def _code(client, code: str):
    return await client.post(
        "/login/code", data={"code": code, "_csrf_token": client.cookies["lab_csrf"]}
    )


def test_the_secret_is_encrypted_at_rest_and_opens_only_with_the_secret_key():
    stored = totp.encrypt_secret("JBSWY3DPEHPK3PXP", "k" * 40)
    assert "JBSWY3DPEHPK3PXP" not in stored
    assert totp.decrypt_secret(stored, "k" * 40) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ValueError):
        totp.decrypt_secret(stored, "x" * 40)


async def test_a_manager_without_a_second_factor_must_enrol_and_reaches_nothing_before(
    app, client, cast
):
    freeze(NOON)
    response = await post_login(client, cast.email("julien"))
    assert response.status_code == 303 and response.headers["location"] == "/login/enrol"
    assert (await client.get("/")).status_code == 303
    page = await client.get("/login/enrol")
    assert page.status_code == 200
    assert "<svg" in page.text and 'id="totp-secret"' in page.text
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
    # The same secret on a reload (the QR code scanned a minute ago still works).
    assert (await client.get("/login/enrol")).text.count("totp-secret") == 1
    secret, codes = await enrol_second_factor(client, "/login/enrol")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert (await client.get("/")).status_code == 200
    row = await StaffTotp.objects().get(StaffTotp.user == cast.users["julien"].id)
    assert secret not in row.secret and row.confirmed_at is not None
    hashes = [r["code_hash"] for r in await StaffRecoveryCode.select(StaffRecoveryCode.code_hash)]
    assert not set(codes) & set(hashes)
    actions = await _actions()
    assert "totp.enrolled" in actions


async def test_after_the_password_alone_a_manager_reaches_no_staff_page(app, client, cast):
    freeze(NOON)
    await _enrolled(client, cast.email("julien"))
    response = await post_login(client, cast.email("julien"))
    assert response.headers["location"] == "/login/code"
    tried = 0
    for method, path, _handler in _routes(app):
        if method != "GET" or path.startswith(PUBLIC_PREFIXES) or (method, path) in PUBLIC:
            continue
        if path in SECOND_STEP_PAGES:
            continue
        answer = await client.get(_sample_path(path))
        tried += 1
        if path.startswith("/api"):
            assert answer.status_code == 401, path
        else:
            assert answer.status_code == 303, path
            location = answer.headers["location"]
            assert location.startswith(("/login", "/me/start", "/kiosk/pair")), path
    assert tried > 50
    # A write is refused too.
    refused = await client.post(
        "/admin/sites", data={"name": "X", "_csrf_token": client.cookies["lab_csrf"]}
    )
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


async def test_a_right_code_lets_in_and_the_same_code_is_refused_the_second_time(app, client, cast):
    freeze(NOON)
    secret, _ = await _enrolled(client, cast.email("julien"))
    # The enrolment used this step's code: the next step's code, 30 seconds later.
    later = NOON + dt.timedelta(seconds=30)
    freeze(later)
    await post_login(client, cast.email("julien"))
    code = pyotp.TOTP(secret).at(later)
    answer = await _code(client, code)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert (await client.get("/")).status_code == 200
    # Logged out, the same code (same step) seen over a shoulder is refused.
    await client.post("/logout", data={"_csrf_token": client.cookies["lab_csrf"]})
    await post_login(client, cast.email("julien"))
    replayed = await _code(client, code)
    assert replayed.status_code == 422
    assert "Ce code ne convient pas" in replayed.text
    assert (await client.get("/")).status_code == 303
    # An old code (two steps back) is refused as well.
    freeze(later + dt.timedelta(seconds=60))
    assert (
        await _code(client, pyotp.TOTP(secret).at(later - dt.timedelta(seconds=60)))
    ).status_code == 422
    assert (await _code(client, pyotp.TOTP(secret).at(clock.now()))).status_code == 303
    assert "totp.failed" in await _actions() and "totp.verified" in await _actions()


async def test_each_recovery_code_works_once(app, client, cast):
    freeze(NOON)
    _, codes = await _enrolled(client, cast.email("julien"))
    for code in codes[:2]:
        await post_login(client, cast.email("julien"))
        assert (await _code(client, code.upper())).status_code == 303
        assert (await client.get("/")).status_code == 200
        await client.post("/logout", data={"_csrf_token": client.cookies["lab_csrf"]})
        await post_login(client, cast.email("julien"))
        assert (await _code(client, code)).status_code == 422
        await client.post("/logout", data={"_csrf_token": client.cookies["lab_csrf"]})
    assert (await _actions()).count("totp.recovery_used") == 2
    state = await totp.state(cast.users["julien"].id)
    assert state["recovery_left"] == 8


async def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client, cast):
    freeze(NOON)
    secret, _ = await _enrolled(client, cast.email("julien"))
    await post_login(client, cast.email("julien"))
    limit = app.state.settings.login_max_failures
    for _attempt in range(limit):
        assert (await _code(client, "000000")).status_code == 422
    later = NOON + dt.timedelta(seconds=30)
    freeze(later)
    locked = await _code(client, pyotp.TOTP(secret).at(later))
    assert locked.status_code == 429
    # The same counter as passwords: the password step is locked too.
    await client.post("/logout", data={"_csrf_token": client.cookies["lab_csrf"]})
    assert (await post_login(client, cast.email("julien"))).status_code == 429


async def test_an_admin_resets_a_lost_phone_and_the_manager_enrols_again(app, client, cast):
    freeze(NOON)
    await _enrolled(client, cast.email("julien"))
    await login(client, cast.email("camille"))
    page = await client.get(f"/admin/users/{cast.users['julien'].id}")
    assert "Réinitialiser (téléphone perdu)" in page.text
    # The section is in the page's body once, not in its title.
    assert page.text.count('id="second-factor-title"') == 1
    assert "Double authentification" not in page.text.split("</title>")[0]
    done = await client.post(f"/admin/users/{cast.users['julien'].id}/second-factor/reset")
    assert done.status_code == 303
    assert "totp.reset" in await _actions()
    assert not await totp.is_enrolled(cast.users["julien"].id)
    assert await StaffRecoveryCode.count() == 0 or not await StaffRecoveryCode.exists().where(
        StaffRecoveryCode.user == cast.users["julien"].id
    )
    await client.post("/logout")
    response = await post_login(client, cast.email("julien"))
    assert response.headers["location"] == "/login/enrol"


async def test_a_facilitator_logs_in_with_the_password_alone_and_may_enrol(app, client, cast):
    freeze(NOON)
    response = await post_login(client, cast.email("awa"))
    assert response.headers["location"] == "/"
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
    account = await client.get("/account")
    assert "Activer la double authentification" in account.text
    secret, codes = await enrol_second_factor(client, "/account/second-factor")
    assert len(codes) == 10
    await client.post("/logout")
    freeze(NOON + dt.timedelta(seconds=30))
    response = await post_login(client, cast.email("awa"))
    assert response.headers["location"] == "/login/code"
    assert (await _code(client, pyotp.TOTP(secret).at(clock.now()))).status_code == 303
    # Optional for a facilitator: she may turn it off; a manager may not.
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
    assert (await client.post("/account/second-factor/remove")).status_code == 303
    assert not await totp.is_enrolled(cast.users["awa"].id)
    assert "totp.removed" in await _actions()


async def test_a_manager_cannot_turn_the_second_factor_off(app, client, cast):
    freeze(NOON)
    await login(client, cast.email("julien"))
    refused = await client.post("/account/second-factor/remove")
    assert refused.status_code == 422
    assert await totp.is_enrolled(cast.users["julien"].id)


async def test_the_second_step_pages_send_anyone_else_to_login(app, client, cast):
    for path in SECOND_STEP_PAGES:
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
