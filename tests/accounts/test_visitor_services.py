"""Rules of the visitors service, called directly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lab.accounts import passes, visitors
from lab.accounts.forms import NewVisitorInput, VisitorInput
from lab.accounts.tables import Pass, Visitor
from lab.core.errors import Forbidden, Invalid, NotFound
from lab.core.tables import AuditLog
from tests.personas import make_visitor


def new_visitor(site_id: int | None = None, **changes) -> NewVisitorInput:
    values = {
        "first_name": "Inès",
        "last_name": "Traoré",
        "birth_date": dt.date(2007, 3, 14),
        "postcode": "93200",
        "status": "job_seeker",
        "site_id": site_id,
    }
    values.update(changes)
    return NewVisitorInput(**values)


async def test_it_creates_a_visitor_with_a_first_pass(cast):
    awa = await cast.principal("awa")
    visitor, token = await visitors.create_visitor(awa, new_visitor())
    assert visitor.created_site == cast.saint_denis.id
    assert visitor.search_name == "ines traore"
    resolved = await passes.resolve_token(token)
    assert resolved is not None and resolved.id == visitor.id


async def test_it_warns_about_a_possible_duplicate_then_accepts_a_confirmed_one(cast):
    awa = await cast.principal("awa")
    await visitors.create_visitor(awa, new_visitor())
    with pytest.raises(visitors.PossibleDuplicate) as refused:
        await visitors.create_visitor(awa, new_visitor(first_name="INES", last_name="traore"))
    assert refused.value.code == "possible_duplicate"
    assert len(refused.value.matches) == 1
    await visitors.create_visitor(awa, new_visitor(confirm_not_duplicate=True))
    assert await Visitor.count() == 2


async def test_it_refuses_an_impossible_birth_date(cast):
    awa = await cast.principal("awa")
    for birth_date in (
        dt.date.today() + dt.timedelta(days=1),
        dt.date(1900, 1, 1),
        dt.date.today(),
    ):
        with pytest.raises(Invalid) as refused:
            await visitors.create_visitor(awa, new_visitor(birth_date=birth_date))
        assert "birth_date" in refused.value.field_errors


async def test_a_network_manager_must_choose_the_site(cast):
    nadia = await cast.principal("nadia")
    with pytest.raises(Invalid) as refused:
        await visitors.create_visitor(nadia, new_visitor())
    assert "site_id" in refused.value.field_errors
    visitor, _ = await visitors.create_visitor(nadia, new_visitor(site_id=cast.brussels.id))
    assert visitor.created_site == cast.brussels.id


async def test_a_facilitator_cannot_create_a_visitor_on_another_site(cast):
    awa = await cast.principal("awa")
    with pytest.raises(Invalid):
        await visitors.create_visitor(awa, new_visitor(site_id=cast.brussels.id))


async def test_another_sites_visitor_is_forbidden_and_a_missing_one_not_found(cast):
    brussels_visitor = await make_visitor(cast.brussels, "Lotte", "Peeters")
    awa = await cast.principal("awa")
    with pytest.raises(Forbidden) as refused:
        await visitors.get_visitor_for(awa, brussels_visitor.id)
    assert refused.value.code == "other_site"
    with pytest.raises(NotFound):
        await visitors.get_visitor_for(awa, 999_999)
    nadia = await cast.principal("nadia")
    assert (await visitors.get_visitor_for(nadia, brussels_visitor.id)).id == brussels_visitor.id


async def test_search_finds_by_name_code_and_file_number_within_the_actors_sites(cast):
    awa = await cast.principal("awa")
    mine = await make_visitor(cast.saint_denis, "Zoé", "N'Diaye", external_ref="ML-12345")
    await make_visitor(cast.brussels, "Zoé", "Ndiaye")
    issued, _ = await visitors.reissue_pass(awa, mine.id)

    by_name = await visitors.search_visitors(awa, "zoe ndiaye")
    assert [row["id"] for row in by_name] == []  # the apostrophe is part of the name
    by_name = await visitors.search_visitors(awa, "ZOÉ n'diaye")
    assert [row["id"] for row in by_name] == [mine.id]
    by_code = await visitors.search_visitors(
        awa, passes.display_short_code(issued.short_code).lower()
    )
    assert [row["id"] for row in by_code] == [mine.id]
    by_ref = await visitors.search_visitors(awa, "ML-12345")
    assert [row["id"] for row in by_ref] == [mine.id]
    everyone = await visitors.search_visitors(awa, "zoé")
    assert [row["id"] for row in everyone] == [mine.id]  # not the Brussels Zoé


async def test_an_update_is_audited_with_field_names_but_no_values(cast):
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    data = VisitorInput(
        first_name="Yanis",
        last_name="Martin-Diallo",
        birth_date=visitor.birth_date,
        postcode="93210",
        status="student",
    )
    await visitors.update_visitor(awa, visitor.id, data)
    entry = await AuditLog.objects().where(AuditLog.action == "visitor.updated").first()
    assert json.loads(entry.data)["fields"] == ["last_name", "postcode", "status"]
    assert "Martin-Diallo" not in entry.data and "93210" not in entry.data


async def test_only_a_manager_can_erase_a_visitor_and_the_person_is_gone(cast):
    visitor = await make_visitor(cast.saint_denis)
    awa, julien = await cast.principal("awa"), await cast.principal("julien")
    await visitors.reissue_pass(awa, visitor.id)
    with pytest.raises(Forbidden):
        await visitors.erase_visitor(awa, visitor.id)
    await visitors.erase_visitor(julien, visitor.id)
    # The record stays, pseudonymised, for the figures (tests/accounts/test_erasure.py).
    erased = await Visitor.objects().get(Visitor.id == visitor.id)
    assert (erased.first_name, erased.search_name, erased.anonymised_at is None) == ("", "", False)
    assert await Pass.count() == 0
    assert await AuditLog.exists().where(AuditLog.action == "visitor.erased")
