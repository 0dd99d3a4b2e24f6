"""Enrolment by staff: find a visitor (name, short code, or a scanned pass), enrol them, cancel.

The list lives on the module's page (a series) or the session's page (drop-in); htmx swaps
the block ``enrolments`` of that page, whose elements keep stable ids.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, Router, post

from lab.core.errors import LabError
from lab.core.forms import TEXT_PATTERN, parse_form
from lab.core.guards import require_role
from lab.core.params import FieldId, Id, id_or_none
from lab.core.roles import STAFF_ROLES
from lab.core.web import render, wants_fragment
from lab.workshops import pages, queries, services
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Module, Session


class FinderInput(msgspec.Struct):
    """What was typed or scanned in the finder: a name, a short code, a file number, or a
    pass URL (a scanner types it, longer than a name)."""

    q: Annotated[str, msgspec.Meta(max_length=300, pattern=TEXT_PATTERN)] | None = None
    session_id: FieldId | None = None


async def _context(request: Request, module: Module, session: Session | None) -> dict:
    """The page (module or session) the enrolment list is on, as full-page context."""
    if module.enrolment == "drop_in" and session is not None:
        return {**await pages.session_detail(request.user, session.id), "page": "session"}
    context = await pages.module_detail(request.user, module.id)
    context.update(schedule_values={}, schedule_errors={}, page="module")
    return context


def _render(request: Request, context: dict, *, block: str = "enrolments", status: int = 200):
    template = "workshops/session.html" if context["page"] == "session" else "workshops/show.html"
    return render(request, template, context, block=block, status_code=status)


@post("/workshops/{module_id:int}/enrolments/search", name="workshop_enrol_search")
async def enrol_search(request: Request, module_id: Id) -> Response:
    """POST, not GET: a typed name must not end up in URLs and logs. A name or a code lists
    matches; a scanned pass enrols its holder at once (the whole list comes back)."""
    actor = request.user
    module = await queries.get_module_for(actor, module_id)
    raw = await request.form()
    try:
        data = parse_form(FinderInput, raw)
        session = await queries.session_of(module, data.session_id)
        context = await _context(request, module, session)
        visitor = await pages.visitor_from_scan(actor, data.q or "")
    except LabError as error:
        session = await queries.session_of(module, id_or_none(raw.get("session_id")))
        context = await _context(request, module, session)
        context.update(enrol_message=error.message, finder={"q": ""})
        response = _render(request, context, status=error.status_code)
        return _whole_list(request, response)
    if visitor is not None:
        return await _enrol(request, module, session, visitor.id, context)
    context["finder"] = {"q": data.q or ""}
    if data.q:
        context["matches"] = await pages.matches_for(actor, module, data.q, context["queue"])
        context["searched"] = True
    return _render(request, context, block="matches")


def _whole_list(request: Request, response: Response) -> Response:
    """From the finder, which targets the matches, the answer replaces the whole list."""
    if wants_fragment(request):
        response.headers["HX-Retarget"] = "#enrolments"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


async def _enrol(
    request: Request, module: Module, session: Session | None, visitor_id: int, context: dict
) -> Response:
    data = EnrolInput(visitor_id=visitor_id, session_id=session.id if session else None)
    try:
        enrolled = await services.enrol(request.user, module.id, data)
    except LabError as error:
        context.update(enrol_message=error.message)
        return _whole_list(request, _render(request, context, status=error.status_code))
    context = await _context(request, module, session)
    context["outcome"] = await pages.outcome(enrolled)
    return _whole_list(request, _render(request, context))


@post("/workshops/{module_id:int}/enrolments", name="workshop_enrol")
async def enrol(request: Request, module_id: Id) -> Response:
    """Enrol the chosen visitor: enrolled, or on the waitlist with their position."""
    module = await queries.get_module_for(request.user, module_id)
    raw = await request.form()
    session = await queries.session_of(module, id_or_none(raw.get("session_id")))
    context = await _context(request, module, session)
    try:
        data = parse_form(EnrolInput, raw)
    except LabError as error:
        context.update(enrol_message=error.message)
        return _render(request, context, status=error.status_code)
    return await _enrol(request, module, session, data.visitor_id, context)


@post("/workshops/enrolments/{enrolment_id:int}/cancel", name="enrolment_cancel")
async def enrol_cancel(request: Request, enrolment_id: Id) -> Response:
    """Cancel an enrolment; whoever the freed seat goes to shows up enrolled at once."""
    module, session = await queries.queue_of_enrolment(request.user, enrolment_id)
    before = await pages.queue_block(module, session)
    try:
        await services.cancel_enrolment(request.user, enrolment_id)
    except LabError as error:
        context = await _context(request, module, session)
        context.update(enrol_message=error.message)
        return _render(request, context, status=error.status_code)
    context = await _context(request, module, session)
    context["cancelled"] = True
    context["promoted"] = pages.promoted_names(before, context["queue"])
    return _render(request, context)


enrolments_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[enrol_search, enrol, enrol_cancel],
)
