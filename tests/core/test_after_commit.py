"""A live event published inside a write transaction goes out once it has committed, and not
at all when it rolls back: a page must not show a change that never happened."""

from __future__ import annotations

import pytest

from lab.core import db, events
from lab.core.tables import AuditLog


@pytest.fixture
def sent():
    received: list[tuple[str, str]] = []
    events.plug(lambda channel, data: received.append((channel, data)))
    yield received
    events.plug(None)


async def test_an_event_inside_a_transaction_waits_for_the_commit(engine, sent):
    async with db.write_transaction(engine):
        events.publish("site:1", {"kind": "opened"})
        async with db.write_transaction(engine):  # a service joining its caller's transaction
            events.publish("site:1", {"kind": "ended"})
        assert sent == []
    assert [channel for channel, _ in sent] == ["site:1", "site:1"]
    assert '"opened"' in sent[0][1] and '"ended"' in sent[1][1]


async def test_an_event_of_a_transaction_that_rolls_back_is_never_sent(engine, sent):
    with pytest.raises(RuntimeError):
        async with db.write_transaction(engine):
            await AuditLog.count()
            events.publish("site:1", {"kind": "opened"})
            raise RuntimeError("the change fails")
    assert sent == []
    events.publish("site:1", {"kind": "outside"})  # no transaction: at once
    assert len(sent) == 1
