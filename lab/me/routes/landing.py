"""The pass landing page, /p/{token}: where a phone camera lands after scanning a pass.

It is the door of the visitor's space (/me), so it lives with it; accounts only answers whose
pass the token is and whether they have a PIN."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.params import FromPath

from lab.accounts.queries import has_pin, resolve_token
from lab.me.pages import sign_in_page


@get("/p/{token:str}", name="pass_landing")
async def pass_landing(request: Request, token: FromPath[str]) -> Response:
    """The PIN form that opens the visitor's space (/me). Shows nothing personal: a photo of a
    pass must not reveal who holds it, and without the PIN it opens nothing. The token goes on
    in a hidden field, never in a URL."""
    visitor = await resolve_token(token)
    if visitor is None:
        return sign_in_page(request, mode="pass", valid=False, status_code=404)
    return sign_in_page(request, mode="pass", token=token, has_pin=await has_pin(visitor.id))


pass_landing_router = Router(path="/", route_handlers=[pass_landing])
