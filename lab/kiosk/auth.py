"""Who is at the kiosk: the paired device, and for a moment the visitor using it.

- The device is a principal of its own: its credential (a random token, only its hash stored)
  is a cookie scoped to ``/kiosk``, so a tablet never even sends it to staff pages, and the
  guard here is the only one that accepts it. Every request looks the device up again: a
  revoked tablet is refused on its next request.
- A visit is the short time a visitor uses the tablet after showing their pass (and PIN for
  personal views). It lives on the server, bound to the device, and ends after 90 seconds
  without a request, or at once when the tablet's idle timer sends the visitor home.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.stores.base import Store

from lab.accounts.tables import Visitor
from lab.core import clock
from lab.core.guards import Guard
from lab.core.security import new_token, token_hash
from lab.core.web import redirect
from lab.kiosk.devices import DevicePrincipal, device_for

DEVICE_COOKIE = "lab_kiosk"
VISIT_COOKIE = "lab_kiosk_visit"
KIOSK_PATH = "/kiosk"
# A paired tablet stays paired until revoked; the cookie is refreshed on every visit home.
DEVICE_COOKIE_DAYS = 400
IDLE_SECONDS = 90


class DeviceNotPaired(NotAuthorizedException):
    """No valid device credential: the tablet is sent to the pairing page."""


def require_device(*actions: str) -> Guard:
    """Let through a paired, unrevoked tablet allowed to do each of ``actions``."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        device = await device_for(connection.cookies.get(DEVICE_COOKIE))
        if device is None:
            raise DeviceNotPaired()
        if not all(device.may(action) for action in actions):
            raise PermissionDeniedException("kiosk action not allowed")
        connection.scope["device"] = device  # type: ignore[typeddict-unknown-key]

    guard.__name__ = f"require_device({', '.join(actions)})"
    guard.lab_roles = ("kiosk",)  # type: ignore[attr-defined]  # read by the route-guard test
    return guard


def device_of(request: Request) -> DevicePrincipal:
    return request.scope["device"]  # type: ignore[typeddict-item]


def device_cookie(credential: str, *, secure: bool) -> Cookie:
    return Cookie(
        key=DEVICE_COOKIE,
        value=credential,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path=KIOSK_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
    )


@dataclasses.dataclass(frozen=True, slots=True)
class KioskVisit:
    token: str
    device_id: int
    visitor_id: int
    first_name: str
    # True once the PIN was given: personal views (my bookings, enrol, book) need it.
    with_pin: bool


def _store(request: Request) -> Store:
    return request.app.state.store


def _key(token: str) -> str:
    return f"kiosk-visit:{token_hash(token)}"


async def open_visit(
    request: Request, device: DevicePrincipal, visitor: Visitor, *, with_pin: bool
) -> tuple[KioskVisit, Cookie]:
    """A new visit and the cookie that carries it (a fresh id every time: never adopt one the
    browser sends). Any visit the browser had is ended first."""
    old = request.cookies.get(VISIT_COOKIE)
    if old and len(old) <= 100:
        await _store(request).delete(_key(old))
    token = new_token(32)
    visit = KioskVisit(token, device.device_id, visitor.id, visitor.first_name, with_pin)
    await _save(request, visit)
    return visit, _visit_cookie(request, token)


async def start_visit(
    request: Request,
    response: Response,
    device: DevicePrincipal,
    visitor: Visitor,
    *,
    with_pin: bool,
) -> KioskVisit:
    """``open_visit``, setting its cookie on ``response``."""
    visit, cookie = await open_visit(request, device, visitor, with_pin=with_pin)
    response.set_cookie(cookie)
    return visit


async def _save(request: Request, visit: KioskVisit) -> None:
    data = dataclasses.asdict(visit)
    del data["token"]
    data["seen"] = clock.now().timestamp()
    # The store forgets it a little after the idle limit; the check below is the rule.
    await _store(request).set(_key(visit.token), json.dumps(data), expires_in=IDLE_SECONDS + 30)


async def visit_of(request: Request) -> KioskVisit | None:
    """The current visit on this device, or None (none, ended, idle too long, other device).
    Each request counts as activity and slides the 90-second window."""
    token = request.cookies.get(VISIT_COOKIE)
    device: DevicePrincipal | None = request.scope.get("device")  # type: ignore[assignment]
    if not token or len(token) > 100 or device is None:
        return None
    raw = await _store(request).get(_key(token))
    if raw is None:
        return None
    data = json.loads(raw)
    if data["device_id"] != device.device_id:
        return None
    if clock.now().timestamp() - data["seen"] > IDLE_SECONDS:
        await _store(request).delete(_key(token))
        return None
    visit = KioskVisit(
        token, data["device_id"], data["visitor_id"], data["first_name"], data["with_pin"]
    )
    await _save(request, visit)
    return visit


async def end_visit(request: Request, response: Response) -> None:
    """Forget the visit on the server and in the browser."""
    token = request.cookies.get(VISIT_COOKIE)
    if token and len(token) <= 100:
        await _store(request).delete(_key(token))
    response.set_cookie(_visit_cookie(request, ""))


def _visit_cookie(request: Request, token: str) -> Cookie:
    return Cookie(
        key=VISIT_COOKIE,
        value=token,
        max_age=None if token else 0,
        path=KIOSK_PATH,
        httponly=True,
        secure=request.app.state.settings.cookie_secure,
        samesite="strict",
    )


class VisitNeeded(NotAuthorizedException):
    """The page is for a visitor who showed their pass (and PIN): none is here any more."""

    def __init__(self, *, with_pin: bool) -> None:
        super().__init__()
        self.with_pin = with_pin


async def require_visit(request: Request, *, with_pin: bool = True) -> KioskVisit:
    """The current visit, which must have given the PIN for personal views. Raises VisitNeeded
    (the kiosk router sends the tablet to the pass-and-PIN page, then back)."""
    visit = await visit_of(request)
    if visit is None or (with_pin and not visit.with_pin):
        raise VisitNeeded(with_pin=with_pin)
    return visit


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(f"{KIOSK_PATH}/api/")


def not_paired(request: Request, _: DeviceNotPaired) -> Response:
    if _is_api(request):
        return Response({"code": "not_paired"}, status_code=401)
    return redirect(request, f"{KIOSK_PATH}/pair")


def visit_needed(request: Request, error: VisitNeeded) -> Response:
    if _is_api(request):
        return Response({"code": "visit_needed"}, status_code=401)
    target = f"{KIOSK_PATH}/identify?next={quote(request.url.path)}"
    return redirect(request, target)


KIOSK_EXCEPTION_HANDLERS = {DeviceNotPaired: not_paired, VisitNeeded: visit_needed}
