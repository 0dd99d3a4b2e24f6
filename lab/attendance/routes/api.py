"""JSON API: a session's attendance, as its roster page lists it."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Router, get

from lab.attendance import services
from lab.core.api import STAFF_READ, documented
from lab.core.guards import require_role
from lab.core.params import DEFAULT_LIMIT, Id, Limit, Offset, page
from lab.core.roles import STAFF_ROLES


class AttendeeOut(msgspec.Struct):
    visitor_id: int
    first_name: str
    last_name: str
    status: str | None  # present | late | absent | excused; None: not marked yet
    checked_in_at: dt.datetime | None
    walk_in: bool  # came without holding a place


@get(
    "/attendance/sessions/{session_id:int}",
    summary="A session's attendance",
    description="Who is expected (holding a place) or came without one, with their status, "
    "by last then first name, as the roster shows them. At most ``limit`` from the "
    "``offset``-th.",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_attendance(
    request: Request, session_id: Id, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[AttendeeOut]:
    people = await services.roster(request.user, session_id)
    return [
        AttendeeOut(
            visitor_id=person["id"],
            first_name=person["first_name"],
            last_name=person["last_name"],
            status=person["status"],
            checked_in_at=person["checked_in_at"],
            walk_in=person["walk_in"],
        )
        for person in page(people, limit, offset)
    ]


api_router = Router(
    path="/api",
    guards=[require_role(*STAFF_ROLES)],
    tags=["attendance"],
    include_in_schema=True,
    route_handlers=[api_attendance],
)
