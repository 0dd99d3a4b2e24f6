"""The embedded engine: Piccolo's SQLite engine on kept-open connections.

Piccolo's stock ``SQLiteEngine`` opens a new connection (and, through aiosqlite, a new thread)
for every statement, and switches foreign keys on again before each one: about 2 ms a
statement where a kept-open connection takes microseconds. For a lab that is the difference
between a check-in that feels instant on a busy morning and a queue at the tablet.

``FastSQLiteEngine`` keeps Piccolo's interface (tables, queries and migrations are unchanged)
and changes how statements reach SQLite:

- Each event loop has two kept-open connections: one for statements outside a transaction
  (autocommit), one for transactions. Statements run on the loop's thread, without a thread
  hop: on a kept-open connection a lab statement takes tens of microseconds, less than handing
  it to a thread would.
- Write-ahead logging with ``synchronous=NORMAL``: a commit is durable once the log is synced
  at a checkpoint, and a power cut can lose only the last commits, never corrupt the file.
- Transactions of one process take turns (an ``asyncio.Lock`` per loop); so do writes outside
  a transaction, which would otherwise wait for the open transaction's write lock. Reads never
  wait: in WAL mode they read the last committed state while a transaction writes.
- Another process holding the write lock (a second worker, the command line) makes SQLite
  answer "busy". Waiting in SQLite's own busy handler would block the event loop, so the busy
  timeout is applied here instead: the engine sleeps asynchronously and tries again, for up to
  ``busy_timeout`` seconds. A transaction meets this only at ``BEGIN``: write transactions are
  ``BEGIN IMMEDIATE``, which takes the write lock up front or not at all.
- Checkpoints (copying the log back into the database file, with a sync) run in a worker
  thread every ``CHECKPOINT_EVERY`` writes, never inside a commit on the event loop: SQLite's
  automatic checkpoint would stall every request of the process for its sync.
- Long reads (``run_plain_aside``: the reports' statements, which over a network's year scan
  hundreds of thousands of rows) run in a worker thread on a third connection. sqlite3 lets go
  of the interpreter while SQLite works, so the event loop goes on serving the kiosks instead
  of waiting up to a second for one report's statement; a short read pays about 0.1 ms for
  the hop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import anyio
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.querystring import QueryString

log = logging.getLogger(__name__)

# Statements that only read run without waiting for this process's writers.
_READS = ("SELECT", "VALUES", "EXPLAIN")
# Writes (commits) between two checkpoints; SQLite's own default is about 1,000 pages.
CHECKPOINT_EVERY = 500
# The engine returns inserted ids with INSERT … RETURNING (SQLite 3.35, 2021).
OLDEST_SQLITE = (3, 35)


def _is_read(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_READS)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "locked" in message or "busy" in message


class _Connection:
    """A kept-open sqlite3 connection with Piccolo's pragmas and the async retry on "busy".

    ``execute`` is a coroutine for Piccolo's savepoints, which await it."""

    def __init__(self, engine: FastSQLiteEngine) -> None:
        self.busy_timeout = engine.busy_timeout
        kwargs = {**engine.connection_kwargs, "check_same_thread": False}
        kwargs.pop("timeout", None)
        self.raw = sqlite3.connect(**kwargs, timeout=0)
        self.raw.row_factory = dict_factory
        self.raw.execute("PRAGMA foreign_keys = ON")
        self.raw.execute("PRAGMA synchronous = NORMAL")
        self.raw.execute("PRAGMA busy_timeout = 0")
        # The engine checkpoints in a thread instead (see the module's docstring).
        self.raw.execute("PRAGMA wal_autocheckpoint = 0")

    def run(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.raw.execute(sql, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def _pauses(self) -> Iterator[float]:
        """The pauses between tries while another process holds the write lock: doubling
        from 1 ms to 50 ms, until ``busy_timeout`` has passed."""
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.001
        while time.monotonic() <= deadline:
            yield pause
            pause = min(pause * 2, 0.05)

    def _try(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]] | None:
        """The statement's rows, or None when another process holds the write lock."""
        try:
            return self.run(sql, args)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
            return None

    async def run_when_free(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run ``sql``; while another process holds the write lock, wait and try again."""
        for pause in self._pauses():
            if (rows := self._try(sql, args)) is not None:
                return rows
            await asyncio.sleep(pause)
        return self.run(sql, args)  # the last try: "busy" now goes to the caller

    def run_waiting(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """``run_when_free`` for a worker thread, where waiting may block."""
        for pause in self._pauses():
            if (rows := self._try(sql, args)) is not None:
                return rows
            time.sleep(pause)
        return self.run(sql, args)

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.run(sql, args)

    @property
    def alive(self) -> bool:
        """False once the connection is closed (under a statement, by a fault): SQLite has
        then discarded its open transaction, and the loop opens a new connection."""
        try:
            self.raw.total_changes  # noqa: B018 (raises on a closed connection)
        except sqlite3.ProgrammingError:
            return False
        return True

    def close(self) -> None:
        self.raw.close()


class _LoopState:
    """One event loop's connections and the lock its transactions take turns with."""

    def __init__(self, engine: FastSQLiteEngine) -> None:
        self.engine = engine
        self.autocommit = _Connection(engine)
        self.in_transaction = _Connection(engine)
        self.turn = asyncio.Lock()

    def transaction_connection(self) -> _Connection:
        # A connection closed under an earlier statement is replaced, not kept failing.
        if not self.in_transaction.alive:
            self.in_transaction = _Connection(self.engine)
        return self.in_transaction

    def autocommit_connection(self) -> _Connection:
        if not self.autocommit.alive:
            self.autocommit = _Connection(self.engine)
        return self.autocommit

    def close(self) -> None:
        self.autocommit.close()
        self.in_transaction.close()


class FastSQLiteTransaction(SQLiteTransaction):
    """Piccolo's transaction on the loop's kept-open transaction connection, one at a time."""

    engine: FastSQLiteEngine

    async def __aenter__(self) -> FastSQLiteTransaction:
        if self._parent is not None:
            return self._parent
        state = self.engine._state()
        await state.turn.acquire()
        try:
            self.connection = state.transaction_connection()
            await self.connection.run_when_free(f"BEGIN {self.transaction_type.value}")
        except BaseException:
            state.turn.release()
            raise
        self._turn = state.turn
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None:
                # A closed connection has nothing left to roll back.
                if not self._rolled_back and self.connection.alive:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self._turn.release()
        self.engine._wrote()
        return exception is None


class FastSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine on kept-open connections (see the module's docstring)."""

    def __init__(self, path: str, *, busy_timeout: float = 30.0, **connection_kwargs: Any):
        if sqlite3.sqlite_version_info < OLDEST_SQLITE:
            raise RuntimeError(
                f"lab needs SQLite {'.'.join(map(str, OLDEST_SQLITE))} or newer; this Python "
                f"has {sqlite3.sqlite_version}. Use PostgreSQL or a newer Python build."
            )
        super().__init__(path=path, **connection_kwargs)
        self.busy_timeout = busy_timeout
        self._writes = 0
        self._checkpointing = False
        # By the loop's id: a loop may not accept weak references (uvloop's does not).
        self._states: dict[int, tuple[asyncio.AbstractEventLoop, _LoopState]] = {}
        # The long reads' connection, used by one worker thread at a time.
        self._aside: _Connection | None = None
        self._aside_lock = threading.Lock()

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        entry = self._states.get(id(loop))
        if entry is None or entry[0] is not loop:
            self._forget_closed_loops()
            entry = self._states[id(loop)] = (loop, _LoopState(self))
        return entry[1]

    def _forget_closed_loops(self) -> None:
        for key, (loop, state) in list(self._states.items()):
            if loop.is_closed():
                state.close()
                del self._states[key]

    def _wrote(self) -> None:
        """Count a write; every ``CHECKPOINT_EVERY``, checkpoint in a worker thread."""
        self._writes += 1
        if self._writes >= CHECKPOINT_EVERY and not self._checkpointing:
            self._writes = 0
            self._checkpointing = True
            task = asyncio.get_running_loop().run_in_executor(None, self._checkpoint)
            task.add_done_callback(self._checkpointed)

    def _checkpoint(self) -> None:
        # Its own connection, in the worker thread. PASSIVE copies what no reader still needs
        # and never waits for the writers, which go on meanwhile.
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()

    def _checkpointed(self, task: asyncio.Future) -> None:
        self._checkpointing = False
        if not task.cancelled() and task.exception() is not None:
            log.warning("SQLite checkpoint failed: %s", task.exception())

    def close_connections(self) -> None:
        """Close the running loop's connections (the server's shutdown); the next statement
        opens new ones."""
        entry = self._states.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            entry[1].close()
        self._forget_closed_loops()
        with self._aside_lock:
            if self._aside is not None:
                self._aside.close()
                self._aside = None

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> FastSQLiteTransaction:
        return FastSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run(query, args, querystring.query_type, querystring.table)

    async def run_plain(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """Run one statement already in the driver's form (``?``), its rows as dicts: what
        ``run_querystring`` does, without a query object (``lab.core.db.fetch``)."""
        return await self._run(sql, args, "", None)

    async def run_plain_aside(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """``run_plain`` for a read that may take long, in a worker thread (see the module's
        docstring). In a transaction it runs on the transaction's connection, as any statement:
        it must see what the transaction wrote."""
        if self.current_transaction.get() is not None or not _is_read(sql):
            return await self.run_plain(sql, args)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=sql)
        rows = await anyio.to_thread.run_sync(self._read_aside, sql, args)
        if self.log_responses:
            self.print_response(query_id=self.get_query_id(), response=rows)
        return rows

    def _read_aside(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        with self._aside_lock:
            if self._aside is None or not self._aside.alive:
                self._aside = _Connection(self)
            return self._aside.run_waiting(sql, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False):
        return await self._run(ddl, [], "ddl", None)

    async def _run(self, sql: str, args: list[Any], query_type: str, table: Any) -> list[dict]:
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=sql)
        transaction = self.current_transaction.get()
        if transaction is not None:
            rows = transaction.connection.run(sql, args)
        else:
            state = self._state()
            if _is_read(sql):
                rows = await state.autocommit_connection().run_when_free(sql, args)
            else:
                async with state.turn:
                    rows = await state.autocommit_connection().run_when_free(sql, args)
                self._wrote()
        if self.log_responses:
            self.print_response(query_id=self.get_query_id(), response=rows)
        return rows
