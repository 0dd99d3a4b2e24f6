"""Tables with no domain: the audit log."""

from piccolo.columns import JSON, Integer, Timestamptz, Varchar
from piccolo.table import Table


class AuditLog(Table, tablename="audit_log"):
    """Append-only (a database trigger refuses UPDATE and DELETE).

    ``data`` holds ids and codes, never names or contact details: the log outlives erasures.
    """

    at = Timestamptz(index=True)
    actor_kind = Varchar(length=20)
    actor_id = Integer(null=True, default=None)
    action = Varchar(length=60, index=True)
    subject = Varchar(length=80, default="")
    site_id = Integer(null=True, default=None, index=True)
    data = JSON(default="{}")
