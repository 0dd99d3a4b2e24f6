"""Staff pages of a visitor's consents and of their full data export.

The consent pages are registered on the visitors' Router: every staff member at the visitor's
site records or withdraws a consent at the desk. Only managers see and download everything (a
Router of their own, and lab.accounts.export.export_for for the visitor's own site).
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.accounts import consents, export, visitors
from lab.accounts.consents import GUARDIAN_RELATIONS
from lab.accounts.forms import ConsentInput
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import MANAGERS
from lab.core.web import file_response, redirect, render


async def _page(
    request: Request, visitor_id: int, *, status_code: int = 200, **extra: object
) -> Response:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    return render(
        request,
        "visitors/consents.html",
        {
            "visitor": visitor,
            "page": await consents.consent_page(visitor),
            "relations": GUARDIAN_RELATIONS,
            "can_export": request.user.can_reach_site(visitor.created_site, *MANAGERS),
            "errors": {},
            "values": {},
            **extra,
        },
        status_code=status_code,
    )


@get("/visitors/{visitor_id:int}/consents", name="visitor_consents")
async def consent_list(request: Request, visitor_id: Id) -> Response:
    return await _page(request, visitor_id, done=request.query_params.get("done"))


@post("/visitors/{visitor_id:int}/consents", name="visitor_consent_give")
async def consent_give(request: Request, visitor_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(ConsentInput, raw)
        await consents.give_consent(request.user, visitor_id, data)
    except LabError as error:
        if error.status_code not in (409, 422):
            raise
        return await _page(
            request,
            visitor_id,
            status_code=error.status_code,
            message=error.message,
            errors=error.field_errors,
            failed=str(raw.get("purpose", "")),
            values=dict(raw),
        )
    return redirect(request, f"/visitors/{visitor_id}/consents?done=given")


@post(
    "/visitors/{visitor_id:int}/consents/{consent_id:int}/withdraw",
    name="visitor_consent_withdraw",
)
async def consent_withdraw(request: Request, visitor_id: Id, consent_id: Id) -> Response:
    await consents.withdraw_consent(request.user, visitor_id, consent_id)
    return redirect(request, f"/visitors/{visitor_id}/consents?done=withdrawn")


@get("/visitors/{visitor_id:int}/data", name="visitor_data")
async def data_page(request: Request, visitor_id: Id) -> Response:
    """Everything lab holds about the visitor, as a page (managers of their site)."""
    made = await export.export_for(request.user, visitor_id)
    response = render(request, "visitors/data.html", export.summary_context(made))
    response.headers["Cache-Control"] = "no-store"
    return response


@get("/visitors/{visitor_id:int}/data.zip", name="visitor_data_zip")
async def data_zip(request: Request, visitor_id: Id) -> Response:
    """The same, as a zip of JSON and CSV files with the summary, built in memory."""
    made = await export.export_for(request.user, visitor_id)
    body = export.archive(made, request.app.state.jinja, request.app.state.settings.lab_name)
    return file_response(body, "application/zip", export.archive_name(made), attachment=True)


# On the visitors' Router (every staff role).
HANDLERS = (consent_list, consent_give, consent_withdraw)
# Everything about a person is for managers only.
visitor_data_router = Router(
    path="/", guards=[require_role(*MANAGERS)], route_handlers=[data_page, data_zip]
)
