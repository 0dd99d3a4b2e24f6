"""The admin page of a site's visit purposes: labels in French, English and Dutch, the
pictogram, the order, active or not; add one, take one off."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.accounts import queries as accounts
from lab.core.errors import Invalid
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import ADMIN
from lab.core.web import redirect, render
from lab.visits import pages, services
from lab.visits.forms import CodeInput, PurposeInput

PAGE = "visits/purposes.html"


@get("/admin/visit-purposes", name="visit_purposes_home")
async def purposes_home(request: Request) -> Response:
    """The list of the first site (the page links to the others)."""
    site_id = await accounts.default_site(request.user)
    return render(request, PAGE, await pages.purposes_context(request.user, site_id))


@get("/admin/visit-purposes/{site_id:int}", name="visit_purposes")
async def purposes_page(request: Request, site_id: Id) -> Response:
    return render(request, PAGE, await pages.purposes_context(request.user, site_id))


@post("/admin/visit-purposes/{site_id:int}", name="visit_purpose_save")
async def save(request: Request, site_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(PurposeInput, raw)
        await services.save_purpose(request.user, site_id, data)
    except Invalid as error:
        context = await pages.purposes_context(request.user, site_id)
        context.update(errors=error.field_errors, failed=raw.get("code", ""), error=error.message)
        return render(request, PAGE, context, status_code=error.status_code)
    path = request.app.route_reverse("visit_purposes", site_id=site_id)
    return redirect(request, f"{path}?done=saved")


@post("/admin/visit-purposes/{site_id:int}/remove", name="visit_purpose_remove")
async def remove(request: Request, site_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(CodeInput, raw)
    except Invalid as error:
        context = await pages.purposes_context(request.user, site_id)
        context.update(error=error.message)
        return render(request, PAGE, context, status_code=error.status_code)
    await services.remove_purpose(request.user, site_id, data.code)
    path = request.app.route_reverse("visit_purposes", site_id=site_id)
    return redirect(request, f"{path}?done=removed")


admin_router = Router(
    path="/",
    guards=[require_role(ADMIN)],
    route_handlers=[purposes_home, purposes_page, save, remove],
)
