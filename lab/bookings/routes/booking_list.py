"""The list of bookings: filtered by site, resource, status and days, a page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get
from litestar.params import FromQuery, QueryParameter

from lab.accounts.queries import site_choices
from lab.bookings import pages
from lab.bookings.routes.params import PageNumber, Status, check_days
from lab.core.params import OptionalId
from lab.core.web import render


@get("/bookings/list", name="booking_list")
async def booking_list(
    request: Request,
    site: OptionalId = None,
    resource: OptionalId = None,
    status: FromQuery[Status | None] = None,
    day_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
    day_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
    page: int = PageNumber,
) -> Response:
    actor = request.user
    check_days(day_from=day_from, day_to=day_to)
    result = await pages.list_bookings(
        actor,
        site_id=site,
        resource_id=resource,
        status=status,
        day_from=day_from,
        day_to=day_to,
        page=page,
    )
    filters = {"site": site, "resource": resource, "status": status}
    filters.update({"from": day_from, "to": day_to})
    return render(
        request,
        "bookings/list.html",
        {
            **result,
            "values": {**filters, "from": day_from or "", "to": day_to or ""},
            "previous_query": pages.page_query(filters, result["page"] - 1),
            "next_query": pages.page_query(filters, result["page"] + 1),
            "sites": await site_choices(actor),
            "resource_options": await pages.resource_options(actor),
            "status_labels": pages.STATUS_LABELS,
        },
        block="results",
    )


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [booking_list]
