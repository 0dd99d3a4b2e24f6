"""Referrals: none without the young person's consent; the partner learns only the first name,
the need and, if agreed, how to reach them; a site manager sees the network's partners but the
referrals of their own sites only; the visitor sees theirs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lab.accounts.staff import load_principal
from lab.accounts.visitors import erase_visitor
from lab.core import i18n
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.tables import AuditLog, Outbox
from lab.network import queries, services
from lab.network.forms import ReferralInput, ReferralUpdateInput
from lab.network.tables import NetworkReferral
from lab.wiring import wire
from tests.bookings.factories import freeze
from tests.network.factories import make_contact, make_network, make_partner
from tests.personas import make_visitor


@pytest.fixture(autouse=True)
def may():
    freeze(dt.datetime(2027, 5, 3, 9, tzinfo=dt.UTC))


def _referral(visitor, partner, **values) -> ReferralInput:
    return ReferralInput(
        visitor_id=visitor.id,
        partner_id=partner.id,
        need=values.pop("need", "housing"),
        consent=values.pop("consent", True),
        **values,
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", "Le jeune doit être d'accord"),
        ("en", "The young person must agree"),
        ("nl", "De jongere moet akkoord gaan"),
    ],
)
async def test_a_referral_without_consent_is_refused_and_nothing_is_sent(cast, language, words):
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis)
    visitor = await make_visitor(cast.saint_denis, email="yanis@mail.test")
    i18n.set_language(language)
    with pytest.raises(Invalid) as refused:
        await services.refer(julien, _referral(visitor, partner, consent=False))
    assert refused.value.code == "consent_required"
    assert refused.value.message.startswith(words)
    assert refused.value.field_errors["consent"] == refused.value.message
    assert await NetworkReferral.count() == 0
    assert await Outbox.count() == 0
    entry = await AuditLog.objects().get(AuditLog.action == "network.referral.refused")
    assert json.loads(entry.data)["reason"] == "consent_required"


async def test_the_partner_gets_only_the_first_name_the_need_and_the_agreed_contact(cast):
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis, "Logement jeunes 93", kind="housing")
    contact = await make_contact(julien, partner, "Inès", email="ines@logement.test", language="nl")
    visitor = await make_visitor(
        cast.saint_denis,
        "Yanis",
        "Benali-Martin",
        phone="06 12 34 56 78",
        email="yanis.b@mail.test",
        external_ref="IMILO-4471",
        postcode="93210",
    )
    # Without leave to share their contact: first name and need only.
    await services.refer(julien, _referral(visitor, partner, contact_id=contact.id))
    # With it: the phone and e-mail too.
    other = await make_partner(
        julien, cast.saint_denis, "Mission santé", kind="health", email="accueil@sante.test"
    )
    await services.refer(julien, _referral(visitor, other, need="health", share_contact=True))
    # A partner with no address and no contact person: the referral is kept, no message.
    silent = await make_partner(julien, cast.saint_denis, "Permanence droits", kind="other")
    unsent = await services.refer(julien, _referral(visitor, silent, need="rights"))
    assert unsent.message_sent_at is None
    first, second = await Outbox.objects().order_by(Outbox.id)
    assert (first.recipient, first.language, first.visitor_id) == ("ines@logement.test", "nl", None)
    assert (second.recipient, second.language) == ("accueil@sante.test", "fr")
    assert "06 12 34 56 78 · yanis.b@mail.test" in second.body
    private = ("Benali", "2006", "93210", "IMILO", "17", "job_seeker", "Martin")
    assert "Yanis" in first.body and "Huisvesting" in first.body
    assert "06 12 34 56 78" not in first.body and "yanis.b@mail.test" not in first.body
    for word in private:
        for row in (first, second):
            assert word not in row.body and word not in row.subject, word
    # The message is exactly its stated fields: remove them and only the fixed wording is left.
    subject, body = queries.referral_message(
        first_name="Yanis",
        need="health",
        phone="06 12 34 56 78",
        email="yanis.b@mail.test",
        share_contact=True,
        language="fr",
        site_name="Lab Saint-Denis",
    )
    assert "06 12 34 56 78 · yanis.b@mail.test" in body
    # French typography's no-break spaces, as plain ones.
    bare = body.replace("\u202f", " ").replace("\xa0", " ")
    for field in ("Yanis", "Santé", "06 12 34 56 78", "yanis.b@mail.test", "Lab Saint-Denis"):
        bare = bare.replace(field, "")
    assert bare == (
        "Bonjour,\n\n vous oriente un jeune.\nPrénom : \nBesoin : \n"
        "Pour le ou la joindre (avec son accord) :  · \n\nL'équipe de "
    )
    assert subject.replace("\xa0", " ") == "Orientation d'un jeune : Santé"


async def test_a_referral_moves_only_along_its_statuses_each_move_audited(cast):
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis)
    visitor = await make_visitor(cast.saint_denis)
    referral = await services.refer(
        julien, _referral(visitor, partner, follow_up_on=dt.date(2027, 5, 3))
    )
    assert (await queries.list_referrals(julien))[0]["follow_up_due"]
    with pytest.raises(Conflict) as refused:
        await services.update_referral(
            julien, referral.id, ReferralUpdateInput(status="outcome_known", outcome="found_job")
        )
    assert refused.value.code == "transition_refused"
    await services.update_referral(julien, referral.id, ReferralUpdateInput(status="taken_up"))
    with pytest.raises(Invalid) as missing:
        await services.update_referral(
            julien, referral.id, ReferralUpdateInput(status="outcome_known")
        )
    assert missing.value.code == "outcome_required"
    done = await services.update_referral(
        julien, referral.id, ReferralUpdateInput(status="outcome_known", outcome="found_housing")
    )
    assert (done.status, done.outcome) == ("outcome_known", "found_housing")
    actions = [
        row["action"]
        for row in await AuditLog.select(AuditLog.action)
        .where(AuditLog.subject == f"network_referral:{referral.id}")
        .order_by(AuditLog.id)
    ]
    assert actions == [
        "network.referral.sent",
        "network.referral.refused",
        "network.referral.updated",
        "network.referral.refused",
        "network.referral.updated",
    ]
    assert not (await queries.list_referrals(julien))[0]["follow_up_due"]
    assert await queries.visitor_referrals(visitor.id) == [
        {
            "partner_name": "France Travail Saint-Denis",
            "partner_kind": "employment_service",
            "need": "housing",
            "status": "outcome_known",
            "created_at": referral.created_at,
            "follow_up_on": dt.date(2027, 5, 3),
        }
    ]


async def test_a_site_manager_sees_the_networks_partners_but_only_their_sites_referrals(cast):
    network = await make_network(cast)
    julien = await cast.principal("julien")  # manager at Saint-Denis
    lina = await load_principal(network.lina.id)  # manager at Aubervilliers, same network
    nadia = await cast.principal("nadia")  # network manager
    pieter = await cast.principal("pieter")  # Brussels, another network
    partner = await make_partner(julien, cast.saint_denis)
    from_saint_denis = await services.refer(
        julien, _referral(await make_visitor(cast.saint_denis), partner)
    )
    from_aubervilliers = await services.refer(
        lina, _referral(await make_visitor(network.aubervilliers, "Awa"), partner, need="job")
    )
    # Both managers see the shared partner…
    assert [p.id for p in await queries.search_partners(julien)] == [partner.id]
    assert [p.id for p in await queries.search_partners(lina)] == [partner.id]
    assert await queries.search_partners(pieter) == []
    # …but each the referrals of their own site only.
    assert [r["id"] for r in await queries.list_referrals(julien)] == [from_saint_denis.id]
    assert [r["id"] for r in await queries.list_referrals(lina)] == [from_aubervilliers.id]
    assert await queries.list_referrals(pieter) == []
    assert {r["id"] for r in await queries.list_referrals(nadia)} == {
        from_saint_denis.id,
        from_aubervilliers.id,
    }
    for actor, referral in ((julien, from_aubervilliers), (lina, from_saint_denis)):
        with pytest.raises(Forbidden) as refused:
            await queries.get_referral_for(actor, referral.id)
        assert refused.value.code == "other_site"
        with pytest.raises(Forbidden):
            await services.update_referral(
                actor, referral.id, ReferralUpdateInput(status="taken_up")
            )
    # Lina cannot refer a Saint-Denis visitor from her site either.
    with pytest.raises(Forbidden):
        await services.refer(lina, _referral(await make_visitor(cast.saint_denis, "Léo"), partner))


async def test_erasing_a_visitor_removes_the_partners_message_and_keeps_the_figures(cast, settings):
    wire(settings)
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis, email="accueil@ft.test")
    visitor = await make_visitor(cast.saint_denis, "Zéphyrine")
    other = await make_visitor(cast.saint_denis, "Yanis")
    mine = await services.refer(julien, _referral(visitor, partner))
    await services.refer(julien, _referral(other, partner))
    assert await Outbox.count().where(Outbox.body.like("%Zéphyrine%")) == 1
    counts = await erase_visitor(julien, visitor.id)
    assert counts["referral_messages"] == 1
    assert await Outbox.count().where(Outbox.body.like("%Zéphyrine%")) == 0
    assert await Outbox.count() == 1  # the other young person's message stays
    kept = await NetworkReferral.objects().get(NetworkReferral.id == mine.id)
    assert (kept.need, kept.status) == ("housing", "sent")
