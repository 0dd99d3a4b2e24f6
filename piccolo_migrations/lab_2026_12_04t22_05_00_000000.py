"""The audit log and the scan journal let one change through: an erasure's redaction.

Both stay append-only: the triggers still refuse every UPDATE, and a DELETE of an entry
younger than 30 days, except one narrowly defined UPDATE each, by which erasing a person
redacts what their entries say about them:

- an audit entry's ``data`` may become exactly ``{"redacted": true}``, every other column
  unchanged (its time, author, action, subject and site stay: what happened, not to whom);
- a scan's ``token_hash`` (the hash of the person's pass) may become NULL, every other column
  unchanged.

Anything else (another value, another column, both at once, or an update that changes
nothing, the entry being redacted already) is refused as before. On
PostgreSQL the rule compares the whole row as JSON text (``row_to_json``), so a column added
later is covered without touching the trigger; on SQLite, which has no row values in triggers,
the columns are listed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T22:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "journals: an erasure may redact an entry's personal data, nothing else changes"

REDACTED_DATA = '{"redacted": true}'

AUDIT_KEPT = ("id", "at", "actor_kind", "actor_id", "action", "subject", "site_id")
SCAN_KEPT = (
    "id",
    "nonce",
    "session",
    "visitor",
    "staff_user",
    "device_id",
    "method",
    "client_at",
    "received_at",
    "outcome",
    "reason",
    "booking",
    "offline",
    "clock_skew_seconds",
    "visit",
)


def _same(columns: tuple[str, ...]) -> str:
    return " AND ".join(f"NEW.{column} IS OLD.{column}" for column in columns)


SQLITE = [
    "DROP TRIGGER audit_log_no_update",
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        WHEN NOT ({_same(AUDIT_KEPT)} AND NEW.data IS '{REDACTED_DATA}'
                  AND OLD.data IS NOT '{REDACTED_DATA}')
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    "DROP TRIGGER scan_event_no_update",
    f"""CREATE TRIGGER scan_event_no_update BEFORE UPDATE ON scan_event
        WHEN NOT ({_same(SCAN_KEPT)} AND NEW.token_hash IS NULL
                  AND OLD.token_hash IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'scan_event is append-only'); END""",
]

# (table, column of its time, the redaction: the one column and the value it may take)
JOURNALS = [
    ("audit_log", "at", f"data := '{REDACTED_DATA}'::json"),
    ("scan_event", "received_at", "token_hash := NULL"),
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          redacted {table}%ROWTYPE;
        BEGIN
          IF TG_OP = 'DELETE' AND OLD.{column} < now() - interval '30 days' THEN
            RETURN OLD;
          END IF;
          IF TG_OP = 'UPDATE' THEN
            redacted := OLD;
            redacted.{redaction};
            IF row_to_json(NEW)::text = row_to_json(redacted)::text
               AND row_to_json(OLD)::text <> row_to_json(redacted)::text THEN
              RETURN NEW;
            END IF;
          END IF;
          RAISE EXCEPTION '{table} is append-only';
        END $$"""
    for table, column, redaction in JOURNALS
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
