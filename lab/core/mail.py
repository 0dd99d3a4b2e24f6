"""Messages to visitors through an outbox.

``queue()`` writes a message in the caller's transaction, so a message exists exactly when
the change it announces was committed. ``deliver_due()`` sends what is pending: by SMTP when
LAB_SMTP_HOST is set, otherwise as .eml files in ``<data dir>/outbox/`` for staff to see.
A failure is retried later with a growing delay; it never reaches the request that queued it.
A message may also be held first and written after the transaction (``hold``, then ``fill``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from lab.core import clock, jobs
from lab.core.db import fetch
from lab.core.tables import Outbox
from lab.settings import Settings

log = logging.getLogger("lab.mail")
MAX_ATTEMPTS = 8
LOOP_SECONDS = 30


async def queue(
    *,
    kind: str,
    recipient: str | None,
    language: str,
    subject: str,
    body: str,
    visitor_id: int | None = None,
    ics: str = "",
    dedupe_key: str | None = None,
) -> bool:
    """Queue one message; False when there is nowhere to send it or it was queued before."""
    if not recipient:
        return False
    if dedupe_key and await Outbox.exists().where(Outbox.dedupe_key == dedupe_key):
        return False
    now = clock.now()
    await Outbox.insert(
        Outbox(
            kind=kind,
            visitor_id=visitor_id,
            recipient=recipient,
            language=language,
            subject=subject[:200],
            body=body,
            ics=ics,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


# -- Held messages ----------------------------------------------------------------------------
# A change that must announce itself while a row lock is held holds its message (``hold``:
# one small row, in the change's transaction) and writes it once the lock is gone (``fill``),
# so that slow work (reading time zones, building calendars) never runs under a lock. A held
# message is never sent: ``deliver_due`` takes only pending ones.

HELD = "held"


async def hold(*, kind: str, visitor_id: int | None, dedupe_key: str) -> int | None:
    """Hold the place of a message in the caller's transaction, before it is written. Returns
    the row's id, or None when a message with this key exists (held or not).

    One plain statement (every booking and enrolment holds one: see lab.core.db, "hot
    paths"); the unique key decides, even between two writers."""
    now = clock.now()
    rows = await fetch(
        Outbox,
        "INSERT INTO outbox (kind, visitor_id, recipient, language, subject, body, ics, "
        "dedupe_key, status, attempts, next_attempt_at, last_error, created_at) "
        "VALUES ({}, {}, '', 'fr', '', '', '', {}, {}, 0, {}, '', {}) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        kind,
        visitor_id,
        dedupe_key,
        HELD,
        now,
        now,
    )
    return rows[0]["id"] if rows else None


async def written_to(visitor_id: int) -> list[dict]:
    """The messages written to a visitor, newest first (held ones, not written yet, left
    out): ``kind``, ``subject``, ``status``, ``created_at`` and ``dedupe_key`` (what the
    message is about), never the body or the address."""
    return (
        await Outbox.select(
            Outbox.kind, Outbox.subject, Outbox.status, Outbox.created_at, Outbox.dedupe_key
        )
        .where((Outbox.visitor_id == visitor_id) & (Outbox.status != HELD))
        .order_by(Outbox.created_at, ascending=False)
    )


async def held(ids: list[int] | None = None, *, before: dt.datetime | None = None) -> list[dict]:
    """Held messages (``id``, ``kind``, ``visitor_id``, ``dedupe_key``): these ``ids``, or
    those held before ``before`` (a writer that stopped before writing them)."""
    query = Outbox.select(Outbox.id, Outbox.kind, Outbox.visitor_id, Outbox.dedupe_key).where(
        Outbox.status == HELD
    )
    if ids is not None:
        query = query.where(Outbox.id.is_in(ids or [-1]))
    if before is not None:
        query = query.where(Outbox.created_at < before)
    return await query.order_by(Outbox.id)


async def fill(
    outbox_id: int, *, recipient: str, language: str, subject: str, body: str, ics: str = ""
) -> bool:
    """Write a held message; from now on it is sent as any other. False if it is gone or was
    written already."""
    written = (
        await Outbox.update(
            {
                Outbox.recipient: recipient,
                Outbox.language: language,
                Outbox.subject: subject[:200],
                Outbox.body: body,
                Outbox.ics: ics,
                Outbox.status: "pending",
                Outbox.next_attempt_at: clock.now(),
            }
        )
        .where((Outbox.id == outbox_id) & (Outbox.status == HELD))
        .returning(Outbox.id)
    )
    return bool(written)


async def forget(dedupe_keys: list[str]) -> int:
    """Delete the messages written under ``dedupe_keys``, whatever their state (an erasure:
    messages about a person that are not addressed to them); how many."""
    if not dedupe_keys:
        return 0
    gone = await Outbox.delete().where(Outbox.dedupe_key.is_in(dedupe_keys)).returning(Outbox.id)
    return len(gone)


async def drop(outbox_id: int) -> None:
    """Forget a held message that has nowhere to go (no address, no consent): as ``queue``
    without a recipient, nothing is kept, so its key stays free."""
    await Outbox.delete().where((Outbox.id == outbox_id) & (Outbox.status == HELD))


def _message(row: dict, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = make_msgid(domain="lab")
    message["Content-Language"] = row["language"]
    message.set_content(row["body"])
    if row["ics"]:
        message.add_attachment(
            row["ics"].encode(),
            maintype="text",
            subtype="calendar",
            filename="invitation.ics",
            # The part says what the calendar says (REQUEST, CANCEL…): readers check both.
            params={"method": _method(row["ics"])},
        )
    return message


def _method(ics: str) -> str:
    found = re.search(r"^METHOD:([A-Z-]+)\r?$", ics, re.MULTILINE)
    return found.group(1) if found else "PUBLISH"


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


async def deliver_due(settings: Settings, limit: int = 50) -> int:
    """Send (or write) up to ``limit`` due messages. Returns how many went out."""
    now = clock.now()
    rows = (
        await Outbox.select()
        .where((Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
        .order_by(Outbox.id)
        .limit(limit)
    )
    done = 0
    for row in rows:
        message = _message(row, settings.smtp_from)
        try:
            if settings.smtp_host:
                await asyncio.to_thread(_send_smtp, settings, message)
                status = "sent"
            else:
                folder = settings.data_dir / "outbox"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{row['id']:08d}-{row['kind']}.eml"
                await asyncio.to_thread(path.write_bytes, bytes(message))
                status = "written"
        except (OSError, smtplib.SMTPException) as error:
            attempts = row["attempts"] + 1
            delay = dt.timedelta(minutes=min(2**attempts, 24 * 60))
            await Outbox.update(
                {
                    Outbox.attempts: attempts,
                    Outbox.next_attempt_at: now + delay,
                    Outbox.last_error: f"{type(error).__name__}: {error}"[:300],
                    Outbox.status: "failed" if attempts >= MAX_ATTEMPTS else "pending",
                }
            ).where(Outbox.id == row["id"])
            log.warning("mail: message %s not sent (attempt %s)", row["id"], attempts)
            continue
        await Outbox.update(
            {
                Outbox.status: status,
                Outbox.sent_at: clock.now(),
                Outbox.attempts: row["attempts"] + 1,
            }
        ).where((Outbox.id == row["id"]) & (Outbox.status == "pending"))
        done += 1
    return done


async def delivery_loop(
    settings: Settings, stop: asyncio.Event, seconds: float = LOOP_SECONDS
) -> None:
    await jobs.every(seconds, stop, "mail", functools.partial(deliver_due, settings))
