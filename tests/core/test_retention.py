"""Retention (lab.core.retention): each category keeps a row one day inside its period and
deletes one a day past it, in batches, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from lab import retention as every
from lab.attendance.services import purge_journal
from lab.attendance.tables import ScanEvent
from lab.core import retention
from lab.core.tables import AuditLog, Outbox
from lab.reports import queries
from lab.reports.filters import Filters, Period
from tests.reports import handmade

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


async def _audit(at: dt.datetime) -> None:
    await AuditLog.insert(AuditLog(at=at, actor_kind="system", action="test.retention"))


async def _scan(at: dt.datetime) -> None:
    await ScanEvent.insert(
        ScanEvent(nonce=f"n{at.timestamp()}", method="qr", received_at=at, outcome="accepted")
    )


async def _mail(status: str, created: dt.datetime, sent: dt.datetime | None = None) -> None:
    await Outbox.insert(
        Outbox(
            kind="test",
            recipient="someone@example.org",
            subject="s",
            body="b",
            status=status,
            next_attempt_at=created,
            created_at=created,
            sent_at=sent,
        )
    )


async def test_audit_entries_go_after_twelve_months(engine):
    await _audit(_ago(365 - 1))
    await _audit(_ago(365 + 1))
    assert await retention.purge_audit(NOW) == 1
    assert await AuditLog.count() == 1
    assert await retention.purge_audit(NOW) == 0


async def test_kiosk_scans_go_after_ninety_days(engine):
    await _scan(_ago(90 - 1))
    await _scan(_ago(90 + 1))
    assert await purge_journal(NOW) == 1
    assert await ScanEvent.count() == 1
    assert await purge_journal(NOW) == 0


async def test_sent_mail_goes_thirty_days_after_sending_and_unsent_mail_stays(engine):
    old = _ago(400)
    await _mail("sent", old, sent=_ago(30 - 1))
    await _mail("written", old, sent=_ago(30 + 1))
    await _mail("sent", old, sent=_ago(30 + 1))
    await _mail("failed", _ago(30 + 1))
    await _mail("failed", _ago(30 - 1))
    await _mail("pending", old)
    await _mail("held", old)

    assert await retention.purge_outbox(NOW, dry_run=True) == 3
    assert await Outbox.count() == 7
    assert await retention.purge_outbox(NOW) == 3
    left = await Outbox.select(Outbox.status).order_by(Outbox.status)
    assert [row["status"] for row in left] == ["failed", "held", "pending", "sent"]
    assert await retention.purge_outbox(NOW) == 0


async def test_batches_of_two_delete_all_five_old_messages(engine):
    for _ in range(5):
        await _mail("sent", _ago(100), sent=_ago(100))
    assert await retention.purge_outbox(NOW, batch=2) == 5
    assert await Outbox.count() == 0


async def test_apply_retention_returns_counts_per_category_and_a_second_run_nothing(
    engine, settings, caplog
):
    await _mail("sent", _ago(100), sent=_ago(100))
    await _mail("sent", _ago(1), sent=_ago(1))
    with caplog.at_level("INFO", logger="lab"):
        counts = await every.apply_retention(NOW, settings)
    assert counts == {"audit": 0, "journal": 0, "outbox": 1}
    assert "someone@example.org" not in caplog.text
    assert await every.apply_retention(NOW, settings) == {
        "audit": 0,
        "journal": 0,
        "outbox": 0,
    }


async def test_the_reports_figures_of_a_past_period_do_not_change(cast):
    await handmade.build(cast)
    await _mail("sent", _ago(100), sent=_ago(100))
    sites = (cast.saint_denis.id, cast.brussels.id)
    f = Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=sites,
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )
    before = await queries.dashboard(f, now=NOW)
    # Only the outbox for now: the append-only triggers refuse the other two categories.
    assert await retention.purge_outbox(NOW) == 1
    assert await queries.dashboard(f, now=NOW) == before


async def test_the_database_refuses_to_delete_a_recent_entry_or_change_any(engine):
    """Retention may remove old journal entries; nothing may remove one younger than 30 days
    (by the database's own clock) or change an entry of any age."""
    real_now = dt.datetime.now(dt.UTC)
    await _audit(real_now - dt.timedelta(days=29))
    await _audit(real_now - dt.timedelta(days=31))
    await _scan(real_now - dt.timedelta(days=29))
    await _scan(real_now - dt.timedelta(days=31))
    for table, column in ((AuditLog, "at"), (ScanEvent, "received_at")):
        name = table._meta.tablename
        with pytest.raises(Exception, match="append-only"):
            await table.raw(f"DELETE FROM {name}")
        with pytest.raises(Exception, match="append-only"):
            await table.raw(f"UPDATE {name} SET {column} = {column}")
        await table.raw(
            f"DELETE FROM {name} WHERE {column} < {{}}", real_now - dt.timedelta(days=30)
        )
        assert await table.count() == 1
