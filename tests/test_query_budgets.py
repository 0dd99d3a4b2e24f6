"""Every page and endpoint runs a fixed number of SQL statements, whatever the data.

Each GET route of the app (staff pages, the kiosk, the visitor's phone, the JSON API, public
pages), as everyone its guards let in, is opened in the lab of tests/pages.py with its
statements counted (tests/query_count.py). Its count must stay within the route's budget
below, and the budget is kept to the count: a route that runs fewer statements than its budget
fails too, so that the budget is lowered and a later regression shows. Then the lab grows
(more resources, bookings over more days, visitors, sessions, enrolments, attendance, visits,
loans, skills evidence, devices, staff, a third site) and every route runs the same number of
statements again: no statement per row, per resource, per day or per slot.

The main writes have budgets too: the kiosk's check-in, a booking (the staff form and the
API), an enrolment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from litestar import Litestar
from litestar.testing import AsyncTestClient

from lab.accounts import passes
from lab.accounts.forms import NewStaffInput
from lab.accounts.staff import create_staff
from lab.accounts.tables import Site
from lab.attendance import services as attendance
from lab.bookings import assets, feeds, loans
from lab.bookings import services as bookings
from lab.bookings.assets import AssetInput
from lab.bookings.loans import LendInput
from lab.bookings.services import Wanted
from lab.bookings.tables import Closure
from lab.core import clock
from lab.kiosk import devices
from lab.skills import services as skills
from lab.skills.forms import Assessment, ModuleSkills, Ticks
from lab.visits import services as visits
from lab.workshops import enrolment
from lab.workshops import services as workshops
from lab.workshops.forms import EnrolInput, PartnerInput
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL, report_figure
from tests.helpers import login
from tests.kiosk.helpers import pair_client
from tests.me.factories import PIN, visitor_with_pass
from tests.network.pages_lab import grow_network
from tests.pages import (
    NOW,
    VISITING,
    audience,
    build_world,
    fill,
    get_routes,
    open_clients,
    streams,
)
from tests.personas import OPENING_HOURS, make_visitor
from tests.query_count import Statements, count_statements
from tests.workshops.factories import make_module, make_session

# Statements per request, by route (the most any of its audience runs). Kept to the count.
BUDGETS: dict[str, int] = {
    "/": 33,
    "/account": 3,
    "/account/second-factor": 4,
    "/admin/audit": 3,
    "/admin/data-register": 2,
    "/admin/data-register.csv": 2,
    "/admin/data-register.json": 2,
    "/admin/sites": 3,
    "/admin/sites/new": 2,
    "/admin/sites/{site_id:int}/edit": 3,
    "/admin/skills": 4,
    "/admin/skills/export": 3,
    "/admin/skills/{code:str}/edit": 3,
    "/admin/users": 4,
    "/admin/users/new": 3,
    "/admin/users/{user_id:int}": 5,
    "/admin/visit-purposes": 6,
    "/admin/visit-purposes/{site_id:int}": 5,
    "/api/attendance/sessions/{session_id:int}": 7,
    "/api/bookings/{booking_id:int}": 4,
    "/api/calendar/bookings": 4,
    "/api/calendar/sessions": 5,
    "/api/resources": 3,
    "/api/resources/{resource_id:int}/availability": 7,
    "/api/resources/{resource_id:int}/bookings": 4,
    "/api/schema": 2,
    "/api/schema/openapi.json": 2,
    "/api/schema/{path:str}": 2,
    "/api/visitors": 3,
    "/api/visitors/{visitor_id:int}": 4,
    "/api/visitors/{visitor_id:int}/pass": 4,
    "/api/visits": 4,
    "/api/workshops": 3,
    "/api/workshops/sessions": 4,
    "/api/workshops/sessions/{session_id:int}": 5,
    "/api/workshops/sessions/{session_id:int}/enrolments": 6,
    "/api/workshops/{module_id:int}": 3,
    "/api/workshops/{module_id:int}/enrolments": 5,
    "/assets": 4,
    "/assets/{asset_id:int}/tag.png": 4,
    "/attendance/certificates/{module_id:int}/{filename:str}": 8,
    "/attendance/modules/{module_id:int}/certificates": 7,
    "/attendance/sessions/{session_id:int}": 12,
    "/attendance/sessions/{session_id:int}/projector": 9,
    "/attendance/sessions/{session_id:int}/sheet.pdf": 14,
    "/attendance/sessions/{session_id:int}/sign": 14,
    "/attendance/sessions/{session_id:int}/sign/{visitor_id:int}": 14,
    "/attendance/today": 9,
    "/badges/issuer": 0,
    "/badges/keys.json": 0,
    "/badges/status/{number:int}": 1,
    "/badges/verify": 0,
    "/badges/{filename:str}": 2,
    "/bookings": 9,
    "/bookings/approvals": 3,
    "/bookings/check-in": 3,
    "/bookings/for-visitor/{visitor_id:int}": 6,
    "/bookings/list": 8,
    "/bookings/new": 4,
    "/bookings/{booking_id:int}": 9,
    "/bookings/{booking_id:int}/calendar.ics": 5,
    "/bookings/{booking_id:int}/move": 11,
    "/bookings?view=week": 9,
    "/c/{session_id:int}": 0,
    "/c/{session_id:int}/{code:str}": 1,
    "/favicon.ico": 0,
    "/feeds/{filename:str}": 5,
    "/health": 0,
    "/kiosk": 1,
    "/kiosk/book": 2,
    "/kiosk/book/{resource_id:int}": 7,
    "/kiosk/book/{resource_id:int}/{day:date}": 7,
    "/kiosk/book/{resource_id:int}/{day:date}/{start:str}": 7,
    "/kiosk/checkin": 2,
    "/kiosk/identify": 1,
    "/kiosk/mine": 4,
    "/kiosk/mine/bookings/{booking_id:int}/cancel": 2,
    "/kiosk/mine/enrolments/{enrolment_id:int}/cancel": 3,
    "/kiosk/pair": 0,
    "/kiosk/queue.js": 0,
    "/kiosk/signup": 1,
    "/kiosk/skills": 13,
    "/kiosk/skills/{code:str}": 9,
    "/kiosk/sw.js": 0,
    "/kiosk/visits/anonymous": 2,
    "/kiosk/workshops": 5,
    "/kiosk/workshops/{module_id:int}": 6,
    "/kiosk/workshops/{module_id:int}/enrol": 6,
    "/kiosk/workshops/{module_id:int}/{session_id:int}/enrol": 6,
    "/kiosks": 5,
    "/kiosks/new": 3,
    "/kiosks/sync": 10,
    "/kiosks/{device_id:int}/edit": 3,
    "/kiosks/{device_id:int}/pairing": 5,
    "/kiosks/{device_id:int}/revoke": 3,
    "/loans": 6,
    "/loans/overdue": 5,
    "/login": 0,
    "/me": 10,
    "/me/badges": 5,
    "/me/badges/{filename:str}": 4,
    "/me/bookings/{booking_id:int}/calendar.ics": 5,
    "/me/bookings/{booking_id:int}/cancel": 3,
    "/me/consents": 5,
    "/me/data.json": 10,
    "/me/enrolments/{enrolment_id:int}/calendar.ics": 5,
    "/me/enrolments/{enrolment_id:int}/cancel": 4,
    "/me/my-data": 18,
    "/me/my-data.zip": 18,
    "/me/pass": 4,
    "/me/pass/qr.svg": 2,
    "/me/skills": 11,
    "/me/start": 0,
    "/p/{token:str}": 2,
    "/reports": 33,
    "/reports/activity": 13,
    "/reports/files/{what:str}/{fmt:str}": 33,
    "/network/actions/new": 6,
    "/network/actions/{action_id:int}": 13,
    "/network/follow-up": 7,
    "/network/meetings": 10,
    "/network/meetings/new": 3,
    "/network/meetings/{meeting_id:int}": 14,
    "/network/partners": 7,
    "/network/partners.csv": 4,
    "/network/partners/import": 3,
    "/network/partners/new": 3,
    "/network/partners/{partner_id:int}": 10,
    "/network/partners/{partner_id:int}/edit": 5,
    "/network/referrals": 5,
    "/reports/network": 9,
    "/reports/network/files/{fmt:str}": 9,
    "/reports/rows/{kind:str}": 10,
    "/reports?period=year": 30,
    "/reports?view=funder&period=year": 30,
    "/resources": 4,
    "/resources/closures": 5,
    "/resources/new": 4,
    "/resources/{resource_id:int}/assets": 6,
    "/resources/{resource_id:int}/assets/tags.pdf": 6,
    "/resources/{resource_id:int}/edit": 4,
    "/resources/{resource_id:int}/feed": 6,
    "/skills/modules/{module_id:int}": 14,
    "/skills/modules/{module_id:int}/edit": 7,
    "/skills/sessions/{session_id:int}": 16,
    "/visitors": 3,
    "/visitors/new": 3,
    "/visitors/{visitor_id:int}": 7,
    "/visitors/{visitor_id:int}/consents": 5,
    "/visitors/{visitor_id:int}/data": 18,
    "/visitors/{visitor_id:int}/data.zip": 18,
    "/visitors/{visitor_id:int}/edit": 3,
    "/visitors/{visitor_id:int}/erase": 6,
    "/visitors/{visitor_id:int}/feed": 5,
    "/visitors/{visitor_id:int}/loans": 6,
    "/visitors/{visitor_id:int}/pass": 4,
    "/visitors/{visitor_id:int}/pass/card.pdf": 4,
    "/visitors/{visitor_id:int}/pass/card.png": 4,
    "/visitors/{visitor_id:int}/referrals": 8,
    "/visitors/{visitor_id:int}/skills": 18,
    "/visitors/{visitor_id:int}/timeline": 21,
    "/visitors/{visitor_id}/timeline?period=365": 21,
    "/visits": 9,
    "/visits/desk": 6,
    "/visits/desk/sites/{site_id:int}": 5,
    "/visits/panel": 6,
    "/visits/sites/{site_id:int}": 8,
    "/workshops": 10,
    "/workshops/my-feed": 4,
    "/workshops/new": 8,
    "/workshops/sessions/{session_id:int}": 8,
    "/workshops/sessions/{session_id:int}/calendar.ics": 6,
    "/workshops/{module_id:int}": 10,
    "/workshops/{module_id:int}/edit": 9,
    "/workshops/{module_id:int}/feed": 5,
}

# Pages a query string changes enough to count on their own: (label, who, path).
# {names} are filled with the lab's ids.
VARIANTS = [
    ("/bookings?view=week", "julien", "/bookings?view=week"),
    ("/reports?period=year", "julien", "/reports?period=year"),
    ("/reports?view=funder&period=year", "julien", "/reports?view=funder&period=year"),
    (
        "/visitors/{visitor_id}/timeline?period=365",
        "awa",
        "/visitors/{visitor_id}/timeline?period=365",
    ),
]

# Query parameters a route needs to answer with its data rather than a 422.
QUERIES = {
    "/api/resources/{resource_id:int}/availability": "?day={day}",
    "/api/resources/{resource_id:int}/bookings": "?day={day}",
}

DAY = TUESDAY + dt.timedelta(days=1)


def _world_query(route_path: str, world: dict) -> str:
    query = QUERIES.get(route_path, "")
    return query.format(**{**world["ids"], "day": DAY.isoformat()})


async def _count(
    client: AsyncTestClient, method: str, path: str, **kwargs
) -> tuple[Statements, int]:
    with count_statements() as statements:
        response = await client.request(method, path, **kwargs)
    return statements, response.status_code


def _requests(app: Litestar, world: dict) -> Iterator[tuple[str, str, str]]:
    """(label, who, path) for every GET route and everyone it lets in, then the variants."""
    for route_path, handler in get_routes(app):
        if streams(handler):
            continue
        path = fill(route_path, world) + _world_query(route_path, world)
        for who in audience(handler):
            yield route_path, who, path
    for label, who, path in VARIANTS:
        yield label, who, path.format(**world["ids"])


async def _identify(tablet: AsyncTestClient, world: dict) -> None:
    """The visitor signs in at the tablet again: a kiosk visit lasts 90 seconds of real time
    in the session store, shorter than a slow run."""
    code = passes.display_short_code(world["holder"].short_code)
    opened = await tablet.post("/kiosk/identify", data={"code": code, "pin": PIN, "next": "/kiosk"})
    assert opened.status_code == 303, opened.text


async def _measure_all(
    app: Litestar, world: dict, clients: dict
) -> dict[tuple[str, str], Statements]:
    """The statements of every request, by (label, who); each answer's status is kept with
    them (``status``): counts compare only between the same answers."""
    counted: dict[tuple[str, str], Statements] = {}
    for label, who, path in _requests(app, world):
        if label in world["before"]:
            await clients[who].post(world["before"][label])
        if who == VISITING:
            await _identify(clients[VISITING], world)
        statements, status = await _count(clients[who], "GET", path)
        assert status < 500, f"{path} as {who}: {status}"
        statements.status = status
        counted[(label, who)] = statements
    return counted


async def seed(cast, world: dict) -> None:
    """One of each thing the holder's pages show that the lab of tests/pages.py lacks (a past
    visit), so that growing the data goes from one row to many, not from none to some."""
    awa = await cast.principal("awa")
    day = TUESDAY - dt.timedelta(days=7)
    visit = await visits.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="wifi",
        nonce=str(uuid.uuid4()),
        at=at(15, day=day),
        visitor_id=world["holder"].visitor.id,
    )
    await visits.end_visit(awa, visit.id, at=at(16, day=day), how="desk")


async def grow(cast, world: dict) -> None:
    """More of everything the pages show, at the lab's site and around its visitor, its
    workshop and its resources: what a page reads once per row would show."""
    site = cast.saint_denis
    julien, awa, camille = [await cast.principal(who) for who in ("julien", "awa", "camille")]
    ids = world["ids"]
    holder = world["holder"]
    # People: more visitors with cards.
    cards = [
        await visitor_with_pass(site, name, last_name="Nouveau")
        for name in ("Sara", "Omar", "Lina", "Théo")
    ]
    people = [card.visitor for card in cards]
    # Resources, each booked on several days, by several people; one needs approval.
    resources = [
        await make_resource(site, "Salle", units=1, kind="room"),
        await make_resource(site, "Ordinateurs", units=4, kiosk_self_service=True),
        await make_resource(site, "Écran", units=1, kind="screen", needs_approval=True),
    ]
    for number, resource in enumerate(resources):
        for day in range(0, 5):  # Tuesday to Saturday: the lab is closed on Sundays
            when = TUESDAY + dt.timedelta(days=day)
            for hour, person in zip((11, 14, 16), (holder.visitor, *people), strict=False):
                await bookings.book(
                    awa,
                    Wanted(
                        resource.id,
                        at(hour + number % 2, day=when),
                        at(hour + number % 2, 30, day=when),
                        visitor_id=person.id,
                    ),
                )
    pool = ids["resource_id"]
    for day in range(0, 4):
        await bookings.book(
            awa,
            Wanted(
                pool,
                at(16, day=TUESDAY + dt.timedelta(days=day)),
                at(17, day=TUESDAY + dt.timedelta(days=day)),
                visitor_id=holder.visitor.id,
            ),
        )
    # Loans and assets.
    tagged = await assets.create_assets(julien, pool, AssetInput(count=3))
    for card, asset in zip((holder, *cards), tagged, strict=False):
        await loans.lend(awa, LendInput(code=card.short_code, tag=asset.tag))
    # Workshops: another module with sessions this week and next, people enrolled and present.
    module = await make_module(site, "Atelier numérique", capacity=10, self_enrol=True)
    sessions = [
        await make_session(module, at(10)),
        await make_session(module, at(14, day=TUESDAY + dt.timedelta(days=2))),
        await make_session(module, at(14, day=TUESDAY + dt.timedelta(days=9))),
    ]
    for person in (holder.visitor, *people):
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=person.id))
    for person in (holder.visitor, *people[:3]):
        await attendance.check_in(
            attendance.Scan(
                by=awa,
                session_id=sessions[0].id,
                nonce=str(uuid.uuid4()),
                method="staff",
                visitor_id=person.id,
            )
        )
    # Past sessions of the lab's own workshop, the holder present at each (so that they keep
    # their certificate), more people on its list.
    lab_module = ids["module_id"]
    for weeks_ago in (1, 2):
        past = await make_session(
            await workshops.get_module_to_manage_for(julien, lab_module),
            at(10, day=TUESDAY - dt.timedelta(weeks=weeks_ago)),
        )
        await attendance.mark(awa, past.id, holder.visitor.id, "present")
        await attendance.mark(awa, past.id, people[0].id, "absent")
    for person in people:
        await enrolment.enrol(awa, lab_module, EnrolInput(visitor_id=person.id))
    # Skills: what the new workshop teaches, ticks for those who came, the holder's own word.
    await skills.set_module_skills(
        julien,
        module.id,
        ModuleSkills(teaches=["email-use", "wifi", "cv-template"], grants=["email-use"]),
    )
    await skills.observe(
        awa,
        sessions[0].id,
        Ticks(tick=[f"{p.id}:email-use:on_my_own" for p in (holder.visitor, *people[:3])]),
    )
    for skill in ("email-use", "wifi"):
        await skills.self_assess(awa, holder.visitor.id, Assessment(skill=skill, level="with_help"))
    # The network: partners, meetings and their follow-up, referrals.
    await grow_network(cast, holder.visitor)
    # Visits: people in the lab now, and the holder's past visits.
    for person in people[:2]:
        await visits.open_visit(
            awa,
            site_id=site.id,
            purpose="wifi",
            nonce=str(uuid.uuid4()),
            at=at(9, 15),
            visitor_id=person.id,
        )
    for days_ago in (1, 3, 8):  # Monday, Saturday, the Monday before: open days
        day = TUESDAY - dt.timedelta(days=days_ago)
        visit = await visits.open_visit(
            awa,
            site_id=site.id,
            purpose="wifi",
            nonce=str(uuid.uuid4()),
            at=at(11, day=day),
            visitor_id=holder.visitor.id,
        )
        await visits.end_visit(awa, visit.id, at=at(12, day=day), how="desk")
    # Tablets, feeds, staff, partners, closures, and a third site.
    for name in ("Tablette atelier", "Tablette salle"):
        await devices.create_device(julien, site.id, name)
    for resource in resources:
        await feeds.create_feed(julien, "resource", resource.id)
    for name in ("Lou", "Max"):
        await create_staff(
            camille,
            NewStaffInput(
                email=f"{name.lower()}@lab.test",
                name=name,
                password="another correct horse",
                role="facilitator",
                site_id=site.id,
            ),
        )
    for name in ("Mission locale", "Pôle emploi"):
        await workshops.create_partner(
            julien, PartnerInput(site_id=site.id, name=name, kind="employment")
        )
    for days in (3, 10):
        await Closure.insert(
            Closure(site=site.id, day=TUESDAY + dt.timedelta(days=days), label="Fermé")
        )
    third = Site(
        name="Lab Montreuil",
        slug="montreuil",
        timezone="Europe/Paris",
        opening_hours=OPENING_HOURS,
        created_at=clock.now(),
    )
    await third.save()
    await make_resource(third, "Studio", units=1)


def _differences(before: dict, after: dict) -> list[str]:
    lines = []
    for (label, who), statements in after.items():
        first = before[(label, who)]
        if statements.status != first.status:
            lines.append(
                f"{label} as {who}: answered {first.status}, then {statements.status} with more "
                "data: grow() must leave every answer as it was, for counts to compare"
            )
        elif statements.count != first.count:
            lines.append(
                f"{label} as {who}: {first.count} statements, then {statements.count} with more "
                f"data.\nBefore:\n{first.listing()}\nAfter:\n{statements.listing()}"
            )
    return lines


def _against_budgets(counted: dict, budgets: dict[str, int]) -> list[str]:
    """Routes without a budget, over it, or under it (the budget is kept to the count)."""
    most: dict[str, tuple[int, str]] = {}
    problems = []
    for (label, who), statements in counted.items():
        if label not in budgets:
            continue
        if statements.count > budgets[label]:
            problems.append(
                f"{label} as {who}: {statements.count} statements, over its budget of "
                f"{budgets[label]}:\n{statements.listing()}"
            )
        if statements.count > most.get(label, (-1, ""))[0]:
            most[label] = (statements.count, who)
    missing = sorted({label for label, _who in counted} - set(budgets))
    if missing:
        problems.append(
            "routes without a query budget (add them to BUDGETS with their count):\n"
            + "\n".join(
                f'    "{label}": {max(s.count for (lb, _w), s in counted.items() if lb == label)},'
                for label in missing
            )
        )
    for label, (count, who) in sorted(most.items()):
        if count < budgets[label]:
            problems.append(
                f"{label}: {count} statements at most (as {who}), under its budget of "
                f"{budgets[label]}: lower the budget to {count}"
            )
    problems += [
        f"{label}: a budget for a route that is gone"
        for label in budgets.keys() - {label for label, _who in counted}
    ]
    return problems


async def test_every_page_and_endpoint_keeps_its_query_budget_whatever_the_data(
    app, cast, client, database_url, request
):
    freeze(NOW)
    world = await build_world(cast)
    await seed(cast, world)
    clients = await open_clients(app, cast, world, client)
    before = await _measure_all(app, world, clients)
    problems = _against_budgets(before, BUDGETS)
    await grow(cast, world)
    after = await _measure_all(app, world, clients)
    problems += _differences(before, after)
    report_figure(
        request,
        f"query budgets ({database_url.split(':')[0]}): {len(before)} requests on "
        f"{len({label for label, _who in before})} routes, the same count with more data",
    )
    assert not problems, "\n\n".join(problems)


# ---- the bookings grid: as many statements for 3 resources as for 30, a day as a week ---------


async def _resources_with_bookings(site, awa, visitor_id: int, first: int, count: int) -> None:
    """``count`` resources, each booked on three days of the week."""
    for number in range(first, first + count):
        resource = await make_resource(site, f"Poste {number:02d}", units=1, kind="computer")
        for day in (0, 2, 4):  # Tuesday, Thursday, Saturday
            when = TUESDAY + dt.timedelta(days=day)
            await bookings.book(
                awa, Wanted(resource.id, at(11, day=when), at(12, day=when), visitor_id=visitor_id)
            )


async def test_the_bookings_grid_runs_as_many_statements_for_3_or_30_resources_a_day_or_a_week(
    app, cast, client, database_url, request
):
    freeze(NOW)
    await login(client, cast.email("julien"))
    awa = await cast.principal("awa")
    visitor = await make_visitor(cast.saint_denis, "Inès", "Benali")
    counts: dict[tuple[int, str], int] = {}
    for first, added in ((1, 3), (4, 27)):
        await _resources_with_bookings(cast.saint_denis, awa, visitor.id, first, added)
        for view in ("day", "week"):
            statements, status = await _count(
                client, "GET", f"/bookings?view={view}&day={TUESDAY.isoformat()}"
            )
            assert status == 200
            assert (
                f"Poste {first + added - 1:02d}"
                in (await client.get(f"/bookings?view={view}&day={TUESDAY.isoformat()}")).text
            )
            counts[(first + added - 1, view)] = statements.count
    line = ", ".join(f"{n} resources by {view}: {count}" for (n, view), count in counts.items())
    print(f"bookings grid statements: {line}")
    report_figure(request, f"bookings grid statements ({database_url.split(':')[0]}): {line}")
    assert len(set(counts.values())) == 1, counts
    assert counts[(3, "day")] == BUDGETS["/bookings"]


# ---- the main writes ------------------------------------------------------------------------

# Statements per request of the main writes, by engine: PostgreSQL takes a row or advisory
# lock where SQLite's write transaction already holds the database's single write lock.
WRITE_BUDGETS = {
    "sqlite": {
        "POST /kiosk/api/checkins": 9,
        "POST /bookings": 19,
        "POST /api/bookings": 16,
        "POST /workshops/{module_id}/enrolments": 32,
        "POST /api/workshops/{module_id}/enrolments": 20,
    },
    "postgres": {
        "POST /kiosk/api/checkins": 10,
        "POST /bookings": 20,
        "POST /api/bookings": 17,
        "POST /workshops/{module_id}/enrolments": 33,
        "POST /api/workshops/{module_id}/enrolments": 21,
    },
}


async def test_the_main_writes_keep_their_query_budgets(app, cast, client, database_url, request):
    freeze(at(10, 5))
    site = cast.saint_denis
    awa = await cast.principal("awa")
    module = await make_module(site, "Atelier CV", capacity=5)
    await make_session(module, at(10))
    expected = await visitor_with_pass(site, "Yanis", last_name="Martinez")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=expected.visitor.id))
    newcomer = await make_visitor(site, "Lina", "Haddad")
    other = await make_visitor(site, "Omar", "Benali")
    resource = await make_resource(site, "Studio")
    now = at(10, 5).isoformat()
    counted: dict[str, Statements] = {}

    tablet = AsyncTestClient(app, base_url=BASE_URL)
    tablet.follow_redirects = False
    await pair_client(tablet, cast)
    scan = {
        "nonce": str(uuid.uuid4()),
        "code": expected.short_code,
        "client_at": now,
        "sent_at": now,
    }
    counted["POST /kiosk/api/checkins"], status = await _count(
        tablet, "POST", "/kiosk/api/checkins", json=scan
    )
    assert status == 201

    await login(client, cast.email("awa"))
    form = {
        "resource_id": resource.id,
        "day": TUESDAY.isoformat(),
        "start": "14:00",
        "end": "15:00",
        "visitor_id": newcomer.id,
    }
    counted["POST /bookings"], status = await _count(client, "POST", "/bookings", data=form)
    assert status == 303
    booking = {
        "resource_id": resource.id,
        "starts_at": at(16).isoformat(),
        "ends_at": at(17).isoformat(),
        "visitor_id": other.id,
    }
    counted["POST /api/bookings"], status = await _count(
        client, "POST", "/api/bookings", json=booking
    )
    assert status == 201
    counted["POST /workshops/{module_id}/enrolments"], status = await _count(
        client, "POST", f"/workshops/{module.id}/enrolments", data={"visitor_id": newcomer.id}
    )
    assert status == 200
    counted["POST /api/workshops/{module_id}/enrolments"], status = await _count(
        client, "POST", f"/api/workshops/{module.id}/enrolments", json={"visitor_id": other.id}
    )
    assert status == 201

    engine = "sqlite" if database_url.startswith("sqlite") else "postgres"
    budgets = WRITE_BUDGETS[engine]
    for label, statements in counted.items():
        report_figure(request, f"statements of {label} ({engine}): {statements.count}")
    # Kept to the count: fewer statements fail too, so that the budget follows them down.
    problems = [
        f"{label}: {statements.count} statements, budget {budgets.get(label)}:\n"
        f"{statements.listing()}"
        for label, statements in counted.items()
        if statements.count != budgets.get(label)
    ]
    assert not problems, "\n\n".join(problems)
