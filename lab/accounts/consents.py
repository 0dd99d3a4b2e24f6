"""Consents for the optional purposes: e-mail and SMS messages, photos in workshops, sharing
with a named partner, and the optional profile fields counted in the funders' reports.

The wording of each purpose lives here and only here (``PURPOSES``): each version of it is
kept, the last one is the current wording. Changing a wording means adding a version (never
editing an old one: consents already given show the version they agreed to, in its words).

One row per grant (``VisitorConsent``); withdrawing sets ``withdrawn_at`` and keeps the row, so
the history shows what was agreed, to which wording, when and by whom. At most one live grant
per visitor, purpose and partner (a partial unique index backs it).

Under the digital-consent age of the visitor's site (lab.accounts.consent: 15 in France, 13 in
Belgium) a consent is given only with a guardian's agreement, recorded at the desk by staff,
who name the guardian. A visitor of age gives or withdraws their own consents on their phone;
anyone withdraws in one tap, a minor too (withdrawing is as easy as giving).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from lab.accounts.consent import consent_age, is_under_consent_age, today_at
from lab.accounts.forms import ConsentInput
from lab.accounts.tables import Site, Visitor, VisitorConsent
from lab.accounts.visitors import get_visitor_for
from lab.core import audit, clock
from lab.core.db import fetch, lock_row, placeholders, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.principals import Principal

MESSAGES_EMAIL = "messages_email"
MESSAGES_SMS = "messages_sms"
PHOTOS = "photos"
SHARE_PARTNER = "share_partner"
REPORTING = "reporting_optional_fields"


@dataclasses.dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    title: str  # French source, translated when shown
    # Every wording this purpose ever had, oldest first: version n is wordings[n - 1].
    wordings: tuple[str, ...]
    needs_partner: bool = False

    @property
    def version(self) -> int:
        """The current wording's version."""
        return len(self.wordings)


PURPOSES: dict[str, Purpose] = {
    purpose.code: purpose
    for purpose in (
        Purpose(
            MESSAGES_EMAIL,
            N_("Messages par e-mail"),
            (
                N_(
                    "Je veux recevoir des e-mails du lab : confirmations et rappels de mes "
                    "ateliers et de mes réservations."
                ),
            ),
        ),
        Purpose(
            MESSAGES_SMS,
            N_("Messages par SMS"),
            (
                N_(
                    "Je veux recevoir des SMS du lab : rappels de mes ateliers et de mes "
                    "réservations."
                ),
            ),
        ),
        Purpose(
            PHOTOS,
            N_("Photos pendant les ateliers"),
            (
                N_(
                    "J'accepte d'être pris·e en photo pendant les ateliers. Les photos "
                    "montrent les activités du lab (affiches, site web). Je peux dire non à "
                    "chaque photo."
                ),
            ),
        ),
        Purpose(
            SHARE_PARTNER,
            N_("Partage avec un partenaire"),
            (
                N_(
                    "J'accepte que le lab donne mon nom, mon prénom et les ateliers que j'ai "
                    "suivis à %(partner)s, pour m'accompagner."
                ),
            ),
            needs_partner=True,
        ),
        Purpose(
            REPORTING,
            N_("Chiffres pour les financeurs"),
            (
                N_(
                    "J'accepte que mon genre, mon niveau de diplôme et mon quartier (QPV) "
                    "soient comptés, sans mon nom, dans les chiffres que le lab envoie à ses "
                    "financeurs."
                ),
            ),
        ),
    )
}

GUARDIAN_RELATIONS = {"parent": N_("Parent"), "guardian": N_("Tuteur ou tutrice")}


def wording(purpose: str, version: int, partner: str | None = None) -> str:
    """The words of one version of a purpose, in the current language (the partner named)."""
    text = _(PURPOSES[purpose].wordings[version - 1])
    return text.replace("%(partner)s", partner or "—") if PURPOSES[purpose].needs_partner else text


def _missing() -> NotFound:
    return NotFound(_("Ce consentement n'existe pas."), code="not_found")


async def give_consent(actor: Principal, visitor_id: int, data: ConsentInput) -> VisitorConsent:
    """Record the visitor's consent to one purpose, in its current wording.

    Staff record it at the desk (``recorded_by``); the visitor on their phone gives it
    themselves (``recorded_by`` None). Under the consent age of the visitor's site, only staff
    record it, naming the guardian who agreed.
    Errors: not_found, forbidden (another site's visitor), partner_missing (422),
    guardian_missing (422: a minor, no guardian named), guardian_at_desk (403: a minor on their
    own phone), already_given (409: a live consent to this wording). Refusals are audited.
    """
    purpose = PURPOSES[data.purpose]
    partner = ((data.partner or "").strip() or None) if purpose.needs_partner else None
    async with write_transaction(VisitorConsent._meta.db):
        visitor = await get_visitor_for(actor, visitor_id)
        await lock_row(Visitor, visitor.id)
        site = await Site.objects().get(Site.id == visitor.created_site)
        minor = is_under_consent_age(visitor.birth_date, site, today_at(site))
        refusal = _refusal(actor, purpose, partner, data, minor, consent_age(site))
        live = None
        if refusal is None:
            live = await _live(visitor.id, purpose.code, partner)
            if live is not None and live.wording_version == purpose.version:
                refusal = Conflict(_("Ce consentement est déjà donné."), code="already_given")
        if refusal is None:
            now = clock.now()
            if live is not None:  # agreed to an older wording: this grant replaces it
                live.withdrawn_at = now
                live.withdrawn_by = actor.staff_id
                await live.save(columns=[VisitorConsent.withdrawn_at, VisitorConsent.withdrawn_by])
            row = VisitorConsent(
                visitor=visitor.id,
                purpose=purpose.code,
                wording_version=purpose.version,
                partner=partner,
                given_at=now,
                recorded_by=actor.staff_id,
                guardian_name=data.guardian_name.strip() if minor and data.guardian_name else None,
                guardian_relation=data.guardian_relation if minor else None,
                site=visitor.created_site,
            )
            await row.save()
            # The purpose and version only: never the guardian's or the partner's name.
            await audit.record(
                actor,
                "consent.given",
                f"visitor:{visitor.id}",
                site_id=visitor.created_site,
                consent=row.id,
                purpose=purpose.code,
                version=purpose.version,
                guardian=minor,
                renewed=live is not None,
            )
            return row
    await audit.record(
        actor,
        "consent.refused",
        f"visitor:{visitor.id}",
        site_id=visitor.created_site,
        purpose=purpose.code,
        reason=refusal.code,
    )
    raise refusal


def _refusal(
    actor: Principal,
    purpose: Purpose,
    partner: str | None,
    data: ConsentInput,
    minor: bool,
    age: int,
) -> Invalid | Forbidden | None:
    if purpose.needs_partner and not partner:
        message = _("Écrivez le nom du partenaire.")
        return Invalid(message, code="partner_missing", field_errors={"partner": message})
    if not minor:
        return None
    if actor.actor_kind not in ("staff", "system"):  # a phone or a tablet: not at the desk
        return Forbidden(
            _(
                "Vous avez moins de %(age)s ans : ce choix se fait à l'accueil du lab, avec un "
                "parent ou un tuteur.",
                age=age,
            ),
            code="guardian_at_desk",
        )
    errors = {}
    if not (data.guardian_name or "").strip():
        errors["guardian_name"] = _("Écrivez le nom du parent ou du tuteur.")
    if data.guardian_relation is None:
        errors["guardian_relation"] = _("Choisissez : parent ou tuteur.")
    if errors:
        return Invalid(
            _(
                "Cette personne a moins de %(age)s ans : il faut l'accord d'un parent ou d'un "
                "tuteur. Notez qui a donné son accord.",
                age=age,
            ),
            code="guardian_missing",
            field_errors=errors,
        )
    return None


async def withdraw_consent(actor: Principal, visitor_id: int, consent_id: int) -> VisitorConsent:
    """Withdraw one of the visitor's live consents (the row stays, with when and who).

    Anyone who may reach the visitor withdraws it, the visitor themselves too, whatever their
    age. Errors: not_found (missing, or another visitor's), forbidden (another site's
    visitor), already_withdrawn (409).
    """
    async with write_transaction(VisitorConsent._meta.db):
        visitor = await get_visitor_for(actor, visitor_id)
        await lock_row(Visitor, visitor.id)
        row = await VisitorConsent.objects().get(
            (VisitorConsent.id == consent_id) & (VisitorConsent.visitor == visitor.id)
        )
        if row is None:
            raise _missing()
        if row.withdrawn_at is None:
            row.withdrawn_at = clock.now()
            row.withdrawn_by = actor.staff_id
            await row.save(columns=[VisitorConsent.withdrawn_at, VisitorConsent.withdrawn_by])
            await audit.record(
                actor,
                "consent.withdrawn",
                f"visitor:{visitor.id}",
                site_id=visitor.created_site,
                consent=row.id,
                purpose=row.purpose,
            )
            return row
    raise Conflict(_("Ce consentement est déjà retiré."), code="already_withdrawn")


async def _live(visitor_id: int, purpose: str, partner: str | None) -> VisitorConsent | None:
    where = (
        (VisitorConsent.visitor == visitor_id)
        & (VisitorConsent.purpose == purpose)
        & VisitorConsent.withdrawn_at.is_null()
    )
    where &= (
        VisitorConsent.partner.is_null() if partner is None else (VisitorConsent.partner == partner)
    )
    return await VisitorConsent.objects().where(where).first()


# -- Reads ------------------------------------------------------------------------------------


async def consents_of(visitor_id: int) -> list[dict]:
    """Every consent the visitor gave, live and withdrawn, newest first (their history)."""
    return (
        await VisitorConsent.select()
        .where(VisitorConsent.visitor == visitor_id)
        .order_by(VisitorConsent.given_at, ascending=False)
        .order_by(VisitorConsent.id, ascending=False)
    )


async def has_consent(visitor_id: int, purpose: str) -> bool:
    """Whether the visitor holds a live consent to ``purpose`` (any wording version)."""
    return await VisitorConsent.exists().where(
        (VisitorConsent.visitor == visitor_id)
        & (VisitorConsent.purpose == purpose)
        & VisitorConsent.withdrawn_at.is_null()
    )


async def may_email(visitor: Visitor | None) -> bool:
    """Whether lab may write to the visitor by e-mail: an address, and a live consent to
    e-mail messages (for a minor under the consent age, only given with a guardian)."""
    return bool(visitor and visitor.email) and await has_consent(visitor.id, MESSAGES_EMAIL)


CONSENTED_SQL = """
    SELECT DISTINCT visitor FROM visitor_consent
    WHERE purpose = {purpose} AND withdrawn_at IS NULL AND visitor IN ({ids})
"""


async def consented(visitor_ids: Iterable[int], purpose: str) -> set[int]:
    """Those of ``visitor_ids`` who hold a live consent to ``purpose`` (one statement)."""
    ids = sorted(set(visitor_ids))
    if not ids:
        return set()
    sql = CONSENTED_SQL.format(purpose="{}", ids=placeholders(ids))
    rows = await fetch(VisitorConsent, sql, purpose, *ids)
    return {row["visitor"] for row in rows}


@dataclasses.dataclass(frozen=True, slots=True)
class PurposeState:
    """One purpose as a consent page shows it: its words now and the visitor's live grants."""

    code: str
    title: str
    wording: str  # the current wording, in the reader's language
    version: int
    needs_partner: bool
    live: list[dict]  # the live grants (several only for partners), with "wording"


@dataclasses.dataclass(frozen=True, slots=True)
class ConsentPage:
    purposes: list[PurposeState]
    history: list[dict]  # every grant, newest first, with "title" and "wording"
    minor: bool  # under the site's consent age: a guardian is needed to give
    age: int  # the site's consent age
    timezone: str


async def consent_page(visitor: Visitor) -> ConsentPage:
    """What the staff's and the visitor's consent pages show (two statements)."""
    site = await Site.objects().get(Site.id == visitor.created_site)
    rows = await consents_of(visitor.id)
    for row in rows:
        row["title"] = _(PURPOSES[row["purpose"]].title) if row["purpose"] in PURPOSES else ""
        row["wording"] = (
            wording(row["purpose"], row["wording_version"], row["partner"])
            if row["purpose"] in PURPOSES
            and row["wording_version"] <= PURPOSES[row["purpose"]].version
            else ""
        )
        row["current"] = (
            row["purpose"] in PURPOSES
            and row["wording_version"] == PURPOSES[row["purpose"]].version
        )
    states = [
        PurposeState(
            code=purpose.code,
            title=_(purpose.title),
            wording=wording(purpose.code, purpose.version, _("un partenaire nommé")),
            version=purpose.version,
            needs_partner=purpose.needs_partner,
            live=[r for r in rows if r["purpose"] == purpose.code and r["withdrawn_at"] is None],
        )
        for purpose in PURPOSES.values()
    ]
    minor = is_under_consent_age(visitor.birth_date, site, today_at(site))
    return ConsentPage(states, rows, minor, consent_age(site), site.timezone)


async def forget_guardians_in_transaction(visitor_id: int) -> int:
    """Empty the guardians' names and relations on the visitor's consents (an erasure: the
    grants stay as proof of what was agreed, without naming anyone). Call inside the
    caller's write transaction; returns how many grants named a guardian."""
    named = await VisitorConsent.count().where(
        (VisitorConsent.visitor == visitor_id) & VisitorConsent.guardian_name.is_not_null()
    )
    await VisitorConsent.update(
        {VisitorConsent.guardian_name: None, VisitorConsent.guardian_relation: None}
    ).where(VisitorConsent.visitor == visitor_id)
    return named
