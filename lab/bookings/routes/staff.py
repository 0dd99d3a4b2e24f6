"""Staff pages for bookings: the planning grid, booking form, booking page, list, approval
queue, check-in desk, and a visitor's bookings and inductions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Annotated, Literal

from litestar import Request, Response, Router, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromQuery, Parameter, QueryParameter

from lab.accounts.forms import SearchInput
from lab.accounts.queries import (
    WEEKDAY_LABELS,
    WEEKDAYS,
    get_site_for,
    search_visitors,
    site_choices,
)
from lab.bookings import checkin, grid, services, views
from lab.bookings.forms import BookingInput, CheckInInput, InductionInput, MoveInput, SeriesInput
from lab.bookings.resources import grant_induction
from lab.bookings.services import BookingRefused
from lab.core.errors import Invalid, LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import FieldId, Id, OptionalId, day_in_bounds
from lab.core.roles import STAFF_ROLES
from lab.core.web import redirect, render, wants_fragment

HourMinute = Parameter(required=False, pattern=r"^\d{2}:\d{2}$")
PageNumber = Parameter(ge=1, le=100_000, default=1)
Status = Literal[tuple(views.STATUS_LABELS)]  # type: ignore[valid-type]
WEEKDAY_CHOICES = {index: WEEKDAY_LABELS[day] for index, day in enumerate(WEEKDAYS)}


class DeskScanInput(CheckInInput):
    """A scan at the desk: the pass (URL, token or short code) and the site it is scanned at."""

    site_id: FieldId


def _check_days(**days: dt.date | None) -> None:
    """Days from the address bar: a typo like year 9999 is refused here, not deep in a query."""
    errors = {
        name: _("Vérifiez la date : elle est hors des limites acceptées.")
        for name, day in days.items()
        if day is not None and not day_in_bounds(day)
    }
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)


def _require_visitor_choice(raw: MultiDict) -> None:
    """The person is a radio list: no choice at all is a mistake, not "the team's use"."""
    if "visitor_id" not in raw:
        message = _("Choisissez la personne dans la liste, ou « Usage de l'équipe ».")
        raise Invalid(message, field_errors={"visitor_id": message})


def _values(raw: MultiDict) -> dict[str, object]:
    values: dict[str, object] = dict(raw)
    values["weekdays"] = raw.getall("weekdays", [])
    return values


# -- The grid -------------------------------------------------------------------------------


@get("/bookings", name="bookings")
async def booking_grid(
    request: Request,
    site: OptionalId = None,
    day: FromQuery[dt.date | None] = None,
    view: FromQuery[Literal["day", "week"]] = "day",
    booked: OptionalId = None,
) -> Response:
    actor = request.user
    sites = await site_choices(actor)
    site_id = site or next(iter(sites), None)
    if site_id is None:
        return render(request, "bookings/grid.html", {"sites": sites, "planning": None})
    _check_days(day=day)
    day = day or await views.today_at(actor, site_id)
    if view == "week":
        planning = await grid.week_grid(actor, site_id, day)
    else:
        planning = await grid.day_grid(actor, site_id, day)
    step = dt.timedelta(days=7 if view == "week" else 1)
    return render(
        request,
        "bookings/grid.html",
        {
            "sites": sites,
            "planning": planning,
            "view": view,
            "day": day,
            "site_id": site_id,
            "today": grid.site_today(planning.site),
            "previous_day": day - step,
            "next_day": day + step,
            "booked": booked,
            "status_labels": views.STATUS_LABELS,
            "pending": await views.pending_count(actor),
        },
    )


# -- Booking form ---------------------------------------------------------------------------


async def _form_context(request: Request, values: dict, **extra: object) -> dict:
    actor = request.user
    matches = extra.pop("matches", None)
    if matches is None and values.get("visitor_id"):
        try:
            matches = await views.visitor_choice(actor, values["visitor_id"])
        except LabError:
            matches = []
    return {
        "values": values,
        "errors": {},
        "resource_options": await views.resource_options(actor),
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
            context = await views.series_context(actor, series.resource_id, result)
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
    return redirect(request, await views.grid_path(booking, booked=booking.id))


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


# -- One booking ----------------------------------------------------------------------------


async def _detail(
    request: Request, booking_id: int, *, status_code: int = 200, **extra
) -> Response:
    context = await views.booking_detail(request.user, booking_id)
    context.update(status_labels=views.STATUS_LABELS, source_labels=views.SOURCE_LABELS)
    context.update(action_labels=views.ACTION_LABELS, **extra)
    return render(request, "bookings/show.html", context, status_code=status_code)


@get("/bookings/{booking_id:int}", name="booking")
async def booking_show(request: Request, booking_id: Id) -> Response:
    return await _detail(request, booking_id)


async def _act(request: Request, booking_id: int, action: Awaitable[object], done: str) -> Response:
    """Run one state change; on a refusal, show the booking page with the reason."""
    try:
        await action
    except LabError as error:
        return await _detail(
            request, booking_id, status_code=error.status_code, message=error.message
        )
    return redirect(request, f"/bookings/{booking_id}?done={done}")


@post("/bookings/{booking_id:int}/cancel", name="booking_cancel")
async def booking_cancel(request: Request, booking_id: Id) -> Response:
    return await _act(request, booking_id, services.cancel(request.user, booking_id), "cancelled")


@post("/bookings/{booking_id:int}/check-in", name="booking_check_in")
async def booking_check_in(request: Request, booking_id: Id) -> Response:
    return await _act(request, booking_id, checkin.check_in(request.user, booking_id), "checked_in")


async def _decide(request: Request, booking_id: int, *, approve: bool) -> Response:
    if not wants_fragment(request):
        outcome = "approved" if approve else "declined"
        decision = services.decide(request.user, booking_id, approve=approve)
        return await _act(request, booking_id, decision, outcome)
    # From the approval queue: the row is replaced by the outcome.
    message = None
    try:
        await services.decide(request.user, booking_id, approve=approve)
    except LabError as error:
        message = error.message
    row = await views.approval_row(request.user, booking_id)
    context = {"row": row, "message": message, "status_labels": views.STATUS_LABELS}
    return render(request, "bookings/_approval_row.html", context)


@post("/bookings/{booking_id:int}/approve", name="booking_approve")
async def booking_approve(request: Request, booking_id: Id) -> Response:
    return await _decide(request, booking_id, approve=True)


@post("/bookings/{booking_id:int}/refuse", name="booking_refuse")
async def booking_refuse(request: Request, booking_id: Id) -> Response:
    return await _decide(request, booking_id, approve=False)


async def _move_context(request: Request, booking_id: int, **extra: object) -> dict:
    detail = await views.booking_detail(request.user, booking_id)
    return {
        **detail,
        # A booking moves within its site only.
        "resource_options": await views.resource_options(request.user, detail["site"].id),
        "status_labels": views.STATUS_LABELS,
        **extra,
    }


@get("/bookings/{booking_id:int}/move", name="booking_move_form")
async def booking_move_form(request: Request, booking_id: Id) -> Response:
    context = await _move_context(request, booking_id)
    context["values"] = views.local_values(context["booking"], context["site"].timezone)
    return render(request, "bookings/move.html", context, block="form")


@post("/bookings/{booking_id:int}/move", name="booking_move")
async def booking_move(request: Request, booking_id: Id) -> Response:
    raw = await request.form()
    try:
        await services.move(request.user, booking_id, parse_form(MoveInput, raw))
    except LabError as error:
        context = await _move_context(
            request,
            booking_id,
            values=dict(raw),
            errors=error.field_errors,
            message=error.message,
            refusals=getattr(error, "refusals", None),
        )
        status = 409 if isinstance(error, BookingRefused) else error.status_code
        return render(request, "bookings/move.html", context, block="form", status_code=status)
    return redirect(request, f"/bookings/{booking_id}?done=moved")


# -- Lists ----------------------------------------------------------------------------------


@get("/bookings/list", name="booking_list")
async def booking_list(
    request: Request,
    site: OptionalId = None,
    resource: OptionalId = None,
    status: FromQuery[Status | None] = None,
    day_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
    day_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
    page: int = PageNumber,
) -> Response:
    actor = request.user
    _check_days(day_from=day_from, day_to=day_to)
    result = await views.list_bookings(
        actor,
        site_id=site,
        resource_id=resource,
        status=status,
        day_from=day_from,
        day_to=day_to,
        page=page,
    )
    filters = {"site": site, "resource": resource, "status": status}
    filters.update({"from": day_from, "to": day_to})
    return render(
        request,
        "bookings/list.html",
        {
            **result,
            "values": {**filters, "from": day_from or "", "to": day_to or ""},
            "previous_query": views.page_query(filters, result["page"] - 1),
            "next_query": views.page_query(filters, result["page"] + 1),
            "sites": await site_choices(actor),
            "resource_options": await views.resource_options(actor),
            "status_labels": views.STATUS_LABELS,
        },
        block="results",
    )


@get("/bookings/approvals", name="booking_approvals")
async def booking_approvals(request: Request) -> Response:
    rows = await views.approval_queue(request.user)
    return render(
        request, "bookings/approvals.html", {"rows": rows, "status_labels": views.STATUS_LABELS}
    )


# -- Check-in desk --------------------------------------------------------------------------


@get("/bookings/check-in", name="booking_desk")
async def desk(request: Request, site: OptionalId = None) -> Response:
    sites = await site_choices(request.user)
    values = {"site_id": site or next(iter(sites), None)}
    return render(request, "bookings/check_in.html", {"sites": sites, "values": values})


@post("/bookings/check-in", name="booking_desk_scan")
async def desk_scan(request: Request) -> Response:
    raw = await request.form()
    actor = request.user
    sites = await site_choices(actor)
    values = {"site_id": raw.get("site_id") or next(iter(sites), None)}
    context: dict[str, object] = {"sites": sites, "values": values}
    try:
        data = parse_form(DeskScanInput, {**dict(raw), **values})
        await get_site_for(actor, data.site_id)
        booking = await checkin.check_in_by_pass(actor, data.site_id, data.code)
    except LabError as error:
        context.update(message=error.message, code=error.code)
        return render(
            request, "bookings/check_in.html", context, block="desk", status_code=error.status_code
        )
    context["checked"] = await views.checkin_summary(booking)
    return render(request, "bookings/check_in.html", context, block="desk")


# -- A visitor's bookings and inductions ----------------------------------------------------


@get("/bookings/for-visitor/{visitor_id:int}", name="visitor_bookings")
async def visitor_bookings(request: Request, visitor_id: Id) -> Response:
    """Lazy-loaded into the visitor's page (accounts must not import bookings)."""
    context = await views.visitor_bookings_summary(request.user, visitor_id)
    context["status_labels"] = views.STATUS_LABELS
    return render(request, "bookings/for_visitor.html", context, block="section")


@post("/visitors/{visitor_id:int}/inductions", name="visitor_induction")
async def induction_grant(request: Request, visitor_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(InductionInput, raw)
        await grant_induction(request.user, visitor_id, data.name)
    except LabError as error:
        context = await views.visitor_bookings_summary(request.user, visitor_id)
        context.update(
            status_labels=views.STATUS_LABELS,
            values=dict(raw),
            errors=error.field_errors,
            message=error.message,
        )
        return render(
            request,
            "bookings/for_visitor.html",
            context,
            block="section",
            status_code=error.status_code,
        )
    return redirect(request, f"/visitors/{visitor_id}?done=induction_recorded")


staff_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        booking_grid,
        booking_new,
        booking_create,
        booking_visitor_search,
        booking_show,
        booking_cancel,
        booking_check_in,
        booking_approve,
        booking_refuse,
        booking_move_form,
        booking_move,
        booking_list,
        booking_approvals,
        desk,
        desk_scan,
        visitor_bookings,
        induction_grant,
    ],
)
