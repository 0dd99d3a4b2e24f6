"""The reports at a regional network's size, on SQLite and PostgreSQL.

Generates a network (20 sites, 10,000 visitors, 5,000 sessions over the 36 months before this
one, 1,000,000 attendance marks, about 200,000 bookings and 200,000 drop-in visits: see
bench/reports_data.py), loads it into a fresh database per engine (the SQLite file
lab_bench_reports.sqlite3 in the temporary directory; the PostgreSQL database
lab_bench_reports, dropped and made again; both kept after the run, to read plans), and
times the dashboard's queries and the report files for three readers, with the longest the
event loop was held meanwhile (what a check-in on the same worker would wait at worst):

  (a) a network manager, all sites, this month;
  (b) a site manager, one site, this quarter;
  (c) a network manager, all sites, the whole year (the archive case).

"This month" is the last month of the history (the month before today): the one a manager
reads in full. Each query's figure is the median of 5 runs after a warm-up; each file's, of 3.
The last line names the slowest dashboard query of (a) and (b).

Usage: .venv/bin/python bench/reports.py [--scale 1.0] [--engines sqlite,postgresql]
       [--dump DIR]   (writes each scenario's dashboard, msgspec-encoded, to compare runs)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec
import reports_data

from lab.core import db
from lab.reports import queries
from lab.reports.filters import Choices, Filters, Period, Scope, build_filters, preset_period
from lab.settings import PROJECT_ROOT, Settings

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "lab_bench_reports"
# Kept after a run (like the PostgreSQL database), to look at plans; replaced by the next run.
SQLITE_PATH = Path(tempfile.gettempdir()) / "lab_bench_reports.sqlite3"
RUNS = 5
FILE_RUNS = 3


@dataclasses.dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    filters: Filters


@dataclasses.dataclass
class Results:
    engine: str
    queries: dict[tuple[str, str], float] = dataclasses.field(default_factory=dict)  # ms
    files: dict[tuple[str, str], float | str] = dataclasses.field(default_factory=dict)  # s
    # The longest the event loop was held (ms) while a dashboard or a file was made: what a
    # kiosk's check-in on the same worker waits at worst meanwhile.
    stalls: dict[tuple[str, str], float] = dataclasses.field(default_factory=dict)


class LoopWatch:
    """A ticker that wakes every millisecond and keeps its worst lateness: the longest stretch
    the event loop was held by something else (a statement on the loop's thread, Python work)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, time.perf_counter() - before - 0.001)

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)  # the ticker's first round starts before the work
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Work that never let the loop go leaves the ticker's wake-up overdue: let it see how
        # late it is before stopping it.
        await asyncio.sleep(0.002)
        self._task.cancel()


def migrate(url: str, data_dir: str) -> None:
    env = {**os.environ, "LAB_DATABASE_URL": url, "LAB_DATA_DIR": data_dir}
    subprocess.run(
        [sys.executable, "-m", "lab.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


async def recreate_postgres() -> str:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    finally:
        await connection.close()
    return f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"


async def analyze(engine) -> None:
    """The planner's statistics (the reports' indexes come with the migrations); on
    PostgreSQL a VACUUM too, which marks the freshly copied pages all-visible, as autovacuum
    soon would."""
    await engine.run_ddl("ANALYZE" if db.is_sqlite(engine) else "VACUUM ANALYZE")


def scenarios(tables: dict, today: dt.date) -> list[Scenario]:
    sites = {row[0]: (row[1], row[3]) for row in tables["site"][1]}
    choices = Choices(sites=sites, modules={}, facilitators={}, partners={})
    network = Scope(tuple(sorted(sites)), None, True, frozenset(sites))
    one = min(sites)
    local = Scope((one,), None, False, frozenset({one}))

    def filters(scope: Scope, period: Period) -> Filters:
        return build_filters(scope, choices, period, {})

    return [
        Scenario("a", "network, this month", filters(network, preset_period("month", today))),
        Scenario("b", "one site, this quarter", filters(local, preset_period("quarter", today))),
        Scenario("c", "network, whole year", filters(network, preset_period("year", today))),
    ]


async def measure_dashboard(
    scenario: Scenario, now: dt.datetime, results: Results, dump: Path | None
) -> None:
    dashboard = await queries.dashboard(scenario.filters, now)  # warm-up
    if dump is not None:
        name = f"{results.engine.lower()}-{scenario.key}.json"
        await asyncio.to_thread((dump / name).write_bytes, msgspec.json.encode(dashboard))
    parts: dict[str, list[float]] = {}
    wholes: list[float] = []
    stalls: list[float] = []
    for _ in range(RUNS):
        timings: dict[str, list[float]] = {}
        async with LoopWatch() as watch:
            started = time.perf_counter()
            await queries.dashboard(scenario.filters, now, timings)
            wholes.append(time.perf_counter() - started)
        stalls.append(watch.worst)
        for part, seconds in timings.items():
            parts.setdefault(part, []).append(sum(seconds))
    for part, samples in parts.items():
        results.queries[(part, scenario.key)] = statistics.median(samples) * 1000
    results.queries[("dashboard (whole)", scenario.key)] = statistics.median(wholes) * 1000
    results.stalls[("dashboard", scenario.key)] = statistics.median(stalls) * 1000


def file_makers(scenario: Scenario, now: dt.datetime) -> dict[str, Callable[[], Awaitable]]:
    """Every report file for this scenario's filters, by name, from what lab.reports offers."""
    from lab.reports import exports, services

    f = scenario.filters

    async def report(figures: bool) -> services.Report:
        """As the file route builds it: the dashboard read only for the dashboard's files."""
        sites = {site: (str(site), zone) for zone, ids in f.zones.items() for site in ids}
        scope = Scope(f.site_ids, None, len(f.site_ids) > 1, frozenset(f.site_ids))
        return services.Report(
            scope=scope,
            choices=Choices(sites=sites, modules={}, facilitators={}, partners={}),
            filters=f,
            dashboard=await queries.dashboard(f, now) if figures else None,
            may_see_rows=True,
        )

    def maker(what: str, fmt: str) -> Callable[[], Awaitable]:
        async def make() -> bytes:
            made = await exports.build(await report(what == "dashboard"), what, fmt, k=5)
            return made.content

        return make

    return {
        f"{what} {fmt}": maker(what, fmt)
        for what, formats in exports.FILES.items()
        for fmt in formats
    }


async def measure_files(scenario: Scenario, now: dt.datetime, results: Results) -> None:
    try:
        makers = file_makers(scenario, now)
    except ImportError as error:
        results.files[("(none)", scenario.key)] = f"unavailable: {error}"
        return
    for name, make in makers.items():
        samples, stalls = [], []
        try:
            for _ in range(FILE_RUNS):
                async with LoopWatch() as watch:
                    started = time.perf_counter()
                    await make()
                    samples.append(time.perf_counter() - started)
                stalls.append(watch.worst)
        except Exception as error:  # a file the reports domain cannot make yet
            results.files[(name, scenario.key)] = f"failed: {type(error).__name__}: {error}"
            continue
        results.files[(name, scenario.key)] = statistics.median(samples)
        results.stalls[(name, scenario.key)] = statistics.median(stalls) * 1000


async def run_engine(
    engine_name: str, tables: dict, today: dt.date, now: dt.datetime, dump: Path | None
) -> Results:
    results = Results(engine_name)
    with tempfile.TemporaryDirectory() as tmp:
        if engine_name == "PostgreSQL":
            url = await recreate_postgres()
        else:
            for leftover in SQLITE_PATH.parent.glob(SQLITE_PATH.name + "*"):
                leftover.unlink()
            url = f"sqlite:///{SQLITE_PATH}"
        await asyncio.to_thread(migrate, url, tmp)
        started = time.perf_counter()
        if engine_name == "PostgreSQL":
            await reports_data.load_postgres(url, tables)
        else:
            await asyncio.to_thread(reports_data.load_sqlite, str(SQLITE_PATH), tables)
        settings = Settings.from_env({"LAB_DATABASE_URL": url, "LAB_DATA_DIR": tmp})
        engine = db.engine_for(settings)
        db.bind_tables(engine)
        await db.start(engine)
        try:
            await analyze(engine)
            print(f"{engine_name}: loaded and analysed in {time.perf_counter() - started:.1f} s")
            for scenario in scenarios(tables, today):
                await measure_dashboard(scenario, now, results, dump)
                await measure_files(scenario, now, results)
        finally:
            await db.stop(engine)
    return results


def print_results(results: Results, labels: dict[str, str]) -> None:
    print(f"\n{results.engine}: dashboard queries, median of {RUNS} runs (ms)")
    names = list(dict.fromkeys(name for name, _ in results.queries))
    keys = sorted({key for _, key in results.queries})
    print(f"  {'query':<20}" + "".join(f"{'(' + key + ') ' + labels[key]:>28}" for key in keys))
    for name in names:
        cells = "".join(
            f"{results.queries[(name, key)]:>28.1f}" if (name, key) in results.queries else " " * 28
            for key in keys
        )
        print(f"  {name:<20}{cells}")
    print(
        f"  {'loop held (ms)':<20}"
        + "".join(
            f"{results.stalls[('dashboard', key)]:>28.0f}"
            if ("dashboard", key) in results.stalls
            else " " * 28
            for key in keys
        )
    )
    print(
        f"{results.engine}: report files, median of {FILE_RUNS} runs (s), and the longest the"
        " event loop was held meanwhile (ms)"
    )
    for (name, key), value in results.files.items():
        shown = f"{value:.2f}" if isinstance(value, float) else value
        held = results.stalls.get((name, key))
        held_text = f"{held:>8.0f}" if held is not None else ""
        print(f"  {name:<20} ({key}) {labels[key]:<24} {shown:>6} {held_text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--dump", type=Path, default=None)
    args = parser.parse_args()
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().replace(day=1) - dt.timedelta(days=1)  # the last month's last day
    now = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    started = time.perf_counter()
    tables = reports_data.generate(args.scale, dt.date.today())
    # Out of the garbage collector's sight, as a server's start-up objects are: a server does
    # not hold a generated network, and collections walking its millions of rows would show
    # as the event loop held.
    gc.freeze()
    counts = ", ".join(f"{len(rows)} {name}" for name, (_, rows) in tables.items())
    print(f"Generated in {time.perf_counter() - started:.1f} s: {counts}")
    labels = {s.key: s.label for s in scenarios(tables, today)}
    everything = []
    for engine in args.engines.split(","):
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine.strip()]
        everything.append(asyncio.run(run_engine(name, tables, today, now, args.dump)))
    for results in everything:
        print_results(results, labels)
    archive = [
        (ms, results.engine, name)
        for results in everything
        for (name, key), ms in results.queries.items()
        if key == "c" and name != "dashboard (whole)"
    ]
    daily = [
        (ms, results.engine, name)
        for results in everything
        for (name, key), ms in results.queries.items()
        if key in ("a", "b") and name != "dashboard (whole)"
    ]
    ms, engine, name = max(archive)
    print(f"\nslowest query of (c) {labels['c']}: {ms:.0f} ms ({engine}, {name})")
    ms, engine, name = max(daily)
    print(f"slowest dashboard query: {ms:.0f} ms ({engine}, {name})")


if __name__ == "__main__":
    main()
