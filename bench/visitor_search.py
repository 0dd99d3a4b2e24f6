"""Visitor search and pass lookup on a realistic number of visitors.

Prints the median and 95th percentile time of a name search, a short-code search and a pass
token lookup, on SQLite (and on PostgreSQL when LAB_BENCH_DATABASE_URL is set; that database is
wiped). Usage: .venv/bin/python bench/visitor_search.py [number of visitors, default 20000]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.accounts import passes, visitors
from lab.accounts.tables import Pass, Site, Visitor
from lab.core import db
from lab.core.roles import Grant, StaffPrincipal
from lab.core.security import new_token, token_hash
from lab.demo.accounts import FIRST_NAMES, LAST_NAMES
from lab.settings import PROJECT_ROOT, Settings

ROUNDS = 200


def migrate(url: str, data_dir: str) -> None:
    env = {**os.environ, "LAB_DATABASE_URL": url, "LAB_DATA_DIR": data_dir}
    subprocess.run(
        [sys.executable, "-m", "lab.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


async def fill(count: int) -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    site = Site(name="Bench", slug="bench", timezone="Europe/Paris", created_at=now)
    await site.save()
    rows, tokens = [], []
    for _ in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES) + str(rng.randint(1, 500))
        rows.append(
            Visitor(
                first_name=first,
                last_name=last,
                birth_date=dt.date(2005, 1, 1),
                postcode="93200",
                status="job_seeker",
                created_site=site.id,
                search_name=visitors.search_key(first, last),
                created_at=now,
                updated_at=now,
            )
        )
    for start in range(0, count, 500):
        await Visitor.insert(*rows[start : start + 500])
    ids = [row["id"] for row in await Visitor.select(Visitor.id)]
    codes, pass_rows = [], []
    for visitor_id in ids:
        token, code = new_token(), passes.new_short_code()
        tokens.append(token)
        codes.append(code)
        pass_rows.append(
            Pass(visitor=visitor_id, token_hash=token_hash(token), short_code=code, issued_at=now)
        )
    for start in range(0, len(pass_rows), 500):
        await Pass.insert(*pass_rows[start : start + 500])
    return tokens, codes


async def timed(label: str, work) -> None:
    samples = []
    for index in range(ROUNDS):
        started = time.perf_counter()
        await work(index)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"  {label:<28} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


async def run(url: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if url.startswith("postgres"):
            import asyncpg

            connection = await asyncpg.connect(url)
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            await connection.close()
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(migrate, url, tmp)
        settings = Settings.from_env({"LAB_DATABASE_URL": url, "LAB_DATA_DIR": tmp})
        engine = db.engine_for(settings)
        db.bind_tables(engine)
        await db.start(engine)
        try:
            tokens, codes = await fill(count)
            site_ids = tuple(row["id"] for row in await Site.select(Site.id))
            actor = StaffPrincipal(1, "bench", "", "fr", (Grant("admin", None),), site_ids)
            names = [
                f"{first} {last[:3]}"
                for first, last in zip(FIRST_NAMES, LAST_NAMES * 2, strict=False)
            ]
            engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
            print(f"{engine_name}, {count} visitors with passes:")
            await timed(
                "name search (2 words)",
                lambda i: visitors.search_visitors(actor, names[i % len(names)]),
            )
            await timed("short-code search", lambda i: visitors.search_visitors(actor, codes[i]))
            await timed("pass token lookup", lambda i: passes.resolve_token(tokens[i]))
        finally:
            await db.stop(engine)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    asyncio.run(run("sqlite", count))
    if os.environ.get("LAB_BENCH_DATABASE_URL"):
        asyncio.run(run(os.environ["LAB_BENCH_DATABASE_URL"], count))


if __name__ == "__main__":
    main()
