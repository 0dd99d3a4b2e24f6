"""The rows behind a figure, for staff allowed to see them: the sessions, the attendances, the
people, the visits or the loans a figure counts, read with the very filters of the figure.

Only ``reports.services.rows_for`` calls these, after checking the reader may see rows of every
site in the filters; a facilitator's filters already hold only their own sessions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from lab.accounts.tables import Visitor
from lab.attendance.tables import Attendance
from lab.bookings.tables import Loan
from lab.core.db import chunks, fetch_aside, placeholders
from lab.core.i18n import N_, _, current_language
from lab.reports.figures import CAME
from lab.reports.filters import Filters, read_aside_when_large
from lab.reports.model import Column, Table
from lab.reports.queries import (
    held_sessions,
    participants,
    sessions,
    site_zones,
    visitors_by_id,
    visits,
)
from lab.visits.tables import VisitPurpose

KINDS = {
    "sessions": N_("Les séances"),
    "attendances": N_("Les présences"),
    "participants": N_("Les participants"),
    "visits": N_("Les passages au lab"),
    "loans": N_("Les prêts"),
}
STATUSES = {
    "present": N_("Présent·e"),
    "late": N_("En retard"),
    "scheduled": N_("Prévue"),
    "closed": N_("Tenue"),
    "cancelled": N_("Annulée"),
}
# A page of rows: enough to check a figure by eye; the exports hold the rest.
LIMIT = 500


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


async def _names(ids: set[int]) -> dict[int, str]:
    people = await visitors_by_id(ids, Visitor.first_name, Visitor.last_name)
    return {key: f"{row['last_name']} {row['first_name']}" for key, row in people.items()}


@read_aside_when_large
async def session_rows(f: Filters, now: dt.datetime) -> Table:
    rows = await sessions(f)
    zones = await site_zones(f.site_ids)
    return Table(
        key="sessions",
        title=_(KINDS["sessions"]),
        description=_("Les séances de la période, annulées comprises."),
        columns=(
            Column("starts", _("Début"), "datetime"),
            Column("module", _("Atelier"), "text"),
            Column("status", _("État"), "text"),
        ),
        rows=tuple(
            (
                _local(row["starts_at"], zones[row["site"]]),
                row["title"],
                _(STATUSES["cancelled" if row["status"] == "cancelled" else "closed"])
                if row["status"] == "cancelled" or row["starts_at"] <= now
                else _(STATUSES["scheduled"]),
            )
            for row in rows[:LIMIT]
        ),
    )


@read_aside_when_large
async def attendance_rows(f: Filters, now: dt.datetime) -> Table:
    held = {row["id"]: row for row in held_sessions(await sessions(f), now)}
    zones = await site_zones(f.site_ids)
    found: list[dict] = []
    ids = sorted(held)
    for chunk in chunks(ids):
        found += await fetch_aside(
            Attendance,
            "SELECT session, visitor, status FROM attendance"  # noqa: S608 (placeholders only)
            f" WHERE session IN ({placeholders(chunk)}) AND status IN ({placeholders(CAME)})",
            *chunk,
            *CAME,
        )
    found.sort(key=lambda row: (held[row["session"]]["starts_at"], row["session"], row["visitor"]))
    found = found[:LIMIT]
    names = await _names({row["visitor"] for row in found})
    return Table(
        key="attendances",
        title=_(KINDS["attendances"]),
        description=_("Chaque présence comptée : une personne présente ou en retard à une séance."),
        columns=(
            Column("starts", _("Séance"), "datetime"),
            Column("module", _("Atelier"), "text"),
            Column("person", _("Personne"), "text"),
            Column("status", _("Présence"), "text"),
        ),
        rows=tuple(
            (
                _local(held[row["session"]]["starts_at"], zones[held[row["session"]]["site"]]),
                held[row["session"]]["title"],
                names.get(row["visitor"], ""),
                _(STATUSES[row["status"]]),
            )
            for row in found
        ),
    )


@read_aside_when_large
async def participant_rows(f: Filters, now: dt.datetime) -> Table:
    held = held_sessions(await sessions(f), now)
    first = await participants([row["id"] for row in held])
    names = await _names(set(first))
    ordered = sorted(first, key=lambda person: (names.get(person, ""), person))[:LIMIT]
    return Table(
        key="participants",
        title=_(KINDS["participants"]),
        description=_("Chaque personne venue au moins une fois, avec sa première présence."),
        columns=(
            Column("person", _("Personne"), "text"),
            Column("first", _("Première présence"), "datetime"),
        ),
        rows=tuple((names.get(person, ""), first[person]) for person in ordered),
    )


@read_aside_when_large
async def visit_rows(f: Filters, now: dt.datetime) -> Table:
    found = (await visits(f))[:LIMIT]
    zones = await site_zones(f.site_ids)
    names = await _names({row["visitor"] for row in found if row["visitor"]})
    language = current_language()
    labels: dict[str, str] = {}
    for purpose in await VisitPurpose.select(
        VisitPurpose.code, VisitPurpose.label_fr, VisitPurpose.label_en, VisitPurpose.label_nl
    ).where(VisitPurpose.site.is_in(list(f.site_ids))):
        labels.setdefault(purpose["code"], purpose[f"label_{language}"] or purpose["label_fr"])
    return Table(
        key="visits",
        title=_(KINDS["visits"]),
        description=_("Chaque passage au lab de la période, nommé ou anonyme."),
        columns=(
            Column("arrived", _("Arrivée"), "datetime"),
            Column("left", _("Départ"), "datetime"),
            Column("person", _("Personne"), "text"),
            Column("purpose", _("Motif"), "text"),
        ),
        rows=tuple(
            (
                _local(row["arrived_at"], zones[row["site"]]),
                _local(row["left_at"], zones[row["site"]]) if row["left_at"] else None,
                names.get(row["visitor"], "") if row["visitor"] else _("Anonyme"),
                labels.get(row["purpose"], row["purpose"]),
            )
            for row in found
        ),
    )


@read_aside_when_large
async def loan_rows(f: Filters, now: dt.datetime) -> Table:
    zone_of = await site_zones(f.site_ids)
    found = (
        await Loan.select(
            Loan.visitor,
            Loan.out_at,
            Loan.due_at,
            Loan.returned_at,
            Loan.asset.tag.as_alias("tag"),
            Loan.asset.resource.site.as_alias("site"),
        )
        .where(
            Loan.asset.resource.site.is_in(list(f.site_ids))
            & (Loan.returned_at.is_null() | _out_in_period(f))
        )
        .order_by(Loan.out_at)
        .limit(LIMIT)
    )
    names = await _names({row["visitor"] for row in found})
    return Table(
        key="loans",
        title=_(KINDS["loans"]),
        description=_("Les prêts commencés dans la période, et ceux qui ne sont pas rendus."),
        columns=(
            Column("tag", _("Matériel"), "text"),
            Column("person", _("Personne"), "text"),
            Column("out", _("Prêté le"), "datetime"),
            Column("due", _("À rendre le"), "datetime"),
            Column("returned", _("Rendu le"), "datetime"),
        ),
        rows=tuple(
            (
                row["tag"],
                names.get(row["visitor"], ""),
                _local(row["out_at"], zone_of[row["site"]]),
                _local(row["due_at"], zone_of[row["site"]]),
                _local(row["returned_at"], zone_of[row["site"]]) if row["returned_at"] else None,
            )
            for row in found
        ),
    )


def _out_in_period(f: Filters):
    clause = None
    for sites, start, end in f.bounds():
        part = (
            Loan.asset.resource.site.is_in(list(sites))
            & (Loan.out_at >= start)
            & (Loan.out_at < end)
        )
        clause = part if clause is None else clause | part
    return clause


ROWS: dict[str, Callable[[Filters, dt.datetime], Awaitable[Table]]] = {
    "sessions": session_rows,
    "attendances": attendance_rows,
    "participants": participant_rows,
    "visits": visit_rows,
    "loans": loan_rows,
}
