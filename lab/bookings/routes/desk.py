"""The check-in desk: scan a visitor's pass at a site, check in their booking of the moment."""

from __future__ import annotations

from litestar import Request, Response, get, post

from lab.accounts.queries import get_site_for, site_choices
from lab.bookings import checkin, pages
from lab.bookings.forms import CheckInInput
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.params import FieldId, OptionalId
from lab.core.web import render


class DeskScanInput(CheckInInput):
    """A scan at the desk: the pass (URL, token or short code) and the site it is scanned at."""

    site_id: FieldId


@get("/bookings/check-in", name="booking_desk")
async def desk(request: Request, site: OptionalId = None) -> Response:
    sites = await site_choices(request.user)
    values = {"site_id": site or next(iter(sites), None)}
    return render(request, "bookings/check_in.html", {"sites": sites, "values": values})


@post("/bookings/check-in", name="booking_desk_scan")
async def desk_scan(request: Request) -> Response:
    raw = await request.form()
    actor = request.user
    sites = await site_choices(actor)
    values = {"site_id": raw.get("site_id") or next(iter(sites), None)}
    context: dict[str, object] = {"sites": sites, "values": values}
    try:
        data = parse_form(DeskScanInput, {**dict(raw), **values})
        await get_site_for(actor, data.site_id)
        booking = await checkin.check_in_by_pass(actor, data.site_id, data.code)
    except LabError as error:
        context.update(message=error.message, code=error.code)
        return render(
            request, "bookings/check_in.html", context, block="desk", status_code=error.status_code
        )
    context["checked"] = await pages.checkin_summary(booking)
    return render(request, "bookings/check_in.html", context, block="desk")


# Mounted, with the other staff pages, behind one role guard (routes/__init__.py).
HANDLERS = [desk, desk_scan]
