"""Server-side staff sessions, kept in a Litestar store (memory, or Redis when configured).

Written here rather than using Litestar's session middleware because that one keeps whatever
session id the browser sends: we always mint the id ourselves, at login and at logout, so a
planted id is never adopted (session fixation). The cookie carries a random token; the store
key is its hash, so a dump of the store holds no usable cookie.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.stores.base import Store

from lab.core.security import new_token, token_hash
from lab.settings import Settings

COOKIE_NAME = "lab_session"


@dataclasses.dataclass
class SessionHandle:
    token: str
    data: dict[str, Any]


class SessionManager:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.idle_seconds = settings.session_idle_minutes * 60
        self.max_seconds = settings.session_max_hours * 3600
        self.cookie_secure = settings.cookie_secure

    @staticmethod
    def _key(token: str) -> str:
        return f"session:{token_hash(token)}"

    async def create(self, data: dict[str, Any]) -> SessionHandle:
        now = time.time()
        handle = SessionHandle(new_token(32), {**data, "created": now, "seen": now})
        await self._write(handle)
        return handle

    async def load(self, request: Request) -> SessionHandle | None:
        token = request.cookies.get(COOKIE_NAME)
        if not token or len(token) > 100:
            return None
        raw = await self.store.get(self._key(token))
        if raw is None:
            return None
        data = json.loads(raw)
        now = time.time()
        if now - data["created"] > self.max_seconds or now - data["seen"] > self.idle_seconds:
            await self.destroy(token)
            return None
        handle = SessionHandle(token, data)
        # Sliding idle timeout, refreshed at most once a minute to spare the store.
        if now - data["seen"] > 60:
            data["seen"] = now
            await self._write(handle)
        return handle

    async def save(self, handle: SessionHandle) -> None:
        await self._write(handle)

    async def destroy(self, token: str) -> None:
        await self.store.delete(self._key(token))

    async def _write(self, handle: SessionHandle) -> None:
        remaining = self.max_seconds - (time.time() - handle.data["created"])
        expires = max(1, int(min(self.idle_seconds, remaining)))
        await self.store.set(self._key(handle.token), json.dumps(handle.data), expires_in=expires)

    def cookie(self, handle: SessionHandle | None) -> Cookie:
        """The Set-Cookie for ``handle``, or one that clears the cookie when None."""
        return Cookie(
            key=COOKIE_NAME,
            value=handle.token if handle else "",
            max_age=None if handle else 0,
            path="/",
            httponly=True,
            secure=self.cookie_secure,
            samesite="lax",
        )

    def attach(self, response: Response, handle: SessionHandle | None) -> Response:
        response.set_cookie(self.cookie(handle))
        return response
