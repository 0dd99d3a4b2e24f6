"""Fault injection at a statement boundary: make the N-th statement of an operation fail.

The hook is the one ``tests/query_count.py`` counts with: every statement lab runs goes
through its engine's ``run_querystring`` (ORM-built and raw alike) or ``run_plain`` (the hot
paths' plain statements, ``lab.core.db.fetch``), so for the time of the block the engine's
class is swapped for a subclass whose two methods count and, at the chosen statement, fail
*before* sending it. Nothing is faked: every other statement runs
on the real engine, in the real transaction, and the failure is what the driver itself raises.

Two kinds of fault:

- ``"error"``: the statement raises, as the database would for a statement it refuses
  (SQLite: ``sqlite3.OperationalError``; PostgreSQL: an asyncpg ``PostgresError``). The
  connection stays usable: what must hold is that the transaction rolls back.
- ``"drop"``: the connection goes away under the statement. SQLite: the connection that
  would run it is closed, so the statement (and the rollback after it) meet a closed
  database; PostgreSQL: its server process is ended with ``pg_terminate_backend`` from
  another connection, so the statement meets a connection the server has hung up. Outside a
  transaction, every connection the engine's pool holds is ended (the statement takes one of
  them); without a pool, Piccolo opens a connection per statement that does not exist yet to
  end, and the statement raises asyncpg's ``ConnectionDoesNotExistError`` as a connection
  lost before its answer does.

Commits and rollbacks do not go through ``run_querystring``: a step is a statement of the
operation, not its ``BEGIN`` or ``COMMIT``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import asyncpg
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from lab.core import db
from tests.query_count import bound_engine, statement_text

Kind = Literal["error", "drop"]
KINDS: tuple[Kind, ...] = ("error", "drop")


class InjectedError(sqlite3.OperationalError):
    """What an ``"error"`` fault raises on SQLite (a subclass, so a test can tell it apart)."""


class InjectedPostgresError(asyncpg.exceptions.InternalServerError):
    """What an ``"error"`` fault raises on PostgreSQL."""


@dataclass
class Injection:
    """One block's plan (fail statement ``step`` with ``kind``; 0: only count) and record."""

    step: int = 0
    kind: Kind = "error"
    count: int = 0
    fired: bool = False
    texts: list[str] = field(default_factory=list)

    def listing(self) -> str:
        return "\n".join(f"  {n:3d}. {text[:300]}" for n, text in enumerate(self.texts, 1))


def failure_types(engine: Engine) -> tuple[type[BaseException], ...]:
    """What an operation may raise when a fault hits it: the drivers' own errors."""
    if db.is_sqlite(engine):
        return (sqlite3.Error,)
    return (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


async def _drop(engine: Engine) -> None:
    transaction = engine.current_transaction.get()
    if db.is_sqlite(engine):
        if transaction is not None:
            transaction.connection.raw.close()
        else:
            engine._state().autocommit.raw.close()
        return
    if transaction is not None:
        pids = [transaction.connection.get_server_pid()]
    elif engine.pool is not None:
        pids = [
            holder._con.get_server_pid()
            for holder in engine.pool._holders
            if holder._con is not None and not holder._con.is_closed()
        ]
    else:
        raise asyncpg.exceptions.ConnectionDoesNotExistError(
            "injected fault: connection was closed in the middle of operation"
        )
    killer = await asyncpg.connect(engine.config["dsn"])
    try:
        for pid in pids:
            # Waits (up to 5 s) until the process has ended: the statement meets a dead socket.
            await killer.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await killer.close()


def _injecting_class(real: type[Engine], injection: Injection) -> type[Engine]:
    class Injecting(real):  # type: ignore[misc, valid-type]
        __slots__ = ()  # the same layout as ``real``: the instance's class can be swapped

        async def run_querystring(self, querystring: QueryString, *args, **kwargs):
            await self._step(str(querystring))
            return await super().run_querystring(querystring, *args, **kwargs)

        async def run_plain(self, sql: str, args):
            await self._step(statement_text(sql, args))
            return await super().run_plain(sql, args)

        async def _step(self, text: str) -> None:
            injection.count += 1
            injection.texts.append(" ".join(text.split()))
            if injection.count == injection.step and not injection.fired:
                injection.fired = True
                await _fire(self, injection)

    Injecting.__name__ = Injecting.__qualname__ = f"Injecting{real.__name__}"
    return Injecting


async def _fire(engine: Engine, injection: Injection) -> None:
    message = f"injected fault ({injection.kind}) at statement {injection.step}"
    if injection.kind == "drop":
        await _drop(engine)  # the statement itself then fails on the dead connection
    elif db.is_sqlite(engine):
        raise InjectedError(message)
    else:
        raise InjectedPostgresError(message)


@contextmanager
def inject(
    step: int = 0, kind: Kind = "error", engine: Engine | None = None
) -> Iterator[Injection]:
    """Inside the block, statement number ``step`` (from 1) of ``engine`` (by default the
    tables' engine) fails with ``kind``; every statement is counted. ``step=0`` only counts."""
    engine = engine if engine is not None else bound_engine()
    injection = Injection(step=step, kind=kind)
    real = type(engine)
    engine.__class__ = _injecting_class(real, injection)
    try:
        yield injection
    finally:
        engine.__class__ = real
