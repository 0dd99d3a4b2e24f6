"""Record state changes and refusals in the append-only audit log."""

from __future__ import annotations

import json
from typing import Protocol

from lab.core import clock
from lab.core.db import insert_row, insert_rows
from lab.core.tables import AuditLog


class Actor(Protocol):
    actor_kind: str
    actor_id: int | None


class System:
    actor_kind = "system"
    actor_id = None
    staff_id = None  # no staff account writes what the system does
    is_admin = False


class Anonymous:
    actor_kind = "anonymous"
    actor_id = None
    staff_id = None
    is_admin = False


SYSTEM = System()
ANONYMOUS = Anonymous()


async def record(
    actor: Actor,
    action: str,
    subject: str = "",
    *,
    site_id: int | None = None,
    **data: object,
) -> None:
    """Append one entry. Call it inside the transaction of the change it records."""
    await insert_row(AuditLog, **entry(actor, action, subject, site_id=site_id, **data))


def entry(
    actor: Actor,
    action: str,
    subject: str = "",
    *,
    site_id: int | None = None,
    **data: object,
) -> dict[str, object]:
    """One entry as ``record`` writes it, for ``record_all``."""
    return {
        "at": clock.now(),
        "actor_kind": actor.actor_kind,
        "actor_id": actor.actor_id,
        "action": action,
        "subject": subject,
        "site_id": site_id,
        "data": json.dumps(data, default=str, sort_keys=True),
    }


async def record_all(entries: list[dict[str, object]]) -> None:
    """Append several ``entry``s in one statement, inside the transaction of the changes
    they record (a batch of check-ins)."""
    await insert_rows(AuditLog, entries)
