"""Forgetting a visitor: the right to erasure, and the same pseudonymisation by retention.

A person's record is never deleted: it is pseudonymised, in one transaction, so that what the
lab did for them still counts in the funders' figures and nothing says who they were.

- The visitor's row keeps its id, site, dates of sign-up, birth date and the profile fields
  funders count (gender, status, education, priority area) and the first two characters of
  the postcode (the only part reports read): every figure, live or frozen, stays the same.
  Names, e-mail, phone, the centre's file number, the guardian's consent and the search key
  are gone; ``anonymised_at`` says when.
- Accounts' own: every pass and the PIN are deleted (the card stops working at once).
- Core's (``lab.core.redaction``): the audit entries about the person are redacted, and every
  message to them is deleted.
- Every other domain forgets its part through its own service, joined here by one hook the
  wiring registers at start-up (``forget_with``, ``lab.erasure``): notes and free text, calendar
  feeds, badges, future bookings and places, the kiosk's journal. Signed sheets of a funded
  (closed) period are under legal hold: they keep the signer's name and signature until the
  funder's audit period ends (``legal_hold`` says which, for the erasure screen).

Who may: a manager of the visitor's site (``erase_visitor``), or the retention job
(``anonymise``, as the system).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

from lab.accounts.tables import Pass, Site, Visitor, VisitorPin
from lab.core import audit, clock
from lab.core.audit import SYSTEM, Actor
from lab.core.db import lock_row
from lab.core.redaction import forget_mail, redact_audit


@dataclasses.dataclass(frozen=True, slots=True)
class Forgetting:
    """What the other domains are told of the person they forget (inside the transaction)."""

    visitor_id: int
    site_id: int
    first_name: str
    last_name: str
    pass_hashes: tuple[str, ...]  # the SHA-256 of every pass the person held
    now: dt.datetime
    why: str  # erasure | retention
    actor: Actor  # who erases (staff), or the system for retention

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclasses.dataclass(frozen=True, slots=True)
class HeldSheet:
    """A signed sheet that stays after an erasure, and why: a funded period's proof."""

    session_id: int
    title: str
    day: dt.date
    period_first: dt.date
    period_last: dt.date
    kept_until: dt.date


Forget = Callable[[Forgetting], Awaitable[dict[str, int]]]
Holds = Callable[[int, int, dt.datetime], Awaitable[list[HeldSheet]]]


async def _nothing_else(_: Forgetting) -> dict[str, int]:
    return {}


async def _no_hold(visitor_id: int, site_id: int, now: dt.datetime) -> list[HeldSheet]:
    return []


_forget: list[Forget] = [_nothing_else]
_holds: list[Holds] = [_no_hold]


def forget_with(forget: Forget, holds: Holds) -> None:
    """Called by the wiring at start-up: how the other domains forget a person, and which of
    their signed sheets stay under legal hold."""
    _forget[0] = forget
    _holds[0] = holds


async def legal_hold(visitor_id: int, site_id: int) -> list[HeldSheet]:
    """The signed sheets an erasure of this visitor would keep, and until when."""
    return await _holds[0](visitor_id, site_id, clock.now())


def postcode_area(postcode: str | None) -> str:
    """What reports read of a postcode (its first two characters), and all an erased record
    keeps of it."""
    return (postcode or "").strip()[:2]


async def forget_in_transaction(actor: Actor, visitor: Visitor, why: str) -> dict[str, int]:
    """Pseudonymise ``visitor`` (see the module's note). Call inside a write transaction that
    holds the visitor's row; returns what was forgotten, as counts (for the log and the audit
    entry, never content)."""
    now = clock.now()
    passes = await Pass.select(Pass.token_hash).where(Pass.visitor == visitor.id)
    facts = Forgetting(
        visitor_id=visitor.id,
        site_id=visitor.created_site,
        first_name=visitor.first_name,
        last_name=visitor.last_name,
        pass_hashes=tuple(row["token_hash"] for row in passes),
        now=now,
        why=why,
        actor=actor,
    )
    counts = dict(await _forget[0](facts))
    counts["passes"] = len(passes)
    await Pass.delete().where(Pass.visitor == visitor.id)
    await VisitorPin.delete().where(VisitorPin.visitor == visitor.id)
    # consents reads visitors, which erases through this module: imported when used.
    from lab.accounts.consents import forget_guardians_in_transaction

    counts["guardians"] = await forget_guardians_in_transaction(visitor.id)
    counts["mail"] = await forget_mail(visitor.id, [visitor.email or ""])
    counts["audit"] = await redact_audit(visitor.id)
    visitor.first_name = ""
    visitor.last_name = f"#{visitor.id}"
    visitor.search_name = ""
    visitor.email = None
    visitor.phone = None
    visitor.external_ref = None
    visitor.postcode = postcode_area(visitor.postcode)
    visitor.preferred_language = "fr"
    visitor.guardian_consent_at = None
    visitor.guardian_consent_by = None
    visitor.updated_at = now
    visitor.anonymised_at = now
    await visitor.save()
    # Recorded after the redaction, so that this entry (ids and counts only) stays whole.
    await audit.record(
        actor,
        "visitor.erased" if why == "erasure" else "visitor.anonymised",
        f"visitor:{visitor.id}",
        site_id=visitor.created_site,
        **{key: value for key, value in sorted(counts.items()) if value},
    )
    return counts


# -- Retention: anonymised after the last contact, once past the follow-up age ---------------


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day and time ``years`` earlier (29 February: the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


async def anonymisation_candidates(
    now: dt.datetime, *, years: int, ages: dict[str, int], after: int, limit: int
) -> list[tuple[int, dt.datetime]]:
    """Up to ``limit`` visitors (ids above ``after``, in order) not anonymised yet whose own
    record has not changed for their site's retention years and who have reached their site's
    follow-up age, each with the instant since which a contact keeps them. A site's own
    values (``Site.retain_visitor_years``, ``Site.follow_up_age``) come first; an empty one
    is the deployment's: ``years``, and ``ages`` by country ("FR", "BE"). Their other contacts
    are the wiring's to check (``lab.retention``)."""
    # consent reads visitors, which erases through this module: imported when used.
    from lab.accounts.consent import site_country

    sites = await Site.select(Site.id, Site.timezone, Site.retain_visitor_years, Site.follow_up_age)
    # Sites grouped by their (age, years) rule: one clause each, whatever the number of sites.
    by_rule: dict[tuple[int, int], list[int]] = {}
    for site in sites:
        age = site["follow_up_age"]
        if age is None:
            age = ages[site_country(site["timezone"])]
        rule = (age, site["retain_visitor_years"] or years)
        by_rule.setdefault(rule, []).append(site["id"])
    if not by_rule:
        return []
    due = None
    since_of_site: dict[int, dt.datetime] = {}
    for (age, site_years), site_ids in sorted(by_rule.items()):
        cutoff = years_before(now, site_years)
        born = years_before(now, age).date()
        since_of_site.update(dict.fromkeys(site_ids, cutoff))
        clause = (
            Visitor.created_site.is_in(site_ids)
            & (Visitor.birth_date <= born)
            & (Visitor.created_at < cutoff)
            & (Visitor.updated_at < cutoff)
        )
        due = clause if due is None else due | clause
    rows = (
        await Visitor.select(Visitor.id, Visitor.created_site)
        .where(Visitor.anonymised_at.is_null() & (Visitor.id > after) & due)
        .order_by(Visitor.id)
        .limit(limit)
    )
    return [(row["id"], since_of_site[row["created_site"]]) for row in rows]


async def anonymise_in_transaction(visitor_id: int) -> bool:
    """Pseudonymise one visitor for the retention job (as the system), inside its write
    transaction; False if the record was anonymised already or is gone."""
    await lock_row(Visitor, visitor_id)
    visitor = await Visitor.objects().get(Visitor.id == visitor_id)
    if visitor is None or visitor.anonymised_at is not None:
        return False
    await forget_in_transaction(SYSTEM, visitor, "retention")
    return True
