"""A visitor's skills at a tablet: pass and PIN first, the picture and its words, their own
word on a skill (recorded as a self-assessment from this tablet), and the workshops to learn."""

from __future__ import annotations

import datetime as dt
import html

from lab.accounts import passes
from lab.kiosk.devices import device_for
from lab.skills.tables import FrameworkEntry, ModuleSkill, PracticalSkill, SkillEvidence
from tests.bookings.factories import at, freeze
from tests.kiosk.helpers import pair_client
from tests.me.factories import PIN, Holder, visitor_with_pass
from tests.workshops.factories import make_module, make_session

NOW = at(10)
TOMORROW = dt.date(2026, 12, 2)
AREAS = {
    "1": "Information et données",
    "2": "Communication et collaboration",
    "3": "Création de contenus",
    "4": "Sécurité",
    "5": "Résolution de problèmes",
}
SKILLS = [
    (
        "search-web",
        "1.1",
        "Chercher sur Internet",
        "Je trouve une information avec un moteur de recherche.",
    ),
    ("send-mail", "2.1", "Envoyer un mail", "J'écris un mail et je l'envoie."),
    ("attach-file", "2.1", "Joindre un fichier", "J'ajoute un CV à un mail."),
    ("write-cv", "3.1", "Écrire un CV", "Je tape mon CV avec un traitement de texte."),
    ("password", "4.1", "Choisir un mot de passe", "Je choisis un mot de passe solide."),
]


async def catalogue() -> None:
    """The five DigComp 2.2 areas and a few practical skills in them."""
    for position, (code, label) in enumerate(AREAS.items()):
        await FrameworkEntry(
            framework="digcomp",
            version="2.2",
            kind="area",
            code=code,
            label_fr=label,
            label_en=f"{label} (en)",
            label_nl=f"{label} (nl)",
            position=position,
        ).save()
    for position, (code, competence, name, sentence) in enumerate(SKILLS):
        await PracticalSkill(
            code=code,
            pictogram="digital_skills",
            name_fr=name,
            name_en=f"{name} (en)",
            name_nl=f"{name} (nl)",
            sentence_fr=sentence,
            sentence_en=sentence,
            sentence_nl=sentence,
            alignments=[{"framework": "digcomp", "version": "2.2", "code": competence, "level": 1}],
            position=position,
        ).save()


async def identify(client, holder: Holder, next_path: str = "/kiosk/skills") -> None:
    response = await client.post(
        "/kiosk/identify",
        data={"code": passes.display_short_code(holder.short_code), "pin": PIN, "next": next_path},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == next_path


def text(response) -> str:
    return html.unescape(response.text)


async def test_the_home_screen_offers_my_skills_only_to_a_tablet_allowed_to_show_them(client, cast):
    freeze(NOW)
    await pair_client(client, cast, actions=["checkin", "skills"])
    home = await client.get("/kiosk")
    assert 'href="/kiosk/skills"' in home.text
    other = await client.get("/kiosk/skills")  # no visit yet: pass and PIN first
    assert other.status_code == 303
    assert other.headers["location"] == "/kiosk/identify?next=/kiosk/skills"


async def test_a_tablet_not_allowed_to_show_skills_refuses_them(client, cast):
    freeze(NOW)
    await pair_client(client, cast, actions=["checkin"])
    home = await client.get("/kiosk")
    assert 'href="/kiosk/skills"' not in home.text
    response = await client.get("/kiosk/skills")
    assert response.status_code == 403
    assert "Pas sur cette tablette" in text(response)


async def test_a_visitor_sees_their_picture_and_its_words(client, cast):
    freeze(NOW)
    await catalogue()
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await SkillEvidence(
        visitor=ines.visitor.id, skill="send-mail", level="on_my_own", source="self", at=NOW
    ).save()
    await identify(client, ines)
    page = await client.get("/kiosk/skills")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    body = text(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="skills-picture" role="img"' in body
    assert '<title id="kiosk-skills-title">Mes compétences</title>' in body
    assert "Seul ou seule\u00a0: 1 sur 5. Avec de l'aide\u00a0: 0. Pas encore\u00a0: 4." in body
    row = body.split('<tr data-area="2">')[1].split("</tr>")[0]
    assert "Communication et collaboration" in row
    assert '<td data-level="on_my_own">1</td>' in row
    assert '<td data-level="not_yet">1</td>' in row
    assert "Envoyer un mail : Seul ou seule" in row
    assert 'href="/kiosk/skills/send-mail"' in body
    assert "J'écris un mail et je l'envoie." in body
    assert "Envoyer un mail</strong> :" in body  # in what changed this month


async def test_a_visitor_says_where_they_stand_and_sees_the_picture_change(client, cast):
    freeze(NOW)
    await catalogue()
    credential = await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines, "/kiosk/skills/attach-file")
    ask = await client.get("/kiosk/skills/attach-file")
    assert ask.status_code == 200
    body = text(ask)
    assert "Joindre un fichier" in body and "J'ajoute un CV à un mail." in body
    for level in ("not_yet", "with_help", "on_my_own"):
        assert f'name="level" value="{level}"' in body
    done = await client.post("/kiosk/skills/attach-file", data={"level": "with_help"})
    assert done.status_code == 200, done.text
    body = text(done)
    assert "C'est noté\u00a0: «\u00a0Joindre un fichier\u00a0», avec de l'aide." in body
    assert 'id="skill-attach-file" data-level="with_help"' in body
    row = body.split('<tr data-area="2">')[1].split("</tr>")[0]
    assert '<td data-level="with_help">1</td>' in row
    assert "Seul ou seule\u00a0: 0 sur 5. Avec de l'aide\u00a0: 1. Pas encore\u00a0: 4." in body
    rows = await SkillEvidence.select().where(SkillEvidence.visitor == ines.visitor.id)
    assert len(rows) == 1
    device = await device_for(credential)
    assert (rows[0]["skill"], rows[0]["level"], rows[0]["source"], rows[0]["device_id"]) == (
        "attach-file",
        "with_help",
        "self",
        device.device_id,
    )
    assert rows[0]["staff_user"] is None


async def test_an_observation_still_counts_after_the_visitor_says_less(client, cast):
    freeze(NOW)
    await catalogue()
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await SkillEvidence(
        visitor=ines.visitor.id,
        skill="write-cv",
        level="on_my_own",
        source="facilitator",
        at=NOW - dt.timedelta(days=2),
    ).save()
    await identify(client, ines, "/kiosk/skills/write-cv")
    done = await client.post("/kiosk/skills/write-cv", data={"level": "not_yet"})
    body = text(done)
    assert "C'est noté\u00a0: «\u00a0Écrire un CV\u00a0», pas encore." in body
    assert "L'équipe vous a vu faire\u00a0: «\u00a0Seul ou seule\u00a0»." in body


async def test_an_unknown_skill_or_level_gets_a_clear_page_and_records_nothing(client, cast):
    freeze(NOW)
    await catalogue()
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines, "/kiosk/skills/no-such-skill")
    for method in (client.get, client.post):
        missing = await method("/kiosk/skills/no-such-skill")
        assert missing.status_code == 404
        assert "Cette compétence n'existe pas." in text(missing)
    wrong = await client.post("/kiosk/skills/send-mail", data={"level": "expert"})
    assert wrong.status_code == 422
    assert "Touchez une des trois réponses." in text(wrong)
    empty = await client.post("/kiosk/skills/send-mail", data={})
    assert empty.status_code == 422
    odd = await client.get("/kiosk/skills/NOT%20A%20CODE")
    assert odd.status_code == 422  # not a skill's code: refused before any lookup
    assert "Impossible de continuer" in text(odd)
    assert await SkillEvidence.count() == 0


async def test_another_sites_visitor_is_not_shown_on_this_tablet(client, cast):
    freeze(NOW)
    await catalogue()
    await pair_client(client, cast)  # a Saint-Denis tablet
    pieter_visitor = await visitor_with_pass(cast.brussels, "Lotte")
    response = await client.post(
        "/kiosk/identify",
        data={
            "code": passes.display_short_code(pieter_visitor.short_code),
            "pin": PIN,
            "next": "/kiosk/skills",
        },
    )
    assert response.status_code == 403
    assert "Lotte" not in text(response)
    page = await client.get("/kiosk/skills")  # no visit was opened
    assert page.status_code == 303
    assert page.headers["location"] == "/kiosk/identify?next=/kiosk/skills"
    assert await SkillEvidence.count() == 0


async def test_a_workshop_that_teaches_a_missing_skill_is_one_touch_from_enrolment(client, cast):
    freeze(NOW)
    await catalogue()
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    series = await make_module(
        cast.saint_denis, "Premiers pas en mail", self_enrol=True, kind="digital_skills"
    )
    await make_session(series, at(14, day=TOMORROW))
    await ModuleSkill(module=series.id, skill="send-mail", on_completion=True).save()
    drop_in = await make_module(
        cast.saint_denis,
        "Permanence CV",
        self_enrol=True,
        enrolment="drop_in",
        kind="digital_skills",
    )
    session = await make_session(drop_in, at(16, day=TOMORROW))
    await ModuleSkill(module=drop_in.id, skill="write-cv").save()
    await identify(client, ines)
    body = text(await client.get("/kiosk/skills"))
    assert "Premiers pas en mail" in body
    assert "Vous y apprenez\u00a0: Envoyer un mail." in body
    assert f'href="/kiosk/workshops/{series.id}/enrol"' in body
    assert f'href="/kiosk/workshops/{drop_in.id}/{session.id}/enrol"' in body
    enrol = await client.get(f"/kiosk/workshops/{series.id}/enrol")
    assert enrol.status_code == 200
