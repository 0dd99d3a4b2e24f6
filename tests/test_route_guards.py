"""Every route is either on the explicit public list or guarded by a role."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from lab.app import create_app
from lab.settings import Settings
from tests.conftest import SECRET
from tests.helpers import login

# (method, path) pairs anyone may call. Keep this list short and explained.
PUBLIC = {
    ("GET", "/login"),  # the login form
    ("POST", "/login"),
    ("POST", "/logout"),  # ends whatever session the cookie names; harmless without one
    ("POST", "/language"),  # switching language before login
    ("GET", "/p/{token:str}"),  # a scanned pass: asks for the PIN, shows nothing personal
    # Signing in to the visitor's space on their phone: the pass (scanned or its short code)
    # plus the PIN is the key; wrong PINs are limited per pass. The start page has no data.
    ("GET", "/me/start"),
    ("POST", "/me/sign-in"),
    ("GET", "/health"),
    # The lab's icon, asked for by every browser on every site: the same for everyone.
    ("GET", "/favicon.ico"),
    # A subscribed calendar has no session: the unguessable, revocable token is the key.
    ("GET", "/feeds/{filename:str}"),
    # Self check-in on a visitor's own phone: the projected QR's rotating code (or the form
    # token it gives) is the key, the visitor's short code says who; wrong codes are limited.
    ("GET", "/c/{session_id:int}"),  # "scan the screen": no data
    ("GET", "/c/{session_id:int}/{code:str}"),
    ("POST", "/c/{session_id:int}"),
    # Pairing a tablet: the one-time code (valid 15 minutes, only its hash stored) is the key.
    ("GET", "/kiosk/pair"),
    ("POST", "/kiosk/pair"),
    # The kiosk's service worker and offline queue: JavaScript sources, the same for everyone,
    # no data (a service worker's script must load before the tablet is known).
    ("GET", "/kiosk/sw.js"),
    ("GET", "/kiosk/queue.js"),
    # A badge's public side, for anyone the holder shows it to (no name, no e-mail: only the
    # skill, the issuer and a hashed identity), and what Open Badges verifiers fetch.
    ("GET", "/badges/{filename:str}"),  # the verification page (and its .json, its .png image)
    ("GET", "/badges/issuer"),  # the issuer's profile
    ("GET", "/badges/keys.json"),  # the issuer's public keys
    ("GET", "/badges/status/{number:int}"),  # the revocation status list
    ("GET", "/badges/verify"),  # check a badge file or text: a form, no data
    ("POST", "/badges/verify"),  # answers only about the credential sent
    # Not here: the API's description (OpenAPI, /api/schema…). It holds no data, but it maps
    # every operation for whoever asks, so in production only staff read it; it is open only
    # in development (LAB_DEBUG), see test_the_api_schema_is_for_staff_in_production.
}
PUBLIC_PREFIXES = ("/static",)
# Where a surface sends someone without a session (staff pages: /login).
SIGN_IN_PAGE_OF = {"/me": "/me/start", "/kiosk": "/kiosk/pair"}


def _app(tmp_path) -> Litestar:
    settings = Settings.from_env(
        {"LAB_DATA_DIR": str(tmp_path), "LAB_SECRET_KEY": SECRET},
    )
    return create_app(settings)


def _routes(app: Litestar):
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                # Litestar answers OPTIONS itself with the allowed methods: no data, no action.
                if method != "OPTIONS":
                    yield method, route.path, handler


def test_every_route_is_public_on_purpose_or_guarded_by_a_role(tmp_path):
    unguarded = []
    for method, path, handler in _routes(_app(tmp_path)):
        if path.startswith(PUBLIC_PREFIXES) or (method, path) in PUBLIC:
            continue
        roles = [getattr(guard, "lab_roles", None) for guard in handler.resolve_guards()]
        if not any(roles):
            unguarded.append(f"{method} {path}")
    assert not unguarded, f"routes with no role guard and not on the public list: {unguarded}"


def test_the_public_list_names_only_routes_that_exist(tmp_path):
    existing = {(method, path) for method, path, _ in _routes(_app(tmp_path))}
    assert PUBLIC - existing == set()


def _sample_path(path: str) -> str:
    """A concrete path for a route template: a real-looking value of each parameter's type."""
    path = re.sub(r"\{[^}:]+:date\}", "2026-12-01", path)
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_anonymous_visitors_are_sent_to_login_from_every_staff_page(app, client):
    for method, path, _handler in _routes(app):
        if method != "GET" or path.startswith(PUBLIC_PREFIXES) or (method, path) in PUBLIC:
            continue
        response = await client.get(_sample_path(path))
        if path.startswith("/api"):
            assert response.status_code == 401, path
        else:
            expected = next(
                (
                    page
                    for prefix, page in SIGN_IN_PAGE_OF.items()
                    if path == prefix or path.startswith(f"{prefix}/")
                ),
                "/login",
            )
            assert response.status_code == 303, path
            assert response.headers["location"].startswith(expected), path


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sites",
        "/admin/users",
        "/admin/audit",
        "/admin/sites/new",
        "/admin/users/new",
        "/admin/data-register",
        "/admin/data-register.csv",
        "/admin/data-register.json",
    ],
)
async def test_a_facilitator_gets_403_on_admin_pages(client, cast, path):
    await login(client, cast.email("awa"))
    response = await client.get(path)
    assert response.status_code == 403
    assert "Vous n&#39;avez pas accès à cette page." in response.text


async def test_a_manager_cannot_post_to_admin_routes_either(client, cast):
    await login(client, cast.email("julien"))
    response = await client.post(
        "/admin/sites", data={"name": "X", "slug": "x", "timezone": "Europe/Paris"}
    )
    assert response.status_code == 403


# A refusal of a request that carries no staff session: the login page (staff pages), the
# visitor's sign-in page (/me), or a plain 401/403 (API, or a guard that says no).
SIGN_IN_PAGES = ("/login", "/me/start")


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith(SIGN_IN_PAGES)


async def _paired_tablet(cast) -> tuple[int, str]:
    from lab.kiosk import devices

    manager = await cast.principal("julien")
    device, code = await devices.create_device(manager, cast.saint_denis.id, "Tablette")
    _, credential = await devices.pair(code)
    return device.id, credential


async def test_a_kiosk_credential_is_refused_on_every_staff_route(app, client, cast):
    """A tablet is a principal, not a user: its credential opens kiosk routes only. The cookie
    is sent by hand on every route (its real path, /kiosk, keeps browsers from sending it
    elsewhere at all), with a valid CSRF token so that the guards, not CSRF, answer."""
    _, credential = await _paired_tablet(cast)
    await client.get("/login")
    csrf = client.cookies["lab_csrf"]
    headers = {"Cookie": f"lab_kiosk={credential}; lab_csrf={csrf}", "x-csrftoken": csrf}
    tried, accepted = 0, []
    for method, path, handler in _routes(app):
        if path.startswith(PUBLIC_PREFIXES) or (method, path) in PUBLIC:
            continue
        roles = [getattr(guard, "lab_roles", None) for guard in handler.resolve_guards()]
        if ("kiosk",) in roles:
            continue
        response = await client.request(method, _sample_path(path), headers=headers)
        tried += 1
        if not _refused(response):
            accepted.append(f"{method} {path} -> {response.status_code}")
    assert not accepted, f"a kiosk credential was not refused on: {accepted}"
    assert tried > 100  # every staff, API and /me route was tried


async def test_a_revoked_devices_next_request_is_refused(client, cast):
    from lab.kiosk import devices

    device_id, credential = await _paired_tablet(cast)
    headers = {"Cookie": f"lab_kiosk={credential}"}
    assert (await client.get("/kiosk", headers=headers)).status_code == 200
    await devices.revoke(await cast.principal("julien"), device_id)
    refused = await client.get("/kiosk", headers=headers)
    assert refused.status_code == 303 and refused.headers["location"] == "/kiosk/pair"


SCHEMA_PATHS = ("/api/schema/openapi.json", "/api/schema/openapi.yaml", "/api/schema")


async def test_the_api_schema_is_for_staff_in_production(client, cast):
    for path in SCHEMA_PATHS:
        assert (await client.get(path)).status_code == 401, path
    await login(client, cast.email("awa"))
    document = await client.get("/api/schema/openapi.json")
    assert document.status_code == 200
    assert "/api/visitors" in document.json()["paths"]


async def test_the_api_schema_is_open_to_anyone_in_development(tmp_path, database_url, engine):
    from litestar.testing import AsyncTestClient

    from tests.conftest import BASE_URL, make_settings

    settings = make_settings(tmp_path, database_url, debug=True)
    app = create_app(settings, engine=engine, pool=False, background_jobs=False)
    async with AsyncTestClient(app, base_url=BASE_URL) as anyone:
        document = await anyone.get("/api/schema/openapi.json")
        assert document.status_code == 200
        assert "/api/visitors" in document.json()["paths"]
    guards = {path: handler.resolve_guards() for _, path, handler in _routes(app)}
    assert guards["/api/schema/openapi.json"] == []
