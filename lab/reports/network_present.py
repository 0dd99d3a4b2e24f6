"""The network report in the reader's language: its tables (people's counts withheld below k),
their charts, its CSV and XLSX, and what its page shows. The figures are ``lab.reports.network``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from markupsafe import Markup

from lab.core import clock
from lab.core.errors import Invalid
from lab.core.i18n import _
from lab.network.queries import NEEDS, OUTCOMES
from lab.reports import charts, present
from lab.reports.drawing import number_format
from lab.reports.filters import PRESETS
from lab.reports.model import Column, Mark, Table, Value
from lab.reports.network import STANDINGS, NetworkReport
from lab.reports.pages import cell as pages_cell
from lab.reports.screen import screen_rows
from lab.reports.suppression import protect_grid
from lab.reports.writers import csv_bytes, xlsx_bytes

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DELIMITERS = {"semicolon": ";", "comma": ","}


def _period_text(report: NetworkReport) -> str:
    p = report.filters.period
    return _("du %(first)s au %(last)s", first=p.first.isoformat(), last=p.last.isoformat())


def _grid_table(
    key: str,
    title: str,
    description: str,
    label: Column,
    lines: Sequence[tuple[str, Sequence[int]]],
    columns: Sequence[Column],
    k: int,
    total: str,
) -> Table:
    """Lines of counts with a total line, small cells withheld (``k``) when they count people."""
    protected = protect_grid([list(values) for _n, values in lines], k, row_totals=False)
    names = [*(name for name, _v in lines), total]
    rows = tuple((names[index], *values) for index, values in enumerate(protected.values))
    marks = {(row, column + 1): mark for (row, column), mark in protected.marks.items()}
    return Table(
        key=key,
        title=title,
        description=description,
        columns=(label, *columns),
        rows=tuple(rows),
        marks=marks,
        has_total=True,
    )


def headline_table(report: NetworkReport) -> Table:
    """The five figures as one table (the page shows them big; the files list them)."""
    figures = report.figures
    items = [
        (_("Réunions de réseau tenues"), figures.meetings_held),
        (_("Partenaires présents (organisations)"), figures.partners_present),
        (_("Actions ouvertes"), figures.actions_opened),
        (_("Actions terminées"), figures.actions_completed),
        (_("Orientations vers un partenaire"), figures.referrals),
    ]
    return Table(
        key="network_figures",
        title=_("Chiffres clés du réseau"),
        description=_("Le réseau local, %(period)s.", period=_period_text(report)),
        columns=(Column("figure", _("Chiffre"), "text"), Column("value", _("Nombre"))),
        rows=tuple(items),
    )


def network_tables(report: NetworkReport, k: int) -> list[Table]:
    """Every table of the report, with people's counts withheld below ``k``."""
    figures = report.figures
    period = _period_text(report)
    sites = _grid_table(
        "network_sites",
        _("Le réseau par site"),
        _(
            "Réunions tenues, partenaires présents, actions ouvertes et terminées, orientations, "
            "par site, %(period)s.",
            period=period,
        ),
        Column("site", _("Site"), "text"),
        [
            (
                report.choices.sites[line.site_id][0],
                [line.meetings, line.actions_opened, line.actions_completed],
            )
            for line in figures.sites
        ],
        (
            Column("meetings", _("Réunions tenues")),
            Column("actions_opened", _("Actions ouvertes")),
            Column("actions_completed", _("Actions terminées")),
        ),
        1,
        _("Total"),
    )
    # Organisations present once per site: their total is not the sum of the lines.
    sites = _with_column(
        sites,
        Column("partners_present", _("Partenaires présents"), summed=False),
        [line.partners_present for line in figures.sites] + [figures.partners_present],
        after=1,
    )
    referral_column = _grid_table(
        "referrals_by_site",
        "",
        "",
        Column("site", _("Site"), "text"),
        [(str(line.site_id), [line.referrals]) for line in figures.sites],
        (Column("referrals", _("Orientations")),),
        k,
        _("Total"),
    )
    sites = _with_column(
        sites,
        Column("referrals", _("Orientations")),
        [row[1] for row in referral_column.rows],
        marks={row: mark for (row, _c), mark in referral_column.marks.items()},
    )
    zones = Table(
        key="network_zones",
        title=_("Les réunions par zone"),
        description=_(
            "Réunions tenues et partenaires présents par zone (sans zone : celles d'un site "
            "pour lui-même), %(period)s.",
            period=period,
        ),
        columns=(
            Column("zone", _("Zone"), "text"),
            Column("meetings", _("Réunions tenues")),
            Column("partners_present", _("Partenaires présents"), summed=False),
        ),
        rows=tuple(
            (name or _("Sans zone (un site)"), meetings, partners)
            for name, meetings, partners in figures.zones
        ),
    )
    needs = _grid_table(
        "referrals_by_need",
        _("Orientations par besoin"),
        _("Orientations faites, par besoin de la personne, %(period)s.", period=period),
        Column("need", _("Besoin"), "text"),
        [(_(label), [figures.by_need.get(code, 0)]) for code, label in NEEDS.items()],
        (Column("referrals", _("Orientations")),),
        k,
        _("Total"),
    )
    standings = {**STANDINGS, **{f"outcome:{code}": label for code, label in OUTCOMES.items()}}
    outcomes = _grid_table(
        "referrals_by_outcome",
        _("Orientations par suite donnée"),
        _(
            "Où en sont les orientations faites %(period)s : envoyées, prises en compte, sans "
            "suite, ou leur résultat quand il est connu.",
            period=period,
        ),
        Column("outcome", _("Suite"), "text"),
        [(_(label), [figures.by_standing.get(code, 0)]) for code, label in standings.items()],
        (Column("referrals", _("Orientations")),),
        k,
        _("Total"),
    )
    return [headline_table(report), sites, zones, needs, outcomes]


def _with_column(
    table: Table,
    column: Column,
    values: Sequence[Value],
    *,
    after: int | None = None,
    marks: Mapping[int, Mark] | None = None,
) -> Table:
    """``table`` with one more column (at the end, or after column ``after``)."""
    position = len(table.columns) if after is None else after + 1
    rows = tuple(
        (*row[:position], values[index], *row[position:]) for index, row in enumerate(table.rows)
    )
    moved: dict[tuple[int, int], Mark] = {}
    for (row, col), mark in table.marks.items():
        moved[(row, col + 1 if col >= position else col)] = mark
    for row, mark in (marks or {}).items():
        moved[(row, position)] = mark
    return dataclasses.replace(
        table,
        columns=(*table.columns[:position], column, *table.columns[position:]),
        rows=rows,
        marks=moved,
    )


def chart_for(table: Table) -> Markup | None:
    """The bar chart drawn from a table's own numbers (its total left out)."""
    drawn = {
        "network_sites": "meetings",
        "network_zones": "meetings",
        "referrals_by_need": "referrals",
        "referrals_by_outcome": "referrals",
    }
    if table.key not in drawn:
        return None
    column = next(i for i, c in enumerate(table.columns) if c.key == drawn[table.key])
    count = len(table.rows) - (1 if table.has_total else 0)
    return charts.bars(
        f"chart-{table.key.replace('_', '-')}",
        table.title,
        table.description,
        [str(row[0]) for row in table.rows[:count]],
        [table.rows[index][column] for index in range(count)],
        fmt=number_format(),
        horizontal=True,
    )


# ---- files ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class File:
    name: str
    media_type: str
    content: bytes


def preamble(report: NetworkReport, title: str, k: int) -> list[str]:
    p = report.filters.period
    lines = [
        title,
        _("Sites : %(sites)s", sites=", ".join(report.site_names)),
        _("Période : du %(first)s au %(last)s", first=p.first, last=p.last),
    ]
    if report.zone:
        lines.append(_("Zone : %(zone)s", zone=report.zone))
    if k > 1:
        lines.append(present.legend(k))
    return lines


def network_file(report: NetworkReport, fmt: str, k: int, delimiter: str = "semicolon") -> File:
    """The report as a CSV or an XLSX, from the same tables as the page.
    Errors: 422 for an unknown format or delimiter."""
    if fmt not in FORMATS:
        raise Invalid(_("Ce fichier n'existe pas."), field_errors={"format": _("Format inconnu.")})
    if delimiter not in DELIMITERS:
        raise Invalid(
            _("Choisissez le point-virgule ou la virgule."),
            field_errors={"delimiter": _("Séparateur inconnu.")},
        )
    title = _("Rapport du réseau local")
    tables = network_tables(report, k)
    lines = preamble(report, title, k)
    markers = present.markers(k)
    f = report.filters
    tz = ZoneInfo(report.choices.sites[f.site_ids[0]][1])
    sites = "reseau" if len(f.site_ids) > 1 else f"site-{f.site_ids[0]}"
    name = f"lab-partenaires-{sites}-{f.period.first.isoformat()}-{f.period.last.isoformat()}"
    if fmt == "csv":
        content = csv_bytes(
            tables, delimiter=DELIMITERS[delimiter], markers=markers, preamble=lines, tz=tz
        )
    else:
        content = xlsx_bytes(
            tables, title=title, created=clock.now(), markers=markers, preamble=lines, tz=tz
        )
    return File(f"{name}.{fmt}", FORMATS[fmt], content)


# ---- the page ------------------------------------------------------------------------------


def page_context(request, report: NetworkReport | None, k: int, error=None, options=None) -> dict:
    """What templates/reports/network.html shows: filters, figures, tables with their charts,
    and the files' links (the same filters)."""
    keys = ("period", "day", "first", "last", "site", "zone")
    values = {key: request.query_params.get(key) or "" for key in keys}
    funder_view = request.query_params.get("view") == "funder"
    values["view"] = "funder" if funder_view else ""
    markers = present.markers(k)
    context: dict = {
        "report": report,
        "values": values,
        "errors": error.field_errors if error else {},
        "message": error.message if error else "",
        "k": k,
        "legend": present.legend(k) if k > 1 else "",
        "cell": lambda value, kind="count", mark=None: pages_cell(value, kind, mark, markers),
        "options": options or {},
    }
    if report is None:
        return context
    query = _query(report)
    base = request.app.route_reverse("report_network")
    tables = network_tables(report, k)
    context.update(
        options={
            "periods": PRESETS,
            "sites": {site: name for site, (name, _zone) in report.choices.sites.items()},
            "zones": {zone: zone for zone in report.zones},
        },
        headlines=tables[0].rows,
        sections=[(table, chart_for(table), screen_rows(table, markers)) for table in tables[1:]],
        files=[
            (fmt, f"{request.app.route_reverse('report_network_file', fmt=fmt)}?{urlencode(query)}")
            for fmt in FORMATS
        ],
        funder_href=f"{base}?{urlencode({**query, 'view': 'funder'})}",
        full_href=f"{base}?{urlencode(query)}",
    )
    return context


def _query(report: NetworkReport) -> dict[str, str]:
    values = report.filters.query()
    if report.zone:
        values["zone"] = report.zone
    return values
