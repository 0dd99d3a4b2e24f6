"""Failure counts (logins, wrong codes) are counted atomically: failures arriving at once all
count, in one process's memory and in Redis shared by workers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from lab.core import counters
from tests.conftest import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if not REDIS_URL:
        pytest.skip("LAB_TEST_REDIS_URL is not set: Redis tests skipped")
    # Keys of this test's own: the Redis database may hold other runs' keys.
    shared = RedisStore.with_client(url=REDIS_URL, namespace=f"lab-test-{uuid.uuid4().hex}")
    yield shared
    await shared.delete_all()
    await shared._redis.aclose()


async def test_failures_at_once_all_count(store):
    counts = await asyncio.gather(*(counters.increment(store, "k", 60) for _ in range(25)))
    assert sorted(counts) == list(range(1, 26))
    assert await counters.value(store, "k") == 25


async def test_a_count_starts_at_zero_ends_when_reset_and_keeps_its_lifetime(store):
    assert await counters.value(store, "k") == 0
    assert await counters.increment(store, "k", 60) == 1
    assert 0 < await store.expires_in("k") <= 60
    await counters.reset(store, "k")
    assert await counters.value(store, "k") == 0
    assert await counters.increment(store, "k", 60) == 1


async def test_an_expired_count_starts_again(store):
    assert await counters.increment(store, "k", 1) == 1
    await asyncio.sleep(1.1)
    assert await counters.value(store, "k") == 0
    assert await counters.increment(store, "k", 60) == 1
