"""The network report: its page (htmx swaps the report block when a filter changes) and its
files. Filters travel in the query string: a period, a site, a zone; never a person."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.params import FromPath

from lab.core.errors import Invalid
from lab.core.guards import require_role
from lab.core.roles import MANAGERS
from lab.core.web import file_response, render
from lab.reports import network, network_present

PAGE = "reports/network.html"


def _raw(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


@get("/reports/network", name="report_network")
async def network_page(request: Request) -> Response:
    """The whole page; for htmx (a filter changed), the report block only. Small cells are
    withheld in the funder's view, as on the dashboard."""
    funder_view = request.query_params.get("view") == "funder"
    k = request.app.state.settings.report_min_cell if funder_view else 1
    try:
        report = await network.network_report_for(request.user, _raw(request))
    except Invalid as error:
        options = await network.filter_options(request.user)
        context = network_present.page_context(request, None, k, error, options)
        return render(request, PAGE, context, block="report", status_code=422)
    return render(request, PAGE, network_present.page_context(request, report, k), block="report")


@get("/reports/network/files/{fmt:str}", name="report_network_file")
async def network_file(request: Request, fmt: FromPath[str]) -> Response:
    report = await network.network_report_for(request.user, _raw(request))
    made = network_present.network_file(
        report,
        fmt,
        request.app.state.settings.report_min_cell,
        request.query_params.get("delimiter") or "semicolon",
    )
    return file_response(made.content, made.media_type, made.name, attachment=True)


network_report_router = Router(
    path="/", guards=[require_role(*MANAGERS)], route_handlers=[network_page, network_file]
)
