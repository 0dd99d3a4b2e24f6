"""Check-in and attendance.

Scans are idempotent and refusals are data: every check-in carries a client nonce (a UUID);
the first scan with a nonce decides, and a repeat returns that first result. Every scan,
accepted or refused, is written to the append-only scan journal with a reason code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from lab.accounts import passes
from lab.accounts.tables import Visitor
from lab.attendance import refusals
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import audit, clock, events
from lab.core.audit import Actor
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.principals import Principal
from lab.core.roles import StaffPrincipal
from lab.workshops.services import get_module_for
from lab.workshops.tables import Enrolment, Module, Session

# Check-in opens this long before a session starts.
OPENS_BEFORE = dt.timedelta(minutes=30)
STATUSES = ("present", "late", "absent", "excused")
STATUS_LABELS = {
    "present": N_("Présent·e"),
    "late": N_("En retard"),
    "absent": N_("Absent·e"),
    "excused": N_("Excusé·e"),
}
_NONCE = re.compile(r"^[A-Za-z0-9-]{8,64}$")

# Staff wording of the refusal codes (the visitor's is in lab.attendance.refusals too).
REFUSALS = refusals.STAFF


class ScanRefused(Conflict):
    """A refused scan; ``code`` is the reason journaled with it."""

    default_code = "scan_refused"


@dataclasses.dataclass(frozen=True, slots=True)
class CheckIn:
    attendance: Attendance
    first_name: str
    repeated: bool  # this nonce (or this person) was already checked in


def valid_nonce(nonce: str) -> str:
    if not _NONCE.match(nonce or ""):
        raise Invalid(_("Identifiant de pointage invalide."), code="bad_nonce")
    return nonce


async def check_in(
    actor: Principal,
    session_id: int,
    *,
    nonce: str,
    method: str,
    code: str | None = None,
    visitor_id: int | None = None,
    client_at: dt.datetime | None = None,
    device_id: int | None = None,
    at: dt.datetime | None = None,
    offline: bool = False,
    clock_skew_seconds: int | None = None,
) -> CheckIn:
    """Check a visitor into a session, by pass (``code``) or by a tap on the roster
    (``visitor_id``). Errors (ScanRefused codes): unknown_pass, session_closed, too_early,
    session_over, not_enrolled, other_site; a repeated nonce repeats the first answer.
    not_found: no such session, or one of a site the actor does not act for.

    ``at`` is when the scan happened if not now (a kiosk's offline scan, sent later): the
    rules are those of that moment and the arrival is timed then. ``offline`` and
    ``clock_skew_seconds`` (the sending device's clock error) go to the journal."""
    valid_nonce(nonce)
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    module = await get_module_for(actor, session.module)
    token = None
    if code is not None:
        visitor, token = await passes.visitor_for_code(code)
    else:
        visitor = await Visitor.objects().get(Visitor.id == visitor_id)
    async with write_transaction(Attendance._meta.db):
        await lock_row(Session, session.id)
        first = (
            await ScanEvent.objects().where(ScanEvent.nonce == nonce).order_by(ScanEvent.id).first()
        )
        journal = dict(
            nonce=nonce,
            session=session.id,
            method=method,
            token_hash=token,
            client_at=client_at,
            device_id=device_id,
            offline=offline,
            clock_skew_seconds=clock_skew_seconds,
            **_actor_ids(actor),
        )
        if first is not None:
            return await _repeat(first, journal)
        journal["visitor"] = visitor.id if visitor else None
        reason = await refusal_at(session, module, visitor, at)
        if reason:
            await _journal(outcome="refused", reason=reason, **journal)
        else:
            result = await _record(actor, session, module, visitor, nonce, method, device_id, at)
            await _journal(outcome="duplicate" if result.repeated else "accepted", **journal)
    if reason:
        await audit.record(
            actor, "attendance.refused", f"session:{session.id}", site_id=module.site, reason=reason
        )
        raise ScanRefused(_(REFUSALS[reason]), code=reason)
    if not result.repeated:
        events.publish(f"session:{session.id}", _event(result))
    return result


def _actor_ids(actor: Actor) -> dict[str, int | None]:
    return {"staff_user": actor.actor_id if actor.actor_kind == "staff" else None}


async def _journal(**fields: object) -> None:
    await ScanEvent.insert(ScanEvent(received_at=clock.now(), **fields))


async def refusal_at(
    session: Session, module: Module, visitor: Visitor | None, at: dt.datetime | None = None
) -> str | None:
    """Why ``visitor`` could not be checked into ``session`` at ``at`` (default: now), as a
    reason code of REFUSALS, or None when they can."""
    now = at or clock.now()
    if visitor is None:
        return "unknown_pass"
    if visitor.created_site != module.site:
        return "other_site"
    if session.status != "scheduled":
        return "session_closed"
    if now < session.starts_at - OPENS_BEFORE:
        return "too_early"
    if now >= session.ends_at:
        return "session_over"
    if module.enrolment == "drop_in":
        return None  # walk-ins welcome at drop-in sessions
    enrolled = await Enrolment.exists().where(
        (Enrolment.module == module.id)
        & (Enrolment.visitor == visitor.id)
        & Enrolment.session.is_null()
        & (Enrolment.status == "enrolled")
    )
    return None if enrolled else "not_enrolled"


async def _record(
    actor: Actor,
    session: Session,
    module: Module,
    visitor: Visitor,
    nonce: str,
    method: str,
    device_id: int | None,
    at: dt.datetime | None = None,
) -> CheckIn:
    existing = (
        await Attendance.objects()
        .where((Attendance.session == session.id) & (Attendance.visitor == visitor.id))
        .first()
    )
    if existing is not None and existing.status in ("present", "late"):
        return CheckIn(existing, visitor.first_name, repeated=True)
    now = clock.now()
    arrived = at or now
    late = arrived > session.starts_at + dt.timedelta(minutes=module.late_after_minutes)
    attendance = existing or Attendance(visitor=visitor.id, session=session.id, created_at=now)
    attendance.status = "late" if late else "present"
    attendance.checked_in_at = arrived
    attendance.method = method
    attendance.device_id = device_id
    attendance.nonce = nonce if existing is None else attendance.nonce
    attendance.updated_by = actor.actor_id if actor.actor_kind == "staff" else None
    attendance.updated_at = now
    await attendance.save()
    await audit.record(
        actor,
        "attendance.checked_in",
        f"session:{session.id}",
        site_id=module.site,
        visitor_id=visitor.id,
        status=attendance.status,
        method=method,
    )
    return CheckIn(attendance, visitor.first_name, repeated=False)


async def _repeat(first: ScanEvent, journal: dict) -> CheckIn:
    """The same nonce again: journal it, and answer what the first scan got."""
    await _journal(visitor=first.visitor, outcome="duplicate", reason="repeated_nonce", **journal)
    if first.outcome == "refused":
        raise ScanRefused(_(REFUSALS.get(first.reason, N_("Pointage refusé."))), code=first.reason)
    attendance = (
        await Attendance.objects()
        .where((Attendance.session == first.session) & (Attendance.visitor == first.visitor))
        .first()
    )
    visitor = await Visitor.objects().get(Visitor.id == first.visitor)
    return CheckIn(attendance, visitor.first_name, repeated=True)


def _event(result: CheckIn) -> dict:
    attendance = result.attendance
    return {
        "type": "attendance",
        "visitor_id": attendance.visitor,
        "status": attendance.status,
        "checked_in_at": attendance.checked_in_at.isoformat() if attendance.checked_in_at else None,
    }


async def mark(actor: StaffPrincipal, session_id: int, visitor_id: int, status: str) -> Attendance:
    """Set a visitor's status by hand (a tap on the roster, or a correction afterwards, which
    is audited with the old and new status). Errors: invalid status, not_found, forbidden."""
    if status not in STATUSES:
        raise Invalid(_("Statut inconnu."), field_errors={"status": _("Choisissez un statut.")})
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    module = await get_module_for(actor, session.module)
    visitor = await Visitor.objects().get(Visitor.id == visitor_id)
    if visitor is None or visitor.created_site != module.site:
        reason = "other_site"
        raise Forbidden(_(REFUSALS[reason]), code=reason)
    async with write_transaction(Attendance._meta.db):
        await lock_row(Session, session.id)
        now = clock.now()
        attendance = (
            await Attendance.objects()
            .where((Attendance.session == session.id) & (Attendance.visitor == visitor.id))
            .first()
        )
        before = attendance.status if attendance else None
        if attendance is None:
            attendance = Attendance(visitor=visitor.id, session=session.id, created_at=now)
        attendance.status = status
        if status in ("present", "late") and attendance.checked_in_at is None:
            attendance.checked_in_at = now
        attendance.method = "staff"
        attendance.updated_by = actor.user_id
        attendance.updated_at = now
        await attendance.save()
        await audit.record(
            actor,
            "attendance.marked" if session.status == "scheduled" else "attendance.corrected",
            f"session:{session.id}",
            site_id=module.site,
            visitor_id=visitor.id,
            before=before,
            after=status,
        )
    events.publish(
        f"session:{session.id}", {"type": "attendance", "visitor_id": visitor.id, "status": status}
    )
    return attendance


async def close_session(actor: StaffPrincipal, session_id: int) -> int:
    """Close a session: everyone enrolled and unmarked becomes absent. Returns how many."""
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    module = await get_module_for(actor, session.module)
    async with write_transaction(Attendance._meta.db):
        await lock_row(Session, session.id)
        session = await Session.objects().get(Session.id == session_id)
        if session.status != "scheduled":
            raise Conflict(_("Cette séance est déjà annulée ou close."), code="not_scheduled")
        marked = {
            row["visitor"]
            for row in await Attendance.select(Attendance.visitor).where(
                Attendance.session == session.id
            )
        }
        queue = (Enrolment.module == module.id) & (Enrolment.status == "enrolled")
        queue &= (
            (Enrolment.session == session.id)
            if module.enrolment == "drop_in"
            else Enrolment.session.is_null()
        )
        expected = {
            row["visitor"] for row in await Enrolment.select(Enrolment.visitor).where(queue)
        }
        now = clock.now()
        missing = sorted(expected - marked)
        if missing:
            await Attendance.insert(
                *(
                    Attendance(
                        visitor=visitor_id,
                        session=session.id,
                        status="absent",
                        method="closing",
                        updated_by=actor.user_id,
                        created_at=now,
                        updated_at=now,
                    )
                    for visitor_id in missing
                )
            )
        session.status = "closed"
        session.updated_at = now
        await session.save()
        await audit.record(
            actor,
            "session.closed",
            f"session:{session.id}",
            site_id=module.site,
            absent=len(missing),
        )
    events.publish(f"session:{session.id}", {"type": "closed"})
    return len(missing)


async def roster(actor: StaffPrincipal, session_id: int) -> list[dict]:
    """Who is expected (enrolled) or came (walk-ins), with their attendance status."""
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    module = await get_module_for(actor, session.module)
    queue = (Enrolment.module == module.id) & (Enrolment.status == "enrolled")
    queue &= (
        (Enrolment.session == session.id)
        if module.enrolment == "drop_in"
        else Enrolment.session.is_null()
    )
    expected = [row["visitor"] for row in await Enrolment.select(Enrolment.visitor).where(queue)]
    marks = {
        row["visitor"]: row
        for row in await Attendance.select(
            Attendance.visitor, Attendance.status, Attendance.checked_in_at, Attendance.method
        ).where(Attendance.session == session.id)
    }
    ids = sorted(set(expected) | set(marks))
    people = (
        await Visitor.select(Visitor.id, Visitor.first_name, Visitor.last_name)
        .where(Visitor.id.is_in(ids or [-1]))
        .order_by(Visitor.last_name)
    )
    return [
        {
            **person,
            "status": marks.get(person["id"], {}).get("status"),
            "checked_in_at": marks.get(person["id"], {}).get("checked_in_at"),
            "walk_in": person["id"] not in expected,
        }
        for person in people
    ]
