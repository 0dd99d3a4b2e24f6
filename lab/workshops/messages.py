"""What workshops tell visitors by e-mail: a confirmed seat, a place on the waitlist, a seat
freed for them, a reminder, a session cancelled or moved.

Held under the lock, written after the commit. A message must exist exactly when the change
it announces was committed, so it is queued in the change's transaction; but writing it reads
the site's time zone, the visitor's consent and the sessions to come, and builds an .ics: slow
work that must not run while the module's or the session's row lock is held (on SQLite, while
the whole database is locked for writing). So a change only *holds* its messages under the
lock (``Notices.hold``: one small outbox row with the kind, the visitor and the key), and
``Notices.send`` writes them once the transaction is over. A writer that stops in between,
or a message that fails to be written, leaves held rows behind (the change stands, and the
request that made it is not failed): ``send_stale`` (each round of the reminder loop) writes
them.

Every key names what the message is about, and that is all a held message needs to be
written: ``enrolment:<id>`` (enrolled, waitlisted, promoted) or
``session:<id>:<sequence>:<visitor>`` (a reminder, a cancelled or moved session).
"""

from __future__ import annotations

import datetime as dt
import logging

from lab.accounts.queries import Visitor, get_visitor, may_email, site_timezone
from lab.core import clock, i18n, mail
from lab.core.i18n import N_
from lab.workshops import calendars
from lab.workshops.queues import queue_of
from lab.workshops.tables import Enrolment, Module, Session

# (subject, body) per kind, translated into the visitor's language when written.
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
log = logging.getLogger("lab.workshops")
# A held message older than this was left by a writer that stopped: ``send_stale`` writes it.
STALE_AFTER = dt.timedelta(minutes=5)


def enrolment_key(enrolment_id: int) -> str:
    return f"enrolment:{enrolment_id}"


def session_key(session: Session, visitor_id: int) -> str:
    # Per version of the session: a moved session is news again.
    return f"session:{session.id}:{session.sequence}:{visitor_id}"


class Notices:
    """The messages a change holds in its transaction, to be written after it (``send``)."""

    def __init__(self) -> None:
        self.held: list[int] = []

    async def hold(self, kind: str, visitor_id: int, key: str) -> None:
        """Hold the message ``kind`` for ``visitor_id``, once per ``key``. Call it inside the
        change's transaction: it writes one row and reads nothing else."""
        held = await mail.hold(kind=kind, visitor_id=visitor_id, dedupe_key=f"{kind}:{key}")
        if held is not None:
            self.held.append(held)

    async def announce(self, session: Session, module: Module, kind: str) -> int:
        """Hold ``kind`` for everyone enrolled in ``session`` (a change, a reminder). Returns
        how many they are (someone already told of this version is not told again)."""
        rows = await Enrolment.select(Enrolment.visitor).where(
            queue_of(module.id, module.enrolment, session.id) & (Enrolment.status == "enrolled")
        )
        people = sorted({row["visitor"] for row in rows})
        for visitor_id in people:
            await self.hold(kind, visitor_id, session_key(session, visitor_id))
        return len(people)

    async def send(self) -> None:
        """Write the held messages. Call it once the change's transaction is over: the change
        stands whatever happens here, and a message not written stays held for ``send_stale``."""
        held, self.held = self.held, []
        if not held:
            return
        try:
            rows = await mail.held(held)
        except Exception:  # the database went away after the commit: not the change's failure
            log.exception("workshops: held messages %s not read", held)
            return
        await _write(rows)


async def send_stale() -> int:
    """Write the messages a stopped writer held and never wrote. Returns how many it found."""
    # Only its own kinds: other domains (bookings) write theirs.
    rows = [
        row for row in await mail.held(before=clock.now() - STALE_AFTER) if row["kind"] in MESSAGES
    ]
    await _write(rows)
    return len(rows)


async def _write(rows: list[dict]) -> None:
    for row in rows:
        try:
            await _write_one(row)
        except Exception:  # the change is committed: a message that fails stays held
            log.exception("workshops: held message %s not written", row["id"])


async def _about(key: str) -> tuple[Module | None, Session | None]:
    """The module and the session (None: the series' sessions to come) a key is about."""
    parts = key.split(":")
    session = None
    if parts[1] == "enrolment":
        enrolment = await Enrolment.objects().get(Enrolment.id == int(parts[2]))
        if enrolment is None:
            return None, None
        module_id, session_id = enrolment.module, enrolment.session
    else:
        session_id = int(parts[2])
        module_id = None
    if session_id is not None:
        session = await Session.objects().get(Session.id == session_id)
        if session is None:
            return None, None
        module_id = session.module
    return await Module.objects().get(Module.id == module_id), session


async def _write_one(row: dict) -> None:
    """Write one held message in the visitor's language, with the session (or the series'
    sessions to come) as an .ics; none while on the waitlist. E-mail is an optional purpose:
    it goes only to a visitor who agreed to e-mail messages (lab.accounts.consents), and
    without an address or that consent the message is dropped (as ``mail.queue`` would not
    have written it)."""
    visitor = await get_visitor(row["visitor_id"]) if row["visitor_id"] else None
    module, session = await _about(row["dedupe_key"])
    if module is None or not await _may_write_to(visitor):
        await mail.drop(row["id"])
        return
    kind = row["kind"]
    language = visitor.preferred_language
    subject, body = MESSAGES[kind]
    with i18n.language(language):
        when = await _when(module, session)
        calendar = ""
        if kind != "waitlisted":
            calendar = await calendars.message_calendar(module, session, language)
        await mail.fill(
            row["id"],
            recipient=visitor.email,
            language=language,
            subject=i18n.gettext(subject, title=module.title),
            body=i18n.gettext(body, name=visitor.first_name, title=module.title, when=when),
            ics=calendar,
        )


async def _may_write_to(visitor: Visitor | None) -> bool:
    return await may_email(visitor)


async def _when(module: Module, session: Session | None) -> str:
    """The date of the session, or of the module's next session, in the site's time zone."""
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
