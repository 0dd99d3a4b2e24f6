"""The audit log and the scan journal stay append-only, but their old entries may go.

Retention (lab.core.retention) deletes audit entries after 12 months and kiosk scans after
90 days by default. The triggers that made both tables append-only refused every DELETE; they
now refuse an UPDATE always, and a DELETE of an entry younger than 30 days by the database's
own clock: no setting, bug or hand-typed statement can erase what just happened.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T20:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "journals: entries older than 30 days may be deleted, never updated"

# (table, column of its time, trigger and function name stem)
JOURNALS = [("audit_log", "at"), ("scan_event", "received_at")]

SQLITE = [
    statement
    for table, column in JOURNALS
    for statement in (
        f"DROP TRIGGER {table}_no_delete",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            WHEN julianday(OLD.{column}) > julianday('now', '-30 days')
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    )
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND OLD.{column} < now() - interval '30 days' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION '{table} is append-only';
        END $$"""
    for table, column in JOURNALS
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
