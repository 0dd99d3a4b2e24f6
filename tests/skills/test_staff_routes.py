"""Staff pages of skills, through the app: the tick-list at a session, a module's group progress
and skills editor, a visitor's skills section, the admins' catalogue; and who may open each."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lab.attendance import services as attendance
from lab.skills import services
from lab.skills.forms import Assessment, ModuleSkills
from lab.skills.tables import Badge, ModuleSkill, PracticalSkill, SkillEvidence
from lab.workshops.tables import Enrolment
from tests.bookings.factories import TUESDAY, at, freeze
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


@pytest.fixture
async def workshop(cast, practical_skills):
    """A Saint-Denis workshop teaching "email-use" and "cv-template", one session this
    morning, Yanis who came and Lina who did not: (module, session, yanis, lina)."""
    module = await make_module(cast.saint_denis, "Premiers pas", kind="digital_skills")
    session = await make_session(module, at(9, day=TUESDAY - dt.timedelta(days=1)))
    julien = await cast.principal("julien")
    await services.set_module_skills(
        julien, module.id, ModuleSkills(teaches=["email-use", "cv-template"])
    )
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    lina = await make_visitor(cast.saint_denis, "Lina", "Benali")
    for visitor in (yanis, lina):
        await Enrolment.insert(
            Enrolment(module=module.id, visitor=visitor.id, status="enrolled", position=0)
        )
    await attendance.mark(await cast.principal("awa"), session.id, yanis.id, "present")
    return module, session, yanis, lina


async def _evidence() -> list[tuple]:
    rows = await SkillEvidence.select().order_by(SkillEvidence.skill)
    return [
        (
            row["visitor"],
            row["skill"],
            row["level"],
            row["source"],
            row["session"],
            row["staff_user"],
        )
        for row in rows
    ]


# ---- the tick-list -------------------------------------------------------------------------


async def test_a_facilitator_ticks_what_she_saw_and_it_is_recorded_as_hers_at_the_session(
    client, cast, workshop
):
    _module, session, yanis, lina = workshop
    awa = cast.users["awa"]
    await login(client, cast.email("awa"))

    page = await client.get(f"/skills/sessions/{session.id}")
    assert page.status_code == 200
    assert "Lire et envoyer un e-mail" in page.text
    assert f'value="{yanis.id}:email-use:on_my_own"' in page.text
    # Only people who came get boxes; Lina is named as not checked in.
    assert f'value="{lina.id}:email-use:on_my_own"' not in page.text
    assert "Lina Benali" in page.text

    answer = await client.post(
        f"/skills/sessions/{session.id}",
        data={
            f"cell-{yanis.id}-email-use": f"{yanis.id}:email-use:on_my_own",
            f"cell-{yanis.id}-cv-template": f"{yanis.id}:cv-template:with_help",
        },
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text and 'id="skills-ticklist"' in answer.text
    assert "2 observations enregistrées." in answer.text
    assert "1 badge délivré." in answer.text
    assert await _evidence() == [
        (yanis.id, "cv-template", "with_help", "facilitator", session.id, awa.id),
        (yanis.id, "email-use", "on_my_own", "facilitator", session.id, awa.id),
    ]
    # The list now shows where Yanis stands.
    again = await client.get(f"/skills/sessions/{session.id}")
    assert 'data-level="on_my_own"' in again.text
    assert "Observé par l'animateur" in again.text


async def test_a_cell_left_on_nothing_new_records_nothing(client, cast, workshop):
    _module, session, yanis, _lina = workshop
    await login(client, cast.email("awa"))
    answer = await client.post(
        f"/skills/sessions/{session.id}", data={f"cell-{yanis.id}-email-use": ""}
    )
    assert answer.status_code == 200
    assert "Rien n'est coché, donc rien n'est enregistré." in answer.text
    assert await SkillEvidence.count() == 0


async def test_someone_who_did_not_come_is_refused_and_nothing_is_written(client, cast, workshop):
    _module, session, yanis, lina = workshop
    await login(client, cast.email("awa"))
    answer = await client.post(
        f"/skills/sessions/{session.id}",
        data={
            f"cell-{yanis.id}-email-use": f"{yanis.id}:email-use:on_my_own",
            f"cell-{lina.id}-email-use": f"{lina.id}:email-use:on_my_own",
        },
        headers=HTMX,
    )
    assert answer.status_code == 422
    assert "pointez-la d&#39;abord" in answer.text
    assert 'id="skills-ticklist"' in answer.text
    assert await SkillEvidence.count() == 0
    assert await Badge.count() == 0


async def test_a_skill_the_module_does_not_teach_is_refused(client, cast, workshop):
    _module, session, yanis, _lina = workshop
    await login(client, cast.email("awa"))
    answer = await client.post(
        f"/skills/sessions/{session.id}",
        data={f"cell-{yanis.id}-studio": f"{yanis.id}:studio:on_my_own"},
    )
    assert answer.status_code == 422
    assert "Cet atelier n&#39;enseigne pas cette compétence." in answer.text
    assert await SkillEvidence.count() == 0


async def test_a_malformed_tick_is_a_clear_refusal(client, cast, workshop):
    _module, session, _yanis, _lina = workshop
    await login(client, cast.email("awa"))
    answer = await client.post(
        f"/skills/sessions/{session.id}", data={"cell-x": "1:<script>:on_my_own"}
    )
    assert answer.status_code == 422
    assert await SkillEvidence.count() == 0


async def test_a_module_that_teaches_nothing_says_so_and_links_to_its_skills(
    client, cast, practical_skills
):
    module = await make_module(cast.saint_denis, "Accueil", kind="info_session")
    session = await make_session(module, at(14, day=TUESDAY - dt.timedelta(days=1)))
    await login(client, cast.email("julien"))
    page = await client.get(f"/skills/sessions/{session.id}")
    assert page.status_code == 200
    assert "n'enseigne encore aucune compétence" in page.text
    assert f'href="/skills/modules/{module.id}/edit"' in page.text


async def test_the_roster_links_to_the_tick_list(client, cast, workshop):
    _module, session, _yanis, _lina = workshop
    await login(client, cast.email("awa"))
    roster = await client.get(f"/attendance/sessions/{session.id}")
    assert f'href="/skills/sessions/{session.id}"' in roster.text


async def test_a_facilitator_of_another_site_can_neither_see_nor_tick(client, cast, workshop):
    _module, session, yanis, _lina = workshop
    await login(client, cast.email("sofia"))
    page = await client.get(f"/skills/sessions/{session.id}")
    assert page.status_code in (403, 404)
    answer = await client.post(
        f"/skills/sessions/{session.id}",
        data={f"cell-{yanis.id}-email-use": f"{yanis.id}:email-use:on_my_own"},
    )
    assert answer.status_code in (403, 404)
    assert await SkillEvidence.count() == 0


# ---- a module ------------------------------------------------------------------------------


async def test_the_group_progress_shows_each_person_and_the_counts_per_skill(
    client, cast, workshop
):
    module, session, yanis, _lina = workshop
    awa = await cast.principal("awa")
    await services.validate_at_desk(awa, yanis.id, Assessment(skill="email-use", level="on_my_own"))
    await login(client, cast.email("awa"))
    page = await client.get(f"/skills/modules/{module.id}")
    assert page.status_code == 200
    assert "Yanis Martin" in page.text and "Lina Benali" in page.text
    assert 'data-skill="email-use" data-on-my-own="1" data-with-help="0"' in page.text
    assert f'href="/skills/sessions/{session.id}"' in page.text
    # A facilitator reads the progress but does not choose what the module teaches.
    assert f'href="/skills/modules/{module.id}/edit"' not in page.text
    show = await client.get(f"/workshops/{module.id}")
    assert f'href="/skills/modules/{module.id}"' in show.text


async def test_a_manager_sets_what_a_module_teaches_and_grants(client, cast, workshop):
    module, _session, _yanis, _lina = workshop
    await login(client, cast.email("julien"))
    form = await client.get(f"/skills/modules/{module.id}/edit")
    assert form.status_code == 200
    assert 'name="teaches" value="email-use"' in form.text

    saved = await client.post(
        f"/skills/modules/{module.id}/edit",
        data={"teaches": ["studio", "wifi"], "grants": ["studio"]},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/skills/modules/{module.id}?done=saved"
    rows = await ModuleSkill.select(ModuleSkill.skill, ModuleSkill.on_completion).where(
        ModuleSkill.module == module.id
    )
    assert sorted((row["skill"], row["on_completion"]) for row in rows) == [
        ("studio", True),
        ("wifi", False),
    ]


async def test_an_unknown_skill_in_the_editor_is_refused_and_nothing_changes(
    client, cast, workshop
):
    module, _session, _yanis, _lina = workshop
    await login(client, cast.email("julien"))
    refused = await client.post(
        f"/skills/modules/{module.id}/edit", data={"teaches": ["no-such-skill"]}
    )
    assert refused.status_code == 422
    assert "no-such-skill" in refused.text
    assert await ModuleSkill.count().where(ModuleSkill.module == module.id) == 2


@pytest.mark.parametrize("who", ["awa", "pieter"])
async def test_only_the_sites_managers_edit_a_modules_skills(client, cast, workshop, who):
    module, _session, _yanis, _lina = workshop
    await login(client, cast.email(who))
    assert (await client.get(f"/skills/modules/{module.id}/edit")).status_code in (403, 404)
    answer = await client.post(f"/skills/modules/{module.id}/edit", data={"teaches": ["wifi"]})
    assert answer.status_code in (403, 404)
    assert await ModuleSkill.count().where(ModuleSkill.module == module.id) == 2


# ---- a visitor's skills --------------------------------------------------------------------


async def test_the_visitors_page_loads_the_skills_section(client, cast, workshop):
    _module, _session, yanis, _lina = workshop
    await login(client, cast.email("awa"))
    page = await client.get(f"/visitors/{yanis.id}")
    assert f'hx-get="/visitors/{yanis.id}/skills"' in page.text


async def test_a_facilitator_validates_a_skill_at_the_desk_and_a_manager_revokes_its_badge(
    client, cast, workshop
):
    _module, _session, yanis, _lina = workshop
    await login(client, cast.email("awa"))
    section = await client.get(f"/visitors/{yanis.id}/skills", headers=HTMX)
    assert section.status_code == 200
    assert "<html" not in section.text and 'id="visitor-skills"' in section.text
    assert "Aucune compétence notée pour l'instant." in section.text

    done = await client.post(
        f"/visitors/{yanis.id}/skills", data={"skill": "studio", "level": "on_my_own"}, headers=HTMX
    )
    assert done.status_code == 200
    assert "Un badge est délivré." in done.text
    assert 'data-skill="studio"' in done.text and "Awa" in done.text
    assert await _evidence() == [
        (yanis.id, "studio", "on_my_own", "facilitator", None, cast.users["awa"].id)
    ]
    [badge] = await Badge.select(Badge.public_id)
    # A facilitator may not revoke; the button is not even shown to her.
    assert "Retirer ce badge" not in done.text
    path = f"/visitors/{yanis.id}/badges/{badge['public_id']}/revoke"
    assert (await client.post(path, data={"reason": "Erreur"})).status_code == 403

    await client.post("/logout")
    await login(client, cast.email("julien"))
    section = await client.get(f"/visitors/{yanis.id}/skills")
    assert "Retirer ce badge" in section.text
    missing = await client.post(path, data={"reason": ""}, headers=HTMX)
    assert missing.status_code == 422
    assert (await Badge.select(Badge.revoked_at).first())["revoked_at"] is None
    revoked = await client.post(path, data={"reason": "Délivré par erreur"}, headers=HTMX)
    assert revoked.status_code == 200 and "Le badge est retiré." in revoked.text
    row = await Badge.select(Badge.revoked_at, Badge.revoked_reason).first()
    assert row["revoked_at"] is not None and row["revoked_reason"] == "Délivré par erreur"


async def test_the_desk_form_refuses_an_unknown_skill_clearly(client, cast, workshop):
    _module, _session, yanis, _lina = workshop
    await login(client, cast.email("awa"))
    refused = await client.post(
        f"/visitors/{yanis.id}/skills", data={"skill": "no-such-skill", "level": "on_my_own"}
    )
    assert refused.status_code == 422
    assert "Cette compétence n&#39;existe pas." in refused.text
    assert await SkillEvidence.count() == 0


async def test_a_badge_of_another_visitor_is_not_revoked_from_this_page(client, cast, workshop):
    _module, _session, yanis, lina = workshop
    awa = await cast.principal("awa")
    recorded = await services.validate_at_desk(
        awa, yanis.id, Assessment(skill="studio", level="on_my_own")
    )
    await login(client, cast.email("julien"))
    answer = await client.post(
        f"/visitors/{lina.id}/badges/{recorded.badges[0]}/revoke", data={"reason": "Erreur"}
    )
    assert answer.status_code == 404
    assert (await Badge.select(Badge.revoked_at).first())["revoked_at"] is None


async def test_staff_of_another_site_do_not_see_a_visitors_skills(client, cast, workshop):
    _module, _session, yanis, _lina = workshop
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/visitors/{yanis.id}/skills")).status_code in (403, 404)
    answer = await client.post(
        f"/visitors/{yanis.id}/skills", data={"skill": "studio", "level": "on_my_own"}
    )
    assert answer.status_code in (403, 404)
    assert await SkillEvidence.count() == 0


# ---- the admins' catalogue -----------------------------------------------------------------


async def test_an_admin_exports_edits_and_imports_the_skills_file(client, cast, practical_skills):
    await login(client, cast.email("camille"))
    page = await client.get("/admin/skills")
    assert page.status_code == 200
    assert "<code>email-use</code>" in page.text and "DigComp 2.2 · 2.1" in page.text

    exported = await client.get("/admin/skills/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment")
    document = json.loads(exported.content)
    first = document["skills"][0]
    first["name"]["fr"] = "Toucher un écran"
    document["skills"].append(
        {**first, "code": "scan-a-document", "position": 9999, "name": dict(first["name"])}
    )
    answer = await client.post(
        "/admin/skills/import", data={"data": json.dumps(document)}, headers=HTMX
    )
    assert answer.status_code == 200, answer.text
    assert 'data-created="1" data-updated="1"' in answer.text
    assert "<html" not in answer.text
    names = {
        row["code"]: row["name_fr"]
        for row in await PracticalSkill.select(PracticalSkill.code, PracticalSkill.name_fr)
    }
    assert names[first["code"]] == "Toucher un écran" and "scan-a-document" in names


async def test_a_broken_file_is_refused_with_where_and_nothing_changes(
    client, cast, practical_skills
):
    await login(client, cast.email("camille"))
    before = await PracticalSkill.count()
    answer = await client.post("/admin/skills/import", data={"data": '{"skills": [}'})
    assert answer.status_code == 422
    assert "Le fichier n'est pas importé." in answer.text
    assert "ligne 1" in answer.text
    assert await PracticalSkill.count() == before
    empty = await client.post("/admin/skills/import", data={"data": ""})
    assert empty.status_code == 422


async def test_an_admin_edits_one_skill(client, cast, practical_skills):
    await login(client, cast.email("camille"))
    form = await client.get("/admin/skills/wifi/edit")
    assert form.status_code == 200 and 'value="Se connecter au wifi"' in form.text
    values = {
        "pictogram": "wifi",
        "name_fr": "Se connecter au wifi du lab",
        "name_en": "Connect to wifi",
        "name_nl": "Verbinden met wifi",
        "sentence_fr": "Je sais me connecter.",
        "sentence_en": "I can connect.",
        "sentence_nl": "Ik kan verbinden.",
        "position": "20",
        "active": "on",
    }
    saved = await client.post("/admin/skills/wifi/edit", data=values)
    assert saved.status_code == 303
    row = await PracticalSkill.select(PracticalSkill.name_fr).where(PracticalSkill.code == "wifi")
    assert row[0]["name_fr"] == "Se connecter au wifi du lab"
    refused = await client.post("/admin/skills/wifi/edit", data={**values, "name_fr": ""})
    assert refused.status_code == 422 and "Ce champ est obligatoire." in refused.text
    assert (await client.get("/admin/skills/no-such-skill/edit")).status_code == 404
    assert (await client.get("/admin/skills/%3Cb%3E/edit")).status_code == 404


@pytest.mark.parametrize("who", ["awa", "julien", "nadia"])
async def test_only_admins_open_the_catalogue(client, cast, practical_skills, who):
    await login(client, cast.email(who))
    assert (await client.get("/admin/skills")).status_code == 403
    assert (await client.get("/admin/skills/export")).status_code == 403
    assert (await client.get("/admin/skills/wifi/edit")).status_code == 403
    answer = await client.post("/admin/skills/import", data={"data": "{}"})
    assert answer.status_code == 403
    menu = await client.get("/")
    assert 'href="/admin/skills"' not in menu.text


async def test_the_admin_menu_names_the_catalogue(client, cast, practical_skills):
    await login(client, cast.email("camille"))
    assert 'href="/admin/skills"' in (await client.get("/")).text
