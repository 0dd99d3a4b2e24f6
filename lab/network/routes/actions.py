"""Actions born of the network's exchanges: the follow-up page (open actions by owner and due
date, overdue ones marked in words and by a sign, not by colour alone), a new action (from a
meeting's decision or on its own), and an action's page: the status moves its state allows,
notes over time, and "make it a workshop module"."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id, id_or_none
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render
from lab.network import pages, queries, services
from lab.network.forms import ActionInput, ActionNoteInput

FOLLOW_UP, FORM, PAGE = "network/follow_up.html", "network/action_form.html", "network/action.html"


@get("/network/follow-up", name="network_follow_up")
async def follow_up(request: Request) -> Response:
    owner = id_or_none(request.query_params.get("owner") or "")
    context = await pages.follow_up_context(request.user, owner)
    return render(request, FOLLOW_UP, context, block="actions")


@get("/network/actions/new", name="network_action_new")
async def action_new(request: Request) -> Response:
    """The form; from a decision (``?decision=``), it names it and its meeting's partners."""
    params = request.query_params
    context = await pages.action_form_context(
        request.user,
        id_or_none(params.get("decision") or ""),
        id_or_none(params.get("site") or ""),
    )
    return render(request, FORM, context)


@post("/network/actions", name="network_action_create")
async def action_create(request: Request) -> Response:
    raw = await request.form()
    try:
        action = await services.open_action(request.user, parse_form(ActionInput, raw))
    except LabError as error:
        context = await pages.action_form_context(
            request.user,
            id_or_none(raw.get("decision_id") or ""),
            id_or_none(raw.get("site_id") or ""),
        )
        values = dict(raw)
        values["partner_ids"] = [id_or_none(v) for v in raw.getall("partner_ids", [])]
        context.update(values=values, errors=error.field_errors, message=error.message)
        return render(request, FORM, context, status_code=error.status_code)
    return redirect(request, f"/network/actions/{action.id}?done=opened")


@get("/network/actions/{action_id:int}", name="network_action")
async def action_page(request: Request, action_id: Id) -> Response:
    return render(request, PAGE, await pages.action_context(request.user, action_id))


async def _page_again(request: Request, action_id: int, error: LabError, raw) -> Response:
    context = await pages.action_context(request.user, action_id)
    context.update(message=error.message, errors=error.field_errors, values=dict(raw))
    return render(request, PAGE, context, status_code=error.status_code)


@post("/network/actions/{action_id:int}/move", name="network_action_move")
async def action_move(request: Request, action_id: Id) -> Response:
    """One move of the state machine; a move the state does not allow is refused (409)."""
    raw = await request.form()
    try:
        await services.move_action(request.user, action_id, str(raw.get("status") or "")[:20])
    except LabError as error:
        return await _page_again(request, action_id, error, raw)
    return redirect(request, f"/network/actions/{action_id}?done=moved")


@post("/network/actions/{action_id:int}/edit", name="network_action_update")
async def action_update(request: Request, action_id: Id) -> Response:
    """Title, kind, owner, due date and partners of an open action (its status moves apart)."""
    raw = await request.form()
    action = await queries.get_action_for(request.user, action_id)
    values = {**dict(raw), "site_id": str(action.site)}
    values["partner_ids"] = raw.getall("partner_ids", [])
    if action.decision:
        values["decision_id"] = str(action.decision)
    try:
        await services.update_action(request.user, action_id, parse_form(ActionInput, values))
    except LabError as error:
        context = await pages.action_context(request.user, action_id)
        values["partner_ids"] = [id_or_none(v) for v in values["partner_ids"]]
        context.update(
            edit_message=error.message, edit_errors=error.field_errors, edit_values=values
        )
        return render(request, PAGE, context, status_code=error.status_code)
    return redirect(request, f"/network/actions/{action_id}?done=saved")


@post("/network/actions/{action_id:int}/notes", name="network_action_note")
async def action_note(request: Request, action_id: Id) -> Response:
    raw = await request.form()
    try:
        await services.add_action_note(request.user, action_id, parse_form(ActionNoteInput, raw))
    except LabError as error:
        return await _page_again(request, action_id, error, raw)
    return redirect(request, f"/network/actions/{action_id}?done=noted#notes")


@post("/network/actions/{action_id:int}/module", name="network_action_module")
async def action_module(request: Request, action_id: Id) -> Response:
    """The action becomes a workshop module of its site, linked to it (its page links to it)."""
    raw = await request.form()
    try:
        await services.action_to_module(request.user, action_id)
    except LabError as error:
        return await _page_again(request, action_id, error, raw)
    return redirect(request, f"/network/actions/{action_id}?done=module#module")


actions_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[follow_up, action_page, action_note],
)
action_changes_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[action_new, action_create, action_update, action_move, action_module],
)
