"""Pages anyone may open: a scanned pass and the health check."""

from __future__ import annotations

from litestar import MediaType, Request, Response, Router, get
from litestar.params import FromPath

from lab.accounts import passes, pins
from lab.me.pages import sign_in_page


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


public_router = Router(path="/", route_handlers=[pass_landing, health])
