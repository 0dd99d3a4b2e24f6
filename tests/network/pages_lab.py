"""The network's part of the lab every page is opened in (tests/pages.py) and of the data it
grows by (tests/test_query_budgets.py): at Saint-Denis, a partner with a contact person, a
meeting with its agenda, an invitation, minutes and a decision, an action opened from it, and
a referral of the lab's visitor; then more of each."""

from __future__ import annotations

import datetime as dt

from lab.network import services
from lab.network.forms import (
    ActionInput,
    ActionNoteInput,
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PresenceInput,
    ReferralInput,
    ThemeInput,
)
from tests.network.factories import make_contact, make_partner
from tests.personas import make_visitor

MEETING_DAY = dt.date(2026, 12, 8)


async def _meeting(julien, site, title: str, day: dt.date, partner, contact) -> tuple:
    meeting = await services.create_meeting(
        julien,
        MeetingInput(
            site_id=site.id,
            title=title,
            day=day,
            start=dt.time(9, 30),
            end=dt.time(11),
            place="Salle du conseil",
        ),
    )
    await services.add_theme(julien, meeting.id, ThemeInput(title="Offre de formation"))
    invited = await services.invite(julien, meeting.id, InviteInput(contact_ids=[contact.id]))
    await services.record_presence(
        julien, meeting.id, PresenceInput(invitation_id=invited[0].id, presence="present")
    )
    await services.write_minutes(julien, meeting.id, MinutesInput(minutes="Tour de table"))
    decision = await services.record_decision(
        julien, meeting.id, DecisionInput(text="Organiser un job dating")
    )
    action = await services.open_action(
        julien,
        ActionInput(
            site_id=site.id,
            title=f"Job dating {title}",
            kind="job_dating",
            owner_id=julien.user_id,
            due_on=day + dt.timedelta(days=20),
            partner_ids=[partner.id],
            decision_id=decision.id,
        ),
    )
    await services.add_action_note(julien, action.id, ActionNoteInput(text="Salle trouvée"))
    return meeting, action


async def build_network(cast, visitor) -> dict[str, int]:
    """The rows behind the network's pages; their ids for the paths."""
    julien = await cast.principal("julien")
    site = cast.saint_denis
    partner = await make_partner(julien, site, "France Travail Saint Denis")
    contact = await make_contact(julien, partner)
    meeting, action = await _meeting(julien, site, "Réunion emploi", MEETING_DAY, partner, contact)
    await services.refer(
        julien,
        ReferralInput(visitor_id=visitor.id, partner_id=partner.id, need="job", consent=True),
    )
    return {
        "partner_id": partner.id,
        "contact_id": contact.id,
        "meeting_id": meeting.id,
        "action_id": action.id,
    }


async def grow_network(cast, visitor) -> None:
    """More partners, contact people, meetings, invitations, decisions, actions and notes,
    and referrals: of the lab's visitor and of others."""
    julien = await cast.principal("julien")
    site = cast.saint_denis
    for number, name in enumerate(("Centre de formation", "Foyer des jeunes", "Entreprise")):
        partner = await make_partner(julien, site, name, kind="training", municipality="Pantin")
        contact = await make_contact(julien, partner, f"Personne{'abc'[number]}")
        await make_contact(julien, partner, f"Autre{'abc'[number]}")
        _meeting_row, action = await _meeting(
            julien,
            site,
            f"Réunion {name}",
            MEETING_DAY + dt.timedelta(days=7 * number),
            partner,
            contact,
        )
        await services.move_action(julien, action.id, "under_way")
        for person in (visitor, await make_visitor(site, "Sara", f"Nouvelle{'abc'[number]}")):
            await services.refer(
                julien,
                ReferralInput(
                    visitor_id=person.id,
                    partner_id=partner.id,
                    contact_id=contact.id,
                    need="training",
                    consent=True,
                ),
            )
