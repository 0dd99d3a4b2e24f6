"""JSON API: resources, availability and bookings."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Router, get, post
from litestar.params import JSONBody

from lab.bookings import queries, services
from lab.bookings.forms import BookingApiInput
from lab.bookings.queries import Booking
from lab.core.api import STAFF_READ, STAFF_WRITE, documented
from lab.core.errors import Conflict
from lab.core.guards import require_role
from lab.core.params import (
    DEFAULT_LIMIT,
    FromDay,
    Id,
    Limit,
    Offset,
    OptionalId,
    QueryDay,
    ToDay,
    page,
    period,
)
from lab.core.roles import STAFF_ROLES


class ResourceOut(msgspec.Struct):
    id: int
    site_id: int
    kind: str
    name: str
    units: int
    slot_minutes: int
    needs_approval: bool
    kiosk_self_service: bool


class SlotOut(msgspec.Struct):
    starts_at: dt.datetime
    ends_at: dt.datetime
    free_units: int


class BookingOut(msgspec.Struct):
    id: int
    resource_id: int
    visitor_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    units: int
    status: str
    source: str
    uid: str
    sequence: int


def _resource(resource) -> ResourceOut:
    return ResourceOut(
        id=resource.id,
        site_id=resource.site,
        kind=resource.kind,
        name=resource.name,
        units=resource.units,
        slot_minutes=resource.slot_minutes,
        needs_approval=resource.needs_approval,
        kiosk_self_service=resource.kiosk_self_service,
    )


def booking_out(booking: Booking) -> BookingOut:
    return BookingOut(
        id=booking.id,
        resource_id=booking.resource,
        visitor_id=booking.visitor,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        units=booking.units,
        status=booking.status,
        source=booking.source,
        uid=booking.uid,
        sequence=booking.sequence,
    )


@get(
    "/resources",
    summary="Resources of your sites",
    description="Only the active resources of the sites you work at; ``site_id`` narrows them "
    "to one site (another site gives an empty list).",
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_resources(request: Request, site_id: OptionalId = None) -> list[ResourceOut]:
    return [_resource(r) for r in await queries.list_resources(request.user, site_id)]


@get(
    "/resources/{resource_id:int}/availability",
    summary="Free units per slot of a day",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_availability(request: Request, day: QueryDay, resource_id: Id) -> list[SlotOut]:
    slots = await queries.availability_for(request.user, resource_id, day)
    return [SlotOut(s.starts_at, s.ends_at, s.free_units) for s in slots]


@get(
    "/resources/{resource_id:int}/bookings",
    summary="Bookings of a resource over a day",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_resource_bookings(
    request: Request, day: QueryDay, resource_id: Id
) -> list[BookingOut]:
    rows = await queries.bookings_around(request.user, resource_id, day)
    return [booking_out(b) for b in rows]


@post(
    "/bookings",
    summary="Book (409 with the rule that refused)",
    description="A resource that requires a skill refuses a visitor who does not hold it "
    "(409 ``skill_required``, or ``skill_lapsed`` when unused too long); when a workshop of the "
    "site teaches it, ``field_errors.module_id`` is that workshop module's id (as a string), "
    "to offer the visitor to enrol in it.",
    status_code=201,
    **documented(STAFF_WRITE, 400, 401, 403, 404, 409, 413, 422),
)
async def api_book(request: Request, data: JSONBody[BookingApiInput]) -> BookingOut:
    try:
        booking = await services.book(request.user, services.wanted_from_api(data))
    except services.BookingRefused as refused:
        if refused.module_id is None:
            raise
        # lab's one error body has no other place for it: the workshop that teaches the
        # missing skill rides in field_errors, under the name of the id a client would post.
        raise Conflict(
            refused.message,
            code=refused.code,
            field_errors={"module_id": str(refused.module_id)},
        ) from refused
    return booking_out(booking)


@get(
    "/bookings/{booking_id:int}",
    summary="A booking",
    **documented(STAFF_READ, 401, 403, 404, 422),
)
async def api_booking(request: Request, booking_id: Id) -> BookingOut:
    return booking_out(await queries.get_booking_for(request.user, booking_id))


@post(
    "/bookings/{booking_id:int}/cancel",
    summary="Cancel a booking",
    description="409 ``not_cancellable`` once it is over, checked in or already cancelled.",
    status_code=200,
    **documented(STAFF_WRITE, 401, 403, 404, 409, 422),
)
async def api_cancel(request: Request, booking_id: Id) -> BookingOut:
    return booking_out(await services.cancel(request.user, booking_id))


@get(
    "/calendar/bookings",
    summary="Your calendar: the bookings you made",
    description="The bookings you made at your sites, whatever their status, soonest first. "
    "``from`` and ``to`` are days, both included, in each site's own time zone: ``from`` "
    "defaults to today, the period to 31 days, and it may be a year long at most (422 "
    "otherwise). At most ``limit`` from the ``offset``-th.",
    tags=["calendar"],
    **documented(STAFF_READ, 401, 403, 422),
)
async def api_my_bookings(
    request: Request,
    start: FromDay = None,
    end: ToDay = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[BookingOut]:
    first, last = period(start, end)
    rows = await queries.bookings_made_by(request.user, first, last)
    return [booking_out(b) for b in page(rows, limit, offset)]


api_router = Router(
    path="/api",
    guards=[require_role(*STAFF_ROLES)],
    tags=["bookings"],
    include_in_schema=True,
    route_handlers=[
        api_resources,
        api_availability,
        api_resource_bookings,
        api_book,
        api_booking,
        api_cancel,
        api_my_bookings,
    ],
)
