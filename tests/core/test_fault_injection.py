"""Fault injection: a multi-step operation that fails at any of its statements leaves the
database as it was, on both engines (see ``tests/faults.py`` for how a statement is made to
fail: an error, or the connection dropped under it).

Each test first runs the operation once, counting its statements (N); then, for each step
k in 1..N and each kind of fault, it sets up the same state, fails statement k, and compares a
snapshot of every lab table (full rows) with the one taken before. Last, the operation runs
for real and succeeds: the engine gives a working connection again after the faults.

A fault can also hit a statement that runs *after* the operation's commit, where the design
says so: the messages a change holds in its transaction are written after it
(``lab.workshops.messages``), and attendance's followers run after the check-in
(``lab.attendance.hooks``). There the operation has succeeded and stays whole: the test
checks the committed change is all there (the held message is still in the outbox, for
``send_stale`` to write).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from lab import retention as every
from lab.accounts import visitors
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import db
from lab.core.tables import AuditLog, Outbox
from lab.kiosk.services import KioskScanRefused, check_in_at_kiosk
from lab.kiosk.tables import ScanReview
from lab.piccolo_app import APP_CONFIG
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment
from tests.bookings.factories import TUESDAY, at, freeze
from tests.faults import KINDS, failure_types, inject
from tests.kiosk.helpers import paired_device
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture
async def pooled(engine):
    """The engine with its connection pool open (PostgreSQL), as the app runs it: a dropped
    connection must not leave the pool without working ones."""
    opened = await db.start(engine)
    yield engine
    if opened:
        await db.stop(engine)


async def snapshot() -> dict[str, list[dict]]:
    """Every row of every lab table, in primary-key order."""
    tables = {}
    for table in APP_CONFIG.table_classes:
        name = table._meta.tablename
        tables[name] = await table.raw(f'SELECT * FROM "{name}" ORDER BY 1')
    return tables


def changed(before: dict, after: dict) -> dict[str, tuple[list, list]]:
    """The tables whose rows differ, with their rows before and after (for a failure's text)."""
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


async def attempt(engine, step: int, kind: str, operation, *args):
    """Run ``operation(*args)`` with statement ``step`` failing with ``kind``: (succeeded,
    result)."""
    with inject(step, kind, engine) as injection:
        try:
            result = await operation(*args)
        except failure_types(engine):
            assert injection.fired, "the operation failed without the injected fault"
            return False, None
    return True, result


# ---- Cancel and promote ---------------------------------------------------------------------


async def _waitlisted_module(cast):
    """A module of one seat: Awa's seat taken, two people waiting; the first has an e-mail
    address, so a promotion writes them a message."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=1)
    suffix = uuid.uuid4().hex[:6]
    seated = await make_visitor(cast.saint_denis, "Inès", f"Assise{suffix}")
    first = await make_visitor(
        cast.saint_denis, "Théo", f"Premier{suffix}", email=f"theo{suffix}@example.org"
    )
    second = await make_visitor(cast.saint_denis, "Lina", f"Second{suffix}")
    seat = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=seated.id))
    for visitor in (first, second):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
    return awa, seat


async def _statuses(module_id: int) -> list[str]:
    rows = (
        await Enrolment.select(Enrolment.status)
        .where(Enrolment.module == module_id)
        .order_by(Enrolment.id)
    )
    return [row["status"] for row in rows]


async def test_cancel_and_promote_is_all_or_nothing_at_every_statement(cast, pooled):
    awa, seat = await _waitlisted_module(cast)
    with inject(engine=pooled) as counted:
        await enrolment.cancel(awa, seat.id)
    steps = counted.count
    assert steps >= 8, counted.listing()
    # What becomes of the promotion's message (written, or dropped for want of consent).
    written = await _promotion_message(seat.module)

    for kind in KINDS:
        for step in range(1, steps + 1):
            awa, seat = await _waitlisted_module(cast)
            before = await snapshot()
            succeeded, _ = await attempt(pooled, step, kind, enrolment.cancel, awa, seat.id)
            after = await snapshot()
            if not succeeded:
                assert after == before, (kind, step, changed(before, after))
                continue
            # Only the messages' writing comes after the commit: the change is whole, and
            # the promotion's message is as without the fault, or still held for send_stale.
            assert await _statuses(seat.module) == ["cancelled", "enrolled", "waitlisted"]
            assert await _promotion_message(seat.module) in ("held", written), (kind, step)

    awa, seat = await _waitlisted_module(cast)
    await enrolment.cancel(awa, seat.id)
    assert await _statuses(seat.module) == ["cancelled", "enrolled", "waitlisted"]


async def _promotion_message(module_id: int) -> str | None:
    """The status of the message telling the promoted visitor (None: there is none)."""
    promoted = await Enrolment.objects().get(
        (Enrolment.module == module_id) & (Enrolment.promoted_at.is_not_null())
    )
    row = await Outbox.objects().get(Outbox.dedupe_key == f"promoted:enrolment:{promoted.id}")
    return row.status if row else None


# ---- The kiosk's offline queue ---------------------------------------------------------------


@dataclasses.dataclass
class Queue:
    """A morning at the lab on its own day (so its session is the only one open): two
    enrolled visitors' scans and one of an unknown card, queued by the tablet while offline."""

    items: list[dict]
    visitors: list[int]
    now: dt.datetime


async def _queue(cast, awa, week: int) -> Queue:
    day = TUESDAY + dt.timedelta(weeks=week + 1)
    freeze(at(10, 5, day=day))
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    await make_session(module, at(10, day=day))
    items, people = [], []
    for first_name in ("Yanis", "Sara"):
        visitor = await make_visitor(cast.saint_denis, first_name, f"Semaine{week}")
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
        card, token = await visitors.reissue_pass(awa, visitor.id)
        code = token if first_name == "Yanis" else card.short_code
        items.append({"code": code, "nonce": str(uuid.uuid4())})
        people.append(visitor.id)
    items.append({"code": "ZZZZ-ZZZZ", "nonce": str(uuid.uuid4())})
    for item in items:
        item.update(client_at=at(9, 58, day=day), sent_at=at(10, 5, day=day), offline=True)
    return Queue(items, people, at(10, 5, day=day))


async def _send(tablet, item: dict) -> tuple[str, str]:
    """Send one queued item as the queue's endpoint does: its answer, or its refusal's code."""
    try:
        answer = await check_in_at_kiosk(tablet, **item)
    except KioskScanRefused as refused:
        return "refused", refused.code
    return answer.outcome, answer.first_name


def _repeated(answer: tuple[str, str]) -> tuple[str, str]:
    """What a repeat of an item answers: the first answer, as a duplicate when accepted."""
    return ("duplicate", answer[1]) if answer[0] == "accepted" else answer


async def test_the_offline_queue_is_all_or_nothing_per_item_and_safe_to_replay(cast, pooled):
    """The tablet's queue is not one batch: it sends its items one at a time, in order, and
    drops an item only on a definitive answer (kiosk/web/queue.js), so that one refused scan
    never loses the others. What must hold is therefore per item:

    - each item is all-or-nothing: a fault at any statement of its check-in leaves the
      database exactly as before that item (no journal entry without its presence, no
      presence without its journal entry, no refusal journaled without its audit entry);
    - the queue is safe to replay: after a fault the tablet keeps the item and sends it again
      (the same nonce), and it then gets the answer it would have had, once; an item whose
      answer was lost after its commit is answered as a duplicate, never counted twice.

    Last, the whole queue sent again changes nothing but the journal, which records each
    repeat as a duplicate."""
    awa = await cast.principal("awa")
    tablet = await paired_device(cast)
    week = 0
    queue = await _queue(cast, awa, week)
    steps, expected = [], []
    for item in queue.items:
        with inject(engine=pooled) as counted:
            expected.append(await _send(tablet, item))
        steps.append(counted.count)
    assert [answer[0] for answer in expected] == ["accepted", "accepted", "refused"]

    for kind in KINDS:
        for index, item in enumerate(queue.items):
            for step in range(1, steps[index] + 1):
                week += 1
                queue = await _queue(cast, awa, week)
                item = queue.items[index]
                for earlier in queue.items[:index]:
                    await _send(tablet, earlier)
                before = await snapshot()
                succeeded, answer = await attempt(pooled, step, kind, _send, tablet, item)
                after = await snapshot()
                if succeeded:  # the fault hit a follower, after the commit
                    assert answer == expected[index], (kind, index, step)
                else:
                    assert after == before, (kind, index, step, changed(before, after))
                # The queue kept the item (or lost its answer) and sends it again.
                again = await _send(tablet, item)
                assert again == (_repeated(expected[index]) if succeeded else expected[index])
                assert await _presences(queue) == sum(
                    1 for answer in expected[: index + 1] if answer[0] == "accepted"
                ), (kind, index, step)
                assert await _refusals_audited(queue) == (1 if index == 2 else 0)

    # After the faults, a whole morning's queue goes through, and replaying it changes nothing
    # but the journal's record of the repeats.
    week += 1
    queue = await _queue(cast, awa, week)
    assert [await _send(tablet, item) for item in queue.items] == expected
    before = await snapshot()
    assert [await _send(tablet, item) for item in queue.items] == [
        _repeated(answer) for answer in expected
    ]
    after = await snapshot()
    assert set(changed(before, after)) == {"scan_event"}
    added = after["scan_event"][len(before["scan_event"]) :]
    assert after["scan_event"][: len(before["scan_event"])] == before["scan_event"]
    assert [row["outcome"] for row in added] == ["duplicate"] * 3


async def _presences(queue: Queue) -> int:
    return await Attendance.count().where(Attendance.visitor.is_in(queue.visitors))


async def _refusals_audited(queue: Queue) -> int:
    """Audit entries of the unknown card's refusal (the only refusal of the queue's day)."""
    return await AuditLog.count().where(
        (AuditLog.action == "kiosk.checkin_refused") & (AuditLog.at == queue.now)
    )


# ---- Retention --------------------------------------------------------------------------------

BATCH = 2
RETAINED = ("audit_log", "scan_event", "kiosk_scan_review", "outbox")


async def _backlog(round_: int) -> dict[str, set[int]]:
    """Three rows past their period in each category (one old scan with its review), beside
    the recent rows already there: the ids retention must delete, per table."""
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    due: dict[str, set[int]] = {name: set() for name in RETAINED}
    for n in range(3):
        due["audit_log"].add(
            await db.insert_row(
                AuditLog, at=old, actor_kind="system", action=f"test.old{round_}.{n}", data="{}"
            )
        )
        scan = await db.insert_row(
            ScanEvent,
            nonce=f"old-{round_}-{n}-{uuid.uuid4().hex[:8]}",
            method="kiosk_scan",
            received_at=old,
            outcome="refused",
            reason="unknown_pass",
            offline=True,
        )
        due["scan_event"].add(scan)
        if n == 0:
            due["kiosk_scan_review"].add(
                await db.insert_row(
                    ScanReview, scan_event=scan, resolution="dismissed", note="", resolved_at=old
                )
            )
        due["outbox"].add(
            await db.insert_row(
                Outbox,
                kind="test",
                recipient="someone@example.org",
                subject="s",
                body="b",
                ics="",
                status="sent",
                attempts=1,
                next_attempt_at=old,
                created_at=old,
                sent_at=old,
                last_error="",
            )
        )
    return due


def _kept(before: dict, due: dict[str, set[int]]) -> dict:
    """``before`` without the rows retention deletes."""
    return {
        name: [row for row in rows if row["id"] not in due.get(name, set())]
        for name, rows in before.items()
    }


async def test_a_retention_run_deletes_whole_batches_whatever_the_fault(cast, pooled):
    """Retention deletes in batches, each in its own transaction (lab.core.retention), so that
    a large backlog never holds the write lock for long; the unit that is all-or-nothing is
    the batch. A fault at any statement of a run leaves every row either as it was or deleted
    with its whole batch (its review with its scan), never a row half-changed or a batch
    half-deleted, and nothing outside what retention deletes is touched; the run reports the
    failure; the next run finishes the work."""
    due = await _backlog(0)
    with inject(engine=pooled) as counted:
        counts = await every.apply_retention(batch=BATCH)
    assert (counts["audit"], counts["journal"], counts["outbox"]) == (3, 3, 3), counts
    steps = counted.count

    round_ = 0
    for kind in KINDS:
        for step in range(1, steps + 1):
            round_ += 1
            due = await _backlog(round_)
            before = await snapshot()
            with inject(step, kind, pooled) as injection:
                with pytest.raises(failure_types(pooled)):
                    await every.apply_retention(batch=BATCH)
            assert injection.fired
            after = await snapshot()
            unchanged = set(before) - set(RETAINED)
            assert {name: after[name] for name in unchanged} == {
                name: before[name] for name in unchanged
            }, (kind, step)
            for name in RETAINED:
                left = {row["id"] for row in after[name]}
                # What is left is as it was, and only rows due for deletion are gone…
                assert [row for row in before[name] if row["id"] in left] == after[name]
                gone = {row["id"] for row in before[name]} - left
                assert gone <= due[name], (kind, step, name)
            # …in whole batches (a scan's review goes with it).
            for name in ("audit_log", "scan_event", "outbox"):
                gone = len(due[name] - {row["id"] for row in after[name]})
                assert gone in (0, BATCH, len(due[name])), (kind, step, name, gone)
            scans_left = {row["id"] for row in after["scan_event"]}
            assert all(row["scan_event"] in scans_left for row in after["kiosk_scan_review"])
            # The next run (the engine gives working connections again) finishes the work.
            await every.apply_retention(batch=BATCH)
            assert await snapshot() == _kept(before, due), (kind, step)
