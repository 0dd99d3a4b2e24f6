"""Kiosk check-ins under load: distinct valid scans through a paired tablet's queue endpoint.

Each run starts lab itself on a fresh database with the demo loaded, adds a site whose one
workshop session is under way with thousands of enrolled visitors, each holding a pass, pairs
tablets over HTTP, then drives ``POST /kiosk/api/checkins`` with wrk: every request is a
different visitor's scan (its own pass, its own nonce), so every answer should be a new
attendance. The bare Litestar endpoint (bench/bare.py) is measured first, same server, same
worker count, same connections. After each run the database is checked: one attendance row per
check-in answered 201, no visitor twice in the session, nothing lost.

Runs: SQLite 1 worker at 8 and --connections; PostgreSQL 1 and 2 workers at --connections,
and 2 workers with 16 tablets at once instead of one (same total connections).

Usage:
  .venv/bin/python bench/checkin.py [--engine sqlite|postgresql|both] [--seconds 5]
                                    [--connections 64] [--visitors 20000]
PostgreSQL runs need LAB_BENCH_DATABASE_URL (a database this benchmark wipes); runs with more
than one worker use LAB_BENCH_REDIS_URL (default redis://127.0.0.1:6379/11, flushed).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness
import httpx

PATH = "/kiosk/api/checkins"
SITE_SLUG = "bench-checkin"
FIRST_NAME = "Bench"  # + the visitor's number: a 201 names whom it checked in
# Short codes the demo's random ones cannot be: a letter then the number in the alphabet.
SHORT_CODE_DIGITS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclasses.dataclass(frozen=True)
class Run:
    engine: str
    workers: int
    connections: int
    tablets: int

    @property
    def label(self) -> str:
        tablets = "16 tablets at once" if self.tablets > 1 else "one tablet"
        return (
            f"{harness.engine_label(self.engine)}, {harness.workers_label(self.workers)}, {tablets}"
        )


@dataclasses.dataclass
class Outcome:
    run: Run
    bare: harness.Record
    app: harness.Record
    rows: int
    successes: int
    doubles: int
    lost: int
    unanswered_rows: int
    in_flight: int
    server_errors: list[str]

    def problems(self) -> list[str]:
        """What keeps this run from being sound, in words (nothing: it is)."""
        found = []
        if self.doubles:
            found.append(f"{self.doubles} visitors checked in twice")
        if self.lost:
            found.append(f"{self.lost} check-ins answered 201 without an attendance row")
        if self.unanswered_rows > self.in_flight:
            found.append(f"{self.unanswered_rows} rows nobody was answered for")
        if self.app.errors:
            found.append(f"{self.app.errors} errors (non-2xx answers or socket errors)")
        if self.app.timeouts:
            found.append(f"{self.app.timeouts} timeouts (no answer within 2 s)")
        if self.server_errors:
            found.append(f"{len(self.server_errors)} error lines in the server's log")
        return found


# The seeding part: run by Lab.script with the lab's environment, in its own process.


def short_code(number: int) -> str:
    digits = []
    for _ in range(7):
        number, digit = divmod(number, len(SHORT_CODE_DIGITS))
        digits.append(SHORT_CODE_DIGITS[digit])
    return "Z" + "".join(reversed(digits))


async def seed(visitors: int, tablets: int) -> dict:
    """A site with one series workshop whose session is under way, ``visitors`` people
    enrolled in it with a pass each, and ``tablets`` kiosk devices waiting to be paired.
    Straight inserts in lab's tables, in batches."""
    from lab.accounts.tables import Pass, Site, Visitor
    from lab.core import clock, db
    from lab.core.security import new_token, token_hash
    from lab.kiosk import devices
    from lab.system import operator
    from lab.workshops.tables import Enrolment, Module, Session

    now = clock.now()
    engine = Visitor._meta.db
    batch = 500
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    site = Site(
        name="Bench check-in",
        slug=SITE_SLUG,
        timezone="Europe/Paris",
        opening_hours=json.dumps({day: [["00:00", "23:59"]] for day in days}),
        created_at=now,
    )
    await site.save()
    module = Module(
        site=site.id,
        title="Bench workshop",
        kind="digital_skills",
        capacity=visitors,
        enrolment="series",
        created_at=now,
    )
    await module.save()
    # Under way: check-in is open, and stays so for any run of a few minutes.
    session = Session(
        module=module.id,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
        checkin_secret=new_token(),
        uid=f"bench-{uuid.uuid4()}",
        created_at=now,
        updated_at=now,
    )
    await session.save()
    taken = {row["short_code"] for row in await Pass.select(Pass.short_code)}
    tokens: list[str] = []
    for start in range(0, visitors, batch):
        numbers = range(start, min(start + batch, visitors))
        async with db.write_transaction(engine):
            await Visitor.insert(
                *(
                    Visitor(
                        first_name=f"{FIRST_NAME}{n}",
                        last_name="Visitor",
                        birth_date=dt.date(2004, 1, 1),
                        postcode="93200",
                        status="job_seeker",
                        external_ref=f"bench-{n}",
                        search_name=f"bench{n} visitor",
                        created_site=site.id,
                        created_at=now,
                        updated_at=now,
                    )
                    for n in numbers
                )
            )
            rows = await Visitor.select(Visitor.id, Visitor.first_name).where(
                (Visitor.created_site == site.id)
                & Visitor.first_name.is_in([f"{FIRST_NAME}{n}" for n in numbers])
            )
            ids = {row["first_name"]: row["id"] for row in rows}
            passes, enrolments = [], []
            for n in numbers:
                token = new_token()
                tokens.append(token)
                code = short_code(n)
                assert code not in taken, code
                visitor_id = ids[f"{FIRST_NAME}{n}"]
                passes.append(
                    Pass(
                        visitor=visitor_id,
                        token_hash=token_hash(token),
                        short_code=code,
                        issued_at=now,
                    )
                )
                enrolments.append(
                    Enrolment(
                        visitor=visitor_id,
                        module=module.id,
                        status="enrolled",
                        created_at=now,
                        updated_at=now,
                    )
                )
            await Pass.insert(*passes)
            await Enrolment.insert(*enrolments)
    actor = await operator()  # after the site: it sees it
    codes = []
    for number in range(tablets):
        _device, code = await devices.create_device(
            actor, site.id, f"Bench tablet {number + 1}", ["checkin"]
        )
        codes.append(code)
    return {"session_id": session.id, "tokens": tokens, "pairing_codes": codes}


async def check(session_id: int) -> dict:
    """The session's attendance rows: whose (first names), and visitors counted twice."""
    from lab.accounts.tables import Visitor
    from lab.attendance.tables import Attendance

    rows = await Attendance.select(Attendance.visitor).where(
        (Attendance.session == session_id) & Attendance.status.is_in(["present", "late"])
    )
    visitor_ids = [row["visitor"] for row in rows]
    names = await Visitor.select(Visitor.first_name).where(Visitor.id.is_in(visitor_ids or [-1]))
    return {
        "rows": len(visitor_ids),
        "doubles": len(visitor_ids) - len(set(visitor_ids)),
        "names": [row["first_name"] for row in names],
    }


# The measuring part.


def pair(base_url: str, codes: list[str]) -> tuple[list[str], str]:
    """Pair tablets as their browser does: the pairing page, then the code. The Cookie header
    of each (its device credential and a CSRF cookie) and the CSRF token they share (any
    valid cookie and header pair passes, so one serves them all)."""
    cookies = []
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        client.get("/kiosk/pair")
        token = client.cookies["lab_csrf"]
        for code in codes:
            answer = client.post("/kiosk/pair", data={"code": code, "_csrf_token": token})
            answer.raise_for_status()
            credential = client.cookies["lab_kiosk"]
            cookies.append(f"lab_kiosk={credential}; lab_csrf={token}")
    return cookies, token


def write_bodies(path: Path, base_url: str, tokens: list[str]) -> None:
    """One scan per line, as the tablet's queue sends it: the pass URL the QR carries, a
    fresh nonce, the tablet's clock."""
    now = dt.datetime.now(dt.UTC).isoformat()
    with path.open("w") as out:
        for token in tokens:
            body = {"nonce": str(uuid.uuid4()), "code": f"{base_url}/p/{token}", "client_at": now}
            out.write(json.dumps(body, separators=(",", ":")) + "\n")


def measure(run: Run, seconds: float, visitors: int) -> Outcome:
    with harness.bare_server(run.workers) as bare_server:
        bare = harness.wrk(
            "bare JSON",
            bare_server.base_url + "/json",
            "get.lua",
            connections=run.connections,
            seconds=seconds,
        )
    with harness.Lab(run.engine, run.workers) as lab, tempfile.TemporaryDirectory() as tmp:
        lab.prepare()
        seeded_at = time.monotonic()
        seeded = json.loads(lab.script(Path(__file__), "seed", str(visitors), str(run.tablets)))
        print(f"  seeded {visitors} visitors in {time.monotonic() - seeded_at:.1f} s", flush=True)
        server = lab.serve()
        cookies, csrf = pair(server.base_url, seeded["pairing_codes"])
        bodies = Path(tmp) / "bodies.jsonl"
        write_bodies(bodies, server.base_url, seeded["tokens"])
        threads = 1
        app = harness.wrk(
            "check-in",
            server.base_url + PATH,
            "checkin.lua",
            connections=run.connections,
            seconds=seconds,
            threads=threads,
            args=[str(bodies), str(threads), tmp, csrf, *cookies],
        )
        server.stop()
        found = json.loads(lab.script(Path(__file__), "check", str(seeded["session_id"])))
        answered: list[str] = []
        for names in Path(tmp).glob("accepted-*.txt"):
            answered += names.read_text().split()
        rows = set(found["names"])
        if app.extra.get("exhausted"):
            print("  more requests than seeded visitors: raise --visitors", flush=True)
        return Outcome(
            run=run,
            bare=bare,
            app=app,
            rows=found["rows"],
            successes=len(answered),
            doubles=found["doubles"] + len(answered) - len(set(answered)),
            lost=len(set(answered) - rows),
            unanswered_rows=len(rows - set(answered)),
            in_flight=app.extra.get("sent", 0) - app.requests,
            server_errors=server.error_lines(),
        )


def report(outcome: Outcome) -> None:
    print(f"  rows: {outcome.rows}, successes: {outcome.successes}, doubles: {outcome.doubles}")
    if outcome.unanswered_rows:
        print(
            f"  ({outcome.unanswered_rows} rows for scans whose answers wrk never read: "
            f"{outcome.in_flight} requests were in flight when it stopped)"
        )
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(outcome.app.statuses.items()))
    print(f"  answers by status: {statuses or 'none'}; lost: {outcome.lost}")
    for line in outcome.server_errors[:5]:
        print(f"  server log: {line}")
    problems = outcome.problems()
    print(f"  NOT SOUND: {'; '.join(problems)}" if problems else "  sound", flush=True)


def runs(engines: list[str], connections: int) -> list[Run]:
    planned = []
    if "sqlite" in engines:
        planned += [Run("sqlite", 1, 8, 1), Run("sqlite", 1, connections, 1)]
    if "postgresql" in engines:
        planned += [
            Run("postgresql", 1, connections, 1),
            Run("postgresql", 2, connections, 1),
            Run("postgresql", 2, connections, 16),
        ]
    return planned


def headline(outcomes: list[Outcome], connections: int) -> str:
    def percent(engine: str, workers: int) -> str:
        for outcome in outcomes:
            run = outcome.run
            if (run.engine, run.workers, run.connections, run.tablets) == (
                engine,
                workers,
                connections,
                1,
            ):
                return harness.share(outcome.app, outcome.bare)
        return "not run"

    return (
        f"CHECKIN share of bare JSON: {percent('sqlite', 1)} (sqlite, 1 worker), "
        f"{percent('postgresql', 2)} (postgresql, 2 workers)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Kiosk check-ins under load.")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5, help="per run (default 5)")
    parser.add_argument(
        "--connections", type=int, default=64, help="the many-clients runs' (default 64)"
    )
    parser.add_argument(
        "--visitors", type=int, default=20000, help="seeded, one scan each (default 20000)"
    )
    options = parser.parse_args()
    outcomes = []
    for run in runs(harness.engines_from(options.engine), options.connections):
        print(f"{run.label}, {run.connections} connections, {options.seconds:g} s:", flush=True)
        outcome = measure(run, options.seconds, options.visitors)
        report(outcome)
        outcomes.append(outcome)
    rows = []
    for outcome in outcomes:
        same_server = f"bare JSON, {harness.workers_label(outcome.run.workers)}"
        rows.append((dataclasses.replace(outcome.bare, label=same_server), outcome.bare))
        check_ins = f"check-in, {outcome.run.label}"
        rows.append((dataclasses.replace(outcome.app, label=check_ins), outcome.bare))
    print()
    print(harness.table(rows))
    print()
    print(headline(outcomes, options.connections))
    if any(outcome.problems() for outcome in outcomes):
        sys.exit(1)


def seed_command(visitors: str, tablets: str) -> None:
    print(json.dumps(harness.run_bound(lambda: seed(int(visitors), int(tablets)))))


def check_command(session_id: str) -> None:
    print(json.dumps(harness.run_bound(lambda: check(int(session_id)))))


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed_command(*sys.argv[2:])
    elif sys.argv[1:2] == ["check"]:
        check_command(*sys.argv[2:])
    else:
        main()
