"""The visitor's errands at a tablet: join a workshop, book equipment, see and cancel "my
appointments".

Looking needs no one at the tablet: the workshops and the free slots are the same for all.
Every step that acts for a person (enrol, book) or shows their things asks for a visit with
the PIN (``require_visit``); without one, the kiosk router sends the tablet to the pass-and-PIN
page and back here. That is why every step has its own address with its choices in the path
(a session, a day, a start time): the way back is a plain GET of the same step, which then
asks "confirm?" before anything is written.
"""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, Parameter

from lab.attendance import services as attendance
from lab.bookings import services as bookings
from lab.bookings.queries import RESOURCE_KINDS
from lab.bookings.services import BookingRefused
from lab.core import clock
from lab.core.errors import LabError, NotFound
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.params import Id, OptionalPathId
from lab.core.web import render
from lab.kiosk import appointments, queries
from lab.kiosk.auth import (
    KIOSK_EXCEPTION_HANDLERS,
    KIOSK_PATH,
    KioskVisit,
    device_of,
    require_device,
    require_visit,
    visit_of,
)
from lab.kiosk.forms import BookInput
from lab.kiosk.routes.tablet import kiosk_context
from lab.workshops import services as workshops
from lab.workshops.services import KINDS as WORKSHOP_KINDS

# A start time in the path, as HHMM (site time): "1430".
StartTime = Parameter(pattern=r"^([01][0-9]|2[0-3])[0-5][0-9]$")

_plain = attendance.plain_for_visitor


# -- Workshops --------------------------------------------------------------------------------


@get("/workshops", guards=[require_device("enrol")], name="kiosk_workshops")
async def workshop_list(request: Request) -> Response:
    device = device_of(request)
    context = await kiosk_context(
        request,
        workshops=await queries.workshops(device),
        timezone=await queries.site_timezone(device),
        kinds=WORKSHOP_KINDS,
    )
    return render(request, "kiosk/workshops.html", context)


@get("/workshops/{module_id:int}", guards=[require_device("enrol")], name="kiosk_workshop")
async def workshop_page(request: Request, module_id: Id) -> Response:
    device = device_of(request)
    visit = await visit_of(request)
    workshop = await queries.workshop(device, module_id)
    places = {}
    if visit is not None and visit.with_pin:
        # The visitor at the tablet sees where they stand; nobody else's name ever shows.
        for session in workshop.sessions if workshop.drop_in else [None]:
            chosen = session.id if session else None
            places[chosen] = await queries.place_of(visit.visitor_id, workshop.module, chosen)
    context = await kiosk_context(
        request,
        workshop=workshop,
        places=places,
        timezone=await queries.site_timezone(device),
        kinds=WORKSHOP_KINDS,
    )
    return render(request, "kiosk/workshops_module.html", context)


async def _enrol_step(request: Request, module_id: int, session_id: int | None) -> dict:
    device = device_of(request)
    visit = await require_visit(request)
    workshop = await queries.workshop(device, module_id)
    session = queries.session_of(workshop, session_id)
    place = await queries.place_of(
        visit.visitor_id, workshop.module, session.id if session else None
    )
    return await kiosk_context(
        request,
        workshop=workshop,
        session=session,
        place=place,
        timezone=await queries.site_timezone(device),
        kinds=WORKSHOP_KINDS,
        action=request.url.path,
    )


@get(
    ["/workshops/{module_id:int}/enrol", "/workshops/{module_id:int}/{session_id:int}/enrol"],
    guards=[require_device("enrol")],
    name="kiosk_enrol_confirm",
)
async def enrol_confirm(
    request: Request, module_id: Id, session_id: OptionalPathId = None
) -> Response:
    """Ask "enrol?", or say where the visitor already stands."""
    context = await _enrol_step(request, module_id, session_id)
    template = "kiosk/workshops_done.html" if context["place"] else "kiosk/workshops_enrol.html"
    return render(request, template, {**context, "already": True})


@post(
    ["/workshops/{module_id:int}/enrol", "/workshops/{module_id:int}/{session_id:int}/enrol"],
    guards=[require_device("enrol")],
    name="kiosk_enrol",
)
async def enrol(request: Request, module_id: Id, session_id: OptionalPathId = None) -> Response:
    context = await _enrol_step(request, module_id, session_id)
    visit: KioskVisit = context["visit"]
    try:
        done = await appointments.enrol(device_of(request), visit.visitor_id, module_id, session_id)
    except NotFound:
        raise
    except LabError as error:
        context["message"] = _plain(error.code, error.message)
        return render(request, "kiosk/workshops_enrol.html", context, status_code=error.status_code)
    context.update(place=done.place, already=done.already)
    return render(request, "kiosk/workshops_done.html", context)


# -- Booking ----------------------------------------------------------------------------------


@get("/book", guards=[require_device("book")], name="kiosk_book")
async def resource_list(request: Request) -> Response:
    context = await kiosk_context(
        request, resources=await queries.resources(device_of(request)), kinds=RESOURCE_KINDS
    )
    return render(request, "kiosk/book.html", context)


@get("/book/{resource_id:int}", guards=[require_device("book")], name="kiosk_book_days")
async def day_list(request: Request, resource_id: Id) -> Response:
    device = device_of(request)
    resource = await queries.resource(device, resource_id)
    timezone = await queries.site_timezone(device)
    context = await kiosk_context(
        request,
        resource=resource,
        days=await queries.days(resource, timezone),
        today=clock.to_zone(clock.now(), timezone).date(),
        kinds=RESOURCE_KINDS,
    )
    return render(request, "kiosk/book_days.html", context)


async def _day(request: Request, resource_id: int, day: dt.date) -> dict:
    found = await queries.bookable_day(device_of(request), resource_id, day)
    return {**found, "kinds": RESOURCE_KINDS}


@get("/book/{resource_id:int}/{day:date}", guards=[require_device("book")], name="kiosk_book_slots")
async def slot_list(request: Request, day: FromPath[dt.date], resource_id: Id) -> Response:
    context = await kiosk_context(request, **await _day(request, resource_id, day))
    return render(request, "kiosk/book_slots.html", context)


async def _booking_step(request: Request, resource_id: int, day: dt.date, start: str) -> dict:
    await require_visit(request)  # the step is personal: pass and PIN first
    found = await _day(request, resource_id, day)
    moment = dt.time(int(start[:2]), int(start[2:]))
    starts_at = clock.utc_minute(clock.local_instant(day, moment, found["timezone"]))
    chosen = next((item for item in found["starts"] if item.starts_at == starts_at), None)
    return await kiosk_context(
        request, **found, start=chosen, starts_at=starts_at, action=request.url.path
    )


@get(
    "/book/{resource_id:int}/{day:date}/{start:str}",
    guards=[require_device("book")],
    name="kiosk_book_confirm",
)
async def book_confirm(
    request: Request, day: FromPath[dt.date], resource_id: Id, start: str = StartTime
) -> Response:
    """Ask "book this?" with the durations free from that time (or say it is gone)."""
    context = await _booking_step(request, resource_id, day, start)
    return render(request, "kiosk/book_confirm.html", context)


@post(
    "/book/{resource_id:int}/{day:date}/{start:str}",
    guards=[require_device("book")],
    name="kiosk_book_slot",
)
async def book_slot(
    request: Request, day: FromPath[dt.date], resource_id: Id, start: str = StartTime
) -> Response:
    context = await _booking_step(request, resource_id, day, start)
    visit: KioskVisit = context["visit"]
    try:
        data = parse_form(BookInput, await request.form())
        booking = await appointments.book(
            device_of(request), visit.visitor_id, resource_id, context["starts_at"], data.minutes
        )
    except BookingRefused as refused:
        # Every rule broken, in plain words, once each.
        messages = list(dict.fromkeys(_plain(r.code, r.message) for r in refused.refusals))
        context.update(refusals=messages, code=refused.code)
        return render(request, "kiosk/book_confirm.html", context, status_code=409)
    except NotFound:
        raise
    except LabError as error:
        context.update(refusals=[_plain(error.code, error.message)], code=error.code)
        return render(request, "kiosk/book_confirm.html", context, status_code=error.status_code)
    context["booking"] = booking
    return render(request, "kiosk/book_done.html", context)


# -- My appointments --------------------------------------------------------------------------


async def _mine(request: Request, visit: KioskVisit, **extra: object) -> dict:
    upcoming = await queries.mine(visit.visitor_id)
    return await kiosk_context(
        request, enrolments=upcoming.enrolments, bookings=upcoming.bookings, **extra
    )


@get("/mine", guards=[require_device()], name="kiosk_mine")
async def mine(request: Request) -> Response:
    visit = await require_visit(request)
    return render(request, "kiosk/mine.html", await _mine(request, visit))


@get(
    "/mine/enrolments/{enrolment_id:int}/cancel",
    guards=[require_device()],
    name="kiosk_enrolment_cancel_confirm",
)
async def enrolment_cancel_confirm(request: Request, enrolment_id: Id) -> Response:
    visit = await require_visit(request)
    item = await queries.enrolment_to_cancel(visit.visitor_id, enrolment_id)
    context = await kiosk_context(request, enrolment=item, action=request.url.path)
    return render(request, "kiosk/mine_cancel.html", context)


@post(
    "/mine/enrolments/{enrolment_id:int}/cancel",
    guards=[require_device()],
    name="kiosk_enrolment_cancel",
)
async def enrolment_cancel(request: Request, enrolment_id: Id) -> Response:
    visit = await require_visit(request)
    await workshops.cancel_own_enrolment(device_of(request), visit.visitor_id, enrolment_id)
    context = await _mine(request, visit, done=_("Votre inscription est annulée."))
    return render(request, "kiosk/mine.html", context)


@get(
    "/mine/bookings/{booking_id:int}/cancel",
    guards=[require_device()],
    name="kiosk_booking_cancel_confirm",
)
async def booking_cancel_confirm(request: Request, booking_id: Id) -> Response:
    visit = await require_visit(request)
    item = await queries.booking_to_cancel(visit.visitor_id, booking_id)
    context = await kiosk_context(request, booking=item, action=request.url.path)
    return render(request, "kiosk/mine_cancel.html", context)


@post(
    "/mine/bookings/{booking_id:int}/cancel",
    guards=[require_device()],
    name="kiosk_booking_cancel",
)
async def booking_cancel(request: Request, booking_id: Id) -> Response:
    visit = await require_visit(request)
    try:
        await bookings.cancel_own(device_of(request), visit.visitor_id, booking_id)
    except NotFound:
        raise
    except LabError as error:
        context = await _mine(request, visit, message=error.message)
        return render(request, "kiosk/mine.html", context, status_code=error.status_code)
    context = await _mine(request, visit, done=_("Votre réservation est annulée."))
    return render(request, "kiosk/mine.html", context)


visitor_router = Router(
    path=KIOSK_PATH,
    route_handlers=[
        workshop_list,
        workshop_page,
        enrol_confirm,
        enrol,
        resource_list,
        day_list,
        slot_list,
        book_confirm,
        book_slot,
        mine,
        enrolment_cancel_confirm,
        enrolment_cancel,
        booking_cancel_confirm,
        booking_cancel,
    ],
    exception_handlers=KIOSK_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    include_in_schema=False,
)
