"""Network meetings: the invitation e-mail carries an .ics an independent parser reads at the
right instant, in the invitee's language; presence by staff and by pass; minutes and decisions.

The .ics is read back with ``icalendar`` (a parser, here, of what lab writes); the instants are
compared in UTC with the meeting's own.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.tables import AuditLog, Outbox
from lab.network import queries, services
from lab.network.forms import (
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PresenceInput,
    ThemeInput,
)
from lab.network.tables import NetworkInvitation
from tests.bookings.factories import freeze
from tests.network.factories import make_contact, make_network, make_partner

DAY = dt.date(2027, 3, 30)  # a Tuesday, after the spring clock change (UTC+2 in Paris)


@pytest.fixture(autouse=True)
def early_march():
    freeze(dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC))


async def _meeting(actor, site, **values):
    return await services.create_meeting(
        actor,
        MeetingInput(
            site_id=site.id,
            title=values.pop("title", "Réseau emploi jeunes"),
            day=values.pop("day", DAY),
            start=values.pop("start", dt.time(9, 30)),
            end=values.pop("end", dt.time(11, 30)),
            place=values.pop("place", "Lab Saint-Denis, salle 2"),
            **values,
        ),
    )


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _ics_event(row: Outbox) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(row.ics.encode())
    (event,) = calendar.walk("VEVENT")
    return event


async def test_the_invitation_mail_carries_an_ics_at_the_right_instant_in_each_language(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    actiris = await make_partner(julien, cast.saint_denis, "Actiris Saint-Gilles", language="nl")
    forem = await make_partner(julien, cast.saint_denis, "Bruxelles Formation", language="fr")
    dutch = await make_contact(julien, actiris, "Pieter", email="pieter@actiris.test")
    french = await make_contact(julien, forem, "Lucie", email="lucie@bf.test")
    english = await make_contact(julien, forem, "Sam", email="sam@bf.test", language="en")
    meeting = await _meeting(julien, cast.saint_denis)
    await services.add_theme(julien, meeting.id, ThemeInput(title="Plan d'embauche Decathlon"))
    created = await services.invite(
        julien,
        meeting.id,
        InviteInput(contact_ids=[dutch.id, french.id, english.id], partner_ids=[actiris.id]),
    )
    assert len(created) == 4
    rows = {row.recipient: row for row in await Outbox.objects().order_by(Outbox.id)}
    for row in rows.values():  # French typography's no-break spaces, as plain ones
        row.subject, row.body = (plain(row.subject), plain(row.body))
    # Actiris itself has no address: only the three people are written to.
    assert set(rows) == {"pieter@actiris.test", "lucie@bf.test", "sam@bf.test"}
    expected = {"pieter@actiris.test": "nl", "lucie@bf.test": "fr", "sam@bf.test": "en"}
    for recipient, language in expected.items():
        row = rows[recipient]
        assert row.language == language
        event = _ics_event(row)
        # 09:30 in Paris on 30 March 2027 is 07:30 UTC.
        assert event.decoded("dtstart") == dt.datetime(2027, 3, 30, 7, 30, tzinfo=dt.UTC)
        assert event.decoded("dtend") == dt.datetime(2027, 3, 30, 9, 30, tzinfo=dt.UTC)
        assert event.decoded("dtstart") == meeting.starts_at
        assert str(event["uid"]) == meeting.uid
        assert str(event["summary"]) == "Réseau emploi jeunes"
        assert "Plan d'embauche Decathlon" in row.body
        assert "METHOD:REQUEST" in row.ics
    assert rows["pieter@actiris.test"].subject.startswith("Uitnodiging: Réseau emploi jeunes")
    assert "Dag Pieter," in rows["pieter@actiris.test"].body
    assert "Plaats: Lab Saint-Denis, salle 2" in rows["pieter@actiris.test"].body
    assert "dinsdag 30 maart 2027, 09:30" in rows["pieter@actiris.test"].subject
    assert rows["lucie@bf.test"].subject.startswith("Invitation : Réseau emploi jeunes")
    assert "mardi 30 mars 2027, 09:30" in rows["lucie@bf.test"].subject
    assert "Bonjour Lucie," in rows["lucie@bf.test"].body
    assert rows["sam@bf.test"].subject.startswith("Invitation: Réseau emploi jeunes")
    assert "Hello Sam," in rows["sam@bf.test"].body
    # Inviting again writes nothing new.
    assert await services.invite(julien, meeting.id, InviteInput(contact_ids=[dutch.id])) == []
    assert await Outbox.count() == 3


async def test_a_moved_meeting_sends_an_update_and_a_cancelled_one_a_cancellation(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis)
    contact = await make_contact(julien, partner)
    meeting = await _meeting(julien, cast.saint_denis)
    await services.invite(julien, meeting.id, InviteInput(contact_ids=[contact.id]))
    await services.update_meeting(
        julien,
        meeting.id,
        MeetingInput(
            site_id=cast.saint_denis.id,
            title="Réseau emploi jeunes",
            day=DAY,
            start=dt.time(14),
            end=dt.time(16),
            place="Lab Saint-Denis, salle 2",
        ),
    )
    await services.cancel_meeting(julien, meeting.id)
    rows = await Outbox.objects().order_by(Outbox.id)
    assert [row.kind for row in rows] == [
        "network_invitation",
        "network_update",
        "network_cancel",
    ]
    events = [_ics_event(row) for row in rows]
    assert [int(event["sequence"]) for event in events] == [0, 1, 2]
    assert events[1].decoded("dtstart") == dt.datetime(2027, 3, 30, 12, tzinfo=dt.UTC)
    assert str(events[2]["status"]) == "CANCELLED"
    assert "METHOD:CANCEL" in rows[2].ics
    with pytest.raises(Conflict) as refused:
        await services.write_minutes(julien, meeting.id, MinutesInput(minutes="…"))
    assert refused.value.code == "meeting_cancelled"


async def test_attendance_by_staff_and_by_pass_minutes_and_decisions(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    awa = await cast.principal("awa")
    pieter = await cast.principal("pieter")
    partner = await make_partner(julien, cast.saint_denis)
    marie = await make_contact(julien, partner, "Marie")
    omar = await make_contact(julien, partner, "Omar")
    stranger = await make_contact(julien, partner, "Zoé")
    meeting = await _meeting(julien, cast.saint_denis)
    theme = await services.add_theme(
        julien, meeting.id, ThemeInput(title="Salon de l'alternance", kind="local_event")
    )
    invited = await services.invite(
        julien, meeting.id, InviteInput(contact_ids=[marie.id, omar.id])
    )
    by_contact = {row.contact: row for row in invited}
    # A facilitator of the site takes attendance; Brussels' manager may not even see it.
    await services.record_presence(
        awa, meeting.id, PresenceInput(invitation_id=by_contact[marie.id].id, presence="present")
    )
    with pytest.raises(Forbidden):
        await services.record_presence(
            pieter,
            meeting.id,
            PresenceInput(invitation_id=by_contact[omar.id].id, presence="absent"),
        )
    token = await services.issue_contact_pass(julien, omar.id)
    first = await services.check_in_contact(awa, meeting.id, f"https://lab.test/p/{token}")
    again = await services.check_in_contact(awa, meeting.id, token)
    assert first.id == again.id == by_contact[omar.id].id
    assert (first.presence, first.method) == ("present", "qr")
    zoe_token = await services.issue_contact_pass(julien, stranger.id)
    with pytest.raises(Conflict) as refused:
        await services.check_in_contact(awa, meeting.id, zoe_token)
    assert refused.value.code == "not_invited"
    assert await AuditLog.exists().where(AuditLog.action == "network.presence.refused")
    with pytest.raises(Exception) as unknown:
        await services.check_in_contact(awa, meeting.id, "not-a-pass-token-at-all-000")
    assert getattr(unknown.value, "code", "") == "not_found"
    assert await NetworkInvitation.count().where(NetworkInvitation.presence == "present") == 2

    await services.write_minutes(
        julien, meeting.id, MinutesInput(minutes="Présentation du salon ; date retenue.")
    )
    decision = await services.record_decision(
        julien, meeting.id, DecisionInput(text="Organiser un job dating en mai", theme_id=theme.id)
    )
    with pytest.raises(Invalid):
        await services.record_decision(
            julien, meeting.id, DecisionInput(text="…", theme_id=theme.id + 1000)
        )
    detail = await queries.meeting_detail(awa, meeting.id)
    assert detail.meeting.status == "held"
    assert not detail.can_manage
    assert [row["presence"] for row in detail.invitations] == ["present", "present"]
    assert [row["contact_name"] for row in detail.invitations] == [
        "Marie Lefèvre",
        "Omar Lefèvre",
    ]
    assert detail.decisions[0]["id"] == decision.id
    sent = await services.send_minutes(julien, meeting.id)
    assert sent == 2
    minutes = await Outbox.objects().where(Outbox.kind == "network_minutes")
    assert all("Organiser un job dating en mai" in row.body for row in minutes)
    assert all("Présentation du salon" in row.body for row in minutes)
    # The same minutes are sent once.
    assert await services.send_minutes(julien, meeting.id) == 0


async def test_a_meeting_must_end_after_it_starts_and_only_managers_create_one(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    awa = await cast.principal("awa")
    with pytest.raises(Invalid) as refused:
        await _meeting(julien, cast.saint_denis, start=dt.time(11), end=dt.time(10))
    assert "end" in refused.value.field_errors
    with pytest.raises(Forbidden):
        await _meeting(awa, cast.saint_denis)
