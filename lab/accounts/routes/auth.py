"""Login, logout and the language switch."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromQuery

from lab.accounts import staff
from lab.accounts.forms import LanguageInput, LoginInput
from lab.core import i18n
from lab.core.errors import LabError
from lab.core.forms import parse_form
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
    sessions: SessionManager = request.app.state.sessions
    # Never reuse the id the browser arrived with: drop it and mint a new one.
    if request.scope.get("auth"):
        await sessions.destroy(request.scope["auth"].token)
    handle = await sessions.create({"user_id": user.id})
    return sessions.attach(redirect(request, next_path), handle)


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


auth_router = Router(path="/", route_handlers=[login_page, login, logout, choose_language])
