"""The visitor's choices (consents) and all their data, on their own phone.

Withdrawing takes one tap, as does agreeing for a visitor of age (a minor agrees at the desk,
with a guardian). All their data is a page and a zip built in memory, sent as an attachment
that no cache keeps; the address names nobody: the session says whose it is.
"""

from __future__ import annotations

from litestar import Request, Response, get, post

from lab.accounts.forms import ConsentInput
from lab.accounts.queries import archive, archive_name, summary_context
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.params import Id
from lab.core.web import file_response, redirect, render
from lab.me import queries, services
from lab.me.auth import require_visitor, visitor_of

GUARDED = {"guards": [require_visitor]}


async def _page(request: Request, *, status_code: int = 200, **extra: object) -> Response:
    actor = visitor_of(request)
    return render(
        request,
        "me/consents.html",
        {"visitor": actor, "page": await queries.consent_page(actor), **extra},
        status_code=status_code,
    )


@get("/consents", name="me_consents", **GUARDED)
async def consent_list(request: Request) -> Response:
    return await _page(request, done=request.query_params.get("done"))


@post("/consents", name="me_consent_give", **GUARDED)
async def consent_give(request: Request) -> Response:
    try:
        data = parse_form(ConsentInput, await request.form())
        await services.give_consent(visitor_of(request), data)
    except LabError as error:
        return await _page(request, status_code=error.status_code, message=error.message)
    return redirect(request, "/me/consents?done=given")


@post("/consents/{consent_id:int}/withdraw", name="me_consent_withdraw", **GUARDED)
async def consent_withdraw(request: Request, consent_id: Id) -> Response:
    await services.withdraw_consent(visitor_of(request), consent_id)
    return redirect(request, "/me/consents?done=withdrawn")


@get("/my-data", name="me_my_data", **GUARDED)
async def data_page(request: Request) -> Response:
    actor = visitor_of(request)
    made = await queries.everything(actor)
    return render(request, "me/data.html", {"visitor": actor, **summary_context(made)})


@get("/my-data.zip", name="me_data_zip", **GUARDED)
async def data_zip(request: Request) -> Response:
    made = await queries.everything(visitor_of(request))
    body = archive(made, request.app.state.jinja, request.app.state.settings.lab_name)
    return file_response(body, "application/zip", archive_name(made), attachment=True)


HANDLERS = (consent_list, consent_give, consent_withdraw, data_page, data_zip)
