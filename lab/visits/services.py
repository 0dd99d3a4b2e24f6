"""Drop-in visits: open one, end one, end those a closed site left open; a site's purposes.

Every write follows the house pattern: lock, check, write, log. A visit's nonce is locked for
the transaction, so the same action sent again (a retry, a double tap, an offline queue sent
twice) returns the first visit; the visitor and site pair is locked too, so one person never
has two open visits at a site (the database's partial unique index says so as well). A live
event goes out on the site's channel (``visits:<site id>``) after the change.

These services join a transaction the caller already holds (``write_transaction``): the
check-in entry point opens or ends a visit in the same transaction as its scan. The event is
then published when the service returns, before the caller commits: the staff page re-reads
on events and every few seconds anyway.

This module is the domain's public write surface (``__all__``); reads are in
``lab.visits.queries``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re

from lab.accounts.queries import get_site, get_visitor
from lab.core import audit, clock, events, jobs
from lab.core.audit import Actor
from lab.core.db import lock_key, lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import _
from lab.core.principals import Principal, require_site
from lab.visits import config, rules
from lab.visits.forms import PurposeInput
from lab.visits.tables import Visit, VisitPurpose

__all__ = [
    "Visit",
    "VisitOpen",
    "channel",
    "close_at_closing_time",
    "end_open_visit_of",
    "end_visit",
    "get_visit_for",
    "open_visit",
    "remove_purpose",
    "save_purpose",
]

log = logging.getLogger("lab.visits")
_NONCE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# close_at_closing_time reads and ends open visits this many at a time.
BATCH = 200


class VisitOpen(Conflict):
    """That visitor already has an open visit at the site; ``visit`` is that one."""

    default_code = "visit_open"

    def __init__(self, visit: Visit) -> None:
        super().__init__(_("Cette personne est déjà au lab."), code="visit_open")
        self.visit = visit


def channel(site_id: int) -> str:
    """The live events' channel of a site's visits."""
    return f"visits:{site_id}"


def _publish(site_id: int, kind: str, visit: Visit) -> None:
    events.publish(channel(site_id), {"kind": kind, "visit": visit.id})


def _hours(site) -> dict:
    raw = site.opening_hours
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "{}")
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


async def _site(actor: Principal, site_id: int):
    require_site(
        actor,
        site_id,
        missing=_("Ce site n'existe pas."),
        elsewhere=_("Ce site ne fait pas partie des vôtres."),
    )
    site = await get_site(site_id)
    if site is None:
        raise NotFound(_("Ce site n'existe pas."))
    return site


async def get_visit_for(actor: Principal, visit_id: int) -> Visit:
    """The visit, if ``actor`` acts for its site (and, for a visitor's phone, it is their
    own). Errors: not_found, forbidden (other_site, for staff)."""
    visit = await Visit.objects().get(Visit.id == visit_id)
    missing = _("Cette visite n'existe pas.")
    if visit is None:
        raise NotFound(missing)
    require_site(
        actor, visit.site, missing=missing, elsewhere=_("Cette visite a lieu sur un autre site.")
    )
    if actor.visitor_id is not None and actor.visitor_id != visit.visitor:
        raise NotFound(missing)
    return visit


async def _purpose_codes(site_id: int) -> set[str]:
    rows = await VisitPurpose.select(VisitPurpose.code, VisitPurpose.active).where(
        VisitPurpose.site == site_id
    )
    if not rows:
        return {item.code for item in rules.DEFAULT_PURPOSES}
    return {row["code"] for row in rows if row["active"]}


def _staff_id(actor: Actor) -> int | None:
    return actor.actor_id if actor.actor_kind == "staff" else None


async def open_visit(
    actor: Principal,
    *,
    site_id: int,
    purpose: str,
    nonce: str,
    at: dt.datetime,
    visitor_id: int | None = None,
    age_band: str | None = None,
    offline: bool = False,
    client_at: dt.datetime | None = None,
    device_id: int | None = None,
) -> Visit:
    """Open a visit at ``site_id`` from ``at``: a visitor's, or an anonymous one (with an
    optional age band, never a name). The same ``nonce`` again returns the first visit.

    Errors: bad_nonce, bad_age_band, unknown_purpose (Invalid); not_found, forbidden
    (other_site); site_closed (Conflict); visit_open (VisitOpen, carrying the open visit).
    """
    if not _NONCE.match(nonce or ""):
        raise Invalid(_("Identifiant de visite invalide."), code="bad_nonce")
    if at.tzinfo is None:
        raise Invalid(_("Heure invalide."), code="invalid")
    if age_band and (visitor_id is not None or age_band not in rules.AGE_BANDS):
        raise Invalid(
            _("Tranche d'âge invalide."),
            code="bad_age_band",
            field_errors={"age_band": _("Choisissez une tranche d'âge de la liste.")},
        )
    site = await _site(actor, site_id)
    if visitor_id is not None and await get_visitor(visitor_id) is None:
        raise NotFound(_("Cette personne n'existe pas."))
    engine = Visit._meta.db
    async with write_transaction(engine):
        await lock_key(engine, f"visit:{nonce}")
        first = await Visit.objects().get(Visit.nonce == nonce)
        if first is not None:
            return first
        if purpose not in await _purpose_codes(site_id):
            raise Invalid(
                _("Ce motif de visite n'existe pas."),
                code="unknown_purpose",
                field_errors={"purpose": _("Choisissez un motif de la liste.")},
            )
        if not rules.is_open(_hours(site), site.timezone, at):
            raise Conflict(_("Le lab est fermé à cette heure-ci."), code="site_closed")
        if visitor_id is not None:
            await lock_key(engine, f"visit-open:{visitor_id}:{site_id}")
            already = await _open_of(visitor_id, site_id)
            if already is not None:
                raise VisitOpen(already)
        now = clock.now()
        visit = Visit(
            site=site_id,
            visitor=visitor_id,
            age_band=(age_band or None) if visitor_id is None else None,
            purpose=purpose,
            arrived_at=at,
            device_id=device_id,
            staff_user=_staff_id(actor),
            nonce=nonce,
            client_at=client_at,
            offline=offline,
            created_at=now,
        )
        await visit.save()
        await audit.record(
            actor,
            "visit.opened",
            f"visit:{visit.id}",
            site_id=site_id,
            purpose=purpose,
            anonymous=visitor_id is None,
            offline=offline,
        )
    _publish(site_id, "opened", visit)
    return visit


async def _open_of(visitor_id: int, site_id: int) -> Visit | None:
    return (
        await Visit.objects()
        .where((Visit.visitor == visitor_id) & (Visit.site == site_id) & Visit.left_at.is_null())
        .first()
    )


def _check_how(how: str) -> None:
    if how not in rules.ENDINGS:
        raise Invalid(_("Fin de visite invalide."), code="invalid")


async def _end(actor: Actor, visit: Visit, at: dt.datetime, how: str) -> Visit:
    visit.left_at = max(at, visit.arrived_at)
    visit.ended_by = how
    await visit.save([Visit.left_at, Visit.ended_by])
    await audit.record(actor, "visit.ended", f"visit:{visit.id}", site_id=visit.site, how=how)
    return visit


async def end_visit(actor: Principal, visit_id: int, *, at: dt.datetime, how: str) -> Visit:
    """End an open visit at ``at`` (never before its arrival); ``how``: kiosk, desk or
    closing. Errors: not_found, forbidden (other_site), invalid, no_open_visit (already
    ended)."""
    _check_how(how)
    visit = await get_visit_for(actor, visit_id)
    async with write_transaction(Visit._meta.db):
        await lock_row(Visit, visit.id)
        visit = await Visit.objects().get(Visit.id == visit.id)
        if visit is None or visit.left_at is not None:
            raise Conflict(_("Cette visite est déjà terminée."), code="no_open_visit")
        visit = await _end(actor, visit, at, how)
    _publish(visit.site, "ended", visit)
    return visit


async def end_open_visit_of(
    actor: Principal, *, visitor_id: int, site_id: int, at: dt.datetime, how: str
) -> Visit:
    """End the visitor's open visit at the site. Errors: not_found, forbidden (other_site),
    invalid, no_open_visit."""
    _check_how(how)
    await _site(actor, site_id)
    engine = Visit._meta.db
    async with write_transaction(engine):
        await lock_key(engine, f"visit-open:{visitor_id}:{site_id}")
        visit = await _open_of(visitor_id, site_id)
        if visit is None:
            raise Conflict(_("Cette personne n'est pas au lab."), code="no_open_visit")
        await lock_row(Visit, visit.id)
        visit = await _end(actor, visit, at, how)
    _publish(site_id, "ended", visit)
    return visit


async def close_at_closing_time(now: dt.datetime | None = None) -> int:
    """End every open visit whose site has closed since it began: left at that closing time,
    ended by "closing". Idempotent (an ended visit is never ended again), in batches of
    ``BATCH``. Returns how many visits it ended."""
    now = now or clock.now()
    ended = 0
    after = 0
    sites: dict[int, tuple[dict, str]] = {}
    while True:
        rows = (
            await Visit.select(Visit.id, Visit.site, Visit.arrived_at)
            .where(Visit.left_at.is_null() & (Visit.id > after))
            .order_by(Visit.id)
            .limit(BATCH)
        )
        if not rows:
            return ended
        after = rows[-1]["id"]
        due: list[tuple[int, int, dt.datetime]] = []
        for row in rows:
            if row["site"] not in sites:
                site = await get_site(row["site"])
                sites[row["site"]] = (_hours(site), site.timezone) if site else ({}, "UTC")
            hours, timezone = sites[row["site"]]
            arrived = row["arrived_at"]
            closes = rules.closing_for_visit(hours, timezone, arrived, config.max_minutes())
            if closes <= now:
                due.append((row["id"], row["site"], closes))
        if not due:
            continue
        touched: set[int] = set()
        async with write_transaction(Visit._meta.db):
            for visit_id, site_id, closes in due:
                await lock_row(Visit, visit_id)
                still_open = (Visit.id == visit_id) & Visit.left_at.is_null()
                if not await Visit.exists().where(still_open):
                    continue  # ended meanwhile, at a tablet or the desk
                await Visit.update({Visit.left_at: closes, Visit.ended_by: "closing"}).where(
                    still_open
                )
                ended += 1
                touched.add(site_id)
            if touched:
                await audit.record(audit.SYSTEM, "visit.closed", "", sites=sorted(touched))
        for site_id in touched:
            events.publish(channel(site_id), {"kind": "closed"})


# -- purposes -----------------------------------------------------------------------------


def _require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Seuls les administrateurs peuvent modifier les motifs de visite."))


async def _own_list(site_id: int) -> None:
    """A site's first edit copies the defaults into its own list."""
    if await VisitPurpose.exists().where(VisitPurpose.site == site_id):
        return
    await VisitPurpose.insert(
        *[
            VisitPurpose(
                site=site_id,
                code=item.code,
                label_fr=item.label_fr,
                label_en=item.label_en,
                label_nl=item.label_nl,
                icon=item.icon,
                position=(index + 1) * 10,
                active=True,
            )
            for index, item in enumerate(rules.DEFAULT_PURPOSES)
        ]
    )


async def save_purpose(actor: Principal, site_id: int, data: PurposeInput) -> None:
    """Add a purpose to the site's list, or change the one with that code (labels,
    pictogram, order, active). Admins only. Errors: forbidden, not_found, invalid (icon)."""
    _require_admin(actor)
    await _site(actor, site_id)
    if data.icon not in rules.ICONS:
        raise Invalid(
            _("Ce pictogramme n'existe pas."),
            field_errors={"icon": _("Choisissez un pictogramme de la liste.")},
        )
    async with write_transaction(VisitPurpose._meta.db):
        await lock_key(VisitPurpose._meta.db, f"visit-purposes:{site_id}")
        await _own_list(site_id)
        row = await VisitPurpose.objects().get(
            (VisitPurpose.site == site_id) & (VisitPurpose.code == data.code)
        )
        row = row or VisitPurpose(site=site_id, code=data.code)
        row.label_fr = data.label_fr
        row.label_en = data.label_en
        row.label_nl = data.label_nl
        row.icon = data.icon
        row.position = data.position
        row.active = data.active
        await row.save()
        await audit.record(
            actor, "visit_purpose.saved", f"site:{site_id}", site_id=site_id, code=data.code
        )


async def remove_purpose(actor: Principal, site_id: int, code: str) -> None:
    """Take a purpose off the site's list (past visits keep their code). Admins only.
    Errors: forbidden, not_found."""
    _require_admin(actor)
    await _site(actor, site_id)
    async with write_transaction(VisitPurpose._meta.db):
        await lock_key(VisitPurpose._meta.db, f"visit-purposes:{site_id}")
        await _own_list(site_id)
        row = await VisitPurpose.objects().get(
            (VisitPurpose.site == site_id) & (VisitPurpose.code == code)
        )
        if row is None:
            raise NotFound(_("Ce motif de visite n'existe pas."))
        await row.remove()
        await audit.record(
            actor, "visit_purpose.removed", f"site:{site_id}", site_id=site_id, code=code
        )


# Every five minutes: a visit ends within minutes of its site closing.
LOOP_SECONDS = 5 * 60


async def closing_loop(stop: asyncio.Event, seconds: float = LOOP_SECONDS) -> None:
    """Run ``close_at_closing_time`` every ``seconds`` until ``stop`` is set; errors are
    logged (the loop must outlive a failed round)."""
    await jobs.every(seconds, stop, "visits", close_at_closing_time)
