"""Attendance: what staff record by hand, and closing a session.

Checking in (a pass scanned or typed on a tablet, at a roster or on a phone, or a name tapped
on a roster) is ``check_in``, written once in ``lab.attendance.checkin`` and offered here as
attendance's public surface. ``mark`` sets or corrects a status by hand (audited), and
``close_session`` marks everyone expected and unmarked absent.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts import queries as accounts
from lab.attendance import hooks, refusals
from lab.attendance.checkin import (
    CheckIn,
    Choice,
    Scan,
    ScanRefused,
    check_in,
    scan_time,
    valid_nonce,
)
from lab.attendance.forgetting import forget_visitor, purge_signatures, signed_sheets
from lab.attendance.more_items import Item as TimelineItem
from lab.attendance.more_items import MoreItems, timeline_reads_with
from lab.attendance.rules import OPENS_BEFORE
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import audit, clock, events
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.i18n import N_, _
from lab.core.retention import BATCH, delete_in_batches
from lab.core.roles import StaffPrincipal
from lab.workshops import queries as workshops_queries
from lab.workshops import services as workshops

__all__ = [
    "OPENS_BEFORE",
    "REFUSALS",
    "STATUSES",
    "STATUS_LABELS",
    "CheckIn",
    "Choice",
    "MoreItems",
    "Scan",
    "ScanRefused",
    "TimelineItem",
    "after_attendance",
    "check_in",
    "close_session",
    "forget_visitor",
    "mark",
    "plain_for_visitor",
    "purge_signatures",
    "refusal_for_staff",
    "refusal_for_visitor",
    "refusal_label",
    "roster",
    "scan_time",
    "signed_sheets",
    "timeline_reads_with",
    "valid_nonce",
]

STATUSES = ("present", "late", "absent", "excused")
STATUS_LABELS = {
    "present": N_("Présent·e"),
    "late": N_("En retard"),
    "absent": N_("Absent·e"),
    "excused": N_("Excusé·e"),
}
# The refusal codes' wording, per audience (one catalogue: lab.attendance.refusals).
REFUSALS = refusals.STAFF
refusal_for_staff = refusals.for_staff
refusal_for_visitor = refusals.for_visitor
refusal_label = refusals.staff_label
plain_for_visitor = refusals.plain_for_visitor
after_attendance = hooks.after_attendance


async def mark(actor: StaffPrincipal, session_id: int, visitor_id: int, status: str) -> Attendance:
    """Set a visitor's status by hand (a tap on the roster, or a correction afterwards, which
    is audited with the old and new status). Errors: invalid status, not_found, forbidden."""
    if status not in STATUSES:
        raise Invalid(_("Statut inconnu."), field_errors={"status": _("Choisissez un statut.")})
    session, module = await workshops.get_session_for(actor, session_id)
    visitor = await accounts.get_visitor(visitor_id)
    if visitor is None or visitor.created_site != module.site:
        reason = "other_site"
        raise Forbidden(_(REFUSALS[reason]), code=reason)
    async with write_transaction(Attendance._meta.db):
        session = await workshops.lock_session(session.id)
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
    if status in ("present", "late"):
        await hooks.came(module.id, session.id, [visitor.id])
    return attendance


async def close_session(actor: StaffPrincipal, session_id: int) -> int:
    """Close a session: everyone expected and unmarked becomes absent. Returns how many.
    Errors: not_found, forbidden, not_scheduled (already cancelled or closed)."""
    session, module = await workshops.get_session_for(actor, session_id)
    async with write_transaction(Attendance._meta.db):
        session = await workshops.lock_session(session.id)
        if session.status != "scheduled":
            raise Conflict(_("Cette séance est déjà annulée ou close."), code="not_scheduled")
        marked = {
            row["visitor"]
            for row in await Attendance.select(Attendance.visitor).where(
                Attendance.session == session.id
            )
        }
        expected = await workshops_queries.expected_visitors(
            module.id, module.enrolment, session.id
        )
        now = clock.now()
        missing = sorted(set(expected) - marked)
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
        await workshops.mark_session_closed(session, now)
        await audit.record(
            actor,
            "session.closed",
            f"session:{session.id}",
            site_id=module.site,
            absent=len(missing),
        )
    events.publish(f"session:{session.id}", {"type": "closed"})
    came = await Attendance.select(Attendance.visitor).where(
        (Attendance.session == session.id) & Attendance.status.is_in(["present", "late"])
    )
    await hooks.came(module.id, session.id, [row["visitor"] for row in came])
    return len(missing)


async def roster(actor: StaffPrincipal, session_id: int) -> list[dict]:
    """Who is expected (enrolled) or came (walk-ins), with their attendance status.
    Errors: not_found, forbidden."""
    session, module = await workshops.get_session_for(actor, session_id)
    expected = set(
        await workshops_queries.expected_visitors(module.id, module.enrolment, session.id)
    )
    marks = {
        row["visitor"]: row
        for row in await Attendance.select(
            Attendance.visitor, Attendance.status, Attendance.checked_in_at, Attendance.method
        ).where(Attendance.session == session.id)
    }
    people = await accounts.visitor_names(expected | set(marks))
    return [
        {
            **person,
            "status": marks.get(person["id"], {}).get("status"),
            "checked_in_at": marks.get(person["id"], {}).get("checked_in_at"),
            "walk_in": person["id"] not in expected,
        }
        for person in people
    ]


async def purge_journal(
    now: dt.datetime, *, days: int = 90, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Retention of the kiosk's scan journal: scans received more than ``days`` ago go, and
    the kiosk's reviews of offline scans with them (their foreign key cascades; SQLite has
    foreign keys on, lab.core.sqlite). The database refuses to delete a scan younger than
    30 days."""
    cutoff = now - dt.timedelta(days=days)
    where = ScanEvent.received_at < cutoff
    return await delete_in_batches(ScanEvent, where, batch=batch, dry_run=dry_run)
