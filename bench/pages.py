"""Every page of the demo under load: staff, kiosk and /me pages, logged in, at 1 and 8 connections.

Starts lab itself on a fresh database with the demo loaded, logs in as the demo's staff (the
Saint-Denis manager, and the administrator for the admin pages), pairs a tablet and opens a
visitor's visit on it (pass and PIN), and signs the same visitor in on /me (Lina Haddad, whose
story touches every kind of item; the bench gives her a new pass and a PIN). The list of pages
comes from the app's routes: every GET route, with a real demo id for each path parameter, as
whoever its guards let in. Event streams, files and exports (anything not HTML), JSON API
answers and redirects are left out and listed. Each page is measured with wrk for --seconds at
1 connection, then at 8; the bare Litestar endpoint (bench/bare.py, same server, same worker
count) is measured first, in the same run.

Usage:
  .venv/bin/python bench/pages.py [--engine sqlite|postgresql] [--workers 1|2] [--seconds 2]
                                  [--only TEXT]
--only keeps the pages whose path contains TEXT. PostgreSQL needs LAB_BENCH_DATABASE_URL (a
database this benchmark wipes); more than one worker uses LAB_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/11, flushed).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import harness
import httpx

PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
PIN = "2580"
# Who opens a page: the staff persona for a route's roles, lowest first (the manager of
# Saint-Denis is staff's everyday user; the administrator only where nobody else may go).
STAFF_BY_ROLE = (
    ("manager", "responsable.stdenis@lab.example"),
    ("facilitator", "animation.stdenis@lab.example"),
    ("network_manager", "reseau@lab.example"),
    ("admin", "admin@lab.example"),
)
TABLET, VISITING, PHONE, ANYONE = "tablet", "tablet, visit open", "phone", "anyone"
SURFACES = ("staff", "kiosk", "me")


# The seeding part: run by Lab.script with the lab's environment, in its own process.


async def seed() -> dict:
    """The demo's real ids for every route parameter, a pass and PIN for Lina, a tablet to
    pair at her site, and the app's GET routes with who may open them."""
    from lab.accounts import passes, pins
    from lab.accounts.tables import Site, StaffUser, Visitor
    from lab.attendance import selfcheck
    from lab.bookings.tables import Asset, Booking, Resource
    from lab.core import clock
    from lab.core.audit import SYSTEM
    from lab.core.db import write_transaction
    from lab.demo import story
    from lab.demo.accounts import DEMO_PASSWORD
    from lab.kiosk import devices
    from lab.kiosk.tables import KioskDevice
    from lab.system import operator
    from lab.workshops.tables import Enrolment, Module, Session

    now = clock.now()
    site = await Site.objects().get(Site.slug == story.SITE)
    lina = await Visitor.objects().get(
        (Visitor.first_name == story.FIRST_NAME) & (Visitor.last_name == story.LAST_NAME)
    )
    async with write_transaction(Visitor._meta.db):
        card, token = await passes.issue_in_transaction(SYSTEM, lina.id, site.id)
        await pins.set_pin_in_transaction(SYSTEM, lina.id, PIN)
    awa = await StaffUser.objects().get(StaffUser.email == STAFF_BY_ROLE[1][1])
    at_site = Session.module.site == site.id
    today = (
        await Session.objects()
        .where(at_site & (Session.status == "scheduled") & (Session.ends_at > now))
        .order_by(Session.starts_at)
        .first()
    )
    series = (
        await Module.objects()
        .where(
            (Module.site == site.id) & (Module.enrolment == "series") & Module.self_enrol.eq(True)
        )
        .first()
    ) or await Module.objects().where(Module.site == site.id).first()
    drop_in = (
        await Session.objects()
        .where(at_site & (Session.module.enrolment == "drop_in") & (Session.starts_at > now))
        .order_by(Session.starts_at)
        .first()
    )
    enrolment = (
        await Enrolment.objects()
        .where((Enrolment.visitor == lina.id) & Enrolment.status.is_in(["enrolled", "waitlisted"]))
        .order_by(Enrolment.id, ascending=False)
        .first()
    )
    booking = (
        await Booking.objects()
        .where((Booking.visitor == lina.id) & (Booking.starts_at > now))
        .order_by(Booking.starts_at)
        .first()
    ) or await Booking.objects().where(Booking.resource.site == site.id).first()
    resource = await Resource.objects().get(
        (Resource.site == site.id) & Resource.kiosk_self_service.eq(True)
    )
    asset = await Asset.objects().where(Asset.resource.site == site.id).first()
    waiting = await KioskDevice.objects().where(KioskDevice.site == site.id).first()
    _device, pairing_code = await devices.create_device(
        await operator(), site.id, "Bench tablet", None
    )
    # The next weekday: the kiosk's booking steps need an open day to come.
    day = now.date() + dt.timedelta(days=1)
    while day.weekday() >= 4:  # Friday closes early, the weekend is closed
        day += dt.timedelta(days=1)
    ids = {
        "visitor_id": lina.id,
        "site_id": site.id,
        "user_id": awa.id,
        "resource_id": resource.id,
        "booking_id": booking.id,
        "module_id": series.id,
        "session_id": today.id,
        "device_id": waiting.id,
        "token": token,
        "day": day.isoformat(),
        "start": "1400",
        "code": selfcheck.current_code(today.checkin_secret, today.id),
        "kind": "participants",
    }
    if asset is not None:
        ids["asset_id"] = asset.id
    if enrolment is not None:
        ids["enrolment_id"] = enrolment.id
    by_route = {
        "/admin/skills/{code:str}/edit": {"code": "wifi"},
        "/kiosk/skills/{code:str}": {"code": "wifi"},
    }
    if drop_in is not None:
        by_route["/kiosk/workshops/{module_id:int}/{session_id:int}/enrol"] = {
            "module_id": drop_in.module,
            "session_id": drop_in.id,
        }
    return {
        "password": DEMO_PASSWORD,
        "ids": ids,
        "by_route": by_route,
        "short_code": passes.display_short_code(card.short_code),
        "pairing_code": pairing_code,
        "routes": routes(),
    }


def routes() -> list[dict]:
    """The app's GET routes (static files aside): path, the roles its guards admit, and
    whether it answers an event stream (which never ends)."""
    from litestar.response import Stream
    from litestar.routes import HTTPRoute

    from lab.app import create_app

    found = []
    for route in create_app().routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static"):
            continue
        for handler in route.route_handlers:
            if "GET" not in handler.http_methods:
                continue
            roles = {
                r for guard in handler.resolve_guards() for r in getattr(guard, "lab_roles", ())
            }
            answer = handler.parsed_fn_signature.return_type.annotation
            stream = isinstance(answer, type) and issubclass(answer, Stream)
            found.append({"path": route.path, "roles": sorted(roles), "stream": stream})
    return found


# The measuring part.


@dataclasses.dataclass
class Page:
    path: str
    who: str
    surface: str  # staff | kiosk | me | public
    one: harness.Record | None = None
    eight: harness.Record | None = None


class Browsers:
    """One cookie jar per who: staff by e-mail, the tablet with and without a visit, the phone,
    anyone."""

    def __init__(self, base_url: str, seeded: dict) -> None:
        self.base_url = base_url
        self.seeded = seeded
        self.jars: dict[str, httpx.Client] = {}

    def client(self, who: str) -> httpx.Client:
        if who not in self.jars:
            self.jars[who] = httpx.Client(base_url=self.base_url, timeout=30)
        return self.jars[who]

    def csrf(self, who: str, page: str) -> str:
        client = self.client(who)
        client.get(page)
        return client.cookies["lab_csrf"]

    def log_in(self, email: str) -> None:
        token = self.csrf(email, "/login")
        password = self.seeded["password"]
        answer = self.client(email).post(
            "/login", data={"email": email, "password": password, "_csrf_token": token}
        )
        if answer.status_code != 303:
            raise RuntimeError(f"login as {email}: {answer.status_code}")
        # Managers and admins: the second step, as their authenticator app would answer it
        # (the secret read off the enrolment page at their first login in this run).
        import pyotp

        client = self.client(email)
        step = answer.headers["location"]
        if step in ("/login/enrol", "/login/code"):
            if step == "/login/enrol":
                page = client.get(step).text
                found = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
                self.seeded.setdefault("totp", {})[email] = found.group(1).replace(" ", "")
            secret = self.seeded.get("totp", {}).get(email)
            if secret is None:
                raise RuntimeError(f"login as {email}: a second factor from an earlier run")
            code = pyotp.TOTP(secret).now()
            done = client.post(step, data={"code": code, "_csrf_token": token})
            if done.status_code not in (200, 303):
                raise RuntimeError(f"second step as {email}: {done.status_code}")

    def pair(self) -> None:
        tablet = self.client(TABLET)
        token = self.csrf(TABLET, "/kiosk/pair")
        answer = tablet.post(
            "/kiosk/pair", data={"code": self.seeded["pairing_code"], "_csrf_token": token}
        )
        answer.raise_for_status()
        visiting = self.client(VISITING)
        visiting.cookies.set("lab_kiosk", tablet.cookies["lab_kiosk"])
        visiting.cookies.set("lab_csrf", token)
        self.open_visit()

    def open_visit(self) -> None:
        """Pass and PIN at the tablet: a visit of 90 idle seconds (opened again before the
        pages that need it are measured)."""
        visiting = self.client(VISITING)
        visiting.cookies.delete("lab_kiosk_visit")
        answer = visiting.post(
            "/kiosk/identify",
            data={
                "code": self.seeded["short_code"],
                "pin": PIN,
                "next": "/kiosk/mine",
                "_csrf_token": visiting.cookies["lab_csrf"],
            },
        )
        if answer.status_code != 303:
            raise RuntimeError(f"kiosk identify: {answer.status_code}")

    def sign_in_phone(self) -> None:
        token = self.csrf(PHONE, "/me/start")
        answer = self.client(PHONE).post(
            "/me/sign-in",
            data={
                "from": "start",
                "code": self.seeded["short_code"],
                "pin": PIN,
                "_csrf_token": token,
            },
        )
        if answer.status_code != 303:
            raise RuntimeError(f"/me sign-in: {answer.status_code}")

    def cookie_header(self, who: str) -> str:
        jar = self.client(who).cookies
        return harness.cookie_header({cookie.name: cookie.value for cookie in jar.jar})

    def close(self) -> None:
        for client in self.jars.values():
            client.close()


def who_opens(route: dict) -> str:
    roles = set(route["roles"])
    if "kiosk" in roles:
        return TABLET
    if "visitor" in roles:
        return PHONE
    for role, email in STAFF_BY_ROLE:
        if role in roles:
            return email
    return ANYONE


def surface_of(path: str, who: str) -> str:
    if path.startswith("/kiosk"):
        return "kiosk"
    if path.startswith("/me"):
        return "me"
    return "public" if who == ANYONE else "staff"


def fill(path: str, seeded: dict) -> str | None:
    values = {**seeded["ids"], **seeded["by_route"].get(path, {})}
    missing = [name for name in PARAMETER.findall(path) if name not in values]
    if missing:
        return None
    return PARAMETER.sub(lambda match: str(values[match.group(1)]), path)


def pages_to_measure(people: Browsers, seeded: dict, only: str) -> tuple[list[Page], dict]:
    """Open each route once as whoever may: the HTML pages answered 200 are measured; the
    rest is listed by reason."""
    pages: list[Page] = []
    left_out: dict[str, list[str]] = defaultdict(list)
    # A workshop the tablet offers (the programme's own choice), for its workshop pages.
    listed = re.search(
        r'href="/kiosk/workshops/(\d+)"', people.client(TABLET).get("/kiosk/workshops").text
    )
    if listed:
        for path in ("/kiosk/workshops/{module_id:int}", "/kiosk/workshops/{module_id:int}/enrol"):
            seeded["by_route"][path] = {"module_id": int(listed.group(1))}
    for route in seeded["routes"]:
        path = fill(route["path"], seeded)
        if route["stream"]:
            left_out["event stream"].append(route["path"])
            continue
        if path is None:
            left_out["no demo value for a parameter"].append(route["path"])
            continue
        if only and only not in path:
            continue
        who = who_opens(route)
        answer = people.client(who).get(path)
        if who == TABLET and answer.status_code != 200:
            who = VISITING  # a page of the visitor at the tablet: the pass and PIN first
            answer = people.client(who).get(path)
        kind = answer.headers.get("content-type", "").split(";")[0]
        if answer.is_redirect:
            left_out["redirect"].append(f"{path} ({short_who(who)})")
        elif kind == "application/json":
            left_out["JSON"].append(path)
        elif kind != "text/html":
            left_out[f"file or export ({kind})"].append(path)
        elif answer.status_code != 200:
            left_out[f"status {answer.status_code}"].append(f"{path} ({short_who(who)})")
        else:
            pages.append(Page(path, who, surface_of(path, who)))
    # The tablet's visit ends after 90 idle seconds: its pages go last, after a new one.
    pages.sort(key=lambda page: page.who == VISITING)
    return pages, left_out


def measure(page: Page, people: Browsers, base_url: str, seconds: float) -> None:
    headers = [people.cookie_header(page.who)]
    for connections in (1, 8):
        record = harness.wrk(
            page.path,
            base_url + page.path,
            "get.lua",
            connections=connections,
            seconds=seconds,
            headers=headers,
        )
        if connections == 1:
            page.one = record
        else:
            page.eight = record


def print_table(pages: list[Page], bare_one: harness.Record, bare_eight: harness.Record) -> None:
    width = max([len(page.path) for page in pages] + [len("page")])
    who_width = max([len(short_who(page.who)) for page in pages] + [len("who")])
    head = (
        f"{'page':<{width}}  {'who':<{who_width}}  {'req/s 1c':>8}  {'p50 1c':>7}  "
        f"{'req/s 8c':>8}  {'p50 8c':>7}  {'p99 8c':>7}  {'of bare':>7}  {'errors':>6}  "
        f"{'timeouts':>8}"
    )
    print(head)
    print("-" * len(head))
    rows = [
        ("bare JSON", "", bare_one, bare_eight),
        *((page.path, short_who(page.who), page.one, page.eight) for page in pages),
    ]
    for path, who, one, eight in rows:
        errors = one.errors + eight.errors
        timeouts = one.timeouts + eight.timeouts
        print(
            f"{path:<{width}}  {who:<{who_width}}  {one.rate:>8.0f}  {one.p50:>7.1f}  "
            f"{eight.rate:>8.0f}  {eight.p50:>7.1f}  {eight.p99:>7.1f}  "
            f"{harness.share(eight, bare_eight):>7}  {errors:>6}  {timeouts:>8}"
        )
    print("(p50 and p99 in ms; 'of bare': req/s at 8 connections against the bare endpoint's)")


def short_who(who: str) -> str:
    """A staff member by role, everyone else as is."""
    return next((role for role, email in STAFF_BY_ROLE if email == who), who)


def main() -> None:
    parser = argparse.ArgumentParser(description="Every page of the demo under load.")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1)
    parser.add_argument("--seconds", type=float, default=2, help="per page and load (default 2)")
    parser.add_argument("--only", default="", help="keep the pages whose path contains this")
    options = parser.parse_args()
    (engine,) = harness.engines_from(options.engine)
    label = f"{harness.engine_label(engine)}, {harness.workers_label(options.workers)}"
    print(f"Pages, {label}, {options.seconds:g} s per page and load.", flush=True)
    with harness.Lab(engine, options.workers) as lab:
        lab.prepare()
        seeded = json.loads(lab.script(Path(__file__), "seed"))
        with harness.bare_server(options.workers) as bare:
            url = bare.base_url + "/json"
            bare_one = harness.wrk("bare", url, "get.lua", connections=1, seconds=options.seconds)
            bare_eight = harness.wrk("bare", url, "get.lua", connections=8, seconds=options.seconds)
        server = lab.serve()
        people = Browsers(server.base_url, seeded)
        try:
            for _role, email in STAFF_BY_ROLE:
                people.log_in(email)
            people.pair()
            people.sign_in_phone()
            pages, left_out = pages_to_measure(people, seeded, options.only)
            print(f"{len(pages)} pages to measure.", flush=True)
            visit_opened = False
            for number, page in enumerate(pages, 1):
                if page.who == VISITING and not visit_opened:
                    people.open_visit()
                    visit_opened = True
                measure(page, people, server.base_url, options.seconds)
                print(
                    f"  {number}/{len(pages)} {page.path}: {page.one.p50:.1f} ms at 1 connection",
                    flush=True,
                )
        finally:
            people.close()
        errors = server.error_lines()
    print()
    print("Left out (not an HTML page, or not one the demo can show):")
    for reason, paths in sorted(left_out.items()):
        print(f"  {reason}: {', '.join(sorted(set(paths)))}")
    for line in errors[:5]:
        print(f"server log: {line}")
    print()
    print_table(pages, bare_one, bare_eight)
    refused = [page for page in pages if page.one.non_2xx or page.eight.non_2xx]
    for page in refused:
        statuses = {**page.one.statuses}
        for code, count in page.eight.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
        answers = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
        print(f"{page.path} ({short_who(page.who)}) answered under load: {answers}")
    for surface in SURFACES:
        count = sum(1 for page in pages if page.surface == surface)
        print(f"{surface} pages: {count}")
    slowest = max(pages, key=lambda page: page.one.p50)
    print()
    print(
        f"PAGES slowest: {slowest.path} ({short_who(slowest.who)}) "
        f"{slowest.one.p50:.0f} ms at 1 connection"
    )
    # A refusal under load (a limit on guesses, say) is the app's answer; a server error, a
    # socket error or a timeout is not.
    failed = errors or any(
        record.socket_errors
        or record.timeouts
        or any(code.startswith("5") for code in record.statuses)
        for page in pages
        for record in (page.one, page.eight)
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(harness.run_bound(seed)))
    else:
        main()
