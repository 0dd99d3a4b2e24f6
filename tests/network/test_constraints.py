"""What the database itself holds for the network, on both engines, whatever code writes."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.core import clock
from lab.network.tables import (
    NetworkAction,
    NetworkActionPartner,
    NetworkInvitation,
    NetworkMeeting,
    NetworkReferral,
)
from tests.network.factories import make_contact, make_partner
from tests.personas import make_visitor


async def _meeting(site, **values) -> NetworkMeeting:
    now = clock.now()
    meeting = NetworkMeeting(
        site=site.id,
        title="Réseau",
        starts_at=values.pop("starts_at", now),
        ends_at=values.pop("ends_at", now + dt.timedelta(hours=1)),
        uid=values.pop("uid", f"{now.timestamp()}-{site.id}@lab"),
        created_at=now,
        updated_at=now,
        **values,
    )
    await meeting.save()
    return meeting


async def test_statuses_kinds_and_times_outside_their_lists_are_refused(cast):
    now = clock.now()
    with pytest.raises(Exception, match="network_meeting"):
        await _meeting(cast.saint_denis, ends_at=now - dt.timedelta(hours=1), uid="a@lab")
    with pytest.raises(Exception, match="network_meeting"):
        await _meeting(cast.saint_denis, status="postponed", uid="b@lab")
    meeting = await _meeting(cast.saint_denis, uid="c@lab")
    with pytest.raises(Exception, match="network_meeting"):
        await NetworkMeeting.update({NetworkMeeting.status: "maybe"}).where(
            NetworkMeeting.id == meeting.id
        )
    action = NetworkAction(
        site=cast.saint_denis.id, title="Job dating", created_at=now, updated_at=now
    )
    await action.save()
    with pytest.raises(Exception, match="network_action"):
        await NetworkAction.update({NetworkAction.status: "finished"}).where(
            NetworkAction.id == action.id
        )


async def test_one_invitation_per_person_a_partner_once_per_action_and_no_referral_without_consent(
    cast,
):
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis)
    contact = await make_contact(julien, partner)
    meeting = await _meeting(cast.saint_denis)
    now = clock.now()
    for contact_id in (contact.id, None):
        await NetworkInvitation(
            meeting=meeting.id, partner=partner.id, contact=contact_id, invited_at=now
        ).save()
        with pytest.raises(Exception, match=r"(?i)unique"):
            await NetworkInvitation(
                meeting=meeting.id, partner=partner.id, contact=contact_id, invited_at=now
            ).save()
    action = NetworkAction(site=cast.saint_denis.id, title="x", created_at=now, updated_at=now)
    await action.save()
    await NetworkActionPartner(action=action.id, partner=partner.id).save()
    with pytest.raises(Exception, match=r"(?i)unique"):
        await NetworkActionPartner(action=action.id, partner=partner.id).save()
    visitor = await make_visitor(cast.saint_denis)
    with pytest.raises(Exception, match=r"(?i)null"):
        await NetworkReferral.raw(
            "INSERT INTO network_referral (visitor, site, partner, need, consent_at, "
            "share_contact, status, created_at, updated_at) "
            "VALUES ({}, {}, {}, 'job', NULL, false, 'sent', {}, {})",
            visitor.id,
            cast.saint_denis.id,
            partner.id,
            now,
            now,
        )
