"""Actions born of the network's exchanges, their state machine, notes and follow-up."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

from lab.accounts.queries import active_staff_count, staff_names, timezones
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Invalid, NotFound
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.network.access import (
    can_manage_site,
    get_action_for,
    get_meeting_for,
    network_site_ids,
    require_action_manager,
)
from lab.network.forms import ActionInput, ActionNoteInput
from lab.network.labels import ACTION_STATUSES
from lab.network.tables import (
    NetworkAction,
    NetworkActionNote,
    NetworkActionPartner,
    NetworkDecision,
    NetworkPartner,
)
from lab.workshops.forms import ModuleInput
from lab.workshops.services import create_module

# The actions' state machine: proposed → under_way → done; proposed or under_way → abandoned;
# under_way → proposed (put back on hold, e.g. waiting for a partner's answer). Done and
# abandoned are final: a new action is opened instead, so the history stays true.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"under_way", "abandoned"}),
    "under_way": frozenset({"proposed", "done", "abandoned"}),
    "done": frozenset(),
    "abandoned": frozenset(),
}
OPEN = ("proposed", "under_way")
# The workshop module an action becomes: its kind among the modules' kinds.
MODULE_KINDS = {
    "joint_workshop": "partner_meeting",
    "job_dating": "job_search",
    "info_session": "info_session",
    "shared_training": "other",
    "other": "other",
}


@dataclasses.dataclass(frozen=True, slots=True)
class FollowUpRow:
    """One open action on the follow-up page."""

    action_id: int
    title: str
    kind: str
    status: str
    site_id: int
    owner_id: int | None
    owner_name: str  # "" when nobody owns it yet
    due_on: dt.date | None
    overdue: bool  # due before today (the site's today), still open
    module_id: int | None


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(_("Certains champs sont à corriger."), field_errors={field: message})


async def _check(actor: StaffPrincipal, data: ActionInput) -> None:
    require_action_manager(actor, data.site_id)
    if data.owner_id is not None and await active_staff_count([data.owner_id]) != 1:
        raise _invalid("owner_id", _("Choisissez une personne de l'équipe."))
    if data.partner_ids:
        shared = await network_site_ids(actor)
        rows = await NetworkPartner.select(NetworkPartner.id, NetworkPartner.site).where(
            NetworkPartner.id.is_in(sorted(set(data.partner_ids)))
        )
        if len(rows) != len(set(data.partner_ids)) or any(r["site"] not in shared for r in rows):
            raise _invalid("partner_ids", _("Choisissez des partenaires de votre réseau."))


async def _set_partners(action_id: int, partner_ids: list[int]) -> None:
    await NetworkActionPartner.delete().where(NetworkActionPartner.action == action_id)
    if partner_ids:
        await NetworkActionPartner.insert(
            *(NetworkActionPartner(action=action_id, partner=i) for i in sorted(set(partner_ids)))
        )


def _apply(action: NetworkAction, data: ActionInput) -> None:
    action.title = data.title.strip()
    action.kind = data.kind
    action.description = data.description.strip()
    action.owner = data.owner_id
    action.due_on = data.due_on


async def open_action(actor: StaffPrincipal, data: ActionInput) -> NetworkAction:
    """Open an action (status proposed), from a decision when ``decision_id``. Errors:
    forbidden (not a manager of the site), not_found (decision), invalid (owner, partners)."""
    await _check(actor, data)
    if data.decision_id is not None:
        decision = await NetworkDecision.objects().get(NetworkDecision.id == data.decision_id)
        if decision is None:
            raise NotFound(_("Cette décision n'existe pas."))
        await get_meeting_for(actor, decision.meeting)
    async with write_transaction(NetworkAction._meta.db):
        now = clock.now()
        action = NetworkAction(
            site=data.site_id,
            decision=data.decision_id,
            status="proposed",
            created_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        _apply(action, data)
        await action.save()
        await _set_partners(action.id, data.partner_ids)
        await audit.record(
            actor,
            "network.action.opened",
            f"network_action:{action.id}",
            site_id=action.site,
            decision_id=data.decision_id,
            status="proposed",
        )
    return action


def _closed() -> Conflict:
    return Conflict(_("Cette action est close : elle ne change plus."), code="action_closed")


async def update_action(actor: StaffPrincipal, action_id: int, data: ActionInput) -> NetworkAction:
    """Change title, kind, owner, due date and partners (not the status: ``move_action``).
    Errors: not_found, forbidden, invalid, action_closed."""
    action = await get_action_for(actor, action_id)
    require_action_manager(actor, action.site)
    await _check(actor, _same_site(data, action.site))
    async with write_transaction(NetworkAction._meta.db):
        await lock_row(NetworkAction, action.id)
        action = await get_action_for(actor, action_id)
        if action.status not in OPEN:
            raise _closed()
        _apply(action, data)
        action.updated_at = clock.now()
        await action.save()
        await _set_partners(action.id, data.partner_ids)
        await audit.record(
            actor, "network.action.updated", f"network_action:{action.id}", site_id=action.site
        )
    return action


def _same_site(data: ActionInput, site_id: int) -> ActionInput:
    return msgspec.structs.replace(data, site_id=site_id)


async def move_action(actor: StaffPrincipal, action_id: int, status: str) -> NetworkAction:
    """Move an action along ``ACTION_TRANSITIONS``; each move is audited
    (network.action.moved), and so is each refusal (network.action.refused).
    Errors: not_found, forbidden, transition_refused (Conflict)."""
    action = await get_action_for(actor, action_id)
    require_action_manager(actor, action.site)
    async with write_transaction(NetworkAction._meta.db):
        await lock_row(NetworkAction, action.id)
        action = await get_action_for(actor, action_id)
        before = action.status
        if status not in ACTION_TRANSITIONS.get(before, frozenset()):
            await audit.record(
                actor,
                "network.action.refused",
                f"network_action:{action.id}",
                site_id=action.site,
                status_from=before,
                status_to=status,
            )
            refused = Conflict(
                _(
                    "Une action « %(before)s » ne peut pas passer à « %(after)s ».",
                    before=_(ACTION_STATUSES.get(before, before)),
                    after=_(ACTION_STATUSES.get(status, status))
                    if status in ACTION_STATUSES
                    else status,
                ),
                code="transition_refused",
            )
        else:
            refused = None
            now = clock.now()
            action.status = status
            action.updated_at = now
            action.closed_at = now if status in ("done", "abandoned") else None
            await action.save()
            await audit.record(
                actor,
                "network.action.moved",
                f"network_action:{action.id}",
                site_id=action.site,
                status_from=before,
                status_to=status,
            )
    # The refusal is raised once its audit entry is committed: raising inside the
    # transaction would roll the entry back with it.
    if refused is not None:
        raise refused
    return action


async def add_action_note(
    actor: StaffPrincipal, action_id: int, data: ActionNoteInput
) -> NetworkActionNote:
    """Any staff member of the action's site may note its progress. Errors: not_found,
    forbidden."""
    action = await get_action_for(actor, action_id)
    async with write_transaction(NetworkActionNote._meta.db):
        note = NetworkActionNote(
            action=action.id, text=data.text.strip(), author=actor.staff_id, at=clock.now()
        )
        await note.save()
        await NetworkAction.update({NetworkAction.updated_at: note.at}).where(
            NetworkAction.id == action.id
        )
        await audit.record(
            actor, "network.action.noted", f"network_action:{action.id}", site_id=action.site
        )
    return note


async def action_to_module(actor: StaffPrincipal, action_id: int) -> int:
    """Turn the action into a workshop module of its site (title, kind, description; the
    first partner's workshop partner when it has one) and keep the link; the module's id.
    Doing it again returns the same module. Errors: not_found, forbidden, action_closed
    (abandoned)."""
    action = await get_action_for(actor, action_id)
    require_action_manager(actor, action.site)
    async with write_transaction(NetworkAction._meta.db):
        await lock_row(NetworkAction, action.id)
        action = await get_action_for(actor, action_id)
        if action.module is not None:
            return action.module
        if action.status == "abandoned":
            raise _closed()
        linked = await (
            NetworkActionPartner.select(
                NetworkActionPartner.partner.workshop_partner.as_alias("workshop_partner"),
                NetworkActionPartner.partner.workshop_partner.site.as_alias("site"),
            )
            .where(NetworkActionPartner.action == action.id)
            .order_by(NetworkActionPartner.id)
        )
        workshop_partner = next(
            (row["workshop_partner"] for row in linked if row["site"] == action.site), None
        )
        module = await create_module(
            actor,
            ModuleInput(
                site_id=action.site,
                title=action.title[:120],
                kind=MODULE_KINDS.get(action.kind, "other"),
                description=action.description[:1000],
                partner_id=workshop_partner,
            ),
        )
        action.module = module.id
        action.updated_at = clock.now()
        await action.save()
        await audit.record(
            actor,
            "network.action.module_created",
            f"network_action:{action.id}",
            site_id=action.site,
            module_id=module.id,
        )
    return module.id


async def follow_up(
    actor: StaffPrincipal, *, owner_id: int | None = None, site_id: int | None = None
) -> list[FollowUpRow]:
    """Open actions (proposed, under way) of the actor's sites, by owner name then due date
    (undated last); overdue ones flagged."""
    sites = sorted(actor.site_ids())
    if site_id is not None:
        sites = [site for site in sites if site == site_id]
    query = NetworkAction.select(
        NetworkAction.id,
        NetworkAction.title,
        NetworkAction.kind,
        NetworkAction.status,
        NetworkAction.site,
        NetworkAction.owner,
        NetworkAction.due_on,
        NetworkAction.module,
    ).where(NetworkAction.site.is_in(sites or [-1]) & NetworkAction.status.is_in(list(OPEN)))
    if owner_id is not None:
        query = query.where(NetworkAction.owner == owner_id)
    rows = await query
    names = await staff_names(row["owner"] for row in rows if row["owner"])
    zones = await timezones({row["site"] for row in rows})
    now = clock.now()
    today = {site: now.astimezone(ZoneInfo(zone)).date() for site, zone in zones.items()}
    result = [
        FollowUpRow(
            action_id=row["id"],
            title=row["title"],
            kind=row["kind"],
            status=row["status"],
            site_id=row["site"],
            owner_id=row["owner"],
            owner_name=names.get(row["owner"], "") if row["owner"] else "",
            due_on=row["due_on"],
            overdue=row["due_on"] is not None
            and row["due_on"] < today.get(row["site"], now.date()),
            module_id=row["module"],
        )
        for row in rows
    ]
    result.sort(
        key=lambda r: (
            r.owner_name == "",
            r.owner_name.casefold(),
            r.due_on is None,
            r.due_on or dt.date.max,
            r.action_id,
        )
    )
    return result


async def action_detail(actor: StaffPrincipal, action_id: int) -> dict:
    """``action``, ``partners`` [{id, name}], ``notes`` [{text, author_name, at}],
    ``decision`` ({id, text, meeting_id, meeting_title} or None), ``owner_name``,
    ``allowed`` (the statuses it may move to), ``can_manage``."""
    action = await get_action_for(actor, action_id)
    partners = await (
        NetworkActionPartner.select(
            NetworkActionPartner.partner.as_alias("id"),
            NetworkActionPartner.partner.name.as_alias("name"),
        )
        .where(NetworkActionPartner.action == action.id)
        .order_by(NetworkActionPartner.partner.name)
    )
    notes = await (
        NetworkActionNote.select(
            NetworkActionNote.text, NetworkActionNote.author, NetworkActionNote.at
        )
        .where(NetworkActionNote.action == action.id)
        .order_by(NetworkActionNote.at)
    )
    names = await staff_names(
        [n["author"] for n in notes if n["author"]] + ([action.owner] if action.owner else [])
    )
    decision = None
    if action.decision is not None:
        decision = await (
            NetworkDecision.select(
                NetworkDecision.id,
                NetworkDecision.text,
                NetworkDecision.meeting.as_alias("meeting_id"),
                NetworkDecision.meeting.title.as_alias("meeting_title"),
            )
            .where(NetworkDecision.id == action.decision)
            .first()
        )
    return {
        "action": action,
        "partners": partners,
        "notes": [
            {"text": n["text"], "author_name": names.get(n["author"], ""), "at": n["at"]}
            for n in notes
        ],
        "decision": decision,
        "owner_name": names.get(action.owner, "") if action.owner else "",
        "allowed": sorted(ACTION_TRANSITIONS.get(action.status, frozenset())),
        "can_manage": can_manage_site(actor, action.site),
    }
