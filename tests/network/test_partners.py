"""Partner organisations and their contact people: shared by a network's sites, a duplicate
warned, a wrong e-mail refused in the reader's language, CSV out and back in."""

from __future__ import annotations

import pytest

from lab.accounts.staff import load_principal
from lab.core import i18n
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.forms import parse_form
from lab.core.tables import AuditLog
from lab.network import queries, services
from lab.network.forms import ContactInput, PartnerInput
from lab.network.tables import NetworkPartner
from tests.network.factories import make_contact, make_network, make_partner


async def test_a_partner_is_shared_by_the_sites_of_its_network_and_no_other(cast):
    network = await make_network(cast)
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis, tags="Emploi, jeunes, emploi")
    assert partner.tags == "emploi, jeunes"
    assert partner.search_name == "france travail saint denis"
    lina = await load_principal(network.lina.id)
    awa = await cast.principal("awa")
    pieter = await cast.principal("pieter")
    assert [p.id for p in await queries.search_partners(lina)] == [partner.id]
    assert [p.id for p in await queries.search_partners(awa, "travail")] == [partner.id]
    assert await queries.search_partners(pieter) == []
    with pytest.raises(Forbidden) as refused:
        await queries.get_partner_for(pieter, partner.id)
    assert refused.value.code == "other_site"
    # A facilitator reads, a manager of another site of the network changes.
    with pytest.raises(Forbidden):
        await services.add_contact(
            awa, partner.id, ContactInput(first_name="Marie", last_name="Lefèvre")
        )
    await services.update_partner(
        lina,
        partner.id,
        PartnerInput(
            site_id=cast.saint_denis.id,
            name=partner.name,
            kind="employment_service",
            municipality="Saint-Denis",
            services="Inscription, offres d'emploi",
        ),
    )
    assert (await queries.get_partner_for(awa, partner.id)).services.startswith("Inscription")


async def test_a_partner_of_the_same_name_and_municipality_is_a_warning_then_saved(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    first = await make_partner(julien, cast.saint_denis, "Mission Locale d'Aubervilliers")
    with pytest.raises(Conflict) as warned:
        await make_partner(julien, cast.saint_denis, "MISSION LOCALE D’AUBERVILLIERS ")
    assert warned.value.code == "duplicate_partner"
    assert "Mission Locale d'Aubervilliers" in warned.value.message
    # Another municipality: another partner.
    await make_partner(
        julien, cast.saint_denis, "Mission locale d'Aubervilliers", municipality="Pantin"
    )
    second = await make_partner(
        julien, cast.saint_denis, "Mission locale d'Aubervilliers", confirm_duplicate=True
    )
    assert second.id != first.id
    assert await NetworkPartner.count() == 3
    entry = await AuditLog.objects().get(AuditLog.subject == f"network_partner:{second.id}")
    assert '"duplicate_confirmed": true' in entry.data


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Adresse e-mail non valide"), ("en", "e-mail"), ("nl", "e-mail")],
)
async def test_a_contact_persons_invalid_email_is_refused_in_the_readers_language(language, words):
    i18n.set_language(language)
    with pytest.raises(Invalid) as refused:
        parse_form(
            ContactInput,
            {"first_name": "Marie", "last_name": "Lefèvre", "email": "marie@partenaire"},
        )
    message = refused.value.field_errors["email"]
    assert words.lower() in message.lower()
    if language != "fr":
        assert "non valide" not in message
    assert parse_form(ContactInput, {"first_name": "Marie", "last_name": "Lefèvre"}).email == ""


async def test_the_service_refuses_a_wrong_work_email_whoever_calls_it(cast):
    julien = await cast.principal("julien")
    partner = await make_partner(julien, cast.saint_denis)
    i18n.set_language("nl")
    for wrong in ("marie@partenaire", "marie partenaire.be", "<marie@x.be>"):
        with pytest.raises(Invalid) as refused:
            await make_contact(julien, partner, email=wrong)
        assert refused.value.field_errors["email"].startswith("Ongeldig e-mailadres")
    with pytest.raises(Invalid):
        await make_partner(julien, cast.saint_denis, "Actiris", email="info@actiris")
    contact = await make_contact(julien, partner, email="marie@partenaire.be")
    assert contact.email == "marie@partenaire.be"


async def test_the_csv_export_reads_back_and_an_import_reports_every_bad_line(cast):
    await make_network(cast)
    julien = await cast.principal("julien")
    await make_partner(julien, cast.saint_denis, "=Bruxelles Formation", municipality="Saint-Denis")
    partner = await make_partner(julien, cast.saint_denis, tags="emploi")
    await make_contact(julien, partner)
    exported = await queries.export_partners(julien)
    assert exported.startswith("\ufeffname;kind;municipality")
    assert "'=Bruxelles Formation" in exported  # never run as a formula
    assert "marie@partenaire.test" not in exported  # no contact person's data
    bad = (
        "name;kind;municipality;email\n"
        "Centre PMS;youth;Saint-Denis;pms@ville.test\n"
        ";training;Pantin;\n"
        "Bruxelles Formation;school;Saint-Denis;nope\n"
    )
    result = await services.import_partners(julien, cast.saint_denis.id, bad)
    assert result.created == 0
    assert [(p.line, p.warning) for p in result.problems] == [(3, False), (4, False)]
    assert any(m.startswith("kind") for m in result.problems[1].messages)
    assert any(m.startswith("email") for m in result.problems[1].messages)
    assert await NetworkPartner.count() == 2
    good = (
        "name,kind,municipality\n"
        "Centre PMS,youth,Saint-Denis\n"
        "France Travail Saint-Denis,,Saint-Denis\n"
    )
    result = await services.import_partners(julien, cast.saint_denis.id, good)
    assert result.created == 1
    assert [(p.line, p.warning) for p in result.problems] == [(3, True)]
    assert [p.name for p in await queries.search_partners(julien, "pms")] == ["Centre PMS"]
    for broken in ("", "nom;type\nx;y\n", 'name\n"a\0b"\n', "name\n" + "x" * 200_000 + "\n"):
        with pytest.raises(Invalid):
            await services.import_partners(julien, cast.saint_denis.id, broken)
    pieter = await cast.principal("pieter")
    with pytest.raises(Forbidden):
        await services.import_partners(pieter, cast.saint_denis.id, good)
