"""Visitors: the young people who use the lab. Minimal data, scoped to the staff's sites."""

from __future__ import annotations

import datetime as dt
import unicodedata

from lab.accounts import erasure, passes
from lab.accounts.forms import NewVisitorInput, VisitorInput
from lab.accounts.tables import Pass, Site, Visitor
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import _
from lab.core.principals import Principal, require_own, require_site
from lab.core.roles import MANAGERS, StaffPrincipal

MIN_AGE, MAX_AGE = 10, 100
SEARCH_LIMIT = 50
# Erasing a person's record is for those who answer for the site's data.

LIST_COLUMNS = (
    Visitor.id,
    Visitor.first_name,
    Visitor.last_name,
    Visitor.birth_date,
    Visitor.external_ref,
    Visitor.created_site.name.as_alias("site_name"),
)


class PossibleDuplicate(Conflict):
    default_code = "possible_duplicate"

    def __init__(self, matches: list[dict]) -> None:
        super().__init__(
            _(
                "Une personne avec ce nom et cette date de naissance existe déjà. "
                "Vérifiez qu'il ne s'agit pas d'elle avant de créer une nouvelle fiche."
            )
        )
        self.matches = matches


def search_key(*parts: str) -> str:
    """Lower case, no accents, single spaces: "Zoé  N'Diaye" -> "zoe n'diaye"."""
    text = " ".join(parts)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().replace("’", "'").split())


def check_birth_date(birth_date: dt.date, today: dt.date) -> None:
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if birth_date > today or not MIN_AGE <= age <= MAX_AGE:
        raise Invalid(
            _("Vérifiez la date de naissance."),
            field_errors={"birth_date": _("Vérifiez la date de naissance (jj/mm/aaaa).")},
        )


def _scope(actor: StaffPrincipal) -> list[int]:
    return list(actor.site_ids()) or [-1]


async def get_visitor_for(actor: Principal, visitor_id: int) -> Visitor:
    """The visitor, if the actor acts for the site that holds the record (and, on a phone,
    only the visitor themselves), and the record was not erased.

    Errors: not_found, forbidden (another site's visitor, for staff; a tablet or a phone
    gets not_found).
    """
    missing = _("Cette personne n'existe pas ou sa fiche a été supprimée.")
    visitor = await Visitor.objects().get(Visitor.id == visitor_id)
    # An erased (anonymised) record stays for the figures, but nobody opens it any more.
    if visitor is None or visitor.anonymised_at is not None:
        raise NotFound(missing)
    require_own(actor, visitor.id, missing=missing)
    require_site(
        actor,
        visitor.created_site,
        missing=missing,
        elsewhere=_("Cette personne est suivie par un autre site."),
    )
    return visitor


async def visitor_at_site(actor: Principal, visitor_id: int, site_id: int) -> Visitor:
    """The visitor, who must be followed by ``site_id`` (the site of what they book or join)
    and whom the actor may reach (``get_visitor_for``). Errors: not_found, forbidden
    (other_site).
    """
    visitor = await get_visitor_for(actor, visitor_id)
    if visitor.created_site != site_id:
        raise Forbidden(_("Cette personne est suivie par un autre site."), code="other_site")
    return visitor


async def recent_visitors(actor: StaffPrincipal, limit: int = 20) -> list[dict]:
    return (
        await Visitor.select(*LIST_COLUMNS)
        .where(Visitor.created_site.is_in(_scope(actor)) & Visitor.anonymised_at.is_null())
        .order_by(Visitor.updated_at, ascending=False)
        .limit(limit)
    )


async def search_visitors(actor: StaffPrincipal, text: str | None) -> list[dict]:
    """Find by name (every word must match), by pass short code, or by the centre's file number."""
    if not text or not text.strip():
        return await recent_visitors(actor)
    query = Visitor.select(*LIST_COLUMNS).where(
        Visitor.created_site.is_in(_scope(actor)) & Visitor.anonymised_at.is_null()
    )
    code = passes.normalise_short_code(text)
    words = [w.replace("%", "").replace("_", "") for w in search_key(text).split()]
    clause = Visitor.external_ref == text.strip()
    if passes.looks_like_short_code(code):
        holders = Pass.select(Pass.visitor).where(
            (Pass.short_code == code) & Pass.revoked_at.is_null()
        )
        clause = clause | Visitor.id.is_in(holders)
    name_clause = None
    for word in filter(None, words):
        condition = Visitor.search_name.like(f"%{word}%")
        name_clause = condition if name_clause is None else name_clause & condition
    if name_clause is not None:
        clause = clause | name_clause
    return await query.where(clause).order_by(Visitor.search_name).limit(SEARCH_LIMIT)


async def _choose_site(actor: StaffPrincipal, site_id: int | None) -> int:
    sites = actor.site_ids()
    if site_id is None and len(sites) == 1:
        return next(iter(sites))
    if site_id is None or site_id not in sites:
        raise Invalid(
            _("Choisissez le site qui suit cette personne."),
            field_errors={"site_id": _("Choisissez un de vos sites.")},
        )
    return site_id


async def same_person(data: VisitorInput, site_ids: list[int]) -> list[dict]:
    """Records with this name and birth date on these sites: perhaps the same person."""
    return await Visitor.select(*LIST_COLUMNS).where(
        (Visitor.search_name == search_key(data.first_name, data.last_name))
        & (Visitor.birth_date == data.birth_date)
        & Visitor.created_site.is_in(site_ids)
    )


async def find_duplicates(actor: StaffPrincipal, data: VisitorInput) -> list[dict]:
    return await same_person(data, _scope(actor))


def _apply(visitor: Visitor, data: VisitorInput) -> None:
    for field in VisitorInput.__struct_fields__:
        setattr(visitor, field, getattr(data, field))
    visitor.search_name = search_key(data.first_name, data.last_name)
    visitor.updated_at = clock.now()


async def create_visitor(actor: StaffPrincipal, data: NewVisitorInput) -> tuple[Visitor, str]:
    """Create a visitor and their first pass; returns the visitor and the pass token.

    Errors: invalid (birth date, site), possible_duplicate (same name and birth date on the
    actor's sites, unless ``confirm_not_duplicate``).
    """
    check_birth_date(data.birth_date, clock.now().date())
    site_id = await _choose_site(actor, data.site_id)
    if not data.confirm_not_duplicate:
        matches = await find_duplicates(actor, data)
        if matches:
            raise PossibleDuplicate(matches)
    async with write_transaction(Visitor._meta.db):
        visitor, _, token = await insert_visitor(actor, site_id, data)
    return visitor, token


async def insert_visitor(
    actor: Actor, site_id: int, data: VisitorInput, *, created_via: str = "staff"
) -> tuple[Visitor, Pass, str]:
    """Write a new visitor, their audit entry and their first pass (the staff's form and the
    kiosk's first visit). Call inside a write transaction; returns the pass and its token."""
    visitor = Visitor(created_site=site_id, created_at=clock.now(), created_via=created_via)
    _apply(visitor, data)
    await visitor.save()
    await audit.record(
        actor, "visitor.created", f"visitor:{visitor.id}", site_id=site_id, via=created_via
    )
    issued, token = await passes.issue_in_transaction(actor, visitor.id, site_id)
    return visitor, issued, token


async def update_visitor(actor: StaffPrincipal, visitor_id: int, data: VisitorInput) -> Visitor:
    """Errors: not_found (an erased record too), forbidden, invalid (birth date)."""
    check_birth_date(data.birth_date, clock.now().date())
    async with write_transaction(Visitor._meta.db):
        visitor = await get_visitor_for(actor, visitor_id)
        changed = sorted(
            field
            for field in VisitorInput.__struct_fields__
            if getattr(visitor, field) != getattr(data, field)
        )
        _apply(visitor, data)
        await visitor.save()
        # Which fields changed, never their values: the log must not copy personal data.
        await audit.record(
            actor,
            "visitor.updated",
            f"visitor:{visitor.id}",
            site_id=visitor.created_site,
            fields=changed,
        )
    return visitor


async def erase_visitor(actor: StaffPrincipal, visitor_id: int) -> dict[str, int]:
    """Erase a visitor's record (right to erasure): pseudonymise it and forget what every
    domain holds about the person, in one transaction (``lab.accounts.erasure``); signed
    sheets of funded periods stay under legal hold. Returns what was forgotten, as counts.

    Errors: not_found, forbidden (facilitators may not erase; another site's visitor).
    """
    async with write_transaction(Visitor._meta.db):
        await lock_row(Visitor, visitor_id)
        visitor = await get_visitor_for(actor, visitor_id)
        if not actor.can_reach_site(visitor.created_site, *MANAGERS):
            raise Forbidden(_("Seul un ou une responsable peut supprimer une fiche."))
        return await erasure.forget_in_transaction(actor, visitor, "erasure")


async def legal_hold(actor: StaffPrincipal, visitor_id: int) -> list[erasure.HeldSheet]:
    """The signed sheets an erasure would keep (the erasure screen says which and why).

    Errors: not_found, forbidden (facilitators may not erase; another site's visitor).
    """
    visitor = await get_visitor_for(actor, visitor_id)
    if not actor.can_reach_site(visitor.created_site, *MANAGERS):
        raise Forbidden(_("Seul un ou une responsable peut supprimer une fiche."))
    return await erasure.legal_hold(visitor.id, visitor.created_site)


async def site_of(visitor: Visitor) -> Site:
    return await Site.objects().get(Site.id == visitor.created_site)


async def reissue_pass(actor: StaffPrincipal, visitor_id: int) -> tuple[passes.Pass, str]:
    """A new pass for a lost, damaged or reprinted card; the old one stops working at once."""
    async with write_transaction(Visitor._meta.db):
        visitor = await get_visitor_for(actor, visitor_id)
        return await passes.issue_in_transaction(actor, visitor.id, visitor.created_site)
