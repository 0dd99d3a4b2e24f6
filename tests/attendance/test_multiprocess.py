"""Two app processes on one PostgreSQL database and one Redis, as two workers or two hosts
behind a proxy share them: a sign-in made through one is valid on the other, failed logins
split across both lock the account at the same count as on one, a check-in handled by one
reaches a roster stream served by the other (live events go through Redis), and a scheduled job
(releasing a no-show) runs once, in the one process that holds its lease."""

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
import asyncio, datetime as dt, json, uuid
from lab.accounts import visitors
from lab.bookings.tables import Booking
from lab.core import clock, db
from lab.settings import Settings
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import make_resource
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
    # Booked for half an hour ago, released 15 minutes after its start: due now.
    studio = await make_resource(cast.saint_denis, "Studio", release_after_minutes=15)
    ines = await make_visitor(cast.saint_denis, "Inès", "Haddad", email="ines@example.org")
    now = clock.utc_minute(clock.now())
    half_hour = dt.timedelta(minutes=30)
    no_show = Booking(resource=studio.id, visitor=ines.id, starts_at=now - half_hour,
                      ends_at=now + half_hour, blocked_until=now + half_hour, status="confirmed",
                      uid=uuid.uuid4().hex, created_at=now, updated_at=now)
    await no_show.save()
    return {"session_id": session.id, "visitor_id": yanis.id, "short_code": card.short_code,
            "email": cast.email("awa"), "lock_email": cast.email("julien"),
            "no_show_id": no_show.id}

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


def _forget_redis_keys() -> None:
    """The servers' keys (sessions, login counts) from an earlier run: a lock lasts minutes."""
    from redis import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match="lab:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two `lab serve` processes, each with its own port and data directory (as two hosts),
    on one database and one Redis, with their background jobs on. Shared by this module's
    tests: starting them is most of its time."""
    tmp_path = tmp_path_factory.mktemp("two-servers")
    database_url = _database_url()
    _recreate(database_url)
    _forget_redis_keys()
    env = _environment(database_url, tmp_path)
    _run(env, "-m", "lab.cli", "migrate")
    seeded = json.loads(_run(env, "-c", SEED).strip().splitlines()[-1])
    servers: list[tuple[str, subprocess.Popen, Path]] = []
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
            servers.append((base_url, process, log))
        for base_url, process, log in servers:  # started together, waited for in turn
            _wait_until_up(base_url, process, log)
        yield {
            **seeded,
            "urls": [base_url for base_url, _, _ in servers],
            "pids": [process.pid for _, process, _ in servers],
            "logs": [log for _, _, log in servers],
            "database_url": database_url,
        }
    finally:
        for _, process, _ in servers:
            process.terminate()
        for _, process, _ in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        # The database stays until the next run recreates it: dropping it takes seconds.


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


async def _login_form(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    if "lab_csrf" not in client.cookies:
        await client.get("/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": client.cookies["lab_csrf"]},
    )


async def test_a_login_made_through_one_process_is_valid_on_the_other(two_servers):
    first_url, second_url = two_servers["urls"]
    on_first = await _logged_in(first_url, two_servers["email"])
    on_second = httpx.AsyncClient(base_url=second_url, timeout=10)
    try:
        on_second.cookies.set("lab_session", on_first.cookies["lab_session"])
        page = await on_second.get("/")
        assert page.status_code == 200
        assert "Bonjour Awa" in page.text
    finally:
        await on_first.aclose()
        await on_second.aclose()


async def test_failed_logins_split_across_processes_lock_the_account_at_the_limit(two_servers):
    email = two_servers["lock_email"]
    clients = [httpx.AsyncClient(base_url=url, timeout=10) for url in two_servers["urls"]]
    try:

        async def fail_at_once(times: int) -> None:
            # Sent together, alternating between the processes: each failure must count.
            answers = await asyncio.gather(
                *(_login_form(clients[n % 2], email, "wrong password") for n in range(times))
            )
            assert {answer.status_code for answer in answers} == {422}, answers

        await fail_at_once(4)  # one short of LAB_LOGIN_MAX_FAILURES (5)
        assert (await _login_form(clients[1], email, PASSWORD)).status_code == 303
        await fail_at_once(5)  # the count started again at the sign-in
        for client in clients:
            assert (await _login_form(client, email, PASSWORD)).status_code == 429
    finally:
        for client in clients:
            await client.aclose()


JOBS = {
    "bookings:_release_round",
    "bookings:send_stale+queue_due_reminders",
    "mail:deliver_due",
    "retention:apply_retention",
    "visits:close_at_closing_time",
    "workshops:send_stale+queue_due_reminders",
}


async def test_a_no_show_is_released_once_by_the_one_process_holding_the_job(two_servers):
    import asyncpg

    booking = two_servers["no_show_id"]
    connection = await asyncpg.connect(two_servers["database_url"])
    try:

        async def state() -> tuple[str, list]:
            status = await connection.fetchval("SELECT status FROM booking WHERE id = $1", booking)
            leases = await connection.fetch("SELECT name, holder FROM job_lease")
            return status, leases

        # Both processes' loops start with a round, the release's among them: poll for it.
        deadline = time.monotonic() + 15
        status, leases = await state()
        while (status != "released" or len(leases) < len(JOBS)) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            status, leases = await state()
        assert status == "released"

        audit = await connection.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'booking.released' AND subject = $1",
            f"booking:{booking}",
        )
        messages = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE kind = 'booking_released'"
        )
        assert (audit, messages) == (1, 1)

        # Each job has one holder, a process of the two (host:pid:random).
        assert {lease["name"] for lease in leases} == JOBS
        pids = {int(lease["holder"].split(":")[1]) for lease in leases}
        assert pids <= set(two_servers["pids"]), (leases, two_servers["pids"])
    finally:
        await connection.close()


def _hang_up(base_url: str) -> None:
    """Send the head of a form and close the connection before its body."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port)) as raw:
        raw.sendall(
            b"POST /login HTTP/1.1\r\nHost: lab\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"email=a"
        )


def test_clients_hanging_up_are_no_server_error_and_neither_process_logged_one(two_servers):
    for base_url in two_servers["urls"]:
        _hang_up(base_url)
    deadline = time.monotonic() + 10
    logs = two_servers["logs"]
    while time.monotonic() < deadline and not all(
        "Client hung up during POST /login" in log.read_text() for log in logs
    ):
        time.sleep(0.1)
    for log in logs:
        text = log.read_text()
        assert "Client hung up during POST /login" in text
        # Nor anything else this module did to them (streams closed, sign-ins refused...).
        assert "ERROR" not in text and "Traceback" not in text, text
