"""Bookings under contention, through a real `lab serve` over HTTP, on SQLite and PostgreSQL.

For each engine: a fresh database with the demo, a server on a free port (bench/harness.py),
one staff login, then with 50 concurrent clients
- "same slot": 200 requests for one hour of a 12-tablet pool (12 can win);
- "spread": 400 requests over a week of slots of the same pool.
Prints requests, bookings made, refusals, server errors, bookings per second, and the table the
other benchmarks print (req/s, share of the bare endpoint's at 50 connections, latency median
and p99: a booking's median matters, under 200 ms is the aim on both engines).
PostgreSQL runs when LAB_BENCH_DATABASE_URL is set (that database is wiped).
Usage: .venv/bin/python bench/booking_contention.py [--engine sqlite|postgresql|both]
                                                    [--workers 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import harness
import httpx

PASSWORD = "bench-password-2026"
CONCURRENCY = 50
PARIS = ZoneInfo("Europe/Paris")


async def seed() -> int:
    """A site open every day, a facilitator of it and a 12-tablet pool, straight in the
    database (run by Lab.script with the lab's environment); the pool's id. A facilitator books
    tablets for the team every day, and signs in with a password alone (managers and admins
    have a second step, which this benchmark is not about)."""
    from lab.accounts.tables import Role, Site, StaffUser
    from lab.bookings.tables import Resource
    from lab.core import clock
    from lab.core.security import hash_password

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
    await Role.insert(Role(user=user.id, site=site.id, role="facilitator"))
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
    assert response.headers["location"] == "/", f"login stopped at {response.headers['location']}"
    client.headers["x-csrftoken"] = token


async def fire(client: httpx.AsyncClient, name: str, payloads: list[dict]) -> harness.Record:
    """Send ``payloads`` with CONCURRENCY clients at once; a refusal (409) is an answer, a
    server error or any other status is an error."""
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
    counted = {str(code): statuses.count(code) for code in sorted(set(statuses))}
    return harness.Record(
        label=name,
        connections=CONCURRENCY,
        requests=len(payloads),
        seconds=wall,
        p50=statistics.median(latencies),
        p99=latencies[max(0, int(len(latencies) * 0.99) - 1)],
        non_2xx=sum(1 for code in statuses if code not in (201, 409)),
        socket_errors=0,
        timeouts=0,
        statuses=counted,
    )


def slot(day_offset: int, half_hours: int) -> tuple[str, str]:
    day = dt.date.today() + dt.timedelta(days=2 + day_offset)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=PARIS) + dt.timedelta(
        minutes=30 * half_hours
    )
    return start.isoformat(), (start + dt.timedelta(hours=1)).isoformat()


async def scenario(base_url: str, resource_id: int) -> list[harness.Record]:
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
        records = []
        for name, payloads in (("same slot", same), ("spread", spread)):
            r = await fire(client, name, payloads)
            booked, refused = r.statuses.get("201", 0), r.statuses.get("409", 0)
            server_errors = sum(n for code, n in r.statuses.items() if code.startswith("5"))
            if r.non_2xx:
                print(f"  unexpected answers: {r.statuses}", flush=True)
            print(
                f"  {name:<10} {r.requests} requests: {booked} booked, {refused} refused, "
                f"{server_errors} server errors; {r.seconds:.2f} s, "
                f"{booked / r.seconds:.0f} bookings/s, {r.rate:.0f} requests/s; "
                f"latency median {r.p50:.0f} ms, p99 {r.p99:.0f} ms",
                flush=True,
            )
            records.append(r)
        return records


def run(engine: str, workers: int) -> list[tuple[harness.Record, harness.Record]]:
    label = f"{harness.engine_label(engine)}, {harness.workers_label(workers)}"
    with harness.bare_server(workers) as bare_server:
        bare = harness.wrk(
            f"bare JSON, {harness.workers_label(workers)}",
            bare_server.base_url + "/json",
            "get.lua",
            connections=CONCURRENCY,
            seconds=3,
        )
    with harness.Lab(engine, workers) as lab:
        lab.prepare()
        resource_id = int(lab.script(Path(__file__), "seed"))
        server = lab.serve()
        print(f"{label} ({CONCURRENCY} concurrent clients):", flush=True)
        records = asyncio.run(scenario(server.base_url, resource_id))
        server.stop()
        for line in server.error_lines()[:5]:
            print(f"  server log: {line}")
    rows = [(bare, bare)]
    for record in records:
        record.label = f"booking, {record.label}, {label}"
        rows.append((record, bare))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Bookings under contention.")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1)
    options = parser.parse_args()
    rows = []
    for engine in harness.engines_from(options.engine):
        rows += run(engine, options.workers)
    print()
    print(harness.table(rows))
    # Every answer must be a booking (201) or a refusal for a taken slot (409).
    unexpected = sum(record.non_2xx for record, bare in rows if record is not bare)
    if unexpected:
        sys.exit(f"{unexpected} answers were neither a booking nor a refusal")


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(harness.run_bound(seed))
    else:
        main()
