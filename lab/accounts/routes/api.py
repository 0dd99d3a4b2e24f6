"""JSON API for visitors and passes, described in the OpenAPI schema at /api/schema."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Router, get, post, put
from litestar.params import JSONBody

from lab.accounts import passes, visitors
from lab.accounts.forms import (
    EducationLevel,
    Gender,
    Language,
    NewVisitorInput,
    PriorityArea,
    SearchInput,
    Status,
    VisitorInput,
)
from lab.accounts.tables import Visitor
from lab.core.api import STAFF_READ, STAFF_WRITE, documented
from lab.core.errors import NotFound
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.roles import STAFF_ROLES


class VisitorSummary(msgspec.Struct):
    id: int
    first_name: str
    last_name: str
    birth_date: dt.date
    site_name: str
    external_ref: str | None = None


class VisitorOut(msgspec.Struct):
    """A visitor's record as stored. Text fields are plain text here: the rules on what may be
    typed are the input's (VisitorInput), and a record may predate one of them."""

    id: int
    site_id: int
    first_name: str
    last_name: str
    birth_date: dt.date
    postcode: str
    status: Status
    preferred_language: Language
    gender: Gender | None
    priority_area: PriorityArea | None
    education_level: EducationLevel | None
    phone: str | None
    email: str | None
    external_ref: str | None
    created_at: dt.datetime
    short_code: str | None  # the active pass's, to read out (never its token)


class PassOut(msgspec.Struct):
    short_code: str
    issued_at: dt.datetime


class IssuedPassOut(PassOut):
    """Returned once, when a pass is issued: the token is not kept by the server."""

    token: str
    url: str


class ResolveInput(msgspec.Struct):
    token: str


class ResolvedPass(msgspec.Struct):
    visitor_id: int
    first_name: str


def _summary(row: dict) -> VisitorSummary:
    return msgspec.convert(row, VisitorSummary, from_attributes=False)


async def _out(visitor: Visitor) -> VisitorOut:
    active = await passes.active_pass(visitor.id)
    values = {field: getattr(visitor, field) for field in VisitorInput.__struct_fields__}
    return VisitorOut(
        **values,
        id=visitor.id,
        site_id=visitor.created_site,
        created_at=visitor.created_at,
        short_code=passes.display_short_code(active.short_code) if active else None,
    )


@get(
    "/visitors",
    summary="Recently updated visitors of your sites",
    **documented(STAFF_READ, 401, 403),
)
async def api_visitors(request: Request) -> list[VisitorSummary]:
    return [_summary(row) for row in await visitors.recent_visitors(request.user, limit=50)]


@post(
    "/visitors/search",
    summary="Search by name, pass short code or file number",
    status_code=200,
    **documented(STAFF_WRITE, 400, 401, 403, 413, 422),
)
async def api_search(request: Request, data: JSONBody[SearchInput]) -> list[VisitorSummary]:
    return [_summary(row) for row in await visitors.search_visitors(request.user, data.q)]


@post(
    "/visitors",
    summary="Create a visitor and their first pass",
    description="409 ``possible_duplicate`` when someone of the same name and birth date is "
    "already known: send again with ``confirm_not_duplicate`` to create anyway.",
    status_code=201,
    **documented(STAFF_WRITE, 400, 401, 403, 409, 413, 422),
)
async def api_create(request: Request, data: JSONBody[NewVisitorInput]) -> VisitorOut:
    visitor, _token = await visitors.create_visitor(request.user, data)
    return await _out(visitor)


@get(
    "/visitors/{visitor_id:int}",
    summary="A visitor's record",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_visitor(request: Request, visitor_id: Id) -> VisitorOut:
    return await _out(await visitors.get_visitor_for(request.user, visitor_id))


@put(
    "/visitors/{visitor_id:int}",
    summary="Correct a visitor's record",
    **documented(STAFF_WRITE, 400, 401, 403, 404, 413, 422),
)
async def api_update(request: Request, data: JSONBody[VisitorInput], visitor_id: Id) -> VisitorOut:
    return await _out(await visitors.update_visitor(request.user, visitor_id, data))


@get(
    "/visitors/{visitor_id:int}/pass",
    summary="The visitor's active pass",
    description="404 ``no_active_pass`` when the visitor has none.",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_pass(request: Request, visitor_id: Id) -> PassOut:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    active = await passes.active_pass(visitor.id)
    if active is None:
        raise NotFound(_("Cette personne n'a pas de carte active."), code="no_active_pass")
    return PassOut(
        short_code=passes.display_short_code(active.short_code), issued_at=active.issued_at
    )


@post(
    "/visitors/{visitor_id:int}/pass",
    summary="Issue a new pass (revokes the current one)",
    **documented(STAFF_WRITE, 401, 403, 404, 422),
)
async def api_reissue(request: Request, visitor_id: Id) -> IssuedPassOut:
    issued, token = await visitors.reissue_pass(request.user, visitor_id)
    return IssuedPassOut(
        short_code=passes.display_short_code(issued.short_code),
        issued_at=issued.issued_at,
        token=token,
        url=passes.pass_url(request.app.state.settings.base_url, token),
    )


@post(
    "/passes/resolve",
    summary="Who holds this pass (token or scanned URL)",
    description="404 ``unknown_pass`` for a token that is no pass, or a revoked one.",
    status_code=200,
    **documented(STAFF_WRITE, 400, 401, 403, 404, 413, 422),
)
async def api_resolve(request: Request, data: JSONBody[ResolveInput]) -> ResolvedPass:
    token = passes.token_from_scan(data.token)
    visitor = await passes.resolve_token(token) if token else None
    if visitor is None:
        raise NotFound(_("Cette carte n'est pas valable."), code="unknown_pass")
    # Same site rule as everywhere: a pass from another site resolves to a refusal.
    visitor = await visitors.get_visitor_for(request.user, visitor.id)
    return ResolvedPass(visitor_id=visitor.id, first_name=visitor.first_name)


api_router = Router(
    path="/api",
    guards=[require_role(*STAFF_ROLES)],
    tags=["visitors"],
    include_in_schema=True,
    route_handlers=[
        api_visitors,
        api_search,
        api_create,
        api_visitor,
        api_update,
        api_pass,
        api_reissue,
        api_resolve,
    ],
)
