"""Actions born of a meeting: only the allowed moves, each move and each refusal audited; an
action becomes a workshop module once; the follow-up lists open ones, overdue ones flagged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lab.core.errors import Conflict, Forbidden
from lab.core.tables import AuditLog
from lab.network import queries, services
from lab.network.actions import ACTION_TRANSITIONS
from lab.network.forms import ActionInput, ActionNoteInput, DecisionInput, MeetingInput
from lab.network.tables import NetworkAction
from lab.workshops.tables import Module, Partner
from tests.bookings.factories import freeze
from tests.network.factories import make_network, make_partner

STATUSES = ("proposed", "under_way", "done", "abandoned")
ALLOWED = {
    ("proposed", "under_way"),
    ("proposed", "abandoned"),
    ("under_way", "proposed"),
    ("under_way", "done"),
    ("under_way", "abandoned"),
}


@pytest.fixture(autouse=True)
def april():
    freeze(dt.datetime(2027, 4, 15, 9, tzinfo=dt.UTC))


async def _action(actor, site, **values) -> NetworkAction:
    return await services.open_action(
        actor, ActionInput(site_id=site.id, title=values.pop("title", "Job dating"), **values)
    )


async def _put(action: NetworkAction, status: str) -> None:
    await NetworkAction.update({NetworkAction.status: status}).where(NetworkAction.id == action.id)


def test_the_state_machine_is_the_documented_one():
    assert {(a, b) for a, targets in ACTION_TRANSITIONS.items() for b in targets} == ALLOWED


async def test_every_move_is_allowed_or_refused_as_documented_and_audited(cast):
    julien = await cast.principal("julien")
    for before in STATUSES:
        for after in (*STATUSES, "finished"):
            action = await _action(julien, cast.saint_denis, title=f"{before} → {after}")
            await _put(action, before)
            subject = f"network_action:{action.id}"
            if (before, after) in ALLOWED:
                moved = await services.move_action(julien, action.id, after)
                assert moved.status == after
                entry = await AuditLog.objects().get(
                    (AuditLog.subject == subject) & (AuditLog.action == "network.action.moved")
                )
                assert (moved.closed_at is not None) == (after in ("done", "abandoned"))
            else:
                with pytest.raises(Conflict) as refused:
                    await services.move_action(julien, action.id, after)
                assert refused.value.code == "transition_refused"
                assert (
                    await NetworkAction.objects().get(NetworkAction.id == action.id)
                ).status == before
                entry = await AuditLog.objects().get(
                    (AuditLog.subject == subject) & (AuditLog.action == "network.action.refused")
                )
            data = json.loads(entry.data)
            assert (data["status_from"], data["status_to"]) == (before, after)


async def test_a_decision_opens_an_action_that_becomes_a_module_once(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    awa = await cast.principal("awa")
    pieter = await cast.principal("pieter")
    cohost = Partner(
        site=cast.saint_denis.id,
        name="Decathlon",
        kind="company",
        created_at=dt.datetime.now(dt.UTC),
    )
    await cohost.save()
    partner = await make_partner(
        julien,
        cast.saint_denis,
        "Decathlon Saint-Denis",
        kind="employer",
        workshop_partner_id=cohost.id,
    )
    meeting = await services.create_meeting(
        julien,
        MeetingInput(
            site_id=cast.saint_denis.id,
            title="Réseau",
            day=dt.date(2027, 4, 13),
            start=dt.time(9),
            end=dt.time(10),
        ),
    )
    decision = await services.record_decision(
        julien, meeting.id, DecisionInput(text="Un job dating en mai")
    )
    action = await _action(
        julien,
        cast.saint_denis,
        kind="job_dating",
        description="Avec Decathlon",
        owner_id=cast.users["awa"].id,
        due_on=dt.date(2027, 5, 20),
        partner_ids=[partner.id],
        decision_id=decision.id,
    )
    with pytest.raises(Forbidden):
        await services.action_to_module(awa, action.id)
    with pytest.raises(Forbidden):
        await queries.get_action_for(pieter, action.id)
    await services.add_action_note(awa, action.id, ActionNoteInput(text="Decathlon est d'accord"))
    module_id = await services.action_to_module(julien, action.id)
    assert await services.action_to_module(julien, action.id) == module_id
    module = await Module.objects().get(Module.id == module_id)
    assert (module.title, module.kind, module.site, module.partner) == (
        "Job dating",
        "job_search",
        cast.saint_denis.id,
        cohost.id,
    )
    detail = await queries.action_detail(awa, action.id)
    assert detail["action"].module == module_id
    assert detail["decision"]["meeting_id"] == meeting.id
    assert [n["text"] for n in detail["notes"]] == ["Decathlon est d'accord"]
    assert detail["owner_name"] == "Awa"
    assert detail["partners"] == [{"id": partner.id, "name": "Decathlon Saint-Denis"}]
    assert not detail["can_manage"]
    assert await AuditLog.exists().where(AuditLog.action == "network.action.module_created")


async def test_the_follow_up_lists_open_actions_by_owner_and_due_date_overdue_flagged(cast):
    julien = await cast.principal("julien")
    awa, nadia = cast.users["awa"].id, cast.users["nadia"].id
    late = await _action(
        julien, cast.saint_denis, title="En retard", owner_id=nadia, due_on=dt.date(2027, 4, 14)
    )
    soon = await _action(
        julien, cast.saint_denis, title="Bientôt", owner_id=awa, due_on=dt.date(2027, 4, 30)
    )
    today = await _action(
        julien, cast.saint_denis, title="Aujourd'hui", owner_id=awa, due_on=dt.date(2027, 4, 15)
    )
    nobody = await _action(julien, cast.saint_denis, title="Sans responsable")
    done = await _action(julien, cast.saint_denis, title="Faite", owner_id=awa)
    await services.move_action(julien, done.id, "under_way")
    await services.move_action(julien, done.id, "done")
    pieter = await cast.principal("pieter")
    await _action(pieter, cast.brussels, title="Bruxelles")
    rows = await queries.follow_up(julien)
    assert [(r.action_id, r.overdue) for r in rows] == [
        (today.id, False),
        (soon.id, False),
        (late.id, True),
        (nobody.id, False),
    ]
    assert [r.action_id for r in await queries.follow_up(julien, owner_id=nadia)] == [late.id]
    nadia_principal = await cast.principal("nadia")
    assert len(await queries.follow_up(nadia_principal)) == 5
