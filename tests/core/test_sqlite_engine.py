"""The embedded engine (lab.core.sqlite): kept-open connections, transactions that take turns,
reads that see only what is committed, another process's write lock waited for without
blocking the event loop, and checkpoints off the loop."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lab.core import sqlite as engine_module
from lab.core.db import write_transaction
from lab.core.sqlite import FastSQLiteEngine


def _database(tmp_path: Path) -> FastSQLiteEngine:
    path = tmp_path / "engine.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    return FastSQLiteEngine(str(path), busy_timeout=5)


async def _run(engine: FastSQLiteEngine, sql: str, *args: object) -> list[dict]:
    return await engine._run(sql, list(args), "generic", None)


@contextlib.asynccontextmanager
async def _ticking() -> AsyncIterator[list[int]]:
    """The event loop's 5 ms ticks while the block runs, counted in ``[ticks]``: a loop held
    still by the block counts none."""
    ticks = [0]

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.005)
            ticks[0] += 1

    beat = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        yield ticks
    finally:
        beat.cancel()


async def test_transactions_of_one_process_take_turns_and_all_commit(tmp_path):
    engine = _database(tmp_path)

    async def add(number: int) -> None:
        async with write_transaction(engine):
            await _run(engine, "INSERT INTO item (name) VALUES (?)", f"item {number}")
            await asyncio.sleep(0)  # another task runs here: it must wait for its turn
            await _run(engine, "INSERT INTO item (name) VALUES (?)", f"item {number} again")

    await asyncio.gather(*(add(number) for number in range(20)))
    [row] = await _run(engine, "SELECT count(*) AS n FROM item")
    assert row["n"] == 40
    engine.close_connections()


async def test_a_read_outside_the_transaction_sees_only_what_is_committed(tmp_path):
    engine = _database(tmp_path)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with write_transaction(engine):
            await _run(engine, "INSERT INTO item (name) VALUES ('uncommitted')")
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await _run(engine, "SELECT name FROM item") == []
    release.set()
    await task
    assert await _run(engine, "SELECT name FROM item") == [{"name": "uncommitted"}]
    engine.close_connections()


async def test_a_failed_transaction_rolls_back_and_frees_the_turn(tmp_path):
    engine = _database(tmp_path)
    with pytest.raises(sqlite3.IntegrityError):
        async with write_transaction(engine):
            await _run(engine, "INSERT INTO item (name) VALUES ('kept?')")
            await _run(engine, "INSERT INTO item (name) VALUES (NULL)")
    async with write_transaction(engine):
        await _run(engine, "INSERT INTO item (name) VALUES ('after')")
    assert await _run(engine, "SELECT name FROM item") == [{"name": "after"}]
    engine.close_connections()


async def test_another_process_holding_the_write_lock_is_waited_for_without_blocking_the_loop(
    tmp_path,
):
    engine = _database(tmp_path)
    other = sqlite3.connect(engine.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO item (name) VALUES ('other process')")

    def commit_later() -> None:
        time.sleep(0.3)
        other.execute("COMMIT")

    threading.Thread(target=commit_later).start()
    async with _ticking() as ticks:
        async with write_transaction(engine):  # BEGIN IMMEDIATE meets "busy" until the commit
            await _run(engine, "INSERT INTO item (name) VALUES ('this process')")
    other.close()
    names = [row["name"] for row in await _run(engine, "SELECT name FROM item ORDER BY id")]
    assert names == ["other process", "this process"]
    assert ticks[0] >= 5, "the event loop stood still while the engine waited"
    engine.close_connections()


async def test_checkpoints_run_in_a_worker_thread_every_so_many_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 10)
    engine = _database(tmp_path)
    threads: list[int] = []
    checkpoint = engine._checkpoint

    def spied() -> None:
        threads.append(threading.get_ident())
        checkpoint()

    monkeypatch.setattr(engine, "_checkpoint", spied)
    for number in range(9):
        await _run(engine, "INSERT INTO item (name) VALUES (?)", str(number))
    assert threads == []
    # SQLite's automatic checkpoint, which would sync inside a commit, is off.
    assert await _run(engine, "PRAGMA wal_autocheckpoint") == [{"wal_autocheckpoint": 0}]
    await _run(engine, "INSERT INTO item (name) VALUES ('tenth')")
    for _ in range(200):  # the worker thread's checkpoint, awaited by polling
        if threads and not engine._checkpointing:
            break
        await asyncio.sleep(0.01)
    assert len(threads) == 1 and threads[0] != threading.get_ident()
    engine.close_connections()


# A read that keeps SQLite busy for a good fraction of a second whatever the data: it counts
# to three million.
_LONG_READ = (
    "SELECT count(*) AS n FROM (WITH RECURSIVE n(i) AS"
    " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT i FROM n)"
)


async def test_a_long_read_aside_leaves_the_event_loop_free(tmp_path):
    engine = _database(tmp_path)
    async with _ticking() as ticks:
        rows = await engine.run_plain_aside(_LONG_READ, ())
    assert rows == [{"n": 3_000_000}]
    assert ticks[0] >= 5, "the event loop stood still during the long read"
    # The same read on the loop's own connection holds the loop: what the reports did before.
    async with _ticking() as ticks:
        rows = await engine.run_plain(_LONG_READ, ())
    assert rows == [{"n": 3_000_000}] and ticks[0] <= 1
    engine.close_connections()
    assert engine._aside is None


async def test_a_read_aside_in_a_transaction_sees_what_the_transaction_wrote(tmp_path):
    engine = _database(tmp_path)
    async with write_transaction(engine):
        await _run(engine, "INSERT INTO item (name) VALUES ('not yet committed')")
        inside = await engine.run_plain_aside("SELECT name FROM item", ())
    assert inside == [{"name": "not yet committed"}]
    # Outside a transaction it reads on its own connection what is committed.
    assert await engine.run_plain_aside("SELECT name FROM item", ()) == inside
    assert engine._aside is not None
    engine.close_connections()
