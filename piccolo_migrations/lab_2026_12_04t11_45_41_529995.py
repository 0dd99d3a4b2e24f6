"""Indexes for the reports' figures, measured with bench/reports.py at a regional network's size
(20 sites, 10,000 people, 5,000 sessions, 1,000,000 attendance marks).

- A period's marks are read by session: counts per status, participants and walk-ins come from
  the index alone (session, status, visitor).
- Whether a person held a seat is looked up by person, then module (a series) or session (a
  drop-in).
- Waitlist demand and conversions of a period are found by their dates.

Plain CREATE INDEX statements, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T11:45:41:529995"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the reports' figures"

INDEXES = [
    "CREATE INDEX report_attendance_session ON attendance (session, status, visitor)",
    "CREATE INDEX report_enrolment_visitor ON enrolment (visitor, module, session, status)",
    "CREATE INDEX report_enrolment_created ON enrolment (created_at)",
    "CREATE INDEX report_enrolment_promoted ON enrolment (promoted_at)",
]
DROPS = [f"DROP INDEX {statement.split()[2]}" for statement in INDEXES]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in DROPS:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
