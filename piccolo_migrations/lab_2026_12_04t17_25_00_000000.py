"""Indexes the query budgets asked for: every list a page reads by a foreign key or a subject
has an index that starts with it, so its cost does not grow with the other rows of the table
(Piccolo creates no index for a foreign key). The same statements on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T17:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for foreign keys and subjects that pages read by"

INDEXES = [
    # A booking's or a session's history on its page, and the messages about a booking.
    "CREATE INDEX audit_log_subject ON audit_log (subject, at)",
    # What a staff member booked (their calendar).
    "CREATE INDEX booking_created_by ON booking (created_by, starts_at)",
    # The modules that teach a skill (suggestions on a visitor's skills page).
    "CREATE INDEX skill_module_skill ON skill_module (skill)",
    # The modules a facilitator runs (the unique index starts with the module).
    "CREATE INDEX module_facilitator_staff ON workshop_module_facilitator (staff_user)",
    # A visitor's passes, revoked ones included (their pass history).
    "CREATE INDEX visitor_pass_visitor ON visitor_pass (visitor)",
    "CREATE INDEX loan_visitor ON loan (visitor, out_at)",
    "CREATE INDEX asset_resource ON asset (resource)",
    "CREATE INDEX resource_site ON resource (site)",
    "CREATE INDEX workshop_module_site ON workshop_module (site)",
    "CREATE INDEX attendance_signature_session ON attendance_signature (session)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
