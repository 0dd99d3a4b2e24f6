"""The API's OpenAPI document is true.

Schemathesis reads the document the app serves and sends every operation generated requests:
its coverage phase (each parameter and field at and past its bounds, missing, of the wrong type,
and the methods the path does not answer), then valid and invalid requests drawn by Hypothesis.
Each request goes to the real app on SQLite and PostgreSQL, signed in as each principal the API
has: a manager (every phase) and a facilitator (valid requests) with a session cookie and the
CSRF header on /api/, a paired tablet (device cookie and CSRF header) on /kiosk/api/. Every
answer must be no server error, have a documented status code and content type, match its
documented schema, refuse invalid input with a 4xx and name the allowed methods on a 405.

Valid requests are half the time steered toward the lab's real rows (the ids, days and pass
codes of the fixture's sites), so that success answers are checked too, not only 404s.
Run with ``-s`` to see how many requests each operation got.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient, TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from lab.accounts import visitors
from lab.app import create_app
from lab.bookings import services as bookings
from lab.bookings.forms import BookingApiInput
from lab.core import db
from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from lab.settings import Settings
from lab.visits import services as visits
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.conftest import BASE_URL, SECRET, report_figure
from tests.helpers import csrf_token, login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]
# Drawn requests per operation, principal and mode (valid, invalid), on top of the coverage
# phase's: enough to meet every refusal, small enough for the suite. Derandomized: the same
# requests on every run.
EXAMPLES = 30
JSON_ROOTS = ("/api/", "/kiosk/api/")


@dataclasses.dataclass
class Principal:
    name: str
    root: str  # the part of the API it may call
    cookies: dict[str, str]
    headers: dict[str, str]
    # The coverage phase and invalid requests are refused alike whatever the role (they end at
    # the edge): once per part of the API. A second role gets valid requests only.
    every_phase: bool = True


@dataclasses.dataclass
class LabData:
    """Real rows to aim valid requests at, by parameter or field name."""

    values: dict[str, st.SearchStrategy]
    device_credential: str  # a tablet paired at Saint-Denis


@pytest.fixture
async def lab_data(cast) -> LabData:
    """Visitors, resources, a booking, a session open for check-in at the frozen time, and a
    paired tablet."""
    freeze(at(10, 5))
    julien = await cast.principal("julien")
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martinez")
    lina = await make_visitor(cast.saint_denis, "Lina", "Bensaïd")
    lars = await make_visitor(cast.brussels, "Lars", "Maes")  # another site's: 403 for Saint-Denis
    studio = await make_resource(cast.saint_denis, "Studio")
    tablets = await make_resource(cast.saint_denis, "Tablettes", units=4)
    other = await make_resource(cast.brussels, "Studio Anderlecht")
    booking = await bookings.book(
        julien,
        bookings.wanted_from_api(
            BookingApiInput(
                resource_id=studio.id,
                starts_at=at(14),  # type: ignore[arg-type]
                ends_at=at(15),  # type: ignore[arg-type]
                visitor_id=yanis.id,
            )
        ),
    )
    # The tablet's visitor: not among the API's steered ids, whose passes the API reissues.
    ines = await make_visitor(cast.saint_denis, "Inès", "Diallo")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=10)
    session = await make_session(module, at(10))
    await enrolment.enrol(julien, module.id, EnrolInput(visitor_id=ines.id))
    # An enrolment of its own for the API to cancel (the tablet's visitor keeps hers).
    enrolled = await enrolment.enrol(julien, module.id, EnrolInput(visitor_id=yanis.id))
    card, token = await visitors.reissue_pass(julien, ines.id)
    # Visits for the visits list: a visitor's, still in the lab, and an anonymous one.
    for visitor_id, age_band, minutes in ((yanis.id, None, 0), (None, "18_21", 30)):
        await visits.open_visit(
            julien,
            site_id=cast.saint_denis.id,
            purpose="computer",
            nonce=str(uuid.uuid4()),
            at=at(9, minutes),
            visitor_id=visitor_id,
            age_band=age_band,
        )
    _device, pairing_code = await devices.create_device(julien, cast.saint_denis.id, "Tablette")
    _device, credential = await devices.pair(pairing_code)

    def day(offset: int) -> str:
        return (TUESDAY + dt.timedelta(days=offset)).isoformat()

    return LabData(
        {
            "visitor_id": st.sampled_from([yanis.id, lina.id, lars.id]),
            "resource_id": st.sampled_from([studio.id, tablets.id, other.id]),
            "booking_id": st.just(booking.id),
            "site_id": st.sampled_from([cast.saint_denis.id, cast.brussels.id]),
            "session_id": st.just(session.id),
            "module_id": st.just(module.id),
            "enrolment_id": st.just(enrolled.id),
            "day": st.integers(-2, 9).map(day),
            "from": st.integers(-2, 9).map(day),
            "to": st.integers(9, 40).map(day),
            "birth_date": st.dates(dt.date(1999, 1, 1), dt.date(2010, 12, 31)).map(str),
            "code": st.sampled_from([token, card.short_code, f"https://lab.test/p/{token}"]),
            "client_at": st.just(at(10, 4).isoformat()),
            "sent_at": st.just(at(10, 5).isoformat()),
        },
        credential,
    )


async def _staff(client, email: str, name: str, *, every_phase: bool = True) -> Principal:
    await login(client, email)
    principal = Principal(
        name,
        "/api/",
        {"lab_session": client.cookies["lab_session"], "lab_csrf": client.cookies["lab_csrf"]},
        {"x-csrftoken": client.headers.pop("x-csrftoken")},
        every_phase=every_phase,
    )
    client.cookies.clear()
    return principal


async def _tablet(client, credential: str) -> Principal:
    token = await csrf_token(client, "/kiosk/pair")
    client.cookies.clear()
    return Principal(
        "tablet",
        "/kiosk/api/",
        {DEVICE_COOKIE: credential, "lab_csrf": token},
        {"x-csrftoken": token},
    )


def _lab_steered(case, data, lab: LabData) -> None:
    """Point a valid request at real rows: ids, days, pass codes and times the lab has."""
    if not data.draw(st.booleans(), label="steer toward lab data"):
        return
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name in list(container):
            if name in lab.values:
                container[name] = data.draw(lab.values[name], label=name)
    if isinstance(case.body, dict) and "starts_at" in case.body:
        start = data.draw(st.sampled_from([at(h) for h in (9, 11, 14, 16, 19)]), label="start")
        minutes = data.draw(st.sampled_from([30, 60, 90, 300]), label="minutes")
        case.body["starts_at"] = start.isoformat()
        case.body["ends_at"] = (start + dt.timedelta(minutes=minutes)).isoformat()


def _credentials(sent: dict[str, str], mine: dict[str, str]) -> dict[str, str]:
    """The principal's credentials in place of the values schemathesis generates where the
    security schemes say; one it leaves out, to see the request refused, stays out."""
    return {name: mine.get(name, value) for name, value in sent.items()}


def _request(kwargs: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """Schemathesis prepares ``requests`` arguments; the test client speaks httpx."""
    headers = _credentials(dict(kwargs.get("headers", {})), principal.headers)
    cookies = _credentials(kwargs.get("cookies") or {}, principal.cookies)
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params") or None,
        "headers": headers,
    }
    if "json" in kwargs:
        request["content"] = json.dumps(kwargs["json"]).encode()
    elif "data" in kwargs:
        data = kwargs["data"]
        request["content" if isinstance(data, bytes | str) else "data"] = data
    if kwargs.get("files"):
        request["files"] = kwargs["files"]
    return request


class Run:
    """Sends one principal's cases from Hypothesis' thread through the test client (on the
    test's event loop), and keeps count of the answers and every failure."""

    def __init__(self, client, loop: asyncio.AbstractEventLoop, principal: Principal) -> None:
        self.client = client
        self.loop = loop
        self.principal = principal
        self.sent: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: list[str] = []
        self.seconds = 0.0

    async def _send(self, request: dict[str, Any]) -> httpx.Response:
        self.client.cookies.clear()  # only the principal's own credentials, never a leftover
        return await self.client.request(**request)

    def check(self, case) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(self.client.base_url))
        request = _request(kwargs, self.principal)
        started = time.perf_counter()
        response = asyncio.run_coroutine_threadsafe(self._send(request), self.loop).result(60)
        self.seconds += time.perf_counter() - started
        self.sent[case.operation.label][response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    def record(self, label: str, test: Callable[[], None]) -> None:
        try:
            test()
        except (Exception, BaseExceptionGroup) as error:  # every operation's failures, reported
            self.failures.append(f"{self.principal.name} {label}:\n{error}")


def _run_operation(run: Run, schema, operation, lab: LabData) -> None:
    label = operation.label
    config = schema.config.generation_for(operation=operation)

    def coverage() -> None:
        for case in schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=config
        ):
            run.check(case)

    modes = list(GenerationMode) if run.principal.every_phase else [GenerationMode.POSITIVE]
    if run.principal.every_phase:
        run.record(f"{label} (coverage)", coverage)
    for mode in modes:
        run.record(f"{label} ({mode.value})", _drawn(run, operation, mode, lab))


def _drawn(run: Run, operation, mode: GenerationMode, lab: LabData) -> Callable[[], None]:
    """``EXAMPLES`` requests drawn by Hypothesis, valid or invalid, the same on every run."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def drawn(case, data) -> None:
        if mode is GenerationMode.POSITIVE:
            _lab_steered(case, data, lab)
        run.check(case)

    return drawn


@pytest.fixture
async def pooled_client(settings, engine, lab_data) -> AsyncIterator[AsyncTestClient]:
    """The app as it runs in production, with PostgreSQL's connection pool (the ``client``
    fixture's app opens a connection per query: over thousands of requests, most of the run).
    Started once the fixtures' rows are written: from then on only the app, on the test
    client's own event loop, uses the pool."""
    app = create_app(settings, engine=engine, background_jobs=False)
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        client.follow_redirects = False
        yield client


async def test_every_api_operation_answers_as_its_schema_says(
    pooled_client, cast, lab_data, request, engine
):
    client = pooled_client
    principals = [
        await _staff(client, cast.email("julien"), "manager"),
        await _staff(client, cast.email("awa"), "facilitator", every_phase=False),
        await _tablet(client, lab_data.device_credential),
    ]
    # In production the document is for staff only: read with the manager's session.
    cookie = "; ".join(f"{name}={value}" for name, value in principals[0].cookies.items())
    document = (await client.get("/api/schema/openapi.json", headers={"Cookie": cookie})).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    loop = asyncio.get_running_loop()
    runs = []
    for principal in principals:
        run = Run(client, loop, principal)
        mine = [op for op in operations if op.path.startswith(principal.root)]
        assert mine, principal.name
        for operation in mine:
            await asyncio.to_thread(_run_operation, run, schema, operation, lab_data)
        runs.append(run)
    total = sum(sum(statuses.total() for statuses in run.sent.values()) for run in runs)
    print(f"\nAPI schema: {len(operations)} operations, {total} requests")
    for run in runs:
        print(f"  {run.principal.name}: {run.seconds:.1f} s in the app")
        for label, statuses in sorted(run.sent.items()):
            answers = " ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
            print(f"  {run.principal.name:<12} {label:<48} {statuses.total():>4}  {answers}")
    failures = [failure for run in runs for failure in run.failures]
    kind = "sqlite" if db.is_sqlite(engine) else "postgresql"
    per_operation = ", ".join(
        f"{label} {statuses.total()}" for label, statuses in sorted(runs[0].sent.items())
    )
    report_figure(
        request,
        f"API schema ({kind}): {len(operations)} operations, {total} requests, "
        f"{len(failures)} failures (server errors or conformance); as the manager: {per_operation}",
    )
    assert not failures, "\n\n".join(failures)


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The OpenAPI document as the app serves it (no database needed to describe the API)."""
    directory = tmp_path_factory.mktemp("schema")
    # In development (LAB_DEBUG) anyone may read it; in production only staff (tested in
    # tests/test_route_guards.py).
    settings = Settings.from_env(
        {"LAB_DATA_DIR": str(directory), "LAB_SECRET_KEY": SECRET, "LAB_DEBUG": "true"}
    )
    with TestClient(create_app(settings, background_jobs=False)) as client:
        return client.get("/api/schema/openapi.json").json()


def test_the_schema_documents_the_json_api_and_nothing_else(document):
    assert document["paths"]
    for path, item in document["paths"].items():
        assert path.startswith(JSON_ROOTS), f"{path} is not part of the JSON API"
        for method, operation in item.items():
            assert operation["security"], f"{method} {path} says nothing of who may call it"
            for status, response in operation["responses"].items():
                types = set(response.get("content", {}))
                assert types <= {"application/json"}, f"{method} {path} {status}: {types}"
                if status.startswith(("4", "5")):
                    # lab's error body, or one that says more (a refused scan's next appointment)
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                    assert set(body["required"]) >= {"code", "message"}, (method, path, status)
                    assert body["properties"]["code"] == {"type": "string"}
                    assert body["properties"]["message"] == {"type": "string"}
    error_body = document["components"]["schemas"]["ErrorBody"]
    assert error_body["required"] == ["code", "message"]
    assert set(error_body["properties"]) == {"code", "message", "field_errors"}
    assert "status_code" not in json.dumps(document)  # Litestar's own error body is gone


def test_days_and_moments_read_as_dates_in_the_schema(document):
    parameters = document["paths"]["/api/resources/{resource_id}/availability"]["get"]["parameters"]
    day = next(parameter for parameter in parameters if parameter["name"] == "day")
    assert day["schema"]["type"] == "string" and day["schema"]["format"] == "date"
    booking = document["components"]["schemas"]["BookingApiInput"]["properties"]
    assert booking["starts_at"]["format"] == "date-time"
    checkin = document["components"]["schemas"]["CheckinBody"]["properties"]
    assert checkin["client_at"]["format"] == "date-time"


def test_the_workshops_attendance_visits_and_calendar_api_is_documented(document):
    """The JSON API of workshops (modules, sessions, enrolments), attendance, visits and the
    staff's own calendar: each operation is in the schema, with pagination on its lists and
    a period on those of moments."""
    operations = {
        ("get", "/api/workshops"),
        ("get", "/api/workshops/{module_id}"),
        ("get", "/api/workshops/{module_id}/enrolments"),
        ("post", "/api/workshops/{module_id}/enrolments"),
        ("post", "/api/workshops/enrolments/{enrolment_id}/cancel"),
        ("get", "/api/workshops/sessions"),
        ("get", "/api/workshops/sessions/{session_id}"),
        ("get", "/api/workshops/sessions/{session_id}/enrolments"),
        ("get", "/api/attendance/sessions/{session_id}"),
        ("get", "/api/visits"),
        ("get", "/api/calendar/sessions"),
        ("get", "/api/calendar/bookings"),
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations <= documented, operations - documented
    periods = ("/api/visits", "/api/workshops/sessions", "/api/calendar/sessions")
    for path in (*periods, "/api/calendar/bookings", "/api/attendance/sessions/{session_id}"):
        names = {parameter["name"] for parameter in document["paths"][path]["get"]["parameters"]}
        assert {"limit", "offset"} <= names, (path, names)
        if path in periods or path == "/api/calendar/bookings":
            assert {"from", "to"} <= names, (path, names)
