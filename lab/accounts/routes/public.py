"""Pages anyone may open: the health check and the lab's icon (a scanned pass lands in the
visitor's space: lab.me.routes.landing)."""

from __future__ import annotations

from functools import cache

from litestar import MediaType, Response, Router, get

from lab.settings import PROJECT_ROOT

FAVICON = PROJECT_ROOT / "static" / "img" / "favicon.ico"  # drawn by lab/core/icons.py


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


public_router = Router(path="/", route_handlers=[health, favicon])
