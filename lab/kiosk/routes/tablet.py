"""The tablet side of kiosk mode: pairing, the home screen, and ending a visit.

Every page here is for a paired device (``require_device``), except pairing itself. Handlers
stay thin: the rules live in ``lab.kiosk.devices`` and ``lab.kiosk.auth``.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.accounts.forms import LanguageInput
from lab.core import i18n
from lab.core.errors import Invalid
from lab.core.forms import parse_form
from lab.core.web import KIOSK_LANGUAGE_COOKIE, KIOSK_PREFIX, redirect, render, safe_next
from lab.kiosk import devices
from lab.kiosk.auth import (
    KIOSK_EXCEPTION_HANDLERS,
    device_cookie,
    device_of,
    end_visit,
    require_device,
    visit_of,
)
from lab.kiosk.forms import PairInput
from lab.kiosk.pairing import PairingLocked, PairingThrottle


async def kiosk_context(request: Request, **extra: object) -> dict:
    """What every kiosk page needs: the device, the visit in progress (if any), and whether
    the visitor chose a language (the idle timer then goes back to the lab's)."""
    return {
        "device": device_of(request),
        "visit": await visit_of(request),
        "language_chosen": KIOSK_LANGUAGE_COOKIE in request.cookies,
        **extra,
    }


@get("/", guards=[require_device()], name="kiosk_home")
async def home(request: Request) -> Response:
    return render(request, "kiosk/home.html", await kiosk_context(request))


@get("/pair", name="kiosk_pair_form")
async def pair_form(request: Request) -> Response:
    return render(request, "kiosk/pair.html", {"values": {}, "errors": {}, "visit": None})


@post("/pair", name="kiosk_pair")
async def pair(request: Request) -> Response:
    """Trade the one-time code for the device credential, kept in a cookie for /kiosk only."""
    raw = await request.form()
    context: dict = {"values": {"code": raw.get("code", "")}, "errors": {}, "visit": None}
    # Wrong codes are counted per client address, among others (lab.kiosk.pairing): behind
    # the proxy on this host, uvicorn takes the address from its X-Forwarded-For.
    client = request.client.host if request.client else None
    throttle = PairingThrottle(request.app.state.store, client)
    try:
        data = parse_form(PairInput, raw)
        device, credential = await devices.pair(data.code, throttle)
    except (Invalid, PairingLocked) as error:
        context.update(message=error.message, errors=error.field_errors)
        response = render(request, "kiosk/pair.html", context, status_code=error.status_code)
        if isinstance(error, PairingLocked):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = render(request, "kiosk/pair.html", {"paired": device.name, "visit": None})
    response.set_cookie(device_cookie(credential, secure=request.app.state.settings.cookie_secure))
    return response


@post("/language", guards=[require_device()], name="kiosk_language")
async def choose_language(request: Request) -> Response:
    """The visitor at the tablet chooses a language, for their visit only (see
    ``lab.core.web.language_for``): a cookie for /kiosk, gone with the browser or the visit."""
    data = parse_form(LanguageInput, await request.form())
    i18n.set_language(data.language)
    target = safe_next(data.next, KIOSK_PREFIX)
    if target != KIOSK_PREFIX and not target.startswith(f"{KIOSK_PREFIX}/"):
        target = KIOSK_PREFIX
    response = redirect(request, target)
    response.set_cookie(
        KIOSK_LANGUAGE_COOKIE,
        data.language,
        path=KIOSK_PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
    )
    return response


@post("/end", guards=[require_device()], name="kiosk_end")
async def end(request: Request) -> Response:
    """End the visit (button "I'm done", or the idle timer): server-side first, then home,
    where the next visitor is greeted in the lab's default language."""
    response = redirect(request, KIOSK_PREFIX)
    await end_visit(request, response)
    response.delete_cookie(KIOSK_LANGUAGE_COOKIE, path=KIOSK_PREFIX)
    return response


tablet_router = Router(
    path="/kiosk",
    route_handlers=[home, pair_form, pair, choose_language, end],
    exception_handlers=KIOSK_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    include_in_schema=False,
)
