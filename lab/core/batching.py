"""Group commit: what many requests ask for at once, done by one round of statements.

While one round runs, the requests that arrive wait in a queue; when it ends, all of them are
the next round. Nothing waits for a timer: a request alone is a round of one, at once, and
under load each round takes whoever came during the one before, so the statements (and the
commit) a request costs are shared by more requests the busier it is. A kiosk check-in uses
it: on a busy morning, dozens of scans become one transaction of a dozen statements.

Each event loop has its own queue (a database connection belongs to one loop). A round runs
in a task of its own, so a request that goes away does not take the others' answers with it.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Queue:
    __slots__ = ("task", "waiting")

    def __init__(self) -> None:
        self.waiting: list[tuple[object, asyncio.Future]] = []
        self.task: asyncio.Task | None = None


class Batcher(Generic[Item, Result]):
    """``await batcher.submit(item)`` answers what ``run(items)`` returned for ``item``;
    ``run`` gets at most ``most`` items a round and returns one result per item, in order.
    If ``run`` raises, every item of that round gets the error."""

    def __init__(
        self, run: Callable[[list[Item]], Awaitable[list[Result]]], *, most: int = 64
    ) -> None:
        self._run = run
        self._most = most
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future = loop.create_future()
        queue.waiting.append((item, future))
        if queue.task is None:
            # In a context of its own: a round is no one request's (not inside its
            # transaction, not in its language).
            queue.task = loop.create_task(self._drain(queue), context=contextvars.Context())
        return await future

    async def _drain(self, queue: _Queue) -> None:
        try:
            while queue.waiting:
                round_ = queue.waiting[: self._most]
                del queue.waiting[: self._most]
                try:
                    results = await self._run([item for item, _future in round_])
                except Exception as error:
                    for _item, future in round_:
                        if not future.done():
                            future.set_exception(error)
                    continue
                except BaseException:  # cancelled: the loop is going away
                    for _item, future in round_:
                        future.cancel()
                    raise
                for (_item, future), result in zip(round_, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            queue.task = None
            for _item, future in queue.waiting:  # only when the loop itself is going away
                if not future.done():
                    future.cancel()
            queue.waiting.clear()
