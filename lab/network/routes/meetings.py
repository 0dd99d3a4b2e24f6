"""Network meetings: the list, a new meeting, and the meeting's page, where its agenda is set,
partners invited, attendance taken (by hand or by a contact person's pass, as for a workshop),
minutes written and sent, and decisions recorded, each opening an action if it leads to one.

The page's forms are plain POSTs that work without JavaScript; with htmx, each swaps its own
section of the page (a named block of the same template)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render
from lab.network import pages, services
from lab.network.forms import (
    DecisionInput,
    InviteInput,
    MeetingInput,
    MinutesInput,
    PresenceInput,
    ThemeInput,
)

LIST, FORM, PAGE = "network/meetings.html", "network/meeting_form.html", "network/meeting.html"


@get("/network/meetings", name="network_meetings")
async def meeting_list(request: Request) -> Response:
    return render(request, LIST, await pages.meetings_context(request.user))


@get("/network/meetings/new", name="network_meeting_new")
async def meeting_new(request: Request) -> Response:
    return render(request, FORM, await pages.meeting_form_context(request.user))


@post("/network/meetings/new", name="network_meeting_create")
async def meeting_create(request: Request) -> Response:
    raw = await request.form()
    try:
        meeting = await services.create_meeting(request.user, parse_form(MeetingInput, raw))
    except LabError as error:
        context = await pages.meeting_form_context(request.user)
        context.update(values=dict(raw), errors=error.field_errors, message=error.message)
        return render(request, FORM, context, status_code=error.status_code)
    return redirect(request, f"/network/meetings/{meeting.id}?done=created")


@get("/network/meetings/{meeting_id:int}", name="network_meeting")
async def meeting_page(request: Request, meeting_id: Id) -> Response:
    return render(request, PAGE, await pages.meeting_context(request.user, meeting_id))


async def _section(
    request: Request, meeting_id: int, block: str, *, status_code: int = 200, **extra: object
) -> Response:
    """The meeting's page again (for htmx: the section ``block``), with a message or errors."""
    context = await pages.meeting_context(request.user, meeting_id)
    context.update(extra)
    return render(request, PAGE, context, block=block, status_code=status_code)


async def _run(request: Request, meeting_id: int, block: str, change, form_type=None) -> Response:
    """Run one change of the meeting; its section comes back with what happened."""
    raw = await request.form()
    try:
        data = parse_form(form_type, raw) if form_type else None
        done = await change(data, raw)
    except LabError as error:
        return await _section(
            request,
            meeting_id,
            block,
            status_code=error.status_code,
            errors={block: error.field_errors},
            messages={block: error.message},
            values_of={block: dict(raw)},
        )
    return await _section(request, meeting_id, block, done={block: done})


@post("/network/meetings/{meeting_id:int}/themes", name="network_theme_add")
async def theme_add(request: Request, meeting_id: Id) -> Response:
    async def change(data, _raw):
        await services.add_theme(request.user, meeting_id, data)
        return "theme_added"

    return await _run(request, meeting_id, "agenda", change, ThemeInput)


@post("/network/meetings/{meeting_id:int}/invite", name="network_invite")
async def invite(request: Request, meeting_id: Id) -> Response:
    async def change(data, _raw):
        made = await services.invite(request.user, meeting_id, data)
        return "invited" if made else "nobody_new"

    return await _run(request, meeting_id, "attendance", change, InviteInput)


@post("/network/meetings/{meeting_id:int}/presence", name="network_presence")
async def presence(request: Request, meeting_id: Id) -> Response:
    async def change(data, _raw):
        await services.record_presence(request.user, meeting_id, data)
        return "presence"

    return await _run(request, meeting_id, "attendance", change, PresenceInput)


@post("/network/meetings/{meeting_id:int}/check-in", name="network_check_in")
async def check_in(request: Request, meeting_id: Id) -> Response:
    """A contact person's meeting pass, scanned or typed."""

    async def change(_data, raw):
        await services.check_in_contact(request.user, meeting_id, str(raw.get("code") or "")[:300])
        return "checked_in"

    return await _run(request, meeting_id, "attendance", change)


@post("/network/meetings/{meeting_id:int}/minutes", name="network_minutes")
async def minutes(request: Request, meeting_id: Id) -> Response:
    async def change(data, _raw):
        await services.write_minutes(request.user, meeting_id, data)
        return "minutes_saved"

    return await _run(request, meeting_id, "minutes", change, MinutesInput)


@post("/network/meetings/{meeting_id:int}/minutes/send", name="network_minutes_send")
async def minutes_send(request: Request, meeting_id: Id) -> Response:
    async def change(_data, _raw):
        count = await services.send_minutes(request.user, meeting_id)
        return f"minutes_sent:{count}"

    return await _run(request, meeting_id, "minutes", change)


@post("/network/meetings/{meeting_id:int}/decisions", name="network_decision_add")
async def decision_add(request: Request, meeting_id: Id) -> Response:
    async def change(data, _raw):
        await services.record_decision(request.user, meeting_id, data)
        return "decision_added"

    return await _run(request, meeting_id, "decisions", change, DecisionInput)


@post("/network/meetings/{meeting_id:int}/edit", name="network_meeting_update")
async def meeting_update(request: Request, meeting_id: Id) -> Response:
    """A new date, time or place: the people invited get the updated invitation."""
    raw = await request.form()
    try:
        await services.update_meeting(request.user, meeting_id, parse_form(MeetingInput, raw))
    except LabError as error:
        context = await pages.meeting_context(request.user, meeting_id)
        context.update(
            meeting_values=dict(raw), meeting_errors=error.field_errors, message=error.message
        )
        return render(request, PAGE, context, status_code=error.status_code)
    return redirect(request, f"/network/meetings/{meeting_id}?done=saved")


@post("/network/meetings/{meeting_id:int}/cancel", name="network_meeting_cancel")
async def meeting_cancel(request: Request, meeting_id: Id) -> Response:
    try:
        await services.cancel_meeting(request.user, meeting_id)
    except LabError as error:
        return await _section(
            request, meeting_id, "page", status_code=error.status_code, message=error.message
        )
    return redirect(request, f"/network/meetings/{meeting_id}?done=cancelled")


meetings_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[meeting_list, meeting_page, presence, check_in],
)
meeting_changes_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        meeting_new,
        meeting_create,
        theme_add,
        invite,
        minutes,
        minutes_send,
        decision_add,
        meeting_update,
        meeting_cancel,
    ],
)
