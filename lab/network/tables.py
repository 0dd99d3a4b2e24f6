"""The local network: partner organisations and their contact people, network meetings (agenda,
invitations and presence, minutes, decisions), the actions born of them, and referrals of
visitors to partners.

Partner organisations here are the network's own record of the local actors (``network_partner``),
shared across the sites of a network and followed by one site. Workshops keep their ``partner``
table (a name on a module): it predates the network and its rows are a site's own co-hosts.
A network partner may point at the workshops' partner it is (``workshop_partner``), so that a
module born of an action names the same organisation; the link is optional and either side lives
on without the other.

Invariants the database holds (see the migration): statuses and kinds from their lists, a meeting
that ends after it starts, one invitation per contact person (or per organisation when no person
is named) and meeting, a partner once per action, and a referral that cannot exist without the
moment the young person consented. A partner with the same name and municipality as another is
only a warning (two agencies of one body may share both), so it is not a constraint.
"""

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
from lab.workshops.tables import Module, Partner


class NetworkPartner(Table, tablename="network_partner"):
    """An organisation of the local network (public employment service, training body…).

    Shared by every site of the network of ``site`` (the site that follows the partner)."""

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=160)
    # Lower-case, accent- and punctuation-free name: the duplicate warning and the search.
    search_name = Varchar(length=160, index=True)
    # employment_service | training | job_coaching | social_economy | youth | health | housing
    # | employer | other
    kind = Varchar(length=20)
    municipality = Varchar(length=120, default="")  # where it is based
    zone = Text(default="")  # the zone or municipalities it serves, comma-separated
    services = Text(default="")  # what it offers, free text
    tags = Varchar(length=300, default="")  # comma-separated, lower-case
    language = Varchar(length=2, default="fr")  # fr | nl | en: its messages' language
    email = Varchar(length=254, default="")  # the organisation's generic address
    phone = Varchar(length=30, default="")
    address = Text(default="")
    website = Varchar(length=300, default="")
    workshop_partner = ForeignKey(Partner, on_delete=OnDelete.set_null, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class NetworkContact(Table, tablename="network_contact"):
    """A contact person at a partner: professional data only (name, role, work e-mail, phone)."""

    partner = ForeignKey(NetworkPartner, on_delete=OnDelete.cascade, null=False, index=True)
    first_name = Varchar(length=60)
    last_name = Varchar(length=60)
    role = Varchar(length=120, default="")
    email = Varchar(length=254, default="")
    phone = Varchar(length=30, default="")
    language = Varchar(length=2, default="fr")  # fr | nl | en
    # SHA-256 of the token of a meeting pass (a QR), when the person has one; never the token.
    pass_hash = Varchar(length=64, null=True, default=None, unique=True)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class NetworkMeeting(Table, tablename="network_meeting"):
    """A network meeting, organised by a site for itself or for a zone."""

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    zone = Varchar(length=120, default="")  # the zone it gathers, when wider than the site
    title = Varchar(length=160)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    place = Text(default="")
    video_link = Varchar(length=500, default="")
    status = Varchar(length=10, default="planned")  # planned | held | cancelled
    minutes = Text(default="")
    minutes_sent_at = Timestamptz(null=True, default=None)
    uid = Varchar(length=64, unique=True)  # the calendar event's UID, for life
    sequence = Integer(default=0)  # bumped by every change a calendar must see
    created_by = Integer(null=True, default=None)  # a staff user's id
    created_at = Timestamptz()
    updated_at = Timestamptz()


class NetworkTheme(Table, tablename="network_theme"):
    """One item of a meeting's agenda."""

    meeting = ForeignKey(NetworkMeeting, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    # training_offer | hiring_plan | decree | local_event | other
    kind = Varchar(length=20, default="other")
    title = Varchar(length=200)
    notes = Text(default="")


class NetworkInvitation(Table, tablename="network_invitation"):
    """A partner invited to a meeting, through one contact person (or the organisation itself),
    and whether they came."""

    meeting = ForeignKey(NetworkMeeting, on_delete=OnDelete.cascade, null=False, index=True)
    partner = ForeignKey(NetworkPartner, on_delete=OnDelete.cascade, null=False)
    contact = ForeignKey(NetworkContact, on_delete=OnDelete.cascade, null=True, default=None)
    presence = Varchar(length=10, default="invited")  # invited | present | absent | excused
    method = Varchar(length=10, null=True, default=None)  # staff | qr
    checked_in_at = Timestamptz(null=True, default=None)
    recorded_by = Integer(null=True, default=None)  # a staff user's id
    invited_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class NetworkDecision(Table, tablename="network_decision"):
    meeting = ForeignKey(NetworkMeeting, on_delete=OnDelete.cascade, null=False, index=True)
    theme = ForeignKey(NetworkTheme, on_delete=OnDelete.set_null, null=True, default=None)
    position = Integer(default=0)
    text = Text()
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class NetworkAction(Table, tablename="network_action"):
    """A project born of the exchanges, followed up until done or abandoned.

    ``status``: proposed → under_way → done; proposed or under_way → abandoned; under_way →
    proposed (put back on hold). Done and abandoned are final."""

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False)
    decision = ForeignKey(NetworkDecision, on_delete=OnDelete.set_null, null=True, default=None)
    title = Varchar(length=200)
    # joint_workshop | job_dating | info_session | shared_training | other
    kind = Varchar(length=20, default="other")
    description = Text(default="")
    owner = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    due_on = Date(null=True, default=None)
    status = Varchar(length=12, default="proposed", index=True)
    module = ForeignKey(Module, on_delete=OnDelete.set_null, null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)


class NetworkActionPartner(Table, tablename="network_action_partner"):
    action = ForeignKey(NetworkAction, on_delete=OnDelete.cascade, null=False)
    partner = ForeignKey(NetworkPartner, on_delete=OnDelete.cascade, null=False)


class NetworkActionNote(Table, tablename="network_action_note"):
    """A dated note on an action's progress (never a visitor's data)."""

    action = ForeignKey(NetworkAction, on_delete=OnDelete.cascade, null=False, index=True)
    text = Text()
    author = Integer(null=True, default=None)  # a staff user's id
    at = Timestamptz()


class NetworkReferral(Table, tablename="network_referral"):
    """A visitor referred to a partner for a need, with their consent.

    ``status``: sent → taken_up | not_taken_up → outcome_known. The partner's contact gets only
    the first name, the need, and how to reach the young person when ``share_contact``."""

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False, index=True)
    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=False, index=True)
    partner = ForeignKey(NetworkPartner, on_delete=OnDelete.restrict, null=False)
    contact = ForeignKey(NetworkContact, on_delete=OnDelete.set_null, null=True, default=None)
    # training | job | housing | health | rights | mobility | other
    need = Varchar(length=12)
    # The visitor's consent to the referral; no referral without it (NOT NULL).
    consent_at = Timestamptz(null=False)
    share_contact = Boolean(default=False)  # they agreed that the partner may reach them
    status = Varchar(length=14, default="sent", index=True)
    # found_training | found_job | found_housing | care | rights_opened | other | none
    outcome = Varchar(length=20, null=True, default=None)
    follow_up_on = Date(null=True, default=None)
    referred_by = Integer(null=True, default=None)  # a staff user's id
    message_sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
