"""Test set-up: every database test runs on SQLite and on PostgreSQL.

- SQLite: the migrations run once into a template file; each test gets a fresh copy.
- PostgreSQL: LAB_TEST_DATABASE_URL names a database that the suite owns (it is wiped):
  the migrations run once, then each test starts from emptied tables.
- With CI=true, a skipped test fails the run: CI must exercise PostgreSQL, Redis and Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import hypothesis
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine

from lab.app import create_app, settings_state
from lab.core import clock, db, i18n, security
from lab.settings import PROJECT_ROOT, Settings
from lab.skills import config as skills_config
from lab.skills.catalogue import load_shipped

# Property tests check rules, not speed: a slow moment of a busy machine (two test workers,
# a browser) must not fail one. Speed is measured by the benchmarks in bench/.
hypothesis.settings.register_profile("lab", deadline=None)
hypothesis.settings.load_profile("lab")

# Under pytest-xdist (`make test` runs one worker per core) each worker has its own
# PostgreSQL database and Redis database, so that workers never see each other's rows,
# sessions or live events.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"… or "" without xdist
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0
BASE_POSTGRES_URL = os.environ.get("LAB_TEST_DATABASE_URL", "")


def _per_worker_postgres(url: str) -> str:
    if not url or not WORKER:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{WORKER}"))


def _per_worker_redis(url: str) -> str:
    if not url or not WORKER:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - WORKER_INDEX) % 16}"))


POSTGRES_URL = _per_worker_postgres(BASE_POSTGRES_URL)
REDIS_URL = _per_worker_redis(os.environ.get("LAB_TEST_REDIS_URL", ""))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SECRET = "test-secret-key-that-is-long-enough-for-lab"
BASE_URL = "http://testserver.local"

_ran: Counter[str] = Counter()
_skipped: list[str] = []
_figures: list[str] = []


def _migrate(database_url: str, data_dir: Path) -> None:
    env = {**os.environ, "LAB_DATABASE_URL": database_url, "LAB_DATA_DIR": str(data_dir)}
    env["LAB_SECRET_KEY"] = SECRET
    result = subprocess.run(
        [sys.executable, "-m", "lab.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"migrations failed on {database_url}:\n{result.stdout}\n{result.stderr}"
        )


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its lowest cost for the suite's own logins and PINs: there are hundreds,
    each a deliberate 0.1 s of work at the production cost. Same algorithm, same code paths;
    tests/core/test_security.py checks the production cost itself."""
    production = security._hasher, security._DUMMY_HASH
    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    security._DUMMY_HASH = security._hasher.hash("not-a-real-password")
    yield
    security._hasher, security._DUMMY_HASH = production


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.sqlite3"
    _migrate(f"sqlite:///{path}", directory)
    return path


@pytest.fixture(scope="session")
def postgres_ready(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not POSTGRES_URL:
        pytest.skip("LAB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    import asyncpg

    async def reset() -> None:
        if POSTGRES_URL != BASE_POSTGRES_URL:
            # This worker's own database, made beside the one the suite was given.
            admin = await asyncpg.connect(BASE_POSTGRES_URL)
            try:
                name = urlsplit(POSTGRES_URL).path.strip("/")
                if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                    await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await connection.close()

    import asyncio

    asyncio.run(reset())
    _migrate(POSTGRES_URL, tmp_path_factory.mktemp("pg"))
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lab.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_ready")


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    environ = {
        "LAB_DATABASE_URL": database_url,
        "LAB_DATA_DIR": str(tmp_path),
        "LAB_SECRET_KEY": SECRET,
        "LAB_BASE_URL": BASE_URL,
    }
    return Settings.from_env(environ, **overrides)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    settings = make_settings(tmp_path, database_url)
    # Badges are signed with keys under this test's own data directory.
    skills_config.configure(settings)
    return settings


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    engine = db.engine_for(settings)
    db.bind_tables(engine)
    if not db.is_sqlite(engine):
        await _empty_postgres(engine)
        await load_shipped()  # what `lab migrate` put in SQLite's template
    yield engine
    await db.stop(engine)  # SQLite: the connections this test's loop kept open


async def _empty_postgres(engine: Engine) -> None:
    from lab.piccolo_app import APP_CONFIG

    names = ", ".join(table._meta.tablename for table in APP_CONFIG.table_classes)
    await engine._run_in_new_connection(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


# One app per worker and engine: building one takes most of a second, as long as a short test.
_apps: dict[str, Litestar] = {}


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Litestar:
    """The app, with this test's settings and a fresh store (no session, count or cache of an
    earlier test). A test that changes the app itself (adds a route) builds its own.

    The test client runs the app in its own event loop while fixtures query from the tests'
    loop: no shared connection pool, one connection per query.
    """
    kind = "sqlite" if db.is_sqlite(engine) else "postgres"
    if kind not in _apps:
        _apps[kind] = create_app(settings, engine=engine, pool=False, background_jobs=False)
    app = _apps[kind]
    app.state.update(settings_state(settings))
    app.state.engine = engine
    return app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        # Redirects are part of what routes answer: tests look at them, not past them.
        test_client.follow_redirects = False
        yield test_client


@pytest.fixture(autouse=True)
def _reset_context() -> None:
    """Each test starts in French with the real clock."""
    i18n.set_language("fr")
    clock.set_clock(None)


@pytest.fixture
async def cast(engine: Engine):
    """The named cast of people (see personas.py), on two sites."""
    from tests.personas import create_cast

    return await create_cast()


def report_figure(request: pytest.FixtureRequest, line: str) -> None:
    """A figure a test measured (pages checked, requests sent…), printed at the end of the run,
    also from xdist workers, where a closing note or a reviewer finds it."""
    request.node.user_properties.append(("figure", line))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _figures.extend(value for name, value in report.user_properties if name == "figure")
    if report.skipped:
        _skipped.append(
            f"{report.nodeid}: {report.longrepr[2] if isinstance(report.longrepr, tuple) else ''}"
        )
    elif report.when == "call" and report.passed:
        if "[sqlite" in report.nodeid:
            _ran["sqlite"] += 1
        if "[postgres" in report.nodeid:
            _ran["postgres"] += 1
        if "/browser/" in report.nodeid:
            _ran["chromium"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int) -> None:
    for line in _figures:
        terminalreporter.write_line(f"lab: {line}")
    terminalreporter.write_line(
        f"lab: database tests passed on SQLite: {_ran['sqlite']}, on PostgreSQL: "
        f"{_ran['postgres']}; browser tests passed in Chromium: {_ran['chromium']}; "
        f"skipped: {len(_skipped)}"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped:
        print("\nCI=true and tests were skipped; CI must run them all:", file=sys.stderr)
        for line in _skipped:
            print(f"  {line}", file=sys.stderr)
        session.exitstatus = 1
