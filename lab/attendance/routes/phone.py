"""Self check-in from the visitor's own phone (public pages, no login).

The projector shows a QR code of ``/c/{session_id}/{code}``; the code changes every 30 seconds
(see ``attendance.selfcheck``). A current code opens a form that asks for the short code of the
visitor's pass and carries a short-lived form token; an old or copied code gets a page that
says to scan the screen again. Wrong short codes are limited per session and per form token,
never per IP address: every phone on the lab's wifi shares one.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import Parameter

from lab.attendance import pages, selfcheck, services
from lab.attendance.routes.live import new_nonce
from lab.attendance.selfcheck import SelfCheckThrottle, VisitorOnPhone
from lab.attendance.services import ScanRefused
from lab.core.errors import Invalid
from lab.core.forms import parse_form
from lab.core.params import Id
from lab.core.web import render

Code = Parameter(min_length=1, max_length=64)
PHONE_PAGE = "attendance/phone.html"
# Refusals that say the typed code was not right for this session: they count as wrong tries.
WRONG_CODE = frozenset({"unknown_pass", "not_enrolled", "other_site"})


class PhoneInput(msgspec.Struct):
    nonce: Annotated[str, msgspec.Meta(max_length=64)]
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=20, pattern=r"^[^<>]+$")]


def _expired(request: Request, status_code: int) -> Response:
    return render(request, PHONE_PAGE, {"state": "expired"}, status_code=status_code)


def _form(request: Request, session: dict, form_token: str, **extra: object) -> dict:
    return {
        "state": "form",
        "session": session,
        "form_token": form_token,
        "nonce": new_nonce(),
        "values": {},
        "errors": {},
        "current_path": f"/c/{session['id']}",
        **extra,
    }


@get("/c/{session_id:int}", name="self_check_start")
async def phone_start(request: Request, session_id: Id) -> Response:
    """Where the language switch comes back to after the form: asks to scan the screen."""
    return render(request, PHONE_PAGE, {"state": "scan"})


@get("/c/{session_id:int}/{code:str}", name="self_check_in")
async def phone_page(request: Request, session_id: Id, code: str = Code) -> Response:
    session = await pages.phone_session(session_id)
    secret = session["checkin_secret"] if session else ""
    if session is None or not selfcheck.code_is_current(secret, session_id, code):
        return _expired(request, 410)
    if session["status"] != "scheduled":
        return render(request, PHONE_PAGE, {"state": "closed", "session": session})
    token = selfcheck.form_token(secret, session_id)
    context = _form(request, session, token, current_path=request.url.path)
    return render(request, PHONE_PAGE, context)


@post("/c/{session_id:int}", name="self_check_in_send")
async def phone_check_in(request: Request, session_id: Id) -> Response:
    raw = await request.form()
    session = await pages.phone_session(session_id)
    token = str(raw.get("form_token") or "")
    if session is None or not selfcheck.form_token_is_valid(
        session["checkin_secret"], session_id, token
    ):
        return _expired(request, 403)
    throttle = SelfCheckThrottle(request.app.state.store)
    if await throttle.is_locked(session_id, token):
        await throttle.refuse(session_id)
        return render(request, PHONE_PAGE, {"state": "locked"}, status_code=429)
    values = {"code": raw.get("code", "")}
    try:
        data = parse_form(PhoneInput, raw)
        checked = await services.check_in(
            services.Scan(
                by=VisitorOnPhone(site_id=session["site"]),
                nonce=data.nonce,
                method="self_phone",
                code=data.code,
                session_id=session_id,
            )
        )
    except ScanRefused as refused:
        if refused.code in WRONG_CODE:
            await throttle.failed(session_id, token)
        context = _form(request, session, token, values=values, message=refused.message)
        context["code"] = refused.code
        return render(request, PHONE_PAGE, context, status_code=refused.status_code)
    except Invalid as error:
        context = _form(request, session, token, values=values, errors=error.field_errors)
        context["message"] = error.message
        return render(request, PHONE_PAGE, context, status_code=error.status_code)
    context = {"state": "done", "session": session, "first_name": checked.first_name}
    context["current_path"] = f"/c/{session_id}"
    return render(request, PHONE_PAGE, context)


phone_router = Router(
    path="/", route_handlers=[phone_start, phone_page, phone_check_in], include_in_schema=False
)
