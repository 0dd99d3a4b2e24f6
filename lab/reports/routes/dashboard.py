"""The dashboard (the staff home page and /reports), the rows behind a figure, the files, and
closing a month. Filters travel in the query string: they name periods, sites and modules,
never a person."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from lab.core.errors import Invalid
from lab.core.guards import require_role
from lab.core.roles import STAFF_ROLES
from lab.core.web import file_response, render
from lab.reports import exports, pages, services

PAGE = "reports/dashboard.html"


def _raw(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


async def _dashboard(request: Request, *, home: bool) -> Response:
    """The page; filters that name nothing give it back with their errors (422)."""
    try:
        report = await services.report_for(request.user, _raw(request))
    except Invalid as error:
        scope, choices = await services.filter_choices(request.user)
        context = pages.refused_context(request, scope, choices, error, home=home)
        return render(request, PAGE, context, block="report", status_code=422)
    context = pages.dashboard_context(request, report, home=home)
    return render(request, PAGE, context, block="report")


@get("/", name="home")
async def home(request: Request) -> Response:
    """Staff land on their figures: a manager's sites, a network manager's network, a
    facilitator's own sessions; with the day's shortcuts above."""
    return await _dashboard(request, home=True)


@get("/reports", name="reports")
async def dashboard(request: Request) -> Response:
    """The whole page; for htmx (a filter changed), the report block only."""
    return await _dashboard(request, home=False)


@get("/reports/rows/{kind:str}", name="report_rows")
async def rows(request: Request, kind: FromPath[str]) -> Response:
    report = await services.report_for(request.user, _raw(request), figures=False)
    table = await services.rows_for(report, kind)
    return render(request, "reports/rows.html", pages.rows_context(request, report, table))


@get("/reports/files/{what:str}/{fmt:str}", name="report_file")
async def report_file(request: Request, what: FromPath[str], fmt: FromPath[str]) -> Response:
    report = await services.report_for(request.user, _raw(request), figures=what == "dashboard")
    k = request.app.state.settings.report_min_cell
    made = await exports.build(
        report, what, fmt, k, request.query_params.get("delimiter") or "semicolon"
    )
    return file_response(made.content, made.media_type, made.name, attachment=True)


@post("/reports/close", name="report_close")
async def close(request: Request) -> Response:
    report = await services.report_for(request.user, _raw(request), figures=False)
    await services.close_month(request.user, report)
    return Redirect(
        f"{request.app.route_reverse('reports')}?{urlencode(report.filters.query())}",
        status_code=303,
    )


@get("/reports/activity", name="report_activity")
async def activity(request: Request) -> Response:
    """People followed at the reader's sites whose activity this week is under the target."""
    context = await pages.activity_context(request)
    return render(request, "reports/activity.html", context, block="people")


home_router = Router(path="/", route_handlers=[home], guards=[require_role(*STAFF_ROLES)])
reports_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[dashboard, rows, report_file, close, activity],
)
