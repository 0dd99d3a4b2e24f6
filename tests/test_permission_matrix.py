"""Who may call what: every route of the app, for each of the seven principals, has an expected
outcome written below, and the app is held to it on both engines.

The principals: anyone (no session), a paired kiosk tablet (no visitor at it), a visitor on their
phone (``/me``, signed in with pass and PIN), and the four staff roles (facilitator, manager of
one site, network manager, admin), in the lab of tests/pages.py at Saint-Denis, where the
facilitator and the manager work. Each GET is sent with real ids; each POST/PUT with an empty
body, which proves the guard: a refused principal gets its refusal, an allowed one anything else
but never a 500. Then the object-level checks: ids of another site's rows, asked for by the
first site's staff, are refused (403/404), while the network manager and the admin get them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lab.accounts import passes
from lab.accounts.tables import Role
from lab.app import create_app
from lab.attendance import services as attendance
from lab.attendance.tables import ScanEvent
from lab.bookings import assets, loans
from lab.bookings import services as bookings
from lab.bookings.assets import AssetInput
from lab.bookings.loans import LendInput
from lab.bookings.services import Wanted
from lab.bookings.tables import Closure
from lab.core import db, i18n
from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from lab.skills import config as skills_config
from lab.skills.catalogue import load_shipped
from lab.visits import services as visits
from lab.visits.tables import Visit
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze, make_resource
from tests.conftest import BASE_URL, _empty_postgres, make_settings, report_figure
from tests.helpers import login
from tests.me.factories import PIN, sign_in, visitor_with_pass
from tests.pages import (
    ANYONE,
    NOW,
    PARAMETER,
    PHONE,
    TABLET,
    VISITING,
    build_world,
    fill,
    streams,
)
from tests.personas import create_cast
from tests.test_route_guards import _app, _routes
from tests.workshops.factories import make_module, make_session

# -- outcomes -------------------------------------------------------------------------------

# Let through: a GET answers 2xx or 3xx (not to a sign-in page), a POST anything but a refusal
# (an empty form's 422, a state's 409…); never a 500.
OK = "ok"
LOGIN = "→ /login"  # staff sign-in page (303)
START = "→ /me/start"  # the visitor's sign-in page on their phone (303)
PAIR = "→ /kiosk/pair"  # a tablet that is not paired (303)
IDENTIFY = "→ /kiosk/identify"  # a paired tablet with no visitor at it (303)
E401 = "401"  # JSON API without a session
E403 = "403"  # signed in, but not with a role that may
REFUSALS = {LOGIN, START, PAIR, IDENTIFY, E401, E403}

# The seven principals, in the order of the table's columns.
PRINCIPALS = ("anyone", "tablet", "visitor", "facilitator", "manager", "network", "admin")
# Who each is in the lab of tests/pages.py (its clients' keys).
CLIENT_OF = {
    "anyone": ANYONE,
    "tablet": TABLET,
    "visitor": PHONE,
    "facilitator": "awa",
    "manager": "julien",
    "network": "nadia",
    "admin": "camille",
}

Row = tuple[str, str, str, str, str, str, str]
# anyone  tablet  visitor  facilitator  manager  network  admin
PUBLIC: Row = (OK, OK, OK, OK, OK, OK, OK)
STAFF: Row = (LOGIN, LOGIN, LOGIN, OK, OK, OK, OK)
MANAGERS: Row = (LOGIN, LOGIN, LOGIN, E403, OK, OK, OK)
ADMINS: Row = (LOGIN, LOGIN, LOGIN, E403, E403, E403, OK)
STAFF_API: Row = (E401, E401, E401, OK, OK, OK, OK)
KIOSK: Row = (PAIR, OK, PAIR, PAIR, PAIR, PAIR, PAIR)
KIOSK_VISIT: Row = (PAIR, IDENTIFY, PAIR, PAIR, PAIR, PAIR, PAIR)  # needs a visitor at it
KIOSK_API: Row = (E401, OK, E401, E401, E401, E401, E401)
VISITOR: Row = (START, START, OK, START, START, START, START)
SECOND_STEP: Row = (LOGIN, LOGIN, LOGIN, OK, OK, OK, OK)  # signed-in staff are sent on

# By prefix (the longest that matches wins): "/x" covers "/x" and "/x/…". No catch-all: a route
# under a new prefix has no expected outcome until it is written here.
BY_PREFIX: dict[str, Row] = {
    "/account": STAFF,
    "/admin": ADMINS,
    "/api": STAFF_API,
    "/assets": MANAGERS,
    "/attendance": STAFF,
    "/badges": PUBLIC,  # a badge's public side, the issuer, its keys and status list
    "/bookings": STAFF,
    "/c": PUBLIC,  # self check-in on a phone: the projected rotating code is the key
    "/feeds": PUBLIC,  # a calendar feed: its unguessable, revocable token is the key
    "/kiosk": KIOSK,
    "/kiosk/api": KIOSK_API,
    "/kiosk/mine": KIOSK_VISIT,
    "/kiosk/skills": KIOSK_VISIT,
    "/kiosks": MANAGERS,  # tablets: pairing, editing and revoking them
    "/loans": STAFF,
    "/login": SECOND_STEP,
    "/me": VISITOR,
    "/network": STAFF,  # partners, network meetings, their actions, referrals
    "/p": PUBLIC,  # a scanned pass: asks for the PIN, shows nothing personal
    "/reports": STAFF,
    "/resources": MANAGERS,
    "/skills": STAFF,
    "/static": PUBLIC,
    "/visitors": STAFF,
    "/visits": STAFF,
    "/workshops": STAFF,
}

# Exceptions to the prefixes: "METHOD path", or "path" for every method of it.
BY_ROUTE: dict[str, Row] = {
    "/": STAFF,  # the dashboard
    "/health": PUBLIC,
    "/favicon.ico": PUBLIC,
    "/login": PUBLIC,  # the form (signed-in staff are sent on), and sending it
    "POST /logout": (LOGIN,) * 7,  # ends whatever session there is, then the login page
    "POST /language": PUBLIC,  # before login too
    "POST /c/{session_id:int}": (E403,) * 7,  # no rotating code sent: refused for everyone
    # The tablet's door and the files its browser loads before it is known.
    "/kiosk/pair": PUBLIC,
    "GET /kiosk/sw.js": PUBLIC,
    "GET /kiosk/queue.js": PUBLIC,
    # What a tablet offers once a visitor has shown their pass (and PIN) at it.
    "/kiosk/book/{resource_id:int}/{day:date}/{start:str}": KIOSK_VISIT,
    "/kiosk/workshops/{module_id:int}/enrol": KIOSK_VISIT,
    "/kiosk/workshops/{module_id:int}/{session_id:int}/enrol": KIOSK_VISIT,
    # The phone's door: no session yet; signing out ends in front of it.
    "GET /me/start": PUBLIC,
    "POST /me/sign-in": PUBLIC,
    "POST /me/sign-out": (START,) * 7,
    # Offline scans to review: any staff member of the site.
    "/kiosks/sync": STAFF,
    "POST /kiosks/sync/{scan_id:int}": STAFF,
    # Managers only, in the staff's prefixes: the programme, feeds of a module, what a module
    # teaches, revoking a badge, approvals, closing a month, the network's report, a
    # visitor's data file and erasure.
    "/workshops/new": MANAGERS,
    "/workshops/{module_id:int}/edit": MANAGERS,
    "POST /workshops/partners": MANAGERS,
    "POST /workshops/{module_id:int}/sessions": MANAGERS,
    "POST /workshops/sessions/{session_id:int}/move": MANAGERS,
    "POST /workshops/sessions/{session_id:int}/cancel": MANAGERS,
    "/workshops/{module_id:int}/feed": MANAGERS,
    "POST /workshops/{module_id:int}/feed/revoke": MANAGERS,
    "/skills/modules/{module_id:int}/edit": MANAGERS,
    "POST /visitors/{visitor_id:int}/badges/{public_id:str}/revoke": MANAGERS,
    "POST /bookings/{booking_id:int}/approve": MANAGERS,
    "POST /bookings/{booking_id:int}/refuse": MANAGERS,
    "POST /reports/close": MANAGERS,
    "GET /reports/network": MANAGERS,
    "GET /reports/network/files/{fmt:str}": MANAGERS,
    "/network/partners/new": MANAGERS,
    "/network/partners/{partner_id:int}/edit": MANAGERS,
    "/network/partners/import": MANAGERS,
    "/network/meetings/new": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/themes": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/invite": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/minutes": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/minutes/send": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/decisions": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/cancel": MANAGERS,
    "GET /network/actions/new": MANAGERS,
    "POST /network/actions": MANAGERS,
    "POST /network/actions/{action_id:int}/move": MANAGERS,
    "POST /network/actions/{action_id:int}/module": MANAGERS,
    "POST /network/actions/{action_id:int}/edit": MANAGERS,
    "POST /network/meetings/{meeting_id:int}/edit": MANAGERS,
    "POST /network/contacts/{contact_id:int}/pass": MANAGERS,
    "POST /network/contacts/{contact_id:int}/remove": MANAGERS,
    "GET /visitors/{visitor_id:int}/data": MANAGERS,
    "GET /visitors/{visitor_id:int}/data.zip": MANAGERS,
    "/visitors/{visitor_id:int}/erase": MANAGERS,
}


def expected_row(method: str, path: str) -> Row | None:
    for key in (f"{method} {path}", path):
        if key in BY_ROUTE:
            return BY_ROUTE[key]
    prefixes = [p for p in BY_PREFIX if path == p or path.startswith(p.rstrip("/") + "/")]
    return BY_PREFIX[max(prefixes, key=len)] if prefixes else None


def app_routes(app: Litestar) -> list[tuple[str, str]]:
    return sorted({(method, path) for method, path, _handler in _routes(app)})


# -- the lab ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Lab:
    app: Litestar
    world: dict
    clients: dict[str, Seat]  # who -> their cookies on the one client
    other: dict[str, int]  # ids of rows at the other site (Brussels)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def matrix_database(request, tmp_path_factory) -> tuple[Path, str]:
    """A data directory and a database for the module (the conftest's are per test)."""
    directory = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        path = directory / "lab.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return directory, f"sqlite:///{path}"
    return directory, request.getfixturevalue("postgres_ready")


@pytest.fixture(scope="module")
async def lab(matrix_database) -> AsyncIterator[Lab]:
    """One app and one lab per engine for the whole module: the lab of tests/pages.py, plus
    what POST-only routes name, plus rows at the other site for the object-level checks."""
    directory, url = matrix_database
    settings = make_settings(directory, url)
    skills_config.configure(settings)
    engine = db.engine_for(settings)
    db.bind_tables(engine)
    if not db.is_sqlite(engine):
        await _empty_postgres(engine)
        await load_shipped()
    i18n.set_language("fr")
    freeze(NOW)
    # Every row first, from the tests' side: once the app runs, its connection pool (on the
    # test client's loop) is the only way to the database. Thousands of requests, each opening
    # its own PostgreSQL connection without a pool, would take minutes.
    cast = await create_cast()
    world = await build_world(cast)
    await _post_only_rows(cast, world)
    other = await _other_site(cast)
    credentials = {}
    for who in (TABLET, VISITING):
        _device, code = await devices.create_device(
            await cast.principal("julien"), cast.saint_denis.id, who
        )
        _device, credentials[who] = await devices.pair(code)
    app = create_app(settings, engine=engine, background_jobs=False)
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        client.follow_redirects = False
        seats = await _open_seats(client, cast, world, credentials)
        yield Lab(app, world, seats, other)
    await db.stop(engine)


class Seat:
    """One principal's cookies and headers on the one test client: with a connection pool,
    the app must be reached through the client that started it (its own event loop)."""

    def __init__(self, client: AsyncTestClient) -> None:
        self.client = client
        self.cookies = httpx.Cookies(client.cookies)
        self.headers = {"x-csrftoken": client.cookies["lab_csrf"]}

    async def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        self.client.cookies = self.cookies
        try:
            return await self.client.request(method, url, headers=self.headers, **kwargs)
        finally:
            self.cookies = httpx.Cookies(self.client.cookies)

    async def get(self, url: str) -> httpx.Response:
        return await self.request("GET", url)

    async def post(self, url: str) -> httpx.Response:
        return await self.request("POST", url, data={})


async def _open_seats(client: AsyncTestClient, cast, world: dict, credentials: dict) -> dict:
    """tests/pages.py's principals, signed in over HTTP only (the tablets paired beforehand).
    The second tablet has a visitor at it only when a test says so (a visit is short)."""

    async def seat(sign_in_as) -> Seat:
        client.cookies.clear()
        client.headers.pop("x-csrftoken", None)
        await sign_in_as()
        if "lab_csrf" not in client.cookies:
            await client.get("/login")
        return Seat(client)

    seats = {ANYONE: await seat(lambda: client.get("/login"))}
    for who in ("awa", "julien", "nadia", "camille"):
        # Managers enrol their second factor on the way.
        seats[who] = await seat(lambda who=who: login(client, cast.email(who)))
    seats[PHONE] = await seat(lambda: sign_in(client, world["holder"]))

    for who in (TABLET, VISITING):

        async def pair(who=who) -> None:
            client.cookies.set(DEVICE_COOKIE, credentials[who], path="/kiosk")
            await client.get("/kiosk/pair")

        seats[who] = await seat(pair)
    client.cookies.clear()
    return seats


SPARE_VISITOR_ROUTES = (
    "/visitors/{visitor_id:int}/pass",
    "/api/visitors/{visitor_id:int}/pass",
    "/visitors/{visitor_id:int}/pin",
    "/visitors/{visitor_id:int}/erase",
)


async def _post_only_rows(cast, world: dict) -> None:
    """Ids that only POST routes name. Staff accounts' routes are aimed at Sofia, who is none
    of the seven: resetting her password or taking her role ends no session of the table."""
    site = cast.saint_denis
    sofia = cast.users["sofia"].id
    grant = await Role.objects().get(Role.user == sofia)
    closure = Closure(site=site.id, day=NOW.date() + dt.timedelta(days=60), label="Formation")
    await closure.save()
    visit = await Visit.select(Visit.id).where(Visit.site == site.id).first()
    scan = await ScanEvent.select(ScanEvent.id).first()
    # What an empty POST may still do to a visitor (a new pass, a new PIN, an erasure) is
    # done to someone the phone and the tablet do not sign in as.
    spare = await visitor_with_pass(site, "Nora", last_name="Petit")
    for route in SPARE_VISITOR_ROUTES:
        world["by_route"][route] = {"visitor_id": spare.visitor.id}
    world["ids"].update(
        user_id=sofia,
        grant_id=grant.id,
        closure_id=closure.id,
        visit_id=visit["id"],
        scan_id=scan["id"],
        public_id=world["by_route"]["/badges/{filename:str}"]["filename"],
    )


async def _other_site(cast) -> dict[str, int]:
    """The same kinds of rows at Brussels, where none of the first site's staff work."""
    site = cast.brussels
    pieter, sofia = await cast.principal("pieter"), await cast.principal("sofia")
    holder = await visitor_with_pass(site, "Lars", last_name="Maes")
    pool = await make_resource(site, "Tablettes", units=3, kind="tablet_pool")
    tagged = await assets.create_assets(pieter, pool.id, AssetInput(count=2))
    await loans.lend(sofia, LendInput(code=holder.short_code, tag=tagged[0].tag))
    booking = await bookings.book(
        sofia, Wanted(pool.id, at(14), at(15), visitor_id=holder.visitor.id)
    )
    module = await make_module(
        site, "Atelier lettre", capacity=5, self_enrol=True, completion_percent=50
    )
    session = await make_session(module, at(10))
    enrolled = await enrolment.enrol(sofia, module.id, EnrolInput(visitor_id=holder.visitor.id))
    await attendance.check_in(
        attendance.Scan(
            by=sofia,
            session_id=session.id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=holder.visitor.id,
        )
    )
    visit = await visits.open_visit(
        sofia,
        site_id=site.id,
        purpose="wifi",
        nonce=str(uuid.uuid4()),
        at=at(9, 30),
        visitor_id=holder.visitor.id,
    )
    device, _code = await devices.create_device(pieter, site.id, "Tablette Anderlecht")
    closure = Closure(site=site.id, day=NOW.date() + dt.timedelta(days=61), label="Formation")
    await closure.save()
    return {
        "visitor_id": holder.visitor.id,
        "site_id": site.id,
        "resource_id": pool.id,
        "asset_id": tagged[0].id,
        "booking_id": booking.id,
        "module_id": module.id,
        "session_id": session.id,
        "enrolment_id": enrolled.id,
        "visit_id": visit.id,
        "device_id": device.id,
        "closure_id": closure.id,
    }


# -- asking ------------------------------------------------------------------------------------


def outcome(response) -> str:
    """What an answer means for the table: a refusal's kind, or the status."""
    location = response.headers.get("location", "")
    if response.status_code in (301, 302, 303, 307):
        for refusal in (LOGIN, START, PAIR, IDENTIFY):
            if location.startswith(refusal.removeprefix("→ ")):
                return refusal
    return str(response.status_code)


def meets(method: str, expected: str, got: str) -> bool:
    if expected != OK:
        return got == expected
    if got in REFUSALS or got.startswith("5"):
        return False
    return got.startswith(("2", "3")) if method == "GET" else True


# GET routes that need a query to answer at all (a day to show).
QUERIES = {
    "/api/resources/{resource_id:int}/availability": "day={day}",
    "/api/resources/{resource_id:int}/bookings": "day={day}",
}
# The last POSTs sent, in this order: each ends the session (or visit) that sends it.
ENDING = ("POST /kiosk/end", "POST /me/sign-out", "POST /logout")


# Ids of rows the lab of tests/pages.py has none of yet (domains still being built): a number
# no row has stands in, the guard answers before any lookup, and an allowed GET may answer 404.
# Once build_world makes such a row, its real id is used and the name can leave this set.
NO_ROWS_YET = {"partner_id", "meeting_id", "action_id", "referral_id", "contact_id"}


def _fill(method: str, path: str, world: dict) -> tuple[str, bool]:
    """The route with the lab's ids; and whether an id had no row behind it. A POST-only id
    the lab has no row for is a number no row has too (a POST here proves the guard only)."""
    names = {match.group(1) for match in PARAMETER.finditer(path)}
    missing = names - set(world["ids"]) - set(world["by_route"].get(path, {}))
    if method == "GET":
        missing &= NO_ROWS_YET  # any other missing name fails in fill(): add a row for it
    url = fill(path, {**world, "ids": {**world["ids"], **dict.fromkeys(missing, 999999)}})
    if path in QUERIES:
        url += "?" + QUERIES[path].format(**world["ids"])
    return url, bool(missing)


async def ask(lab: Lab, who: str, method: str, path: str) -> str:
    client = lab.clients[CLIENT_OF[who]]
    url, placeholder = _fill(method, path, lab.world)
    if method == "GET" and path in lab.world["before"]:
        await client.post(lab.world["before"][path])  # a card prints just after it is issued
    response = await send(client, method, path, url)
    if placeholder and response.status_code == 404:
        return OK  # let through to the lookup of a row the lab does not have yet
    return outcome(response)


async def send(client: Seat, method: str, path: str, url: str):
    if method == "GET":
        return await client.get(url)
    if path.startswith(("/api", "/kiosk/api")):
        return await client.request(method, url, json={})
    return await client.request(method, url, data={})


# -- the table covers the app -----------------------------------------------------------------


def test_every_route_has_an_expected_outcome_for_each_principal(tmp_path):
    routes = app_routes(_app(tmp_path))
    missing = [f"{method} {path}" for method, path in routes if expected_row(method, path) is None]
    assert not missing, f"routes with no expected outcome in the table: {missing}"
    rows = [*BY_PREFIX.values(), *BY_ROUTE.values()]
    assert all(len(row) == len(PRINCIPALS) for row in rows)
    assert {outcome for row in rows for outcome in row} <= REFUSALS | {OK}


def test_the_table_names_only_routes_that_exist(tmp_path):
    routes = app_routes(_app(tmp_path))
    keys = {f"{method} {path}" for method, path in routes} | {path for _, path in routes}
    unknown = [key for key in BY_ROUTE if key not in keys]
    unknown += [
        prefix
        for prefix in BY_PREFIX
        if not any(path == prefix or path.startswith(f"{prefix}/") for _, path in routes)
    ]
    assert not unknown, f"the table names routes the app does not have: {unknown}"


# -- object-level: another site's rows ---------------------------------------------------------

OBJECT_IDS = {
    "visitor_id",
    "booking_id",
    "session_id",
    "module_id",
    "resource_id",
    "asset_id",
    "enrolment_id",
    "visit_id",
    "device_id",
    "closure_id",
    "site_id",
}
# Who asks for the other site's rows from the first site (its staff, its tablet, a visitor
# of it on their phone, whose rows these are not), and who may read every site.
FIRST_SITE = ("facilitator", "manager", "tablet", "visitor")
NETWORK_WIDE = ("network", "admin")


# Where an empty body is refused before any row is read, a valid one, so that the refusal
# seen is the row's: the other site's visitor to enrol, its site named with its closure, a
# correct record for its visitor.
VALID_BODIES = {
    ("POST", "/api/workshops/{module_id:int}/enrolments"): lambda lab: {
        "json": {"visitor_id": lab.world["ids"]["visitor_id"]}
    },
    ("POST", "/resources/closures/{closure_id:int}/delete"): lambda lab: {
        "data": {"site_id": str(lab.other["site_id"])}
    },
    ("PUT", "/api/visitors/{visitor_id:int}"): lambda lab: {
        "json": {
            "first_name": "Lars",
            "last_name": "Maes",
            "birth_date": "2006-05-17",
            "postcode": "1070",
            "status": "job_seeker",
        }
    },
}


def _engine(lab: Lab) -> str:
    return "sqlite" if db.is_sqlite(lab.app.state.engine) else "postgresql"


def _fill_other(path: str, lab: Lab) -> str:
    """The route with the other site's rows wherever it names an object."""
    world = lab.world
    other = lab.other
    names = {match.group(1) for match in PARAMETER.finditer(path)}
    values = {**world["ids"], **world["by_route"].get(path, {})}
    values.update({name: other[name] for name in names if name in other})
    values.update(dict.fromkeys(names - set(values), 999999))  # as in _fill
    if path == "/attendance/certificates/{module_id:int}/{filename:str}":
        values["filename"] = f"{other['visitor_id']}.pdf"
    url = PARAMETER.sub(lambda match: str(values[match.group(1)]), path)
    return f"{url}?{QUERIES[path].format(**world['ids'])}" if path in QUERIES else url


def _object_routes(lab: Lab, askers: tuple[str, ...]) -> list[tuple[str, str]]:
    """Routes one of ``askers`` may call that name a row (public ones name none)."""
    return [
        (method, path)
        for method, path in app_routes(lab.app)
        if {match.group(1) for match in PARAMETER.finditer(path)} & set(lab.other)
        and any(expected_row(method, path)[PRINCIPALS.index(who)] == OK for who in askers)
        and expected_row(method, path)[PRINCIPALS.index("anyone")] != OK
    ]


async def test_the_first_site_never_gets_another_sites_rows(lab, request):
    """A manager or facilitator of Saint-Denis asking for Brussels' visitor, booking, session,
    module, resource, asset, enrolment, visit, tablet or closure gets 403 or 404, whatever
    the method; never the row, never a change made. So do Saint-Denis' tablet (Brussels'
    resources and workshops) and a Saint-Denis visitor's phone (someone else's bookings and
    enrolments)."""
    freeze(NOW)
    leaks, asked = [], 0
    for method, path in _object_routes(lab, FIRST_SITE):
        url = _fill_other(path, lab)
        for who in FIRST_SITE:
            if expected_row(method, path)[PRINCIPALS.index(who)] != OK:
                continue  # refused by role already, checked by the matrix
            client = lab.clients[CLIENT_OF[who]]
            if (method, path) in VALID_BODIES:
                body = VALID_BODIES[method, path](lab)
                response = await client.request(method, url, **body)
            else:
                response = await send(client, method, path, url)
            asked += 1
            status = response.status_code
            if status == 422 and method != "GET":
                # The empty form is refused before any row is read: so it is on the first
                # site's own row too (else the other site's row was read first: a leak).
                own, _placeholder = _fill(method, path, lab.world)
                if (await send(client, method, path, own)).status_code == 422:
                    continue
            if status not in (403, 404):
                leaks.append(f"{method} {url} ({path}) as {who}: {status}")
    report_figure(request, f"object-level checks ({_engine(lab)}): {asked} requests refused")
    assert not leaks, "another site's rows reached:\n" + "\n".join(leaks)
    assert asked > 150


async def test_the_network_manager_and_the_admin_get_every_sites_rows(lab):
    freeze(NOW)
    refused = []
    handlers = {(method, path): handler for method, path, handler in _routes(lab.app)}
    for method, path in _object_routes(lab, NETWORK_WIDE):
        if method != "GET" or streams(handlers[method, path]):
            continue  # a stream never ends; the first site's staff are refused it above
        url = _fill_other(path, lab)
        for who in NETWORK_WIDE:
            if expected_row(method, path)[PRINCIPALS.index(who)] != OK:
                continue  # the admin's own pages: the matrix checks the network manager's 403
            client = lab.clients[CLIENT_OF[who]]
            if path in lab.world["before"]:  # a card prints just after it is issued
                await client.post(f"/visitors/{lab.other['visitor_id']}/pass")
            response = await client.get(url)
            if response.status_code != 200:
                refused.append(f"GET {url} ({path}) as {who}: {response.status_code}")
    assert not refused, "\n".join(refused)


# -- a tablet with a visitor at it -----------------------------------------------------------


async def test_a_tablet_with_a_visitor_at_it_opens_what_the_visitor_may(lab):
    """The routes the table refuses a bare tablet (→ /kiosk/identify) are the visitor's at the
    tablet: once they have shown their pass and PIN there, each answers (the matrix checks that
    the tablet alone is sent to identify them, and that nobody else gets in)."""
    freeze(NOW)
    tablet = lab.clients[VISITING]
    holder = lab.world["holder"]
    identified = await tablet.request(
        "POST",
        "/kiosk/identify",
        data={"code": passes.display_short_code(holder.short_code), "pin": PIN, "next": "/kiosk"},
    )
    assert identified.status_code == 303, identified.text
    refused = []
    for method, path in app_routes(lab.app):
        if method != "GET" or expected_row(method, path) != KIOSK_VISIT:
            continue
        url, _placeholder = _fill(method, path, lab.world)
        response = await tablet.get(url)
        got = outcome(response)
        if not meets(method, OK, got):
            refused.append(f"GET {path}: {got}")
    assert not refused, "\n".join(refused)
    await tablet.post("/kiosk/end")


# -- the app answers as the table says -------------------------------------------------------


def _order(route: tuple[str, str]) -> tuple[int, int]:
    """Every GET first (nothing a POST does changes what they are checked against), then the
    POSTs, those that end the sender's session last."""
    key = f"{route[0]} {route[1]}"
    return (route[0] != "GET", ENDING.index(key) + 1 if key in ENDING else 0)


async def test_every_route_answers_each_principal_as_the_table_says(lab, request):
    freeze(NOW)
    routes = sorted(app_routes(lab.app), key=_order)
    handlers = {(method, path): handler for method, path, handler in _routes(lab.app)}
    wrong, asked = [], 0
    for method, path in routes:
        if path.startswith("/static"):
            continue  # files on disk, the same for everyone (test_route_guards: PUBLIC_PREFIXES)
        for who, expected in zip(PRINCIPALS, expected_row(method, path), strict=True):
            if expected == OK and streams(handlers[method, path]):
                continue  # an event stream never ends; its refusals are checked
            got = await ask(lab, who, method, path)
            asked += 1
            if not meets(method, expected, got):
                wrong.append(f"{method} {path} as {who}: expected {expected}, got {got}")
    report_figure(request, f"permission matrix ({_engine(lab)}): {asked} requests")
    assert not wrong, "\n".join(wrong)
    assert asked > 7 * 250
