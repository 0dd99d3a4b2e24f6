"""A visitor's full data export (the zip of JSON and CSV files with its summary page).

Loads the demo data into a fresh SQLite database (and PostgreSQL when LAB_BENCH_DATABASE_URL is
set; that database is wiped), picks the visitors with the most rows about them, and prints the
median and slowest time to build their export and its zip, as a manager asks for it. The issue
asks for under a minute. Usage: .venv/bin/python bench/export.py [rounds, default 20]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.accounts import export
from lab.accounts.tables import Site
from lab.core import db
from lab.core.roles import Grant, StaffPrincipal
from lab.core.tables import AuditLog
from lab.core.web import build_jinja
from lab.settings import PROJECT_ROOT, Settings
from lab.wiring import wire


def lab_command(url: str, data_dir: str, *args: str) -> None:
    env = {**os.environ, "LAB_DATABASE_URL": url, "LAB_DATA_DIR": data_dir}
    subprocess.run(
        [sys.executable, "-m", "lab.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


async def busiest_visitors(count: int) -> list[int]:
    """The visitors the audit log speaks of most: the ones with the most history."""
    rows = await AuditLog.raw(
        "SELECT subject, COUNT(*) AS n FROM audit_log WHERE subject LIKE 'visitor:%' "
        "GROUP BY subject ORDER BY n DESC LIMIT {}",
        count,
    )
    return [int(row["subject"].split(":")[1]) for row in rows]


async def run(url: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if url.startswith("postgres"):
            import asyncpg

            connection = await asyncpg.connect(url)
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            await connection.close()
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(lab_command, url, tmp, "migrate")
        await asyncio.to_thread(lab_command, url, tmp, "demo")
        settings = Settings.from_env({"LAB_DATABASE_URL": url, "LAB_DATA_DIR": tmp})
        engine = db.engine_for(settings)
        db.bind_tables(engine)
        wire(settings)
        await db.start(engine)
        try:
            site_ids = tuple(row["id"] for row in await Site.select(Site.id))
            admin = StaffPrincipal(1, "bench", "", "fr", (Grant("admin", None),), site_ids)
            jinja = build_jinja()
            samples, rows, sizes = [], [], []
            for visitor_id in await busiest_visitors(5):
                for _ in range(rounds):
                    started = time.perf_counter()
                    made = await export.export_for(admin, visitor_id)
                    body = export.archive(made, jinja, settings.lab_name)
                    samples.append((time.perf_counter() - started) * 1000)
                rows.append(sum(len(section.rows) for section in made.sections))
                sizes.append(len(body))
            engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
            print(
                f"{engine_name}, demo data, the 5 visitors with the most history "
                f"({min(rows)}–{max(rows)} rows, zips of {min(sizes) // 1024}–"
                f"{max(sizes) // 1024} KiB), {rounds} exports each:"
            )
            print(
                f"  export and zip   median {statistics.median(samples):7.1f} ms   "
                f"slowest {max(samples):7.1f} ms"
            )
        finally:
            await db.stop(engine)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    asyncio.run(run("sqlite", rounds))
    if os.environ.get("LAB_BENCH_DATABASE_URL"):
        asyncio.run(run(os.environ["LAB_BENCH_DATABASE_URL"], rounds))


if __name__ == "__main__":
    main()
