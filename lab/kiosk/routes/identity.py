"""Who is at the tablet: "I already have a card" (pass + PIN) and "first visit" (sign-up).

Both start a visit: 90 seconds without a touch end it (see ``lab.kiosk.auth``). A pass alone
never opens anything personal: the PIN is asked every time.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.accounts import queries as accounts
from lab.accounts.queries import VISITOR_STATUSES as STATUS
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.qr import qr_svg
from lab.core.web import redirect, render, safe_next
from lab.kiosk import visits
from lab.kiosk.auth import (
    KIOSK_EXCEPTION_HANDLERS,
    KIOSK_PATH,
    device_of,
    open_visit,
    require_device,
    start_visit,
)
from lab.kiosk.forms import IdentifyInput, SignUpInput
from lab.kiosk.routes.tablet import kiosk_context
from lab.kiosk.signup import sign_up


def _after_identify(path: str | None) -> str:
    """Only back to a kiosk page, never to the identify page itself."""
    target = safe_next(path, KIOSK_PATH)
    if not target.startswith(f"{KIOSK_PATH}/") or target.startswith(f"{KIOSK_PATH}/identify"):
        return KIOSK_PATH + "/mine"
    return target


@get("/identify", guards=[require_device()], name="kiosk_identify_form")
async def identify_form(request: Request) -> Response:
    target = _after_identify(request.query_params.get("next"))
    context = await kiosk_context(request, values={}, errors={}, next=target)
    return render(request, "kiosk/identify.html", context)


@post("/identify", guards=[require_device()], name="kiosk_identify")
async def identify(request: Request) -> Response:
    raw = await request.form()
    device = device_of(request)
    target = _after_identify(raw.get("next"))
    try:
        data = parse_form(IdentifyInput, raw)
        visitor = await visits.identify(device, data.code, data.pin)
    except LabError as error:
        # The PIN is never sent back into the page; the card stays so one can fix the PIN.
        values = {"code": raw.get("code", "")}
        context = await kiosk_context(
            request, values=values, errors=error.field_errors, message=error.message, next=target
        )
        context["code"] = error.code
        return render(request, "kiosk/identify.html", context, status_code=error.status_code)
    response = redirect(request, target)
    await start_visit(request, response, device, visitor, with_pin=True)
    return response


@get("/signup", guards=[require_device("signup")], name="kiosk_signup_form")
async def signup_form(request: Request) -> Response:
    context = await kiosk_context(request, values={}, errors={}, statuses=STATUS)
    return render(request, "kiosk/signup.html", context)


@post("/signup", guards=[require_device("signup")], name="kiosk_signup")
async def signup(request: Request) -> Response:
    raw = await request.form()
    device = device_of(request)
    try:
        data = parse_form(SignUpInput, raw)
        done = await sign_up(device, data)
    except LabError as error:
        values = {key: raw.get(key, "") for key in SignUpInput.__struct_fields__}
        values.pop("pin"), values.pop("pin_confirm")
        context = await kiosk_context(
            request,
            values=values,
            errors=error.field_errors,
            message=error.message,
            statuses=STATUS,
        )
        context["code"] = error.code
        return render(request, "kiosk/signup.html", context, status_code=error.status_code)
    settings = request.app.state.settings
    context = {
        "device": device,
        "first_name": done.visitor.first_name,
        "qr": qr_svg(
            accounts.pass_url(settings.base_url, done.token), _("QR code de votre carte lab")
        ),
        "short_code": accounts.display_short_code(done.short_code),
    }
    visit, cookie = await open_visit(request, device, done.visitor, with_pin=True)
    response = render(request, "kiosk/signup_done.html", {**context, "visit": visit})
    response.set_cookie(cookie)
    return response


identity_router = Router(
    path=KIOSK_PATH,
    route_handlers=[identify_form, identify, signup_form, signup],
    exception_handlers=KIOSK_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    include_in_schema=False,
)
