"""Server-side sessions kept in a Litestar store (memory, or Redis when configured).

Three surfaces use them, each with its own cookie and limits (``SessionKind``): staff in the
browser, a visitor on their own phone (``/me``), a visitor's short visit at a kiosk tablet.

Written here rather than using Litestar's session middleware because that one keeps whatever
session id the browser sends: we always mint the id ourselves, at every sign-in and sign-out,
so a planted id is never adopted (session fixation). The cookie carries a random token; the
store key is its hash, so a dump of the store holds no usable cookie.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from typing import Any, Literal

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.stores.base import Store

from lab.core.security import new_token, token_hash
from lab.settings import Settings

COOKIE_NAME = "lab_session"


@dataclasses.dataclass(frozen=True, slots=True)
class SessionKind:
    """One surface's sessions: its cookie, its store keys and its time limits."""

    cookie: str
    key_prefix: str
    path: str
    samesite: Literal["lax", "strict"]
    idle_seconds: int
    max_seconds: int | None = None
    # Sliding the idle window costs a store write: at most this often (0: every request).
    refresh_after: int = 60
    # Seconds since the epoch. Visitor-facing kinds read the injectable clock, so that tests
    # can fast-forward through an idle timeout.
    now: Callable[[], float] = time.time


@dataclasses.dataclass
class SessionHandle:
    token: str
    data: dict[str, Any]


class ServerSessions:
    def __init__(self, store: Store, kind: SessionKind, *, secure: bool) -> None:
        self.store = store
        self.kind = kind
        self.cookie_secure = secure

    def _key(self, token: str) -> str:
        return f"{self.kind.key_prefix}:{token_hash(token)}"

    async def create(self, data: dict[str, Any]) -> SessionHandle:
        """A new session with a fresh id (never one the browser sent)."""
        now = self.kind.now()
        handle = SessionHandle(new_token(32), {**data, "created": now, "seen": now})
        await self._write(handle)
        return handle

    async def load(self, connection: ASGIConnection) -> SessionHandle | None:
        """The session the cookie names, or None (none, ended, idle or too old)."""
        token = connection.cookies.get(self.kind.cookie)
        if not token or len(token) > 100:
            return None
        raw = await self.store.get(self._key(token))
        if raw is None:
            return None
        data = json.loads(raw)
        now = self.kind.now()
        too_old = (
            self.kind.max_seconds is not None and now - data["created"] > self.kind.max_seconds
        )
        if too_old or now - data["seen"] > self.kind.idle_seconds:
            await self.destroy(token)
            return None
        handle = SessionHandle(token, data)
        if now - data["seen"] >= self.kind.refresh_after:
            data["seen"] = now
            await self._write(handle)
        return handle

    async def save(self, handle: SessionHandle) -> None:
        await self._write(handle)

    async def destroy(self, token: str) -> None:
        await self.store.delete(self._key(token))

    async def destroy_current(self, connection: ASGIConnection) -> None:
        """End whatever session the cookie names (used before minting a new one)."""
        token = connection.cookies.get(self.kind.cookie)
        if token and len(token) <= 100:
            await self.destroy(token)

    async def _write(self, handle: SessionHandle) -> None:
        lifetime = self.kind.idle_seconds
        if self.kind.max_seconds is not None:
            remaining = self.kind.max_seconds - (self.kind.now() - handle.data["created"])
            lifetime = min(lifetime, remaining)
        # The store forgets it a little after the limits; the checks in ``load`` are the rule.
        expires = max(1, int(lifetime)) + 30
        await self.store.set(self._key(handle.token), json.dumps(handle.data), expires_in=expires)

    def cookie(self, handle: SessionHandle | None) -> Cookie:
        """The Set-Cookie for ``handle``, or one that clears the cookie when None."""
        return Cookie(
            key=self.kind.cookie,
            value=handle.token if handle else "",
            max_age=None if handle else 0,
            path=self.kind.path,
            httponly=True,
            secure=self.cookie_secure,
            samesite=self.kind.samesite,
        )

    def attach(self, response: Response, handle: SessionHandle | None) -> Response:
        response.set_cookie(self.cookie(handle))
        return response


class SessionManager(ServerSessions):
    """Staff sessions: ``lab_session`` on every path, limits from the settings."""

    def __init__(self, store: Store, settings: Settings) -> None:
        kind = SessionKind(
            cookie=COOKIE_NAME,
            key_prefix="session",
            path="/",
            samesite="lax",
            idle_seconds=settings.session_idle_minutes * 60,
            max_seconds=settings.session_max_hours * 3600,
        )
        super().__init__(store, kind, secure=settings.cookie_secure)
