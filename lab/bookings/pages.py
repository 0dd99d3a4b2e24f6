"""What the staff booking pages read: their labels, choices, lists, queues and summaries.

Private to bookings' staff routes (other domains read through ``queries``). No rule and no
write lives here: every change goes through ``services`` or ``resources``. Each helper scopes
what it reads to the actor's sites.
"""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlencode

from lab.accounts.queries import (
    get_site,
    get_visitor_for,
    site_choices,
    timezones,
    visitor_names,
)
from lab.bookings.access import get_booking_for
from lab.bookings.queries import no_show_count
from lab.bookings.resources import KINDS, get_resource_for, list_resources
from lab.bookings.rules import HOLDING
from lab.bookings.tables import Booking, Resource
from lab.core import clock
from lab.core.db import fetch, placeholders
from lab.core.i18n import N_, _
from lab.core.params import id_or_none
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.core.tables import AuditLog

PAGE_SIZE = 50

STATUS_LABELS = {
    "pending": N_("En attente de validation"),
    "confirmed": N_("Confirmée"),
    "checked_in": N_("Personne arrivée"),
    "completed": N_("Terminée"),
    "cancelled": N_("Annulée"),
    "no_show": N_("Personne absente"),
    "released": N_("Libérée (personne pas venue)"),
}
SOURCE_LABELS = {
    "staff": N_("Par l'équipe"),
    "kiosk": N_("Sur la borne du lab"),
    "api": N_("Par un autre logiciel (API)"),
    "series": N_("Série de réservations"),
}
# Audit actions of a booking, as its history shows them (time and action only).
ACTION_LABELS = {
    "booking.created": N_("Réservation créée"),
    "booking.moved": N_("Réservation déplacée"),
    "booking.refused": N_("Changement refusé par une règle"),
    "booking.cancelled": N_("Réservation annulée"),
    "booking.approved": N_("Demande acceptée"),
    "booking.declined": N_("Demande refusée"),
    "booking.checked_in": N_("Arrivée pointée"),
    "booking.released": N_("Créneau libéré : personne pas venue"),
    "booking.completed": N_("Réservation terminée"),
    "booking.lapsed": N_("Demande expirée sans réponse"),
}

LIST_COLUMNS = (
    Booking.id,
    Booking.starts_at,
    Booking.ends_at,
    Booking.units,
    Booking.status,
    Booking.source,
    Booking.visitor,
    Booking.resource,
    Booking.resource.name.as_alias("resource_name"),
    Booking.resource.site.as_alias("site_id"),
    Booking.resource.site.name.as_alias("site_name"),
    Booking.resource.site.timezone.as_alias("timezone"),
    Booking.visitor.first_name.as_alias("first_name"),
    Booking.visitor.last_name.as_alias("last_name"),
)


def _scope(actor: StaffPrincipal) -> list[int]:
    return list(actor.site_ids()) or [-1]


async def resource_options(actor: StaffPrincipal, site_id: int | None = None) -> dict[int, str]:
    """{id: label} of the active resources of the actor's sites (or of one), each site named
    when there are several."""
    resources = await list_resources(actor, site_id)
    names = await site_choices(actor)
    several = len({resource.site for resource in resources}) > 1
    options = {}
    for resource in resources:
        label = resource.name
        if several:
            label = f"{label} — {names.get(resource.site, '')}"
        if resource.units > 1:
            label += " " + _("(%(n)s unités)", n=resource.units)
        if resource.required_skill:
            label += " " + _("(compétence requise : %(code)s)", code=resource.required_skill)
        options[resource.id] = label
    return options


async def visitor_choice(actor: StaffPrincipal, visitor_id: object) -> list[dict]:
    """The already chosen visitor as a one-item match list, when a form comes back."""
    wanted = id_or_none(visitor_id)
    if wanted is None:
        return []
    visitor = await get_visitor_for(actor, wanted)
    site = await get_site(visitor.created_site)
    return [
        {
            "id": visitor.id,
            "first_name": visitor.first_name,
            "last_name": visitor.last_name,
            "birth_date": visitor.birth_date,
            "site_name": site.name if site else "",
        }
    ]


def local_values(booking: Booking, timezone: str) -> dict[str, object]:
    """A booking as a form's values: local day and times of its site."""
    starts = clock.to_zone(booking.starts_at, timezone)
    ends = clock.to_zone(booking.ends_at, timezone)
    return {
        "resource_id": booking.resource,
        "day": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "units": booking.units,
        "note": booking.note,
    }


async def grid_path(booking: Booking, **extra: object) -> str:
    """The day grid that shows ``booking``."""
    row = (
        await Resource.select(Resource.site, Resource.site.timezone.as_alias("timezone"))
        .where(Resource.id == booking.resource)
        .first()
    )
    day = clock.to_zone(booking.starts_at, row["timezone"]).date()
    return "/bookings?" + urlencode({"site": row["site"], "day": day.isoformat(), **extra})


async def booking_detail(actor: StaffPrincipal, booking_id: int) -> dict:
    """Everything the booking page shows. Errors: not_found, forbidden (another site)."""
    booking = await get_booking_for(actor, booking_id)
    resource = await get_resource_for(actor, booking.resource)
    site = await get_site(resource.site)
    visitor, no_shows = None, 0
    if booking.visitor is not None:
        visitor = next(iter(await visitor_names([booking.visitor])), None)
        no_shows = await no_show_count(booking.visitor)
    history = (
        await AuditLog.select(AuditLog.action, AuditLog.at)
        .where(AuditLog.subject == f"booking:{booking.id}")
        .order_by(AuditLog.at)
        .order_by(AuditLog.id)
    )
    series = []
    if booking.series_id:
        series = (
            await Booking.select(Booking.id, Booking.starts_at, Booking.status)
            .where(
                (Booking.series_id == booking.series_id)
                & Booking.resource.site.is_in(_scope(actor))
            )
            .order_by(Booking.starts_at)
        )
    open_status = booking.status in ("pending", "confirmed")
    return {
        "booking": booking,
        "resource": resource,
        "site": site,
        "kind_label": KINDS.get(resource.kind, KINDS["other"]),
        "visitor": visitor,
        "no_shows": no_shows,
        "history": history,
        "series": series,
        "can_cancel": open_status,
        "can_move": open_status,
        "can_check_in": booking.status == "confirmed",
        "can_decide": booking.status == "pending"
        and actor.can_reach_site(resource.site, *MANAGERS),
    }


async def list_bookings(
    actor: StaffPrincipal,
    *,
    site_id: int | None = None,
    resource_id: int | None = None,
    status: str | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    page: int = 1,
) -> dict:
    """Bookings of the actor's sites, newest first, ``PAGE_SIZE`` a page; days are site days."""
    scope = _scope(actor)
    if site_id is not None:
        scope = [site_id] if site_id in scope else [-1]
    where = Booking.resource.site.is_in(scope)
    if resource_id is not None:
        where &= Booking.resource == resource_id
    if status:
        where &= Booking.status == status
    timezone = await _timezone_of(scope)
    if day_from is not None:
        where &= Booking.starts_at >= clock.local_instant(day_from, dt.time(0), timezone)
    if day_to is not None:
        next_day = day_to + dt.timedelta(days=1)
        where &= Booking.starts_at < clock.local_instant(next_day, dt.time(0), timezone)
    total = await Booking.count().where(where)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = (
        await Booking.select(*LIST_COLUMNS)
        .where(where)
        .order_by(Booking.starts_at, ascending=False)
        .order_by(Booking.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return {"rows": rows, "total": total, "page": page, "pages": pages}


async def _timezone_of(site_ids: list[int]) -> str:
    return next(iter((await timezones(site_ids)).values()), "UTC")


async def approval_queue(actor: StaffPrincipal) -> list[dict]:
    """Pending requests of the actor's sites, soonest first, each with the person's no-shows."""
    rows = (
        await Booking.select(*LIST_COLUMNS)
        .where((Booking.status == "pending") & Booking.resource.site.is_in(_scope(actor)))
        .order_by(Booking.starts_at)
    )
    return [await _queue_row(actor, row) for row in rows]


async def approval_row(actor: StaffPrincipal, booking_id: int) -> dict:
    """One row of the queue, after a decision. Errors: not_found, forbidden."""
    await get_booking_for(actor, booking_id)
    row = await Booking.select(*LIST_COLUMNS).where(Booking.id == booking_id).first()
    return await _queue_row(actor, row)


async def _queue_row(actor: StaffPrincipal, row: dict) -> dict:
    row["no_shows"] = await no_show_count(row["visitor"]) if row["visitor"] else 0
    row["can_decide"] = row["status"] == "pending" and actor.can_reach_site(
        row["site_id"], *MANAGERS
    )
    return row


async def pending_count(actor: StaffPrincipal) -> int:
    # Every bookings page shows it in its menu: plain SQL (see lab.core.db, "hot paths").
    sites = _scope(actor)
    rows = await fetch(
        Booking,
        "SELECT COUNT(*) AS pending FROM booking b JOIN resource r ON r.id = b.resource "  # noqa: S608 (placeholders only)
        f"WHERE b.status = 'pending' AND r.site IN ({placeholders(sites)})",
        *sites,
    )
    return rows[0]["pending"]


async def checkin_summary(booking: Booking) -> dict:
    """What the desk shows after a scan: first name, resource and times (site time)."""
    row = await Booking.select(*LIST_COLUMNS).where(Booking.id == booking.id).first()
    return row


async def visitor_bookings_summary(actor: StaffPrincipal, visitor_id: int) -> dict:
    """A visitor's upcoming bookings and no-shows (their skills are the skills domain's own
    section of the visitor's page). Errors: not_found, forbidden."""
    visitor = await get_visitor_for(actor, visitor_id)
    site = await get_site(visitor.created_site)
    upcoming = (
        await Booking.select(*LIST_COLUMNS)
        .where(
            (Booking.visitor == visitor.id)
            & Booking.status.is_in(list(HOLDING))
            & (Booking.ends_at > clock.now())
            & Booking.resource.site.is_in(_scope(actor))
        )
        .order_by(Booking.starts_at)
        .limit(20)
    )
    return {
        "visitor": visitor,
        "site": site,
        "upcoming": upcoming,
        "no_shows": await no_show_count(visitor.id),
    }


def page_query(filters: dict[str, object], page: int) -> str:
    """The list's query string for another page, keeping the filters."""
    kept = {key: value for key, value in filters.items() if value not in (None, "")}
    return urlencode({**kept, "page": page})


async def series_context(actor: StaffPrincipal, resource_id: int, result) -> dict:
    """The result page of a weekly series: the resource, its site's zone, what was created."""
    resource = await get_resource_for(actor, resource_id)
    site = await get_site(resource.site)
    return {"result": result, "resource": resource, "site": site}
