from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from lab.accounts.tables import Site, StaffUser, Visitor


class Resource(Table, tablename="resource"):
    """Something to book. ``units`` > 1 makes it a pool (e.g. 12 tablets).

    The rules live here as columns: one row is the whole policy of a resource.
    """

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=20)  # tablet_pool | studio | room | screen | computer | other
    name = Varchar(length=120)
    description = Text(default="")
    units = Integer(default=1)
    active = Boolean(default=True)
    slot_minutes = Integer(default=30)
    min_minutes = Integer(default=30)
    max_minutes = Integer(default=120)
    lead_minutes = Integer(default=0)  # book at least this long ahead
    horizon_days = Integer(default=30)  # and at most this far ahead
    buffer_minutes = Integer(default=0)  # kept free after each booking
    max_bookings_per_day = Integer(null=True, default=None)  # per visitor
    max_bookings_per_week = Integer(null=True, default=None)
    max_minutes_per_day = Integer(null=True, default=None)
    max_minutes_per_week = Integer(null=True, default=None)
    needs_approval = Boolean(default=False)
    kiosk_self_service = Boolean(default=False)
    checkin_before_minutes = Integer(default=15)  # check-in window opens before the start
    release_after_minutes = Integer(null=True, default=15)  # unclaimed: released (None: never)
    # A practical skill (its code) a visitor must hold to book it themselves, validated by a
    # facilitator; held no longer once unused for ``skill_lapse_months`` (NULL: never lapses).
    required_skill = Varchar(length=40, null=True, default=None)
    skill_lapse_months = Integer(null=True, default=None)
    created_at = Timestamptz()


class Closure(Table, tablename="site_closure"):
    """A day a site is closed (public holiday, training day)."""

    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    day = Date()
    label = Varchar(length=120, default="")


class Booking(Table, tablename="booking"):
    """A booking of ``units`` of a resource over [starts_at, ends_at).

    ``blocked_until`` = ends_at + the resource's buffer: the interval the capacity rule and the
    database constraints look at. ``exclusive`` marks a booking that takes every unit, which
    the database itself keeps from overlapping another exclusive one.
    """

    resource = ForeignKey(Resource, on_delete=OnDelete.restrict, null=False)
    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=True, default=None)
    staff_user = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    blocked_until = Timestamptz()
    units = Integer(default=1)
    exclusive = Boolean(default=False)
    # pending | confirmed | checked_in | completed | cancelled | no_show | released
    status = Varchar(length=12, index=True)
    source = Varchar(length=10, default="staff")  # staff | kiosk | api | series
    series_id = Varchar(length=32, null=True, default=None, index=True)
    note = Varchar(length=500, default="")
    uid = Varchar(length=64, unique=True)  # stable iCalendar UID
    sequence = Integer(default=0)  # iCalendar SEQUENCE, bumped on every change
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    checked_in_at = Timestamptz(null=True, default=None)


class Asset(Table, tablename="asset"):
    """One lendable item of a resource (tablet #7), with a printed QR tag."""

    resource = ForeignKey(Resource, on_delete=OnDelete.restrict, null=False)
    tag = Varchar(length=24, unique=True)
    label = Varchar(length=120, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class Loan(Table, tablename="loan"):
    asset = ForeignKey(Asset, on_delete=OnDelete.restrict, null=False)
    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False)
    out_at = Timestamptz()
    due_at = Timestamptz()
    returned_at = Timestamptz(null=True, default=None)
    condition_out = Varchar(length=300, default="")
    condition_in = Varchar(length=300, default="")
    lent_by = Integer(null=True, default=None)
    returned_by = Integer(null=True, default=None)


class CalendarFeed(Table, tablename="calendar_feed"):
    """An unguessable, revocable subscription URL; only the token's hash is stored."""

    kind = Varchar(length=10)  # resource | visitor
    subject_id = Integer()
    token_hash = Varchar(length=64, unique=True)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
