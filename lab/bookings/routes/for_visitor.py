"""A visitor's bookings and inductions, a section of the visitor's page (lazy-loaded there:
accounts must not import bookings), and recording an induction from it."""

from __future__ import annotations

from litestar import Request, Response, get, post

from lab.bookings import pages
from lab.bookings.forms import InductionInput
from lab.bookings.resources import grant_induction
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.params import Id
from lab.core.web import redirect, render


@get("/bookings/for-visitor/{visitor_id:int}", name="visitor_bookings")
async def visitor_bookings(request: Request, visitor_id: Id) -> Response:
    """Lazy-loaded into the visitor's page (accounts must not import bookings)."""
    context = await pages.visitor_bookings_summary(request.user, visitor_id)
    context["status_labels"] = pages.STATUS_LABELS
    return render(request, "bookings/for_visitor.html", context, block="section")


@post("/visitors/{visitor_id:int}/inductions", name="visitor_induction")
async def induction_grant(request: Request, visitor_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(InductionInput, raw)
        await grant_induction(request.user, visitor_id, data.name)
    except LabError as error:
        context = await pages.visitor_bookings_summary(request.user, visitor_id)
        context.update(
            status_labels=pages.STATUS_LABELS,
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


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [visitor_bookings, induction_grant]
