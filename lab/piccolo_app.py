"""The one Piccolo app of lab; every domain's tables are registered here."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from lab.accounts.tables import Pass, Role, Site, StaffUser, Visitor
from lab.bookings.tables import Asset, Booking, CalendarFeed, Closure, Induction, Loan, Resource
from lab.core.tables import AuditLog

APP_CONFIG = AppConfig(
    app_name="lab",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "piccolo_migrations"),
    table_classes=[
        AuditLog,
        Site,
        StaffUser,
        Role,
        Visitor,
        Pass,
        Resource,
        Closure,
        Induction,
        Booking,
        Asset,
        Loan,
        CalendarFeed,
    ],
    migration_dependencies=[],
    commands=[],
)
