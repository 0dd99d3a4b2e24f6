"""Login, logout and the language switch."""

from __future__ import annotations

import time

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromQuery

from lab.accounts import staff, totp
from lab.accounts.auth import keep_own_session, staff_session_data
from lab.accounts.forms import LanguageInput, LoginInput, SecondFactorInput
from lab.core import i18n
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.qr import qr_svg
from lab.core.roles import STAFF_ROLES
from lab.core.sessions import SessionManager
from lab.core.web import LANGUAGE_COOKIE, redirect, render, safe_next


@get("/login", name="login")
async def login_page(request: Request, next: FromQuery[str | None] = None) -> Response:
    if request.scope.get("user"):
        return redirect(request, safe_next(next))
    return render(request, "accounts/login.html", {"next": safe_next(next), "values": {}})


@post("/login", name="login_submit")
async def login(request: Request) -> Response:
    raw = await request.form()
    next_path = safe_next(raw.get("next"))
    try:
        data = parse_form(LoginInput, raw)
        user = await staff.authenticate(data, request.app.state.login_throttle)
    except LabError as error:
        context = {
            "next": next_path,
            "values": {"email": raw.get("email", "")},
            "errors": error.field_errors,
            "message": error.message,
        }
        return render(
            request, "accounts/login.html", context, block="form", status_code=error.status_code
        )
    enrolled = await totp.is_enrolled(user.id)
    if enrolled or totp.requires_second_factor(await totp.roles_of(user.id)):
        # The password alone opens nothing: a session waiting for the second step.
        pending = {
            PENDING: user.id,
            "email": user.email,
            "pending_since": time.time(),
            "next": next_path,
        }
        target = request.app.route_reverse("login_code" if enrolled else "login_enrol")
        return await _new_session(request, pending, target)
    return await _new_session(request, await staff_session_data(user.id), next_path)


async def _new_session(request: Request, data: dict, target: str) -> Response:
    sessions: SessionManager = request.app.state.sessions
    # Never reuse the id the browser arrived with: drop it and mint a new one.
    if request.scope.get("auth"):
        await sessions.destroy(request.scope["auth"].token)
    handle = await sessions.create(data)
    return sessions.attach(redirect(request, target), handle)


# -- the second step: a code from the app (or a recovery code), or a first enrolment ---------

PENDING = "second_factor_user_id"
PENDING_SECONDS = 10 * 60  # the second step must follow the first within ten minutes


def _pending_user(request: Request) -> int | None:
    handle = request.scope.get("auth")
    if handle is None or PENDING not in handle.data:
        return None
    if time.time() - handle.data.get("pending_since", 0) > PENDING_SECONDS:
        return None
    return handle.data[PENDING]


async def _second_step_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The second-step pages: for a session whose password was right (a logged-in member is
    sent on by the handler); anyone else goes back to the login page."""
    if connection.scope.get("user") is None and _pending_user(connection) is None:  # type: ignore[arg-type]
        raise NotAuthorizedException()


_second_step_guard.lab_roles = ("second_factor_pending",)  # type: ignore[attr-defined]


def _code_context(**extra: object) -> dict:
    return {"values": {}, "errors": {}, **extra}


@get("/login/code", name="login_code", guards=[_second_step_guard])
async def code_page(request: Request) -> Response:
    if request.scope.get("user"):
        return redirect(request, request.app.route_reverse("home"))
    return render(request, "accounts/second_step.html", _code_context())


@post("/login/code", name="login_code_submit", guards=[_second_step_guard])
async def code_submit(request: Request) -> Response:
    if request.scope.get("user"):
        return redirect(request, request.app.route_reverse("home"))
    user_id = _pending_user(request)
    settings = request.app.state.settings
    try:
        form = parse_form(SecondFactorInput, await request.form())
        await totp.verify(
            user_id,
            form.code,
            settings.secret_key,
            request.app.state.login_throttle,
        )
    except LabError as error:
        context = _code_context(errors=error.field_errors, message=error.message)
        return render(request, "accounts/second_step.html", context, status_code=error.status_code)
    next_path = safe_next(request.scope["auth"].data.get("next"))
    return await _new_session(request, await staff_session_data(user_id), next_path)


ENROLMENT = "totp_enrolment"


async def _enrolment_secret(request: Request) -> str:
    """The secret of the enrolment under way, kept (encrypted) in the session until confirmed:
    the same QR code on a reload, and nothing stored for an enrolment left unfinished."""
    handle = request.scope["auth"]
    key = request.app.state.settings.secret_key
    if ENROLMENT in handle.data:
        return totp.decrypt_secret(handle.data[ENROLMENT], key)
    secret = totp.new_secret()
    handle.data[ENROLMENT] = totp.encrypt_secret(secret, key)
    await request.app.state.sessions.save(handle)
    return secret


async def _enrolment_context(request: Request, email: str, **extra: object) -> dict:
    secret = await _enrolment_secret(request)
    uri = totp.provisioning_uri(secret, email)
    return {
        "qr": qr_svg(uri, _("Code QR à scanner avec l'application d'authentification")),
        "secret": totp.pretty_secret(secret),
        "values": {},
        "errors": {},
        **extra,
    }


@get("/login/enrol", name="login_enrol", guards=[_second_step_guard])
async def enrol_page(request: Request) -> Response:
    if request.scope.get("user"):
        return redirect(request, request.app.route_reverse("account"))
    user_id = _pending_user(request)
    if await totp.is_enrolled(user_id):
        return redirect(request, request.app.route_reverse("login_code"))
    email = request.scope["auth"].data["email"]
    context = await _enrolment_context(
        request, email, action=request.app.route_reverse("login_enrol")
    )
    return render(request, "accounts/enrol.html", context)


@post("/login/enrol", name="login_enrol_submit", guards=[_second_step_guard])
async def enrol_submit(request: Request) -> Response:
    if request.scope.get("user"):
        return redirect(request, request.app.route_reverse("account"))
    user_id = _pending_user(request)
    next_path = safe_next(request.scope["auth"].data.get("next"))
    email = request.scope["auth"].data["email"]
    action = request.app.route_reverse("login_enrol")
    return await _confirm(request, user_id, email, action, next_path, new_session=True)


async def _confirm(
    request: Request, user_id: int, email: str, action: str, next_path: str, *, new_session: bool
) -> Response:
    settings = request.app.state.settings
    try:
        form = parse_form(SecondFactorInput, await request.form())
        codes = await totp.confirm_enrolment(
            user_id,
            await _enrolment_secret(request),
            form.code,
            settings.secret_key,
            request.app.state.login_throttle,
        )
    except LabError as error:
        context = await _enrolment_context(
            request, email, action=action, errors=error.field_errors, message=error.message
        )
        return render(request, "accounts/enrol.html", context, status_code=error.status_code)
    # The recovery codes are shown in this answer only: never stored in clear, never again.
    page = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_path})
    handle = request.scope["auth"]
    if not new_session:
        handle.data.pop(ENROLMENT, None)
        await request.app.state.sessions.save(handle)
        await keep_own_session(request, user_id)  # a new second factor: other sessions end
        return page
    sessions: SessionManager = request.app.state.sessions
    await sessions.destroy(request.scope["auth"].token)
    handle = await sessions.create(await staff_session_data(user_id))
    return sessions.attach(page, handle)


# -- the account page: a facilitator's optional second factor ------------------------------


@get("/account", name="account", guards=[require_role(*STAFF_ROLES)])
async def account_page(request: Request) -> Response:
    state = await totp.state(request.user.user_id)
    return render(request, "accounts/account.html", {"second_factor": state})


@get("/account/second-factor", name="account_enrol", guards=[require_role(*STAFF_ROLES)])
async def account_enrol(request: Request) -> Response:
    if await totp.is_enrolled(request.user.user_id):  # already on: the account page says so
        return await account_page.fn(request)
    action = request.app.route_reverse("account_enrol")
    context = await _enrolment_context(request, request.user.email, action=action)
    return render(request, "accounts/enrol.html", context)


@post("/account/second-factor", name="account_enrol_submit", guards=[require_role(*STAFF_ROLES)])
async def account_enrol_submit(request: Request) -> Response:
    return await _confirm(
        request,
        request.user.user_id,
        request.user.email,
        request.app.route_reverse("account_enrol"),
        request.app.route_reverse("account"),
        new_session=False,
    )


@post(
    "/account/second-factor/remove",
    name="account_second_factor_remove",
    guards=[require_role(*STAFF_ROLES)],
)
async def account_second_factor_remove(request: Request) -> Response:
    try:
        await totp.remove_own(request.user.user_id)
    except LabError as error:
        state = await totp.state(request.user.user_id)
        context = {"second_factor": state, "message": error.message}
        return render(request, "accounts/account.html", context, status_code=error.status_code)
    await keep_own_session(request, request.user.user_id)
    return redirect(request, request.app.route_reverse("account"))


@post("/logout", name="logout")
async def logout(request: Request) -> Response:
    sessions: SessionManager = request.app.state.sessions
    if request.scope.get("auth"):
        await sessions.destroy(request.scope["auth"].token)
    return sessions.attach(redirect(request, "/login"), None)


@post("/language", name="language")
async def choose_language(request: Request) -> Response:
    """Switch the interface language; remembered on the account, or in a cookie before login."""
    raw = await request.form()
    data = parse_form(LanguageInput, raw)
    user = request.scope.get("user")
    if user is not None:
        await staff.set_language(user.user_id, data.language)
    i18n.set_language(data.language)
    response = redirect(request, safe_next(data.next))
    response.set_cookie(
        LANGUAGE_COOKIE,
        data.language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
    )
    return response


auth_router = Router(
    path="/",
    route_handlers=[
        login_page,
        login,
        code_page,
        code_submit,
        enrol_page,
        enrol_submit,
        logout,
        choose_language,
        account_page,
        account_enrol,
        account_enrol_submit,
        account_second_factor_remove,
    ],
)
