"""Every page of the app as each principal who may open it, with real rows behind every parameter.

Each GET route of the app's route table is opened by everyone its guards let in (the four staff
roles, a paired tablet with and without a visitor's visit, a visitor's phone, anyone for public
pages), with real rows behind its ids; then the pages only an action shows (messages after it,
refusals, forms sent back with errors, error pages). The tests that read every page (valid HTML,
French typography) take them from here and keep only their own check.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from litestar import Litestar
from litestar.response import Stream
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from lab.accounts import passes
from lab.attendance import selfcheck
from lab.attendance import services as attendance
from lab.bookings import assets, feeds, loans
from lab.bookings import services as bookings
from lab.bookings.assets import AssetInput
from lab.bookings.loans import LendInput
from lab.bookings.services import Wanted
from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from lab.skills import services as skills
from lab.skills.forms import ModuleSkills, Ticks
from lab.visits import services as visits
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL
from tests.helpers import login
from tests.me.factories import PIN, sign_in, visitor_with_pass
from tests.network.pages_lab import build_network
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

STAFF = {"admin": "camille", "network_manager": "nadia", "manager": "julien", "facilitator": "awa"}
TABLET, VISITING, PHONE, ANYONE = "tablet", "tablet with a visit", "visitor's phone", "anyone"
EVERYONE = frozenset({*STAFF.values(), TABLET, VISITING, PHONE, ANYONE})
NOW = at(10)  # Tuesday 1 December 2026, 10:00 in Saint-Denis: a session is running
PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
CARDS = ("/visitors/{visitor_id:int}/pass/card.png", "/visitors/{visitor_id:int}/pass/card.pdf")

# Pages only an action shows: (who, method, path, form, status). Each surface has its own look.
# {names} in the path are filled with the world's ids.
ACTION_PAGES = [
    ("julien", "GET", "/reports?view=funder&period=year", None, 200),
    ("julien", "GET", "/reports?period=custom&first=2026-11-30&last=2026-11-01", None, 422),
    ("awa", "GET", "/reports/rows/attendances?period=year", None, 200),
    ("julien", "GET", "/visitors/{visitor_id}/pass?done=pass_replaced", None, 200),
    ("julien", "GET", "/visitors/{visitor_id}?done=pin_reset", None, 200),
    ("awa", "GET", "/visitors/{visitor_id}/timeline?kind=booking&period=30", None, 200),
    ("julien", "GET", "/visitors/{visitor_id}/timeline?kind=certificate", None, 200),
    ("julien", "GET", "/bookings?view=week", None, 200),
    ("julien", "GET", "/bookings/{booking_id}?done=cancelled", None, 200),
    ("julien", "GET", "/workshops/{module_id}?done=created", None, 200),
    ("awa", "GET", "/visitors/999999", None, 404),
    ("julien", "GET", "/visitors/999999", None, 404),
    ("awa", "GET", "/no-such-page", None, 404),
    ("julien", "GET", "/no-such-page", None, 404),
    ("awa", "GET", "/admin/sites", None, 403),
    ("awa", "POST", "/visitors", {}, 422),
    ("julien", "POST", "/visitors", {}, 422),
    ("awa", "POST", "/bookings", {}, 422),
    ("julien", "POST", "/bookings", {}, 422),
    ("camille", "POST", "/admin/users", {}, 422),
    ("camille", "POST", "/admin/sites", {}, 422),
    ("julien", "POST", "/workshops/new", {}, 422),
    ("julien", "POST", "/resources", {}, 422),
    ("julien", "POST", "/kiosks", {}, 422),
    ("awa", "POST", "/visits/sites/{site_id}/anonymous", {}, 422),
    ("awa", "POST", "/visits/desk/sites/{site_id}/scan", {}, 422),
    (
        "awa",
        "POST",
        "/visits/desk/sites/{site_id}/scan",
        {"nonce": "desk-scan-refused-1", "code": "ZZZZ-ZZZZ"},
        409,
    ),
    ("camille", "GET", "/admin/visit-purposes/{site_id}?done=saved", None, 200),
    ("camille", "POST", "/admin/visit-purposes/{site_id}", {}, 422),
    ("julien", "POST", "/network/partners/new", {}, 422),
    ("julien", "POST", "/network/meetings/new", {}, 422),
    ("julien", "POST", "/network/actions", {}, 422),
    ("julien", "POST", "/network/partners/import", {}, 422),
    ("julien", "POST", "/network/contacts/{contact_id}/pass", {}, 200),
    ("julien", "GET", "/network/partners/{partner_id}?done=created", None, 200),
    ("julien", "GET", "/network/meetings/{meeting_id}?done=created", None, 200),
    ("julien", "GET", "/network/actions/{action_id}?done=module", None, 200),
    ("awa", "POST", "/visitors/{visitor_id}/referrals", {"need": "job"}, 422),
    (ANYONE, "POST", "/login", {"email": "nobody@lab.test", "password": "x"}, 422),
    (ANYONE, "GET", "/p/" + "x" * 43, None, 404),
    (ANYONE, "GET", "/me/start", None, 200),
    (ANYONE, "POST", "/me/sign-in", {"from": "start", "code": "ZZZZ-ZZZZ", "pin": "0000"}, 422),
    (TABLET, "GET", "/kiosk", None, 200),
    (TABLET, "POST", "/kiosk/signup", {}, 422),
    (TABLET, "POST", "/kiosk/identify", {"code": "ZZZZ-ZZZZ", "pin": "0000"}, 422),
    (TABLET, "GET", "/kiosk/workshops/999999", None, 404),
    (VISITING, "GET", "/kiosk/mine/bookings/999999/cancel", None, 404),
    (PHONE, "GET", "/me/enrolments/999999/cancel", None, 404),
]


@dataclass
class Page:
    label: str  # "path as who", or "METHOD path as who (status)" for an action's page
    who: str
    html: bytes

    @property
    def text(self) -> str:
        return self.html.decode()


@dataclass
class Pages:
    """The HTML pages, and the answers left out because they are not documents, by kind."""

    pages: list[Page] = field(default_factory=list)
    left_out: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    clients: dict[str, AsyncTestClient] = field(default_factory=dict)  # who -> their client


def get_routes(app: Litestar):
    for route in app.routes:
        if isinstance(route, HTTPRoute) and not route.path.startswith("/static"):
            for handler in route.route_handlers:
                if "GET" in handler.http_methods:
                    yield route.path, handler


def streams(handler) -> bool:
    """An event stream never ends: its type says so before any request is made."""
    answer = handler.parsed_fn_signature.return_type.annotation
    return isinstance(answer, type) and issubclass(answer, Stream)


def audience(handler) -> list[str]:
    roles = {role for guard in handler.resolve_guards() for role in getattr(guard, "lab_roles", ())}
    if not roles:
        return [ANYONE]
    if "kiosk" in roles:
        return [TABLET, VISITING]
    if "visitor" in roles:
        return [PHONE]
    return [persona for role, persona in STAFF.items() if role in roles]


async def build_world(cast) -> dict:
    """Real rows behind every id a page takes, at Saint-Denis, where all four staff work. Names
    and titles carry no punctuation: what is read is the app's text, not what staff type."""
    site = cast.saint_denis
    julien, awa = await cast.principal("julien"), await cast.principal("awa")
    holder = await visitor_with_pass(site, "Inès", last_name="Benali")
    yanis = await make_visitor(site, "Yanis", "Martin")
    pool = await make_resource(
        site, "Tablettes", units=3, kind="tablet_pool", kiosk_self_service=True
    )
    await make_resource(
        site, "Studio", needs_approval=True, required_skill="studio", skill_lapse_months=6
    )
    tagged = await assets.create_assets(julien, pool.id, AssetInput(count=3))
    await loans.lend(awa, LendInput(code=holder.short_code, tag=tagged[0].tag))
    booking = await bookings.book(
        awa, Wanted(pool.id, at(14), at(15), visitor_id=holder.visitor.id)
    )
    module = await make_module(
        site, "Atelier CV", capacity=2, self_enrol=True, completion_percent=50
    )
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    await make_session(module, at(10, day=TUESDAY + dt.timedelta(days=7)))
    enrolled = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=holder.visitor.id))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    late = await make_visitor(site, "Malik", "Diallo")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=late.id))  # waiting list
    for person in (holder.visitor, yanis):
        await attendance.check_in(
            attendance.Scan(
                by=awa,
                session_id=session.id,
                nonce=str(uuid.uuid4()),
                method="staff",
                visitor_id=person.id,
            )
        )
    # Two people in the lab now: one by name, one anonymous.
    await visits.open_visit(
        awa,
        site_id=site.id,
        purpose="wifi",
        nonce=str(uuid.uuid4()),
        at=at(9, 30),
        visitor_id=late.id,
    )
    await visits.open_visit(
        awa,
        site_id=site.id,
        purpose="games",
        nonce=str(uuid.uuid4()),
        at=at(9, 45),
        age_band="18_21",
    )
    # What the workshop teaches, a facilitator's tick at its session, and the badge it earned.
    await skills.set_module_skills(
        julien, module.id, ModuleSkills(teaches=["email-use", "wifi"], grants=["wifi"])
    )
    observed = await skills.observe(
        awa, session.id, Ticks(tick=[f"{holder.visitor.id}:wifi:on_my_own"])
    )
    badge = observed.badges[0]
    drop_in = await make_module(site, "Café numérique", enrolment="drop_in", self_enrol=True)
    drop_in_session = await make_session(drop_in, at(16, day=TUESDAY + dt.timedelta(days=1)))
    # A tablet still waiting to be paired: its pairing page shows the code.
    waiting, _code = await devices.create_device(julien, site.id, "Tablette accueil")
    feed = await feeds.create_feed(julien, "resource", pool.id)
    network = await build_network(cast, holder.visitor)
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
            "day": (TUESDAY + dt.timedelta(days=1)).isoformat(),
            "start": "1600",
            "code": selfcheck.current_code(session.checkin_secret, session.id),
            "path": "openapi.json",
            **network,
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
            "/attendance/sessions/{session_id:int}/sign/{visitor_id:int}": {"visitor_id": yanis.id},
            "/reports/rows/{kind:str}": {"kind": "participants"},
            "/admin/skills/{code:str}/edit": {"code": "wifi"},
            "/kiosk/skills/{code:str}": {"code": "wifi"},
            "/badges/status/{number:int}": {"number": 1},
            "/badges/{filename:str}": {"filename": badge},
            "/me/badges/{filename:str}": {"filename": f"{badge}.png"},
            "/reports/files/{what:str}/{fmt:str}": {"what": "dashboard", "fmt": "csv"},
            "/reports/network/files/{fmt:str}": {"fmt": "xlsx"},
            **{route: {"visitor_id": yanis.id} for route in CARDS},
        },
        # A card prints only in the session of whoever just issued it.
        "before": {route: f"/visitors/{yanis.id}/pass" for route in CARDS},
    }


def fill(path: str, world: dict) -> str:
    values = {**world["ids"], **world["by_route"].get(path, {})}

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"no real value for {{{name}}} in {path}: add one to build_world"
        return str(values[name])

    return PARAMETER.sub(value, path)


async def open_clients(app: Litestar, cast, world: dict, anyone) -> dict[str, AsyncTestClient]:
    """One client (one cookie jar) for each who. The app runs once, under the ``client``
    fixture (``anyone``): the others only carry cookies to it."""

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


async def every_page(app: Litestar, cast, anyone: AsyncTestClient) -> Pages:
    """Every HTML page of the app, as each who may open it, at NOW. Fails if a page does not
    render with real ids, or if a whole surface was never reached."""
    freeze(NOW)
    world = await build_world(cast)
    clients = await open_clients(app, cast, world, anyone)
    found = Pages(clients=clients)
    not_rendered: list[str] = []
    for route_path, handler in get_routes(app):
        if streams(handler):
            found.left_out["event stream"].add(route_path)
            continue
        path = fill(route_path, world)
        for who in audience(handler):
            if route_path in world["before"]:
                await clients[who].post(world["before"][route_path])
            response = await clients[who].get(path)
            kind = response.headers.get("content-type", "").split(";")[0]
            if response.is_redirect:
                found.left_out["redirect"].add(f"{route_path} ({who})")
            elif kind != "text/html":
                found.left_out[kind].add(route_path)
            elif response.status_code != 200:
                not_rendered.append(f"{path} as {who}: {response.status_code}")
            else:
                found.pages.append(Page(f"{path} as {who}", who, response.content))
    for who, method, path, form, status in ACTION_PAGES:
        url = path.format(**world["ids"])
        response = await clients[who].request(method, url, data=form)
        assert response.status_code == status, f"{method} {url} as {who}: {response.status_code}"
        assert "text/html" in response.headers.get("content-type", ""), f"{method} {url}"
        found.pages.append(Page(f"{method} {url} as {who} ({status})", who, response.content))

    assert not not_rendered, "pages that did not render with real ids:\n" + "\n".join(not_rendered)
    # Every surface was looked at: a broken sign-in would leave whole surfaces out unnoticed.
    assert {page.who for page in found.pages} >= EVERYONE
    return found
