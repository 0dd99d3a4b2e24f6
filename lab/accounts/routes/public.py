"""Pages anyone may open: a scanned pass, the health check and the lab's icon."""

from __future__ import annotations

from functools import cache

from litestar import MediaType, Request, Response, Router, get
from litestar.params import FromPath

from lab.accounts import passes, pins
from lab.me.pages import sign_in_page
from lab.settings import PROJECT_ROOT

FAVICON = PROJECT_ROOT / "static" / "img" / "favicon.ico"  # drawn by lab/core/icons.py


@get("/p/{token:str}", name="pass_landing")
async def pass_landing(request: Request, token: FromPath[str]) -> Response:
    """Where a phone camera lands after scanning a pass: the PIN form that opens the visitor's
    space (/me). Shows nothing personal: a photo of a pass must not reveal who holds it, and
    without the PIN it opens nothing. The token goes on in a hidden field, never in a URL."""
    visitor = await passes.resolve_token(token)
    if visitor is None:
        return sign_in_page(request, mode="pass", valid=False, status_code=404)
    return sign_in_page(request, mode="pass", token=token, has_pin=await pins.has_pin(visitor.id))


@get("/health", media_type=MediaType.JSON)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@cache
def _favicon() -> bytes:
    return FAVICON.read_bytes()


# Browsers ask for /favicon.ico on every site, whatever a page links: answer it rather than
# leave a 404 in every first visit. The same for everyone, so caches may keep it for a week;
# no CSRF cookie rides on it (a cookie on a shared cached answer would be everyone's).
@get(
    "/favicon.ico",
    include_in_schema=False,
    opt={"exclude_from_csrf": True},
    name="favicon",
)
async def favicon() -> Response:
    return Response(
        _favicon(),
        media_type="image/vnd.microsoft.icon",
        headers={"cache-control": "public, max-age=604800"},
    )


public_router = Router(path="/", route_handlers=[pass_landing, health, favicon])
