"""The reports' files: the dashboard (CSV, XLSX, PDF), the ESF+ indicators (CSV, XLSX) and the
collective sessions for the information system (CSV, XLSX), all from the same tables as the page.

Every file withholds small cells (k from the settings), except the collective-sessions file,
which lists people by name for the sites the reader works at and counts nothing. A closed
period's files are made from its frozen figures and dated by its closing: the same bytes
whenever they are made again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import anyio

from lab.core import clock
from lab.core.errors import Invalid
from lab.core.i18n import _, current_language
from lab.reports import drawing, present, services
from lab.reports.figures import Dashboard, EsfFigures, RegistrantRow
from lab.reports.model import Table
from lab.reports.services import Report
from lab.reports.writers import (
    Figure,
    PdfDocument,
    Section,
    csv_bytes,
    format_value,
    pdf_bytes,
    xlsx_bytes,
)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FILES = {"dashboard": ("csv", "xlsx", "pdf"), "esf": ("csv", "xlsx"), "collective": ("csv", "xlsx")}
DELIMITERS = {"semicolon": ";", "comma": ","}


@dataclasses.dataclass(frozen=True, slots=True)
class File:
    name: str
    media_type: str
    content: bytes


def _zone(report: Report) -> ZoneInfo:
    """The zone a file's times are written in: the first filtered site's."""
    return ZoneInfo(report.choices.sites[report.filters.site_ids[0]][1])


def _made_at(report: Report) -> dt.datetime:
    return report.frozen.closed_at if report.frozen else clock.now()


def preamble(report: Report, title: str, k: int) -> list[str]:
    f = report.filters
    lines = [
        title,
        _("Sites : %(sites)s", sites=", ".join(report.site_names)),
        _("Période : du %(first)s au %(last)s", first=f.period.first, last=f.period.last),
    ]
    if report.frozen:
        lines.append(
            _(
                "Période close le %(day)s (empreinte SHA-256 %(digest)s).",
                day=report.frozen.closed_at.astimezone(_zone(report)).date().isoformat(),
                digest=report.frozen.digest,
            )
        )
    if k > 1:
        lines.append(present.legend(k))
    return lines


def _stem(report: Report, what: str) -> str:
    f = report.filters
    sites = "reseau" if len(f.site_ids) > 1 else f"site-{f.site_ids[0]}"
    return f"lab-{what}-{sites}-{f.period.first.isoformat()}-{f.period.last.isoformat()}"


async def build(report: Report, what: str, fmt: str, k: int, delimiter: str = "semicolon") -> File:
    """One file of the report. Errors: 422 for an unknown file, format or delimiter; 403 for
    the collective-sessions file where the reader may not see people."""
    if what not in FILES or fmt not in FILES[what]:
        raise Invalid(_("Ce fichier n'existe pas."), field_errors={"format": _("Format inconnu.")})
    if delimiter not in DELIMITERS:
        raise Invalid(
            _("Choisissez le point-virgule ou la virgule."),
            field_errors={"delimiter": _("Séparateur inconnu.")},
        )
    if what == "esf":
        figures = await services.esf_of(report)
    elif what == "collective":
        figures = await services.registrants_of(report)
    else:
        figures = report.dashboard
    # Drawn in a worker thread: a network's year of rows is seconds of CPU (a year's collective
    # sessions, 340,000 rows, in XLSX), and the event loop goes on serving the kiosks meanwhile.
    return await anyio.to_thread.run_sync(
        functools.partial(_draw, report, what, fmt, k, DELIMITERS[delimiter], figures)
    )


def _draw(
    report: Report,
    what: str,
    fmt: str,
    k: int,
    delimiter: str,
    figures: Dashboard | EsfFigures | list[RegistrantRow] | None,
) -> File:
    """The file's bytes from the figures read for it (no database: any thread)."""
    if what == "dashboard":
        title = _("Rapport d'activité du lab")
        tables = present.dashboard_tables(figures, k)
    elif what == "esf":
        title = _("FSE+ : indicateurs communs de réalisation (participants)")
        tables = [present.esf_table(figures, k)]
    else:
        title = _("Séances collectives et inscrits")
        tables = [present.collective_table(figures)]
        k = 1  # rows of named people: nothing is counted, nothing to withhold
    lines = preamble(report, title, k)
    markers = present.markers(k)
    tz = _zone(report)
    name = f"{_stem(report, what)}.{fmt}"
    if fmt == "csv":
        content = csv_bytes(tables, delimiter=delimiter, markers=markers, preamble=lines, tz=tz)
    elif fmt == "xlsx":
        content = xlsx_bytes(
            tables,
            title=title,
            created=_made_at(report),
            markers=markers,
            preamble=lines,
            tz=tz,
        )
    else:
        content = pdf_bytes(_pdf(report, title, tables, lines, k, markers, tz))
    return File(name, FORMATS[fmt], content)


def _pdf(
    report: Report,
    title: str,
    tables: Sequence[Table],
    lines: Sequence[str],
    k: int,
    markers,
    tz: ZoneInfo,
) -> PdfDocument:
    figures = tuple(
        Figure(item.label, _formatted(item.value, item.kind, markers, item.mark))
        for item in present.headlines(report.dashboard, k)
    )
    sections = tuple(
        Section(table=table, chart=str(svg) if (svg := drawing.chart_for(table)) else None)
        for table in tables
        if table.key != "figures"
    )
    return PdfDocument(
        title=title,
        subtitle=" · ".join(lines[1:3]),
        generated_at=_made_at(report),
        language=current_language(),
        figures=figures,
        sections=sections,
        notes=tuple(lines[3:]),
        markers=markers,
        tz=tz,
        footer=title,
    )


def _formatted(value, kind: str, markers, mark) -> str:
    if value is None and mark:
        return markers[mark]
    return format_value(value, kind, current_language())
