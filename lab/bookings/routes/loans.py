"""Equipment loans: the lending desk, overdue items, a visitor's loans; items and their tags."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post

from lab.bookings import assets, loans
from lab.bookings.resources import KINDS
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id, OptionalId, id_or_none
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import file_response, redirect, render


def _site_in(raw: Any) -> int | None:
    """The desk's site, carried by its forms (a wrong value is refused by the service)."""
    return id_or_none(raw.get("site"))


async def _desk(
    request: Request, site: int | None, *, block: str | None = None, status_code: int = 200, **extra
) -> Response:
    done = extra.pop("done", None)
    view = await loans.desk(request.user, site, done_loan_id=done)
    context = {"desk": view, "lend_values": {}, "return_values": {}, **extra}
    return render(request, "loans/desk.html", context, block=block, status_code=status_code)


async def _refused(
    request: Request, site: int | None, form: str, raw: object, error: LabError
) -> Response:
    """The desk again, with ``form`` ("lend" or "return") showing what was typed and why no."""
    return await _desk(
        request,
        site,
        block="desk",
        status_code=error.status_code,
        **{
            f"{form}_values": dict(raw),  # type: ignore[call-overload]
            f"{form}_errors": error.field_errors,
            f"{form}_message": error.message,
        },
    )


@get("/loans", name="loans")
async def loan_desk(request: Request, site: OptionalId = None) -> Response:
    return await _desk(request, site)


@post("/loans", name="loan_create")
async def loan_create(request: Request) -> Response:
    raw = await request.form()
    site = _site_in(raw)
    try:
        loan = await loans.lend(request.user, parse_form(loans.LendInput, raw))
    except LabError as error:
        return await _refused(request, site, "lend", raw, error)
    return await _desk(request, site, block="desk", done=loan.id)


@post("/loans/return", name="loan_return")
async def loan_return(request: Request) -> Response:
    raw = await request.form()
    site = _site_in(raw)
    try:
        loan = await loans.return_asset(request.user, parse_form(loans.ReturnInput, raw))
    except LabError as error:
        return await _refused(request, site, "return", raw, error)
    return await _desk(request, site, block="desk", done=loan.id)


@get("/loans/overdue", name="loans_overdue")
async def loan_overdue(request: Request, site: OptionalId = None) -> Response:
    view = await loans.overdue(request.user, site)
    return render(request, "loans/overdue.html", {"view": view})


@get("/visitors/{visitor_id:int}/loans", name="visitor_loans")
async def visitor_loans(request: Request, visitor_id: Id) -> Response:
    view = await loans.visitor_loans(request.user, visitor_id)
    return render(request, "loans/visitor.html", {"view": view})


# -- Items and tags (managers) --------------------------------------------------------------


@get("/assets", name="assets")
async def asset_overview(request: Request) -> Response:
    rows = await assets.overview(request.user)
    return render(request, "loans/assets.html", {"rows": rows, "kind_labels": KINDS})


async def _asset_list(request: Request, resource_id: int, **extra: Any) -> Response:
    status_code = extra.pop("status_code", 200)
    listing = await assets.list_assets(request.user, resource_id)
    context = {"listing": listing, "values": {"count": 1}, "errors": {}, **extra}
    return render(
        request, "loans/resource_assets.html", context, block="form", status_code=status_code
    )


@get("/resources/{resource_id:int}/assets", name="resource_assets")
async def resource_assets(request: Request, resource_id: Id) -> Response:
    return await _asset_list(request, resource_id)


@post("/resources/{resource_id:int}/assets", name="asset_create")
async def asset_create(request: Request, resource_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(assets.AssetInput, raw)
        await assets.create_assets(request.user, resource_id, data)
    except LabError as error:
        return await _asset_list(
            request,
            resource_id,
            values=dict(raw),
            errors=error.field_errors,
            message=error.message,
            status_code=error.status_code,
        )
    return redirect(request, f"/resources/{resource_id}/assets?done=assets_added")


@post("/assets/{asset_id:int}/deactivate", name="asset_deactivate")
async def asset_deactivate(request: Request, asset_id: Id) -> Response:
    asset = await assets.set_active(request.user, asset_id, False)
    return redirect(request, f"/resources/{asset.resource}/assets")


@post("/assets/{asset_id:int}/activate", name="asset_activate")
async def asset_activate(request: Request, asset_id: Id) -> Response:
    asset = await assets.set_active(request.user, asset_id, True)
    return redirect(request, f"/resources/{asset.resource}/assets")


@get("/assets/{asset_id:int}/tag.png", name="asset_tag")
async def asset_tag_png(request: Request, asset_id: Id) -> Response:
    tag, png = await assets.tag_png(request.user, asset_id, request.app.state.settings.lab_name)
    return file_response(png, "image/png", f"etiquette-{tag}.png")


@get("/resources/{resource_id:int}/assets/tags.pdf", name="resource_asset_tags")
async def asset_tags_pdf(request: Request, resource_id: Id) -> Response:
    pdf = await assets.tags_pdf(request.user, resource_id, request.app.state.settings.lab_name)
    return file_response(pdf, "application/pdf", f"etiquettes-{resource_id}.pdf")


loans_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[loan_desk, loan_create, loan_return, loan_overdue, visitor_loans],
)

assets_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        asset_overview,
        resource_assets,
        asset_create,
        asset_deactivate,
        asset_activate,
        asset_tag_png,
        asset_tags_pdf,
    ],
)
