"""The network's pages through the app: each works for who may open it and refuses who may not;
a meeting is run from its page (agenda, invitations, presence, minutes, a decision, an action
opened from it, the action moved and turned into a workshop module, seen on the follow-up
page); partners are searched, added (a likely duplicate asked about), exported and imported;
a referral is refused without consent and made with it; a site manager sees the network's
partners but only their own sites' referrals."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lab.accounts.queries import load_principal
from lab.network import queries, services
from lab.network.forms import MeetingInput, ReferralInput
from lab.network.tables import NetworkAction, NetworkMeeting, NetworkReferral
from tests.helpers import login
from tests.me.factories import sign_in, visitor_with_pass
from tests.network.factories import make_contact, make_network, make_partner
from tests.personas import make_visitor

pytestmark = pytest.mark.asyncio


async def _meeting(actor, site, day: dt.date | None = None) -> NetworkMeeting:
    day = day or dt.date.today() + dt.timedelta(days=7)
    return await services.create_meeting(
        actor,
        MeetingInput(
            site_id=site.id,
            title="Réunion emploi formation",
            day=day,
            start=dt.time(9, 30),
            end=dt.time(11, 30),
            place="Salle du conseil",
        ),
    )


def _id_in(location: str, kind: str) -> int:
    found = re.search(rf"/network/{kind}/(\d+)", location)
    assert found, location
    return int(found.group(1))


async def test_a_manager_runs_a_meeting_from_its_page_to_a_workshop_module(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    emploi = await make_partner(julien, cast.saint_denis)
    marie = await make_contact(julien, emploi)
    formation = await make_partner(
        julien, cast.saint_denis, "Centre de formation Plaine", kind="training"
    )
    meeting = await _meeting(julien, cast.saint_denis)
    await login(client, cast.email("julien"))
    page = f"/network/meetings/{meeting.id}"

    response = await client.post(
        f"{page}/themes", data={"title": "Offre de formation", "kind": "training_offer"}
    )
    assert response.status_code == 200 and "Offre de formation" in response.text
    response = await client.post(
        f"{page}/invite", data={"contact_ids": [str(marie.id)], "partner_ids": [str(formation.id)]}
    )
    assert response.status_code == 200, response.text
    assert "Les invitations sont envoyées" in response.text
    invitations = re.findall(r'id="invitation-(\d+)"', response.text)
    assert len(invitations) == 2
    for invitation in invitations:
        response = await client.post(
            f"{page}/presence", data={"invitation_id": invitation, "presence": "present"}
        )
        assert response.status_code == 200, response.text
    assert response.text.count('data-presence="present"') == 2
    response = await client.post(f"{page}/minutes", data={"minutes": "Tour de table."})
    assert response.status_code == 200 and "Le procès-verbal est enregistré." in response.text
    response = await client.post(f"{page}/decisions", data={"text": "Organiser un job dating"})
    assert response.status_code == 200 and "Organiser un job dating" in response.text
    decision = int(re.search(r'id="open-action-(\d+)"', response.text).group(1))

    form = await client.get(f"/network/actions/new?decision={decision}")
    assert form.status_code == 200 and "Organiser un job dating" in form.text
    # The partners present at the meeting are proposed.
    assert form.text.count('name="partner_ids" value=') == 2
    assert form.text.count(" checked>") >= 2
    response = await client.post(
        "/network/actions",
        data={
            "site_id": str(cast.saint_denis.id),
            "decision_id": str(decision),
            "title": "Job dating logistique",
            "kind": "job_dating",
            "owner_id": str(julien.user_id),
            "due_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "partner_ids": [str(emploi.id), str(formation.id)],
        },
    )
    assert response.status_code == 303, response.text
    action_id = _id_in(response.headers["location"], "actions")
    action_page = await client.get(f"/network/actions/{action_id}")
    # Only the moves the state allows: proposed → under way or abandoned.
    assert 'id="move-under_way"' in action_page.text
    assert 'id="move-abandoned"' in action_page.text
    assert 'id="move-done"' not in action_page.text
    assert "En retard" in action_page.text
    refused = await client.post(f"/network/actions/{action_id}/move", data={"status": "done"})
    assert refused.status_code == 409
    moved = await client.post(f"/network/actions/{action_id}/move", data={"status": "under_way"})
    assert moved.status_code == 303
    made = await client.post(f"/network/actions/{action_id}/module", data={})
    assert made.status_code == 303
    action = await NetworkAction.objects().get(NetworkAction.id == action_id)
    assert action.module is not None and action.status == "under_way"
    follow_up = await client.get("/network/follow-up")
    assert follow_up.status_code == 200
    row = re.search(rf'<tr id="action-{action_id}".*?</tr>', follow_up.text, re.S).group(0)
    assert 'data-overdue="yes"' in row and "En retard" in row  # in words, not colour alone
    assert f"/workshops/{action.module}" in row


async def test_partners_are_searched_added_exported_and_imported(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    await make_partner(julien, cast.saint_denis, "Mission jeunes 93", services="Emploi, mobilité")
    await login(client, cast.email("julien"))
    found = await client.get("/network/partners", params={"q": "mobilite"})
    assert "Mission jeunes 93" in found.text
    missed = await client.get("/network/partners", params={"q": "logement"})
    assert "Mission jeunes 93" not in missed.text
    form = {
        "site_id": str(cast.saint_denis.id),
        "name": "Mission Jeunes 93",
        "kind": "youth",
        "municipality": "Saint-Denis",
        "language": "fr",
        "active": "on",
    }
    duplicate = await client.post("/network/partners/new", data=form)
    assert duplicate.status_code == 409
    assert 'id="duplicate-warning"' in duplicate.text
    assert 'name="confirm_duplicate"' in duplicate.text
    saved = await client.post("/network/partners/new", data={**form, "confirm_duplicate": "on"})
    assert saved.status_code == 303
    bad_mail = await client.post(
        f"/network/partners/{_id_in(saved.headers['location'], 'partners')}/contacts",
        data={
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea-at-example",
            "language": "fr",
        },
    )
    assert bad_mail.status_code == 422
    assert "Adresse e-mail non valide" in bad_mail.text
    exported = await client.get("/network/partners.csv")
    assert exported.status_code == 200 and "Mission jeunes 93" in exported.text
    imported = await client.post(
        "/network/partners/import",
        data={
            "site_id": str(cast.saint_denis.id),
            "csv": "name;kind;municipality\nRestos du coeur;other;Saint-Denis\n",
        },
    )
    assert imported.status_code == 303, imported.text
    assert "imported=1" in imported.headers["location"]
    refused = await client.post(
        "/network/partners/import",
        data={"site_id": str(cast.saint_denis.id), "csv": "name;kind\nX;nonsense\n"},
    )
    assert refused.status_code == 422
    assert "Ligne 2" in refused.text


async def test_a_referral_without_consent_is_refused_and_with_it_is_made(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await login(client, cast.email("awa"))
    section = await client.get(f"/visitors/{yanis.id}/referrals", headers={"HX-Request": "true"})
    assert section.status_code == 200
    assert section.text.lstrip().startswith('<section id="visitor-referrals"')
    form = {"partner_id": str(partner.id), "need": "job"}
    refused = await client.post(f"/visitors/{yanis.id}/referrals", data=form)
    assert refused.status_code == 422
    assert await NetworkReferral.count() == 0
    made = await client.post(f"/visitors/{yanis.id}/referrals", data={**form, "consent": "on"})
    assert made.status_code == 200, made.text
    assert "L'orientation est faite." in made.text.replace("&#39;", "'")
    assert await NetworkReferral.count() == 1


async def test_a_site_manager_sees_the_networks_partners_but_their_own_sites_referrals(
    client, cast
) -> None:
    julien, pieter = await cast.principal("julien"), await cast.principal("pieter")
    network = await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    lina = await load_principal(network.lina.id)
    theirs = await make_visitor(network.aubervilliers, "Sami", "Haddad")
    ours = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    for actor, visitor, site in (
        (lina, theirs, network.aubervilliers),
        (julien, ours, cast.saint_denis),
    ):
        await services.refer(
            actor,
            ReferralInput(
                visitor_id=visitor.id,
                partner_id=partner.id,
                need="job",
                consent=True,
                site_id=site.id,
            ),
        )
    await login(client, cast.email("julien"))
    partners = await client.get("/network/partners")
    assert "France Travail Saint-Denis" in partners.text
    referrals = await client.get("/network/referrals")
    assert "Yanis" in referrals.text and "Sami" not in referrals.text
    other = await NetworkReferral.objects().get(NetworkReferral.visitor == theirs.id)
    refused = await client.post(f"/network/referrals/{other.id}", data={"status": "taken_up"})
    assert refused.status_code == 403
    # Brussels is another network: its manager sees neither the partner nor the referrals.
    assert await queries.search_partners(pieter) == []
    assert await queries.list_referrals(pieter) == []


async def test_a_facilitator_may_read_the_pages_but_not_open_the_forms_of_managers(
    client, cast
) -> None:
    await login(client, cast.email("awa"))
    for path in (
        "/network/partners",
        "/network/meetings",
        "/network/follow-up",
        "/network/referrals",
    ):
        assert (await client.get(path)).status_code == 200, path
    for path in ("/network/partners/new", "/network/meetings/new", "/network/actions/new"):
        assert (await client.get(path)).status_code == 403, path


async def test_a_contact_persons_meeting_pass_marks_them_present_when_scanned(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    marie = await make_contact(julien, partner)
    meeting = await _meeting(julien, cast.saint_denis)
    await login(client, cast.email("julien"))
    shown = await client.post(f"/network/contacts/{marie.id}/pass")
    assert shown.status_code == 200
    assert '<svg role="img" class="qr"' in shown.text
    code = re.search(r'<code id="pass-code">([^<]+)</code>', shown.text).group(1)
    await client.post(f"/network/meetings/{meeting.id}/invite", data={"contact_ids": [marie.id]})
    scanned = await client.post(f"/network/meetings/{meeting.id}/check-in", data={"code": code})
    assert scanned.status_code == 200, scanned.text
    assert 'data-presence="present"' in scanned.text
    assert "par badge" in scanned.text
    unknown = await client.post(f"/network/meetings/{meeting.id}/check-in", data={"code": "x" * 43})
    assert unknown.status_code == 404


async def test_a_referral_offers_only_the_statuses_it_may_move_to(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    referral = await services.refer(
        julien,
        ReferralInput(visitor_id=yanis.id, partner_id=partner.id, need="job", consent=True),
    )
    await login(client, cast.email("julien"))
    page = (await client.get("/network/referrals")).text
    select = re.search(rf'<select id="status-{referral.id}".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([a-z_]+)"', select) == ["sent", "not_taken_up", "taken_up"]
    refused = await client.post(
        f"/network/referrals/{referral.id}", data={"status": "outcome_known", "outcome": "none"}
    )
    assert refused.status_code == 409
    moved = await client.post(f"/network/referrals/{referral.id}", data={"status": "taken_up"})
    assert moved.status_code == 303
    page = (await client.get("/network/referrals")).text
    select = re.search(rf'<select id="status-{referral.id}".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([a-z_]+)"', select) == ["taken_up", "outcome_known"]


async def test_a_visitor_sees_their_own_referrals_on_their_phone(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    other = await make_partner(julien, cast.saint_denis, "Foyer Pleyel", kind="housing")
    ines = await visitor_with_pass(cast.saint_denis, "Inès", last_name="Benali")
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    for visitor, to in ((ines.visitor, partner), (yanis, other)):
        await services.refer(
            julien,
            ReferralInput(visitor_id=visitor.id, partner_id=to.id, need="job", consent=True),
        )
    await sign_in(client, ines)
    home = await client.get("/me")
    assert home.status_code == 200
    section = re.search(r'<section[^>]*id="me-referrals".*?</section>', home.text, re.S).group(0)
    assert "France Travail Saint-Denis" in section
    assert "Le lab a prévenu le partenaire." in section
    assert "Foyer Pleyel" not in home.text  # someone else's
    assert "Lefèvre" not in section  # nothing about the partner's people


async def test_a_meeting_is_moved_and_an_action_edited_from_their_pages(client, cast) -> None:
    julien = await cast.principal("julien")
    await make_network(cast)
    partner = await make_partner(julien, cast.saint_denis)
    meeting = await _meeting(julien, cast.saint_denis)
    await login(client, cast.email("julien"))
    page = await client.get(f"/network/meetings/{meeting.id}")
    assert page.text.count('id="f-meeting-title"') == 1
    day = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    moved = await client.post(
        f"/network/meetings/{meeting.id}/edit",
        data={
            "site_id": str(cast.saint_denis.id),
            "title": "Réunion déplacée",
            "day": day,
            "start": "14:00",
            "end": "13:00",
        },
    )
    assert moved.status_code == 422  # the end before the start
    assert 'id="meeting-edit" open' in moved.text
    moved = await client.post(
        f"/network/meetings/{meeting.id}/edit",
        data={
            "site_id": str(cast.saint_denis.id),
            "title": "Réunion déplacée",
            "day": day,
            "start": "14:00",
            "end": "16:00",
        },
    )
    assert moved.status_code == 303
    assert (await NetworkMeeting.objects().get(NetworkMeeting.id == meeting.id)).title == (
        "Réunion déplacée"
    )
    opened = await client.post(
        "/network/actions",
        data={"site_id": str(cast.saint_denis.id), "title": "Forum", "kind": "other"},
    )
    action_id = _id_in(opened.headers["location"], "actions")
    edited = await client.post(
        f"/network/actions/{action_id}/edit",
        data={
            "title": "Forum de l'alternance",
            "kind": "info_session",
            "owner_id": str(julien.user_id),
            "due_on": day,
            "partner_ids": [str(partner.id)],
        },
    )
    assert edited.status_code == 303, edited.text
    action = await NetworkAction.objects().get(NetworkAction.id == action_id)
    assert (action.title, action.kind, action.owner, action.due_on.isoformat()) == (
        "Forum de l'alternance",
        "info_session",
        julien.user_id,
        day,
    )
    page = await client.get(f"/network/actions/{action_id}")
    assert "France Travail Saint-Denis" in page.text
