"""A visitor's skills at a tablet: pass and PIN first, the picture and its words, their own
word on a skill (recorded as a self-assessment from this tablet), and the workshops to learn."""

from __future__ import annotations

import datetime as dt
import html

from lab.accounts import passes
from lab.kiosk.devices import device_for
from lab.skills.tables import ModuleSkill, SkillEvidence
from tests.bookings.factories import at, freeze
from tests.kiosk.helpers import pair_client
from tests.me.factories import PIN, Holder, visitor_with_pass
from tests.workshops.factories import make_module, make_session

NOW = at(10)
TOMORROW = dt.date(2026, 12, 2)
# The shipped catalogue (loaded by `lab migrate`): 30 first-steps skills in the five DigComp
# areas, 10 of them in area 2 (communication), among them these.
MAIL = "email-use"  # « Lire et envoyer un e-mail », area 2
ATTACHMENT = "email-attachment"  # « Envoyer une pièce jointe », area 2
CV = "cv-template"  # « Écrire un CV avec un modèle », area 3


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
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await SkillEvidence(
        visitor=ines.visitor.id, skill=MAIL, level="on_my_own", source="self", at=NOW
    ).save()
    await identify(client, ines)
    page = await client.get("/kiosk/skills")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    body = text(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="skills-picture" role="img"' in body
    assert '<title id="kiosk-skills-title">Mes compétences</title>' in body
    assert "Seul ou seule\u00a0: 1 sur 30. Avec de l'aide\u00a0: 0. Pas encore\u00a0: 29." in body
    row = body.split('<li data-area="2"')[1].split("</li>")[0]
    assert 'data-on_my_own="1" data-with_help="0" data-not_yet="9"' in row
    assert (
        "<strong>Communication et collaboration</strong> — Seul ou seule\u00a0: 1 sur 10. "
        "Avec de l'aide\u00a0: 0. Pas encore\u00a0: 9."
    ) in row
    card = body.split('id="skill-email-use"')[1].split("</a>")[0]
    assert "Aujourd'hui\u00a0: Seul ou seule" in card
    assert 'href="/kiosk/skills/email-use"' in body
    assert "Je sais lire et envoyer un e-mail." in body
    assert "Lire et envoyer un e-mail</strong> —" in body  # in what changed this month


async def test_a_visitor_says_where_they_stand_and_sees_the_picture_change(client, cast):
    freeze(NOW)
    credential = await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines, "/kiosk/skills/email-attachment")
    ask = await client.get("/kiosk/skills/email-attachment")
    assert ask.status_code == 200
    body = text(ask)
    assert (
        "Envoyer une pièce jointe" in body and "Je sais envoyer un fichier avec un e-mail." in body
    )
    for level in ("not_yet", "with_help", "on_my_own"):
        assert f'name="level" value="{level}"' in body
    done = await client.post("/kiosk/skills/email-attachment", data={"level": "with_help"})
    assert done.status_code == 200, done.text
    body = text(done)
    assert "C'est noté\u00a0: «\u00a0Envoyer une pièce jointe\u00a0», avec de l'aide." in body
    assert 'id="skill-email-attachment" data-level="with_help"' in body
    row = body.split('<li data-area="2"')[1].split("</li>")[0]
    assert 'data-on_my_own="0" data-with_help="1" data-not_yet="9"' in row
    assert "Seul ou seule\u00a0: 0 sur 30. Avec de l'aide\u00a0: 1. Pas encore\u00a0: 29." in body
    rows = await SkillEvidence.select().where(SkillEvidence.visitor == ines.visitor.id)
    assert len(rows) == 1
    device = await device_for(credential)
    assert (rows[0]["skill"], rows[0]["level"], rows[0]["source"], rows[0]["device_id"]) == (
        ATTACHMENT,
        "with_help",
        "self",
        device.device_id,
    )
    assert rows[0]["staff_user"] is None


async def test_an_observation_still_counts_after_the_visitor_says_less(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await SkillEvidence(
        visitor=ines.visitor.id,
        skill=CV,
        level="on_my_own",
        source="facilitator",
        at=NOW - dt.timedelta(days=2),
    ).save()
    await identify(client, ines, "/kiosk/skills/cv-template")
    done = await client.post("/kiosk/skills/cv-template", data={"level": "not_yet"})
    body = text(done)
    assert "C'est noté\u00a0: «\u00a0Écrire un CV avec un modèle\u00a0», pas encore." in body
    assert "L'équipe vous a vu faire\u00a0: «\u00a0Seul ou seule\u00a0»." in body


async def test_an_unknown_skill_or_level_gets_a_clear_page_and_records_nothing(client, cast):
    freeze(NOW)
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await identify(client, ines, "/kiosk/skills/no-such-skill")
    for method in (client.get, client.post):
        missing = await method("/kiosk/skills/no-such-skill")
        assert missing.status_code == 404
        assert "Cette compétence n'existe pas." in text(missing)
    wrong = await client.post("/kiosk/skills/email-use", data={"level": "expert"})
    assert wrong.status_code == 422
    assert "Touchez une des trois réponses." in text(wrong)
    empty = await client.post("/kiosk/skills/email-use", data={})
    assert empty.status_code == 422
    odd = await client.get("/kiosk/skills/NOT%20A%20CODE")
    assert odd.status_code == 422  # not a skill's code: refused before any lookup
    assert "Impossible de continuer" in text(odd)
    assert await SkillEvidence.count() == 0


async def test_another_sites_visitor_is_not_shown_on_this_tablet(client, cast):
    freeze(NOW)
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
    await pair_client(client, cast)
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    series = await make_module(
        cast.saint_denis, "Premiers pas en mail", self_enrol=True, kind="digital_skills"
    )
    await make_session(series, at(14, day=TOMORROW))
    await ModuleSkill(module=series.id, skill=MAIL, on_completion=True).save()
    drop_in = await make_module(
        cast.saint_denis,
        "Permanence CV",
        self_enrol=True,
        enrolment="drop_in",
        kind="digital_skills",
    )
    session = await make_session(drop_in, at(16, day=TOMORROW))
    await ModuleSkill(module=drop_in.id, skill=CV).save()
    await identify(client, ines)
    body = text(await client.get("/kiosk/skills"))
    assert "Premiers pas en mail" in body
    assert "Vous y apprenez\u00a0: Lire et envoyer un e-mail." in body
    assert f'href="/kiosk/workshops/{series.id}/enrol"' in body
    assert f'href="/kiosk/workshops/{drop_in.id}/{session.id}/enrol"' in body
    enrol = await client.get(f"/kiosk/workshops/{series.id}/enrol")
    assert enrol.status_code == 200
