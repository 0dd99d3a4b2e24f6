"""The digital-consent age: 15 at a French site, 13 at a Belgian one; recorded at the desk."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.accounts import consent
from lab.accounts.tables import Visitor
from lab.core.errors import Conflict, Forbidden
from lab.core.tables import AuditLog
from tests.bookings.factories import TUESDAY, at, freeze
from tests.personas import make_visitor

# Born on 2 December 2011: 14 on Tuesday 1 December 2026, 15 the day after.
FOURTEEN = dt.date(2011, 12, 2)


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10, day=TUESDAY))


def test_the_sites_country_comes_from_its_time_zone():
    assert consent.site_country("Europe/Brussels") == "BE"
    assert consent.site_country("Europe/Paris") == "FR"
    assert consent.site_country("America/Cayenne") == "FR"
    assert consent.consent_age("Europe/Paris") == 15
    assert consent.consent_age("Europe/Brussels") == 13


def test_a_birthday_counts_from_its_own_day():
    assert consent.age_on(FOURTEEN, TUESDAY) == 14
    assert consent.age_on(FOURTEEN, TUESDAY + dt.timedelta(days=1)) == 15
    assert consent.is_under_consent_age(FOURTEEN, "Europe/Paris", TUESDAY)
    assert not consent.is_under_consent_age(FOURTEEN, "Europe/Paris", dt.date(2026, 12, 2))
    assert not consent.is_under_consent_age(FOURTEEN, "Europe/Brussels", TUESDAY)


async def test_staff_record_a_guardians_consent_for_an_under_age_visitor(cast):
    young = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    assert consent.needs_guardian_consent(young, cast.saint_denis, TUESDAY)
    awa = await cast.principal("awa")
    recorded = await consent.record_guardian_consent(awa, young.id)
    assert recorded.guardian_consent_by == awa.user_id
    assert recorded.guardian_consent_at == at(10, day=TUESDAY)
    assert not consent.needs_guardian_consent(recorded, cast.saint_denis, TUESDAY)
    logged = await AuditLog.select(AuditLog.action).where(AuditLog.subject == f"visitor:{young.id}")
    assert [row["action"] for row in logged] == ["visitor.guardian_consent"]


async def test_it_refuses_consent_for_someone_old_enough_or_already_recorded(cast):
    awa = await cast.principal("awa")
    adult = await make_visitor(cast.saint_denis, "Yanis")
    with pytest.raises(Conflict) as refused:
        await consent.record_guardian_consent(awa, adult.id)
    assert refused.value.code == "consent_not_needed"
    young = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    await consent.record_guardian_consent(awa, young.id)
    with pytest.raises(Conflict):
        await consent.record_guardian_consent(awa, young.id)
    refusals = await AuditLog.count().where(AuditLog.action == "visitor.guardian_consent_refused")
    assert refusals == 2


async def test_a_fourteen_year_old_in_brussels_needs_no_consent(cast):
    pieter = await cast.principal("pieter")
    young = await make_visitor(cast.brussels, "Lotte", birth_date=FOURTEEN, postcode="1070")
    assert not consent.needs_guardian_consent(young, cast.brussels, TUESDAY)
    with pytest.raises(Conflict):
        await consent.record_guardian_consent(pieter, young.id)
    row = await Visitor.objects().get(Visitor.id == young.id)
    assert row.guardian_consent_at is None


async def test_staff_of_another_site_cannot_record_it(cast):
    young = await make_visitor(cast.saint_denis, "Léa", birth_date=FOURTEEN)
    with pytest.raises(Forbidden):
        await consent.record_guardian_consent(await cast.principal("pieter"), young.id)
