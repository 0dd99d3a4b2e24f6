"""Count the SQL statements the app runs, to hold pages and endpoints to a query budget.

Piccolo sends every statement through its engine's ``run_querystring`` (queries built with the
ORM and raw ones alike) or ``run_ddl``, lab's hot paths through the engine's ``run_plain``
(``lab.core.db.fetch``), and the embedded engine its long reads through ``_read_aside``
(``lab.core.db.fetch_aside``, in a worker thread). Engines declare ``__slots__``, so those
methods cannot be replaced on the instance: for the time of the count the engine's class is
swapped for a subclass of it whose four methods count, then call the real ones. Nothing is
faked: every statement still runs and returns its rows, and ``isinstance`` checks keep their
answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from lab.accounts.tables import Site


@dataclass
class Statements:
    """What ran while counting: how many statements, and their text when asked for."""

    keep_text: bool = True
    count: int = 0
    status: int | None = None  # the answer's status, for a caller counting one request
    texts: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, text: str) -> None:
        # The test client runs the app on its own thread: one statement at a time is counted.
        with self._lock:
            self.count += 1
            if self.keep_text:
                self.texts.append(" ".join(text.split()))

    def listing(self) -> str:
        """The statements, numbered, one a line: what a failed budget shows."""
        return "\n".join(
            f"  {number:3d}. {text[:400]}" for number, text in enumerate(self.texts, 1)
        )


def statement_text(sql: str, values) -> str:
    """A plain statement as a listing shows it: in the driver's form, then its values."""
    return f"{sql} -- {list(values)!r}" if values else sql


def bound_engine() -> Engine:
    """The engine lab's tables are bound to (the app's and the tests' both)."""
    return Site._meta.db


def _counting_class(real: type[Engine], statements: Statements) -> type[Engine]:
    class Counting(real):  # type: ignore[misc, valid-type]
        __slots__ = ()  # the same layout as ``real``: the instance's class can be swapped

        # Whatever the caller passes goes through unchanged (engines differ in their defaults).
        async def run_querystring(self, querystring: QueryString, *args, **kwargs):
            statements.add(str(querystring))
            return await super().run_querystring(querystring, *args, **kwargs)

        async def run_plain(self, sql: str, args):
            statements.add(statement_text(sql, args))
            return await super().run_plain(sql, args)

        async def run_ddl(self, ddl: str, *args, **kwargs):
            statements.add(ddl)
            return await super().run_ddl(ddl, *args, **kwargs)

        # The embedded engine's long reads, in a worker thread (``run_plain_aside``).
        def _read_aside(self, sql: str, args):
            statements.add(statement_text(sql, args))
            return super()._read_aside(sql, args)

    Counting.__name__ = Counting.__qualname__ = f"Counting{real.__name__}"
    return Counting


@contextmanager
def count_statements(
    engine: Engine | None = None, *, keep_text: bool = True
) -> Iterator[Statements]:
    """Count every statement ``engine`` (by default the tables' engine) runs inside the block."""
    engine = engine if engine is not None else bound_engine()
    statements = Statements(keep_text=keep_text)
    real = type(engine)
    engine.__class__ = _counting_class(real, statements)
    try:
        yield statements
    finally:
        engine.__class__ = real
