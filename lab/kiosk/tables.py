from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from lab.accounts.tables import Site
from lab.attendance.tables import ScanEvent


class KioskDevice(Table, tablename="kiosk_device"):
    """A shared tablet. It is a principal, not a user: it reaches kiosk routes only.

    Only hashes are stored: of the one-time pairing code (valid 15 minutes) and of the
    long-lived credential the tablet keeps in a cookie once paired.
    """

    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=60)
    allowed_actions = Varchar(length=120, default="checkin,signup,enrol,book,skills")
    pairing_code_hash = Varchar(length=64, null=True, default=None, unique=True)
    pairing_expires_at = Timestamptz(null=True, default=None)
    credential_hash = Varchar(length=64, null=True, default=None, unique=True)
    paired_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class ScanReview(Table, tablename="kiosk_scan_review"):
    """A staff member's answer to a refused offline scan (the scan journal itself is
    append-only): what was done about it, by whom, when."""

    scan_event = ForeignKey(ScanEvent, on_delete=OnDelete.cascade, null=False, unique=True)
    resolution = Varchar(length=20)  # checked_in | dismissed
    note = Text(default="")
    resolved_by = Integer(null=True, default=None)
    resolved_at = Timestamptz()
