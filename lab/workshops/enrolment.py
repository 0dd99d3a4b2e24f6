"""Enrolment with a first-come, first-served waitlist.

A queue is a module (series: enrol once for every session) or one session (drop-in). Every
write locks the module, then checks and writes: enrolled never exceeds the capacity, and a
freed seat goes to the first waitlisted person in the same transaction as the cancellation,
so no race can overbook or promote someone twice. The database backs it: one live
enrolment per visitor and queue (partial unique indexes).
"""

from __future__ import annotations

from lab.accounts import consent
from lab.accounts.tables import Visitor
from lab.accounts.visitors import visitor_at_site
from lab.core import audit, clock, i18n, mail
from lab.core.audit import Actor
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.principals import require_own
from lab.workshops import ics
from lab.workshops.forms import EnrolInput
from lab.workshops.queries import LIVE, queue_of
from lab.workshops.services import get_module_for
from lab.workshops.tables import Enrolment, Module, Session


def capacity_of(module: Module, session: Session | None) -> int:
    if session is not None and session.capacity is not None:
        return session.capacity
    return module.capacity


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
        await _tell(visitor, module, session, enrolment.status, f"enrolment:{enrolment.id}")
    return enrolment


async def cancel(actor: Actor, enrolment_id: int) -> Enrolment:
    """Cancel an enrolment; a freed seat goes to the first waitlisted, in this transaction.
    Errors: not_found, forbidden, not_live (already cancelled or completed)."""
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
        enrolment.updated_at = clock.now()
        await enrolment.save()
        await audit.record(
            actor, "enrolment.cancelled", f"enrolment:{enrolment.id}", site_id=module.site
        )
        if freed:
            session = None
            if enrolment.session is not None:
                session = await Session.objects().get(Session.id == enrolment.session)
            await fill_free_seats(actor, module, session)
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
    return await cancel(actor, enrolment_id)


async def fill_free_seats(actor: Actor, module: Module, session: Session | None) -> list[Enrolment]:
    """Promote waitlisted people, first come first served, while seats are free.

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
            visitor = await Visitor.objects().get(Visitor.id == enrolment.visitor)
            await _tell(visitor, module, session, "promoted", f"enrolment:{enrolment.id}")
    return waiting


async def enrolled_counts(module_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Seats taken: (enrolled per series module, enrolled per drop-in session)."""
    rows = await Enrolment.select(Enrolment.module, Enrolment.session).where(
        Enrolment.module.is_in(module_ids or [-1]) & (Enrolment.status == "enrolled")
    )
    per_module: dict[int, int] = {}
    per_session: dict[int, int] = {}
    for row in rows:
        if row["session"] is None:
            per_module[row["module"]] = per_module.get(row["module"], 0) + 1
        else:
            per_session[row["session"]] = per_session.get(row["session"], 0) + 1
    return per_module, per_session


async def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next in line; None when not waitlisted."""
    if enrolment.status != "waitlisted":
        return None
    module = await Module.objects().get(Module.id == enrolment.module)
    ahead = await Enrolment.count().where(
        _queue(module, enrolment.session)
        & (Enrolment.status == "waitlisted")
        & (Enrolment.position < enrolment.position)
    )
    return ahead + 1


async def roster(module: Module, session_id: int | None = None) -> dict[str, list[dict]]:
    """Enrolled and waitlisted (in order) of a queue, with first and last names."""
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.position,
            Enrolment.visitor,
            Enrolment.visitor.first_name.as_alias("first_name"),
            Enrolment.visitor.last_name.as_alias("last_name"),
        )
        .where(_queue(module, session_id) & Enrolment.status.is_in(list(LIVE)))
        .order_by(Enrolment.position)
    )
    return {
        "enrolled": [row for row in rows if row["status"] == "enrolled"],
        "waitlisted": [row for row in rows if row["status"] == "waitlisted"],
    }


# (subject, body) per kind, translated into the visitor's language when queued.
MESSAGES = {
    "enrolled": (
        N_("Inscription confirmée : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\nVous êtes inscrit·e à « %(title)s ».\n"
            "%(when)s\n\nÀ bientôt au lab !"
        ),
    ),
    "waitlisted": (
        N_("Liste d'attente : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\n« %(title)s » est complet. Vous êtes sur la liste d'attente : "
            "nous vous écrirons dès qu'une place se libère.\n\nÀ bientôt au lab !"
        ),
    ),
    "promoted": (
        N_("Une place pour vous : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\nUne place s'est libérée : vous êtes maintenant inscrit·e à "
            "« %(title)s ».\n%(when)s\n\nSi vous ne pouvez pas venir, prévenez le lab."
        ),
    ),
    "reminder": (
        N_("Rappel : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\nRappel : « %(title)s » a lieu bientôt.\n"
            "%(when)s\n\nÀ bientôt au lab !"
        ),
    ),
    "session_cancelled": (
        N_("Séance annulée : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\nLa séance de « %(title)s » prévue le %(when)s est annulée. "
            "Nous sommes désolés.\n\nL'équipe du lab"
        ),
    ),
    "session_moved": (
        N_("Séance déplacée : %(title)s"),
        N_(
            "Bonjour %(name)s,\n\nLa séance de « %(title)s » change d'horaire.\n"
            "Nouvel horaire : %(when)s"
        ),
    ),
}


async def _when(module: Module, session: Session | None) -> str:
    """The date of the session, or of the module's next session, in the site's time zone."""
    from lab.bookings.resources import site_timezone

    if session is None:
        session = (
            await Session.objects()
            .where(
                (Session.module == module.id)
                & (Session.status == "scheduled")
                & (Session.starts_at >= clock.now())
            )
            .order_by(Session.starts_at)
            .first()
        )
    if session is None:
        return ""
    timezone = await site_timezone(module.site)
    return i18n.format_datetime(session.starts_at, timezone, "EEEE d MMMM y, HH:mm")


async def _tell(
    visitor: Visitor, module: Module, session: Session | None, kind: str, key: str
) -> None:
    """Queue the message ``kind`` for ``visitor``, in their language, once per ``key``, with
    the session (or the series' sessions to come) as an .ics; none while on the waitlist.
    E-mail is an optional feature: under the consent age it waits for a guardian's consent."""
    if not visitor.email or not await consent.optional_features_allowed(visitor):
        return
    subject, body = MESSAGES[kind]
    with i18n.language(visitor.preferred_language):
        when = await _when(module, session)
        calendar = ""
        if kind != "waitlisted":
            calendar = await ics.message_calendar(module, session, visitor.preferred_language)
        await mail.queue(
            kind=kind,
            recipient=visitor.email,
            language=visitor.preferred_language,
            subject=i18n.gettext(subject, title=module.title),
            body=i18n.gettext(body, name=visitor.first_name, title=module.title, when=when),
            visitor_id=visitor.id,
            ics=calendar,
            dedupe_key=f"{kind}:{key}",
        )


async def announce(session: Session, module: Module, kind: str) -> int:
    """Tell everyone enrolled in ``session`` (a change, a reminder). Returns how many."""
    queue = _queue(module, session.id)
    rows = await Enrolment.select(Enrolment.visitor).where(queue & (Enrolment.status == "enrolled"))
    people = await Visitor.objects().where(Visitor.id.is_in([r["visitor"] for r in rows] or [-1]))
    for visitor in people:
        await _tell(
            visitor, module, session, kind, f"session:{session.id}:{session.sequence}:{visitor.id}"
        )
    return len(people)
