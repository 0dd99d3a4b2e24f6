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
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from lab.accounts.queries import Visitor
from lab.core import clock
from lab.core.guards import Guard
from lab.core.i18n import _
from lab.core.sessions import ServerSessions, SessionHandle, SessionKind
from lab.core.web import error_response, is_api, redirect
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

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
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


# Every request slides the 90-second window (a visit is short: the write is worth it); an
# hour is the most a visit can last, whatever the activity.
KIOSK_VISITS = SessionKind(
    cookie=VISIT_COOKIE,
    key_prefix="kiosk-visit",
    path=KIOSK_PATH,
    samesite="strict",
    idle_seconds=IDLE_SECONDS,
    max_seconds=3600,
    refresh_after=0,
    now=lambda: clock.now().timestamp(),
)


def _visits(request: Request) -> ServerSessions:
    settings = request.app.state.settings
    return ServerSessions(request.app.state.store, KIOSK_VISITS, secure=settings.cookie_secure)


async def open_visit(
    request: Request, device: DevicePrincipal, visitor: Visitor, *, with_pin: bool
) -> tuple[KioskVisit, Cookie]:
    """A new visit and the cookie that carries it (a fresh id every time: never adopt one the
    browser sends). Any visit the browser had is ended first."""
    visits = _visits(request)
    await visits.destroy_current(request)
    handle = await visits.create(
        {
            "device_id": device.device_id,
            "visitor_id": visitor.id,
            "first_name": visitor.first_name,
            "with_pin": with_pin,
        }
    )
    visit = _visit(handle)
    request.scope["kiosk_visit"] = visit  # type: ignore[typeddict-unknown-key]
    return visit, visits.cookie(handle)


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


def _visit(handle: SessionHandle) -> KioskVisit:
    data = handle.data
    return KioskVisit(
        handle.token, data["device_id"], data["visitor_id"], data["first_name"], data["with_pin"]
    )


async def visit_of(request: Request) -> KioskVisit | None:
    """The current visit on this device, or None (none, ended, idle too long, other device).
    Each request counts as activity and slides the 90-second window. Looked up once per
    request: the guard-like ``require_visit`` and the page's context share the answer."""
    if "kiosk_visit" in request.scope:
        return request.scope["kiosk_visit"]  # type: ignore[typeddict-item]
    device: DevicePrincipal | None = request.scope.get("device")  # type: ignore[assignment]
    visit = None
    if device is not None:
        handle = await _visits(request).load(request)
        if handle is not None and handle.data["device_id"] == device.device_id:
            visit = _visit(handle)
    request.scope["kiosk_visit"] = visit  # type: ignore[typeddict-unknown-key]
    return visit


async def end_visit(request: Request, response: Response) -> None:
    """Forget the visit on the server and in the browser."""
    visits = _visits(request)
    await visits.destroy_current(request)
    visits.attach(response, None)
    request.scope["kiosk_visit"] = None  # type: ignore[typeddict-unknown-key]


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


def not_paired(request: Request, _error: DeviceNotPaired) -> Response:
    if is_api(request):
        message = _("Cette tablette n'est pas associée. Demandez à l'accueil.")
        return error_response(request, 401, message, code="not_paired")
    return redirect(request, f"{KIOSK_PATH}/pair")


def visit_needed(request: Request, error: VisitNeeded) -> Response:
    if is_api(request):
        return error_response(request, 401, _("Montrez votre carte"), code="visit_needed")
    target = f"{KIOSK_PATH}/identify?next={quote(request.url.path)}"
    return redirect(request, target)


KIOSK_EXCEPTION_HANDLERS = {DeviceNotPaired: not_paired, VisitNeeded: visit_needed}
