"""Two app processes on one PostgreSQL database and one Redis: a check-in handled by one
process reaches a roster stream served by the other (live events go through Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from lab.settings import PROJECT_ROOT
from tests.conftest import BASE_POSTGRES_URL, POSTGRES_URL, REDIS_URL, SECRET
from tests.personas import PASSWORD

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="LAB_TEST_DATABASE_URL and LAB_TEST_REDIS_URL must both be set: "
    "the multi-process test needs PostgreSQL and Redis",
)

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')

SEED = r"""
import asyncio, datetime as dt, json
from lab.accounts import visitors
from lab.core import clock, db
from lab.settings import Settings
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.personas import create_cast, make_visitor
from tests.workshops.factories import make_module, make_session

async def seed():
    cast = await create_cast()
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier deux serveurs", capacity=5)
    session = await make_session(module, clock.utc_minute(clock.now()) - dt.timedelta(minutes=5))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    card, _ = await visitors.reissue_pass(awa, yanis.id)
    return {"session_id": session.id, "visitor_id": yanis.id, "short_code": card.short_code,
            "email": cast.email("awa")}

async def main():
    engine = db.engine_for(Settings.from_env())
    db.bind_tables(engine)
    await db.start(engine)
    try:
        print(json.dumps(await seed()))
    finally:
        await db.stop(engine)

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """A database of its own next to the suite's one (same server, name + "_mp")."""
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_mp"))


def _recreate(database_url: str) -> None:
    import asyncpg

    name = urlsplit(database_url).path.lstrip("/")

    async def work() -> None:
        connection = await asyncpg.connect(BASE_POSTGRES_URL)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(work())


def _drop(database_url: str) -> None:
    import asyncpg

    name = urlsplit(database_url).path.lstrip("/")

    async def work() -> None:
        connection = await asyncpg.connect(BASE_POSTGRES_URL)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(work())


def _environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LAB_") and key != "PICCOLO_CONF"
    }
    env.update(
        LAB_DATABASE_URL=database_url,
        LAB_REDIS_URL=REDIS_URL,
        LAB_SECRET_KEY=SECRET,
        LAB_DATA_DIR=str(data_dir),
        **extra,
    )
    return env


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _wait_until_up(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, f"lab serve exited:\n{log.read_text()}"
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"lab serve did not start:\n{log.read_text()}")


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[dict]:
    database_url = _database_url()
    _recreate(database_url)
    env = _environment(database_url, tmp_path)
    _run(env, "-m", "lab.cli", "migrate")
    seeded = json.loads(_run(env, "-c", SEED).strip().splitlines()[-1])
    processes: list[subprocess.Popen] = []
    urls = []
    try:
        for number in (1, 2):
            port = _free_port()
            base_url = f"http://127.0.0.1:{port}"
            data_dir = tmp_path / f"server{number}"
            data_dir.mkdir()
            log = data_dir / "serve.log"
            server_env = _environment(
                database_url, data_dir, LAB_PORT=str(port), LAB_BASE_URL=base_url
            )
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "lab.cli", "serve"],
                    cwd=PROJECT_ROOT,
                    env=server_env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            _wait_until_up(base_url, process, log)
            urls.append(base_url)
        yield {**seeded, "urls": urls}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        _drop(database_url)


async def _logged_in(base_url: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    page = await client.get("/login")
    token = CSRF_INPUT.search(page.text).group(1)
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
    return client


async def _lines_until(lines, wanted: str, seconds: float = 5.0) -> list[str]:
    seen: list[str] = []

    async def read() -> None:
        async for line in lines:
            seen.append(line)
            if wanted in line:
                return
        raise AssertionError(f"stream ended before {wanted!r}: {seen}")

    await asyncio.wait_for(read(), seconds)
    return seen


async def test_a_check_in_on_one_process_reaches_the_stream_of_the_other(two_servers):
    first_url, second_url = two_servers["urls"]
    session_id = two_servers["session_id"]
    watcher = await _logged_in(second_url, two_servers["email"])
    scanner = await _logged_in(first_url, two_servers["email"])
    try:
        async with watcher.stream("GET", f"/attendance/sessions/{session_id}/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            await _lines_until(lines, "event: ready")  # subscribed on server 2
            response = await scanner.post(
                f"/attendance/sessions/{session_id}/check-in",
                data={"nonce": str(uuid.uuid4()), "code": two_servers["short_code"]},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200, response.text
            assert "Yanis\u00a0: arrivée enregistrée" in response.text
            seen = await _lines_until(lines, f'"visitor_id": {two_servers["visitor_id"]}')
        event = json.loads(seen[-1].removeprefix("data: "))
        assert event["type"] == "attendance" and event["status"] == "present"
    finally:
        await watcher.aclose()
        await scanner.aclose()
