"""Who is signed in on a visitor's phone: server-side sessions for /me.

Like the staff sessions (``lab.core.sessions`` serves both), the session lives in the app's
store and the browser holds only a random id that we mint at every sign-in, never one it sends
us (session fixation); the store key is the id's hash. The cookie is scoped to ``/me``, so it
never reaches staff or kiosk pages, and the guard here is the only one that accepts it.

A phone is personal but easily left on a table: a session ends after 30 minutes without a
request, and after 4 hours in any case. It also ends when the pass it was opened with is
revoked (a lost card is replaced at the desk) or the person's record is erased.

The session keeps the pass token the visitor signed in with, so that /me/pass can draw the QR
again: the database holds only the token's hash, and the token stays no longer than the
session does.
"""

from __future__ import annotations

import dataclasses

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from lab.accounts.queries import Visitor, get_visitor, pass_is_live
from lab.core import clock
from lab.core.sessions import ServerSessions, SessionKind
from lab.core.web import redirect

COOKIE_NAME = "lab_me"
ME_PATH = "/me"
START_PATH = "/me/start"
IDLE_SECONDS = 30 * 60
MAX_SECONDS = 4 * 3600


@dataclasses.dataclass(frozen=True, slots=True)
class VisitorPrincipal:
    """A visitor acting for themselves on their own phone."""

    visitor_id: int
    site_id: int
    first_name: str
    pass_id: int
    actor_kind: str = "visitor"

    @property
    def actor_id(self) -> int:
        return self.visitor_id

    # The access protocol of lab.core.principals: the visitor's own site and own things.
    knows_other_sites = False
    staff_id = None
    is_admin = False

    def site_ids(self, *roles: str) -> frozenset[int]:
        return frozenset() if roles else frozenset({self.site_id})

    def may(self, action: str) -> bool:
        return True  # bounded by visitor_id: whatever they do is for themselves


@dataclasses.dataclass(slots=True)
class MeSession:
    token: str  # the cookie's value; only its hash names the stored session
    visitor_id: int
    pass_id: int
    pass_token: str | None  # None after a sign-in by short code: no QR to redraw
    created: float
    seen: float


class SignInNeeded(NotAuthorizedException):
    """No valid visitor session: the phone is sent to the "scan your pass" page."""


ME_SESSIONS = SessionKind(
    cookie=COOKIE_NAME,
    key_prefix="me-session",
    path=ME_PATH,
    samesite="lax",
    idle_seconds=IDLE_SECONDS,
    max_seconds=MAX_SECONDS,
    now=lambda: clock.now().timestamp(),
)


def _sessions(connection: ASGIConnection) -> ServerSessions:
    settings = connection.app.state.settings
    return ServerSessions(connection.app.state.store, ME_SESSIONS, secure=settings.cookie_secure)


async def start_session(
    request: Request, response: Response, visitor: Visitor, pass_id: int, pass_token: str | None
) -> MeSession:
    """A new session for ``visitor`` (a fresh id every time), set on ``response``."""
    sessions = _sessions(request)
    await sessions.destroy_current(request)
    data = {"visitor_id": visitor.id, "pass_id": pass_id, "pass_token": pass_token}
    handle = await sessions.create(data)
    sessions.attach(response, handle)
    return MeSession(token=handle.token, **handle.data)


async def load_session(request: ASGIConnection) -> MeSession | None:
    """The phone's session, or None (none, ended, idle 30 minutes, older than 4 hours)."""
    handle = await _sessions(request).load(request)
    return MeSession(token=handle.token, **handle.data) if handle else None


async def end_session(request: Request, response: Response) -> None:
    """Forget the session on the server and in the browser."""
    sessions = _sessions(request)
    await sessions.destroy_current(request)
    sessions.attach(response, None)


async def _principal(session: MeSession) -> VisitorPrincipal | None:
    """The visitor behind a session, unless their record was erased or the pass revoked."""
    if not await pass_is_live(session.pass_id, session.visitor_id):
        return None
    visitor = await get_visitor(session.visitor_id)
    if visitor is None:
        return None
    return VisitorPrincipal(
        session.visitor_id, visitor.created_site, visitor.first_name, session.pass_id
    )


async def require_visitor(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Let through a phone signed in with a pass and its PIN; put the VisitorPrincipal in
    ``scope["visitor"]`` and the session in ``scope["me_session"]``."""
    session = await load_session(connection)
    principal = await _principal(session) if session else None
    if principal is None:
        if session is not None:
            await _sessions(connection).destroy(session.token)
        raise SignInNeeded()
    connection.scope["visitor"] = principal  # type: ignore[typeddict-unknown-key]
    connection.scope["me_session"] = session  # type: ignore[typeddict-unknown-key]


# Read by the route-guard test: the one kind of principal these routes admit.
require_visitor.lab_roles = ("visitor",)  # type: ignore[attr-defined]


def visitor_of(request: Request) -> VisitorPrincipal:
    return request.scope["visitor"]  # type: ignore[typeddict-item]


def session_of(request: Request) -> MeSession:
    return request.scope["me_session"]  # type: ignore[typeddict-item]


def sign_in_needed(request: Request, _: SignInNeeded) -> Response:
    response = redirect(request, START_PATH)
    # A stale or forged cookie is cleared, so the phone does not keep sending it.
    if COOKIE_NAME in request.cookies:
        _sessions(request).attach(response, None)
    return response


ME_EXCEPTION_HANDLERS = {SignInNeeded: sign_in_needed}
