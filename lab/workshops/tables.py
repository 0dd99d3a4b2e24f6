from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from lab.accounts.tables import Site, StaffUser, Visitor
from lab.bookings.tables import Booking, Resource


class Partner(Table, tablename="partner"):
    """An organisation that co-hosts sessions or receives referrals (France Travail, a CFA…)."""

    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120)
    kind = Varchar(length=20)  # employment | training | association | company | public | other
    contact = Text(default="")  # a desk phone or address: never a visitor's data
    created_at = Timestamptz()


class Module(Table, tablename="workshop_module"):
    """A workshop programme: one series of sessions, or drop-in sessions."""

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    title = Varchar(length=120)
    # job_search | orientation | digital_skills | info_session | partner_meeting | other
    kind = Varchar(length=20)
    description = Text(default="")
    audience = Varchar(length=200, default="")
    capacity = Integer(default=12)
    enrolment = Varchar(length=10, default="series")  # series | drop_in
    self_enrol = Boolean(default=False)
    partner = ForeignKey(Partner, on_delete=OnDelete.set_null, null=True, default=None)
    completion_percent = Integer(default=80)  # share of sessions attended to complete
    late_after_minutes = Integer(default=10)
    competences = Varchar(length=300, default="")  # comma-separated tags, until the framework
    room = ForeignKey(Resource, on_delete=OnDelete.set_null, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()


class ModuleFacilitator(Table, tablename="workshop_module_facilitator"):
    module = ForeignKey(Module, on_delete=OnDelete.cascade, null=False)
    staff_user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, null=False)


class Session(Table, tablename="workshop_session"):
    module = ForeignKey(Module, on_delete=OnDelete.cascade, null=False)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    room_booking = ForeignKey(Booking, on_delete=OnDelete.set_null, null=True, default=None)
    capacity = Integer(null=True, default=None)  # None: the module's
    status = Varchar(length=10, default="scheduled")  # scheduled | cancelled | closed
    # Secret of the projected self check-in code; rotates with time (see attendance.selfcheck).
    checkin_secret = Varchar(length=64)
    uid = Varchar(length=64, unique=True)
    sequence = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Enrolment(Table, tablename="enrolment"):
    """A visitor's place in a module (series) or in one session (drop-in).

    ``position`` orders the waitlist (first come, first served); a freed seat goes to the
    lowest position in the same transaction as the cancellation.
    """

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False)
    module = ForeignKey(Module, on_delete=OnDelete.cascade, null=False)
    session = ForeignKey(Session, on_delete=OnDelete.cascade, null=True, default=None)
    status = Varchar(length=12, index=True)  # enrolled | waitlisted | cancelled | completed
    position = Integer(default=0)
    source = Varchar(length=10, default="staff")  # staff | kiosk | phone | api
    created_at = Timestamptz()
    updated_at = Timestamptz()
    promoted_at = Timestamptz(null=True, default=None)
    # Who cancelled: "centre" (staff) or "visitor" (themselves, on the kiosk or their phone).
    # The information system of the missions locales tells the two refusals apart.
    cancelled_by = Varchar(length=8, null=True, default=None)
