"""A visitor's skills and badges on their own phone: the picture and their own word on each
skill, their badges to download (theirs only), and a link to share that says nothing else."""

from __future__ import annotations

import html

import pytest
from litestar.testing import AsyncTestClient

from lab.skills import services
from lab.skills.forms import Assessment
from lab.skills.tables import SkillEvidence
from tests.bookings.factories import at, freeze
from tests.conftest import BASE_URL
from tests.kiosk.test_skills_routes import CV, MAIL
from tests.me.factories import csrf, sign_in, visitor_with_pass

NOW = at(10)


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(NOW)


def text(response) -> str:
    return html.unescape(response.text)


async def phone(app) -> AsyncTestClient:
    client = AsyncTestClient(app, base_url=BASE_URL)
    client.follow_redirects = False
    return client


async def badge_for(cast, visitor, skill: str = MAIL) -> str:
    """A facilitator saw the visitor do ``skill`` on their own: its badge, by public id."""
    awa = await cast.principal("awa")
    recorded = await services.validate_at_desk(
        awa, visitor.id, Assessment(skill=skill, level="on_my_own")
    )
    assert len(recorded.badges) == 1
    return recorded.badges[0]


async def test_the_skills_page_needs_a_signed_in_phone(client):
    for path in ("/me/skills", "/me/badges", "/me/badges/00000000-0000-4000-8000-000000000000.png"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/me/start"


async def test_home_links_to_my_skills_and_badges(client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, ines)
    home = await client.get("/me")
    assert 'href="/me/skills"' in home.text
    assert 'href="/me/badges"' in home.text


async def test_a_visitor_sees_their_picture_and_says_where_they_stand(client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, ines)
    page = await client.get("/me/skills")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    body = text(page)
    assert 'role="img"' in body and '<title id="me-skills-title">Mes compétences</title>' in body
    assert "Seul ou seule\u00a0: 0 sur 30. Avec de l'aide\u00a0: 0. Pas encore\u00a0: 30." in body
    assert 'action="/me/skills/email-use"' in body
    assert body.count('name="_csrf_token"') >= 30  # one form per skill, each with its token
    await csrf(client)
    done = await client.post("/me/skills/email-use", data={"level": "on_my_own"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/me/skills?done=email-use#skill-email-use"
    after = text(await client.get("/me/skills?done=email-use"))
    assert "C'est noté\u00a0: «\u00a0Lire et envoyer un e-mail\u00a0»." in after
    assert 'id="skill-email-use" data-level="on_my_own"' in after
    assert "Seul ou seule\u00a0: 1 sur 30. Avec de l'aide\u00a0: 0. Pas encore\u00a0: 29." in after
    rows = await SkillEvidence.select().where(SkillEvidence.visitor == ines.visitor.id)
    assert [(row["skill"], row["level"], row["source"], row["device_id"]) for row in rows] == [
        (MAIL, "on_my_own", "self", None)
    ]


async def test_a_level_not_in_the_list_or_an_unknown_skill_gets_a_clear_page(client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, ines)
    await csrf(client)
    wrong = await client.post("/me/skills/email-use", data={"level": "expert"})
    assert wrong.status_code == 422
    assert "Choisissez une des trois réponses" in text(wrong)
    assert 'href="/me"' in wrong.text  # the visitor's layout, with the way home
    unknown = await client.post("/me/skills/no-such-skill", data={"level": "with_help"})
    assert unknown.status_code == 404
    assert "Cette compétence n'existe pas." in text(unknown)
    assert await SkillEvidence.count() == 0


async def test_a_phone_cannot_assess_without_the_csrf_token(client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, ines)
    client.headers.pop("x-csrftoken", None)
    response = await client.post("/me/skills/email-use", data={"level": "with_help"})
    assert response.status_code == 403
    assert await SkillEvidence.count() == 0


async def test_a_phone_sees_and_assesses_only_its_own_visitor(app, client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    malik = await visitor_with_pass(cast.saint_denis, "Malik")
    await SkillEvidence(
        visitor=malik.visitor.id, skill=CV, level="with_help", source="self", at=NOW
    ).save()
    await sign_in(client, ines)
    page = text(await client.get("/me/skills"))
    assert 'id="skill-cv-template" data-level="none"' in page  # Malik's word is not hers
    assert "Malik" not in page
    await csrf(client)
    # Whatever the form says, the phone speaks for its own visitor only.
    await client.post(
        "/me/skills/cv-template", data={"level": "on_my_own", "visitor": str(malik.visitor.id)}
    )
    malik_rows = await SkillEvidence.select().where(SkillEvidence.visitor == malik.visitor.id)
    assert [row["level"] for row in malik_rows] == ["with_help"]
    ines_rows = await SkillEvidence.select().where(SkillEvidence.visitor == ines.visitor.id)
    assert [row["level"] for row in ines_rows] == ["on_my_own"]


async def test_badges_are_listed_and_downloaded_by_their_owner_only(app, client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    malik = await visitor_with_pass(cast.saint_denis, "Malik")
    public_id = await badge_for(cast, ines.visitor)
    await sign_in(client, ines)
    page = await client.get("/me/badges")
    assert page.status_code == 200
    body = text(page)
    assert f'id="badge-{public_id}" data-status="valid"' in body
    assert "Lire et envoyer un e-mail" in body
    assert "Obtenu le 1 décembre 2026." in body
    assert f'href="/me/badges/{public_id}.png"' in body
    assert f'href="/me/badges/{public_id}.svg"' in body
    share = f"/badges/{public_id}"
    assert share in body and 'data-copy="' in body
    assert "Inès" not in body.split(f'id="badge-{public_id}"')[1].split("</li>")[0]
    png = await client.get(f"/me/badges/{public_id}.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.headers["cache-control"] == "no-store"
    svg = await client.get(f"/me/badges/{public_id}.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    # Malik's phone asks for Inès's badge: not found, and nothing about it shows.
    other = await phone(app)
    await sign_in(other, malik)
    for suffix in ("png", "svg"):
        refused = await other.get(f"/me/badges/{public_id}.{suffix}")
        assert refused.status_code == 404
        assert "Ce badge n'existe pas." in text(refused)
    assert public_id not in text(await other.get("/me/badges"))
    odd = await client.get("/me/badges/not-a-badge.gif")
    assert odd.status_code == 404


async def test_a_revoked_badge_says_so_and_offers_no_file_to_share(client, cast):
    ines = await visitor_with_pass(cast.saint_denis, "Inès")
    public_id = await badge_for(cast, ines.visitor)
    julien = await cast.principal("julien")
    await services.revoke_badge(julien, public_id, "Erreur de saisie")
    await sign_in(client, ines)
    body = text(await client.get("/me/badges"))
    assert f'id="badge-{public_id}" data-status="revoked"' in body
    assert "Ce badge a été retiré. Il n'est plus valable." in body
    assert f'href="/me/badges/{public_id}.png"' not in body
