"""With LAB_REDIS_URL, sessions and login throttling are shared by every worker."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from lab.app import create_app
from tests.conftest import BASE_URL, REDIS_URL, make_settings
from tests.helpers import login


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("LAB_TEST_REDIS_URL is not set: Redis tests skipped")
    return REDIS_URL


@pytest.fixture
def two_workers(tmp_path, database_url, engine, redis_url):
    """Two app instances on one database and one Redis, like two workers behind a proxy."""
    # A key prefix of our own per test: the Redis database may hold other runs' keys.
    settings = make_settings(tmp_path, database_url, redis_url=redis_url)
    first = create_app(settings, engine=engine, pool=False)
    second = create_app(settings, engine=engine, pool=False)
    namespace = f"lab-test-{uuid.uuid4().hex}"
    for app in (first, second):
        store = app.state.store
        app.state.store = store.with_namespace(namespace)
        app.state.sessions.store = app.state.store
        app.state.login_throttle.store = app.state.store
    return first, second


async def test_a_session_opened_on_one_worker_is_valid_on_the_other(two_workers, cast):
    first, second = two_workers
    async with (
        AsyncTestClient(first, base_url=BASE_URL) as on_first,
        AsyncTestClient(second, base_url=BASE_URL) as on_second,
    ):
        on_first.follow_redirects = on_second.follow_redirects = False
        await login(on_first, cast.email("awa"))
        on_second.cookies.set(
            "lab_session", on_first.cookies["lab_session"], domain="testserver.local"
        )
        page = await on_second.get("/")
        assert page.status_code == 200
        assert "Bonjour Awa" in page.text
        # Logging out on the second worker ends the session on the first.
        on_second.cookies.set("lab_csrf", on_first.cookies["lab_csrf"], domain="testserver.local")
        on_second.headers["x-csrftoken"] = on_first.cookies["lab_csrf"]
        assert (await on_second.post("/logout")).status_code == 303
        assert (await on_first.get("/")).status_code == 303


async def test_failed_logins_count_across_workers(two_workers, cast):
    first, second = two_workers
    async with (
        AsyncTestClient(first, base_url=BASE_URL) as on_first,
        AsyncTestClient(second, base_url=BASE_URL) as on_second,
    ):
        for client in (on_first, on_second):
            client.follow_redirects = False
            await client.get("/login")
        for attempt in range(5):
            client = (on_first, on_second)[attempt % 2]
            await client.post(
                "/login",
                data={
                    "email": cast.email("awa"),
                    "password": "wrong",
                    "_csrf_token": client.cookies["lab_csrf"],
                },
            )
        locked = await on_first.post(
            "/login",
            data={
                "email": cast.email("awa"),
                "password": "correct horse battery",
                "_csrf_token": on_first.cookies["lab_csrf"],
            },
        )
        assert locked.status_code == 429


async def test_a_password_reset_on_one_worker_ends_the_members_session_on_the_other(
    two_workers, cast
):
    first, second = two_workers
    async with (
        AsyncTestClient(first, base_url=BASE_URL) as admin,
        AsyncTestClient(second, base_url=BASE_URL) as awa,
    ):
        admin.follow_redirects = awa.follow_redirects = False
        await login(awa, cast.email("awa"))
        assert (await awa.get("/")).status_code == 200
        await login(admin, cast.email("camille"))
        reset = await admin.post(
            f"/admin/users/{cast.users['awa'].id}/password",
            data={"password": "a brand new password"},
        )
        assert reset.status_code == 303
        ended = await awa.get("/")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
        assert (await admin.get("/")).status_code == 200
