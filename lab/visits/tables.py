from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from lab.accounts.tables import Site, StaffUser, Visitor


class VisitPurpose(Table, tablename="visit_purpose"):
    """A site's own list of why people drop in. A site with none uses the defaults in code
    (``lab.visits.rules.DEFAULT_PURPOSES``) until an admin edits its list. Unique (site, code):
    a unique index in the migration."""

    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    code = Varchar(length=40)
    label_fr = Varchar(length=80)
    label_en = Varchar(length=80, default="")
    label_nl = Varchar(length=80, default="")
    icon = Varchar(length=40, default="other")  # a pictogram's name (templates' icon macro)
    position = Integer(default=0)
    active = Boolean(default=True)


class Visit(Table, tablename="visit"):
    """Someone in the lab on a drop-in visit, from arrival to leaving.

    ``visitor`` NULL: an anonymous visit (only an optional age band is kept, never a name).
    At most one open visit (``left_at`` NULL) per visitor and site: a partial unique index in
    the migration. ``nonce`` is the client's id of the action that opened it: a repeat
    returns this row instead of a second one."""

    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    # Set null when a visitor is erased: the visit stays in the counts as an anonymous one
    # (and the append-only scan journal that names it is never touched).
    visitor = ForeignKey(Visitor, on_delete=OnDelete.set_null, null=True, default=None)
    age_band = Varchar(length=10, null=True, default=None)  # anonymous visits only
    purpose = Varchar(length=40)  # a purpose's code
    arrived_at = Timestamptz()
    left_at = Timestamptz(null=True, default=None)
    ended_by = Varchar(length=10, null=True, default=None)  # kiosk | desk | closing
    device_id = Integer(null=True, default=None)
    staff_user = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    nonce = Varchar(length=64, unique=True)
    client_at = Timestamptz(null=True, default=None)
    offline = Boolean(default=False)
    created_at = Timestamptz()
