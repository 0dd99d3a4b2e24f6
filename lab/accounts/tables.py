from piccolo.columns import (
    JSON,
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


class Site(Table, tablename="site"):
    name = Varchar(length=120)
    slug = Varchar(length=60, unique=True)
    timezone = Varchar(length=64)
    address = Text(default="")
    # {"mon": [["09:00", "12:30"], ["13:30", "17:00"]], ...} in the site's own time zone.
    opening_hours = JSON(default="{}")
    network = Varchar(length=120, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()
    # The site's own retention of visitors' records; None: the deployment's settings.
    retain_visitor_years = Integer(null=True, default=None)
    follow_up_age = Integer(null=True, default=None)


class StaffUser(Table, tablename="staff_user"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=120)
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    language = Varchar(length=2, default="fr")
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)


class Role(Table, tablename="staff_role"):
    """A grant: ``site`` NULL means every site (admins, network managers)."""

    user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, null=False)
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=True, default=None)
    # Unique (user, site, role) is a unique index in the raw-SQL migration: SQLite cannot
    # ALTER TABLE … ADD CONSTRAINT, which is what Piccolo's composite Unique generates.
    role = Varchar(length=20)


class Visitor(Table, tablename="visitor"):
    """A young person using the lab. Only what the service and the funders' reports need."""

    first_name = Varchar(length=60)
    last_name = Varchar(length=60)
    birth_date = Date()
    gender = Varchar(length=12, null=True, default=None)
    postcode = Varchar(length=10)
    priority_area = Varchar(length=12, null=True, default=None)
    status = Varchar(length=20)
    education_level = Varchar(length=20, null=True, default=None)
    preferred_language = Varchar(length=2, default="fr")
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    external_ref = Varchar(length=40, null=True, default=None, index=True)
    # Lower-case, accent-free "first last" for searching; derived, rewritten on every save.
    search_name = Varchar(length=130, index=True)
    created_site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # kiosk | staff: a self sign-up is checked by staff at the visitor's next visit.
    created_via = Varchar(length=10, default="staff")
    # Under the digital-consent age (15 in France, 13 in Belgium), optional features wait for a
    # guardian's consent, recorded at the desk by a staff member (never self-declared).
    guardian_consent_at = Timestamptz(null=True, default=None)
    guardian_consent_by = Integer(null=True, default=None)
    # When the record was pseudonymised (erasure, or retention after the last contact): names,
    # contact details and notes are gone, the id and what funders count stay.
    anonymised_at = Timestamptz(null=True, default=None)


class Pass(Table, tablename="visitor_pass"):
    """The QR pass. The token itself is never stored, only its SHA-256."""

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False)
    token_hash = Varchar(length=64, unique=True)
    short_code = Varchar(length=8, unique=True)
    issued_at = Timestamptz()
    issued_by = Integer(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class VisitorPin(Table, tablename="visitor_pin"):
    """The 4-digit PIN that, with the pass, opens a visitor's personal views (kiosk and /me).

    Wrong tries are counted here, per person (so per pass, whatever the tablet or phone):
    a lock holds across workers and restarts. Only the argon2 hash of the PIN is kept.
    """

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False, unique=True)
    pin_hash = Varchar(length=255)
    failed_attempts = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    set_at = Timestamptz()
    set_by = Integer(null=True, default=None)  # a staff user who reset it, else None


class StaffTotp(Table, tablename="staff_totp"):
    """A staff member's second factor (TOTP, RFC 6238).

    The shared secret is kept encrypted with a key derived from the deployment's secret key.
    ``confirmed_at`` NULL: enrolment started, not yet confirmed with a code (not required at
    login). ``last_step``: the last accepted time step; a code is accepted only for a later
    step, so a code seen over a shoulder or replayed is refused.
    """

    user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, null=False, unique=True)
    secret = Text()
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    last_step = Integer(default=0)


class StaffRecoveryCode(Table, tablename="staff_recovery_code"):
    """One-time codes for a lost phone: only the SHA-256 of each (random, 60 bits) is kept."""

    user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, null=False, index=True)
    code_hash = Varchar(length=64)
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class VisitorConsent(Table, tablename="visitor_consent"):
    """One consent given for one optional purpose (lab.accounts.consents.PURPOSES): a row per
    grant, kept after its withdrawal (``withdrawn_at``) so the history shows what was agreed,
    to which wording and when. At most one live grant per visitor, purpose and partner (a
    partial unique index in the migration). For a visitor under the digital-consent age the
    guardian who agreed is named, and only staff record it (``recorded_by``; None: the visitor
    on their own phone)."""

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False, index=True)
    purpose = Varchar(length=32)
    wording_version = Integer()
    # share_partner only: the partner named in the wording the visitor agreed to.
    partner = Varchar(length=120, null=True, default=None)
    given_at = Timestamptz()
    recorded_by = Integer(null=True, default=None)
    guardian_name = Varchar(length=120, null=True, default=None)
    guardian_relation = Varchar(length=20, null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_by = Integer(null=True, default=None)
    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
