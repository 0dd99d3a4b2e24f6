"""Sessions: scheduling one or a weekly run (each reserving the module's room through the
bookings service), moving and cancelling them, and the session's lock. Offered to other
domains by ``lab.workshops.services``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid

from lab.accounts.queries import site_timezone
from lab.bookings import queries as rooms
from lab.bookings import services as bookings
from lab.bookings.forms import MoveInput
from lab.core import audit, clock
from lab.core.db import fetch, is_sqlite, locked, row_of, write_transaction
from lab.core.errors import Conflict, Invalid
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.workshops.access import get_module_for, get_session_for, require_manager
from lab.workshops.forms import ScheduleInput, SessionMoveInput
from lab.workshops.messages import Notices
from lab.workshops.programme import facilitator_ids
from lab.workshops.tables import Module, ModuleFacilitator, Session


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
    require_manager(actor, module.site)
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
    require_manager(actor, module.site)
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
    require_manager(actor, module.site)
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
    """Read a session again, its row locked until the caller's write transaction ends (its
    status may have changed since it was first read). Closing, cancelling and marking a
    session take this lock, so that each sees the session as it is."""
    return await locked(Session.objects()).get(Session.id == session_id)


async def hold_session(session_id: int) -> Session | None:
    """Read a session again under a shared lock until the caller's write transaction ends:
    check-ins into one session go on side by side, while closing or cancelling it
    (``lock_session``) waits for them to commit, and they for it."""
    # Every check-in asks: plain SQL (see lab.core.db, "hot paths").
    share = "" if is_sqlite(Session._meta.db) else " FOR SHARE"
    sql = f"SELECT * FROM workshop_session WHERE id = {{}}{share}"  # noqa: S608
    rows = await fetch(Session, sql, session_id)
    return row_of(Session, rows[0]) if rows else None


async def mark_session_closed(session: Session, at: dt.datetime) -> None:
    """Record that a session is closed (attendance's ``close_session`` does it, under
    ``lock_session``, with the absences it writes)."""
    session.status = "closed"
    session.updated_at = at
    await session.save()
