"""Modules, partners and sessions: workshops' public surface for writes.

Sessions reserve their room through the bookings service. Enrolment (``enrol``,
``cancel_enrolment``, ``cancel_own_enrolment``) is written in ``lab.workshops.enrolment`` and
offered here, with ``get_module_for`` and ``get_session_for`` (``lab.workshops.access``), so
that other domains need this module for writes and ``queries`` for reads, nothing else.

Inside workshops the direction is one way, with no import inside a function: ``tables`` ←
the reads (``access``, ``queues``, ``programme``, ``calendars`` for sessions as events, and
``visitors``, all offered by ``queries``) ← ``messages`` ← ``enrolment`` ← ``services``;
``ics`` (the staff's files and the feeds) and ``pages`` sit above the reads, the routes on top.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid

from lab.accounts.queries import (
    active_staff_count,
    get_site_for,
    site_choices,
    site_timezone,
    staff_at_site,
)
from lab.bookings import queries as rooms
from lab.bookings import services as bookings
from lab.bookings.forms import MoveInput
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.workshops.access import can_manage, get_module_for, get_session_for
from lab.workshops.enrolment import cancel as cancel_enrolment
from lab.workshops.enrolment import cancel_own as cancel_own_enrolment
from lab.workshops.enrolment import enrol, fill_free_seats
from lab.workshops.forms import ModuleInput, PartnerInput, ScheduleInput, SessionMoveInput
from lab.workshops.messages import Notices
from lab.workshops.tables import Module, ModuleFacilitator, Partner, Session

__all__ = [
    "KINDS",
    "PARTNER_KINDS",
    "Scheduled",
    "cancel_enrolment",
    "cancel_own_enrolment",
    "cancel_session",
    "create_module",
    "create_partner",
    "enrol",
    "facilitator_ids",
    "get_module_for",
    "get_module_to_manage_for",
    "get_session_for",
    "list_modules",
    "list_partners",
    "lock_session",
    "mark_session_closed",
    "move_session",
    "programme_site_for",
    "schedule",
    "team_choices",
    "update_module",
]

KINDS = {
    "job_search": N_("Recherche d'emploi"),
    "orientation": N_("Orientation, choix de métier"),
    "digital_skills": N_("Compétences numériques"),
    "info_session": N_("Réunion d'information"),
    "partner_meeting": N_("Rencontre avec un partenaire"),
    "other": N_("Autre"),
}
PARTNER_KINDS = {
    "employment": N_("Emploi"),
    "training": N_("Formation"),
    "association": N_("Association"),
    "company": N_("Entreprise"),
    "public": N_("Service public"),
    "other": N_("Autre"),
}


def _require_manager(actor: StaffPrincipal, site_id: int) -> None:
    if not can_manage(actor, site_id):
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le programme."))


async def get_module_to_manage_for(actor: StaffPrincipal, module_id: int) -> Module:
    """A module ``actor`` may change (its form, its sessions). Errors: not_found, forbidden
    (another site's module, or not a manager of its site)."""
    module = await get_module_for(actor, module_id)
    _require_manager(actor, module.site)
    return module


async def programme_site_for(actor: StaffPrincipal, site_id: int | None = None) -> int:
    """The site whose programme ``actor`` is about to change: ``site_id``, or the first site
    they manage. Errors: forbidden (none, or not a manager of ``site_id``)."""
    managed = await site_choices(actor, *MANAGERS)
    chosen = site_id or next(iter(managed), None)
    if chosen is None or chosen not in managed:
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le programme."))
    return chosen


async def list_modules(actor: StaffPrincipal, site_id: int | None = None) -> list[Module]:
    query = Module.objects().where(Module.site.is_in(list(actor.site_ids()) or [-1]))
    if site_id is not None:
        query = query.where(Module.site == site_id)
    return await query.order_by(Module.title)


async def _check_links(actor: StaffPrincipal, data: ModuleInput, site_id: int) -> None:
    """Partner, room and facilitators must exist, and partner and room be of ``site_id``."""
    errors = {}
    if data.partner_id is not None:
        partner = await Partner.objects().get(Partner.id == data.partner_id)
        if partner is None or partner.site != site_id:
            errors["partner_id"] = _("Choisissez un partenaire de ce site.")
    if data.room_id is not None:
        try:
            room = await rooms.get_resource_for(actor, data.room_id)
        except (NotFound, Forbidden):
            room = None
        if room is None or room.site != site_id:
            errors["room_id"] = _("Choisissez une salle de ce site.")
    if data.facilitator_ids:
        found = await active_staff_count(data.facilitator_ids)
        if found != len(set(data.facilitator_ids)):
            errors["facilitator_ids"] = _("Choisissez des personnes de l'équipe.")
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)


async def team_choices(site_id: int, chosen: list[int]) -> list[dict]:
    """``{id, name}`` of who may facilitate a module of ``site_id``: the active team members
    of the site, plus anyone already chosen (the rule ``_check_links`` applies)."""
    return await staff_at_site(site_id, also=chosen)


def _apply(module: Module, data: ModuleInput) -> None:
    module.title = data.title
    module.kind = data.kind
    module.capacity = data.capacity
    module.enrolment = data.enrolment
    module.description = data.description
    module.audience = data.audience
    module.self_enrol = data.self_enrol
    module.partner = data.partner_id
    module.room = data.room_id
    module.completion_percent = data.completion_percent
    module.late_after_minutes = data.late_after_minutes
    module.competences = ", ".join(t.strip() for t in data.competences.split(",") if t.strip())
    module.active = data.active


async def _set_facilitators(module_id: int, staff_ids: list[int]) -> None:
    await ModuleFacilitator.delete().where(ModuleFacilitator.module == module_id)
    if staff_ids:
        await ModuleFacilitator.insert(
            *(ModuleFacilitator(module=module_id, staff_user=i) for i in sorted(set(staff_ids)))
        )


async def create_module(actor: StaffPrincipal, data: ModuleInput) -> Module:
    """Errors: forbidden (not a manager of the site), invalid (partner, room, facilitators)."""
    _require_manager(actor, data.site_id)
    await get_site_for(actor, data.site_id)
    await _check_links(actor, data, data.site_id)
    async with write_transaction(Module._meta.db):
        module = Module(site=data.site_id, created_at=clock.now())
        _apply(module, data)
        await module.save()
        await _set_facilitators(module.id, data.facilitator_ids)
        await audit.record(actor, "module.created", f"module:{module.id}", site_id=module.site)
    return module


async def update_module(actor: StaffPrincipal, module_id: int, data: ModuleInput) -> Module:
    """The site stays; a bigger capacity seats waitlisted people at once (series modules),
    who are told after the change is saved."""
    module = await get_module_for(actor, module_id)
    _require_manager(actor, module.site)
    await _check_links(actor, data, module.site)
    notices = Notices()
    async with write_transaction(Module._meta.db):
        await lock_row(Module, module.id)
        module = await get_module_for(actor, module_id)
        _apply(module, data)
        await module.save()
        await _set_facilitators(module.id, data.facilitator_ids)
        await audit.record(actor, "module.updated", f"module:{module.id}", site_id=module.site)
        if module.enrolment == "series":
            await fill_free_seats(actor, module, None, notices)
    await notices.send()
    return module


async def facilitator_ids(module_id: int) -> list[int]:
    rows = await ModuleFacilitator.select(ModuleFacilitator.staff_user).where(
        ModuleFacilitator.module == module_id
    )
    return [row["staff_user"] for row in rows]


async def list_partners(actor: StaffPrincipal, site_id: int | None = None) -> list[Partner]:
    query = Partner.objects().where(Partner.site.is_in(list(actor.site_ids()) or [-1]))
    if site_id is not None:
        query = query.where(Partner.site == site_id)
    return await query.order_by(Partner.name)


async def create_partner(actor: StaffPrincipal, data: PartnerInput) -> Partner:
    _require_manager(actor, data.site_id)
    async with write_transaction(Partner._meta.db):
        partner = Partner(
            site=data.site_id,
            name=data.name,
            kind=data.kind,
            contact=data.contact,
            created_at=clock.now(),
        )
        await partner.save()
        await audit.record(actor, "partner.created", f"partner:{partner.id}", site_id=data.site_id)
    return partner


@dataclasses.dataclass
class Scheduled:
    created: list[Session]
    refused: list[tuple[dt.date, str]]  # (day, why): a room conflict, listed, never dropped
    warnings: list[str]  # facilitators booked elsewhere at the same time


async def schedule(actor: StaffPrincipal, module_id: int, data: ScheduleInput) -> Scheduled:
    """Create one session or a weekly run. Each reserves the module's room (if any) through
    the bookings service: a room conflict refuses that date with the booking rule's reason.
    A facilitator already running another session at that time is a warning, not a refusal.
    """
    module = await get_module_for(actor, module_id)
    _require_manager(actor, module.site)
    timezone = await site_timezone(module.site)
    result = Scheduled([], [], [])
    team = await facilitator_ids(module.id)
    for week in range(data.repeat_weeks):
        day = data.day + dt.timedelta(weeks=week)
        starts_at = clock.utc_minute(clock.local_instant(day, data.start, timezone))
        ends_at = clock.utc_minute(clock.local_instant(day, data.end, timezone))
        if ends_at <= starts_at:
            raise Invalid(
                _("L'heure de fin doit être après l'heure de début."),
                field_errors={"end": _("Après l'heure de début.")},
            )
        try:
            result.created.append(await _create_session(actor, module, starts_at, ends_at, data))
        except bookings.BookingRefused as refused:
            result.refused.append((day, refused.message))
            continue
        result.warnings += await _facilitator_clashes(team, starts_at, ends_at, module.id)
    return result


async def _create_session(
    actor: StaffPrincipal,
    module: Module,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    data: ScheduleInput,
) -> Session:
    booking_id = None
    if module.room is not None:
        booking = await bookings.book(
            actor,
            bookings.Wanted(
                resource_id=module.room,
                starts_at=starts_at,
                ends_at=ends_at,
                units=(await rooms.get_resource_for(actor, module.room)).units,
                note=_("Atelier : %(title)s", title=module.title)[:500],
                source="workshop",
            ),
        )
        booking_id = booking.id
    now = clock.now()
    async with write_transaction(Session._meta.db):
        session = Session(
            module=module.id,
            starts_at=starts_at,
            ends_at=ends_at,
            room_booking=booking_id,
            capacity=data.capacity,
            status="scheduled",
            checkin_secret=secrets.token_hex(32),
            uid=f"{uuid.uuid4()}@lab",
            created_at=now,
            updated_at=now,
        )
        await session.save()
        await audit.record(actor, "session.created", f"session:{session.id}", site_id=module.site)
    return session


async def _facilitator_clashes(
    team: list[int], starts_at: dt.datetime, ends_at: dt.datetime, module_id: int
) -> list[str]:
    if not team:
        return []
    rows = await Session.select(
        Session.id, Session.module.title.as_alias("title"), Session.starts_at
    ).where(
        (Session.status == "scheduled")
        & (Session.module != module_id)
        & (Session.starts_at < ends_at)
        & (Session.ends_at > starts_at)
        & Session.module.is_in(
            ModuleFacilitator.select(ModuleFacilitator.module).where(
                ModuleFacilitator.staff_user.is_in(team)
            )
        )
    )
    return [
        _(
            "Un animateur ou une animatrice anime déjà « %(title)s » à ce moment-là.",
            title=r["title"],
        )
        for r in rows
    ]


async def _release_room(actor: StaffPrincipal, booking_id: int | None) -> None:
    """Cancel a session's room booking, if it still holds the room."""
    room = await rooms.booking_summary(booking_id) if booking_id is not None else None
    if room is not None and room["status"] in ("pending", "confirmed"):
        await bookings.cancel(actor, room["id"])


async def cancel_session(actor: StaffPrincipal, session_id: int) -> Session:
    """Cancel a session and free its room, in one transaction under the session's lock (the
    status is checked under it: two managers cancelling at once cancel once). Enrolled visitors
    are told (outbox), after the transaction. Errors: forbidden, not_found, not_scheduled, and
    the room booking's (not_cancellable)."""
    session, module = await get_session_for(actor, session_id)
    _require_manager(actor, module.site)
    notices = Notices()
    async with write_transaction(Session._meta.db):
        session = await lock_session(session.id)
        if session.status != "scheduled":
            raise Conflict(_("Cette séance est déjà annulée ou close."), code="not_scheduled")
        await _release_room(actor, session.room_booking)
        session.status = "cancelled"
        session.sequence += 1
        session.updated_at = clock.now()
        await session.save()
        await audit.record(actor, "session.cancelled", f"session:{session.id}", site_id=module.site)
        await notices.announce(session, module, "session_cancelled")
    await notices.send()
    return session


async def move_session(actor: StaffPrincipal, session_id: int, data: SessionMoveInput) -> Session:
    """Move a session (and its room booking, which the booking rules check again); enrolled
    visitors are told (outbox), after the transaction. Errors: forbidden, not_found,
    not_scheduled, invalid, and the booking rules' (booking_refused)."""
    session, module = await get_session_for(actor, session_id)
    _require_manager(actor, module.site)
    if session.status != "scheduled":
        raise Conflict(_("Cette séance est déjà annulée ou close."), code="not_scheduled")
    timezone = await site_timezone(module.site)
    starts_at = clock.utc_minute(clock.local_instant(data.day, data.start, timezone))
    ends_at = clock.utc_minute(clock.local_instant(data.day, data.end, timezone))
    if ends_at <= starts_at:
        raise Invalid(
            _("L'heure de fin doit être après l'heure de début."),
            field_errors={"end": _("Après l'heure de début.")},
        )
    if session.room_booking is not None:
        room = await rooms.get_booking(session.room_booking)
        if room is not None and room.status in ("pending", "confirmed"):
            await bookings.move(
                actor,
                room.id,
                MoveInput(
                    resource_id=room.resource,
                    day=data.day,
                    start=data.start,
                    end=data.end,
                    units=room.units,
                    note=room.note,
                ),
            )
    notices = Notices()
    async with write_transaction(Session._meta.db):
        session = await lock_session(session.id)
        if session.status != "scheduled":  # cancelled meanwhile (its room went with it)
            raise Conflict(_("Cette séance est déjà annulée ou close."), code="not_scheduled")
        session.starts_at, session.ends_at = starts_at, ends_at
        session.sequence += 1
        session.updated_at = clock.now()
        await session.save()
        await audit.record(actor, "session.moved", f"session:{session.id}", site_id=module.site)
        await notices.announce(session, module, "session_moved")
    await notices.send()
    return session


async def lock_session(session_id: int) -> Session:
    """Lock a session's row until the caller's write transaction ends, and read it again
    under the lock (its status may have changed since it was first read). Everything that
    records attendance at a session takes this lock, so that it sees the session as it is."""
    await lock_row(Session, session_id)
    return await Session.objects().get(Session.id == session_id)


async def mark_session_closed(session: Session, at: dt.datetime) -> None:
    """Record that a session is closed (attendance's ``close_session`` does it, under
    ``lock_session``, with the absences it writes)."""
    session.status = "closed"
    session.updated_at = at
    await session.save()
