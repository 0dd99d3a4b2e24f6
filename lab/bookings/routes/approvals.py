"""The approval queue: pending requests of the actor's sites (deciding one is on the
booking's page, booking_page.py, which also answers the queue's htmx rows)."""

from __future__ import annotations

from litestar import Request, Response, get

from lab.bookings import pages
from lab.core.web import render


@get("/bookings/approvals", name="booking_approvals")
async def booking_approvals(request: Request) -> Response:
    rows = await pages.approval_queue(request.user)
    return render(
        request, "bookings/approvals.html", {"rows": rows, "status_labels": pages.STATUS_LABELS}
    )


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [booking_approvals]
