"""The visitor's own space on their phone: /me.

Scanning the pass opens /p/{token} (lab.me.routes.landing), which asks for the PIN and
posts here; /me/start does the same with the short code typed by hand. Only the two sign-in
pages are public; every other page needs a visitor session (lab.me.auth.require_visitor).
Forms are plain POSTs that work without JavaScript; a cancellation is asked first on a page of
its own, because a stray tap on a small screen must not cancel anything.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.accounts.queries import pass_url
from lab.core import conditional
from lab.core.errors import LabError, NotFound
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.qr import SVG_MEDIA_TYPE, qr_etag, qr_svg_file
from lab.core.web import LANGUAGE_COOKIE, error_response, file_response, redirect, render
from lab.me import queries, services
from lab.me.auth import (
    ME_EXCEPTION_HANDLERS,
    end_session,
    require_visitor,
    session_of,
    start_session,
    visitor_of,
)
from lab.me.forms import SignInInput
from lab.me.pages import sign_in_page

ICS = "text/calendar"  # Litestar adds the charset
GUARDED = {"guards": [require_visitor]}


@get("/start", name="me_start")
async def start(request: Request) -> Response:
    signed_out = request.query_params.get("signed_out") == "1"
    notice = _("Vous êtes déconnecté·e. À bientôt !") if signed_out else None
    return sign_in_page(request, mode="start", notice=notice)


@post("/sign-in", name="me_sign_in")
async def sign_in(request: Request) -> Response:
    """Pass + PIN -> a new session, then /me. The token and PIN travel in the body only."""
    raw = await request.form()
    from_scan = raw.get("from") == "pass"
    token = str(raw.get("code", "")) if from_scan else ""
    try:
        data = parse_form(SignInInput, raw)
        signed = await services.sign_in(data.code, data.pin)
    except LabError as error:
        return sign_in_page(
            request,
            mode="pass" if from_scan else "start",
            token=token,
            code="" if from_scan else str(raw.get("code", ""))[:40],
            error=error,
            has_pin=error.code != "no_pin",
            valid=error.code != "unknown_pass",
            status_code=error.status_code,
        )
    response = redirect(request, "/me")
    await start_session(request, response, signed.visitor, signed.pass_id, signed.pass_token)
    if LANGUAGE_COOKIE not in request.cookies:
        # Nobody chose a language on this phone yet: speak the one the visitor gave the desk.
        response.set_cookie(
            LANGUAGE_COOKIE,
            signed.visitor.preferred_language,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.cookie_secure,
        )
    return response


@post("/sign-out", name="me_sign_out", **GUARDED)
async def sign_out(request: Request) -> Response:
    await services.signed_out(visitor_of(request))
    response = redirect(request, "/me/start?signed_out=1")
    await end_session(request, response)
    return response


@get("/", name="me_home", **GUARDED)
async def home(request: Request) -> Response:
    actor = visitor_of(request)
    coming = await queries.upcoming(actor)
    target = request.app.state.settings.weekly_activity_hours
    return render(
        request,
        "me/home.html",
        {
            "visitor": actor,
            "week": await queries.week_activity(actor, target),
            "enrolments": coming.enrolments,
            "bookings": coming.bookings,
            "referrals": await queries.my_referrals(actor),
            "referral_needs": queries.REFERRAL_NEEDS,
            "referral_standing": queries.REFERRAL_STANDING,
            "done": request.query_params.get("done"),
        },
    )


@get("/pass", name="me_pass", **GUARDED)
async def show_pass(request: Request) -> Response:
    actor = visitor_of(request)
    card = await queries.pass_card(actor)
    has_qr = session_of(request).pass_token is not None
    return render(request, "me/pass.html", {"visitor": actor, "card": card, "has_qr": has_qr})


@get("/pass/qr.svg", name="me_pass_qr", **GUARDED)
async def pass_qr(request: Request) -> Response:
    """The QR of the pass the visitor signed in with, as an image the phone revalidates: the
    same pass answers 304, a new pass (a new session) a new image."""
    token = session_of(request).pass_token
    if token is None:  # signed in with the short code: no token to draw
        raise NotFound(_("Ce fichier n'existe pas."), code="no_qr")
    payload = pass_url(request.app.state.settings.base_url, token)
    # Personal: only the phone's own cache, and asked again each time. One URL for every
    # visitor, its content set by the session cookie.
    validators = conditional.Validators(qr_etag(payload, "svg"), vary="Cookie")
    return conditional.respond(
        request,
        validators,
        lambda: Response(qr_svg_file(payload), media_type=SVG_MEDIA_TYPE),
    )


@get("/enrolments/{enrolment_id:int}/cancel", name="me_enrolment_cancel_ask", **GUARDED)
async def ask_cancel_enrolment(request: Request, enrolment_id: Id) -> Response:
    item = await queries.enrolment_summary(visitor_of(request), enrolment_id)
    return render(
        request,
        "me/cancel.html",
        {"visitor": visitor_of(request), "kind": "enrolment", "item": item},
    )


@post("/enrolments/{enrolment_id:int}/cancel", name="me_enrolment_cancel", **GUARDED)
async def cancel_enrolment(request: Request, enrolment_id: Id) -> Response:
    await services.cancel_enrolment(visitor_of(request), enrolment_id)
    return redirect(request, "/me?done=enrolment_cancelled")


@get("/enrolments/{enrolment_id:int}/calendar.ics", name="me_enrolment_ics", **GUARDED)
async def enrolment_ics(request: Request, enrolment_id: Id) -> Response:
    body = await queries.enrolment_calendar(visitor_of(request), enrolment_id)
    return conditional.file(
        request, body, ICS, f"atelier-{enrolment_id}.ics", attachment=True, cache_control="no-store"
    )


@get("/bookings/{booking_id:int}/cancel", name="me_booking_cancel_ask", **GUARDED)
async def ask_cancel_booking(request: Request, booking_id: Id) -> Response:
    item = await queries.booking_summary(visitor_of(request), booking_id)
    return render(
        request, "me/cancel.html", {"visitor": visitor_of(request), "kind": "booking", "item": item}
    )


@post("/bookings/{booking_id:int}/cancel", name="me_booking_cancel", **GUARDED)
async def cancel_booking(request: Request, booking_id: Id) -> Response:
    await services.cancel_booking(visitor_of(request), booking_id)
    return redirect(request, "/me?done=booking_cancelled")


@get("/bookings/{booking_id:int}/calendar.ics", name="me_booking_ics", **GUARDED)
async def booking_ics(request: Request, booking_id: Id) -> Response:
    body = await queries.booking_calendar(visitor_of(request), booking_id)
    filename = f"reservation-{booking_id}.ics"
    return conditional.file(request, body, ICS, filename, attachment=True, cache_control="no-store")


@get("/data.json", name="me_data", **GUARDED)
async def my_data(request: Request) -> Response:
    data = await queries.my_data(visitor_of(request))
    return file_response(
        queries.data_json(data), "application/json", "mes-donnees-lab.json", attachment=True
    )


def _refusal_page(request: Request, error: LabError) -> Response:
    """A refusal on a visitor page: in the visitor's layout, with a way back to /me."""
    if request.scope.get("visitor") is None:
        return error_response(request, error.status_code, error.message, code=error.code)
    return render(
        request,
        "me/error.html",
        {"visitor": visitor_of(request), "message": error.message, "code": error.code},
        status_code=error.status_code,
    )


me_router = Router(
    path="/me",
    route_handlers=[
        start,
        sign_in,
        sign_out,
        home,
        show_pass,
        pass_qr,
        ask_cancel_enrolment,
        cancel_enrolment,
        enrolment_ics,
        ask_cancel_booking,
        cancel_booking,
        booking_ics,
        my_data,
    ],
    exception_handlers={**ME_EXCEPTION_HANDLERS, LabError: _refusal_page},  # type: ignore[dict-item]
)
