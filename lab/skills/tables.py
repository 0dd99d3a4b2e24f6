from piccolo.columns import (
    JSON,
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
from lab.workshops.tables import Module
from lab.workshops.tables import Session as WorkshopSession


class FrameworkEntry(Table, tablename="skill_framework_entry"):
    """One entry of a competence framework shipped as data: an area, a competence or a
    proficiency level of DigComp 2.2, a domain or competence of Pix. Keyed by (framework,
    version, code), so that DigComp 3.0 loads beside 2.2 without touching any evidence (a
    unique index in the migration)."""

    framework = Varchar(length=20)  # digcomp | pix
    version = Varchar(length=10)  # 2.2
    kind = Varchar(length=12)  # area | competence | level | domain
    code = Varchar(length=12)  # 2.1
    parent = Varchar(length=12, null=True, default=None)  # the area of a competence
    label_fr = Varchar(length=200)
    label_en = Varchar(length=200)
    label_nl = Varchar(length=200)
    position = Integer(default=0)


class PracticalSkill(Table, tablename="skill"):
    """A first-steps skill this public needs ("send an attachment"), in plain words, with its
    pictogram and where it sits in the frameworks. Admins edit these; evidence names a skill by
    its ``code``, which never changes."""

    code = Varchar(length=40, unique=True)
    pictogram = Varchar(length=40, default="skill")  # an icon's name (templates' icon macro)
    name_fr = Varchar(length=120)
    name_en = Varchar(length=120)
    name_nl = Varchar(length=120)
    sentence_fr = Varchar(length=300)
    sentence_en = Varchar(length=300)
    sentence_nl = Varchar(length=300)
    # [{"framework": "digcomp", "version": "2.2", "code": "2.1", "level": 2}, …]
    alignments = JSON(default="[]")
    position = Integer(default=0)
    active = Boolean(default=True)


class ModuleSkill(Table, tablename="skill_module"):
    """A skill a workshop module teaches; ``on_completion``: completing the module is evidence
    that the visitor can do it on their own (and earns its badge). Unique (module, skill)."""

    module = ForeignKey(Module, on_delete=OnDelete.cascade, null=False)
    skill = Varchar(length=40)
    on_completion = Boolean(default=False)


class SkillEvidence(Table, tablename="skill_evidence"):
    """One piece of evidence of what a visitor can do: never a score. Progress is derived from
    these rows each time it is read. ``source``: self (the visitor, on the kiosk or their
    phone), facilitator (observed in a session), completion (a module's completion rule)."""

    visitor = ForeignKey(Visitor, on_delete=OnDelete.cascade, null=False)
    skill = Varchar(length=40)  # a practical skill's code
    level = Varchar(length=10)  # not_yet | with_help | on_my_own
    source = Varchar(length=12)  # self | facilitator | completion
    site = ForeignKey(Site, on_delete=OnDelete.set_null, null=True, default=None)
    session = ForeignKey(WorkshopSession, on_delete=OnDelete.set_null, null=True, default=None)
    module = ForeignKey(Module, on_delete=OnDelete.set_null, null=True, default=None)
    staff_user = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    device_id = Integer(null=True, default=None)  # the kiosk a self-assessment came from
    at = Timestamptz()


class Badge(Table, tablename="skill_badge"):
    """An Open Badges 3.0 credential issued to a visitor for a skill: the signed VC-JWT as
    issued, its place in the revocation status list, and its revocation. ``public_id`` is the
    credential's id in URLs: random, it says nothing about the person."""

    public_id = Varchar(length=36, unique=True)
    # Set null when a visitor is erased: the row keeps its status-list index (revoked).
    visitor = ForeignKey(Visitor, on_delete=OnDelete.set_null, null=True, default=None)
    skill = Varchar(length=40)
    evidence = ForeignKey(SkillEvidence, on_delete=OnDelete.set_null, null=True, default=None)
    site = ForeignKey(Site, on_delete=OnDelete.set_null, null=True, default=None)
    issued_at = Timestamptz()
    issued_by = ForeignKey(StaffUser, on_delete=OnDelete.set_null, null=True, default=None)
    key_id = Varchar(length=64)
    status_index = Integer(unique=True)
    credential = Text()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Varchar(length=200, null=True, default=None)
