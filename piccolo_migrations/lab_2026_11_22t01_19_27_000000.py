"""Raw SQL the ORM cannot express, written for both engines.

- audit_log is append-only: triggers refuse UPDATE and DELETE.
- a staff user holds a role once per site (NULL site = every site, counted once);
- a visitor has at most one active pass: a partial unique index (reissue revokes first).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-22T01:19:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only audit log and one active pass per visitor"

SQLITE = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]

POSTGRES = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]

BOTH = [
    """CREATE UNIQUE INDEX staff_role_unique_grant
       ON staff_role ("user", COALESCE(site, 0), role)""",
    """CREATE UNIQUE INDEX visitor_pass_one_active
       ON visitor_pass (visitor) WHERE revoked_at IS NULL""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES
        for statement in [*statements, *BOTH]:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
