"""A visitor's bookings, a section of the visitor's page (lazy-loaded there: accounts must not
import bookings)."""

from __future__ import annotations

from litestar import Request, Response, get

from lab.bookings import pages
from lab.core.params import Id
from lab.core.web import render


@get("/bookings/for-visitor/{visitor_id:int}", name="visitor_bookings")
async def visitor_bookings(request: Request, visitor_id: Id) -> Response:
    """Lazy-loaded into the visitor's page (accounts must not import bookings)."""
    context = await pages.visitor_bookings_summary(request.user, visitor_id)
    context["status_labels"] = pages.STATUS_LABELS
    return render(request, "bookings/for_visitor.html", context, block="section")


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [visitor_bookings]
