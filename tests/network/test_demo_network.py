"""The demo's network (lab/demo/network.py): about fifteen partners with contact people around
each site, a past meeting at each with its minutes and decisions, actions at every stage (one
made a workshop module, one late), and referrals with what came of them."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lab.demo import accounts as demo_accounts
from lab.demo import network as demo_network
from lab.network.tables import (
    NetworkAction,
    NetworkContact,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
)
from lab.system import operator

pytestmark = pytest.mark.asyncio


async def test_the_demo_network_has_partners_meetings_actions_and_referrals(engine) -> None:
    site_ids = await demo_accounts.load_sites_and_staff()
    actor = await operator()
    await demo_accounts.load_visitors(actor, site_ids, random.Random(1), 30)
    counts = await demo_network.load_network(
        actor,
        site_ids,
        await demo_accounts.people(),
        await demo_accounts.staff_ids(),
        random.Random(2),
    )
    partners = Counter(row["site"] for row in await NetworkPartner.select(NetworkPartner.site))
    assert set(partners) == set(site_ids.values())
    assert min(partners.values()) >= 15
    assert await NetworkContact.count() >= 30
    meetings = await NetworkMeeting.select(NetworkMeeting.status, NetworkMeeting.minutes)
    assert len(meetings) == 2
    assert all(row["status"] == "held" and row["minutes"] for row in meetings)
    present = await NetworkInvitation.count().where(NetworkInvitation.presence == "present")
    assert present >= 8
    actions = await NetworkAction.select(
        NetworkAction.status, NetworkAction.module, NetworkAction.decision
    )
    assert all(row["decision"] for row in actions)
    assert {row["status"] for row in actions} >= {"done", "under_way", "proposed"}
    assert sum(1 for row in actions if row["module"]) == 1
    referrals = await NetworkReferral.select(NetworkReferral.status, NetworkReferral.outcome)
    assert {row["status"] for row in referrals} == {
        "sent",
        "taken_up",
        "not_taken_up",
        "outcome_known",
    }
    assert {row["outcome"] for row in referrals if row["status"] == "outcome_known"} >= {
        "found_job",
        "found_training",
    }
    assert counts["network_partners"] == sum(partners.values())
