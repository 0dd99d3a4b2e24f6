"""Group commit: requests arriving while a round runs make the next round together."""

from __future__ import annotations

import asyncio

import pytest

from lab.core.batching import Batcher


async def test_requests_arriving_together_are_one_round_and_each_gets_its_own_answer():
    rounds: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        rounds.append(items)
        await asyncio.sleep(0)  # a statement's wait: others arrive meanwhile
        return [item * 10 for item in items]

    batcher: Batcher[int, int] = Batcher(run)
    assert await batcher.submit(1) == 10  # alone: a round of one, at once
    answers = await asyncio.gather(*(batcher.submit(n) for n in range(2, 9)))
    assert answers == [n * 10 for n in range(2, 9)]
    assert rounds == [[1], [2, 3, 4, 5, 6, 7, 8]]


async def test_a_round_takes_at_most_its_share_and_the_rest_make_the_next():
    rounds: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        rounds.append(items)
        return items

    batcher: Batcher[int, int] = Batcher(run, most=3)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(7))) == list(range(7))
    assert rounds == [[0, 1, 2], [3, 4, 5], [6]]


async def test_a_round_that_fails_fails_its_own_requests_only():
    async def run(items: list[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("this round failed")
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(run, most=2)
    answers = await asyncio.gather(
        *(batcher.submit(item) for item in ["bad", "a", "b", "c"]), return_exceptions=True
    )
    assert [type(answer) for answer in answers[:2]] == [ValueError, ValueError]
    assert answers[2:] == ["B", "C"]
    assert await batcher.submit("d") == "D"  # the next round runs as ever


async def test_a_request_that_goes_away_does_not_take_the_others_answers():
    release = asyncio.Event()

    async def run(items: list[int]) -> list[int]:
        await release.wait()
        return items

    batcher: Batcher[int, int] = Batcher(run)
    leaving = asyncio.ensure_future(batcher.submit(1))
    staying = asyncio.ensure_future(batcher.submit(2))
    await asyncio.sleep(0)
    leaving.cancel()
    release.set()
    assert await staying == 2
    with pytest.raises(asyncio.CancelledError):
        await leaving
