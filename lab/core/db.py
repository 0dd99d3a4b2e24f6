"""Database engines and the one way to write safely on both SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from string import Formatter
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import ADAPTERS, SQLiteEngine, TransactionType
from piccolo.query.base import Query
from piccolo.table import Table

from lab.core.params import Day, Moment
from lab.core.postgres import LabPostgresEngine
from lab.core.sqlite import FastSQLiteEngine
from lab.settings import Settings

Q = TypeVar("Q", bound=Query)
T = TypeVar("T", bound=Table)
R = TypeVar("R")

# SQLite allows one writer at a time. Waiting a little is better than failing a booking.
SQLITE_BUSY_TIMEOUT_SECONDS = 30

# sqlite3 finds an adapter by a value's exact type: lab's Day and Moment (the date and datetime
# subclasses every day and instant read from a request is, see lab.core.params) are written as
# the dates and instants they are, like Piccolo writes date and datetime.
for _kind, _base in ((Day, dt.date), (Moment, dt.datetime)):
    sqlite3.register_adapter(_kind, ADAPTERS[_base])


def engine_for(settings: Settings) -> Engine:
    if settings.uses_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(str(path))
        return FastSQLiteEngine(str(path), busy_timeout=settings.db_wait_seconds)
    parts = urlsplit(settings.database_url)
    dsn = settings.database_url
    if parts.scheme == "postgres":
        dsn = "postgresql" + dsn[len("postgres") :]
    # asyncpg gives up connecting after this long (and the request answers 503).
    return LabPostgresEngine(config={"dsn": dsn, "timeout": settings.db_wait_seconds})


def _enable_wal(path: str) -> None:
    # WAL lets readers go on while one request writes; the mode is stored in the file itself.
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def bind_tables(engine: Engine) -> None:
    """Point every lab table at ``engine`` (the app and each test choose theirs explicitly)."""
    from lab.piccolo_app import APP_CONFIG

    for table in APP_CONFIG.table_classes:
        table._meta.db = engine


def is_sqlite(engine: Engine) -> bool:
    return isinstance(engine, SQLiteEngine)


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """A transaction for a check-then-write rule.

    On SQLite, an IMMEDIATE transaction takes the write lock up front (the engine queues this
    process's transactions, see lab.core.sqlite). On PostgreSQL, services take row locks
    (SELECT … FOR UPDATE) inside it.

    Inside another transaction (a service calling another service so that both changes commit
    together), it joins that one: Piccolo nests transactions as no-ops.

    What ``after_commit`` is given inside it runs once the outermost one has committed, and
    not at all if it rolls back.
    """
    if engine.current_transaction.get() is not None:
        async with engine.transaction():
            yield
        return
    pending: list[Callable[[], None]] = []
    token = _after_commit.set(pending)
    try:
        if is_sqlite(engine):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
        else:
            async with engine.transaction():
                yield
    finally:
        _after_commit.reset(token)
    for action in pending:
        action()


# What the write transaction open in this task runs once it has committed (None: none is open).
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "after_commit", default=None
)


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the write transaction in progress commits (at once when none is):
    a live event must not announce a change that may still roll back."""
    pending = _after_commit.get()
    if pending is None:
        action()
    else:
        pending.append(action)


async def start(engine: Engine, *, wait_seconds: float = 10) -> bool:
    """Open PostgreSQL's connection pool unless one is open; True if this call opened it.

    A request waits at most ``wait_seconds`` for one of the pool's connections: when all are
    busy (a slow or locked database) it gets a TimeoutError, which answers 503 with
    Retry-After, instead of queueing without end."""
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)
        engine.pool = BoundedPool(engine.pool, wait_seconds)
        return True
    return False


class BoundedPool:
    """An asyncpg pool whose ``acquire`` waits a bounded time by default.

    Piccolo takes its connections with ``pool.acquire()`` and no timeout, and asyncpg's pool
    cannot be given a default one (it has ``__slots__``), so this stands in front of it and
    passes everything else through."""

    __slots__ = ("_pool", "_wait_seconds")

    def __init__(self, pool: Any, wait_seconds: float) -> None:
        self._pool = pool
        self._wait_seconds = wait_seconds

    def acquire(self, *, timeout: float | None = None) -> Any:
        if timeout is None and self._pool.get_idle_size():
            # A connection is free: taken at once, without the timer a bounded wait sets up
            # (asyncpg's ``wait_for``), which costs a third of a short statement's time.
            return self._pool.acquire()
        return self._pool.acquire(timeout=self._wait_seconds if timeout is None else timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


async def _keep_session(connection: object) -> None:
    """What a pooled connection needs before its next query, beyond the transaction asyncpg
    rolls back by itself: nothing. asyncpg's default resets the whole session (RESET ALL,
    UNLISTEN, advisory locks), one more round trip after every statement, for state lab never
    leaves behind: it sets no session settings, listens to nothing, and takes advisory locks
    for the transaction only (``lock_key``)."""


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None
    elif isinstance(engine, FastSQLiteEngine):
        engine.close_connections()


async def lock_row(table: type, row_id: int) -> None:
    """Lock one row until the transaction ends (PostgreSQL). On SQLite the IMMEDIATE
    transaction already holds the database's single write lock."""
    engine = table._meta.db
    if not is_sqlite(engine):
        name = table._meta.tablename
        await fetch(table, f"SELECT id FROM {name} WHERE id = {{}} FOR UPDATE", int(row_id))  # noqa: S608


def locked(query: Q, *, shared: bool = False) -> Q:
    """``query`` (a Piccolo ``objects()`` or ``select()``) reading its rows locked until the
    transaction ends, in the same statement: on PostgreSQL ``FOR UPDATE``, or with ``shared``
    ``FOR SHARE`` (many may hold it at once, and each makes ``FOR UPDATE`` wait). On SQLite
    the IMMEDIATE transaction already holds the database's single write lock."""
    if is_sqlite(query.table._meta.db):
        return query
    return query.lock_rows("SHARE" if shared else "UPDATE")


async def lock_keys(engine: Engine, keys: Collection[str]) -> None:
    """``lock_key`` for several names in one statement, taken in their sorted order (the
    array's: two transactions locking overlapping names do not each wait for the other)."""
    if keys and not is_sqlite(engine):
        await engine.run_plain(
            _driver_sql(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest({}::text[]) k",
                "postgres",
            ),
            (sorted(keys),),
        )


async def lock_key(engine: Engine, key: str) -> None:
    """Lock a name until the transaction ends (PostgreSQL: a transaction-level advisory lock
    on the name's 64-bit hash), for a rule about something that has no row yet, such as a
    scan's nonce. On SQLite the IMMEDIATE transaction already holds the single write lock."""
    if not is_sqlite(engine):
        await engine.run_plain(
            _driver_sql("SELECT pg_advisory_xact_lock(hashtextextended({}, 0))", "postgres"), (key,)
        )


# Plain SQL for the hot paths (a check-in, a tablet's every request, the audit log). Building a
# statement with Piccolo's query API costs about ten times running it on a kept-open SQLite
# connection (docs/performance.md), so the few statements every check-in runs are written as
# plain SQL run by ``fetch`` (``{}`` placeholders, the same text on both engines). Column
# lists come from the tables' definitions, so they follow the tables.


@functools.cache
def column_list(table: type[Table], alias: str = "", prefix: str = "") -> str:
    """``"alias"."column" AS "prefixcolumn", …`` for every column of ``table``."""
    source = f'"{alias}".' if alias else ""
    return ", ".join(
        f'{source}"{name}" AS "{prefix}{name}"'
        for name in (column._meta.db_column_name for column in table._meta.columns)
    )


@functools.lru_cache(maxsize=512)
def _insert_sql(table: type[Table], names: tuple[str, ...], rows: int = 1) -> str:
    columns = ", ".join(f'"{name}"' for name in names)
    name = table._meta.tablename
    values = ", ".join(f"({placeholders(names)})" for _ in range(rows))
    return f'INSERT INTO "{name}" ({columns}) VALUES {values} RETURNING "id"'  # noqa: S608


async def insert_row(table: type[Table], **values: Any) -> int:
    """Insert one row of ``table`` in one plain statement; its id. Values are written as the
    driver writes them (JSON columns take their text)."""
    rows = await fetch(table, _insert_sql(table, tuple(values)), *values.values())
    return rows[0]["id"]


async def insert_rows(table: type[Table], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert ``rows`` of ``table`` (each naming the same columns) in one plain statement;
    their ids (``[{"id": …}, …]``, not necessarily in the order given): a batch of check-ins
    writes its journal and audit entries this way."""
    if not rows:
        return []
    names = tuple(rows[0])
    sql = _insert_sql(table, names, len(rows))
    return await fetch(table, sql, *(row[name] for row in rows for name in names))


async def fetch(table: type[Table], sql: str, *values: object) -> list[dict[str, Any]]:
    """Run one plain statement (``{}`` placeholders) on ``table``'s engine; its rows as dicts,
    as ``table.raw(sql, *values)`` returns them. The statement goes to the engine's
    ``run_plain`` in the driver's form, compiled once per text: no query object is built, and
    a read outside a transaction takes a pooled connection without a timer. On a kept-open
    connection that halves what a short statement costs in Python."""
    engine = table._meta.db
    return await engine.run_plain(_driver_sql(sql, engine.engine_type), values)


# Whether the reads of this task may be long (``reading_aside``); ``fetch_aside`` asks.
_long_reads: ContextVar[bool] = ContextVar("long_reads", default=False)


@contextmanager
def reading_aside(long: bool = True) -> Iterator[None]:
    """Within the block, ``fetch_aside`` runs its statements aside (when ``long``): a report
    over a network's year says so; a site's month, whose statements take tens of
    microseconds, keeps them on the loop, where they cost less than the hop to a thread."""
    token = _long_reads.set(long)
    try:
        yield
    finally:
        _long_reads.reset(token)


async def fetch_aside(table: type[Table], sql: str, *values: object) -> list[dict[str, Any]]:
    """``fetch`` for a read that may take long (the reports' statements: a network's year
    scans hundreds of thousands of rows). Within ``reading_aside`` on the embedded SQLite, it
    runs in a worker thread (``FastSQLiteEngine.run_plain_aside``), so the event loop is not
    held while SQLite works; PostgreSQL's driver never holds it."""
    engine = table._meta.db
    if not (_long_reads.get() and isinstance(engine, FastSQLiteEngine)):
        return await fetch(table, sql, *values)
    return await engine.run_plain_aside(_driver_sql(sql, engine.engine_type), values)


async def work_aside(work: Callable[..., R], *args: object) -> R:
    """``work(*args)``, CPU work on what ``fetch_aside`` read: within ``reading_aside``, in a
    worker thread (a network's year of rows takes a good part of a second on either engine);
    otherwise here, where a small report's tally costs less than the hop."""
    if _long_reads.get():
        return await anyio.to_thread.run_sync(work, *args)
    return work(*args)


@functools.lru_cache(maxsize=2048)
def _driver_sql(sql: str, engine_type: str) -> str:
    """``sql``'s ``{}`` placeholders as the driver numbers them (``$1``… or ``?``), read as
    Piccolo's ``QueryString`` reads them (``{{`` and ``}}`` are braces)."""
    parts, number = [], 0
    for literal, field, _spec, _conversion in Formatter().parse(sql):
        parts.append(literal)
        if field is not None:
            number += 1
            parts.append(f"${number}" if engine_type == "postgres" else "?")
    return "".join(parts)


def placeholders(values: Collection[object]) -> str:
    """``{}, {}, …``: one placeholder per value, for a plain statement's ``IN (…)``."""
    return ", ".join("{}" for _ in values)


def chunks(ids: Iterable[int], size: int = 5000) -> Iterator[list[int]]:
    """``ids`` in lists short enough for any engine's limit on bound parameters (SQLite's is
    32,766; asyncpg's 32,767), for a plain statement's ``IN (…)``."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def plain_objects(table: type[T], clauses: str, *values: object) -> list[T]:
    """The ``table`` instances whose rows ``clauses`` pick (``WHERE … ORDER BY …``, values as
    ``{}``), read by one plain statement: what ``table.objects().where(…)`` returns, without
    its query building (see "hot paths" above)."""
    name = table._meta.tablename
    rows = await fetch(table, f'SELECT {column_list(table)} FROM "{name}" {clauses}', *values)  # noqa: S608 (placeholders only)
    return [row_of(table, row) for row in rows]


def row_of(table: type[Table], row: dict[str, Any], prefix: str = "") -> Any:
    """A ``table`` instance of a plain SELECT's row of all its columns (named with ``prefix``),
    as Piccolo's own queries return it.

    Made as ``Table.__init__`` leaves an instance (its columns' values, ``_exists_in_db`` and
    ``_was_created``) without its per-column work, which costs 15 µs a row, more than the
    statement that read it; ``tests/core/test_hot_sql.py`` holds the two equal."""
    if prefix:
        row = {name[len(prefix) :]: value for name, value in row.items() if name.startswith(prefix)}
    instance = table.__new__(table)
    instance.__dict__.update(row)
    instance._exists_in_db = True
    instance._was_created = None
    return instance
