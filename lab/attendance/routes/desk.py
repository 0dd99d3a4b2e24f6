"""The check-in desk, for staff: scan a pass at one of their sites and the one check-in entry
point decides (a session, a booking, or a drop-in visit for the purpose picked here); or note
that someone leaves. The bookings desk (/bookings/check-in) is another page."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, post

from lab.accounts import queries as accounts
from lab.attendance import desk
from lab.attendance.services import ScanRefused
from lab.core.errors import Invalid
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import STAFF_ROLES
from lab.core.web import render

DESK = "attendance/desk.html"


class DeskInput(msgspec.Struct):
    nonce: Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=300, pattern=r"^[^<>]+$")]
    purpose: Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[a-z0-9_]+$")] | None = None
    leaving: bool = False


def new_nonce() -> str:
    return str(uuid.uuid4())


async def _desk(request: Request, site_id: int, *, status_code: int = 200, **extra) -> Response:
    context = await desk.desk_context(request.user, site_id)
    context.update({"new_nonce": new_nonce, "values": {}, "errors": {}, **extra})
    return render(request, DESK, context, status_code=status_code)


@get("/visits/desk", name="visits_desk")
async def desk_home(request: Request) -> Response:
    return await _desk(request, await accounts.default_site(request.user))


@get("/visits/desk/sites/{site_id:int}", name="visits_desk_site")
async def desk_page(request: Request, site_id: Id) -> Response:
    return await _desk(request, site_id)


@post("/visits/desk/sites/{site_id:int}/scan", name="visits_desk_scan")
async def desk_scan(request: Request, site_id: Id) -> Response:
    raw = await request.form()
    values = {"code": raw.get("code", "")}
    try:
        data = parse_form(DeskInput, raw)
        result = await desk.scan_at_desk(
            request.user,
            site_id,
            code=data.code,
            nonce=data.nonce,
            purpose=data.purpose,
            leaving=data.leaving,
        )
    except (ScanRefused, Invalid) as error:
        answer = {"ok": False, "message": error.message, "code": error.code}
        return await _desk(
            request,
            site_id,
            status_code=error.status_code,
            answer=answer,
            errors=error.field_errors,
        )
    done, message = desk.answer_message(result)
    answer = {"ok": done, "message": message, "code": result.outcome}
    # Not done (a purpose to pick): the same pass again, with the purpose.
    return await _desk(request, site_id, answer=answer, values=values if not done else {})


desk_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[desk_home, desk_page, desk_scan],
)
