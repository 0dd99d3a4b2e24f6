"""« Au lab maintenant », for staff: who is in at a site, why and since when; check someone
out; open an anonymous visit (a purpose and maybe an age band, never a name). The page
refreshes its board every few seconds (htmx); the home page's panel does the same."""

from __future__ import annotations

import uuid

from litestar import Request, Response, Router, get, post

from lab.accounts import queries as accounts
from lab.core import clock
from lab.core.errors import Conflict, Invalid
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.roles import STAFF_ROLES
from lab.core.web import render
from lab.visits import pages, services
from lab.visits.forms import AnonymousVisitInput

NOW = "visits/now.html"


def new_nonce() -> str:
    """A fresh nonce for one form: the same form sent twice opens one visit."""
    return str(uuid.uuid4())


async def _now(
    request: Request, site_id: int, *, block: str | None = "board", status_code: int = 200, **extra
) -> Response:
    context = await pages.now_context(request.user, site_id)
    context.update(new_nonce=new_nonce, **extra)
    return render(request, NOW, context, block=block, status_code=status_code)


@get("/visits", name="visits")
async def visits_home(request: Request) -> Response:
    """The page of the staff member's first site (the page links to their others)."""
    return await _now(request, await accounts.default_site(request.user))


@get("/visits/sites/{site_id:int}", name="visits_now")
async def now_page(request: Request, site_id: Id) -> Response:
    """The whole page; for htmx (the refresh every few seconds), only the board."""
    return await _now(request, site_id)


@post("/visits/sites/{site_id:int}/anonymous", name="visits_anonymous")
async def anonymous_visit(request: Request, site_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(AnonymousVisitInput, raw)
        await services.open_visit(
            request.user,
            site_id=site_id,
            purpose=data.purpose,
            nonce=data.nonce,
            at=clock.now(),
            age_band=data.age_band or None,
        )
    except (Invalid, Conflict) as error:
        result = {"ok": False, "message": error.message, "code": error.code}
        return await _now(
            request,
            site_id,
            block="live",
            status_code=error.status_code,
            result=result,
            errors=error.field_errors,
        )
    result = {"ok": True, "message": _("Visite anonyme enregistrée.")}
    return await _now(request, site_id, block="live", result=result)


@post("/visits/{visit_id:int}/end", name="visits_end")
async def end_visit(request: Request, visit_id: Id) -> Response:
    """Check someone out at the desk."""
    visit = await services.get_visit_for(request.user, visit_id)
    try:
        await services.end_visit(request.user, visit.id, at=clock.now(), how="desk")
    except Conflict as error:
        result = {"ok": False, "message": error.message, "code": error.code}
        return await _now(
            request, visit.site, block="live", status_code=error.status_code, result=result
        )
    result = {"ok": True, "message": _("Départ enregistré.")}
    return await _now(request, visit.site, block="live", result=result)


@get("/visits/panel", name="visits_panel")
async def panel(request: Request) -> Response:
    """The home page's panel: how many are in now at each of the staff member's sites."""
    context = await pages.panel_context(request.user)
    return render(request, "visits/panel.html", context, block="panel")


now_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[visits_home, now_page, anonymous_visit, end_visit, panel],
)
