"""What the reports' templates show, built from a ``Report``: the filter form, the headline
figures with their links (the rows behind them, the previous period), each table with its chart,
the files, and a closed month's corrections. Permissions are settled before: a template is never
given what its reader may not see."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

from litestar import Request

from lab.core import clock
from lab.core.errors import LabError
from lab.core.i18n import N_, _, current_language
from lab.reports import activity, drawing, exports, present, screen, services
from lab.reports.filters import MODULE_KINDS, PRESETS, Scope
from lab.reports.model import Table, Value
from lab.reports.rows import ROWS
from lab.reports.services import Report
from lab.reports.writers import format_value
from lab.workshops.services import KINDS


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    table: Table
    chart: str | None
    rows: list[screen.Row]  # the table's cells, worded for the page


FILE_LABELS = {
    "dashboard": N_("Rapport d'activité"),
    "esf": N_("FSE+ : participants"),
    "collective": N_("Séances collectives (système d'information)"),
}


def cell(value: Value, kind: str = "count", mark: str | None = None, markers=None) -> str:
    """A report value as the reader reads it: numbers and dates in their language."""
    if value is None and mark and markers:
        return markers[mark]
    return format_value(value, kind, current_language())


def _link(request: Request, name: str, query: dict[str, str], **params: str) -> str:
    return f"{request.app.route_reverse(name, **params)}?{urlencode(query)}"


def form_values(request: Request) -> dict[str, str]:
    keys = ("period", "day", "first", "last", "site", "kind", "module", "facilitator", "partner")
    return {key: request.query_params.get(key) or "" for key in keys}


def filter_options(scope: Scope, choices) -> dict[str, dict]:
    return {
        "periods": PRESETS,
        "sites": {site: name for site, (name, _zone) in choices.sites.items()},
        "kinds": {kind: KINDS[kind] for kind in MODULE_KINDS if kind in KINDS},
        "modules": dict(choices.modules),
        "facilitators": dict(choices.facilitators),
        "partners": dict(choices.partners),
    }


def dashboard_context(request: Request, report: Report, *, home: bool) -> dict:
    settings = request.app.state.settings
    query = report.filters.query()
    funder_view = request.query_params.get("view") == "funder"
    # Readers who may not open the rows see what a funder's file shows: small cells withheld.
    k = settings.report_min_cell if (funder_view or not report.may_see_rows) else 1
    d = report.dashboard
    previous = report.filters.with_period(report.filters.period.previous()).query()
    headlines = [
        {
            "item": item,
            "rows": _link(request, "report_rows", query, kind=item.rows)
            if report.may_see_rows and k == 1 and item.rows in ROWS
            else None,
            "previous": _link(request, "reports", previous) + f"#figure-{item.key}",
        }
        for item in present.headlines(d, k)
    ]
    markers = present.markers(k)
    sections = [
        Section(table, drawing.chart_for(table), screen.screen_rows(table, markers))
        for table in present.dashboard_tables(d, k)
        if table.key != "figures"
    ]
    files = [
        {"what": what, "fmt": fmt, "href": _link(request, "report_file", query, what=what, fmt=fmt)}
        for what, formats in exports.FILES.items()
        for fmt in formats
        if what != "collective" or report.may_see_rows
    ]
    return {
        "home": home,
        "report": report,
        "values": form_values(request) | {"view": "funder" if funder_view else ""},
        "options": filter_options(report.scope, report.choices),
        "errors": {},
        "k": k,
        "legend": present.legend(k) if k > 1 else "",
        "headlines": headlines,
        "sections": sections,
        "files": files,
        "comma_csv": _link(
            request, "report_file", {**query, "delimiter": "comma"}, what="dashboard", fmt="csv"
        ),
        "funder_href": _link(request, "reports", {**query, "view": "funder"}),
        "full_href": _link(request, "reports", query),
        "close_href": _link(request, "report_close", query),
        "can_close": services.can_close(request.user, report),
        "corrections": _corrections(report) if report.frozen else [],
        "activity_href": request.app.route_reverse("report_activity"),
        "cell": lambda value, kind="count", mark=None: cell(value, kind, mark, markers),
        "file_labels": {key: _(label) for key, label in FILE_LABELS.items()},
        "message": "",
    }


def _corrections(report: Report) -> list[dict]:
    """Figures changed since the month was closed: the frozen value stays in the files."""
    before = {item.key: item for item in present.headlines(report.frozen.dashboard, 1)}
    after = {item.key: item for item in present.headlines(report.live, 1)}
    return [
        {"label": item.label, "kind": item.kind, "frozen": item.value, "now": after[key].value}
        for key, item in before.items()
        if key in after and after[key].value != item.value
    ]


def refused_context(
    request: Request, scope: Scope, choices, error: LabError, *, home: bool
) -> dict:
    """The page with its filters and what was wrong with them, no figure."""
    return {
        "home": home,
        "report": None,
        "values": form_values(request),
        "options": filter_options(scope, choices),
        "errors": error.field_errors,
        "message": error.message,
        "k": 1,
    }


def rows_context(request: Request, report: Report, table: Table) -> dict:
    return {
        "report": report,
        "table": table,
        "rows": screen.screen_rows(table, present.markers(1)),
        "back": _link(request, "reports", report.filters.query()),
        "limit": len(table.rows),
    }


async def activity_context(request: Request) -> dict:
    settings = request.app.state.settings
    # The filters give the reader's sites; the page shows no figure of the dashboard.
    report = await services.report_for(request.user, {"period": "week"}, figures=False)
    zone = report.choices.sites[report.filters.site_ids[0]][1]
    people = await activity.below_target(
        report.filters.site_ids, clock.now().date(), zone, settings.weekly_activity_hours
    )
    return {"people": people, "target": settings.weekly_activity_hours, "report": report}
