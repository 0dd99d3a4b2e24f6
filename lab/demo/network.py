"""Demo network: about fifteen local partners around each site (Saint-Denis and Anderlecht) with
their contact people, one past meeting at each site (agenda, who came, minutes, decisions), the
actions born of them (one done, one under way and late, one made a workshop module, one just
proposed), and referrals of young people with what came of them.

Names of public bodies are real (France Travail, Actiris, VDAB…); the people, their e-mail
addresses and phone numbers are invented (the ``.example`` domain)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.demo.network_data import MEETINGS, PARTNERS, REFERRALS
from lab.network import queries, services
from lab.network.forms import (
    ActionInput,
    ActionNoteInput,
    ContactInput,
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PartnerInput,
    PresenceInput,
    ReferralInput,
    ReferralUpdateInput,
    ThemeInput,
)


async def _partners(actor: StaffPrincipal, site_id: int, slug: str) -> list[tuple[int, list]]:
    made = []
    for name, kind, town, offer, tags, language, people in PARTNERS[slug]:
        words = [w for w in name.lower().replace("'", " ").split() if w.isascii() and len(w) > 2]
        domain = "-".join(words[:2]) + ".example"
        partner = await services.create_partner(
            actor,
            PartnerInput(
                site_id=site_id,
                name=name,
                kind=kind,
                municipality=town,
                zone=town,
                services=offer,
                tags=tags,
                language=language,
                email=f"contact@{domain}",
                confirm_duplicate=True,
            ),
        )
        contacts = []
        for first, last, role in people:
            handle = f"{first.split()[-1]}.{last.split()[-1]}".lower()
            handle = "".join(c for c in handle if c.isascii() and (c.isalpha() or c == "."))
            contact = await services.add_contact(
                actor,
                partner.id,
                ContactInput(
                    first_name=first.split()[-1],
                    last_name=last,
                    role=role,
                    email=f"{handle}@{domain}",
                    language=language,
                ),
            )
            contacts.append(contact.id)
        made.append((partner.id, contacts))
    return made


async def _meeting(
    actor: StaffPrincipal,
    site_id: int,
    slug: str,
    partners: list[tuple[int, list]],
    owner_id: int,
    zone: str,
) -> list[int]:
    """The site's past meeting and the actions its decisions opened; their ids."""
    plan = MEETINGS[slug]
    day = clock.now().astimezone(ZoneInfo(zone)).date() - dt.timedelta(days=plan["days_ago"])
    start, end = plan["times"]
    meeting = await services.create_meeting(
        actor,
        MeetingInput(
            site_id=site_id,
            title=plan["title"],
            day=day,
            start=start,
            end=end,
            place=plan["place"],
            zone=plan["zone"],
        ),
    )
    for kind, title in plan["themes"]:
        await services.add_theme(actor, meeting.id, ThemeInput(title=title, kind=kind))
    invited = await services.invite(
        actor,
        meeting.id,
        InviteInput(contact_ids=[partners[index][1][0] for index in plan["invited"]]),
    )
    by_contact = {invitation.contact: invitation.id for invitation in invited}
    for index in plan["invited"]:
        presence = "present" if index in plan["present"] else "excused"
        await services.record_presence(
            actor,
            meeting.id,
            PresenceInput(invitation_id=by_contact[partners[index][1][0]], presence=presence),
        )
    await services.write_minutes(actor, meeting.id, MinutesInput(minutes=plan["minutes"]))
    actions = []
    for text in plan["decisions"]:
        decision = await services.record_decision(actor, meeting.id, DecisionInput(text=text))
        action = await services.open_action(
            actor,
            ActionInput(
                site_id=site_id,
                title=text,
                kind=_kind_of(text),
                description=text,
                owner_id=owner_id,
                due_on=day + dt.timedelta(days=30),
                partner_ids=[partners[index][0] for index in plan["present"][:2]],
                decision_id=decision.id,
            ),
        )
        actions.append(action.id)
    return actions


def _kind_of(text: str) -> str:
    lowered = text.lower()
    if "job dating" in lowered:
        return "job_dating"
    if "information" in lowered:
        return "info_session"
    if "atelier" in lowered:
        return "joint_workshop"
    return "other"


async def _follow(actor: StaffPrincipal, actions: list[int], zone: str) -> None:
    """The first action is done, the second under way and late, the third made a workshop
    module; any other stays proposed."""
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    first, second, *rest = actions
    await services.move_action(actor, first, "under_way")
    await services.add_action_note(
        actor, first, ActionNoteInput(text="Date et salle trouvées, employeurs confirmés.")
    )
    await services.move_action(actor, first, "done")
    await services.move_action(actor, second, "under_way")
    await services.add_action_note(
        actor, second, ActionNoteInput(text="En attente des dates du partenaire.")
    )
    await services.update_action(
        actor,
        second,
        await _same_with_due(actor, second, today - dt.timedelta(days=3)),
    )
    if rest:
        await services.action_to_module(actor, rest[0])


async def _same_with_due(actor: StaffPrincipal, action_id: int, due_on: dt.date) -> ActionInput:
    detail = await queries.action_detail(actor, action_id)
    action = detail["action"]
    return ActionInput(
        site_id=action.site,
        title=action.title,
        kind=action.kind,
        description=action.description,
        owner_id=action.owner,
        due_on=due_on,
        partner_ids=[partner["id"] for partner in detail["partners"]],
        decision_id=action.decision,
    )


async def _referrals(
    actor: StaffPrincipal,
    site_id: int,
    people: list[dict],
    partners: list[tuple[int, list]],
    rng: random.Random,
) -> int:
    visitors = [person["id"] for person in people if person["created_site"] == site_id]
    made = 0
    for (need, status, outcome, share), visitor_id in zip(REFERRALS, visitors, strict=False):
        partner_id, contacts = rng.choice(partners)
        referral = await services.refer(
            actor,
            ReferralInput(
                visitor_id=visitor_id,
                partner_id=partner_id,
                contact_id=contacts[0] if contacts else None,
                need=need,
                consent=True,
                share_contact=share,
                site_id=site_id,
                follow_up_on=clock.now().date() + dt.timedelta(days=rng.randint(-5, 20)),
            ),
        )
        if status == "outcome_known":
            await services.update_referral(
                actor, referral.id, ReferralUpdateInput(status="taken_up")
            )
        if status != "sent":
            await services.update_referral(
                actor, referral.id, ReferralUpdateInput(status=status, outcome=outcome)
            )
        made += 1
    return made


async def load_network(
    actor: StaffPrincipal,
    site_ids: dict[str, int],
    people: list[dict],
    staff_ids: dict[str, int],
    rng: random.Random,
) -> dict[str, int]:
    """The network of each demo site; how many partners, meetings, actions and referrals."""
    owners = {
        "saint-denis": staff_ids["responsable.stdenis@lab.example"],
        "bruxelles-anderlecht": staff_ids["responsable.bxl@lab.example"],
    }
    zones = {"saint-denis": "Europe/Paris", "bruxelles-anderlecht": "Europe/Brussels"}
    counts = {"network_partners": 0, "network_meetings": 0, "network_actions": 0}
    counts["network_referrals"] = 0
    for slug, site_id in site_ids.items():
        partners = await _partners(actor, site_id, slug)
        actions = await _meeting(actor, site_id, slug, partners, owners[slug], zones[slug])
        await _follow(actor, actions, zones[slug])
        counts["network_partners"] += len(partners)
        counts["network_meetings"] += 1
        counts["network_actions"] += len(actions)
        counts["network_referrals"] += await _referrals(actor, site_id, people, partners, rng)
    return counts
