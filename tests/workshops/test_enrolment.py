"""Enrolment, the waitlist and promotion, on both engines."""

from __future__ import annotations

import asyncio

import pytest

from lab.accounts import consents
from lab.accounts.forms import ConsentInput
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.tables import Outbox
from lab.workshops import enrolment, queries
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment, Module
from tests.bookings.factories import at
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


async def people(site, count: int):
    return [
        await make_visitor(site, "Personne", f"Numéro{chr(65 + i % 26)}{i}") for i in range(count)
    ]


async def test_it_enrols_until_full_then_waitlists_in_order(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=2)
    a, b, c, d = await people(cast.saint_denis, 4)
    statuses = [
        (await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=v.id))).status
        for v in (a, b, c, d)
    ]
    assert statuses == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    again = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=c.id))
    assert again.status == "waitlisted"  # enrolling twice changes nothing
    assert await queries.waitlist_position(again) == 1


async def test_a_cancellation_promotes_the_first_waitlisted_and_tells_them(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=1)
    first, second, third = await people(cast.saint_denis, 3)
    await Module.update({Module.title: "Atelier CV"}).where(Module.id == module.id)
    from lab.accounts.tables import Visitor

    await Visitor.update({Visitor.email: "second@example.org"}).where(Visitor.id == second.id)
    await consents.give_consent(awa, second.id, ConsentInput(purpose="messages_email"))
    seat = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=first.id))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=second.id))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=third.id))
    await enrolment.cancel(awa, seat.id)
    rows = await Enrolment.select(Enrolment.visitor, Enrolment.status).order_by(Enrolment.position)
    assert [(r["visitor"], r["status"]) for r in rows] == [
        (first.id, "cancelled"),
        (second.id, "enrolled"),
        (third.id, "waitlisted"),
    ]
    kinds = [row["kind"] for row in await Outbox.select(Outbox.kind).order_by(Outbox.id)]
    assert kinds == ["waitlisted", "promoted"]
    with pytest.raises(Conflict):
        await enrolment.cancel(awa, seat.id)


async def test_drop_in_modules_enrol_per_session(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=1, enrolment="drop_in")
    monday, tuesday = await make_session(module, at(10)), await make_session(module, at(14))
    visitor = (await people(cast.saint_denis, 1))[0]
    with pytest.raises(Invalid):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
    one = await enrolment.enrol(
        awa, module.id, EnrolInput(visitor_id=visitor.id, session_id=monday.id)
    )
    two = await enrolment.enrol(
        awa, module.id, EnrolInput(visitor_id=visitor.id, session_id=tuesday.id)
    )
    assert one.id != two.id and one.status == two.status == "enrolled"


async def test_a_closed_module_and_another_sites_visitor_are_refused(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, active=False)
    visitor = (await people(cast.saint_denis, 1))[0]
    with pytest.raises(Conflict) as refused:
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
    assert refused.value.code == "module_closed"
    nadia = await cast.principal("nadia")
    open_module = await make_module(cast.saint_denis, "Atelier ouvert")
    stranger = await make_visitor(cast.brussels, "Lotte", "Peeters")
    with pytest.raises(Forbidden):
        await enrolment.enrol(nadia, open_module.id, EnrolInput(visitor_id=stranger.id))


async def test_fifty_simultaneous_enrolments_for_the_last_seat(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=1)
    crowd = await people(cast.saint_denis, 50)
    results = await asyncio.gather(
        *(enrolment.enrol(awa, module.id, EnrolInput(visitor_id=v.id)) for v in crowd)
    )
    assert [r.status for r in results].count("enrolled") == 1
    assert [r.status for r in results].count("waitlisted") == 49
    rows = await Enrolment.select(Enrolment.status, Enrolment.position).order_by(Enrolment.position)
    assert [r["position"] for r in rows] == list(range(1, 51))  # arrival order, no gap, no tie
    assert rows[0]["status"] == "enrolled"
    assert {r["status"] for r in rows[1:]} == {"waitlisted"}


async def test_twenty_simultaneous_cancellations_promote_the_first_twenty_once(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, capacity=20)
    crowd = await people(cast.saint_denis, 50)
    made = [await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=v.id)) for v in crowd]
    seated = [e for e in made if e.status == "enrolled"]
    await asyncio.gather(*(enrolment.cancel(awa, e.id) for e in seated))
    rows = await Enrolment.select(Enrolment.status, Enrolment.position).order_by(Enrolment.position)
    assert [r["status"] for r in rows[:20]] == ["cancelled"] * 20
    assert [r["status"] for r in rows[20:40]] == ["enrolled"] * 20
    assert [r["status"] for r in rows[40:]] == ["waitlisted"] * 10
    from lab.core.tables import AuditLog

    assert await AuditLog.count().where(AuditLog.action == "enrolment.promoted") == 20


async def test_raising_the_capacity_seats_waitlisted_people(cast):
    from lab.workshops import services
    from lab.workshops.forms import ModuleInput

    julien = await cast.principal("julien")
    module = await make_module(cast.saint_denis, capacity=1)
    for visitor in await people(cast.saint_denis, 3):
        await enrolment.enrol(julien, module.id, EnrolInput(visitor_id=visitor.id))
    await services.update_module(
        julien,
        module.id,
        ModuleInput(site_id=cast.saint_denis.id, title="Atelier CV", kind="job_search", capacity=3),
    )
    lists = await queries.roster(await Module.objects().get(Module.id == module.id))
    assert len(lists["enrolled"]) == 3 and lists["waitlisted"] == []
