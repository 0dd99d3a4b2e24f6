"""Calendar subscriptions for workshops: a staff member's own sessions, and a module's.

The tokens are the bookings' feeds (same table, same public URL /feeds/<token>.ics): only
their hash is stored, the URL is shown once, and a new one revokes the old one.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.bookings import queries as feeds
from lab.bookings import services as feed_tokens
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id
from lab.core.qr import qr_svg
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import redirect, render
from lab.workshops import ics

MY_FEED = "/workshops/my-feed"


def _paths(kind: str, subject_id: int) -> tuple[str, str]:
    """(the feed page's action, the page to go back to)."""
    if kind == ics.STAFF_KIND:
        return MY_FEED, "/workshops"
    return f"/workshops/{subject_id}/feed", f"/workshops/{subject_id}"


async def _page(request: Request, kind: str, subject_id: int) -> Response:
    status = await feeds.feed_status(request.user, kind, subject_id)
    action, back = _paths(kind, subject_id)
    return render(
        request,
        "workshops/feed.html",
        {
            "subject": status.subject,
            "feed": status.active,
            "revoked": request.query_params.get("revoked") == "1",
            "action": action,
            "back": back,
        },
    )


async def _create(request: Request, kind: str, subject_id: int) -> Response:
    token = await feed_tokens.create_feed(request.user, kind, subject_id)
    status = await feeds.feed_status(request.user, kind, subject_id)
    url = feeds.feed_url(request.app.state.settings.base_url, token)
    webcal = feeds.webcal_url(url)
    action, back = _paths(kind, subject_id)
    response = render(
        request,
        "workshops/feed.html",
        {
            "subject": status.subject,
            "feed": status.active,
            "url": url,
            "webcal": webcal,
            "qr_svg": qr_svg(webcal, _("Code QR du lien d'agenda")),
            "action": action,
            "back": back,
        },
    )
    # The only time this URL is shown: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _revoke(request: Request, kind: str, subject_id: int) -> Response:
    await feed_tokens.revoke_feed(request.user, kind, subject_id)
    action, _back = _paths(kind, subject_id)
    return redirect(request, f"{action}?revoked=1")


@get(MY_FEED, name="workshops_my_feed")
async def my_feed(request: Request) -> Response:
    return await _page(request, ics.STAFF_KIND, request.user.user_id)


@post(MY_FEED, name="workshops_my_feed_create")
async def my_feed_create(request: Request) -> Response:
    return await _create(request, ics.STAFF_KIND, request.user.user_id)


@post(MY_FEED + "/revoke", name="workshops_my_feed_revoke")
async def my_feed_revoke(request: Request) -> Response:
    return await _revoke(request, ics.STAFF_KIND, request.user.user_id)


@get("/workshops/{module_id:int}/feed", name="workshop_feed")
async def module_feed(request: Request, module_id: Id) -> Response:
    return await _page(request, ics.MODULE_KIND, module_id)


@post("/workshops/{module_id:int}/feed", name="workshop_feed_create")
async def module_feed_create(request: Request, module_id: Id) -> Response:
    return await _create(request, ics.MODULE_KIND, module_id)


@post("/workshops/{module_id:int}/feed/revoke", name="workshop_feed_revoke")
async def module_feed_revoke(request: Request, module_id: Id) -> Response:
    return await _revoke(request, ics.MODULE_KIND, module_id)


my_feed_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[my_feed, my_feed_create, my_feed_revoke],
)

module_feed_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[module_feed, module_feed_create, module_feed_revoke],
)
