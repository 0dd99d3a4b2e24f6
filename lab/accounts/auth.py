"""Who is asking: load the staff session and principal, and set the request's language."""

from __future__ import annotations

from litestar import Request
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from lab.accounts.staff import load_principal
from lab.core import i18n
from lab.core.sessions import SessionManager
from lab.core.web import language_for


class StaffSessionMiddleware(ASGIMiddleware):
    """Put the StaffPrincipal (or None) in ``scope["user"]``, the session in ``scope["auth"]``."""

    def should_bypass_for_scope(self, scope: Scope) -> bool:
        # Static files and the icon need no session (and must not slide its idle timeout).
        return scope["path"].startswith("/static/") or scope["path"] == "/favicon.ico"

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request = Request(scope)
        sessions: SessionManager = scope["app"].state.sessions
        handle = await sessions.load(request)
        principal = None
        # A session whose second step (TOTP) is still pending has no "user_id": no principal,
        # so every staff guard refuses it; only the second-step pages read it.
        if handle is not None and "user_id" in handle.data:
            principal = await load_principal(handle.data["user_id"])
            if principal is None:  # account deactivated since login
                await sessions.destroy(handle.token)
                handle = None
        scope["user"] = principal
        scope["auth"] = handle
        i18n.set_language(language_for(request))
        await next_app(scope, receive, send)
