"""What bookings tell people by e-mail: a booking confirmed or asked for, approved or refused
(or never decided in time), moved, cancelled, released when nobody came, and a reminder the day
before; and, to the staff member who booked for someone, that the request was approved or
refused.

As workshops' messages (``lab.workshops.messages``): held under the lock, written after the
commit. A change holds its messages in its own transaction (``Notices``: one small outbox row
each, with the kind, the visitor and the key) and ``Notices.send`` writes them once the
transaction is over: the visitor's consent, the site's time zone and the .ics are read and
built outside the resource's lock. Rows a stopped writer left held are written by the
reminder loop (``send_stale``).

Every key names what the message is about, and that is all a held message needs to be
written: ``<kind>:booking:<id>:<sequence>`` (one version of one booking: a booking moved
twice is news twice, a reminder goes once per version) or ``<kind>:series:<series id>`` (a
series booked at once: one message, every date in its .ics).

The .ics is the booking's own event (``lab.bookings.ics``: its UID for life, its SEQUENCE,
DTSTART and DTEND in UTC), with METHOD:REQUEST while the booking holds, METHOD:CANCEL once
it is cancelled, refused or released, so the visitor's calendar adds, moves or removes it.
E-mail is an optional purpose: it goes only to a visitor who agreed to e-mail messages
(lab.accounts.consents; under the consent age, with a guardian at the desk), and without an
address or that consent the message is dropped. Never a last name in a message.
"""

from __future__ import annotations

import datetime as dt
import logging

from lab.accounts.queries import Visitor, get_visitor, may_email, staff_member
from lab.bookings import ics
from lab.bookings.tables import Booking
from lab.core import clock, i18n, mail
from lab.core.i18n import N_
from lab.core.tables import AuditLog

log = logging.getLogger("lab.bookings")

# (subject, body) per kind, translated into the reader's language when written. Parameters:
# name (the reader's first name), resource, when (the start, in the site's zone), place,
# visitor (the visitor's first name, in a staff message), count (the dates of a series).
MESSAGES = {
    "booking_confirmed": (
        N_("Réservation confirmée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVotre réservation « %(resource)s » est confirmée.\n"
            "%(when)s\n%(place)s\n\nSi vous ne pouvez pas venir, annulez-la ou prévenez le lab."
        ),
    ),
    "booking_requested": (
        N_("Demande de réservation reçue : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nNous avons bien reçu votre demande « %(resource)s ».\n"
            "%(when)s\n%(place)s\n\nL'équipe du lab doit la valider : nous vous écrirons."
        ),
    ),
    "booking_series": (
        N_("Réservations confirmées : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVos réservations « %(resource)s » sont confirmées : "
            "%(count)s dates, la première le %(when)s.\n%(place)s\n\n"
            "Toutes les dates sont dans le fichier joint."
        ),
    ),
    "booking_approved": (
        N_("Réservation acceptée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nBonne nouvelle : votre demande « %(resource)s » est "
            "acceptée.\n%(when)s\n%(place)s\n\nÀ bientôt au lab !"
        ),
    ),
    "booking_refused": (
        N_("Réservation refusée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVotre demande « %(resource)s » du %(when)s n'a pas pu "
            "être acceptée. Demandez à l'accueil du lab pour trouver un autre moment."
        ),
    ),
    "booking_moved": (
        N_("Réservation déplacée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVotre réservation change.\n"
            "Nouvel horaire : %(when)s\n« %(resource)s », %(place)s"
        ),
    ),
    "booking_cancelled": (
        N_("Réservation annulée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVotre réservation « %(resource)s » du %(when)s est "
            "annulée.\n\nL'équipe du lab"
        ),
    ),
    "booking_released": (
        N_("Réservation libérée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nNous ne vous avons pas vu·e pour votre réservation "
            "« %(resource)s » du %(when)s : elle a été libérée pour quelqu'un d'autre.\n\n"
            "Vous pouvez réserver un autre moment au lab."
        ),
    ),
    "booking_lapsed": (
        N_("Demande non validée : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nVotre demande « %(resource)s » du %(when)s n'a pas été "
            "validée à temps : elle est annulée. Demandez à l'accueil du lab pour trouver un "
            "autre moment."
        ),
    ),
    "booking_reminder": (
        N_("Rappel : %(resource)s"),
        N_(
            "Bonjour %(name)s,\n\nRappel : votre réservation « %(resource)s » a lieu "
            "bientôt.\n%(when)s\n%(place)s\n\nSi vous ne pouvez pas venir, annulez-la ou "
            "prévenez le lab."
        ),
    ),
    # To the staff member who made the booking for someone.
    "booking_approved_staff": (
        N_("Demande acceptée : %(resource)s pour %(visitor)s"),
        N_(
            "Bonjour %(name)s,\n\nLa demande « %(resource)s » que vous avez faite pour "
            "%(visitor)s est acceptée.\n%(when)s\n%(place)s"
        ),
    ),
    "booking_refused_staff": (
        N_("Demande refusée : %(resource)s pour %(visitor)s"),
        N_(
            "Bonjour %(name)s,\n\nLa demande « %(resource)s » que vous avez faite pour "
            "%(visitor)s n'a pas été acceptée.\n%(when)s\n%(place)s"
        ),
    ),
}
STAFF_KINDS = frozenset({"booking_approved_staff", "booking_refused_staff"})
WHEN = "EEEE d MMMM y, HH:mm"
# A held message older than this was left by a writer that stopped: ``send_stale`` writes it.
STALE_AFTER = dt.timedelta(minutes=5)

COLUMNS = (*ics.COLUMNS, Booking.id, Booking.visitor)


def booking_key(booking_id: int, sequence: int) -> str:
    return f"booking:{booking_id}:{sequence}"


def series_key(series_id: str) -> str:
    return f"series:{series_id}"


class Notices:
    """The messages a change holds in its transaction, to be written after it (``send``)."""

    def __init__(self) -> None:
        self.held: list[int] = []

    async def hold(self, kind: str, visitor_id: int | None, key: str) -> None:
        """Hold the message ``kind``, once per ``key``. Call it inside the change's
        transaction: it writes one row and reads nothing else."""
        held = await mail.hold(kind=kind, visitor_id=visitor_id, dedupe_key=f"{kind}:{key}")
        if held is not None:
            self.held.append(held)

    async def booking(self, kind: str, booking: Booking) -> None:
        """Hold ``kind`` about this version of ``booking`` for its visitor; nothing for a
        booking without one (a staff member's own, a workshop's room)."""
        if booking.visitor is not None:
            await self.hold(kind, booking.visitor, booking_key(booking.id, booking.sequence))

    async def decision(self, booking: Booking, *, approved: bool) -> None:
        """The visitor's message and the one to whoever booked for them (found when it is
        written: nobody when the visitor asked themselves)."""
        await self.booking("booking_approved" if approved else "booking_refused", booking)
        kind = "booking_approved_staff" if approved else "booking_refused_staff"
        if booking.visitor is not None:
            await self.hold(kind, None, booking_key(booking.id, booking.sequence))

    async def send(self) -> None:
        """Write the held messages. Call it once the change's transaction is over; inside
        another one (a service calling bookings), they stay held for the next round."""
        held, self.held = self.held, []
        if held and Booking._meta.db.current_transaction.get() is None:
            await _write(await mail.held(held))


async def send_stale() -> int:
    """Write the messages a stopped writer held and never wrote. Returns how many it found."""
    # Only its own kinds: workshops write theirs.
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
            log.exception("bookings: held message %s not written", row["id"])


async def _about(key: str) -> tuple[list[dict], int | None]:
    """The bookings a key is about (their COLUMNS, by start) and the version it names."""
    parts = key.split(":")
    if parts[1] == "series":
        rows = (
            await Booking.select(*COLUMNS)
            .where((Booking.series_id == parts[2]) & Booking.status.is_in(["pending", "confirmed"]))
            .order_by(Booking.starts_at)
        )
        return rows, None
    rows = await Booking.select(*COLUMNS).where(Booking.id == int(parts[2]))
    return rows, int(parts[3])


async def _write_one(row: dict) -> None:
    """Write one held message in its reader's language, with the booking's event (or the
    series' events) as an .ics for a visitor; or drop it when it has nowhere to go."""
    kind = row["kind"]
    rows, sequence = await _about(row["dedupe_key"])
    first = rows[0] if rows else None
    if first is None or kind not in MESSAGES:
        await mail.drop(row["id"])
        return
    if kind == "booking_reminder" and (
        first["status"] != "confirmed" or first["sequence"] != sequence
    ):
        await mail.drop(row["id"])  # cancelled or moved since: nothing to remind of
        return
    if kind in STAFF_KINDS:
        reader = await _facilitator(first["id"])
    else:
        reader = await _visitor_reader(row["visitor_id"])
    if reader is None:
        await mail.drop(row["id"])
        return
    recipient, language, name = reader
    subject, body = MESSAGES[kind]
    with i18n.language(language):
        params = {
            "name": name,
            "resource": first["resource_name"],
            "when": i18n.format_datetime(first["starts_at"], first["timezone"], WHEN),
            "place": ics.location(first["site_name"], first["site_address"]),
            "visitor": first["first_name"] or "",
            "count": len(rows),
        }
        calendar = "" if kind in STAFF_KINDS else message_calendar(rows, language)
        await mail.fill(
            row["id"],
            recipient=recipient,
            language=language,
            subject=i18n.gettext(subject, **params),
            body=i18n.gettext(body, **params),
            ics=calendar,
        )


def message_calendar(rows: list[dict], language: str) -> str:
    """The bookings as an invitation: METHOD:REQUEST while they hold, CANCEL once they are
    cancelled (refused, released); times in UTC. No name in the event: it is the reader's."""
    events = [ics.event_from_row(row, language, with_first_name=False) for row in rows]
    cancelled = all(ics.STATUS.get(row["status"]) == "CANCELLED" for row in rows)
    return ics.calendar(events, method="CANCEL" if cancelled else "REQUEST", utc=True).decode()


async def _visitor_reader(visitor_id: int | None) -> tuple[str, str, str] | None:
    visitor = await get_visitor(visitor_id) if visitor_id else None
    if not await _may_write_to(visitor):
        return None
    return visitor.email, visitor.preferred_language, visitor.first_name


async def _may_write_to(visitor: Visitor | None) -> bool:
    return await may_email(visitor)


async def _facilitator(booking_id: int) -> tuple[str, str, str] | None:
    """Who booked for the visitor: the staff member the journal names as the booking's
    author (a kiosk or the visitor's phone is nobody to tell), while still active."""
    made = (
        await AuditLog.select(AuditLog.actor_kind, AuditLog.actor_id)
        .where(
            (AuditLog.subject == f"booking:{booking_id}") & (AuditLog.action == "booking.created")
        )
        .first()
    )
    if not made or made["actor_kind"] != "staff" or made["actor_id"] is None:
        return None
    person = await staff_member(made["actor_id"])
    if not person or not person["active"] or not person["email"]:
        return None
    return person["email"], person["language"], (person["name"].split() or [""])[0]
