"""Booking invariants the database enforces itself, written for both engines.

- Two bookings that each take every unit of a resource never overlap (back-to-back is fine):
  an exclusion constraint on PostgreSQL, triggers on SQLite. Pools are guarded by the
  service's locked capacity check.
- Times and units make sense (end after start, at least one unit).
- An asset is out on one loan at a time; a site is closed once per day; an induction once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-22T01:41:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking overlap and sanity constraints, one open loan per asset"

HOLDING = "('pending', 'confirmed', 'checked_in', 'completed')"

_SQLITE_OVERLAP = f"""
    SELECT RAISE(ABORT, 'booking_overlap: the resource is already booked at that time')
    WHERE EXISTS (
        SELECT 1 FROM booking AS other
        WHERE other.resource = NEW.resource AND other.exclusive
          AND other.status IN {HOLDING}
          AND other.id IS NOT NEW.id
          AND julianday(other.starts_at) < julianday(NEW.blocked_until)
          AND julianday(NEW.starts_at) < julianday(other.blocked_until)
    );"""

_SQLITE_SANE = """
    SELECT RAISE(ABORT, 'booking_invalid: end before start or no unit')
    WHERE julianday(NEW.ends_at) <= julianday(NEW.starts_at)
       OR julianday(NEW.blocked_until) < julianday(NEW.ends_at)
       OR NEW.units < 1;"""

SQLITE = [
    f"""CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking
        WHEN NEW.exclusive AND NEW.status IN {HOLDING}
        BEGIN {_SQLITE_OVERLAP} END""",
    f"""CREATE TRIGGER booking_no_overlap_update
        BEFORE UPDATE OF resource, starts_at, blocked_until, status, exclusive ON booking
        WHEN NEW.exclusive AND NEW.status IN {HOLDING}
        BEGIN {_SQLITE_OVERLAP} END""",
    f"CREATE TRIGGER booking_sane_insert BEFORE INSERT ON booking BEGIN {_SQLITE_SANE} END",
    f"""CREATE TRIGGER booking_sane_update
        BEFORE UPDATE OF starts_at, ends_at, blocked_until, units ON booking
        BEGIN {_SQLITE_SANE} END""",
    """CREATE TRIGGER resource_units_insert BEFORE INSERT ON resource
       WHEN NEW.units < 1 BEGIN SELECT RAISE(ABORT, 'resource_invalid: no unit'); END""",
    """CREATE TRIGGER resource_units_update BEFORE UPDATE OF units ON resource
       WHEN NEW.units < 1 BEGIN SELECT RAISE(ABORT, 'resource_invalid: no unit'); END""",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
            resource WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&
        ) WHERE (exclusive AND status IN {HOLDING})""",
    """ALTER TABLE booking ADD CONSTRAINT booking_sane
        CHECK (ends_at > starts_at AND blocked_until >= ends_at AND units >= 1)""",
    "ALTER TABLE resource ADD CONSTRAINT resource_units CHECK (units >= 1)",
]

BOTH = [
    "CREATE UNIQUE INDEX loan_one_open_per_asset ON loan (asset) WHERE returned_at IS NULL",
    "CREATE UNIQUE INDEX site_closure_once ON site_closure (site, day)",
    "CREATE UNIQUE INDEX visitor_induction_once ON visitor_induction (visitor, name)",
    "CREATE INDEX booking_resource_time ON booking (resource, starts_at)",
    "CREATE INDEX booking_visitor_time ON booking (visitor, starts_at)",
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
