"""Partner organisations and their contact people: writes, the duplicate warning, search."""

from __future__ import annotations

import re
import unicodedata

from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.forms import EMAIL_PATTERN
from lab.core.i18n import N_, _
from lab.core.roles import StaffPrincipal
from lab.core.security import new_token, token_hash
from lab.network.access import (
    can_manage_shared,
    get_contact_for,
    get_partner_for,
    manageable_partner,
    network_site_ids,
)
from lab.network.forms import ContactInput, PartnerInput
from lab.network.tables import NetworkContact, NetworkPartner
from lab.workshops.services import list_partners as workshop_partners


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "Forem  (Liège)" and
    "FOREM liege" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


def _tags(text: str) -> str:
    seen: list[str] = []
    for tag in (part.strip().lower() for part in text.split(",")):
        if tag and tag not in seen:
            seen.append(tag)
    return ", ".join(seen)


async def similar_partners(
    site_ids: frozenset[int], name: str, municipality: str, *, exclude_id: int | None = None
) -> list[NetworkPartner]:
    """Partners of ``site_ids`` with the same normalised name and municipality."""
    query = NetworkPartner.objects().where(
        (NetworkPartner.search_name == normalise(name))
        & NetworkPartner.site.is_in(sorted(site_ids) or [-1])
    )
    if exclude_id is not None:
        query = query.where(NetworkPartner.id != exclude_id)
    found = await query
    wanted = normalise(municipality)
    return [partner for partner in found if normalise(partner.municipality) == wanted]


async def _check(actor: StaffPrincipal, data: PartnerInput, exclude_id: int | None) -> None:
    if not await can_manage_shared(actor, data.site_id):
        raise Forbidden(_("Seul un ou une responsable peut modifier les partenaires."))
    check_email(data.email)
    if data.workshop_partner_id is not None:
        linked = {partner.id for partner in await workshop_partners(actor)}
        if data.workshop_partner_id not in linked:
            raise Invalid(
                _("Certains champs sont à corriger."),
                field_errors={"workshop_partner_id": _("Choisissez un partenaire de vos sites.")},
            )
    if not data.confirm_duplicate:
        shared = await network_site_ids(actor)
        same = await similar_partners(shared, data.name, data.municipality, exclude_id=exclude_id)
        if same:
            raise Conflict(
                _(
                    "Un partenaire du même nom existe déjà dans cette commune : %(name)s. "
                    "Vérifiez qu'il ne s'agit pas du même, ou confirmez.",
                    name=same[0].name,
                ),
                code="duplicate_partner",
            )


def apply(partner: NetworkPartner, data: PartnerInput) -> None:
    partner.site = data.site_id
    partner.name = data.name.strip()
    partner.search_name = normalise(data.name)
    partner.kind = data.kind
    partner.municipality = data.municipality.strip()
    partner.zone = data.zone.strip()
    partner.services = data.services.strip()
    partner.tags = _tags(data.tags)
    partner.language = data.language
    partner.email = data.email.strip()
    partner.phone = data.phone.strip()
    partner.address = data.address.strip()
    partner.website = data.website.strip()
    partner.workshop_partner = data.workshop_partner_id
    partner.active = data.active


async def create_partner(actor: StaffPrincipal, data: PartnerInput) -> NetworkPartner:
    """Add a partner, followed by ``data.site_id``.

    Errors: forbidden (not a manager of that site), invalid (workshop partner of another
    site), duplicate_partner (Conflict: a partner of the same network has the same name and
    municipality once normalised; the message names it; saved when ``confirm_duplicate``)."""
    await _check(actor, data, None)
    async with write_transaction(NetworkPartner._meta.db):
        now = clock.now()
        partner = NetworkPartner(site=data.site_id, created_at=now, updated_at=now)
        apply(partner, data)
        await partner.save()
        await audit.record(
            actor,
            "network.partner.created",
            f"network_partner:{partner.id}",
            site_id=partner.site,
            duplicate_confirmed=data.confirm_duplicate,
        )
    return partner


async def update_partner(
    actor: StaffPrincipal, partner_id: int, data: PartnerInput
) -> NetworkPartner:
    """Change a partner (and the site that follows it). Errors: as ``create_partner``, and
    not_found, forbidden (other_site: another network's partner)."""
    await manageable_partner(actor, partner_id)
    await _check(actor, data, partner_id)
    async with write_transaction(NetworkPartner._meta.db):
        await lock_row(NetworkPartner, partner_id)
        partner = await NetworkPartner.objects().get(NetworkPartner.id == partner_id)
        apply(partner, data)
        partner.updated_at = clock.now()
        await partner.save()
        await audit.record(
            actor, "network.partner.updated", f"network_partner:{partner.id}", site_id=partner.site
        )
    return partner


async def search_partners(
    actor: StaffPrincipal,
    text: str = "",
    *,
    kind: str | None = None,
    tag: str | None = None,
    site_id: int | None = None,
    include_inactive: bool = False,
    limit: int = 200,
) -> list[NetworkPartner]:
    """Partners of the actor's networks whose name, municipality, zone, services or tags hold
    ``text`` (accents and case ignored), by name."""
    query = NetworkPartner.objects().where(
        NetworkPartner.site.is_in(sorted(await network_site_ids(actor)) or [-1])
    )
    if kind:
        query = query.where(NetworkPartner.kind == kind)
    if site_id is not None:
        query = query.where(NetworkPartner.site == site_id)
    if not include_inactive:
        query = query.where(NetworkPartner.active.eq(True))
    found = await query.order_by(NetworkPartner.search_name)
    words = normalise(text).split()
    wanted_tag = normalise(tag or "")
    result = []
    for partner in found:
        haystack = normalise(
            " ".join(
                (partner.name, partner.municipality, partner.zone, partner.services, partner.tags)
            )
        )
        if words and not all(word in haystack for word in words):
            continue
        if wanted_tag and wanted_tag not in [normalise(t) for t in partner.tags.split(",")]:
            continue
        result.append(partner)
        if len(result) >= limit:
            break
    return result


# -- contact people ---------------------------------------------------------------------------


INVALID_EMAIL = N_("Adresse e-mail non valide : écrivez-la ainsi : nom@organisme.be")


def check_email(address: str) -> None:
    """A work e-mail, or none: the forms check it, and so does the service, whoever calls it.
    Errors: invalid (``email``)."""
    if address.strip() and not re.match(EMAIL_PATTERN, address.strip()):
        message = _(INVALID_EMAIL)
        raise Invalid(_("Certains champs sont à corriger."), field_errors={"email": message})


def _apply_contact(contact: NetworkContact, data: ContactInput, partner: NetworkPartner) -> None:
    contact.first_name = data.first_name.strip()
    contact.last_name = data.last_name.strip()
    contact.role = data.role.strip()
    contact.email = data.email.strip()
    contact.phone = data.phone.strip()
    contact.language = data.language or partner.language or "fr"
    contact.active = data.active


async def add_contact(actor: StaffPrincipal, partner_id: int, data: ContactInput) -> NetworkContact:
    """Add a contact person to a partner. Errors: not_found, forbidden, invalid (e-mail)."""
    partner = await manageable_partner(actor, partner_id)
    check_email(data.email)
    async with write_transaction(NetworkContact._meta.db):
        now = clock.now()
        contact = NetworkContact(partner=partner.id, created_at=now, updated_at=now)
        _apply_contact(contact, data, partner)
        await contact.save()
        await audit.record(
            actor,
            "network.contact.created",
            f"network_contact:{contact.id}",
            site_id=partner.site,
            partner_id=partner.id,
        )
    return contact


async def update_contact(
    actor: StaffPrincipal, contact_id: int, data: ContactInput
) -> NetworkContact:
    """Errors: not_found, forbidden, invalid."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    check_email(data.email)
    async with write_transaction(NetworkContact._meta.db):
        _apply_contact(contact, data, partner)
        contact.updated_at = clock.now()
        await contact.save()
        await audit.record(
            actor, "network.contact.updated", f"network_contact:{contact.id}", site_id=partner.site
        )
    return contact


async def remove_contact(actor: StaffPrincipal, contact_id: int) -> None:
    """Delete a contact person (who left the organisation): their invitations go with them;
    referrals keep the partner. Errors: not_found, forbidden."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    async with write_transaction(NetworkContact._meta.db):
        await NetworkContact.delete().where(NetworkContact.id == contact.id)
        await audit.record(
            actor, "network.contact.removed", f"network_contact:{contact.id}", site_id=partner.site
        )


async def issue_contact_pass(actor: StaffPrincipal, contact_id: int) -> str:
    """A new meeting pass for a contact person: the token for their QR (shown once; only its
    hash is kept, the previous one stops working). Errors: not_found, forbidden."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    token = new_token()
    async with write_transaction(NetworkContact._meta.db):
        await NetworkContact.update(
            {NetworkContact.pass_hash: token_hash(token), NetworkContact.updated_at: clock.now()}
        ).where(NetworkContact.id == contact.id)
        await audit.record(
            actor,
            "network.contact.pass_issued",
            f"network_contact:{contact.id}",
            site_id=partner.site,
        )
    return token


async def partner_contacts(actor: StaffPrincipal, partner_id: int) -> list[NetworkContact]:
    """A partner's contact people, by last name. Errors: as ``get_partner_for``."""
    partner = await get_partner_for(actor, partner_id)
    return await (
        NetworkContact.objects()
        .where(NetworkContact.partner == partner.id)
        .order_by(NetworkContact.last_name)
        .order_by(NetworkContact.first_name)
    )
