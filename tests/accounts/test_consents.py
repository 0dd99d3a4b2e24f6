"""Consents per optional purpose: one row per grant, the wording's version agreed to, a guardian
named for a minor under the consent age, withdrawal as easy as giving and kept as history;
e-mail only with consent; the funders' figures count optional fields only with consent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import pytest

from lab.accounts import consents
from lab.accounts.consents import PURPOSES
from lab.accounts.forms import ConsentInput
from lab.accounts.tables import VisitorConsent
from lab.core import clock, i18n
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.tables import AuditLog
from lab.me.auth import VisitorPrincipal
from lab.reports import esf
from lab.reports import queries as report_queries
from lab.reports.filters import Filters, Period
from tests.bookings.factories import TUESDAY, at, freeze
from tests.helpers import login
from tests.me.factories import sign_in, visitor_with_pass
from tests.personas import make_visitor
from tests.reports import handmade

# Born on 2 December 2011: 14 on Tuesday 1 December 2026 (under 15 in France, over 13 in
# Belgium).
FOURTEEN = dt.date(2011, 12, 2)


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10, day=TUESDAY))


def phone_of(visitor) -> VisitorPrincipal:
    return VisitorPrincipal(visitor.id, visitor.created_site, visitor.first_name, 0)


async def audit_of(visitor_id: int) -> list[dict]:
    return (
        await AuditLog.select(AuditLog.action, AuditLog.data, AuditLog.actor_kind)
        .where(AuditLog.subject == f"visitor:{visitor_id}")
        .order_by(AuditLog.id)
    )


# -- The wording --------------------------------------------------------------------------------


def test_every_purpose_has_its_wording_in_french_english_and_dutch():
    assert set(PURPOSES) == {
        "messages_email",
        "messages_sms",
        "photos",
        "share_partner",
        "reporting_optional_fields",
    }
    for purpose in PURPOSES.values():
        for version in range(1, purpose.version + 1):
            french = consents.wording(purpose.code, version, "Mission Emploi")
            for language in ("en", "nl"):
                with i18n.language(language):
                    translated = consents.wording(purpose.code, version, "Mission Emploi")
                    title = i18n.gettext(purpose.title)
                assert translated != purpose.wordings[version - 1], (purpose.code, language)
                assert title != purpose.title, (purpose.code, language)
            if purpose.needs_partner:
                assert "Mission Emploi" in french


# -- Giving and withdrawing -------------------------------------------------------------------


async def test_staff_record_a_consent_in_the_current_wording_and_audit_no_personal_data(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis", email="yanis@example.org", consents=())
    row = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="photos"))
    assert (row.purpose, row.wording_version, row.recorded_by) == ("photos", 1, awa.user_id)
    assert row.given_at == at(10, day=TUESDAY)
    assert row.site == cast.saint_denis.id
    assert row.guardian_name is None and row.withdrawn_at is None
    assert await consents.has_consent(yanis.id, "photos")
    assert not await consents.has_consent(yanis.id, "messages_email")
    [entry] = await audit_of(yanis.id)
    assert entry["action"] == "consent.given"
    assert "Yanis" not in entry["data"] and "yanis@" not in entry["data"]


async def test_a_consent_given_twice_is_refused_while_it_is_live(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    await consents.give_consent(awa, yanis.id, ConsentInput(purpose="messages_sms"))
    with pytest.raises(Conflict) as refused:
        await consents.give_consent(awa, yanis.id, ConsentInput(purpose="messages_sms"))
    assert refused.value.code == "already_given"
    assert [row["action"] for row in await audit_of(yanis.id)] == [
        "consent.given",
        "consent.refused",
    ]


async def test_withdrawing_keeps_the_grant_as_history_and_a_new_grant_is_a_new_row(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    given = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="photos"))
    freeze(at(11, day=TUESDAY))
    withdrawn = await consents.withdraw_consent(phone_of(yanis), yanis.id, given.id)
    assert withdrawn.withdrawn_at == at(11, day=TUESDAY)
    assert withdrawn.withdrawn_by is None  # the visitor themselves
    assert not await consents.has_consent(yanis.id, "photos")
    with pytest.raises(Conflict) as again:
        await consents.withdraw_consent(awa, yanis.id, given.id)
    assert again.value.code == "already_withdrawn"
    freeze(at(12, day=TUESDAY))
    await consents.give_consent(phone_of(yanis), yanis.id, ConsentInput(purpose="photos"))
    history = await consents.consents_of(yanis.id)
    assert [(row["given_at"], row["withdrawn_at"] is None) for row in history] == [
        (at(12, day=TUESDAY), True),
        (at(10, day=TUESDAY), False),
    ]
    assert history[0]["recorded_by"] is None
    actions = [row["action"] for row in await audit_of(yanis.id)]
    assert actions == ["consent.given", "consent.withdrawn", "consent.given"]


async def test_a_new_wording_is_a_new_version_and_old_consents_keep_theirs(cast, monkeypatch):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    first = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="photos"))
    reworded = dataclasses.replace(
        PURPOSES["photos"], wordings=(*PURPOSES["photos"].wordings, "Nouveau texte des photos.")
    )
    monkeypatch.setitem(PURPOSES, "photos", reworded)
    page = await consents.consent_page(yanis)
    [old] = page.history
    assert old["wording_version"] == 1 and not old["current"]
    assert old["wording"] == consents.wording("photos", 1)
    photos = next(state for state in page.purposes if state.code == "photos")
    assert (photos.version, photos.wording) == (2, "Nouveau texte des photos.")
    renewed = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="photos"))
    assert renewed.wording_version == 2
    closed = await VisitorConsent.objects().get(VisitorConsent.id == first.id)
    assert closed.withdrawn_at is not None and closed.wording_version == 1


async def test_sharing_names_a_partner_and_each_partner_is_its_own_consent(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    with pytest.raises(Invalid) as nameless:
        await consents.give_consent(awa, yanis.id, ConsentInput(purpose="share_partner"))
    assert nameless.value.code == "partner_missing"
    assert "partner" in nameless.value.field_errors
    for partner in ("Mission Emploi", "Cap Formation"):
        data = ConsentInput(purpose="share_partner", partner=partner)
        await consents.give_consent(awa, yanis.id, data)
    page = await consents.consent_page(yanis)
    sharing = next(state for state in page.purposes if state.code == "share_partner")
    assert sorted(grant["partner"] for grant in sharing.live) == ["Cap Formation", "Mission Emploi"]
    assert any("Mission Emploi" in grant["wording"] for grant in sharing.live)


async def test_the_database_keeps_one_live_grant_per_purpose_and_partner(cast):
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    values = dict(
        visitor=yanis.id,
        purpose="photos",
        wording_version=1,
        given_at=clock.now(),
        site=cast.saint_denis.id,
    )
    await VisitorConsent(**values).save()
    with pytest.raises(Exception, match=r"(?i)unique"):
        await VisitorConsent(**values).save()
    await VisitorConsent(**values, withdrawn_at=clock.now()).save()  # history may repeat


# -- A minor under the consent age ------------------------------------------------------------


async def test_a_minor_consents_only_with_a_guardian_named_at_the_desk(cast):
    awa = await cast.principal("awa")
    lea = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    with pytest.raises(Invalid) as refused:
        await consents.give_consent(awa, lea.id, ConsentInput(purpose="messages_email"))
    assert refused.value.code == "guardian_missing"
    assert set(refused.value.field_errors) == {"guardian_name", "guardian_relation"}
    assert "15" in refused.value.message
    data = ConsentInput(
        purpose="messages_email", guardian_name="Samia Benali", guardian_relation="parent"
    )
    row = await consents.give_consent(awa, lea.id, data)
    assert (row.guardian_name, row.guardian_relation) == ("Samia Benali", "parent")
    entries = await audit_of(lea.id)
    assert [row["action"] for row in entries] == ["consent.refused", "consent.given"]
    assert all("Samia" not in entry["data"] for entry in entries)


async def test_a_minor_cannot_agree_on_their_phone_but_withdraws_there(cast):
    awa = await cast.principal("awa")
    lea = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    with pytest.raises(Forbidden) as refused:
        await consents.give_consent(phone_of(lea), lea.id, ConsentInput(purpose="photos"))
    assert refused.value.code == "guardian_at_desk"
    data = ConsentInput(purpose="photos", guardian_name="Samia Benali", guardian_relation="parent")
    given = await consents.give_consent(awa, lea.id, data)
    await consents.withdraw_consent(phone_of(lea), lea.id, given.id)
    assert not await consents.has_consent(lea.id, "photos")


async def test_the_same_age_is_of_age_in_brussels(cast):
    pieter = await cast.principal("pieter")
    lotte = await make_visitor(cast.brussels, "Lotte", birth_date=FOURTEEN)
    row = await consents.give_consent(pieter, lotte.id, ConsentInput(purpose="photos"))
    assert row.guardian_name is None
    await consents.give_consent(phone_of(lotte), lotte.id, ConsentInput(purpose="messages_sms"))


# -- Who may ----------------------------------------------------------------------------------


async def test_staff_of_another_site_and_another_visitor_are_refused(cast):
    pieter = await cast.principal("pieter")
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    inès = await make_visitor(cast.saint_denis, "Inès")
    with pytest.raises(Forbidden):
        await consents.give_consent(pieter, yanis.id, ConsentInput(purpose="photos"))
    awa = await cast.principal("awa")
    given = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="photos"))
    with pytest.raises(NotFound):
        await consents.withdraw_consent(phone_of(inès), yanis.id, given.id)
    with pytest.raises(NotFound):  # Inès's own record, Yanis's consent
        await consents.withdraw_consent(phone_of(inès), inès.id, given.id)
    assert await consents.has_consent(yanis.id, "photos")


# -- E-mail only with consent -----------------------------------------------------------------


async def test_e_mail_needs_an_address_and_a_live_consent(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis, "Yanis", email="yanis@example.org", consents=())
    without_address = await make_visitor(cast.saint_denis, "Malik")
    assert not await consents.may_email(yanis)
    given = await consents.give_consent(awa, yanis.id, ConsentInput(purpose="messages_email"))
    await consents.give_consent(awa, without_address.id, ConsentInput(purpose="messages_email"))
    assert await consents.may_email(yanis)
    assert not await consents.may_email(without_address)
    await consents.withdraw_consent(awa, yanis.id, given.id)
    assert not await consents.may_email(yanis)


async def test_consented_reads_many_visitors_at_once(cast):
    awa = await cast.principal("awa")
    people = [await make_visitor(cast.saint_denis, name) for name in ("Ana", "Ben", "Chloé")]
    await consents.give_consent(
        awa, people[0].id, ConsentInput(purpose="reporting_optional_fields")
    )
    withdrawn = await consents.give_consent(
        awa, people[1].id, ConsentInput(purpose="reporting_optional_fields")
    )
    await consents.withdraw_consent(awa, people[1].id, withdrawn.id)
    await consents.give_consent(awa, people[2].id, ConsentInput(purpose="photos"))
    found = await consents.consented([p.id for p in people], "reporting_optional_fields")
    assert found == {people[0].id}
    assert await consents.consented([], "photos") == set()


# -- The pages --------------------------------------------------------------------------------


async def test_staff_give_and_withdraw_on_the_visitors_consent_page(client, cast):
    lea = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    await login(client, cast.email("awa"))
    page = await client.get(f"/visitors/{lea.id}/consents")
    assert page.status_code == 200
    assert "moins de 15 ans" in html.unescape(page.text)
    refused = await client.post(f"/visitors/{lea.id}/consents", data={"purpose": "photos"})
    assert refused.status_code == 422
    assert "Écrivez le nom du parent ou du tuteur." in html.unescape(refused.text)
    given = await client.post(
        f"/visitors/{lea.id}/consents",
        data={"purpose": "photos", "guardian_name": "Samia Benali", "guardian_relation": "parent"},
    )
    assert given.status_code == 303
    [row] = await consents.consents_of(lea.id)
    page = await client.get(f"/visitors/{lea.id}/consents")
    assert "Samia Benali" in html.unescape(page.text)
    withdrawn = await client.post(f"/visitors/{lea.id}/consents/{row['id']}/withdraw")
    assert withdrawn.status_code == 303
    assert not await consents.has_consent(lea.id, "photos")
    again = await client.post(f"/visitors/{lea.id}/consents/{row['id']}/withdraw")
    assert again.status_code == 409


async def test_another_sites_staff_cannot_open_the_consent_page(client, cast):
    yanis = await make_visitor(cast.saint_denis, "Yanis")
    await login(client, cast.email("pieter"))
    assert (await client.get(f"/visitors/{yanis.id}/consents")).status_code == 403
    response = await client.post(f"/visitors/{yanis.id}/consents", data={"purpose": "photos"})
    assert response.status_code == 403
    assert not await consents.has_consent(yanis.id, "photos")


async def test_on_their_phone_a_visitor_agrees_and_withdraws_in_one_tap(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder)
    page = await client.get("/me/consents")
    assert page.status_code == 200
    assert html.unescape(page.text).count("Je suis d'accord") == 4  # not the partner's
    given = await client.post("/me/consents", data={"purpose": "messages_email"})
    assert given.status_code == 303
    [row] = await consents.consents_of(holder.visitor.id)
    assert row["recorded_by"] is None
    withdrawn = await client.post(f"/me/consents/{row['id']}/withdraw")
    assert withdrawn.status_code == 303
    assert not await consents.has_consent(holder.visitor.id, "messages_email")


async def test_on_their_phone_a_minor_is_told_to_come_with_a_guardian(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    await sign_in(client, holder)
    page = await client.get("/me/consents")
    assert "Je suis d'accord" not in html.unescape(page.text)
    refused = await client.post("/me/consents", data={"purpose": "photos"})
    assert refused.status_code == 403
    assert "accueil" in html.unescape(refused.text)
    assert not await consents.has_consent(holder.visitor.id, "photos")


async def test_a_phone_cannot_withdraw_someone_elses_consent(client, cast):
    awa = await cast.principal("awa")
    other = await make_visitor(cast.saint_denis, "Malik")
    given = await consents.give_consent(awa, other.id, ConsentInput(purpose="photos"))
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder)
    response = await client.post(f"/me/consents/{given.id}/withdraw")
    assert response.status_code == 404
    assert await consents.has_consent(other.id, "photos")


# -- The funders' figures -----------------------------------------------------------------------


async def _withdraw_reporting(actor, visitor_ids) -> None:
    for visitor_id in visitor_ids:
        for row in await consents.consents_of(visitor_id):
            if row["purpose"] == "reporting_optional_fields" and row["withdrawn_at"] is None:
                await consents.withdraw_consent(actor, visitor_id, row["id"])


def _hand_worked_filters(cast) -> Filters:
    return Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=(cast.saint_denis.id, cast.brussels.id),
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )


async def test_the_funders_figures_count_optional_fields_only_with_consent(cast):
    data = await handmade.build(cast)
    filters = _hand_worked_filters(cast)
    before = await report_queries.dashboard(filters)
    assert before.profile["gender"] == handmade.GENDERS  # everyone there agreed
    camille = await cast.principal("camille")
    await _withdraw_reporting(camille, data.people.values())
    after = await report_queries.dashboard(filters)
    people = sum(handmade.GENDERS.values())
    assert after.profile["gender"] == {"woman": 0, "man": 0, "non_binary": 0, "not_stated": people}
    assert after.profile["education"]["not_stated"] == sum(after.profile["education"].values())
    assert after.profile["priority_area"]["not_stated"] == people
    # What the dictionary does not call optional still counts: ages and situations.
    assert after.profile["age_band"] == before.profile["age_band"]
    assert after.profile["status"] == before.profile["status"]
    indicators = (await esf.esf_figures(filters, handmade.FIRST.replace(month=1, day=1))).indicators
    assert all(
        count == 0
        for row in indicators.values()
        for gender, count in row.items()
        if gender != "not_stated"
    )
    assert sum(indicators["total"].values()) == sum(handmade.ESF["total"].values())


async def test_a_closed_months_figures_stay_when_a_consent_is_withdrawn(client, cast):
    data = await handmade.build(cast)
    await login(client, cast.email("julien"))
    month = {"period": "month", "day": "2025-11-01", "site": str(cast.saint_denis.id)}
    assert (await client.post("/reports/close", params=month)).status_code == 303
    closed = await client.get("/reports/files/dashboard/csv", params=month)
    assert closed.status_code == 200
    await _withdraw_reporting(await cast.principal("camille"), data.people.values())
    again = await client.get("/reports/files/dashboard/csv", params=month)
    assert again.content == closed.content
    # Counted live (the two sites' months together, never closed), the withdrawal shows.
    live = await report_queries.dashboard(_hand_worked_filters(cast))
    assert live.profile["gender"]["not_stated"] == sum(handmade.GENDERS.values())


async def test_forgetting_the_guardians_keeps_the_grants_without_a_name(cast):
    awa = await cast.principal("awa")
    lea = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    data = ConsentInput(purpose="photos", guardian_name="Samia Benali", guardian_relation="parent")
    await consents.give_consent(awa, lea.id, data)
    other = await make_visitor(cast.saint_denis, "Malik", birth_date=FOURTEEN)
    await consents.give_consent(awa, other.id, data)
    async with write_transaction(VisitorConsent._meta.db):
        assert await consents.forget_guardians_in_transaction(lea.id) == 1
    [row] = await consents.consents_of(lea.id)
    assert (row["guardian_name"], row["guardian_relation"]) == (None, None)
    assert row["purpose"] == "photos" and row["withdrawn_at"] is None
    [kept] = await consents.consents_of(other.id)
    assert kept["guardian_name"] == "Samia Benali"
