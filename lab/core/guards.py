"""Role guards for routers. Object-level checks live in each service's get_<thing>_for()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]


def require_role(*roles: str) -> Guard:
    """Let through a logged-in staff member holding one of ``roles``."""

    # Async, so Litestar keeps this function as is (it wraps sync guards) and the route-guard
    # test can read which roles it admits.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException()
        if not user.has_role(*roles):
            raise PermissionDeniedException()

    guard.__name__ = f"require_role({', '.join(roles)})"
    guard.lab_roles = roles  # type: ignore[attr-defined]  # read by the route-guard test
    return guard
