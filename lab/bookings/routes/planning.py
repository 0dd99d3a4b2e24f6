"""The planning grid: a site's resources over a day or a week."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from litestar import Request, Response, get
from litestar.params import FromQuery

from lab.accounts.queries import site_choices
from lab.bookings import grid, pages
from lab.bookings.routes.params import check_days
from lab.core.params import OptionalId
from lab.core.web import render


@get("/bookings", name="bookings")
async def booking_grid(
    request: Request,
    site: OptionalId = None,
    day: FromQuery[dt.date | None] = None,
    view: FromQuery[Literal["day", "week"]] = "day",
    booked: OptionalId = None,
) -> Response:
    actor = request.user
    sites = await site_choices(actor)
    site_id = site or next(iter(sites), None)
    if site_id is None:
        return render(request, "bookings/grid.html", {"sites": sites, "planning": None})
    check_days(day=day)
    # Without a day, the grid shows the site's today (from the site it reads anyway).
    if view == "week":
        planning = await grid.week_grid(actor, site_id, day)
    else:
        planning = await grid.day_grid(actor, site_id, day)
    day = planning.day
    step = dt.timedelta(days=7 if view == "week" else 1)
    return render(
        request,
        "bookings/grid.html",
        {
            "sites": sites,
            "planning": planning,
            "view": view,
            "day": day,
            "site_id": site_id,
            "today": grid.site_today(planning.site),
            "previous_day": day - step,
            "next_day": day + step,
            "booked": booked,
            "status_labels": pages.STATUS_LABELS,
            "pending": await pages.pending_count(actor),
        },
    )


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [booking_grid]
