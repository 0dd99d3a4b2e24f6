"""Partners as CSV: the export, and the all-or-nothing import with an error per line."""

from __future__ import annotations

import csv
import dataclasses
import io

import msgspec

from lab.core import audit, clock
from lab.core.db import write_transaction
from lab.core.errors import Forbidden, Invalid
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.network.access import (
    network_site_ids,
)
from lab.network.forms import PartnerInput
from lab.network.partners import apply, normalise, similar_partners
from lab.network.tables import NetworkPartner

CSV_COLUMNS = (
    "name",
    "kind",
    "municipality",
    "zone",
    "services",
    "tags",
    "language",
    "email",
    "phone",
    "address",
    "website",
)
MAX_IMPORT_LINES = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class RowProblem:
    """One line of an imported file that was not imported, or imported with a warning."""

    line: int  # the line number in the file (the header is line 1)
    messages: tuple[str, ...]  # in the importing person's language
    warning: bool = False  # a duplicate (imported only with ``confirm_duplicates``)


@dataclasses.dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    problems: tuple[RowProblem, ...]


def _rows(text: str) -> list[dict[str, str]]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise Invalid(_("Le fichier est vide."), code="invalid")
    if "\0" in text:  # a binary file, not text (and no database keeps a NUL in text)
        line = text[: text.index("\0")].count("\n") + 1
        raise Invalid(
            _("Ce fichier n'est pas un CSV lisible (ligne %(n)s).", n=line), code="invalid"
        )
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read(reader)
    except csv.Error as error:  # a NUL byte, a field too long, an unclosed quote at the end
        raise Invalid(
            _("Ce fichier n'est pas un CSV lisible (ligne %(n)s).", n=reader.line_num),
            code="invalid",
        ) from error


def _read(reader: csv.DictReader) -> list[dict[str, str]]:
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "name" not in fields:
        raise Invalid(
            _("La première ligne doit nommer les colonnes, dont « name »."), code="invalid"
        )
    reader.fieldnames = fields
    rows = []
    for row in reader:
        if len(rows) >= MAX_IMPORT_LINES:
            raise Invalid(
                _("%(n)s lignes au maximum par fichier.", n=MAX_IMPORT_LINES), code="invalid"
            )
        rows.append({key: (value or "").strip() for key, value in row.items() if key})
    return rows


async def import_partners(
    actor: StaffPrincipal, site_id: int, text: str, *, confirm_duplicates: bool = False
) -> ImportResult:
    """Import partners from CSV (the columns of ``queries.export_partners``; ``;`` or ``,``
    separated, UTF-8 with or without BOM), followed by ``site_id``.

    All or nothing: when any line has an error, nothing is imported and every line's errors
    are returned (``created`` 0). A line whose name and municipality match an existing
    partner, or an earlier line, is a warning: skipped unless ``confirm_duplicates``.
    Errors: forbidden (not a manager of ``site_id``), invalid (not a CSV, no name column, too
    many lines)."""
    if site_id not in actor.site_ids(*MANAGERS):
        raise Forbidden(_("Seul un ou une responsable peut modifier les partenaires."))
    rows = _rows(text)
    shared = await network_site_ids(actor)
    problems: list[RowProblem] = []
    ready: list[tuple[int, PartnerInput]] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):
        values = {column: row.get(column, "") for column in CSV_COLUMNS}
        values["site_id"] = str(site_id)
        values["active"] = "on"  # an imported partner is active
        values["kind"] = values["kind"] or "other"
        values["language"] = values["language"] or "fr"
        try:
            data = parse_form(PartnerInput, values)
        except Invalid as error:
            problems.append(
                RowProblem(
                    line,
                    tuple(f"{field} : {message}" for field, message in error.field_errors.items()),
                )
            )
            continue
        key = (normalise(data.name), normalise(data.municipality))
        if key in seen or await similar_partners(shared, data.name, data.municipality):
            problems.append(
                RowProblem(
                    line,
                    (
                        _(
                            "%(name)s existe déjà dans cette commune.",
                            name=data.name,
                        ),
                    ),
                    warning=True,
                )
            )
            if not confirm_duplicates:
                continue
        seen.add(key)
        ready.append((line, data))
    if any(not problem.warning for problem in problems):
        await audit.record(
            actor, "network.partner.import_refused", "", site_id=site_id, lines=len(rows)
        )
        return ImportResult(created=0, problems=tuple(problems))
    async with write_transaction(NetworkPartner._meta.db):
        now = clock.now()
        for _line, data in ready:
            partner = NetworkPartner(site=data.site_id, created_at=now, updated_at=now)
            apply(partner, msgspec.structs.replace(data, confirm_duplicate=True))
            await partner.save()
        await audit.record(
            actor, "network.partner.imported", "", site_id=site_id, created=len(ready)
        )
    return ImportResult(created=len(ready), problems=tuple(problems))


async def export_partners(actor: StaffPrincipal) -> str:
    """The partners of the actor's networks as CSV (``CSV_COLUMNS``, UTF-8 with BOM, ``;``),
    the file ``services.import_partners`` reads back. No contact person's data."""
    rows = (
        await NetworkPartner.select(*(getattr(NetworkPartner, name) for name in CSV_COLUMNS))
        .where(NetworkPartner.site.is_in(sorted(await network_site_ids(actor)) or [-1]))
        .order_by(NetworkPartner.search_name)
        .order_by(NetworkPartner.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = " ".join(str(value or "").split()) if not isinstance(value, str) else value
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
