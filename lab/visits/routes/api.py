"""JSON API: the visits at the actor's sites over a period (no names: ids, purposes, times)."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Router, get

from lab.core.api import STAFF_READ, documented
from lab.core.guards import require_role
from lab.core.params import (
    DEFAULT_LIMIT,
    FromDay,
    Limit,
    Offset,
    OptionalId,
    ToDay,
    page,
    period,
)
from lab.core.roles import STAFF_ROLES
from lab.visits import listings, queries


class VisitOut(msgspec.Struct):
    id: int
    site_id: int
    visitor_id: int | None  # None: an anonymous visit
    age_band: str | None  # anonymous visits only
    purpose: str  # a purpose's code
    arrived_at: dt.datetime
    left_at: dt.datetime | None  # None: still in the lab
    ended_by: str | None  # kiosk | desk | closing
    counted_minutes: int | None  # capped for a visit ended by closing; None while open
    offline: bool  # sent from a tablet's offline queue


@get(
    "/visits",
    summary="Visits at your sites over a period",
    description="Visits that began in the period, oldest first; ``site_id`` narrows them to "
    "one site (another site gives an empty list). ``from`` and ``to`` are days, both "
    "included, in each site's own time zone: ``from`` defaults to today, the period to 31 "
    "days, and it may be a year long at most (422 otherwise). At most ``limit`` from the "
    "``offset``-th.",
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_visits(
    request: Request,
    start: FromDay = None,
    end: ToDay = None,
    site_id: OptionalId = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[VisitOut]:
    first, last = period(start, end)
    rows = await listings.visits_of_period(request.user, first, last, site_id)
    return [
        VisitOut(
            id=visit.id,
            site_id=visit.site,
            visitor_id=visit.visitor,
            age_band=visit.age_band,
            purpose=visit.purpose,
            arrived_at=visit.arrived_at,
            left_at=visit.left_at,
            ended_by=visit.ended_by,
            counted_minutes=queries.counted_minutes(visit),
            offline=visit.offline,
        )
        for visit in page(rows, limit, offset)
    ]


api_router = Router(
    path="/api",
    guards=[require_role(*STAFF_ROLES)],
    tags=["visits"],
    include_in_schema=True,
    route_handlers=[api_visits],
)
