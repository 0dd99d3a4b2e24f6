"""What the JSON API lists of workshops: modules, sessions over a period, a queue's enrolments,
and the sessions a staff member facilitates. Every read is bounded (a period of at most a year,
a page of rows) and scoped to the actor's sites, as the pages are."""

from __future__ import annotations

import datetime as dt

from lab.accounts.queries import timezones
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.workshops.access import get_enrolment_for, get_module_for, get_session_for
from lab.workshops.programme import (
    modules_facilitated_by,
    session_room,
    sessions_starting_at_sites,
)
from lab.workshops.queues import LIVE, places_in_line, queue_of
from lab.workshops.tables import Enrolment, Module


def _sites(actor: StaffPrincipal, site_id: int | None) -> list[int]:
    """The actor's sites, or ``site_id`` alone if it is one of them (else none)."""
    sites = actor.site_ids()
    if site_id is not None:
        return [site_id] if site_id in sites else []
    return sorted(sites)


async def modules_of(
    actor: StaffPrincipal, site_id: int | None, limit: int, offset: int
) -> list[Module]:
    """The modules of the actor's sites (or of ``site_id``, one of them), by title."""
    return (
        await Module.objects()
        .where(Module.site.is_in(_sites(actor, site_id) or [-1]))
        .order_by(Module.title)
        .order_by(Module.id)
        .limit(limit)
        .offset(offset)
    )


async def sessions_between(
    actor: StaffPrincipal,
    first: dt.date,
    last: dt.date,
    *,
    site_id: int | None = None,
    module_ids: set[int] | None = None,
) -> list[dict]:
    """Sessions (whatever their status) of the actor's sites (or of ``site_id``) starting on
    a day from ``first`` to ``last``, each site's days in its own time zone; with
    ``module_ids``, of those modules only. In order; rows as ``sessions_starting`` gives them.
    """
    windows = {}
    for site, zone in (await timezones(_sites(actor, site_id))).items():
        start = clock.local_instant(first, dt.time(0), zone).astimezone(dt.UTC)
        end = clock.local_instant(last + dt.timedelta(days=1), dt.time(0), zone)
        windows[site] = (start, end.astimezone(dt.UTC))
    # One query for every site, each over its own days.
    found = await sessions_starting_at_sites(windows)
    rows = [row for row in found if module_ids is None or row["module"] in module_ids]
    rows.sort(key=lambda row: (row["starts_at"], row["id"]))
    return rows


async def facilitated_between(actor: StaffPrincipal, first: dt.date, last: dt.date) -> list[dict]:
    """The sessions of modules the actor facilitates, over the period, at their sites."""
    mine = await modules_facilitated_by(actor.user_id)
    if not mine:
        return []
    return await sessions_between(actor, first, last, module_ids=mine)


async def session_row(actor: StaffPrincipal, session_id: int) -> dict:
    """One session as the lists give it. Errors: not_found, forbidden (another site's)."""
    session, module = await get_session_for(actor, session_id)
    return {
        "id": session.id,
        "module": module.id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": session.status,
        "title": module.title,
        "kind": module.kind,
        "enrolment": module.enrolment,
        "site_id": module.site,
        "room": await session_room(session.id),
    }


_ENROLMENT_COLUMNS = (
    Enrolment.id,
    Enrolment.module,
    Enrolment.session,
    Enrolment.status,
    Enrolment.position,
    Enrolment.source,
    Enrolment.created_at,
    Enrolment.visitor,
    Enrolment.visitor.first_name.as_alias("first_name"),
    Enrolment.visitor.last_name.as_alias("last_name"),
)


async def _with_places(module: Module, rows: list[dict]) -> list[dict]:
    """Each waitlisted row's place in its line (1: the next), None for the others."""
    waiting = [row for row in rows if row["status"] == "waitlisted"]
    places = await places_in_line(module, [(row["session"], row["position"]) for row in waiting])
    for row in rows:
        row["place_in_line"] = None
    for row, place in zip(waiting, places, strict=True):
        row["place_in_line"] = place
    return rows


async def module_enrolments(
    actor: StaffPrincipal, module_id: int, limit: int, offset: int
) -> list[dict]:
    """The live enrolments (enrolled, then waitlisted in line) of a module: its one queue for
    a series, every session's for a drop-in module. Errors: not_found, forbidden."""
    module = await get_module_for(actor, module_id)
    where = Enrolment.module == module.id
    if module.enrolment != "drop_in":
        where = queue_of(module.id, module.enrolment, None)
    return await _enrolments(module, where, limit, offset)


async def session_enrolments(
    actor: StaffPrincipal, session_id: int, limit: int, offset: int
) -> list[dict]:
    """The live enrolments of the queue a session belongs to (its module's for a series, its
    own for a drop-in session). Errors: not_found, forbidden."""
    session, module = await get_session_for(actor, session_id)
    where = queue_of(module.id, module.enrolment, session.id)
    return await _enrolments(module, where, limit, offset)


async def _enrolments(module: Module, where, limit: int, offset: int) -> list[dict]:
    rows = (
        await Enrolment.select(*_ENROLMENT_COLUMNS)
        .where(where & Enrolment.status.is_in(list(LIVE)))
        .order_by(Enrolment.status)  # enrolled before waitlisted
        .order_by(Enrolment.position)
        .order_by(Enrolment.id)
        .limit(limit)
        .offset(offset)
    )
    return await _with_places(module, rows)


async def enrolment_row(actor: StaffPrincipal, enrolment_id: int) -> dict:
    """One enrolment as the lists give it (whatever its status). Errors: not_found,
    forbidden."""
    enrolment = await get_enrolment_for(actor, enrolment_id)
    module = await get_module_for(actor, enrolment.module)
    row = await Enrolment.select(*_ENROLMENT_COLUMNS).where(Enrolment.id == enrolment.id).first()
    return (await _with_places(module, [row]))[0]
