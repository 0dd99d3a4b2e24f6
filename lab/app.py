"""create_app(settings) -> Litestar: routers, middleware, error handling, lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from urllib.parse import urlsplit

from litestar import Litestar, Router
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.middleware import ASGIMiddleware, DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from piccolo.engine.base import Engine

from lab import __version__
from lab.accounts.auth import StaffSessionMiddleware
from lab.accounts.routes import (
    admin_router,
    api_router,
    auth_router,
    public_router,
    visitor_data_router,
    visitors_router,
)
from lab.accounts.staff import LoginThrottle
from lab.attendance.routes import ROUTERS as ATTENDANCE_ROUTERS
from lab.bookings.releases import release_loop
from lab.bookings.reminders import reminder_loop as booking_reminder_loop
from lab.bookings.routes import ROUTERS as BOOKING_ROUTERS
from lab.core import db, events, mail
from lab.core.api import SECURITY_SCHEMES, LabSchemaPlugin
from lab.core.edge import check_body
from lab.core.guards import require_role
from lab.core.params import TYPE_DECODERS
from lab.core.roles import STAFF_ROLES
from lab.core.sessions import SessionManager
from lab.core.web import EXCEPTION_HANDLERS, build_jinja
from lab.kiosk.routes import ROUTERS as KIOSK_ROUTERS
from lab.me.routes import me_router, pass_landing_router
from lab.network.routes import ROUTERS as NETWORK_ROUTERS
from lab.reports.routes import home_router, network_report_router, reports_router
from lab.retention import retention_loop
from lab.settings import PROJECT_ROOT, Settings
from lab.skills.routes import ROUTERS as SKILL_ROUTERS
from lab.visits.routes import ROUTERS as VISIT_ROUTERS
from lab.visits.services import closing_loop as visits_closing_loop
from lab.wiring import wire
from lab.workshops.reminders import reminder_loop
from lab.workshops.routes import ROUTERS as WORKSHOP_ROUTERS

CSRF_HEADER = "x-csrftoken"
API_DESCRIPTION = (
    "The JSON API of a Mission locale 2.0 lab. Under /api/: visitors, passes, resources and "
    "bookings, workshop modules, sessions and enrolments, a session's attendance, visits, and "
    "the staff member's own calendar (lists a page at a time, with limit and offset, over a "
    "period from one day to another), for staff, with the session cookie of a signed-in staff "
    "member (lab_session) "
    "and, on POST and PUT, the CSRF token (the lab_csrf cookie and the same value in the "
    "x-csrftoken header). Under /kiosk/api/: a paired tablet's check-ins, with its device "
    "cookie (lab_kiosk) and the same CSRF token. Every refusal is JSON: {code, message} and, "
    "for input to fix, field_errors."
)
# Gzip what never changes between users (scripts, styles, the QR decoder, the kiosk's worker):
# a cheap tablet on a poor network downloads a third of it. Pages stay uncompressed: they carry
# CSRF tokens next to reflected input, the mix that compression attacks (BREACH) feed on.
STATIC_COMPRESSION = DefineMiddleware(
    CompressionMiddleware, config=CompressionConfig(backend="gzip", gzip_compress_level=6)
)

# No script, style, font or frame from anywhere but this server: labs work offline, and a
# shared tablet must not leak what is typed on it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


class SecurityHeadersMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                    b"permissions-policy": b"camera=(self), microphone=(), geolocation=()",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                if not scope["path"].startswith("/static/") and b"cache-control" not in names:
                    # Pages carry personal data: never keep them in a shared tablet's cache.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await next_app(scope, receive, send_with_headers)


def _channels(settings: Settings) -> ChannelsPlugin:
    """Live events between the server and open pages: in this process, or through Redis so
    that an event raised by one worker reaches pages served by another."""
    if settings.redis_url:
        from redis.asyncio import Redis

        # Pub/sub ignores Redis database numbers: the prefix keeps labs sharing a server apart.
        database = urlsplit(settings.redis_url).path.strip("/") or "0"
        backend = RedisChannelsPubSubBackend(
            redis=Redis.from_url(settings.redis_url), key_prefix=f"lab-{database}"
        )
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


def _store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="lab")
    return MemoryStore()


def settings_state(settings: Settings, store: Store | None = None) -> dict[str, object]:
    """What ``app.state`` holds that follows the settings: them, the store, and the sessions and
    login counts kept in it. (The test suite builds one app per worker and swaps these per test.)
    """
    store = store or _store(settings)
    return {
        "settings": settings,
        "store": store,
        "sessions": SessionManager(store, settings),
        "login_throttle": LoginThrottle(store, settings),
    }


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    pool: bool = True,
    background_jobs: bool = True,
) -> Litestar:
    """The lab application.

    ``pool=False`` makes PostgreSQL open a connection per query, for callers (tests) that also
    query the engine from another event loop than the app's. ``background_jobs=False`` leaves
    releasing unclaimed bookings and sending mail to the caller (tests with a fixed clock).
    """
    settings = settings or Settings.from_env()
    engine = engine or db.engine_for(settings)
    db.bind_tables(engine)
    wire(settings)
    store = _store(settings)
    channels = _channels(settings)

    stop_background = asyncio.Event()
    background: list[asyncio.Task] = []

    async def startup() -> None:
        if pool:
            await db.start(engine, wait_seconds=settings.db_wait_seconds)
        # What start-up made (routes, tables, templates) lives as long as the process: out of
        # the garbage collector's sight, its full collections stay short (no stall of every
        # request in flight on a busy morning).
        gc.collect()
        gc.freeze()
        events.plug(lambda channel, data: channels.publish(data, channels=[channel]))
        if background_jobs:
            # Unclaimed bookings are released and mail is sent in-process: no cron to forget.
            background.append(asyncio.create_task(release_loop(stop_background)))
            background.append(asyncio.create_task(mail.delivery_loop(settings, stop_background)))
            background.append(asyncio.create_task(reminder_loop(stop_background)))
            background.append(asyncio.create_task(booking_reminder_loop(stop_background)))
            # Visits nobody ended are ended when their site closes.
            background.append(asyncio.create_task(visits_closing_loop(stop_background)))
            # Audit entries, kiosk scans and sent mail past their retention go once a day.
            background.append(asyncio.create_task(retention_loop(settings, stop_background)))

    async def shutdown() -> None:
        events.plug(None)
        stop_background.set()
        for task in background:
            await task
        if pool:
            await db.stop(engine)
        if isinstance(store, RedisStore):
            await store._redis.aclose()

    return Litestar(
        route_handlers=[
            public_router,
            auth_router,
            home_router,
            reports_router,
            network_report_router,
            visitors_router,
            visitor_data_router,
            admin_router,
            api_router,
            *BOOKING_ROUTERS,
            *WORKSHOP_ROUTERS,
            *ATTENDANCE_ROUTERS,
            *VISIT_ROUTERS,
            *SKILL_ROUTERS,
            *NETWORK_ROUTERS,
            *KIOSK_ROUTERS,
            me_router,
            pass_landing_router,
            create_static_files_router(
                path="/static",
                directories=[PROJECT_ROOT / "static"],
                name="static",
                cache_control=None,
                include_in_schema=False,
                middleware=[STATIC_COMPRESSION],
            ),
        ],
        middleware=[SecurityHeadersMiddleware(), StaffSessionMiddleware()],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="lab_csrf",
            header_name=CSRF_HEADER,
            cookie_secure=settings.cookie_secure,
            cookie_samesite="strict",
            exclude=["/static", "/health"],
        ),
        # Days and moments are checked against lab's bounds wherever they are read.
        type_decoders=TYPE_DECODERS,
        # No file parts, JSON bombs or non-UTF-8 forms reach a handler.
        before_request=check_body,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        plugins=[HTMXPlugin(), channels, LabSchemaPlugin()],
        # The OpenAPI document is the JSON API's (see lab.core.api), nothing else: no route is in
        # it unless its router or handler says include_in_schema=True, so a new page never is.
        include_in_schema=False,
        openapi_config=OpenAPIConfig(
            title="lab API",
            version=__version__,
            path="/api/schema",
            openapi_router=_schema_router(settings),
            render_plugins=[JsonRenderPlugin()],
            description=API_DESCRIPTION,
            components=Components(security_schemes=SECURITY_SCHEMES),  # type: ignore[arg-type]
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # handle_unexpected logs them without request data
        ),
        on_startup=[startup],
        on_shutdown=[shutdown],
        state=State(
            {
                **settings_state(settings, store),
                "engine": engine,
                "jinja": build_jinja(reload_templates=settings.debug),
                "channels": channels,
            }
        ),
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )


def _schema_router(settings: Settings) -> Router:
    """Where the OpenAPI document is served. In production it maps every operation of the JSON
    API for whoever asks, so only staff read it; in development (``LAB_DEBUG``) it stays open
    for the people writing clients."""
    guards = [] if settings.debug else [require_role(*STAFF_ROLES)]
    return Router(path="/api/schema", route_handlers=[], guards=guards, include_in_schema=False)


def app_factory() -> Litestar:
    """For ``uvicorn --factory lab.app:app_factory``."""
    logging.basicConfig(level=logging.INFO)
    return create_app()
