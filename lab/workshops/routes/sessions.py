"""Staff pages for one session: its page, moving or cancelling it (managers), its .ics."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.bookings.queries import CALENDAR_MEDIA_TYPE
from lab.bookings.services import BookingRefused
from lab.core import conditional
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render
from lab.workshops import ics, pages, services
from lab.workshops.forms import SessionMoveInput


async def _page(
    request: Request, session_id: int, *, status_code: int = 200, **extra: object
) -> Response:
    context = await pages.session_detail(request.user, session_id)
    context.update(extra)
    return render(request, "workshops/session.html", context, status_code=status_code)


@get("/workshops/sessions/{session_id:int}", name="workshop_session")
async def session_show(request: Request, session_id: Id) -> Response:
    return await _page(request, session_id)


@get("/workshops/sessions/{session_id:int}/calendar.ics", name="workshop_session_ics")
async def session_ics(request: Request, session_id: Id) -> Response:
    body = await ics.session_calendar(request.user, session_id)
    # A file to import once, on a computer others may use: kept nowhere, still validated.
    filename = f"seance-{session_id}.ics"
    return conditional.file(
        request, body, CALENDAR_MEDIA_TYPE, filename, attachment=True, cache_control="no-store"
    )


@post("/workshops/sessions/{session_id:int}/move", name="workshop_session_move")
async def session_move(request: Request, session_id: Id) -> Response:
    """Move a session; its room booking moves too, and the booking rules are checked again."""
    raw = await request.form()
    try:
        await services.move_session(request.user, session_id, parse_form(SessionMoveInput, raw))
    except LabError as error:
        status = 409 if isinstance(error, BookingRefused) else error.status_code
        return await _page(
            request,
            session_id,
            status_code=status,
            values=dict(raw),
            errors=error.field_errors,
            move_message=error.message,
            refusals=getattr(error, "refusals", None),
        )
    return redirect(request, f"/workshops/sessions/{session_id}?done=moved")


@post("/workshops/sessions/{session_id:int}/cancel", name="workshop_session_cancel")
async def session_cancel(request: Request, session_id: Id) -> Response:
    try:
        await services.cancel_session(request.user, session_id)
    except LabError as error:
        return await _page(
            request, session_id, status_code=error.status_code, message=error.message
        )
    return redirect(request, f"/workshops/sessions/{session_id}?done=cancelled")


sessions_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[session_show, session_ics],
)

session_changes_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[session_move, session_cancel],
)
