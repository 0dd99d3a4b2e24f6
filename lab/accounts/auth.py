"""Who is asking: load the staff session and principal, and set the request's language.

A staff session holds the member's id and the stamp of their credentials when it opened
(``staff.credentials_stamp``: password, second factor, grants). A session whose stamp no longer
matches is ended at its next request: changing a password, resetting a second factor or giving
or taking a role signs the member out everywhere, with no list of sessions to keep (the store
may be a worker's memory or Redis). Only the session that made the change on its own account
is stamped again and stays open (``keep_own_session``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from lab.accounts.staff import credentials_stamp, load_principal_and_credentials
from lab.core import i18n
from lab.core.sessions import SessionManager
from lab.core.web import language_for

CREDENTIALS = "credentials"


async def staff_session_data(user_id: int) -> dict[str, Any]:
    """What a new staff session holds, once both steps of the login are done."""
    return {"user_id": user_id, CREDENTIALS: await credentials_stamp(user_id)}


async def keep_own_session(request: Request, user_id: int) -> None:
    """After a change to ``user_id``'s credentials: when it is the requester's own account,
    their current session is stamped again and stays open (their other sessions still end)."""
    handle = request.scope.get("auth")
    user = request.scope.get("user")
    if handle is None or user is None or user.user_id != user_id:
        return
    handle.data[CREDENTIALS] = await credentials_stamp(user_id)
    await request.app.state.sessions.save(handle)


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
            principal, stamp = await load_principal_and_credentials(handle.data["user_id"])
            # Deactivated since login, or credentials changed since: the session ends.
            if principal is None or handle.data.get(CREDENTIALS) != stamp:
                await sessions.destroy(handle.token)
                principal, handle = None, None
        scope["user"] = principal
        scope["auth"] = handle
        i18n.set_language(language_for(request))
        await next_app(scope, receive, send)
