"""`lab demo` ends by saying where to log in: the address `lab serve` will really listen on; and
the demo holds a year of history before the current week, at both sites."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from random import Random

import pytest
from click.testing import CliRunner

from lab import cli, demo
from lab.accounts.tables import Site, Visitor
from lab.attendance.tables import Attendance
from lab.bookings.tables import Booking, Loan
from lab.core import clock
from lab.demo import accounts as demo_accounts
from lab.demo.history import load_history
from lab.settings import Settings
from lab.skills import badges as skill_badges
from lab.skills.tables import Badge, SkillEvidence
from lab.visits.tables import Visit
from lab.wiring import wire
from lab.workshops.tables import Enrolment, Module, Session

COUNTS = {
    "sites": 2,
    "staff": 6,
    "visitors": 50,
    "resources": 11,
    "bookings": 82,
    "modules": 5,
    "sessions": 20,
    "enrolments": 67,
    "kiosks": 2,
}


def _settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"LAB_DATA_DIR": str(tmp_path), **env})


def test_the_closing_message_names_the_port_set_in_lab_port(tmp_path):
    message = demo.closing_message(COUNTS, _settings(tmp_path, LAB_PORT="9123"))
    assert "Log in at http://127.0.0.1:9123/login with one of these" in message
    assert "8000" not in message


def test_the_closing_message_names_the_host_set_in_lab_host(tmp_path):
    settings = _settings(tmp_path, LAB_HOST="192.168.1.20", LAB_PORT="8080")
    assert "Log in at http://192.168.1.20:8080/login " in demo.closing_message(COUNTS, settings)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])  # noqa: S104 - a setting, nothing binds
def test_a_server_on_every_interface_is_opened_at_the_loopback_address(tmp_path, host):
    settings = _settings(tmp_path, LAB_HOST=host, LAB_PORT="9123")
    assert "Log in at http://127.0.0.1:9123/login " in demo.closing_message(COUNTS, settings)


def test_behind_a_proxy_the_public_address_is_named_too(tmp_path):
    settings = _settings(tmp_path, LAB_PORT="9123", LAB_BASE_URL="https://lab.example.org")
    message = demo.closing_message(COUNTS, settings)
    assert "http://127.0.0.1:9123/login (or https://lab.example.org/login)" in message


def test_the_closing_message_sums_up_the_year_of_history_when_there_is_one(tmp_path):
    assert "A year of history" not in demo.closing_message(COUNTS, _settings(tmp_path))
    history = {"visitors": 150, "sessions": 142, "attendances": 1002, "bookings": 1479}
    history |= {"loans": 28, "visits": 5182}
    counts = COUNTS | {f"history_{kind}": count for kind, count in history.items()}
    message = demo.closing_message(counts, _settings(tmp_path))
    assert "A year of history before this week: 150 of the visitors signed up over it, " in message
    assert "142 past sessions with 1002 attendance marks" in message
    assert "28 tablet loans and 5182 drop-in visits." in message


def test_lab_demo_prints_the_address_from_lab_port(tmp_path, monkeypatch):
    """The command itself, its loading stubbed: what it prints is the message above."""
    monkeypatch.setattr(cli, "run_with_database", lambda settings, work: dict(COUNTS))
    env = {"LAB_DATA_DIR": str(tmp_path), "LAB_PORT": "9123"}
    result = CliRunner().invoke(cli.main, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    assert "Log in at http://127.0.0.1:9123/login" in result.output
    assert "admin@lab.example" in result.output
    assert "8000" not in result.output


# The year of history -------------------------------------------------------------------------
# The whole demo is loaded once per engine, as `lab demo` does, and read by each check below.


def _months(moments: list[dt.datetime]) -> set[tuple[int, int]]:
    return {(moment.year, moment.month) for moment in moments}


async def test_the_demo_holds_a_year_of_workshops_queues_and_lab_use(engine, settings):
    wire(settings)  # as `lab demo` does: the studio's skill gate, completion as evidence
    await demo.load()
    await _a_year_of_closed_sessions_with_marks_of_every_kind()
    await _queues_keep_their_seats_and_show_refusals_and_promotions()
    await _a_year_of_lab_use_bookings_loans_and_kiosk_sign_ups()
    await _skills_and_badges_to_see_right_away()


async def _skills_and_badges_to_see_right_away():
    sources = Counter(row["source"] for row in await SkillEvidence.select(SkillEvidence.source))
    assert set(sources) == {"self", "facilitator", "completion"}, sources
    assert min(sources.values()) >= 5, sources
    badges = await Badge.select(Badge.credential, Badge.visitor, Badge.skill)
    assert len(badges) >= 10
    for badge in badges[:3]:
        assert (await skill_badges.check(badge["credential"])).outcome == "valid"
    lina = await Visitor.objects().get(
        (Visitor.first_name == "Lina") & (Visitor.last_name == "Haddad")
    )
    assert "phishing" in {badge["skill"] for badge in badges if badge["visitor"] == lina.id}
    # The studio's workshop is offered to whoever has not learnt the studio yet.
    assert await Module.exists().where(Module.title == "Découvrir le studio")


async def _a_year_of_closed_sessions_with_marks_of_every_kind():
    sessions = await Session.select(
        Session.id, Session.module, Session.starts_at, Session.status, Session.module.site
    )
    year_ago = clock.now() - dt.timedelta(days=300)
    for site in {row["module.site"] for row in sessions}:
        closed = [
            row["starts_at"]
            for row in sessions
            if row["module.site"] == site and row["status"] == "closed"
        ]
        assert min(closed) < year_ago and len(_months(closed)) >= 10  # a summer break
    cancelled = [row["id"] for row in sessions if row["status"] == "cancelled"]
    assert cancelled
    assert not await Attendance.exists().where(Attendance.session.is_in(cancelled))
    marks = await Attendance.select(Attendance.visitor, Attendance.session, Attendance.status)
    assert {mark["status"] for mark in marks} == {"present", "late", "absent", "excused"}
    methods = {row["method"] for row in await Attendance.select(Attendance.method)}
    assert {"kiosk_scan", "kiosk_code", "staff", "self_phone"} <= methods
    module_of = {row["id"]: row["module"] for row in sessions}
    places = {
        (row["visitor"], row["module"], row["session"])
        for row in await Enrolment.select(Enrolment.visitor, Enrolment.module, Enrolment.session)
    }
    walk_ins = [
        mark
        for mark in marks
        if mark["status"] in ("present", "late")
        and (mark["visitor"], module_of[mark["session"]], mark["session"]) not in places
        and (mark["visitor"], module_of[mark["session"]], None) not in places
    ]
    assert walk_ins


async def _queues_keep_their_seats_and_show_refusals_and_promotions():
    enrolments = await Enrolment.select(
        Enrolment.module,
        Enrolment.session,
        Enrolment.status,
        Enrolment.cancelled_by,
        Enrolment.promoted_at,
        Enrolment.created_at,
        Enrolment.module.capacity,
    )
    refused_by = {row["cancelled_by"] for row in enrolments if row["status"] == "cancelled"}
    assert refused_by == {"centre", "visitor"}
    promoted = [row for row in enrolments if row["promoted_at"] is not None]
    assert promoted and all(row["promoted_at"] >= row["created_at"] for row in promoted)
    seated = Counter(
        (row["module"], row["session"]) for row in enrolments if row["status"] == "enrolled"
    )
    seats = {(row["module"], row["session"]): row["module.capacity"] for row in enrolments}
    assert all(count <= seats[queue] for queue, count in seated.items())


async def _a_year_of_lab_use_bookings_loans_and_kiosk_sign_ups():
    visits = await Visit.select(Visit.arrived_at, Visit.visitor, Visit.age_band)
    assert len(_months([row["arrived_at"] for row in visits])) >= 12
    assert any(row["visitor"] is None and row["age_band"] for row in visits)
    past = await Booking.select(Booking.status).where(
        (Booking.starts_at < clock.now() - dt.timedelta(days=60)) & (Booking.source != "workshop")
    )
    assert {"completed", "no_show", "released", "cancelled"} <= {row["status"] for row in past}
    assert await Loan.exists().where(Loan.returned_at.is_null() & (Loan.due_at < clock.now()))
    assert await Loan.exists().where(Loan.returned_at.is_not_null())
    assert await Visitor.exists().where(Visitor.created_via == "kiosk")


async def _nothing(*_args) -> dict[str, int]:
    return {}


# What the history writes, and the moments each kind of row carries.
DATED = [
    (Visitor, [Visitor.created_at]),
    (Session, [Session.starts_at, Session.ends_at, Session.created_at, Session.updated_at]),
    (Enrolment, [Enrolment.created_at, Enrolment.updated_at, Enrolment.promoted_at]),
    (Attendance, [Attendance.checked_in_at, Attendance.created_at]),
    (Booking, [Booking.starts_at, Booking.blocked_until, Booking.updated_at]),
    (Loan, [Loan.out_at, Loan.due_at, Loan.returned_at]),
    (Visit, [Visit.arrived_at, Visit.left_at]),
]


async def test_nothing_of_the_history_lies_today_or_later(engine, monkeypatch):
    """The rest of the demo first, without the history; then the history, whose rows (the
    ones after the last of each table) all lie before today, wherever the site is."""
    # The demo calls it through its module; the test holds the function itself (imported).
    monkeypatch.setattr(demo.history, "load_history", _nothing)
    await demo.load()
    last = {table: await _last_id(table) for table, _columns in DATED}
    sites = await Site.select(Site.id, Site.slug, Site.timezone).order_by(Site.id)
    added = await load_history(
        {row["slug"]: row["id"] for row in sites}, await demo_accounts.staff_ids(), Random(1)
    )
    assert added["visitors"] and added["sessions"] and added["bookings"] and added["visits"]
    midnight = min(
        clock.local_instant(
            clock.to_zone(clock.now(), row["timezone"]).date(), dt.time(), row["timezone"]
        )
        for row in sites
    )
    for table, columns in DATED:
        rows = await table.select(*columns).where(table.id > last[table])
        assert rows, table
        for row in rows:
            assert all(value < midnight for value in row.values() if value is not None), row


async def _last_id(table) -> int:
    row = await table.select(table.id).order_by(table.id, ascending=False).first()
    return row["id"] if row else 0
