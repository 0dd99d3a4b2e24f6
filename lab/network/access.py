"""Who reaches which of the network's rows (the rules are in ``lab.network.services``).

Partners and meetings are shared by the sites of a network: a site's ``network`` names it, and
a site with no network shares with itself only. Actions and referrals belong to one site.
"""

from __future__ import annotations

from lab.accounts.queries import sites_sharing_with
from lab.core.errors import Forbidden, NotFound
from lab.core.i18n import _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.network.tables import (
    NetworkAction,
    NetworkContact,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
)


async def network_site_ids(actor: StaffPrincipal, *roles: str) -> frozenset[int]:
    """The sites whose partners and meetings ``actor`` shares (holding one of ``roles`` at a
    site of the network, any role when none is given)."""
    return await sites_sharing_with(actor.site_ids(*roles))


async def can_manage_shared(actor: StaffPrincipal, site_id: int) -> bool:
    """Whether ``actor`` manages a site of ``site_id``'s network."""
    return site_id in await network_site_ids(actor, *MANAGERS)


def can_manage_site(actor: StaffPrincipal, site_id: int) -> bool:
    return actor.can_reach_site(site_id, *MANAGERS)


def _elsewhere() -> Forbidden:
    return Forbidden(
        _("Cet élément appartient à un autre réseau ou à un autre site."), code="other_site"
    )


async def get_partner_for(actor: StaffPrincipal, partner_id: int) -> NetworkPartner:
    """Errors: not_found, forbidden (other_site: a partner of another network)."""
    partner = await NetworkPartner.objects().get(NetworkPartner.id == partner_id)
    if partner is None:
        raise NotFound(_("Ce partenaire n'existe pas."))
    if partner.site not in await network_site_ids(actor):
        raise _elsewhere()
    return partner


async def manageable_partner(actor: StaffPrincipal, partner_id: int) -> NetworkPartner:
    """A partner ``actor`` may change. Errors: not_found, forbidden."""
    partner = await get_partner_for(actor, partner_id)
    if not await can_manage_shared(actor, partner.site):
        raise Forbidden(_("Seul un ou une responsable peut modifier les partenaires."))
    return partner


async def get_contact_for(actor: StaffPrincipal, contact_id: int) -> NetworkContact:
    """Errors: not_found, forbidden (other_site)."""
    contact = await NetworkContact.objects().get(NetworkContact.id == contact_id)
    if contact is None:
        raise NotFound(_("Cette personne de contact n'existe pas."))
    await get_partner_for(actor, contact.partner)
    return contact


async def get_meeting_for(actor: StaffPrincipal, meeting_id: int) -> NetworkMeeting:
    """Errors: not_found, forbidden (other_site: a meeting of another network)."""
    meeting = await NetworkMeeting.objects().get(NetworkMeeting.id == meeting_id)
    if meeting is None:
        raise NotFound(_("Cette réunion n'existe pas."))
    if meeting.site not in await network_site_ids(actor):
        raise _elsewhere()
    return meeting


def require_meeting_manager(actor: StaffPrincipal, meeting: NetworkMeeting) -> None:
    """Errors: forbidden (not a manager of the meeting's site)."""
    if not can_manage_site(actor, meeting.site):
        raise Forbidden(
            _("Seul un ou une responsable du site organisateur peut modifier la réunion.")
        )


def require_meeting_staff(actor: StaffPrincipal, meeting: NetworkMeeting) -> None:
    """Errors: forbidden (not on the staff of the meeting's site: attendance is taken there)."""
    if not actor.can_reach_site(meeting.site):
        raise Forbidden(_("Seule l'équipe du site organisateur peut noter les présences."))


async def get_action_for(actor: StaffPrincipal, action_id: int) -> NetworkAction:
    """Errors: not_found, forbidden (other_site: an action another site follows)."""
    action = await NetworkAction.objects().get(NetworkAction.id == action_id)
    if action is None:
        raise NotFound(_("Cette action n'existe pas."))
    if not actor.can_reach_site(action.site):
        raise _elsewhere()
    return action


def require_action_manager(actor: StaffPrincipal, site_id: int) -> None:
    """Errors: forbidden (not a manager of the site that follows the action)."""
    if not can_manage_site(actor, site_id):
        raise Forbidden(_("Seul un ou une responsable du site peut modifier cette action."))


async def get_referral_for(actor: StaffPrincipal, referral_id: int) -> NetworkReferral:
    """Errors: not_found, forbidden (other_site: another site's referral)."""
    referral = await NetworkReferral.objects().get(NetworkReferral.id == referral_id)
    if referral is None:
        raise NotFound(_("Cette orientation n'existe pas."))
    if not actor.can_reach_site(referral.site):
        raise _elsewhere()
    return referral
