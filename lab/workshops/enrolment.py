"""Enrolment with a first-come, first-served waitlist.

A queue is a module (series: enrol once for every session) or one session (drop-in). Every
write locks the module, then checks and writes: enrolled never exceeds the capacity, and a
freed seat goes to the first waitlisted person in the same transaction as the cancellation,
so no race can overbook or promote someone twice. The database backs it: one live
enrolment per visitor and queue (partial unique indexes).

Each change tells the visitors it concerns (a confirmed seat, a place on the waitlist, a
promotion): the messages are held in the change's transaction and written once the module's
lock is released (see ``lab.workshops.messages``).
"""

from __future__ import annotations

import datetime as dt

from lab.accounts.queries import visitor_at_site
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Invalid, NotFound
from lab.core.i18n import _
from lab.core.principals import require_own
from lab.workshops.access import get_module_for
from lab.workshops.forms import EnrolInput
from lab.workshops.messages import Notices, enrolment_key
from lab.workshops.queues import LIVE, capacity_of, queue_of
from lab.workshops.tables import Enrolment, Module, Session


def _queue(module: Module, session_id: int | None):
    return queue_of(module.id, module.enrolment, session_id)


async def _session_of(module: Module, session_id: int | None) -> Session | None:
    if module.enrolment != "drop_in":
        return None
    if session_id is None:
        raise Invalid(
            _("Choisissez la séance : ce module se fait séance par séance."),
            field_errors={"session_id": _("Choisissez une séance.")},
        )
    session = await Session.objects().get(
        (Session.id == session_id) & (Session.module == module.id)
    )
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    if session.status != "scheduled":
        raise Conflict(_("Cette séance est annulée ou close."), code="session_closed")
    return session


async def enrol(
    actor: Actor, module_id: int, data: EnrolInput, *, source: str = "staff"
) -> Enrolment:
    """Enrol a visitor, or put them on the waitlist when the module (or session) is full.

    Enrolling someone already enrolled or waitlisted returns their enrolment unchanged.
    Errors: not_found, forbidden (other site), module_closed, session_closed, invalid.
    """
    module = await get_module_for(actor, module_id)
    visitor = await visitor_at_site(actor, data.visitor_id, module.site)
    notices = Notices()
    async with write_transaction(Enrolment._meta.db):
        await lock_row(Module, module.id)
        module = await Module.objects().get(Module.id == module.id)
        if not module.active:
            raise Conflict(_("Les inscriptions à ce module sont closes."), code="module_closed")
        session = await _session_of(module, data.session_id)
        queue = _queue(module, session.id if session else None)
        existing = (
            await Enrolment.objects()
            .where(queue & (Enrolment.visitor == visitor.id) & Enrolment.status.is_in(list(LIVE)))
            .first()
        )
        if existing is not None:
            return existing
        enrolled = await Enrolment.count().where(queue & (Enrolment.status == "enrolled"))
        last = (
            await Enrolment.select(Enrolment.position)
            .where(queue)
            .order_by(Enrolment.position, ascending=False)
            .first()
        )
        now = clock.now()
        enrolment = Enrolment(
            visitor=visitor.id,
            module=module.id,
            session=session.id if session else None,
            status="enrolled" if enrolled < capacity_of(module, session) else "waitlisted",
            position=(last["position"] if last else 0) + 1,
            source=source,
            created_at=now,
            updated_at=now,
        )
        await enrolment.save()
        await audit.record(
            actor,
            f"enrolment.{enrolment.status}",
            f"enrolment:{enrolment.id}",
            site_id=module.site,
            module_id=module.id,
            visitor_id=visitor.id,
        )
        await notices.hold(enrolment.status, visitor.id, enrolment_key(enrolment.id))
    await notices.send()
    return enrolment


async def cancel(actor: Actor, enrolment_id: int, *, by: str = "centre") -> Enrolment:
    """Cancel an enrolment; a freed seat goes to the first waitlisted, in this transaction.
    ``by`` records who refused the place: "centre" (staff) or "visitor" (``cancel_own``).
    Errors: not_found, forbidden, not_live (already cancelled or completed)."""
    notices = Notices()
    async with write_transaction(Enrolment._meta.db):
        enrolment = await Enrolment.objects().get(Enrolment.id == enrolment_id)
        if enrolment is None:
            raise NotFound(_("Cette inscription n'existe pas."))
        require_own(actor, enrolment.visitor, missing=_("Cette inscription n'existe pas."))
        module = await get_module_for(actor, enrolment.module)
        await lock_row(Module, module.id)
        enrolment = await Enrolment.objects().get(Enrolment.id == enrolment_id)
        if enrolment.status not in LIVE:
            raise Conflict(_("Cette inscription est déjà annulée."), code="not_live")
        freed = enrolment.status == "enrolled"
        enrolment.status = "cancelled"
        enrolment.cancelled_by = by
        enrolment.updated_at = clock.now()
        await enrolment.save()
        await audit.record(
            actor, "enrolment.cancelled", f"enrolment:{enrolment.id}", site_id=module.site
        )
        if freed:
            session = None
            if enrolment.session is not None:
                session = await Session.objects().get(Session.id == enrolment.session)
            await fill_free_seats(actor, module, session, notices)
    await notices.send()
    return enrolment


async def cancel_own(actor: Actor, visitor_id: int, enrolment_id: int) -> Enrolment:
    """A visitor cancels one of their own enrolments (on their phone or at a kiosk); ``actor``
    is the phone or the tablet acting for ``visitor_id``. Someone else's enrolment answers
    not_found, exactly as a missing one. Errors: not_found, not_live. Refusals are logged."""
    row = await Enrolment.objects().get(Enrolment.id == enrolment_id)
    if row is None or row.visitor != visitor_id:  # an enrolment never changes hands
        await audit.record(
            actor,
            "enrolment.cancel_refused",
            f"enrolment:{enrolment_id}",
            visitor_id=visitor_id,
            reason="not_found",
        )
        raise NotFound(_("Vous n'avez pas cette inscription."))
    return await cancel(actor, enrolment_id, by="visitor")


async def forget_visitor(actor: Actor, visitor_id: int, now: dt.datetime) -> dict[str, int]:
    """Workshops' part of forgetting a person (``lab.erasure``; call inside its transaction).

    Every live enrolment (enrolled or waitlisted) in a queue with a session still to come is
    cancelled, by the centre, and each seat it frees goes to the first on the waitlist, as
    any cancellation would: an erased person's seat must not stay taken. The promoted are told
    by messages held in this transaction; the stale-message round (``send_stale``) writes them
    a few minutes later, since a message must not go out for a change that may still roll
    back. Enrolments whose sessions are all past stay as they were, for the figures."""
    live = await (
        Enrolment.objects()
        .where((Enrolment.visitor == visitor_id) & Enrolment.status.is_in(list(LIVE)))
        .order_by(Enrolment.id)
    )
    notices = Notices()
    cancelled = 0
    for enrolment in live:
        await lock_row(Module, enrolment.module)
        module = await Module.objects().get(Module.id == enrolment.module)
        session = None
        to_come = (Session.starts_at > now) & (Session.status == "scheduled")
        if enrolment.session is not None:
            session = await Session.objects().get(Session.id == enrolment.session)
            if session is None or session.starts_at <= now or session.status != "scheduled":
                continue  # a drop-in session already held or cancelled: history
        elif not await Session.exists().where((Session.module == module.id) & to_come):
            continue  # a series already over: history
        freed = enrolment.status == "enrolled"
        enrolment.status = "cancelled"
        enrolment.cancelled_by = "centre"
        enrolment.updated_at = now
        await enrolment.save()
        cancelled += 1
        if freed:
            await fill_free_seats(actor, module, session, notices)
    return {"enrolments_cancelled": cancelled}


async def fill_free_seats(
    actor: Actor, module: Module, session: Session | None, notices: Notices
) -> list[Enrolment]:
    """Promote waitlisted people, first come first served, while seats are free; each is told
    through ``notices`` (the caller sends them after its transaction).

    Call inside a write transaction holding the module's lock."""
    queue = _queue(module, session.id if session else None)
    enrolled = await Enrolment.count().where(queue & (Enrolment.status == "enrolled"))
    free = capacity_of(module, session) - enrolled
    if free <= 0:
        return []
    waiting = (
        await Enrolment.objects()
        .where(queue & (Enrolment.status == "waitlisted"))
        .order_by(Enrolment.position)
        .limit(free)
    )
    now = clock.now()
    for enrolment in waiting:
        # Conditional on still being waitlisted: a promotion happens once.
        promoted = (
            await Enrolment.update(
                {
                    Enrolment.status: "enrolled",
                    Enrolment.promoted_at: now,
                    Enrolment.updated_at: now,
                }
            )
            .where((Enrolment.id == enrolment.id) & (Enrolment.status == "waitlisted"))
            .returning(Enrolment.id)
        )
        if promoted:
            enrolment.status = "enrolled"
            await audit.record(
                actor, "enrolment.promoted", f"enrolment:{enrolment.id}", site_id=module.site
            )
            await notices.hold("promoted", enrolment.visitor, enrolment_key(enrolment.id))
    return waiting
