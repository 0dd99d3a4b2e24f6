from piccolo.columns import (
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from lab.accounts.tables import StaffUser, Visitor
from lab.visits.tables import Visit
from lab.workshops.tables import Session


class Attendance(Table, tablename="attendance"):
    """One visitor at one session (unique). ``nonce`` is the client's id of the check-in that
    created it: a repeat of that nonce returns this row instead of a second one."""

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False)
    session = ForeignKey(Session, on_delete=OnDelete.cascade, null=False)
    status = Varchar(length=10)  # present | late | absent | excused
    checked_in_at = Timestamptz(null=True, default=None)
    # kiosk_scan | kiosk_code | staff | staff_scan | self_phone | signature | closing
    method = Varchar(length=12)
    device_id = Integer(null=True, default=None)
    nonce = Varchar(length=64, null=True, default=None, unique=True)
    updated_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Signature(Table, tablename="attendance_signature"):
    """A signature drawn on the sheet, as a PNG. ``staff_user`` set: the countersignature."""

    session = ForeignKey(Session, on_delete=OnDelete.cascade, null=False)
    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=True, default=None)
    staff_user = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    image = Bytea()
    signed_at = Timestamptz()
    # The signer's name, copied here when their record is erased or anonymised while the sheet
    # is under legal hold (a funded period's proof): the sheet still says who signed.
    signer_name = Varchar(length=130, null=True, default=None)


class ScanEvent(Table, tablename="scan_event"):
    """Append-only journal of every scan, accepted or refused, with its reason code."""

    nonce = Varchar(length=64, index=True)
    session = Integer(null=True, default=None)
    visitor = Integer(null=True, default=None)
    staff_user = Integer(null=True, default=None)
    device_id = Integer(null=True, default=None)
    token_hash = Varchar(length=64, null=True, default=None)
    method = Varchar(length=12)
    client_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    outcome = Varchar(length=10)  # accepted | duplicate | refused
    reason = Varchar(length=40, default="")
    booking = Integer(null=True, default=None)  # a booking check-in rather than a session's
    # Sent from a kiosk's offline queue; client_at is then the device's time of the scan,
    # corrected by the measured skew of its clock (kept, and flagged when large).
    offline = Boolean(default=False)
    clock_skew_seconds = Integer(null=True, default=None)
    # The drop-in visit this scan opened or ended, if any.
    visit = ForeignKey(Visit, on_delete=OnDelete.set_null, null=True, default=None)
