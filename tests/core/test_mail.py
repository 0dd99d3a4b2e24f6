"""The outbox: messages are written with the change they announce and sent later, by SMTP or
into a folder; a failure is retried and never reaches the request that queued them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket

from aiosmtpd.controller import Controller

from lab.core import clock, mail
from lab.core.tables import Outbox
from tests.bookings.factories import freeze

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def queue_one(**extra) -> None:
    values = {
        "kind": "enrolled",
        "recipient": "lea@example.org",
        "language": "nl",
        "subject": "Inschrijving bevestigd",
        "body": "Hallo Léa,\n\nJe bent ingeschreven.",
        "visitor_id": 1,
        "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        "dedupe_key": "enrolled:enrolment:1",
    }
    values.update(extra)
    return await mail.queue(**values)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_message_is_queued_once_and_needs_a_recipient(engine):
    assert await queue_one() is True
    assert await queue_one() is False  # same dedupe key
    assert await queue_one(recipient=None, dedupe_key="x") is False
    assert await Outbox.count() == 1


async def test_without_smtp_messages_are_written_to_the_outbox_folder(engine, settings):
    freeze(T0)
    await queue_one()
    assert await mail.deliver_due(settings) == 1
    files = list((settings.data_dir / "outbox").glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "Subject: Inschrijving bevestigd" in text and "text/calendar" in text
    row = await Outbox.objects().first()
    assert row.status == "written"
    assert await mail.deliver_due(settings) == 0  # sent once


async def test_a_real_smtp_server_receives_the_message_with_its_invitation(engine, settings):
    freeze(T0)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = dataclasses.replace(
            settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False
        )
        await queue_one()
        assert await mail.deliver_due(smtp) == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert b"invitation.ics" in inbox.messages[0]
    assert (await Outbox.objects().first()).status == "sent"


async def test_an_unreachable_server_is_retried_later_and_nothing_is_lost(engine, settings):
    freeze(T0)
    smtp = dataclasses.replace(
        settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False
    )
    await queue_one()
    assert await mail.deliver_due(smtp) == 0
    row = await Outbox.objects().first()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > clock.now()
    assert "ConnectionRefusedError" in row.last_error
    assert await mail.deliver_due(smtp) == 0  # not due yet: no hammering
    freeze(T0 + dt.timedelta(minutes=3))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert await mail.deliver_due(dataclasses.replace(smtp, smtp_port=port)) == 1
    finally:
        controller.stop()
    assert (await Outbox.objects().first()).status == "sent"
