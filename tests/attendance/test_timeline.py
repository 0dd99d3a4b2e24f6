"""A visitor's timeline for staff: every kind of item, newest first, from the viewer's sites only;
filters by kind and period; the weekly hours; another site's facilitator is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from lab import demo
from lab.accounts import consent
from lab.accounts import visitors as accounts_visitors
from lab.accounts.tables import Visitor
from lab.attendance import services as attendance
from lab.attendance import timeline
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.core import mail
from lab.demo import story as demo_story
from lab.system import operator
from lab.visits import services as visits
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment, ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.me.factories import visitor_with_pass
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

NOW = at(10)  # Tuesday 1 December 2026, 10:00 in Saint-Denis


def day(days: int) -> dt.date:
    return TUESDAY + dt.timedelta(days=days)


@pytest.fixture
async def story(cast):
    """Inès, 13, followed at Saint-Denis since two months, with one of everything; and one
    enrolment at Brussels that Saint-Denis' staff must not see."""
    julien, awa = await cast.principal("julien"), await cast.principal("awa")
    freeze(at(9, day=day(-60)))
    ines = (
        await visitor_with_pass(
            cast.saint_denis, "Inès", birth_date=dt.date(2013, 5, 2), email="ines@example.org"
        )
    ).visitor
    freeze(at(9, day=day(-14)))
    await consent.record_guardian_consent(julien, ines.id)
    freeze(at(9, day=day(-13)))
    await accounts_visitors.reissue_pass(julien, ines.id)

    freeze(at(9, day=day(-10)))
    module = await make_module(cast.saint_denis, title="Objectif emploi", capacity=8)
    await ModuleFacilitator.insert(
        ModuleFacilitator(module=module.id, staff_user=cast.users["awa"].id)
    )
    session = await make_session(module, at(10, day=day(-7)))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=ines.id))
    full = await make_module(cast.saint_denis, title="Code de la route", capacity=1)
    await make_session(full, at(14, day=day(3)))
    other = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=other.id))
    freeze(at(9, 30, day=day(-10)))
    await enrolment.enrol(awa, full.id, EnrolInput(visitor_id=ines.id))

    freeze(at(9, 55, day=day(-7)))
    await attendance.mark(awa, session.id, ines.id, "present")

    studio = await make_resource(cast.saint_denis, "Studio son")
    freeze(at(10, day=day(-6)))
    kept = await bookings.book(
        julien, Wanted(studio.id, at(14, day=day(-5)), at(15, day=day(-5)), visitor_id=ines.id)
    )
    cancelled = await bookings.book(
        julien, Wanted(studio.id, at(14, day=day(-4)), at(15, day=day(-4)), visitor_id=ines.id)
    )
    freeze(at(14, day=day(-5)))
    await bookings.check_in(julien, kept.id)
    freeze(at(9, day=day(-4)))
    await bookings.cancel(julien, cancelled.id)
    visit = await visits.open_visit(
        julien,
        site_id=cast.saint_denis.id,
        purpose="help",
        nonce="timeline-visit-1",
        at=at(15, day=day(-3)),
        visitor_id=ines.id,
    )
    await visits.end_visit(julien, visit.id, at=at(16, 30, day=day(-3)), how="desk")
    freeze(NOW)
    await bookings.book(
        julien, Wanted(studio.id, at(16, day=day(2)), at(17, day=day(2)), visitor_id=ines.id)
    )

    # The services join a visitor to their own site's things only; rows of another site (a
    # record moved, an import) are written here by hand, and must stay out of sight.
    brussels = await make_module(cast.brussels, title="Atelier secret de Bruxelles", capacity=8)
    elsewhere = Enrolment(
        visitor=ines.id, module=brussels.id, status="enrolled", created_at=NOW, updated_at=NOW
    )
    await elsewhere.save()
    await mail.queue(
        kind="enrolled",
        recipient=ines.email,
        language="fr",
        subject="Inscription : Atelier secret de Bruxelles",
        body="…",
        visitor_id=ines.id,
        dedupe_key=f"enrolled:enrolment:{elsewhere.id}",
    )
    return {"ines": ines, "module": module}


async def test_the_timeline_lists_an_item_of_every_kind_newest_first(cast, story):
    julien = await cast.principal("julien")
    found = await timeline.timeline_for(julien, story["ines"].id)
    kinds = {item.kind for item in found.items}
    assert kinds == set(timeline.KINDS)
    moments = [item.at for item in found.items]
    assert moments == sorted(moments, reverse=True)
    statuses = {(item.kind, item.status) for item in found.items}
    assert {
        ("visit", "closed"),
        ("booking", "kept"),
        ("booking", "cancelled"),
        ("booking", "upcoming"),
        ("enrolment", "enrolled"),
        ("enrolment", "waitlisted"),
        ("attendance", "present"),
        ("certificate", "issued"),
        ("consent", "issued"),
        ("pass", "issued"),
        ("pass", "revoked"),
    } <= statuses
    # Newest first: the booking to come, then the cancelled one … down to the first pass.
    assert (found.items[0].kind, found.items[0].status) == ("booking", "upcoming")
    assert (found.items[-1].kind, found.items[-1].status) == ("pass", "issued")
    messages = [item for item in found.items if item.kind == "message"]
    assert {item.detail for item in messages} >= {"enrolled", "waitlisted"}
    assert all(item.title for item in messages)  # the subject, never the body


async def test_nothing_from_another_sites_records(cast, story):
    julien, nadia = await cast.principal("julien"), await cast.principal("nadia")
    mine = await timeline.timeline_for(julien, story["ines"].id)
    everyone = await timeline.timeline_for(nadia, story["ines"].id)
    secret = "Atelier secret de Bruxelles"
    assert secret not in {item.title for item in mine.items}
    assert secret in {item.title for item in everyone.items}
    # Nor the message about it (its subject names the workshop).
    assert not any(secret in item.title for item in mine.items if item.kind == "message")
    assert any(secret in item.title for item in everyone.items if item.kind == "message")


async def test_filters_by_kind_and_period(cast, story):
    julien = await cast.principal("julien")
    found = await timeline.timeline_for(julien, story["ines"].id, kind="booking")
    assert [item.status for item in found.items] == ["upcoming", "cancelled", "kept"]
    recent = await timeline.timeline_for(julien, story["ines"].id, kind="pass", period="30")
    assert [item.status for item in recent.items] == ["issued", "revoked"]
    every = await timeline.timeline_for(julien, story["ines"].id, kind="pass")
    assert len(every.items) == 3
    unknown = await timeline.timeline_for(julien, story["ines"].id, kind="nope", period="7")
    assert (unknown.kind, unknown.period) == ("all", "all")


async def test_weekly_hours_of_the_last_eight_weeks(cast, story):
    found = await timeline.timeline_for(await cast.principal("julien"), story["ines"].id)
    assert len(found.weeks) == 8
    assert found.weeks[-1].starts_on == dt.date(2026, 11, 30)
    # The week of 23 November: 2 hours of workshop, 1 hour in the studio, a visit of 1 h 30.
    assert found.weeks[-2].starts_on == dt.date(2026, 11, 23)
    assert found.weeks[-2].hours == 4.5
    assert sum(week.hours for week in found.weeks) == 4.5


async def test_the_pages_show_it_and_another_sites_facilitator_is_refused(client, cast, story):
    ines = story["ines"]
    path = f"/visitors/{ines.id}/timeline"
    await login(client, cast.email("sofia"))
    assert (await client.get(path)).status_code == 403
    await login(client, cast.email("awa"))
    page = await client.get(path)
    assert page.status_code == 200
    assert "Objectif emploi" in page.text and "Atelier secret" not in page.text
    assert 'id="visitor-timeline"' in page.text and "<svg" in page.text
    # Into the person's page: the section; from the filters: the list only.
    into_page = {"HX-Request": "true", "HX-Target": "visitor-timeline"}
    section = await client.get(path, headers=into_page)
    assert section.text.lstrip().startswith("<section") and "<h1" not in section.text
    items = await client.get(
        path,
        params={"kind": "attendance"},
        headers={"HX-Request": "true", "HX-Target": "timeline-items"},
    )
    assert items.status_code == 200 and "<section" not in items.text
    assert items.text.count("<li") == 1 and 'data-kind="attendance"' in items.text
    person = await client.get(f"/visitors/{ines.id}")
    assert f'hx-get="{path}"' in person.text


async def test_the_demos_story_visitor_has_an_item_of_every_kind(engine):
    await demo.load()
    lina = await Visitor.objects().get(
        (Visitor.first_name == demo_story.FIRST_NAME) & (Visitor.last_name == demo_story.LAST_NAME)
    )
    found = await timeline.timeline_for(await operator(), lina.id)
    assert {item.kind for item in found.items} == set(
        timeline.kinds()
    )  # skills: evidence and a badge
    statuses = {(item.kind, item.status) for item in found.items}
    assert {("booking", "kept"), ("booking", "cancelled"), ("booking", "upcoming")} <= statuses
    assert {("enrolment", "waitlisted"), ("pass", "revoked")} <= statuses
    # In order: newest first, every kind included.
    moments = [item.at for item in found.items]
    assert moments == sorted(moments, reverse=True)
    assert sum(week.hours for week in found.weeks) > 0
