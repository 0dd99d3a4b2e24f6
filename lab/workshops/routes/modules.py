"""Staff pages for modules: the list, a module's page, the module form (managers), partners
and scheduling sessions (managers)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.datastructures import MultiDict

from lab.bookings.queries import today_at
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id, OptionalId, id_or_none
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render, wants_fragment
from lab.workshops import pages, services
from lab.workshops.forms import ModuleInput, PartnerInput, ScheduleInput


def _values(raw: MultiDict) -> dict[str, object]:
    values: dict[str, object] = dict(raw)
    values["facilitator_ids"] = raw.getall("facilitator_ids", [])
    return values


# -- The list -------------------------------------------------------------------------------


@get("/workshops", name="workshops")
async def module_list(request: Request, site: OptionalId = None) -> Response:
    context = await pages.module_list(request.user, site)
    return render(request, "workshops/list.html", context)


# -- The module form ------------------------------------------------------------------------


async def _form_context(request: Request, site_id: int, values: dict, **extra: object) -> dict:
    chosen = [i for i in map(id_or_none, values.get("facilitator_ids") or []) if i is not None]
    return {**await pages.module_form(request.user, site_id, values, chosen), **extra}


@get("/workshops/new", name="workshop_new")
async def module_new(
    request: Request, site: OptionalId = None, partner: OptionalId = None
) -> Response:
    site_id = await services.programme_site_for(request.user, site)
    values = {"site_id": site_id, "capacity": 12, "enrolment": "series", "kind": "job_search"}
    values.update(completion_percent=80, late_after_minutes=10, active=True, partner_id=partner)
    context = await _form_context(request, site_id, values, module=None)
    return render(request, "workshops/form.html", context)


@post("/workshops/new", name="workshop_create")
async def module_create(request: Request) -> Response:
    raw = await request.form()
    try:
        module = await services.create_module(request.user, parse_form(ModuleInput, raw))
    except LabError as error:
        site_id = _site_in(raw) or await pages.first_managed_site(request.user)
        if site_id is None:
            raise
        context = await _form_context(
            request, site_id, _values(raw), module=None, errors=error.field_errors
        )
        context["message"] = error.message
        return render(
            request, "workshops/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/workshops/{module.id}?done=created")


def _site_in(raw: MultiDict) -> int | None:
    return id_or_none(raw.get("site_id"))


@get("/workshops/{module_id:int}/edit", name="workshop_edit")
async def module_edit(request: Request, module_id: Id) -> Response:
    module = await services.get_module_to_manage_for(request.user, module_id)
    values = pages.module_values(module, await services.facilitator_ids(module.id))
    context = await _form_context(request, module.site, values, module=module)
    return render(request, "workshops/form.html", context)


@post("/workshops/{module_id:int}/edit", name="workshop_update")
async def module_update(request: Request, module_id: Id) -> Response:
    module = await services.get_module_for(request.user, module_id)
    raw = await request.form()
    try:
        data = parse_form(ModuleInput, {**_values(raw), "site_id": module.site})
        await services.update_module(request.user, module_id, data)
    except LabError as error:
        context = await _form_context(
            request, module.site, _values(raw), module=module, errors=error.field_errors
        )
        context["message"] = error.message
        return render(
            request, "workshops/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/workshops/{module_id}?done=saved")


@post("/workshops/partners", name="partner_create")
async def partner_create(request: Request) -> Response:
    """The small "add a partner" form beside the module form. With htmx, the partner list
    of the module form gains the new partner, chosen; without, the form page reloads."""
    raw = await request.form()
    site_id = _site_in(raw)
    try:
        partner = await services.create_partner(request.user, parse_form(PartnerInput, raw))
    except LabError as error:
        if site_id is None:
            raise
        # The form checks the actor works on the site before showing it again.
        context = await _form_context(request, site_id, {"site_id": site_id}, module=None)
        context.update(
            partner_values=dict(raw),
            partner_errors=error.field_errors,
            partner_message=error.message,
        )
        return render(
            request,
            "workshops/form.html",
            context,
            block="partner_form",
            status_code=error.status_code,
        )
    if not wants_fragment(request):
        return redirect(request, f"/workshops/new?site={partner.site}&partner={partner.id}")
    values = {"site_id": partner.site, "partner_id": partner.id}
    context = await _form_context(request, partner.site, values, module=None)
    context["partner_added"] = partner.name
    return render(request, "workshops/form.html", context, block="partner_form")


# -- A module's page ------------------------------------------------------------------------


async def _page(request: Request, module_id: int, *, status_code: int = 200, **extra) -> Response:
    context = await pages.module_detail(request.user, module_id)
    module = context["module"]
    context.setdefault(
        "schedule_values",
        pages.schedule_defaults(await today_at(request.user, module.site)),
    )
    context.update(schedule_errors={}, **extra)
    return render(request, "workshops/show.html", context, status_code=status_code)


@get("/workshops/{module_id:int}", name="workshop")
async def module_show(request: Request, module_id: Id) -> Response:
    return await _page(request, module_id)


@post("/workshops/{module_id:int}/sessions", name="workshop_schedule")
async def module_schedule(request: Request, module_id: Id) -> Response:
    """Schedule one session or a weekly run: the result lists every created session, every
    refused date with the booking rule's reason, and facilitator clashes."""
    raw = await request.form()
    try:
        result = await services.schedule(request.user, module_id, parse_form(ScheduleInput, raw))
    except LabError as error:
        context = await pages.module_detail(request.user, module_id)
        context.update(
            schedule_values=dict(raw),
            schedule_errors=error.field_errors,
            schedule_message=error.message,
        )
        return render(
            request,
            "workshops/show.html",
            context,
            block="schedule",
            status_code=error.status_code,
        )
    context = await pages.module_detail(request.user, module_id)
    context.update(schedule_values=dict(raw), schedule_errors={}, scheduled=result)
    # With htmx, the list of sessions is refreshed beside the result (out of band).
    context["oob_sessions"] = wants_fragment(request)
    return render(request, "workshops/show.html", context, block="scheduled")


modules_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[module_list, module_show],
)

programme_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        module_new,
        module_create,
        module_edit,
        module_update,
        partner_create,
        module_schedule,
    ],
)
