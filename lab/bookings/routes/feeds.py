"""Calendars: a booking as an .ics file, and subscription feeds (public URL, staff pages)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from lab.bookings import feeds, ics
from lab.core import conditional
from lab.core.errors import NotFound
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.qr import qr_svg
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render

# Clients poll; five minutes of their own cache is fine, a shared cache is not. After that they
# ask again with the ETag, and an unchanged feed is a 304.
FEED_CACHE = "private, max-age=300"


@get("/feeds/{filename:str}", name="calendar_feed")
async def public_feed(request: Request, filename: FromPath[str]) -> Response:
    """What a subscribed calendar fetches: no login, the token in the URL is the key."""
    token = feeds.token_from_filename(filename)
    body = await feeds.feed_calendar(token) if token else None
    if body is None:
        raise NotFound(_("Ce lien d'agenda n'existe pas ou plus."), code="unknown_feed")
    # The same data writes the same bytes (ics.calendar), so their digest is the ETag. No
    # Last-Modified: names, places and counts in a feed have no modification time of their own.
    response = conditional.file(request, body, ics.MEDIA_TYPE, "lab.ics", cache_control=FEED_CACHE)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@get("/bookings/{booking_id:int}/calendar.ics", name="booking_ics")
async def booking_ics(request: Request, booking_id: Id) -> Response:
    body = await ics.booking_calendar(request.user, booking_id)
    # A file to import once, on a computer others may use: kept nowhere, still validated.
    filename = f"reservation-{booking_id}.ics"
    return conditional.file(
        request, body, ics.MEDIA_TYPE, filename, attachment=True, cache_control="no-store"
    )


def _back(kind: str, subject_id: int) -> str:
    return f"/resources/{subject_id}/edit" if kind == "resource" else f"/visitors/{subject_id}"


async def _page(request: Request, kind: str, subject_id: int) -> Response:
    status = await feeds.feed_status(request.user, kind, subject_id)
    return render(
        request,
        "feeds/show.html",
        {
            "subject": status.subject,
            "feed": status.active,
            "revoked": request.query_params.get("revoked") == "1",
            "action": f"/{kind}s/{subject_id}/feed",
            "back": _back(kind, subject_id),
        },
    )


async def _create(request: Request, kind: str, subject_id: int) -> Response:
    token = await feeds.create_feed(request.user, kind, subject_id)
    status = await feeds.feed_status(request.user, kind, subject_id)
    url = feeds.feed_url(request.app.state.settings.base_url, token)
    webcal = feeds.webcal_url(url)
    response = render(
        request,
        "feeds/show.html",
        {
            "subject": status.subject,
            "feed": status.active,
            "url": url,
            "webcal": webcal,
            # The QR asks a phone to subscribe (webcal), which is what a visitor wants.
            "qr_svg": qr_svg(webcal, _("Code QR du lien d'agenda")),
            "action": f"/{kind}s/{subject_id}/feed",
            "back": _back(kind, subject_id),
        },
    )
    # The only time this URL is shown: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _revoke(request: Request, kind: str, subject_id: int) -> Response:
    await feeds.revoke_feed(request.user, kind, subject_id)
    return redirect(request, f"/{kind}s/{subject_id}/feed?revoked=1")


@get("/resources/{resource_id:int}/feed", name="resource_feed")
async def resource_feed(request: Request, resource_id: Id) -> Response:
    return await _page(request, "resource", resource_id)


@post("/resources/{resource_id:int}/feed", name="resource_feed_create")
async def resource_feed_create(request: Request, resource_id: Id) -> Response:
    return await _create(request, "resource", resource_id)


@post("/resources/{resource_id:int}/feed/revoke", name="resource_feed_revoke")
async def resource_feed_revoke(request: Request, resource_id: Id) -> Response:
    return await _revoke(request, "resource", resource_id)


@get("/visitors/{visitor_id:int}/feed", name="visitor_feed")
async def visitor_feed(request: Request, visitor_id: Id) -> Response:
    return await _page(request, "visitor", visitor_id)


@post("/visitors/{visitor_id:int}/feed", name="visitor_feed_create")
async def visitor_feed_create(request: Request, visitor_id: Id) -> Response:
    return await _create(request, "visitor", visitor_id)


@post("/visitors/{visitor_id:int}/feed/revoke", name="visitor_feed_revoke")
async def visitor_feed_revoke(request: Request, visitor_id: Id) -> Response:
    return await _revoke(request, "visitor", visitor_id)


# No guard: a calendar client has no session. The unguessable token is the only key.
feeds_public_router = Router(path="/", route_handlers=[public_feed])

feeds_staff_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[booking_ics, visitor_feed, visitor_feed_create, visitor_feed_revoke],
)

feeds_manager_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[resource_feed, resource_feed_create, resource_feed_revoke],
)
