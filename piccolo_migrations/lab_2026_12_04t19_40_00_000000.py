"""Two indexes for the questions every booking and every view of availability ask, which the
index of (resource, starts_at) answered by reading a resource's whole past (a year of kept
and cancelled bookings):

- which of these resources' open bookings (confirmed, checked in, pending) have started
  (releases): by status, resource and start, straight to the few open ones;
- which bookings hold these resources during a period (the grid, a booking's capacity check):
  by status, resource and the end of what they block, so the past is never read.

The same statements on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes of bookings by status and resource, then start or end of the hold"

INDEXES = [
    "CREATE INDEX booking_due ON booking (status, resource, starts_at)",
    "CREATE INDEX booking_held ON booking (status, resource, blocked_until)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
