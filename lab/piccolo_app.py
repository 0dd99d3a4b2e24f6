"""The one Piccolo app of lab; every domain's tables are registered here."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from lab.accounts.tables import (
    Pass,
    Role,
    Site,
    StaffRecoveryCode,
    StaffTotp,
    StaffUser,
    Visitor,
    VisitorConsent,
    VisitorPin,
)
from lab.attendance.tables import Attendance, ScanEvent, Signature
from lab.bookings.tables import Asset, Booking, CalendarFeed, Closure, Loan, Resource
from lab.core.tables import AuditLog, JobLease, Outbox
from lab.kiosk.tables import KioskDevice, ScanReview
from lab.network.tables import (
    NetworkAction,
    NetworkActionNote,
    NetworkActionPartner,
    NetworkContact,
    NetworkDecision,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
    NetworkTheme,
)
from lab.reports.tables import ClosedPeriod
from lab.skills.tables import Badge, FrameworkEntry, ModuleSkill, PracticalSkill, SkillEvidence
from lab.visits.tables import Visit, VisitPurpose
from lab.workshops.tables import Enrolment, Module, ModuleFacilitator, Partner, Session

APP_CONFIG = AppConfig(
    app_name="lab",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "piccolo_migrations"),
    table_classes=[
        AuditLog,
        Site,
        StaffUser,
        Role,
        StaffTotp,
        StaffRecoveryCode,
        Visitor,
        Pass,
        VisitorPin,
        VisitorConsent,
        Resource,
        Closure,
        Booking,
        Asset,
        Loan,
        CalendarFeed,
        Outbox,
        JobLease,
        Partner,
        Module,
        ModuleFacilitator,
        Session,
        Enrolment,
        Attendance,
        Signature,
        VisitPurpose,
        Visit,
        ScanEvent,
        KioskDevice,
        ScanReview,
        ClosedPeriod,
        FrameworkEntry,
        PracticalSkill,
        ModuleSkill,
        SkillEvidence,
        Badge,
        NetworkPartner,
        NetworkContact,
        NetworkMeeting,
        NetworkTheme,
        NetworkInvitation,
        NetworkDecision,
        NetworkAction,
        NetworkActionPartner,
        NetworkActionNote,
        NetworkReferral,
    ],
    migration_dependencies=[],
    commands=[],
)
