"""The booking form: book once or weekly, and find the person it is for."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromQuery

from lab.accounts.forms import SearchInput
from lab.accounts.queries import WEEKDAY_LABELS, WEEKDAYS, search_visitors
from lab.bookings import pages, services
from lab.bookings.forms import BookingInput, SeriesInput
from lab.bookings.routes.params import HourMinute
from lab.bookings.services import BookingRefused
from lab.core.errors import Invalid, LabError
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.params import OptionalId
from lab.core.web import redirect, render

WEEKDAY_CHOICES = {index: WEEKDAY_LABELS[day] for index, day in enumerate(WEEKDAYS)}


def _require_visitor_choice(raw: MultiDict) -> None:
    """The person is a radio list: no choice at all is a mistake, not "the team's use"."""
    if "visitor_id" not in raw:
        message = _("Choisissez la personne dans la liste, ou « Usage de l'équipe ».")
        raise Invalid(message, field_errors={"visitor_id": message})


def _values(raw: MultiDict) -> dict[str, object]:
    values: dict[str, object] = dict(raw)
    values["weekdays"] = raw.getall("weekdays", [])
    return values


async def _form_context(request: Request, values: dict, **extra: object) -> dict:
    actor = request.user
    matches = extra.pop("matches", None)
    if matches is None and values.get("visitor_id"):
        try:
            matches = await pages.visitor_choice(actor, values["visitor_id"])
        except LabError:
            matches = []
    return {
        "values": values,
        "errors": {},
        "resource_options": await pages.resource_options(actor),
        "weekday_labels": WEEKDAY_CHOICES,
        "matches": matches or [],
        # Opened in the grid's panel (and kept there when the form comes back).
        "panel": request.headers.get("hx-target") == "booking-panel" or values.get("panel") == "1",
        **extra,
    }


@get("/bookings/new", name="booking_new")
async def booking_new(
    request: Request,
    resource: OptionalId = None,
    day: FromQuery[dt.date | None] = None,
    start: str | None = HourMinute,
    end: str | None = HourMinute,
    visitor: OptionalId = None,
) -> Response:
    values = {"resource_id": resource, "day": day, "start": start, "end": end, "units": 1}
    values["visitor_id"] = visitor
    context = await _form_context(request, values)
    return render(request, "bookings/form.html", context, block="form")


@post("/bookings", name="booking_create")
async def booking_create(request: Request) -> Response:
    raw = await request.form()
    actor = request.user
    try:
        _require_visitor_choice(raw)
        if raw.getall("weekdays", []) or raw.get("until"):
            series = parse_form(SeriesInput, raw)
            result = await services.book_series(actor, series)
            context = await pages.series_context(actor, series.resource_id, result)
            context["panel"] = raw.get("panel") == "1"
            return render(request, "bookings/series_result.html", context, block="form")
        data = parse_form(BookingInput, raw)
        booking = await services.book(actor, await services.wanted_from_form(data))
    except BookingRefused as refused:
        context = await _form_context(
            request,
            _values(raw),
            message=refused.message,
            refusals=refused.refusals,
        )
        return render(request, "bookings/form.html", context, block="form", status_code=409)
    except LabError as error:
        context = await _form_context(
            request, _values(raw), errors=error.field_errors, message=error.message
        )
        return render(
            request, "bookings/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, await pages.grid_path(booking, booked=booking.id))


@post("/bookings/visitor-search", name="booking_visitor_search")
async def booking_visitor_search(request: Request) -> Response:
    """POST, not GET: a typed name must not end up in URLs and logs. Fills the list of
    matches (htmx), or shows the whole form with them (no JavaScript)."""
    raw = await request.form()
    values = {key: raw.get(key) for key in ("resource_id", "day", "start", "end", "units")}
    values["visitor_q"] = raw.get("q", "")
    try:
        data = parse_form(SearchInput, raw)
    except LabError as error:
        context = await _form_context(
            request, values, matches=[], searched=True, errors={"visitor_q": error.message}
        )
        return render(request, "bookings/form.html", context, block="matches", status_code=422)
    matches = await search_visitors(request.user, data.q) if data.q else []
    context = await _form_context(request, values, matches=matches, searched=bool(data.q))
    return render(request, "bookings/form.html", context, block="matches")


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [booking_new, booking_create, booking_visitor_search]
