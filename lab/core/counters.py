"""Counts kept in the app's store (failed logins, wrong codes), counted atomically.

Reading a count and writing it back plus one loses counts when two requests fail at once: on
Redis, several workers would each write "3" where two failures made it 4, and a guesser would
get more tries than the limit. Here an increment is one atomic step: INCR and EXPIRE in one
Redis transaction, or a read and write under the memory store's own lock (one process).

Each failure restarts the count's lifetime: it ends ``expires_in`` seconds after the last one.
"""

from __future__ import annotations

from litestar.stores.base import StorageObject, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore


async def value(store: Store, key: str) -> int:
    raw = await store.get(key)
    return int(raw) if raw else 0


async def increment(store: Store, key: str, expires_in: int) -> int:
    """Add one to the count under ``key`` and return the new count."""
    if isinstance(store, RedisStore):
        name = store._make_key(key)  # the key store.get and store.delete read
        async with store._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, expires_in)
            count, _ = await pipe.execute()
        return int(count)
    if isinstance(store, MemoryStore):
        async with store._lock:
            item = store._store.get(key)
            count = 1 if item is None or item.expired else int(item.data) + 1
            store._store[key] = StorageObject.new(data=str(count).encode(), expires_in=expires_in)
        return count
    raise TypeError(f"no atomic count on {type(store).__name__}: use Redis or memory")


async def reset(store: Store, key: str) -> None:
    await store.delete(key)
