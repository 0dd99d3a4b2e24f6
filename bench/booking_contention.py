"""Bookings under contention, through a real `lab serve` over HTTP, on SQLite and PostgreSQL.

For each engine: a fresh database, a server on a free port, one staff login, then
- "same slot": 200 concurrent requests for one hour of a 12-tablet pool (12 can win);
- "spread": 400 concurrent requests over a week of slots of the same pool.
Prints requests, bookings made, refusals, server errors, bookings per second and latency.
PostgreSQL runs when LAB_BENCH_DATABASE_URL is set (that database is wiped).
Usage: .venv/bin/python bench/booking_contention.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-2026"
CONCURRENCY = 50
PARIS = ZoneInfo("Europe/Paris")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str]) -> None:
    """Migrate, then create a site, an admin and a 12-tablet pool straight in the database."""
    subprocess.run(
        [sys.executable, "-m", "lab.cli", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    env["BENCH_RESOURCE"] = str(asyncio.run(seed(env)))


async def seed(env: dict[str, str]) -> int:
    from lab.accounts.tables import Role, Site, StaffUser
    from lab.bookings.tables import Resource
    from lab.core import clock, db
    from lab.core.security import hash_password
    from lab.settings import Settings

    engine = db.engine_for(Settings.from_env(env))
    db.bind_tables(engine)
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = json.dumps({day: [["08:00", "20:00"]] for day in days})
    now = clock.now()
    site = Site(
        name="Bench", slug="bench", timezone="Europe/Paris", opening_hours=hours, created_at=now
    )
    await site.save()
    user = StaffUser(
        email="bench@lab.test", name="Bench", password_hash=hash_password(PASSWORD), created_at=now
    )
    await user.save()
    await Role.insert(Role(user=user.id, site=None, role="admin"))
    pool = Resource(
        site=site.id,
        kind="tablet_pool",
        name="Tablettes",
        units=12,
        slot_minutes=30,
        min_minutes=30,
        max_minutes=240,
        horizon_days=60,
        release_after_minutes=None,
        created_at=now,
    )
    await pool.save()
    return pool.id


async def login(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    token = client.cookies["lab_csrf"]
    response = await client.post(
        "/login", data={"email": "bench@lab.test", "password": PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    client.headers["x-csrftoken"] = token


async def fire(client: httpx.AsyncClient, payloads: list[dict]) -> dict[str, object]:
    semaphore = asyncio.Semaphore(CONCURRENCY)
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(payload: dict) -> None:
        async with semaphore:
            started = time.perf_counter()
            response = await client.post("/api/bookings", json=payload)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses.append(response.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(one(p) for p in payloads))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(payloads),
        "booked": statuses.count(201),
        "refused": statuses.count(409),
        "errors": sum(1 for s in statuses if s >= 500),
        "wall": wall,
        "median": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
    }


def slot(day_offset: int, half_hours: int) -> tuple[str, str]:
    day = dt.date.today() + dt.timedelta(days=2 + day_offset)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=PARIS) + dt.timedelta(
        minutes=30 * half_hours
    )
    return start.isoformat(), (start + dt.timedelta(hours=1)).isoformat()


async def scenario(base_url: str, resource_id: int) -> None:
    async with httpx.AsyncClient(
        base_url=base_url, timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY)
    ) as client:
        await login(client)
        start, end = slot(0, 0)
        same = [{"resource_id": resource_id, "starts_at": start, "ends_at": end}] * 200
        rng = random.Random(3)
        spread = []
        for _ in range(400):
            s, e = slot(rng.randint(1, 6), rng.randint(0, 18))
            spread.append({"resource_id": resource_id, "starts_at": s, "ends_at": e})
        for name, payloads in (("same slot", same), ("spread", spread)):
            r = await fire(client, payloads)
            rate = r["booked"] / r["wall"]
            print(
                f"  {name:<10} {r['requests']} requests: {r['booked']} booked, "
                f"{r['refused']} refused, {r['errors']} server errors; "
                f"{r['wall']:.2f} s, {rate:.0f} bookings/s, "
                f"{r['requests'] / r['wall']:.0f} requests/s; "
                f"latency median {r['median']:.0f} ms, p95 {r['p95']:.0f} ms"
            )


def run(label: str, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "LAB_DATA_DIR": tmp,
            "LAB_PORT": str(port),
            "LAB_BASE_URL": f"http://127.0.0.1:{port}",
            "LAB_SECRET_KEY": "b" * 40,
        }
        if database_url:
            import asyncpg

            async def wipe() -> None:
                connection = await asyncpg.connect(database_url)
                await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                await connection.close()

            asyncio.run(wipe())
            env["LAB_DATABASE_URL"] = database_url
        prepare(env)
        server = subprocess.Popen(
            [sys.executable, "-m", "lab.cli", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            print(f"{label} (one server process, {CONCURRENCY} concurrent clients):")
            asyncio.run(scenario(f"http://127.0.0.1:{port}", int(env["BENCH_RESOURCE"])))
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    run("SQLite", None)
    if os.environ.get("LAB_BENCH_DATABASE_URL"):
        run("PostgreSQL", os.environ["LAB_BENCH_DATABASE_URL"])
    else:
        print("PostgreSQL: set LAB_BENCH_DATABASE_URL to a database this benchmark may wipe.")


if __name__ == "__main__":
    main()
