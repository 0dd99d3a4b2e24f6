"""The PostgreSQL engine: Piccolo's, with a transaction that always lets go of its connection.

Piccolo's ``PostgresTransaction`` ends by rolling back (or committing), then releasing its
connection and forgetting itself as the task's current transaction. When the connection has
been dropped under a statement (the server restarted, a proxy or a failover cut it), the
rollback raises, and neither of the two others happens: the task keeps a dead transaction as
its current one, so every later statement of that task, and every ``write_transaction`` (which
joins the current one), goes to a connection that no longer exists. A request's task ends
with the request, but a periodic job (retention, reminders, the outbox) runs in one task for
the life of the process, and would fail every round until a restart.

Here the end of a transaction releases the connection and resets the task's current
transaction whatever happens; a rollback that cannot reach the server is skipped (the server
rolls back an open transaction whose connection is gone), so the error the caller sees is the
one that broke the transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

# What a rollback on a connection that is already gone raises.
_GONE = (asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError, OSError)


class LabPostgresTransaction(PostgresTransaction):
    __slots__ = ()

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._let_go()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    with contextlib.suppress(*_GONE):
                        await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            try:
                await self._let_go()
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None

    async def _let_go(self) -> None:
        """Give the connection back (to the pool, or close it); one already gone is let be."""
        with contextlib.suppress(*_GONE):
            if self.engine.pool:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()


class LabPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with ``LabPostgresTransaction``, and ``run_plain`` for the
    hot paths' plain statements."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return LabPostgresTransaction(engine=self, allow_nested=allow_nested)

    async def run_plain(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """Run one statement already in the driver's form (``$1``…), on the transaction's
        connection or a pooled one, and return its rows as dicts: what ``run_querystring``
        does for a ``Table.raw`` query, without building a query object first
        (``lab.core.db.fetch``)."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            rows = await transaction.connection.fetch(sql, *args)
        elif self.pool is not None:
            async with self.pool.acquire() as connection:
                rows = await connection.fetch(sql, *args)
        else:
            rows = await self._run_in_new_connection(sql, args)
        return [dict(row) for row in rows]
