"""Managers' pages for equipment: resources and their rules, and the days a site is closed."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, post

from lab.accounts.queries import get_site_for, site_choices
from lab.bookings import resources
from lab.bookings.forms import ClosureInput, ResourceInput
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id, OptionalId
from lab.core.roles import MANAGERS
from lab.core.web import redirect, render

SLOT_CHOICES = {minutes: str(minutes) for minutes in (5, 10, 15, 20, 30, 45, 60, 90, 120)}
DEFAULTS = {
    field.name: field.default
    for field in msgspec.structs.fields(ResourceInput)
    if field.default is not msgspec.NODEFAULT
}


class SiteRef(msgspec.Struct):
    site_id: Annotated[int, msgspec.Meta(gt=0, le=2**31 - 1)]


def _site_in(raw) -> int | None:
    """The site a refused form was about, to show its page again."""
    try:
        return parse_form(SiteRef, raw).site_id
    except LabError:
        return None


async def _managed_site(request: Request, site: int | None) -> tuple[dict[int, str], int | None]:
    """The sites the actor manages, and the one asked for (or the first); 403 for another."""
    sites = await site_choices(request.user, *MANAGERS)
    if site is not None:
        await get_site_for(request.user, site)
    return sites, site or next(iter(sites), None)


async def _form_context(request: Request, values: dict, **extra: object) -> dict:
    return {
        "values": values,
        "errors": {},
        "resource": None,
        "kind_labels": resources.KINDS,
        "slot_choices": SLOT_CHOICES,
        "site_options": await site_choices(request.user, *MANAGERS),
        **extra,
    }


@get("/", name="resources")
async def resource_list(request: Request, site: OptionalId = None) -> Response:
    sites, site_id = await _managed_site(request, site)
    rows = await resources.list_resources(request.user, site_id, include_inactive=True)
    context = {"sites": sites, "site_id": site_id, "rows": rows, "kind_labels": resources.KINDS}
    return render(request, "resources/list.html", context)


@get("/new", name="resource_new")
async def resource_new(request: Request, site: OptionalId = None) -> Response:
    _, site_id = await _managed_site(request, site)
    context = await _form_context(request, {**DEFAULTS, "site_id": site_id})
    return render(request, "resources/form.html", context)


@post("/", name="resource_create")
async def resource_create(request: Request) -> Response:
    raw = await request.form()
    try:
        resource = await resources.create_resource(request.user, parse_form(ResourceInput, raw))
    except LabError as error:
        context = await _form_context(
            request, dict(raw), errors=error.field_errors, message=error.message
        )
        return render(
            request, "resources/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/resources?site={resource.site}&saved={resource.id}")


@get("/{resource_id:int}/edit", name="resource_edit")
async def resource_edit(request: Request, resource_id: Id) -> Response:
    resource = await resources.get_resource_for(request.user, resource_id)
    values = {field: getattr(resource, field) for field in DEFAULTS}
    values.update(site_id=resource.site, kind=resource.kind, name=resource.name)
    context = await _form_context(request, values, resource=resource)
    return render(request, "resources/form.html", context)


@post("/{resource_id:int}", name="resource_update")
async def resource_update(request: Request, resource_id: Id) -> Response:
    resource = await resources.get_resource_for(request.user, resource_id)
    raw = await request.form()
    try:
        data = parse_form(ResourceInput, {**dict(raw), "site_id": resource.site})
        await resources.update_resource(request.user, resource_id, data)
    except LabError as error:
        context = await _form_context(
            request, dict(raw), resource=resource, errors=error.field_errors, message=error.message
        )
        return render(
            request, "resources/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/resources?site={resource.site}&saved={resource.id}")


async def _closures_page(
    request: Request, site_id: int | None, *, status_code: int = 200, **extra: object
) -> Response:
    sites, site_id = await _managed_site(request, site_id)
    rows = await resources.list_closures(request.user, site_id) if site_id else []
    context = {"sites": sites, "site_id": site_id, "rows": rows, "values": {}, "errors": {}}
    context.update(extra)
    return render(request, "resources/closures.html", context, status_code=status_code)


@get("/closures", name="resource_closures")
async def closure_list(request: Request, site: OptionalId = None) -> Response:
    return await _closures_page(request, site)


@post("/closures", name="resource_closure_add")
async def closure_add(request: Request) -> Response:
    raw = await request.form()
    try:
        data = parse_form(ClosureInput, raw)
        await resources.add_closure(request.user, data)
    except LabError as error:
        return await _closures_page(
            request,
            _site_in(raw),
            status_code=error.status_code,
            values=dict(raw),
            errors=error.field_errors,
            message=error.message,
        )
    return redirect(request, f"/resources/closures?site={data.site_id}&done=closure_added")


@post("/closures/{closure_id:int}/delete", name="resource_closure_remove")
async def closure_remove(request: Request, closure_id: Id) -> Response:
    site = parse_form(SiteRef, await request.form())
    await resources.remove_closure(request.user, closure_id)
    return redirect(request, f"/resources/closures?site={site.site_id}")


equipment_router = Router(
    path="/resources",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        resource_list,
        resource_new,
        resource_create,
        resource_edit,
        resource_update,
        closure_list,
        closure_add,
        closure_remove,
    ],
)
