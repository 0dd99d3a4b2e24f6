"""What the HTTP benchmarks share: a real server on a fresh database, the bare Litestar
endpoint they are measured against, wrk, and the table of figures.

- ``Lab(engine, workers)``: a temporary data directory, a fresh database (SQLite there, or the
  PostgreSQL database of LAB_BENCH_DATABASE_URL, wiped), Redis from LAB_BENCH_REDIS_URL
  (flushed) when more than one worker shares the sessions, then ``lab migrate`` and
  ``lab demo``; ``serve()`` starts ``lab serve --workers N`` on a free port and waits for
  /health; ``script()`` runs a bench script's seeding part with the same environment.
- ``Bare(workers)``: bench/bare.py under the same server (uvicorn, same worker count, no
  access log), on its own port.
- ``wrk(...)``: one wrk run with a Lua script of bench/wrk/, read back as a ``Record`` (every
  script there ends with report.lua's ``done()``, which prints one parseable line).
- ``table(...)``: req/s, share of bare, p50, p99, errors and timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WRK = "/usr/bin/wrk"
WRK_SCRIPTS = BENCH / "wrk"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
SECRET = "bench-secret-key-" + "x" * 32
# Lines a server writes that mean something went wrong on its side (not a client hanging up).
SERVER_ERROR = re.compile(r"Traceback|\bERROR\b|Exception in ASGI")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def engine_label(engine: str) -> str:
    return "SQLite" if engine == "sqlite" else "PostgreSQL"


def workers_label(workers: int) -> str:
    return f"{workers} worker" + ("s" if workers > 1 else "")


def bench_database_url() -> str | None:
    return os.environ.get("LAB_BENCH_DATABASE_URL") or None


def engines_from(choice: str) -> list[str]:
    """The engines an ``--engine sqlite|postgresql|both`` option names; PostgreSQL needs
    LAB_BENCH_DATABASE_URL (a database the benchmark may wipe)."""
    wanted = ["sqlite", "postgresql"] if choice == "both" else [choice]
    if "postgresql" in wanted and not bench_database_url():
        message = "PostgreSQL: set LAB_BENCH_DATABASE_URL to a database this benchmark may wipe."
        if choice == "postgresql":
            raise SystemExit(message)
        print(message)
        wanted.remove("postgresql")
    return wanted


class Server:
    """A server process we started, in its own process group, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful stop, its workers with it), then SIGKILL to the group
        if it is still there after 15 seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()

    def error_lines(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if SERVER_ERROR.search(line)]


class Lab:
    """One fresh lab: its data directory, database, Redis and environment."""

    def __init__(self, engine: str, workers: int = 1) -> None:
        self.engine = engine
        self.workers = workers
        self._tmp = tempfile.TemporaryDirectory(prefix="lab-bench-")
        self.dir = Path(self._tmp.name)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LAB_DATA_DIR": str(self.dir),
            "LAB_HOST": "127.0.0.1",
            "LAB_PORT": str(self.port),
            "LAB_BASE_URL": self.base_url,
            "LAB_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("LAB_DATABASE_URL", None)
        self.env.pop("LAB_REDIS_URL", None)
        self.env.pop("LAB_WORKERS", None)
        if engine == "postgresql":
            url = bench_database_url()
            if not url:
                raise SystemExit("PostgreSQL runs need LAB_BENCH_DATABASE_URL.")
            self.env["LAB_DATABASE_URL"] = url
        if workers > 1:
            self.env["LAB_REDIS_URL"] = os.environ.get("LAB_BENCH_REDIS_URL", DEFAULT_REDIS)
        self.server: Server | None = None

    def prepare(self) -> None:
        """Wipe, migrate, load the demo."""
        if self.engine == "postgresql":
            asyncio.run(_wipe_postgresql(self.env["LAB_DATABASE_URL"]))
        if "LAB_REDIS_URL" in self.env:
            import redis

            client = redis.Redis.from_url(self.env["LAB_REDIS_URL"])
            client.flushdb()
            client.close()
        self.lab("migrate")
        self.lab("demo")

    def lab(self, *args: str) -> str:
        return self._run([sys.executable, "-m", "lab.cli", *args])

    def script(self, path: Path, *args: str) -> str:
        """Run a bench script (its seeding part) with this lab's environment; its output."""
        return self._run([sys.executable, str(path), *args])

    def _run(self, command: list[str]) -> str:
        done = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(command[1:])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def serve(self) -> Server:
        command = [sys.executable, "-m", "lab.cli", "serve", "--workers", str(self.workers)]
        self.server = Server(command, self.env, self.port, self.dir / "server.log")
        self.server.wait_ready("/health")
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self._tmp.cleanup()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


async def _wipe_postgresql(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@contextlib.contextmanager
def bare_server(workers: int) -> Iterator[Server]:
    """bench/bare.py served as lab is (uvicorn, same worker count, no access log)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare:app",
        "--app-dir",
        str(BENCH),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
        "--proxy-headers",
    ]
    with tempfile.TemporaryDirectory(prefix="lab-bare-") as tmp:
        server = Server(command, dict(os.environ), port, Path(tmp) / "bare.log")
        try:
            server.wait_ready("/json")
            yield server
        finally:
            server.stop()


@dataclasses.dataclass
class Record:
    """One wrk run, as report.lua's ``done()`` printed it (latencies in milliseconds)."""

    label: str
    connections: int
    requests: int
    seconds: float
    p50: float
    p99: float
    non_2xx: int
    socket_errors: int  # connect, read and write errors
    timeouts: int
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    extra: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk(
    label: str,
    url: str,
    script: str,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    headers: Sequence[str] = (),
    args: Sequence[str] = (),
    timeout: str = "2s",
) -> Record:
    """Run wrk with ``bench/wrk/<script>`` and read back the line its ``done()`` prints.

    One wrk thread by default: on a small machine wrk's own threads take CPU from the server
    measured; one thread drives hundreds of connections."""
    threads = max(1, min(threads, connections))
    command = [
        WRK,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",  # wrk counts whole seconds
        "--timeout",
        timeout,
        "-s",
        str(WRK_SCRIPTS / script),
    ]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if args:
        command += ["--", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    found = next(
        (line for line in done.stdout.splitlines() if line.startswith("BENCH ")),
        None,
    )
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    values = json.loads(found[len("BENCH ") :])
    return Record(
        label=label,
        connections=connections,
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50=values["p50_us"] / 1000,
        p99=values["p99_us"] / 1000,
        non_2xx=values["non_2xx"],
        socket_errors=values["connect"] + values["read"] + values["write"],
        timeouts=values["timeout"],
        statuses=values.get("statuses", {}),
        extra=values.get("extra", {}),
    )


def share(record: Record, bare: Record | None) -> str:
    if bare is None or not bare.rate:
        return "—"
    return f"{100 * record.rate / bare.rate:.1f}%"


def table(rows: Sequence[tuple[Record, Record | None]], title: str = "") -> str:
    """One line per run: its label, connections, req/s, share of the bare endpoint's req/s
    at the same connections, p50, p99, errors (non-2xx and socket errors) and timeouts."""
    width = max([len(record.label) for record, _bare in rows] + [len("run")])
    head = (
        f"{'run':<{width}}  {'conns':>5}  {'req/s':>9}  {'of bare':>8}  {'p50 ms':>8}  "
        f"{'p99 ms':>8}  {'errors':>6}  {'timeouts':>8}"
    )
    lines = [title] if title else []
    lines += [head, "-" * len(head)]
    for record, bare in rows:
        lines.append(
            f"{record.label:<{width}}  {record.connections:>5}  {record.rate:>9.0f}  "
            f"{share(record, bare):>8}  {record.p50:>8.1f}  {record.p99:>8.1f}  "
            f"{record.errors:>6}  {record.timeouts:>8}"
        )
    return "\n".join(lines)


def cookie_header(cookies: dict[str, str]) -> str:
    return "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())


def run_bound(work):  # type: ignore[no-untyped-def]
    """Run the coroutine function ``work`` with lab's tables bound to the database of this
    process's environment (a bench script's seeding part, started by ``Lab.script``), as the
    command line runs its work."""
    from lab.cli import run_with_database
    from lab.settings import Settings

    return run_with_database(Settings.from_env(), work)
