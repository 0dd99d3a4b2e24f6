"""Modules, sessions and enrolments as an actor may see them: the reads that check the actor's
sites (``get_<thing>_for``). Every other read of a module, a session or an enrolment the actor
names goes through them. Offered to other domains by ``lab.workshops.queries``."""

from __future__ import annotations

from lab.core.errors import Forbidden, NotFound
from lab.core.i18n import _
from lab.core.principals import Principal, require_own, require_site
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.workshops.tables import Enrolment, Module, Session


async def get_module_for(actor: Principal, module_id: int) -> Module:
    """Errors: not_found, forbidden (another site's module, for staff; a tablet or a phone
    gets not_found)."""
    missing = _("Ce module n'existe pas.")
    module = await Module.objects().get(Module.id == module_id)
    if module is None:
        raise NotFound(missing)
    require_site(
        actor, module.site, missing=missing, elsewhere=_("Ce module appartient à un autre site.")
    )
    return module


async def get_module(module_id: int) -> Module | None:
    """A module by id, whatever its site: for a caller acting for no one (after a commit, for
    the system), which checks nothing on anyone's behalf."""
    return await Module.objects().get(Module.id == module_id)


async def get_modules_for(actor: Principal, module_ids: list[int]) -> list[Module]:
    """Several modules in one query, each checked as ``get_module_for`` checks one (a module
    that does not exist is left out). Errors: forbidden (another site's module, for staff; a
    tablet or a phone gets not_found)."""
    if not module_ids:
        return []
    modules = await Module.objects().where(Module.id.is_in(list(module_ids)))
    for module in modules:
        require_site(
            actor,
            module.site,
            missing=_("Ce module n'existe pas."),
            elsewhere=_("Ce module appartient à un autre site."),
        )
    return modules


async def get_session_for(actor: Principal, session_id: int) -> tuple[Session, Module]:
    """Errors: not_found, forbidden (another site's session, for staff; a tablet or a phone
    gets not_found)."""
    session = await Session.objects().get(Session.id == session_id)
    if session is None:
        raise NotFound(_("Cette séance n'existe pas."))
    return session, await get_module_for(actor, session.module)


def can_manage(actor: StaffPrincipal, site_id: int) -> bool:
    """Whether ``actor`` manages the programme of ``site_id`` (modules, sessions, feeds)."""
    return actor.can_reach_site(site_id, *MANAGERS)


def require_manager(actor: StaffPrincipal, site_id: int) -> None:
    """Errors: forbidden (not a manager of the site's programme)."""
    if not can_manage(actor, site_id):
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le programme."))


async def get_enrolment(enrolment_id: int) -> Enrolment | None:
    """An enrolment by id, whoever it belongs to: the caller checks it may see it."""
    return await Enrolment.objects().get(Enrolment.id == enrolment_id)


async def get_enrolment_for(actor: Principal, enrolment_id: int) -> Enrolment:
    """An enrolment the actor may see: one of its module's site and, for a principal acting
    for one visitor (their phone), one of their own. Errors: not_found (also someone else's,
    and another site's for a tablet or a phone), forbidden (another site's, for staff)."""
    missing = _("Cette inscription n'existe pas.")
    enrolment = await get_enrolment(enrolment_id)
    if enrolment is None:
        raise NotFound(missing)
    require_own(actor, enrolment.visitor, missing=missing)
    await get_module_for(actor, enrolment.module)
    return enrolment


async def queue_of_enrolment(actor: Principal, enrolment_id: int) -> tuple[Module, Session | None]:
    """The module (and, drop-in, the session) an enrolment belongs to. Errors: not_found,
    forbidden."""
    row = (
        await Enrolment.select(Enrolment.module, Enrolment.session)
        .where(Enrolment.id == enrolment_id)
        .first()
    )
    if row is None:
        raise NotFound(_("Cette inscription n'existe pas."))
    module = await get_module_for(actor, row["module"])
    session = None
    if row["session"] is not None:
        session = await Session.objects().get(Session.id == row["session"])
    return module, session
