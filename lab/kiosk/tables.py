from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from lab.accounts.tables import Site


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
