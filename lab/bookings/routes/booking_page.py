"""A booking's page and what staff do from it: cancel, check in, approve or refuse, move."""

from __future__ import annotations

from collections.abc import Awaitable

from litestar import Request, Response, get, post

from lab.bookings import pages, services
from lab.bookings.forms import MoveInput
from lab.bookings.services import BookingRefused
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.params import Id
from lab.core.web import redirect, render, wants_fragment


async def _detail(
    request: Request, booking_id: int, *, status_code: int = 200, **extra
) -> Response:
    context = await pages.booking_detail(request.user, booking_id)
    context.update(status_labels=pages.STATUS_LABELS, source_labels=pages.SOURCE_LABELS)
    context.update(action_labels=pages.ACTION_LABELS, **extra)
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
    return await _act(
        request, booking_id, services.check_in(request.user, booking_id), "checked_in"
    )


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
    row = await pages.approval_row(request.user, booking_id)
    context = {"row": row, "message": message, "status_labels": pages.STATUS_LABELS}
    return render(request, "bookings/_approval_row.html", context)


@post("/bookings/{booking_id:int}/approve", name="booking_approve")
async def booking_approve(request: Request, booking_id: Id) -> Response:
    return await _decide(request, booking_id, approve=True)


@post("/bookings/{booking_id:int}/refuse", name="booking_refuse")
async def booking_refuse(request: Request, booking_id: Id) -> Response:
    return await _decide(request, booking_id, approve=False)


async def _move_context(request: Request, booking_id: int, **extra: object) -> dict:
    detail = await pages.booking_detail(request.user, booking_id)
    return {
        **detail,
        # A booking moves within its site only.
        "resource_options": await pages.resource_options(request.user, detail["site"].id),
        "status_labels": pages.STATUS_LABELS,
        **extra,
    }


@get("/bookings/{booking_id:int}/move", name="booking_move_form")
async def booking_move_form(request: Request, booking_id: Id) -> Response:
    context = await _move_context(request, booking_id)
    context["values"] = pages.local_values(context["booking"], context["site"].timezone)
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


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [
    booking_show,
    booking_cancel,
    booking_check_in,
    booking_approve,
    booking_refuse,
    booking_move_form,
    booking_move,
]
