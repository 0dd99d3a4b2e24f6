"""Staff pages of skills: a session's tick-list, a module's group progress and its skills
editor, a visitor's skills section (loaded into the person's page), and the admins' catalogue
of practical skills (edit one; export and import the file)."""

from __future__ import annotations

import re

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from lab.core.errors import Invalid, NotFound
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.roles import ADMIN, MANAGERS, STAFF_ROLES
from lab.core.web import file_response, redirect, render
from lab.skills import catalogue, pages, services
from lab.skills.forms import (
    SKILL_CODE_PATTERN,
    Assessment,
    ModuleSkills,
    RevokeInput,
    SkillInput,
    SkillsFileInput,
    Ticks,
)
from lab.skills.framework import MAX_FILE_BYTES

TICKLIST = "skills/ticklist.html"
MODULE = "skills/module.html"
MODULE_EDIT = "skills/module_edit.html"
VISITOR = "skills/visitor.html"
CATALOGUE = "skills/catalogue.html"
SKILL_EDIT = "skills/skill_edit.html"
# One cell of the tick-list: a group of radio buttons named "cell-<visitor>-<skill>".
CELL_PREFIX = "cell-"
# A badge's public id in a path: a UUID's letters, nothing else reaches a query.
PUBLIC_ID = re.compile(r"^[0-9a-f-]{8,36}$")


# ---- a session's tick-list -----------------------------------------------------------------


@get("/skills/sessions/{session_id:int}", name="skills_ticklist")
async def ticklist_page(request: Request, session_id: Id) -> Response:
    context = await pages.ticklist_context(request.user, session_id)
    return render(request, TICKLIST, context, block="ticklist")


@post("/skills/sessions/{session_id:int}", name="skills_observe")
async def observe(request: Request, session_id: Id) -> Response:
    """Record the ticked cells; an empty cell records nothing. The list comes back with the new
    standings (htmx swaps its block) or with what to correct."""
    raw = await request.form()
    ticks = [
        value
        for name, value in raw.multi_items()
        if name.startswith(CELL_PREFIX) and isinstance(value, str) and value
    ]
    try:
        data = parse_form(Ticks, {"tick": ticks})
        recorded = await services.observe(request.user, session_id, data)
    except Invalid as error:
        context = await pages.ticklist_context(request.user, session_id)
        context.update(error=error.message, errors=error.field_errors)
        return render(request, TICKLIST, context, block="ticklist", status_code=422)
    context = await pages.ticklist_context(request.user, session_id)
    context.update(recorded=recorded)
    return render(request, TICKLIST, context, block="ticklist")


# ---- a module: group progress and the skills it teaches ------------------------------------


@get("/skills/modules/{module_id:int}", name="skills_module")
async def module_progress(request: Request, module_id: Id) -> Response:
    context = await pages.module_progress_context(request.user, module_id)
    context["done"] = request.query_params.get("done") == "saved"
    return render(request, MODULE, context)


@get("/skills/modules/{module_id:int}/edit", name="skills_module_edit")
async def module_edit(request: Request, module_id: Id) -> Response:
    return render(request, MODULE_EDIT, await pages.module_skills_context(request.user, module_id))


@post("/skills/modules/{module_id:int}/edit", name="skills_module_save")
async def module_save(request: Request, module_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(ModuleSkills, raw)
        await services.set_module_skills(request.user, module_id, data)
    except Invalid as error:
        values = {
            "teaches": [str(value) for value in raw.getall("teaches", [])],
            "grants": [str(value) for value in raw.getall("grants", [])],
        }
        context = await pages.module_skills_context(request.user, module_id, values)
        context.update(error=error.message, errors=error.field_errors)
        return render(request, MODULE_EDIT, context, status_code=422)
    path = request.app.route_reverse("skills_module", module_id=module_id)
    return redirect(request, f"{path}?done=saved")


# ---- a visitor's skills --------------------------------------------------------------------


@get("/visitors/{visitor_id:int}/skills", name="visitor_skills")
async def visitor_skills(request: Request, visitor_id: Id) -> Response:
    """The whole page; loaded into the person's page, its section."""
    context = await pages.visitor_skills_context(request.user, visitor_id)
    return render(request, VISITOR, context, block="section")


@post("/visitors/{visitor_id:int}/skills", name="visitor_skill_validate")
async def visitor_skill_validate(request: Request, visitor_id: Id) -> Response:
    """A facilitator records what they saw the person do, outside any session."""
    raw = await request.form()
    try:
        data = parse_form(Assessment, raw)
        recorded = await services.validate_at_desk(request.user, visitor_id, data)
    except Invalid as error:
        context = await pages.visitor_skills_context(request.user, visitor_id)
        context.update(
            error=error.message,
            errors=error.field_errors,
            values={"skill": raw.get("skill"), "level": raw.get("level")},
        )
        return render(request, VISITOR, context, block="section", status_code=422)
    context = await pages.visitor_skills_context(request.user, visitor_id)
    context.update(validated=data, recorded=recorded)
    return render(request, VISITOR, context, block="section")


@post(
    "/visitors/{visitor_id:int}/badges/{public_id:str}/revoke",
    name="visitor_badge_revoke",
    guards=[require_role(*MANAGERS)],
)
async def visitor_badge_revoke(
    request: Request, visitor_id: Id, public_id: FromPath[str]
) -> Response:
    if not PUBLIC_ID.match(public_id):
        raise NotFound(_("Ce badge n'existe pas."))
    raw = await request.form()
    try:
        data = parse_form(RevokeInput, raw)
        await pages.badge_of_visitor(request.user, visitor_id, public_id)
        await services.revoke_badge(request.user, public_id, data.reason)
    except Invalid as error:
        context = await pages.visitor_skills_context(request.user, visitor_id)
        context.update(error=error.message, revoke_errors={public_id: error.field_errors})
        return render(request, VISITOR, context, block="section", status_code=422)
    context = await pages.visitor_skills_context(request.user, visitor_id)
    context.update(revoked=True)
    return render(request, VISITOR, context, block="section")


# ---- the admins' catalogue -----------------------------------------------------------------


@get("/admin/skills", name="admin_skills")
async def catalogue_page(request: Request) -> Response:
    return render(request, CATALOGUE, await pages.catalogue_context())


@get("/admin/skills/export", name="admin_skills_export")
async def catalogue_export(request: Request) -> Response:
    return file_response(
        await catalogue.export_skills(),
        "application/json",
        "practical-skills.json",
        attachment=True,
    )


@post("/admin/skills/import", name="admin_skills_import")
async def catalogue_import(request: Request) -> Response:
    """Create or update skills from the pasted file, all or nothing: the result says how many,
    or the first thing to correct and where."""
    raw = await request.form()
    try:
        data = parse_form(SkillsFileInput, raw)
        result = await catalogue.import_skills(request.user, data.data.encode("utf-8"))
    except Invalid as error:
        context = await pages.catalogue_context()
        context.update(
            import_error=error.message,
            import_errors=error.field_errors,
            pasted=str(raw.get("data") or "")[:MAX_FILE_BYTES],
        )
        return render(request, CATALOGUE, context, block="import", status_code=422)
    context = await pages.catalogue_context()
    context.update(imported=result)
    return render(request, CATALOGUE, context, block="import")


def _code(code: str) -> str:
    if not re.match(SKILL_CODE_PATTERN, code):
        raise NotFound(_("Compétence introuvable."), code="skill_not_found")
    return code


@get("/admin/skills/{code:str}/edit", name="admin_skill_edit")
async def skill_edit(request: Request, code: FromPath[str]) -> Response:
    context = await pages.skill_form_context(_code(code))
    if context is None:
        raise NotFound(_("Compétence introuvable."), code="skill_not_found")
    return render(request, SKILL_EDIT, context)


@post("/admin/skills/{code:str}/edit", name="admin_skill_save")
async def skill_save(request: Request, code: FromPath[str]) -> Response:
    context = await pages.skill_form_context(_code(code))
    if context is None:
        raise NotFound(_("Compétence introuvable."), code="skill_not_found")
    raw = await request.form()
    try:
        data = parse_form(SkillInput, raw)
        await catalogue.update_skill(request.user, code, data)
    except Invalid as error:
        values = {name: raw.get(name) for name in SkillInput.__struct_fields__}
        context.update(values=values, errors=error.field_errors, error=error.message)
        return render(request, SKILL_EDIT, context, status_code=422)
    return redirect(request, request.app.route_reverse("admin_skills") + "?done=saved")


staff_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        ticklist_page,
        observe,
        module_progress,
        visitor_skills,
        visitor_skill_validate,
        visitor_badge_revoke,
    ],
)
managers_router = Router(
    path="/", guards=[require_role(*MANAGERS)], route_handlers=[module_edit, module_save]
)
admin_router = Router(
    path="/",
    guards=[require_role(ADMIN)],
    route_handlers=[catalogue_page, catalogue_export, catalogue_import, skill_edit, skill_save],
)
