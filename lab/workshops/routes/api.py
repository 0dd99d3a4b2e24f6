"""JSON API: modules, sessions over a period, enrolments (list, enrol, cancel), and the
sessions a staff member facilitates. The same guards, site scopes and rules as the pages."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Router, get, post
from litestar.params import JSONBody

from lab.core.api import STAFF_READ, STAFF_WRITE, documented
from lab.core.guards import require_role
from lab.core.params import (
    DEFAULT_LIMIT,
    FromDay,
    Id,
    Limit,
    Offset,
    OptionalId,
    ToDay,
    page,
    period,
)
from lab.core.roles import STAFF_ROLES
from lab.workshops import listings, queries, services
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Module


class ModuleOut(msgspec.Struct):
    id: int
    site_id: int
    title: str
    kind: str  # job_search | orientation | digital_skills | info_session | partner_meeting | other
    description: str
    audience: str
    capacity: int
    enrolment: str  # series (one queue for every session) | drop_in (one queue per session)
    self_enrol: bool
    partner_id: int | None
    room_id: int | None
    completion_percent: int
    late_after_minutes: int
    competences: str
    active: bool


class SessionOut(msgspec.Struct):
    id: int
    module_id: int
    site_id: int
    title: str  # the module's
    kind: str
    enrolment: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str  # scheduled | cancelled | closed
    room: str | None  # the room booked for it, else its module's usual room


class EnrolmentOut(msgspec.Struct):
    id: int
    module_id: int
    session_id: int | None  # a drop-in session's enrolment; None for a series
    visitor_id: int
    first_name: str
    last_name: str
    status: str  # enrolled | waitlisted | cancelled | completed
    place_in_line: int | None  # 1 for the next; None unless waitlisted
    source: str
    created_at: dt.datetime


def _module(module: Module) -> ModuleOut:
    return ModuleOut(
        id=module.id,
        site_id=module.site,
        title=module.title,
        kind=module.kind,
        description=module.description,
        audience=module.audience,
        capacity=module.capacity,
        enrolment=module.enrolment,
        self_enrol=module.self_enrol,
        partner_id=module.partner,
        room_id=module.room,
        completion_percent=module.completion_percent,
        late_after_minutes=module.late_after_minutes,
        competences=module.competences,
        active=module.active,
    )


def session_out(row: dict) -> SessionOut:
    return SessionOut(
        id=row["id"],
        module_id=row["module"],
        site_id=row["site_id"],
        title=row["title"],
        kind=row["kind"],
        enrolment=row["enrolment"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        room=row["room"],
    )


def _enrolment(row: dict) -> EnrolmentOut:
    return EnrolmentOut(
        id=row["id"],
        module_id=row["module"],
        session_id=row["session"],
        visitor_id=row["visitor"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        status=row["status"],
        place_in_line=row["place_in_line"],
        source=row["source"],
        created_at=row["created_at"],
    )


PERIOD = (
    "``from`` and ``to`` are days, both included, in each site's own time zone: ``from`` "
    "defaults to today, the period to 31 days, and it may be a year long at most (422 "
    "otherwise). At most ``limit`` rows from the ``offset``-th."
)


@get(
    "/workshops",
    summary="Modules of your sites",
    description="By title; ``site_id`` narrows them to one site (another site gives an empty "
    "list). At most ``limit`` from the ``offset``-th.",
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_modules(
    request: Request, site_id: OptionalId = None, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[ModuleOut]:
    return [_module(m) for m in await listings.modules_of(request.user, site_id, limit, offset)]


@get(
    "/workshops/{module_id:int}",
    summary="A module",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_module(request: Request, module_id: Id) -> ModuleOut:
    return _module(await queries.get_module_for(request.user, module_id))


@get(
    "/workshops/sessions",
    summary="Sessions of your sites over a period",
    description="Whatever their status, in order. ``site_id`` narrows them to one site "
    "(another site gives an empty list). " + PERIOD,
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_sessions(
    request: Request,
    start: FromDay = None,
    end: ToDay = None,
    site_id: OptionalId = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[SessionOut]:
    first, last = period(start, end)
    rows = await listings.sessions_between(request.user, first, last, site_id=site_id)
    return [session_out(row) for row in page(rows, limit, offset)]


@get(
    "/workshops/sessions/{session_id:int}",
    summary="A session",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_session(request: Request, session_id: Id) -> SessionOut:
    return session_out(await listings.session_row(request.user, session_id))


@get(
    "/workshops/{module_id:int}/enrolments",
    summary="Who holds or waits for a place in a module",
    description="Enrolled, then waitlisted in line: a series' one queue, or every session's "
    "of a drop-in module. At most ``limit`` from the ``offset``-th.",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_module_enrolments(
    request: Request, module_id: Id, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[EnrolmentOut]:
    rows = await listings.module_enrolments(request.user, module_id, limit, offset)
    return [_enrolment(row) for row in rows]


@get(
    "/workshops/sessions/{session_id:int}/enrolments",
    summary="Who holds or waits for a place at a session",
    description="The queue the session belongs to: its module's for a series, its own for a "
    "drop-in session. At most ``limit`` from the ``offset``-th.",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_session_enrolments(
    request: Request, session_id: Id, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[EnrolmentOut]:
    rows = await listings.session_enrolments(request.user, session_id, limit, offset)
    return [_enrolment(row) for row in rows]


@post(
    "/workshops/{module_id:int}/enrolments",
    summary="Enrol a visitor (or put them on the waitlist)",
    description="A drop-in module needs ``session_id``. Enrolling someone already enrolled or "
    "waitlisted answers their enrolment unchanged. 409 ``module_closed`` or "
    "``session_closed``.",
    status_code=201,
    **documented(STAFF_WRITE, 400, 401, 403, 404, 409, 413, 422),
)
async def api_enrol(request: Request, module_id: Id, data: JSONBody[EnrolInput]) -> EnrolmentOut:
    enrolment = await services.enrol(request.user, module_id, data, source="api")
    return _enrolment(await listings.enrolment_row(request.user, enrolment.id))


@post(
    "/workshops/enrolments/{enrolment_id:int}/cancel",
    summary="Cancel an enrolment",
    description="A freed seat goes to the first in line at once. 409 ``not_live`` when it is "
    "already cancelled or completed.",
    status_code=200,
    **documented(STAFF_WRITE, 401, 403, 404, 409, 422),
)
async def api_cancel_enrolment(request: Request, enrolment_id: Id) -> EnrolmentOut:
    enrolment = await services.cancel_enrolment(request.user, enrolment_id)
    return _enrolment(await listings.enrolment_row(request.user, enrolment.id))


@get(
    "/calendar/sessions",
    summary="Your calendar: the sessions you facilitate",
    description="Sessions of the modules you facilitate, at your sites, whatever their "
    "status, in order. " + PERIOD,
    tags=["calendar"],
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_my_sessions(
    request: Request,
    start: FromDay = None,
    end: ToDay = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[SessionOut]:
    first, last = period(start, end)
    rows = await listings.facilitated_between(request.user, first, last)
    return [session_out(row) for row in page(rows, limit, offset)]


api_router = Router(
    path="/api",
    guards=[require_role(*STAFF_ROLES)],
    tags=["workshops"],
    include_in_schema=True,
    route_handlers=[
        api_modules,
        api_module,
        api_sessions,
        api_session,
        api_module_enrolments,
        api_session_enrolments,
        api_enrol,
        api_cancel_enrolment,
        api_my_sessions,
    ],
)
