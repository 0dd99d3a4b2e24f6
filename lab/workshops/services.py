"""Modules and partners, and workshops' public surface for writes.

Sessions (``schedule``, ``move_session``, ``cancel_session``, ``lock_session``) are written
in ``lab.workshops.sessions``; they reserve their room through the bookings service.
Enrolment (``enrol``, ``cancel_enrolment``, ``cancel_own_enrolment``) is written in
``lab.workshops.enrolment``. Both are offered here, with ``get_module_for`` and
``get_session_for`` (``lab.workshops.access``), so that other domains need this module for
writes and ``queries`` for reads, nothing else.

Inside workshops the direction is one way, with no import inside a function: ``tables`` ←
the reads (``access``, ``queues``, ``programme``, ``calendars`` for sessions as events, and
``visitors``, all offered by ``queries``) ← ``messages`` ← ``enrolment`` and ``sessions`` ←
``services``; ``ics`` (the staff's files and the feeds) and ``pages`` sit above the reads,
the routes on top.
"""

from __future__ import annotations

from lab.accounts.queries import (
    active_staff_count,
    get_site_for,
    site_choices,
    staff_at_site,
)
from lab.bookings import queries as rooms
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.workshops.access import get_module_for, get_session_for, require_manager
from lab.workshops.enrolment import cancel as cancel_enrolment
from lab.workshops.enrolment import cancel_own as cancel_own_enrolment
from lab.workshops.enrolment import enrol, fill_free_seats, forget_visitor
from lab.workshops.forms import ModuleInput, PartnerInput
from lab.workshops.messages import Notices
from lab.workshops.programme import facilitator_ids
from lab.workshops.sessions import (
    Scheduled,
    cancel_session,
    hold_session,
    lock_session,
    mark_session_closed,
    move_session,
    schedule,
)
from lab.workshops.tables import Module, ModuleFacilitator, Partner

__all__ = [
    "KINDS",
    "PARTNER_KINDS",
    "Scheduled",
    "cancel_enrolment",
    "cancel_own_enrolment",
    "cancel_session",
    "create_module",
    "create_partner",
    "enrol",
    "facilitator_ids",
    "forget_visitor",
    "get_module_for",
    "get_module_to_manage_for",
    "get_session_for",
    "hold_session",
    "list_modules",
    "list_partners",
    "lock_session",
    "mark_session_closed",
    "move_session",
    "programme_site_for",
    "schedule",
    "team_choices",
    "update_module",
]

KINDS = {
    "job_search": N_("Recherche d'emploi"),
    "orientation": N_("Orientation, choix de métier"),
    "digital_skills": N_("Compétences numériques"),
    "info_session": N_("Réunion d'information"),
    "partner_meeting": N_("Rencontre avec un partenaire"),
    "other": N_("Autre"),
}
PARTNER_KINDS = {
    "employment": N_("Emploi"),
    "training": N_("Formation"),
    "association": N_("Association"),
    "company": N_("Entreprise"),
    "public": N_("Service public"),
    "other": N_("Autre"),
}


async def get_module_to_manage_for(actor: StaffPrincipal, module_id: int) -> Module:
    """A module ``actor`` may change (its form, its sessions). Errors: not_found, forbidden
    (another site's module, or not a manager of its site)."""
    module = await get_module_for(actor, module_id)
    require_manager(actor, module.site)
    return module


async def programme_site_for(actor: StaffPrincipal, site_id: int | None = None) -> int:
    """The site whose programme ``actor`` is about to change: ``site_id``, or the first site
    they manage. Errors: forbidden (none, or not a manager of ``site_id``)."""
    managed = await site_choices(actor, *MANAGERS)
    chosen = site_id or next(iter(managed), None)
    if chosen is None or chosen not in managed:
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le programme."))
    return chosen


async def list_modules(actor: StaffPrincipal, site_id: int | None = None) -> list[Module]:
    query = Module.objects().where(Module.site.is_in(list(actor.site_ids()) or [-1]))
    if site_id is not None:
        query = query.where(Module.site == site_id)
    return await query.order_by(Module.title)


async def _check_links(actor: StaffPrincipal, data: ModuleInput, site_id: int) -> None:
    """Partner, room and facilitators must exist, and partner and room be of ``site_id``."""
    errors = {}
    if data.partner_id is not None:
        partner = await Partner.objects().get(Partner.id == data.partner_id)
        if partner is None or partner.site != site_id:
            errors["partner_id"] = _("Choisissez un partenaire de ce site.")
    if data.room_id is not None:
        try:
            room = await rooms.get_resource_for(actor, data.room_id)
        except (NotFound, Forbidden):
            room = None
        if room is None or room.site != site_id:
            errors["room_id"] = _("Choisissez une salle de ce site.")
    if data.facilitator_ids:
        found = await active_staff_count(data.facilitator_ids)
        if found != len(set(data.facilitator_ids)):
            errors["facilitator_ids"] = _("Choisissez des personnes de l'équipe.")
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)


async def team_choices(site_id: int, chosen: list[int]) -> list[dict]:
    """``{id, name}`` of who may facilitate a module of ``site_id``: the active team members
    of the site, plus anyone already chosen (the rule ``_check_links`` applies)."""
    return await staff_at_site(site_id, also=chosen)


def _apply(module: Module, data: ModuleInput) -> None:
    module.title = data.title
    module.kind = data.kind
    module.capacity = data.capacity
    module.enrolment = data.enrolment
    module.description = data.description
    module.audience = data.audience
    module.self_enrol = data.self_enrol
    module.partner = data.partner_id
    module.room = data.room_id
    module.completion_percent = data.completion_percent
    module.late_after_minutes = data.late_after_minutes
    module.competences = ", ".join(t.strip() for t in data.competences.split(",") if t.strip())
    module.active = data.active


async def _set_facilitators(module_id: int, staff_ids: list[int]) -> None:
    await ModuleFacilitator.delete().where(ModuleFacilitator.module == module_id)
    if staff_ids:
        await ModuleFacilitator.insert(
            *(ModuleFacilitator(module=module_id, staff_user=i) for i in sorted(set(staff_ids)))
        )


async def create_module(actor: StaffPrincipal, data: ModuleInput) -> Module:
    """Errors: forbidden (not a manager of the site), invalid (partner, room, facilitators)."""
    require_manager(actor, data.site_id)
    await get_site_for(actor, data.site_id)
    await _check_links(actor, data, data.site_id)
    async with write_transaction(Module._meta.db):
        module = Module(site=data.site_id, created_at=clock.now())
        _apply(module, data)
        await module.save()
        await _set_facilitators(module.id, data.facilitator_ids)
        await audit.record(actor, "module.created", f"module:{module.id}", site_id=module.site)
    return module


async def update_module(actor: StaffPrincipal, module_id: int, data: ModuleInput) -> Module:
    """The site stays; a bigger capacity seats waitlisted people at once (series modules),
    who are told after the change is saved."""
    module = await get_module_for(actor, module_id)
    require_manager(actor, module.site)
    await _check_links(actor, data, module.site)
    notices = Notices()
    async with write_transaction(Module._meta.db):
        await lock_row(Module, module.id)
        module = await get_module_for(actor, module_id)
        _apply(module, data)
        await module.save()
        await _set_facilitators(module.id, data.facilitator_ids)
        await audit.record(actor, "module.updated", f"module:{module.id}", site_id=module.site)
        if module.enrolment == "series":
            await fill_free_seats(actor, module, None, notices)
    await notices.send()
    return module


async def list_partners(actor: StaffPrincipal, site_id: int | None = None) -> list[Partner]:
    query = Partner.objects().where(Partner.site.is_in(list(actor.site_ids()) or [-1]))
    if site_id is not None:
        query = query.where(Partner.site == site_id)
    return await query.order_by(Partner.name)


async def create_partner(actor: StaffPrincipal, data: PartnerInput) -> Partner:
    require_manager(actor, data.site_id)
    async with write_transaction(Partner._meta.db):
        partner = Partner(
            site=data.site_id,
            name=data.name,
            kind=data.kind,
            contact=data.contact,
            created_at=clock.now(),
        )
        await partner.save()
        await audit.record(actor, "partner.created", f"partner:{partner.id}", site_id=data.site_id)
    return partner
