"""Lending a specific item (tablet n°7) to a visitor at the desk, and getting it back.

The desk scans the visitor's pass, then the item's tag. A loan is written under a lock on the
asset, after checking it is active and not already out; the database backs that last rule
with a partial unique index (one open loan per asset). Every loan, return and refusal goes to
the audit log, with ids only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Annotated

import msgspec

from lab.accounts.queries import (
    WEEKDAYS,
    Site,
    Visitor,
    get_site,
    get_visitor_for,
    site_choices,
    visitor_for_code,
    visitor_names,
)
from lab.bookings import tags
from lab.bookings.assets import normalise_tag
from lab.bookings.resources import get_resource_for
from lab.bookings.tables import Asset, Loan, Resource
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, LabError, NotFound
from lab.core.i18n import _, format_datetime
from lab.core.roles import StaffPrincipal

DEFAULT_LOAN = dt.timedelta(hours=2)
LONGEST_LOAN = dt.timedelta(days=30)

Scan = Annotated[str, msgspec.Meta(min_length=2, max_length=300, pattern=r"^[^<>]+$")]
Condition = Annotated[str, msgspec.Meta(max_length=300, pattern=r"^[^<>]*$")]


class LendInput(msgspec.Struct):
    """The visitor's pass (URL, token or short code), the item's tag, when it comes back (the
    site's local day and time; empty: when the site closes today) and its condition."""

    code: Scan
    tag: Scan
    due_day: dt.date | None = None
    due_time: dt.time | None = None
    condition: Condition = ""


class ReturnInput(msgspec.Struct):
    """Named apart from the lending form's fields: both forms are on the desk page."""

    return_tag: Scan
    return_condition: Condition = ""


LOAN_COLUMNS = (
    Loan.id,
    Loan.out_at,
    Loan.due_at,
    Loan.returned_at,
    Loan.condition_out,
    Loan.condition_in,
    Loan.asset.as_alias("asset_id"),
    Loan.asset.tag.as_alias("tag"),
    Loan.asset.label.as_alias("label"),
    Loan.asset.resource.name.as_alias("resource_name"),
    Loan.visitor.as_alias("visitor_id"),
    Loan.visitor.first_name.as_alias("first_name"),
    Loan.visitor.last_name.as_alias("last_name"),
)


async def _site(site_id: int) -> Site:
    return await get_site(site_id)


# Scanning -------------------------------------------------------------------------------


async def _scanned_visitor(actor: StaffPrincipal, code: str) -> Visitor:
    if code.strip().upper().startswith(tags.QR_PREFIX):
        raise Invalid(
            _("C'est l'étiquette d'un matériel : scannez d'abord la carte de la personne."),
            code="wrong_scan",
            field_errors={"code": _("Scannez la carte de la personne.")},
        )
    visitor, _token = await visitor_for_code(code)
    if visitor is None:
        raise NotFound(
            _("Cette carte n'est pas valable."),
            code="unknown_pass",
            field_errors={"code": _("Carte inconnue ou remplacée.")},
        )
    return await get_visitor_for(actor, visitor.id)


async def _scanned_asset(
    actor: StaffPrincipal, text: str, field: str = "tag"
) -> tuple[Asset, Resource]:
    tag = normalise_tag(text)
    if tag is None:
        raise Invalid(
            _("Ce n'est pas une étiquette de matériel."),
            code="wrong_scan",
            field_errors={field: _("Scannez l'étiquette collée sur le matériel.")},
        )
    asset = await Asset.objects().get(Asset.tag == tag)
    if asset is None:
        raise NotFound(
            _("Le matériel %(tag)s n'existe pas. Vérifiez l'étiquette.", tag=tag),
            code="unknown_asset",
            field_errors={field: _("Étiquette inconnue.")},
        )
    resource = await get_resource_for(actor, asset.resource)
    return asset, resource


async def _open_loan(asset_id: int) -> Loan | None:
    return await Loan.objects().get((Loan.asset == asset_id) & Loan.returned_at.is_null())


# Due time -------------------------------------------------------------------------------


async def default_due(site_id: int, now: dt.datetime | None = None) -> dt.datetime:
    """When the site closes today (its last opening range), or in two hours when it is
    closed already or closes within the quarter hour."""
    now = now or clock.now()
    site = await _site(site_id)
    hours = json.loads(site.opening_hours) if isinstance(site.opening_hours, str) else {}
    local = clock.to_zone(now, site.timezone)
    closes = [
        clock.local_instant(local.date(), dt.time.fromisoformat(end), site.timezone)
        for _start, end in hours.get(WEEKDAYS[local.weekday()], [])
        if end != "24:00"
    ]
    later = [moment for moment in closes if moment > now + dt.timedelta(minutes=15)]
    return clock.utc_minute(max(later) if later else now + DEFAULT_LOAN)


async def _due_at(site_id: int, data: LendInput) -> dt.datetime:
    now = clock.now()
    if data.due_time is None:
        if data.due_day is not None:
            raise Invalid(
                _("Indiquez l'heure de retour."),
                field_errors={"due_time": _("Indiquez l'heure de retour.")},
            )
        return await default_due(site_id, now)
    site = await _site(site_id)
    day = data.due_day or clock.to_zone(now, site.timezone).date()
    due = clock.utc_minute(clock.local_instant(day, data.due_time, site.timezone))
    if due <= now:
        raise Invalid(
            _("Ce moment est déjà passé."),
            field_errors={"due_time": _("Choisissez une heure de retour à venir.")},
        )
    if due > now + LONGEST_LOAN:
        raise Invalid(
            _("Un prêt dure 30 jours au plus."),
            field_errors={"due_day": _("30 jours au plus.")},
        )
    return due


# Lend and return ------------------------------------------------------------------------


async def lend(actor: StaffPrincipal, data: LendInput) -> Loan:
    """Lend the scanned item to the scanned visitor.

    Errors: wrong_scan, unknown_pass, unknown_asset, other_site (the item or the visitor is
    another site's, or they are not of the same site), asset_inactive, asset_out, invalid
    (due time).
    """
    known: dict[str, object] = {}
    try:
        visitor = await _scanned_visitor(actor, data.code)
        known["visitor_id"] = visitor.id
        asset, resource = await _scanned_asset(actor, data.tag)
        known.update(asset_id=asset.id, site_id=resource.site)
        if visitor.created_site != resource.site:
            raise Forbidden(
                _("Cette personne est suivie par un autre site que ce matériel."),
                code="other_site",
            )
        due_at = await _due_at(resource.site, data)
        async with write_transaction(Loan._meta.db):
            await lock_row(Asset, asset.id)
            asset = await Asset.objects().get(Asset.id == asset.id)
            await _check_lendable(asset, resource)
            now = clock.now()
            loan = Loan(
                asset=asset.id,
                visitor=visitor.id,
                out_at=now,
                due_at=due_at,
                condition_out=data.condition,
                lent_by=actor.actor_id,
            )
            await loan.save()
            await audit.record(
                actor,
                "loan.created",
                f"loan:{loan.id}",
                site_id=resource.site,
                asset_id=asset.id,
                visitor_id=visitor.id,
            )
    except LabError as refused:
        await _refused(actor, "loan.refused", refused, known)
        raise
    return loan


async def _check_lendable(asset: Asset, resource: Resource) -> None:
    if not asset.active or not resource.active:
        raise Conflict(
            _("Le matériel %(tag)s est retiré du prêt.", tag=asset.tag),
            code="asset_inactive",
        )
    current = await _open_loan(asset.id)
    if current is not None:
        holder = await visitor_names([current.visitor])
        timezone = (await _site(resource.site)).timezone
        raise Conflict(
            _(
                "%(tag)s est déjà prêté à %(name)s depuis %(time)s. "
                "Enregistrez d'abord son retour.",
                tag=asset.tag,
                name=holder[0]["first_name"] if holder else "?",
                time=_when(current.out_at, timezone),
            ),
            code="asset_out",
        )


def _when(moment: dt.datetime, timezone: str) -> str:
    """The time alone ("14:05") for today, else the date and the time."""
    local = clock.to_zone(moment, timezone)
    if local.date() == clock.to_zone(clock.now(), timezone).date():
        return local.strftime("%H:%M")
    return format_datetime(moment, timezone, "short")


async def _refused(actor: StaffPrincipal, action: str, refused: LabError, known: dict) -> None:
    site_id = known.pop("site_id", None)
    subject = f"asset:{known['asset_id']}" if "asset_id" in known else ""
    await audit.record(actor, action, subject, site_id=site_id, reason=refused.code, **known)


async def return_asset(actor: StaffPrincipal, data: ReturnInput) -> Loan:
    """Close the open loan of the scanned item. Errors: wrong_scan, unknown_asset,
    other_site, not_out."""
    known: dict[str, object] = {}
    try:
        asset, resource = await _scanned_asset(actor, data.return_tag, "return_tag")
        known.update(asset_id=asset.id, site_id=resource.site)
        async with write_transaction(Loan._meta.db):
            await lock_row(Asset, asset.id)
            loan = await _open_loan(asset.id)
            if loan is None:
                raise Conflict(
                    _("%(tag)s n'est pas en prêt : rien à rendre.", tag=asset.tag),
                    code="not_out",
                )
            now = clock.now()
            loan.returned_at = now
            loan.returned_by = actor.actor_id
            loan.condition_in = data.return_condition
            await loan.save()
            await audit.record(
                actor,
                "loan.returned",
                f"loan:{loan.id}",
                site_id=resource.site,
                asset_id=asset.id,
                late=now > loan.due_at,
            )
    except LabError as refused:
        await _refused(actor, "loan.return_refused", refused, known)
        raise
    return loan


# Reading --------------------------------------------------------------------------------


async def _site_choice(actor: StaffPrincipal, site_id: int | None) -> tuple[Site, dict]:
    """One of the actor's sites (the first by name when none is asked), and all of them."""
    sites = await site_choices(actor)
    if site_id is None and sites:
        site_id = next(iter(sites))
    if site_id not in sites:
        raise Forbidden(_("Ce site n'est pas l'un des vôtres."), code="other_site")
    return await _site(site_id), sites


@dataclasses.dataclass
class Desk:
    site: Site
    sites: dict[int, str]  # the actor's sites, to switch desks
    loans: list[dict]  # open loans of the site, soonest due first
    overdue: int
    default_due: dt.datetime
    now: dt.datetime
    done: dict | None = None  # the loan just lent or returned


async def desk(
    actor: StaffPrincipal, site_id: int | None = None, *, done_loan_id: int | None = None
) -> Desk:
    """The lending desk of one of the actor's sites. Errors: other_site."""
    site, sites = await _site_choice(actor, site_id)
    now = clock.now()
    current = await _open_loans_of_site(site.id)
    done = None
    if done_loan_id is not None:
        done = await Loan.select(*LOAN_COLUMNS).where(Loan.id == done_loan_id).first()
    return Desk(
        site=site,
        sites=sites,
        loans=current,
        overdue=sum(1 for row in current if row["due_at"] < now),
        default_due=await default_due(site.id, now),
        now=now,
        done=done,
    )


async def _open_loans_of_site(site_id: int, *, overdue_only: bool = False) -> list[dict]:
    query = Loan.select(*LOAN_COLUMNS).where(
        Loan.returned_at.is_null() & (Loan.asset.resource.site == site_id)
    )
    if overdue_only:
        query = query.where(Loan.due_at < clock.now())
    return await query.order_by(Loan.due_at)


@dataclasses.dataclass
class Overdue:
    site: Site
    sites: dict[int, str]
    loans: list[dict]  # with the borrower's first and last name: a staff page
    now: dt.datetime


async def overdue(actor: StaffPrincipal, site_id: int | None = None) -> Overdue:
    """Items not back in time at one of the actor's sites, most overdue first.

    Errors: other_site.
    """
    site, sites = await _site_choice(actor, site_id)
    return Overdue(site, sites, await _open_loans_of_site(site.id, overdue_only=True), clock.now())


@dataclasses.dataclass
class VisitorLoans:
    visitor: Visitor
    site_timezone: str
    current: list[dict]
    returned: list[dict]  # the last few, newest first
    now: dt.datetime


async def visitor_loans(
    actor: StaffPrincipal, visitor_id: int, *, recent: int = 10
) -> VisitorLoans:
    """A visitor's open loans and their last returned ones. Errors: not_found, other_site."""
    visitor = await get_visitor_for(actor, visitor_id)
    current = (
        await Loan.select(*LOAN_COLUMNS)
        .where((Loan.visitor == visitor.id) & Loan.returned_at.is_null())
        .order_by(Loan.due_at)
    )
    returned = (
        await Loan.select(*LOAN_COLUMNS)
        .where((Loan.visitor == visitor.id) & Loan.returned_at.is_not_null())
        .order_by(Loan.returned_at, ascending=False)
        .limit(recent)
    )
    site = await _site(visitor.created_site)
    return VisitorLoans(visitor, site.timezone, current, returned, clock.now())
