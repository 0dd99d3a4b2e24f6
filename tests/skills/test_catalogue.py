"""The frameworks and practical skills in the database: loading, import, export, an edit."""

from __future__ import annotations

import json

import pytest

from lab.core.errors import Forbidden, Invalid
from lab.skills import catalogue
from lab.skills import framework as files
from lab.skills.forms import SkillInput
from lab.skills.tables import FrameworkEntry, PracticalSkill

SHIPPED = (files.SHIPPED_DIR / files.SKILLS_FILE).read_bytes()


async def _snapshot() -> tuple[list[dict], list[dict]]:
    entries = await FrameworkEntry.select().order_by(FrameworkEntry.id)
    skills = await PracticalSkill.select().order_by(PracticalSkill.id)
    return entries, skills


@pytest.fixture
async def loaded(engine):
    await catalogue.load_shipped()


async def test_the_shipped_framework_loads_with_labels_in_three_languages(loaded):
    digcomp = await FrameworkEntry.select().where(
        (FrameworkEntry.framework == "digcomp") & (FrameworkEntry.version == "2.2")
    )
    assert len([row for row in digcomp if row["kind"] == "area"]) == 5
    assert len([row for row in digcomp if row["kind"] == "competence"]) == 21
    for row in await FrameworkEntry.select():
        assert row["label_fr"] and row["label_en"] and row["label_nl"]
    competences = {
        (row["framework"], row["version"], row["code"])
        for row in await FrameworkEntry.select().where(FrameworkEntry.kind == "competence")
    }
    skills = await PracticalSkill.select()
    assert len(skills) >= 30
    for skill in skills:
        alignments = skill["alignments"]
        alignments = json.loads(alignments) if isinstance(alignments, str) else alignments
        assert alignments
        for a in alignments:
            assert (a["framework"], a["version"], a["code"]) in competences


async def test_import_then_export_is_identical(loaded, cast):
    camille = await cast.principal("camille")
    result = await catalogue.import_skills(camille, SHIPPED)
    assert (result.created, result.updated) == (0, 0)
    assert await catalogue.export_skills() == SHIPPED


async def test_loading_twice_changes_nothing(loaded):
    before = await _snapshot()
    result = await catalogue.load_shipped()
    assert (result.entries_written, result.skills_created) == (0, 0)
    assert await _snapshot() == before


async def test_a_bad_file_is_refused_with_where_and_changes_nothing(loaded, cast):
    camille = await cast.principal("camille")
    document = json.loads(SHIPPED)
    document["skills"][0]["name"]["fr"] = "Nouveau nom"
    document["skills"][5]["alignments"][0]["code"] = "9.9"
    before = await _snapshot()
    with pytest.raises(Invalid) as refused:
        await catalogue.import_skills(camille, json.dumps(document).encode())
    assert "9.9" in refused.value.message and document["skills"][5]["code"] in refused.value.message
    assert await _snapshot() == before


async def test_an_import_creates_and_updates(loaded, cast):
    camille = await cast.principal("camille")
    document = json.loads(SHIPPED)
    document["skills"][0]["name"]["en"] = "Use a touch screen"
    extra = dict(document["skills"][1], code="bank-app", position=1000)
    document["skills"].append(extra)
    result = await catalogue.import_skills(camille, json.dumps(document).encode())
    assert (result.created, result.updated) == (1, 1)
    row = (
        await PracticalSkill.select()
        .where(PracticalSkill.code == document["skills"][0]["code"])
        .first()
    )
    assert row["name_en"] == "Use a touch screen"


async def test_an_admins_edit_survives_loading(loaded, cast):
    camille = await cast.principal("camille")
    edit = SkillInput(
        pictogram="studio",
        name_fr="Enregistrer ma voix",
        name_en="Record my voice",
        name_nl="Mijn stem opnemen",
        sentence_fr="Je sais enregistrer ma voix.",
        sentence_en="I can record my voice.",
        sentence_nl="Ik kan mijn stem opnemen.",
        position=5,
    )
    await catalogue.update_skill(camille, "studio", edit)
    await catalogue.load_shipped()
    row = await PracticalSkill.select().where(PracticalSkill.code == "studio").first()
    assert (row["name_fr"], row["position"]) == ("Enregistrer ma voix", 5)


@pytest.mark.parametrize("who", ["nadia", "julien", "awa"])
async def test_only_an_admin_imports_or_edits(loaded, cast, who):
    staff = await cast.principal(who)
    before = await _snapshot()
    with pytest.raises(Forbidden):
        await catalogue.import_skills(staff, SHIPPED)
    with pytest.raises(Forbidden):
        await catalogue.update_skill(
            staff,
            "studio",
            SkillInput(
                pictogram="studio",
                name_fr="x",
                name_en="x",
                name_nl="x",
                sentence_fr="x",
                sentence_en="x",
                sentence_nl="x",
            ),
        )
    assert await _snapshot() == before


async def test_labels_in_the_readers_language(loaded):
    labels = await catalogue.framework_labels("digcomp", "2.2", "nl")
    assert labels["1"] == "Informatie- en datageletterdheid"
    names = {row.code: row.name for row in await catalogue.skills_list()}
    assert names["email-attachment"] == "Envoyer une pièce jointe"
