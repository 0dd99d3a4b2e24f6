"""Erasing a visitor: the whole database forgets the person, except a funded period's signed
sheet, which the erasure screen announces; the reports' figures for past periods stay."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
import uuid

import pytest

from lab.accounts import visitors
from lab.accounts.tables import Pass, Visitor, VisitorConsent, VisitorPin
from lab.attendance.tables import ScanEvent, Signature
from lab.bookings.tables import Asset, Booking, CalendarFeed, Loan, Resource
from lab.core import audit, clock, db
from lab.core.audit import SYSTEM
from lab.core.errors import Forbidden, NotFound
from lab.core.redaction import REDACTED
from lab.core.tables import AuditLog, Outbox
from lab.kiosk.tables import ScanReview
from lab.piccolo_app import APP_CONFIG
from lab.reports import queries
from lab.reports.filters import Filters, Period
from lab.reports.tables import ClosedPeriod
from lab.skills.tables import Badge, SkillEvidence
from lab.wiring import wire
from lab.workshops.tables import Module, Session
from tests.faults import KINDS, failure_types, inject
from tests.helpers import login
from tests.personas import make_visitor
from tests.reports import handmade

MARKER = "Qz7xWv"  # in no word, no hex digest, no base64 of ours by chance


async def _resource(site_id: int) -> Resource:
    resource = Resource(site=site_id, kind="studio", name="Studio", created_at=clock.now())
    await resource.save()
    return resource


async def _booking(resource: Resource, visitor_id: int, starts: dt.datetime, note: str) -> int:
    booking = Booking(
        resource=resource.id,
        visitor=visitor_id,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        blocked_until=starts + dt.timedelta(hours=1),
        status="confirmed",
        note=note,
        uid=uuid.uuid4().hex,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    await booking.save()
    return booking.id


async def _signature(session_id: int, visitor_id: int, at: dt.datetime) -> int:
    signature = Signature(
        session=session_id, visitor=visitor_id, image=b"\x89PNG drawn", signed_at=at
    )
    await signature.save()
    return signature.id


class Story:
    """Bilal of the hand-made November (two sessions attended, one enrolment), with the
    marker in every text field about him, and everything else a person leaves behind."""

    def __init__(self, made: handmade.Handmade, visitor: Visitor) -> None:
        self.made = made
        self.visitor = visitor
        self.held_signature = 0
        self.open_signature = 0
        self.future_booking = 0


async def _story(cast) -> Story:
    made = await handmade.build(cast)
    visitor = await Visitor.objects().get(Visitor.id == made.people["Bilal"])
    m = MARKER
    visitor.first_name = f"Bilal{m}"
    visitor.last_name = f"Diallo{m}"
    visitor.search_name = visitors.search_key(visitor.first_name, visitor.last_name)
    visitor.email = f"bilal.{m}@example.org"
    visitor.phone = f"06{m}"
    visitor.external_ref = f"IMILO-{m}"
    visitor.postcode = f"93{m}"[:10]
    await visitor.save()
    story = Story(made, visitor)
    vid = visitor.id
    await VisitorPin(visitor=vid, pin_hash="argon2-hash", set_at=clock.now()).save()
    token = f"token-hash-{uuid.uuid4().hex}"[:64]
    await VisitorConsent(
        visitor=vid,
        purpose="email",
        wording_version=1,
        given_at=clock.now(),
        guardian_name=f"Maman {m}",
        guardian_relation="parent",
        site=cast.saint_denis.id,
    ).save()
    code = uuid.uuid4().hex[:8].upper()
    await Pass(visitor=vid, token_hash=token, short_code=code, issued_at=clock.now()).save()
    # November 2025 is closed (reported to the funder) for Saint-Denis: S1's sheet is its proof.
    if not await ClosedPeriod.exists():
        await ClosedPeriod(
            site=cast.saint_denis.id,
            first_day=handmade.FIRST,
            last_day=handmade.LAST,
            closed_at=clock.now(),
            snapshot=b"{}",
            digest="0" * 64,
        ).save()
    s1 = made.sessions["S1"]
    story.held_signature = await _signature(s1, vid, dt.datetime(2025, 11, 10, 11, tzinfo=dt.UTC))
    # A session of a period not closed: its sheet is not held.
    module = await Module.objects().where(Module.site == cast.saint_denis.id).first()
    later = clock.now() - dt.timedelta(days=3)
    session = Session(
        module=module.id,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=2),
        status="closed",
        uid=uuid.uuid4().hex,
        checkin_secret=uuid.uuid4().hex,
        created_at=later,
        updated_at=later,
    )
    await session.save()
    story.open_signature = await _signature(session.id, vid, later)
    resource = await _resource(cast.saint_denis.id)
    await _booking(resource, vid, later, f"Vient avec sa soeur {m}")
    story.future_booking = await _booking(
        resource, vid, clock.now() + dt.timedelta(days=2), f"Projet musique {m}"
    )
    asset = Asset(resource=resource.id, tag=f"T-{uuid.uuid4().hex[:8]}", created_at=clock.now())
    await asset.save()
    await Loan(
        asset=asset.id,
        visitor=vid,
        out_at=later,
        due_at=later,
        condition_out=f"rayure {m}",
        condition_in=f"rendu par {m}",
    ).save()
    await CalendarFeed(
        kind="visitor", subject_id=vid, token_hash=uuid.uuid4().hex, created_at=clock.now()
    ).save()
    evidence = SkillEvidence(
        visitor=vid, skill="send_email", level="on_my_own", source="facilitator", at=later
    )
    await evidence.save()
    await Badge(
        public_id=str(uuid.uuid4()),
        visitor=vid,
        skill="send_email",
        evidence=evidence.id,
        site=cast.saint_denis.id,
        issued_at=later,
        key_id="k1",
        status_index=await Badge.count() + 7,
        credential="eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln",
    ).save()
    for status, visitor_id in (("sent", vid), ("pending", vid), ("sent", None)):
        await Outbox(
            kind="booking.confirmed",
            visitor_id=visitor_id,
            recipient=visitor.email,
            subject=f"Bonjour Bilal{m}",
            body=f"Bonjour Bilal{m} Diallo{m}, à bientôt.",
            ics=f"SUMMARY:Studio {m}",
            status=status,
            next_attempt_at=later,
            created_at=later,
        ).save()
    await audit.record(SYSTEM, "visitor.updated", f"visitor:{vid}", fields=["email"])
    # An entry written before the rule "no names in the log": erasure redacts it too.
    await AuditLog.insert(
        AuditLog(
            at=later,
            actor_kind="staff",
            action="booking.created",
            subject="booking:1",
            data=json.dumps({"visitor_id": vid, "note": m}),
        )
    )
    scan = ScanEvent(
        nonce=uuid.uuid4().hex,
        visitor=vid,
        token_hash=token,
        method="kiosk_scan",
        received_at=later,
        outcome="refused",
        reason="not_expected",
        offline=True,
    )
    await scan.save()
    await ScanReview(
        scan_event=scan.id, resolution="dismissed", note=f"c'était {m}", resolved_at=later
    ).save()
    return story


def _dump_lines(database_url: str) -> list[tuple[str, str]]:
    """Every row of the whole database as (table, text): SQLite's iterdump of the file,
    PostgreSQL's pg_dump."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            lines = list(connection.iterdump())
        finally:
            connection.close()
        found = []
        for line in lines:
            match = re.match(r'INSERT INTO "?(\w+)"?', line)
            found.append((match.group(1) if match else "", line))
        return found
    dump = subprocess.run(
        ["pg_dump", "--no-owner", database_url.replace("postgresql+asyncpg", "postgresql")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found, table = [], ""
    for line in dump.splitlines():
        match = re.match(r"COPY (?:public\.)?\"?(\w+)\"? ", line)
        if match:
            table = match.group(1)
        elif line == "\\.":
            table = ""
        found.append((table, line))
    return found


def _figures_filter(cast) -> Filters:
    return Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=(cast.saint_denis.id, cast.brussels.id),
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )


async def test_after_erasure_the_marker_is_only_in_the_funded_periods_signed_sheet(
    cast, settings, database_url
):
    wire(settings)
    story = await _story(cast)
    vid = story.visitor.id
    julien = await cast.principal("julien")
    now = clock.now()
    before = await queries.dashboard(_figures_filter(cast), now=now)
    assert any(MARKER in text for _, text in _dump_lines(database_url))

    held = await visitors.legal_hold(julien, vid)
    assert [(sheet.session_id, sheet.period_first, sheet.period_last) for sheet in held] == [
        (story.made.sessions["S1"], handmade.FIRST, handmade.LAST)
    ]
    assert held[0].kept_until == dt.date(2035, 11, 10)

    counts = await visitors.erase_visitor(julien, vid)

    assert counts["signatures_held"] == 1 and counts["signatures"] == 1
    leaks = [
        (table, text)
        for table, text in _dump_lines(database_url)
        if MARKER.casefold() in text.casefold()
    ]
    assert leaks, "the held sheet keeps the signer's name"
    for table, text in leaks:
        assert table == "attendance_signature", (table, text)
        assert re.match(rf"(INSERT INTO .*VALUES\()?{story.held_signature}\b", text), text
    # The figures of the past period are those from before.
    assert await queries.dashboard(_figures_filter(cast), now=now) == before

    erased = await Visitor.objects().get(Visitor.id == vid)
    assert erased.anonymised_at is not None and erased.postcode == "93"
    assert (erased.birth_date, erased.gender, erased.status) == (
        dt.date(1999, 1, 1),
        "male",
        "employed",
    )
    assert await Pass.count().where(Pass.visitor == vid) == 0
    assert await VisitorPin.count().where(VisitorPin.visitor == vid) == 0
    assert await CalendarFeed.count() == 0
    assert await Outbox.count() == 0
    assert await Badge.count().where(Badge.revoked_at.is_null()) == 0
    future = await Booking.objects().get(Booking.id == story.future_booking)
    assert future.status == "cancelled"
    assert await ScanEvent.count().where(ScanEvent.token_hash.is_not_null()) == 0
    entries = await AuditLog.select(AuditLog.action, AuditLog.data)
    redacted = {row["action"] for row in entries if row["data"] == REDACTED}
    assert redacted == {"visitor.updated", "booking.created"}
    entry = await AuditLog.objects().where(AuditLog.action == "visitor.erased").first()
    assert json.loads(entry.data)["signatures_held"] == 1
    # The record is gone for everyone: a second erasure finds nothing.
    with pytest.raises(NotFound):
        await visitors.erase_visitor(julien, vid)


async def test_a_facilitator_may_not_erase_and_nothing_changes(cast, settings):
    wire(settings)
    visitor = await make_visitor(cast.saint_denis, "Zoé", "Ndiaye", email="zoe@example.org")
    with pytest.raises(Forbidden):
        await visitors.erase_visitor(await cast.principal("awa"), visitor.id)
    again = await Visitor.objects().get(Visitor.id == visitor.id)
    assert (again.first_name, again.email, again.anonymised_at) == ("Zoé", "zoe@example.org", None)


async def test_the_database_lets_only_the_redaction_through(cast):
    """The append-only journals accept one change each: an audit entry's details becoming
    exactly the redaction mark, a scan's pass hash becoming NULL. Anything else is refused."""
    await audit.record(SYSTEM, "visitor.updated", "visitor:1", fields=["email"])
    now = clock.now()
    await ScanEvent(
        nonce="n1",
        visitor=1,
        token_hash="ab" * 32,
        method="kiosk_scan",
        received_at=now,
        outcome="accepted",
    ).save()
    other = '{"fields": []}'
    forged = (
        ("UPDATE audit_log SET data = {}", (other,)),
        ("UPDATE audit_log SET data = {}, action = 'other'", (REDACTED,)),
        ("UPDATE audit_log SET data = {}, subject = 'visitor:2'", (REDACTED,)),
        ("UPDATE audit_log SET data = {}, at = {}", (REDACTED, now - dt.timedelta(days=1))),
        ("UPDATE audit_log SET actor_id = 5", ()),
        ("UPDATE scan_event SET token_hash = 'cd'", ()),
        ("UPDATE scan_event SET token_hash = NULL, visitor = 2", ()),
        ("UPDATE scan_event SET token_hash = NULL, outcome = 'refused'", ()),
        (
            "UPDATE scan_event SET token_hash = NULL, received_at = {}",
            (now - dt.timedelta(days=1),),
        ),
    )
    for statement, values in forged:
        with pytest.raises(Exception, match="append-only"):
            await AuditLog.raw(statement, *values)
    assert REDACTED not in {row["data"] for row in await AuditLog.select(AuditLog.data)}
    await AuditLog.raw("UPDATE audit_log SET data = {}", REDACTED)
    await ScanEvent.raw("UPDATE scan_event SET token_hash = NULL")
    # Once redacted, an entry takes no other change, not even the same one again.
    for statement, values in (
        ("UPDATE audit_log SET data = {}", (REDACTED,)),
        ("UPDATE scan_event SET token_hash = NULL", ()),
    ):
        with pytest.raises(Exception, match="append-only"):
            await AuditLog.raw(statement, *values)
    entry = await AuditLog.objects().first()
    assert (entry.action, entry.subject) == ("visitor.updated", "visitor:1")
    assert await ScanEvent.count().where(ScanEvent.token_hash.is_null()) == 1


async def test_the_erasure_screen_says_which_signed_sheets_stay_and_why(client, cast):
    made = await handmade.build(cast)
    vid = made.people["Bilal"]
    await ClosedPeriod(
        site=cast.saint_denis.id,
        first_day=handmade.FIRST,
        last_day=handmade.LAST,
        closed_at=clock.now(),
        snapshot=b"{}",
        digest="0" * 64,
    ).save()
    await _signature(made.sessions["S1"], vid, dt.datetime(2025, 11, 10, 11, tzinfo=dt.UTC))
    await login(client, cast.email("awa"))
    assert (await client.get(f"/visitors/{vid}/erase")).status_code == 403
    await login(client, cast.email("julien"))
    show = await client.get(f"/visitors/{vid}")
    assert f"/visitors/{vid}/erase" in show.text
    page = await client.get(f"/visitors/{vid}/erase")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Feuilles d'émargement gardées" in text
    assert "<td>Atelier CV</td> <td>10 nov. 2025</td>" in text
    assert "du 1 nov. 2025 au 30 nov. 2025" in text and "<td>10 nov. 2035</td>" in text
    assert (await client.post(f"/visitors/{vid}/erase", data={"confirm": "on"})).status_code == 303
    assert (await client.get(f"/visitors/{vid}")).status_code == 404
    held = await Signature.objects().get(Signature.visitor == vid)
    assert held.signer_name == "Bilal Diallo"


# -- A fault at any statement leaves the database as it was -----------------------------------


@pytest.fixture
async def pooled(engine):
    """The engine with its pool open (PostgreSQL), as the app runs it."""
    opened = await db.start(engine)
    yield engine
    if opened:
        await db.stop(engine)


async def _snapshot() -> dict[str, list[dict]]:
    return {
        table._meta.tablename: await table.raw(
            f'SELECT * FROM "{table._meta.tablename}" ORDER BY 1'
        )
        for table in APP_CONFIG.table_classes
    }


async def test_an_erasure_is_all_or_nothing_at_every_statement(cast, settings, pooled):
    """An error, or the connection dropped, at any statement of an erasure leaves every table
    as it was; then the erasure runs again and succeeds."""
    wire(settings)
    julien = await cast.principal("julien")
    story = await _story(cast)
    with inject(engine=pooled) as counted:
        await visitors.erase_visitor(julien, story.visitor.id)
    steps = counted.count
    assert steps >= 20, counted.listing()
    for kind in KINDS:
        for step in range(1, steps + 1):
            story = await _story(cast)
            before = await _snapshot()
            with inject(step, kind, pooled) as injection:
                with pytest.raises(failure_types(pooled)):
                    await visitors.erase_visitor(julien, story.visitor.id)
            assert injection.fired, (kind, step)
            after = await _snapshot()
            changed = [name for name in before if before[name] != after[name]]
            assert not changed, (kind, step, changed, injection.texts[-1])
    await visitors.erase_visitor(julien, story.visitor.id)
    assert (await Visitor.objects().get(Visitor.id == story.visitor.id)).anonymised_at


async def test_an_erased_persons_seats_to_come_go_to_the_waitlist(cast, settings):
    """Erasure cancels the person's live enrolments whose sessions are still to come, and
    each freed seat goes to the first on the waitlist, who is told (the message is held in
    the erasure's transaction and written by the stale-message round). An enrolment in a
    series already over stays, for the figures."""
    from lab.core.tables import Outbox
    from lab.workshops import enrolment
    from lab.workshops.forms import EnrolInput
    from lab.workshops.messages import send_stale
    from lab.workshops.tables import Enrolment
    from tests.bookings.factories import freeze
    from tests.workshops.factories import make_module, make_session

    wire(settings)
    awa, julien = await cast.principal("awa"), await cast.principal("julien")
    site = cast.saint_denis
    gone = await make_visitor(site, "Zoé", "Ndiaye")
    waiting = await make_visitor(site, "Omar", "Benali")
    now = clock.now()
    coming = await make_module(site, "Atelier CV", capacity=1)
    await make_session(coming, now + dt.timedelta(days=3))
    over = await make_module(site, "Atelier passé", capacity=1)
    await make_session(over, now - dt.timedelta(days=3))
    seat = await enrolment.enrol(awa, coming.id, EnrolInput(visitor_id=gone.id))
    queued = await enrolment.enrol(awa, coming.id, EnrolInput(visitor_id=waiting.id))
    past = await enrolment.enrol(awa, over.id, EnrolInput(visitor_id=gone.id))
    assert (seat.status, queued.status, past.status) == ("enrolled", "waitlisted", "enrolled")

    await visitors.erase_visitor(julien, gone.id)

    status = {
        row["id"]: row["status"] for row in await Enrolment.select(Enrolment.id, Enrolment.status)
    }
    assert status == {seat.id: "cancelled", queued.id: "enrolled", past.id: "enrolled"}
    held = await Outbox.select(Outbox.status, Outbox.visitor_id).where(Outbox.kind == "promoted")
    assert held == [{"status": "held", "visitor_id": waiting.id}]
    freeze(now + dt.timedelta(minutes=10))
    assert await send_stale() == 1
