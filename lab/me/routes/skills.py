"""The visitor's skills and badges on their own phone: /me/skills and /me/badges.

The same picture and words as at a tablet, and the visitor's own word on each skill (one touch
on one of three answers, a plain POST with the CSRF token, then back to the list). Badges are
theirs only: each file is looked up for the signed-in visitor, and someone else's badge is "not
found" rather than "forbidden", so that a guessed address says nothing. The link they share is
the badge's public verification page, which shows the badge and nothing else about them.

The handlers join the /me router (``lab.me.routes``): same guard, same refusal pages.
"""

from __future__ import annotations

import re

from litestar import Request, Response, get, post
from litestar.params import FromPath, Parameter

from lab.accounts.queries import get_site
from lab.core.errors import Invalid, NotFound
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.web import file_response, redirect, render
from lab.me.auth import require_visitor, visitor_of
from lab.skills import queries as skills
from lab.skills import services
from lab.skills.forms import SKILL_CODE_PATTERN, Assessment
from lab.skills.queries import LEVEL_LABELS, LEVELS, SOURCE_LABELS
from lab.skills.queries import progress_picture as draw

GUARDED = {"guards": [require_visitor]}
SkillCode = Parameter(pattern=SKILL_CODE_PATTERN, max_length=40)
# "<public id>.png" or ".svg": a badge's id is a UUID.
BADGE_FILE = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(png|svg)$"
)
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _unknown_skill() -> NotFound:
    return NotFound(_("Cette compétence n'existe pas."), code="unknown_skill")


async def _timezone(site_id: int) -> str:
    return (await get_site(site_id)).timezone  # a signed-in visitor's site exists


@get("/skills", name="me_skills", **GUARDED)
async def my_skills(request: Request) -> Response:
    actor = visitor_of(request)
    progress = await skills.progress_of(actor, actor.visitor_id)
    done = request.query_params.get("done")
    said = next((skill for skill in progress.skills if skill.code == done), None)
    return render(
        request,
        "me/skills.html",
        {
            "visitor": actor,
            "progress": progress,
            "picture": draw(progress.areas, id_prefix="me-skills"),
            "timezone": await _timezone(actor.site_id),
            "surface": "me",
            "enrol_urls": {},  # enrolling is done at a tablet or at the desk
            "levels": LEVELS,
            "level_labels": LEVEL_LABELS,
            "source_labels": SOURCE_LABELS,
            "done": said,
        },
    )


@post("/skills/{code:str}", name="me_skill_assess", **GUARDED)
async def assess(request: Request, code: str = SkillCode) -> Response:
    """The visitor's own word on a skill, then back to the list at that skill."""
    actor = visitor_of(request)
    raw = await request.form()
    try:
        data = parse_form(Assessment, {"skill": code, "level": raw.get("level")})
    except Invalid as error:
        raise Invalid(
            _("Choisissez une des trois réponses : pas encore, avec de l'aide, seul ou seule."),
            code="invalid_level",
        ) from error
    try:
        await services.self_assess(actor, actor.visitor_id, data)
    except Invalid as error:
        if error.code == "unknown_skill":
            raise _unknown_skill() from error
        raise
    return redirect(request, f"/me/skills?done={data.skill}#skill-{data.skill}")


@get("/badges", name="me_badges", **GUARDED)
async def my_badges(request: Request) -> Response:
    actor = visitor_of(request)
    rows = await skills.badges_of(actor.visitor_id)
    names = await skills.skill_names(row["skill"] for row in rows)
    items = [
        {
            **row,
            "name": names[row["skill"]],
            "verification_url": services.verification_url(row["public_id"]),
        }
        for row in rows
    ]
    return render(
        request,
        "me/badges.html",
        {"visitor": actor, "badges": items, "timezone": await _timezone(actor.site_id)},
    )


@get("/badges/{filename:str}", name="me_badge_file", **GUARDED)
async def badge_file(request: Request, filename: FromPath[str]) -> Response:
    """The visitor's badge as a PNG or SVG with its credential baked in (theirs only)."""
    match = BADGE_FILE.match(filename)
    if match is None:
        raise NotFound(_("Ce badge n'existe pas."))
    public_id, kind = match.groups()
    actor = visitor_of(request)
    make = services.badge_png if kind == "png" else services.badge_svg
    body = await make(actor, public_id)
    return file_response(body, MEDIA_TYPES[kind], f"badge-{public_id}.{kind}", attachment=True)


HANDLERS = [my_skills, assess, my_badges, badge_file]
