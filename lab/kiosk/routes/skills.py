"""The visitor's skills at a tablet: where they stand (a picture and its words), what changed
lately, the workshops that teach what they have not reached, and their own word on a skill.

Everything here is personal: each step asks for a visit with the PIN (``require_visit``), and
the kiosk router sends the tablet to the pass-and-PIN page and back to the same address. GET
shows, POST acts; a skill's page has its code in the path, so the way back after the PIN is a
plain GET of that page. The pages are no-store and the service worker never keeps them.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import Parameter

from lab.core.errors import Invalid, LabError, NotFound
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.web import render
from lab.kiosk import queries
from lab.kiosk.auth import (
    KIOSK_EXCEPTION_HANDLERS,
    KIOSK_PATH,
    KioskVisit,
    device_of,
    require_device,
    require_visit,
)
from lab.kiosk.routes.tablet import kiosk_context
from lab.skills import queries as skills
from lab.skills import services
from lab.skills.forms import SKILL_CODE_PATTERN, Assessment
from lab.skills.queries import LEVEL_LABELS, LEVELS, SOURCE_LABELS
from lab.skills.queries import progress_picture as draw

SkillCode = Parameter(pattern=SKILL_CODE_PATTERN, max_length=40)
GUARDS = [require_device("skills")]


def _unknown_skill() -> NotFound:
    return NotFound(_("Cette compétence n'existe pas."), code="unknown_skill")


async def _enrol_urls(request: Request, progress: skills.VisitorProgress) -> dict[int, str]:
    """{module id: its enrol step on this tablet} for the workshops suggested, when the tablet
    may enrol: a drop-in workshop is joined session by session, a series as a whole."""
    device = device_of(request)
    if not device.may("enrol"):
        return {}
    urls = {}
    for item in progress.suggestions:
        try:
            workshop = await queries.workshop(device, item.module_id)
        except NotFound:
            continue  # closed since: shown without a button
        if workshop.drop_in:
            urls[item.module_id] = request.app.route_reverse(
                "kiosk_enrol_confirm", module_id=item.module_id, session_id=item.session_id
            )
        else:
            urls[item.module_id] = request.app.route_reverse(
                "kiosk_enrol_confirm", module_id=item.module_id
            )
    return urls


async def _skills_context(request: Request, visit: KioskVisit, **extra: object) -> dict:
    device = device_of(request)
    progress = await skills.progress_of(device, visit.visitor_id)
    return await kiosk_context(
        request,
        progress=progress,
        picture=draw(progress.areas, id_prefix="kiosk-skills"),
        timezone=await queries.site_timezone(device),
        enrol_urls=await _enrol_urls(request, progress),
        surface="kiosk",
        level_labels=LEVEL_LABELS,
        source_labels=SOURCE_LABELS,
        **extra,
    )


def _skill_of(progress: skills.VisitorProgress, code: str) -> skills.SkillProgress:
    for skill in progress.skills:
        if skill.code == code:
            return skill
    raise _unknown_skill()


@get("/skills", guards=GUARDS, name="kiosk_skills")
async def skill_list(request: Request) -> Response:
    visit = await require_visit(request)
    return render(request, "kiosk/skills.html", await _skills_context(request, visit))


async def _skill_page(request: Request, code: str, **extra: object) -> dict:
    visit = await require_visit(request)
    device = device_of(request)
    progress = await skills.progress_of(device, visit.visitor_id)
    return await kiosk_context(
        request,
        skill=_skill_of(progress, code),
        levels=LEVELS,
        level_labels=LEVEL_LABELS,
        source_labels=SOURCE_LABELS,
        action=request.url.path,
        **extra,
    )


@get("/skills/{code:str}", guards=GUARDS, name="kiosk_skill")
async def skill_page(request: Request, code: str = SkillCode) -> Response:
    """Ask "where are you on this skill?" with three big answers."""
    return render(request, "kiosk/skills_assess.html", await _skill_page(request, code))


@post("/skills/{code:str}", guards=GUARDS, name="kiosk_skill_assess")
async def assess(request: Request, code: str = SkillCode) -> Response:
    """Record the visitor's own word, then show the list with the picture as it is now."""
    visit = await require_visit(request)
    raw = await request.form()
    try:
        data = parse_form(Assessment, {"skill": code, "level": raw.get("level")})
        await services.self_assess(
            device_of(request), visit.visitor_id, data, device_id=device_of(request).device_id
        )
    except NotFound:
        raise
    except Invalid as error:
        if error.code == "unknown_skill":
            raise _unknown_skill() from error
        context = await _skill_page(
            request, code, message=_("Touchez une des trois réponses."), error_code=error.code
        )
        return render(request, "kiosk/skills_assess.html", context, status_code=error.status_code)
    except LabError as error:
        context = await _skill_page(request, code, message=error.message, error_code=error.code)
        return render(request, "kiosk/skills_assess.html", context, status_code=error.status_code)
    context = await _skills_context(request, visit)
    context["done"] = _skill_of(context["progress"], code)
    context["said"] = data.level
    return render(request, "kiosk/skills.html", context)


skills_router = Router(
    path=KIOSK_PATH,
    route_handlers=[skill_list, skill_page, assess],
    exception_handlers=KIOSK_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    include_in_schema=False,
)
