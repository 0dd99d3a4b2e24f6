"""Nothing a stranger sends breaks lab: every route of the app, as each principal that may reach
it (and as a stranger), gets hostile input in each of its parameters and fields: integers past
every range, days in year 1 and 9999, file parts where text is expected, JSON a thousand levels
deep, markup, invalid UTF-8. No answer is a server error; no markup comes back unescaped."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

from lab.accounts.tables import Visitor
from lab.app import create_app
from tests.conftest import BASE_URL, report_figure
from tests.fuzz import Outcome, Target, fuzz, targets
from tests.helpers import login
from tests.kiosk.helpers import pair_client
from tests.kiosk.test_visitor_routes import identify
from tests.me.factories import sign_in, visitor_with_pass

# Routes that end the session of whoever calls them: fuzzed, then the session is opened again.
ENDS_A_SESSION = {"/logout", "/me/sign-out", "/kiosk/end"}
STAFF = ("facilitator", "manager", "network_manager", "admin")


def _principal(target: Target) -> str:
    if not target.roles:
        return "public"
    if "kiosk" in target.roles:
        return "kiosk"
    if "visitor" in target.roles:
        return "phone"
    return "staff"


async def _still_signed_in(client: AsyncTestClient, principal: str) -> bool:
    probe = {"staff": "/", "kiosk": "/kiosk/mine", "phone": "/me"}[principal]
    return (await client.get(probe)).status_code == 200


async def _run(
    app: Litestar, cast, principal_targets: dict[str, list[Target]], *, engine_only: bool = False
) -> Outcome:
    outcome = Outcome()

    async def sign(client: AsyncTestClient, principal: str) -> None:
        # A fresh card each time: fuzzing staff routes may have replaced or erased the last one.
        holder = await visitor_with_pass(cast.saint_denis, "Inès")
        if principal == "staff":
            await login(client, cast.email("camille"))
        elif principal == "kiosk":
            if "lab_kiosk" not in client.cookies:
                await pair_client(client, cast)
            await identify(client, holder)
        elif principal == "phone":
            await sign_in(client, holder)
            client.headers["x-csrftoken"] = client.cookies["lab_csrf"]

    for principal, chosen in principal_targets.items():
        async with AsyncTestClient(app, base_url=BASE_URL) as client:
            client.follow_redirects = False
            if principal in ("public", "anonymous"):
                await client.get("/login")
                client.headers["x-csrftoken"] = client.cookies["lab_csrf"]
            else:
                await sign(client, principal)
            for target in chosen:
                await fuzz(
                    client,
                    target,
                    outcome,
                    with_bodies=principal != "anonymous",
                    engine_only=engine_only,
                )
                if principal in ("staff", "kiosk", "phone") and not await _still_signed_in(
                    client, principal
                ):
                    assert target.path in ENDS_A_SESSION, f"{target.path} ended the session"
                    await sign(client, principal)
    return outcome


async def test_no_route_answers_a_server_error_or_echoes_markup_to_hostile_input(
    app, cast, database_url, request
):
    every = list(targets(app))
    by_principal: dict[str, list[Target]] = {"public": [], "staff": [], "kiosk": [], "phone": []}
    for target in every:
        by_principal[_principal(target)].append(target)
    # A stranger, before any login, on every route (path and query; bodies on public routes).
    by_principal["anonymous"] = [t for t in every if t.roles]
    # Everything on SQLite; on PostgreSQL, what its stricter types and text could break.
    engine_only = not database_url.startswith("sqlite")
    outcome = await _run(app, cast, by_principal, engine_only=engine_only)
    report_figure(
        request,
        f"fuzz ({database_url.split(':')[0]}): {len(every)} routes, {outcome.tried} requests, "
        f"{len(outcome.failures)} answers >= 500 or echoing markup",
    )
    assert not outcome.failures, "\n".join(outcome.failures[:60])
    assert len(every) > 150 and outcome.tried > (1200 if engine_only else 4000)


# ---- the fuzzer can fail -------------------------------------------------------------------


@get("/planted/{visitor_id:int}")
async def planted(visitor_id: FromPath[int]) -> str:
    """An id with no bounds, as a careless handler would take it."""
    row = await Visitor.objects().where(Visitor.id == visitor_id).first()
    return "found" if row else "none"


@pytest.fixture
def planted_app(settings, engine) -> Litestar:
    app = create_app(settings, engine=engine, pool=False, background_jobs=False)
    app.register(planted)
    return app


async def test_the_fuzzer_finds_a_planted_unbounded_parameter(planted_app, cast):
    chosen = [target for target in targets(planted_app) if target.path.startswith("/planted")]
    assert chosen
    outcome = await _run(planted_app, cast, {"public": chosen})
    assert any("visitor_id" in failure and "500" in failure for failure in outcome.failures), (
        outcome.failures
    )
