"""Pages anyone may open: a scanned pass and the health check."""

from __future__ import annotations

from litestar import MediaType, Request, Response, Router, get
from litestar.params import FromPath

from lab.accounts import passes
from lab.core.web import render


@get("/p/{token:str}", name="pass_landing")
async def pass_landing(request: Request, token: FromPath[str]) -> Response:
    """Where a phone camera lands after scanning a pass. Shows nothing personal: a photo of a
    pass must not reveal who holds it."""
    visitor = await passes.resolve_token(token)
    response = render(
        request,
        "passes/landing.html",
        {"valid": visitor is not None},
        status_code=200 if visitor else 404,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@get("/health", media_type=MediaType.JSON)
async def health() -> dict[str, str]:
    return {"status": "ok"}


public_router = Router(path="/", route_handlers=[pass_landing, health])
