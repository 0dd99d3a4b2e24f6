"""The staff planning grid of a site: one day by slots, or one week by days (reads only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Callable

from markupsafe import escape

from lab.accounts.queries import Site, get_site_for
from lab.bookings import releases
from lab.bookings.availability import slot_bounds, slots_from
from lab.bookings.holdings import as_held
from lab.bookings.resources import closures_between, list_resources, policy_from
from lab.bookings.rules import HOLDING, WEEKDAYS
from lab.bookings.tables import Booking, Resource
from lab.core import clock
from lab.core.db import fetch, placeholders
from lab.core.i18n import _, format_datetime
from lab.core.roles import StaffPrincipal

Instant = dt.datetime | None

# What the grid shows of a booking, and what blocks its units (``blocked_until``).
HOLDING_SQL = (
    "SELECT b.id AS id, b.resource AS resource, b.starts_at AS starts_at, "
    "b.ends_at AS ends_at, b.units AS units, b.status AS status, b.visitor AS visitor, "
    "v.first_name AS first_name, b.blocked_until AS blocked_until "
    "FROM booking b LEFT JOIN visitor v ON v.id = b.visitor "
    "WHERE b.resource IN ({resources}) AND b.status IN ({statuses}) "
    "AND b.starts_at < {{}} AND b.blocked_until > {{}} ORDER BY b.starts_at"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    starts_at: dt.datetime
    ends_at: dt.datetime
    gap_before: bool  # the site closes between the previous column and this one


@dataclasses.dataclass(slots=True)
class Cell:
    """One <td>: ``kind`` is booking | free | full | past | none; ``span`` columns wide."""

    kind: str
    span: int
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    free_units: int = 0
    booking: dict | None = None
    gap: bool = False  # the site closes just before this cell
    # Worded once in Python by ``_word``: a day has a hundred cells, and a template's calls
    # for each of them cost more than all the grid's reads.
    css: str = ""
    says: str = ""  # what a screen reader hears: the time, and whose booking or "past"
    count: str = ""  # a pool's free units ("3/5 libres")
    query: str = ""  # a free slot's booking form, as a query string


@dataclasses.dataclass(slots=True)
class Row:
    resource: Resource
    cells: list[Cell]


@dataclasses.dataclass(slots=True)
class DayGrid:
    site: Site
    day: dt.date
    columns: list[Column]
    rows: list[Row]
    closure: str | None  # the closure's label when the site is closed that day ("" unnamed)


@dataclasses.dataclass(slots=True)
class WeekGrid:
    site: Site
    day: dt.date  # the day asked for, in the week shown
    days: list[dt.date]
    closed: dict[dt.date, str]  # day -> why ("" for a day without opening hours)
    rows: list[tuple[Resource, list[list[dict]]]]  # resource, bookings of each day


def site_today(site: Site) -> dt.date:
    return clock.to_zone(clock.now(), site.timezone).date()


def _day_bounds(day: dt.date, timezone: str, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    start = clock.local_instant(day, dt.time(0), timezone)
    end = clock.local_instant(day + dt.timedelta(days=days), dt.time(0), timezone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


async def _holding(resource_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The bookings holding any of ``resource_ids`` at some point of [start, end), in one
    query, with what the grid shows of them and what blocks their units (``blocked_until``)."""
    if not resource_ids:
        return []
    # Every view of the grid asks: plain SQL (see lab.core.db, "hot paths").
    statuses = sorted(HOLDING)
    sql = HOLDING_SQL.format(resources=placeholders(resource_ids), statuses=placeholders(statuses))
    return await fetch(Booking, sql, *resource_ids, *statuses, end, start)


async def _site_and_resources(
    actor: StaffPrincipal, site_id: int
) -> tuple[Site, list[Resource], list[int]]:
    """The site, its active resources, and their due releases applied (one query for all):
    what the grid shows is what holds now."""
    site = await get_site_for(actor, site_id)
    resources = await list_resources(actor, site.id)
    ids = [resource.id for resource in resources]
    await releases.release_due(resource_ids=ids)
    return site, resources, ids


async def day_grid(actor: StaffPrincipal, site_id: int, day: dt.date | None = None) -> DayGrid:
    """Rows = the site's active resources, columns = the slots of the day (site time; today
    when ``day`` is None).

    Columns are cut at every slot boundary of every resource, so resources with different slot
    lengths share one table; a slot or a booking spans the columns it covers. A fixed number
    of queries, whatever the number of resources and bookings.
    Errors: not_found, forbidden (another site).
    """
    site, resources, ids = await _site_and_resources(actor, site_id)
    day = day or site_today(site)
    # The closures around the day: the day's own label, and the rules' closed days.
    closures = await closures_between(
        site.id, day - dt.timedelta(days=8), day + dt.timedelta(days=8)
    )
    if day in closures:
        return DayGrid(site, day, [], [Row(r, []) for r in resources], closures[day])
    start, end = _day_bounds(day, site.timezone)
    holding: dict[int, list[dict]] = {resource_id: [] for resource_id in ids}
    for row in await _holding(ids, start, end):
        holding[row["resource"]].append(row)
    closed_days = frozenset(closures)
    slots = {}
    # The site's hours and the day are the same for every row: resources of one slot length
    # share their slots' bounds.
    bounds: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for resource in resources:
        policy = policy_from(resource, site, closed_days)
        if policy.slot_minutes not in bounds:
            bounds[policy.slot_minutes] = slot_bounds(policy, day)
        held = [as_held(row) for row in holding[resource.id]]
        slots[resource.id] = slots_from(policy, bounds[policy.slot_minutes], held)
    columns = _columns(slots)
    now = clock.now()
    time_of = _site_times(site.timezone)
    rows = []
    for resource in resources:
        bookings = [row for row in holding[resource.id] if row["ends_at"] > start]
        cells = _cells(resource, columns, slots[resource.id], bookings, now)
        _word(cells, resource, day, time_of)
        rows.append(Row(resource, cells))
    return DayGrid(site, day, columns, rows, None)


def _columns(slots: dict[int, list]) -> list[Column]:
    every = [slot for day in slots.values() for slot in day]
    bounds = sorted({s.starts_at for s in every} | {s.ends_at for s in every})
    columns: list[Column] = []
    for start, end in itertools.pairwise(bounds):
        if any(s.starts_at <= start and end <= s.ends_at for s in every):
            gap = bool(columns) and columns[-1].ends_at != start
            columns.append(Column(start, end, gap))
    return columns


def _cells(
    resource: Resource, columns: list[Column], slots: list, bookings: list[dict], now: dt.datetime
) -> list[Cell]:
    cells: list[Cell] = []
    last_key: tuple | None = None
    for column in columns:
        key, cell = _cell_at(resource, column, slots, bookings, now)
        if cells and key == last_key and not column.gap_before:
            # The same booking, slot, nothing or past goes on: widen the cell.
            cells[-1].span += 1
            cells[-1].ends_at = cell.ends_at
        else:
            cell.gap = column.gap_before
            cells.append(cell)
        last_key = key
    return cells


def _cell_at(
    resource: Resource, column: Column, slots: list, bookings: list[dict], now: dt.datetime
) -> tuple[tuple, Cell]:
    if resource.units == 1:
        # A single-unit resource shows who holds it; a pool shows how many units are free.
        for booking in bookings:
            if booking["starts_at"] < column.ends_at and booking["ends_at"] > column.starts_at:
                cell = Cell("booking", 1, booking["starts_at"], booking["ends_at"], 0, booking)
                return ("booking", booking["id"]), cell
    for slot in slots:
        if slot.starts_at <= column.starts_at and column.ends_at <= slot.ends_at:
            if slot.ends_at <= now:
                # Past slots are one stretch: nothing in them can be booked or changed.
                return ("past",), Cell("past", 1, slot.starts_at, slot.ends_at)
            kind = "free" if slot.free_units > 0 else "full"
            return ("slot", slot.starts_at), Cell(
                kind, 1, slot.starts_at, slot.ends_at, slot.free_units
            )
    return ("none",), Cell("none", 1)


def _word(
    cells: list[Cell], resource: Resource, day: dt.date, time_of: Callable[[Instant], str]
) -> None:
    """What each cell says and links to, in the reader's language (``time_of``: site time)."""
    name, units, query = resource.name, resource.units, f"?resource={resource.id}&day={day}"
    for cell in cells:
        start, end = time_of(cell.starts_at), time_of(cell.ends_at)
        kind = cell.kind
        css = f"cell cell-{kind}"
        if cell.booking:
            css += f" status-{cell.booking['status']}"
        cell.css = f"{css} gap" if cell.gap else css
        # Escaped here, once: the template writes these cells without escaping each output.
        if kind == "booking":
            says = _("%(resource)s, %(start)s–%(end)s :", resource=name, start=start, end=end)
            cell.says = escape(says)
        elif kind == "free":
            cell.says = escape(_("Réserver %(resource)s à %(time)s", resource=name, time=start))
            cell.query = escape(f"{query}&start={start}&end={end}")
        elif kind == "past":
            cell.says = escape(_("%(start)s–%(end)s : passé", start=start, end=end))
        elif kind == "none":
            cell.says = escape(_("Pas de créneau"))
        if units > 1 and kind in ("free", "full"):
            cell.count = escape(_("%(free)s/%(units)s libres", free=cell.free_units, units=units))


def _site_times(timezone: str) -> Callable[[Instant], str]:
    """An instant's site time (HH:mm), each written once: a day has a few dozen instants,
    and its cells many more."""
    written: dict[Instant, str] = {}

    def time_of(instant: Instant) -> str:
        label = written.get(instant)
        if label is None:
            label = written[instant] = format_datetime(instant, timezone, "HH:mm")
        return label

    return time_of


async def week_grid(actor: StaffPrincipal, site_id: int, day: dt.date | None = None) -> WeekGrid:
    """Rows = the site's active resources, columns = Monday to Sunday of ``day``'s week (this
    week when ``day`` is None), in a fixed number of queries."""
    site, resources, ids = await _site_and_resources(actor, site_id)
    day = day or site_today(site)
    monday = day - dt.timedelta(days=day.weekday())
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    start, end = _day_bounds(monday, site.timezone, days=7)
    per_day: dict[int, dict[dt.date, list[dict]]] = {r.id: {d: [] for d in days} for r in resources}
    for row in await _holding(ids, start, end):
        if row["ends_at"] <= start:
            continue  # only its buffer reaches into the week
        local_day = clock.to_zone(row["starts_at"], site.timezone).date()
        if local_day in per_day[row["resource"]]:
            per_day[row["resource"]][local_day].append(row)
    hours = json.loads(site.opening_hours) if isinstance(site.opening_hours, str) else {}
    closed = {d: "" for d in days if not hours.get(WEEKDAYS[d.weekday()])}
    closed.update(await closures_between(site.id, days[0], days[-1]))
    rows = [(r, [per_day[r.id][d] for d in days]) for r in resources]
    return WeekGrid(site, day, days, closed, rows)
