"""Tables with no domain: the audit log."""

from piccolo.columns import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditLog(Table, tablename="audit_log"):
    """Append-only: database triggers refuse every UPDATE and DELETE but two. Retention may
    delete an entry older than 30 days (by the database's clock), and an erasure may redact
    an entry about the person, its ``data`` becoming exactly ``{"redacted": true}`` and
    nothing else changing (see the migrations that define the triggers).

    ``data`` holds ids and codes, never names or contact details.
    """

    at = Timestamptz(index=True)
    actor_kind = Varchar(length=20)
    actor_id = Integer(null=True, default=None)
    action = Varchar(length=60, index=True)
    subject = Varchar(length=80, default="")
    site_id = Integer(null=True, default=None, index=True)
    data = JSON(default="{}")


class Outbox(Table, tablename="outbox"):
    """Messages to visitors, written in the transaction of the change they announce and sent
    later by a background sender (SMTP, or files in a folder when no SMTP is configured), so
    sending never blocks or breaks a request. ``dedupe_key`` makes a message go out once."""

    kind = Varchar(length=40)
    visitor_id = Integer(null=True, default=None, index=True)
    recipient = Varchar(length=254)
    language = Varchar(length=2, default="fr")
    subject = Varchar(length=200)
    body = Text()
    ics = Text(default="")
    dedupe_key = Varchar(length=120, null=True, default=None, unique=True)
    status = Varchar(length=10, default="pending", index=True)  # held|pending|sent|written|failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Varchar(length=300, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class JobLease(Table, tablename="job_lease"):
    """Which process runs a scheduled job (releasing no-shows, reminders, mail) for now.

    Every worker of every host runs the same loops; before a round, each tries to take or renew
    its job's lease with one conditional UPDATE, and only the holder runs the round. The claim
    lives in the database every worker shares, so it holds across hosts, and a holder that dies
    loses it when ``expires_at`` passes."""

    name = Varchar(length=60, unique=True)
    holder = Varchar(length=120, default="")
    expires_at = Timestamptz()
