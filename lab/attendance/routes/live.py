"""Attendance in the room, for staff: today's sessions, a session's live roster (check in by a
tap, a scanned pass, a typed short code or the camera), its event stream, and the projector
view with the rotating self check-in QR code."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

import anyio
import msgspec
from litestar import Request, Response, Router, get, post
from litestar.channels import ChannelsPlugin
from litestar.datastructures import MultiDict
from litestar.params import FromQuery
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from lab.attendance import pages, services
from lab.attendance.services import STATUS_LABELS, ScanRefused
from lab.core.errors import Conflict, Invalid
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import FieldId, Id
from lab.core.roles import STAFF_ROLES
from lab.core.web import redirect, render
from lab.workshops.services import KINDS

ROSTER = "attendance/roster.html"
# A comment line this often keeps proxies and browsers from dropping a quiet stream.
KEEP_ALIVE_SECONDS = 15.0
# A stream ends after this long and the browser opens a new one (and reloads the roster).
# The server stops only once open responses end, and each new stream checks access again.
STREAM_SECONDS = 30.0
# How long a browser waits before reconnecting a dropped stream (milliseconds).
RECONNECT_MS = 3000


class ScanInput(msgspec.Struct):
    """A check-in from the roster: a pass or short code (``code``), or a tap on a row
    (``visitor_id``); ``nonce`` is the id the page gave this very form."""

    nonce: Annotated[str, msgspec.Meta(max_length=64)]
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=300, pattern=r"^[^<>]+$")] | None = (
        None
    )
    visitor_id: FieldId | None = None


class MarkInput(msgspec.Struct):
    visitor_id: FieldId
    status: Literal["present", "late", "absent", "excused"]


def new_nonce() -> str:
    """A fresh client nonce for one form: submitting that form twice checks in once."""
    return str(uuid.uuid4())


def _scan_input(raw: MultiDict) -> ScanInput:
    if not raw.get("nonce"):
        # Never invent one: a form without its nonce is a stale or hand-made form.
        raise Invalid(
            _("Ce formulaire n'est plus valable. Rechargez la page et recommencez."),
            code="bad_nonce",
        )
    data = parse_form(ScanInput, raw)
    if data.code is None and data.visitor_id is None:
        message = _("Scannez la carte ou tapez le code de la carte.")
        raise Invalid(message, field_errors={"code": message})
    return data


async def _roster(
    request: Request, session_id: int, *, block: str = "live", status_code: int = 200, **extra
) -> Response:
    context = await pages.roster_context(request.user, session_id)
    context.update(new_nonce=new_nonce, **extra)
    return render(request, ROSTER, context, block=block, status_code=status_code)


# -- Today ----------------------------------------------------------------------------------


@get("/attendance/today", name="attendance_today")
async def today(request: Request) -> Response:
    context = {"today": await pages.today_sessions(request.user), "kinds": KINDS}
    context["session_status_labels"] = pages.SESSION_STATUS_LABELS
    return render(request, "attendance/today.html", context)


# -- The roster -----------------------------------------------------------------------------


@get("/attendance/sessions/{session_id:int}", name="attendance_roster")
async def roster_page(
    request: Request, session_id: Id, done: FromQuery[Literal["closed"] | None] = None
) -> Response:
    """The whole page; for htmx (the live refresh), only the list."""
    result = None
    if done == "closed":
        result = {
            "ok": True,
            "message": _("La séance est close. Les personnes non pointées sont notées absentes."),
        }
    return await _roster(request, session_id, block="roster", result=result)


@post("/attendance/sessions/{session_id:int}/check-in", name="attendance_check_in")
async def roster_check_in(request: Request, session_id: Id) -> Response:
    raw = await request.form()
    try:
        data = _scan_input(raw)
        checked = await services.check_in(
            services.Scan(
                by=request.user,
                nonce=data.nonce,
                method="staff" if data.code is None else "staff_scan",
                code=data.code,
                visitor_id=data.visitor_id,
                session_id=session_id,
            )
        )
    except (ScanRefused, Invalid) as error:
        result = {"ok": False, "message": error.message, "code": error.code}
        errors = error.field_errors
        return await _roster(
            request, session_id, status_code=error.status_code, result=result, errors=errors
        )
    status = _(STATUS_LABELS[checked.attendance.status])
    if checked.repeated:
        message = _(
            "%(name)s est déjà pointé·e (%(status)s).", name=checked.first_name, status=status
        )
    else:
        message = _(
            "%(name)s : arrivée enregistrée (%(status)s).", name=checked.first_name, status=status
        )
    result = {"ok": True, "message": message, "visitor_id": checked.attendance.visitor}
    return await _roster(request, session_id, result=result)


@post("/attendance/sessions/{session_id:int}/mark", name="attendance_mark")
async def roster_mark(request: Request, session_id: Id) -> Response:
    """Set or correct a status by hand (audited)."""
    raw = await request.form()
    try:
        data = parse_form(MarkInput, raw)
        attendance = await services.mark(request.user, session_id, data.visitor_id, data.status)
    except Invalid as error:
        result = {"ok": False, "message": error.message, "code": error.code}
        return await _roster(request, session_id, status_code=error.status_code, result=result)
    message = _("Statut enregistré : %(status)s.", status=_(STATUS_LABELS[attendance.status]))
    result = {"ok": True, "message": message, "visitor_id": attendance.visitor}
    return await _roster(request, session_id, result=result)


@post("/attendance/sessions/{session_id:int}/close", name="attendance_close")
async def roster_close(request: Request, session_id: Id) -> Response:
    try:
        await services.close_session(request.user, session_id)
    except Conflict as error:
        result = {"ok": False, "message": error.message, "code": error.code}
        return await _roster(request, session_id, status_code=error.status_code, result=result)
    return redirect(request, f"/attendance/sessions/{session_id}?done=closed")


# -- Live events ----------------------------------------------------------------------------


async def session_events(
    channels: ChannelsPlugin,
    session_id: int,
    keep_alive: float = KEEP_ALIVE_SECONDS,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[ServerSentEventMessage]:
    """Each event published on the session's channel, as a server-sent event, with a comment
    line when nothing happened for ``keep_alive`` seconds, for ``lifetime`` seconds. Ends (and
    unsubscribes) then, or when the client goes away: the response is cancelled and
    ``finally`` runs."""
    subscriber = await channels.subscribe([f"session:{session_id}"])
    events = subscriber.iter_events()
    waiting: asyncio.Future | None = None
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + lifetime
    try:
        # Tells the page the subscription is in place (and how soon to come back if cut).
        yield ServerSentEventMessage(event="ready", data="ready", retry=RECONNECT_MS)
        while (left := ends_at - loop.time()) > 0:
            if waiting is None:
                waiting = asyncio.ensure_future(anext(events))
            done, _pending = await asyncio.wait({waiting}, timeout=min(keep_alive, left))
            if not done:
                if ends_at - loop.time() > 0:
                    yield ServerSentEventMessage(comment="keep-alive")
                continue
            try:
                data = waiting.result()
            except StopAsyncIteration:
                return
            waiting = None
            yield ServerSentEventMessage(data=data.decode())
    finally:
        if waiting is not None:
            waiting.cancel()
        # Shielded: on a disconnect this runs inside a cancelled scope.
        with anyio.CancelScope(shield=True):
            await channels.unsubscribe(subscriber)


@get("/attendance/sessions/{session_id:int}/stream", name="attendance_stream")
async def roster_stream(request: Request, session_id: Id) -> ServerSentEvent:
    """Server-sent events of a session, for its open rosters and projector (same guard as
    the roster: staff of the module's site)."""
    await pages.session_header(request.user, session_id)
    return ServerSentEvent(session_events(request.app.state.channels, session_id))


# -- Projector ------------------------------------------------------------------------------


@get("/attendance/sessions/{session_id:int}/projector", name="attendance_projector")
async def projector(request: Request, session_id: Id) -> Response:
    """Full screen for the room: the QR code of the phones' self check-in (it changes every
    30 seconds) and how many people are in. htmx refreshes only the board."""
    base_url = request.app.state.settings.base_url
    context = await pages.projector_context(request.user, session_id, base_url)
    return render(request, "attendance/projector.html", context, block="board")


live_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        today,
        roster_page,
        roster_check_in,
        roster_mark,
        roster_close,
        roster_stream,
        projector,
    ],
)
