"""Retention (lab.core.retention): each category keeps a row one day inside its period and
deletes one a day past it, in batches, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from lab import retention as every
from lab.accounts.erasure import years_before
from lab.accounts.tables import Site, Visitor
from lab.attendance.services import purge_journal
from lab.attendance.tables import ScanEvent, Signature
from lab.core import retention
from lab.core.tables import AuditLog, Outbox
from lab.reports import queries
from lab.reports.filters import Filters, Period
from lab.visits.tables import Visit
from lab.wiring import wire
from lab.workshops.tables import Module, Session
from tests.helpers import login
from tests.personas import make_visitor
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
    assert counts == {"audit": 0, "journal": 0, "outbox": 1, "visitors": 0, "signatures": 0}
    assert "someone@example.org" not in caplog.text
    assert await every.apply_retention(NOW, settings) == {
        "audit": 0,
        "journal": 0,
        "outbox": 0,
        "visitors": 0,
        "signatures": 0,
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


# -- Visitors' records: anonymised 2 years after the last contact, once past 26 (FR) / 25 (BE)


async def _person(site, name: str, *, last_contact: dt.datetime, born: dt.date) -> int:
    """A visitor whose record last changed at ``last_contact``."""
    visitor = await make_visitor(site, name, "Retention", birth_date=born)
    visitor.created_at = visitor.updated_at = last_contact
    await visitor.save()
    return visitor.id


async def _visit(site, visitor_id: int, at: dt.datetime) -> None:
    await Visit(
        site=site.id,
        visitor=visitor_id,
        purpose="free",
        arrived_at=at,
        left_at=at + dt.timedelta(hours=1),
        nonce=f"visit-{visitor_id}-{at.timestamp()}",
        created_at=at,
    ).save()


async def _anonymised(*ids: int) -> list[bool]:
    rows = await Visitor.select(Visitor.id, Visitor.anonymised_at).where(Visitor.id.is_in(ids))
    found = {row["id"]: row["anonymised_at"] is not None for row in rows}
    return [found[visitor_id] for visitor_id in ids]


TWO_YEARS = years_before(NOW, 2)
OLD = dt.date(1990, 1, 1)  # long past the follow-up age


async def test_a_record_is_anonymised_two_years_after_its_last_contact(cast, settings):
    wire(settings)
    sd = cast.saint_denis
    day = dt.timedelta(days=1)
    inside = await _person(sd, "Inside", last_contact=TWO_YEARS + day, born=OLD)
    past = await _person(sd, "Past", last_contact=TWO_YEARS - day, born=OLD)
    # The record is old, but a visit a day inside the period is a contact.
    visited = await _person(sd, "Visited", last_contact=TWO_YEARS - 9 * day, born=OLD)
    await _visit(sd, visited, TWO_YEARS + day)
    came_before = await _person(sd, "Before", last_contact=TWO_YEARS - 9 * day, born=OLD)
    await _visit(sd, came_before, TWO_YEARS - day)

    assert await every.anonymise_visitors(NOW, settings, dry_run=True) == 2
    assert await _anonymised(inside, past, visited, came_before) == [False] * 4
    assert await every.anonymise_visitors(NOW, settings, batch=1) == 2
    assert await _anonymised(inside, past, visited, came_before) == [False, True, False, True]
    erased = await Visitor.objects().get(Visitor.id == past)
    assert (erased.first_name, erased.search_name) == ("", "")
    assert await every.anonymise_visitors(NOW, settings) == 0


async def test_a_record_waits_for_the_follow_up_age_of_its_sites_country(cast, settings):
    wire(settings)
    long_ago = years_before(NOW, 5)
    today = NOW.date()
    day = dt.timedelta(days=1)

    def turns(age: int, on: dt.date) -> dt.date:
        return on.replace(year=on.year - age)

    people = {
        "fr_tomorrow": (cast.saint_denis, turns(26, today + day)),
        "fr_yesterday": (cast.saint_denis, turns(26, today - day)),
        "be_tomorrow": (cast.brussels, turns(25, today + day)),
        "be_yesterday": (cast.brussels, turns(25, today - day)),
    }
    ids = {
        name: await _person(site, name, last_contact=long_ago, born=born)
        for name, (site, born) in people.items()
    }
    assert (await every.apply_retention(NOW, settings))["visitors"] == 2
    assert await _anonymised(*ids.values()) == [False, True, False, True]
    assert (await every.apply_retention(NOW, settings))["visitors"] == 0


async def test_a_sites_own_years_and_follow_up_age_come_before_the_deployments(cast, settings):
    """Saint-Denis keeps records 3 years and follows people to 28; Brussels keeps the
    deployment's 2 years and 25. Each record is judged by its own site's rule, a day either
    side of each threshold."""
    wire(settings)
    day = dt.timedelta(days=1)
    sd, bxl = cast.saint_denis, cast.brussels
    await Site.update({Site.retain_visitor_years: 3, Site.follow_up_age: 28}).where(
        Site.id == sd.id
    )
    three_years = years_before(NOW, 3)
    turns_28_today = years_before(NOW, 28).date()
    ids = [
        await _person(sd, "SdInside", last_contact=three_years + day, born=OLD),
        await _person(sd, "SdPast", last_contact=three_years - day, born=OLD),
        await _person(sd, "SdYoung", last_contact=three_years - day, born=turns_28_today + day),
        await _person(sd, "SdOfAge", last_contact=three_years - day, born=turns_28_today),
        # Two years and a day without a visit: enough in Brussels, not in Saint-Denis.
        await _person(sd, "SdTwoYears", last_contact=TWO_YEARS - day, born=OLD),
        await _person(bxl, "BxlTwoYears", last_contact=TWO_YEARS - day, born=OLD),
        await _person(bxl, "BxlInside", last_contact=TWO_YEARS + day, born=OLD),
    ]
    assert await every.anonymise_visitors(NOW, settings, dry_run=True) == 3
    assert await every.anonymise_visitors(NOW, settings, batch=2) == 3
    assert await _anonymised(*ids) == [False, True, False, True, False, True, False]
    assert await every.anonymise_visitors(NOW, settings) == 0


async def test_an_admin_sets_a_sites_retention_and_a_wrong_value_is_explained(client, cast):
    await login(client, cast.email("camille"))
    site = cast.saint_denis
    form = {
        "name": site.name,
        "slug": site.slug,
        "timezone": site.timezone,
        "active": "on",
        "retain_visitor_years": "0",
        "follow_up_age": "",
    }
    refused = await client.post(f"/admin/sites/{site.id}", data=form)
    assert refused.status_code == 422
    assert 'id="f-retain_visitor_years"' in refused.text and "has-error" in refused.text
    saved = await client.post(f"/admin/sites/{site.id}", data={**form, "retain_visitor_years": "4"})
    assert saved.status_code in (200, 303), saved.text[:300]
    row = await Site.objects().get(Site.id == site.id)
    assert (row.retain_visitor_years, row.follow_up_age) == (4, None)
    page = await client.get(f"/admin/sites/{site.id}/edit")
    assert 'name="retain_visitor_years" type="number" value="4"' in page.text
    assert 'name="follow_up_age" type="number" value=""' in page.text


async def test_signed_sheets_go_after_the_funders_audit_period(cast, settings):
    module = Module(site=cast.saint_denis.id, title="CV", kind="job_search", capacity=8)
    await module.save()
    ten_years = years_before(NOW, 10)
    session = Session(
        module=module.id,
        starts_at=ten_years,
        ends_at=ten_years,
        status="closed",
        uid="retention-session",
        checkin_secret="s",
        created_at=ten_years,
        updated_at=ten_years,
    )
    await session.save()
    for at in (ten_years + dt.timedelta(days=1), ten_years - dt.timedelta(days=1)):
        await Signature(session=session.id, image=b"png", signed_at=at).save()
    counts = await every.apply_retention(NOW, settings)
    assert counts["signatures"] == 1
    kept = await Signature.select(Signature.signed_at)
    assert [row["signed_at"] for row in kept] == [ten_years + dt.timedelta(days=1)]
    assert (await every.apply_retention(NOW, settings))["signatures"] == 0


async def test_anonymising_records_leaves_the_reports_figures_as_they_were(cast, settings):
    wire(settings)
    made = await handmade.build(cast)
    later = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    sites = (cast.saint_denis.id, cast.brussels.id)
    f = Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=sites,
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )
    before = await queries.dashboard(f, now=later)
    # (The visitors' category alone: the database keeps today's audit entries from a 2029 run.)
    anonymised = await every.anonymise_visitors(later, settings)
    # Bilal (born 1999) and Dana (1968) are past the follow-up age; Chris (2004) is not.
    done = await _anonymised(made.people["Bilal"], made.people["Dana"], made.people["Chris"])
    assert done == [True, True, False] and anonymised >= 2
    assert await queries.dashboard(f, now=later) == before
    assert await every.anonymise_visitors(later, settings) == 0
