"""A visitor's timeline for staff: a section of the person's page, loaded after it (accounts
may not import attendance), and a page of its own; its filters swap the list only."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.params import FromQuery

from lab.attendance import timeline
from lab.core.guards import require_role
from lab.core.i18n import N_
from lab.core.params import Id
from lab.core.roles import STAFF_ROLES
from lab.core.web import render

ITEMS_TARGET = "timeline-items"


@get("/visitors/{visitor_id:int}/timeline", name="visitor_timeline")
async def visitor_timeline(
    request: Request,
    visitor_id: Id,
    kind: FromQuery[str | None] = None,
    period: FromQuery[str | None] = None,
) -> Response:
    """The whole page; into the person's page, its section; from the filters, the list."""
    found = await timeline.timeline_for(request.user, visitor_id, kind, period)
    block = "items" if request.headers.get("hx-target") == ITEMS_TARGET else "section"
    context = {
        "timeline": found,
        "visitor": found.visitor,
        "site": found.site,
        "kinds": {timeline.ALL: N_("Tout"), **timeline.kinds()},
        "periods": {key: label for key, (label, _days) in timeline.PERIODS.items()},
        "message_kinds": timeline.MESSAGE_KINDS,
        "status_labels": timeline.status_labels(),
    }
    return render(request, "attendance/timeline.html", context, block=block)


timeline_router = Router(
    path="/", guards=[require_role(*STAFF_ROLES)], route_handlers=[visitor_timeline]
)
