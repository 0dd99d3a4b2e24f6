"""Workshop and attendance invariants the database enforces itself, on both engines.

- A visitor holds one live enrolment (enrolled or waitlisted) per module, or per session for
  drop-in modules: two partial unique indexes, since a NULL session never collides.
- The scan journal is append-only.
- Attendance is unique per visitor and session.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-22T01:59:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "live enrolment once, attendance once, append-only scan journal"

LIVE = "status IN ('enrolled', 'waitlisted')"

BOTH = [
    f"""CREATE UNIQUE INDEX enrolment_live_series ON enrolment (visitor, module)
        WHERE session IS NULL AND {LIVE}""",
    f"""CREATE UNIQUE INDEX enrolment_live_session ON enrolment (visitor, session)
        WHERE session IS NOT NULL AND {LIVE}""",
    "CREATE INDEX enrolment_queue ON enrolment (module, session, status, position)",
    "CREATE UNIQUE INDEX attendance_once ON attendance (visitor, session)",
    "CREATE INDEX workshop_session_module ON workshop_session (module, starts_at)",
    "CREATE UNIQUE INDEX module_facilitator_once ON workshop_module_facilitator (module, staff_user)",
]

SQLITE = [
    """CREATE TRIGGER scan_event_no_update BEFORE UPDATE ON scan_event
       BEGIN SELECT RAISE(ABORT, 'scan_event is append-only'); END""",
    """CREATE TRIGGER scan_event_no_delete BEFORE DELETE ON scan_event
       BEGIN SELECT RAISE(ABORT, 'scan_event is append-only'); END""",
]

POSTGRES = [
    # The function of the audit log's trigger says "audit_log"; this one names its table.
    """CREATE FUNCTION scan_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'scan_event is append-only'; END $$""",
    """CREATE TRIGGER scan_event_append_only BEFORE UPDATE OR DELETE ON scan_event
       FOR EACH ROW EXECUTE FUNCTION scan_event_append_only()""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES
        for statement in [*BOTH, *statements]:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
