"""A locked or unreachable database answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3

import pytest
from litestar import get

from lab.app import create_app
from lab.core.web import database_unavailable


@pytest.fixture
def app(settings, engine):
    """Routes are added here: this module's own app, not the one the worker's tests share."""
    return create_app(settings, engine=engine, pool=False, background_jobs=False)


def _raiser(path: str, error: Exception):
    @get(path, name=path.strip("/").replace("/", "-"))
    async def route() -> None:
        raise error

    return route


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database is locked"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
    ],
    ids=["sqlite-locked", "refused", "pool-timeout"],
)
async def test_an_unavailable_database_is_a_503_page_and_json(app, client, error):
    app.register(_raiser("/db-down", error))
    app.register(_raiser("/kiosk/api/db-down", error))
    page = await client.get("/db-down", headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert page.headers["retry-after"].isdigit()
    assert page.headers["content-type"].startswith("text/html")
    assert "briefly unavailable" in page.text
    assert "Traceback" not in page.text
    api = await client.get("/kiosk/api/db-down")
    assert api.status_code == 503
    assert api.headers["retry-after"].isdigit()
    assert api.json()["code"] == "unavailable"


def test_asyncpg_connection_errors_count_as_unavailable():
    asyncpg = pytest.importorskip("asyncpg")
    for error in (
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.CannotConnectNowError("starting"),
        asyncpg.exceptions.TooManyConnectionsError("full"),
    ):
        assert database_unavailable(error)
    assert not database_unavailable(sqlite3.OperationalError("no such table: x"))
    assert not database_unavailable(RuntimeError("boom"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_sqlite_write_held_off_by_another_lock_is_a_503_and_writes_nothing(
    app, client, engine, settings
):
    path = str(settings.sqlite_path)
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE IF NOT EXISTS probe_503 (n INTEGER)")
    setup.commit()
    setup.close()
    engine.busy_timeout = 0.3

    @get("/kiosk/api/probe-write", name="probe-write")
    async def probe_write() -> None:
        async with engine.transaction():
            await engine.run_ddl("INSERT INTO probe_503 VALUES (1)")
            await engine.run_ddl("INSERT INTO probe_503 VALUES (2)")

    app.register(probe_write)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = await client.get("/kiosk/api/probe-write")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM probe_503").fetchone()[0] == 0
    check.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_unreachable_postgres_is_a_503(settings, engine, tmp_path):
    from litestar.testing import AsyncTestClient

    from lab.accounts.tables import Site
    from lab.core import db
    from tests.conftest import make_settings

    @get("/sites-count", name="sites-count")
    async def sites_count() -> int:
        return await Site.count()

    closed = make_settings(tmp_path, "postgresql://postgres@127.0.0.1:1/lab_nowhere")
    try:
        app = create_app(closed, pool=False, background_jobs=False)
        app.register(sites_count)
        async with AsyncTestClient(app) as client:
            response = await client.get("/sites-count")
    finally:
        db.bind_tables(engine)
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"].isdigit()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_statement_waits_a_bounded_time_for_a_busy_pool(settings):
    """Every pooled connection busy (a slow or locked database): the next statement waits
    LAB_DB_WAIT_SECONDS for one, then fails with an error that answers 503 (the pool-timeout
    case above), where it used to queue without end."""
    import time

    from lab.accounts.tables import Site
    from lab.core import db

    engine = db.engine_for(settings)
    await db.start(engine, wait_seconds=1)
    pool = engine.pool
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as refused:
            await engine.run_querystring(Site.count().querystrings[0])
        waited = time.monotonic() - started
    finally:
        for connection in held:
            await pool.release(connection)
    assert await engine.run_querystring(Site.count().querystrings[0]) is not None
    await db.stop(engine)
    assert database_unavailable(refused.value)
    assert 0.9 < waited < 5
