"""A small network around the cast's sites: Saint-Denis and a second lab, Aubervilliers, share
the network "Plaine Commune" (Lina manages Aubervilliers); Brussels is a network of its own."""

from __future__ import annotations

import dataclasses

from lab.accounts.tables import Role, Site, StaffUser
from lab.core import clock
from lab.network import services
from lab.network.forms import ContactInput, PartnerInput
from lab.network.tables import NetworkContact, NetworkPartner
from tests.personas import OPENING_HOURS, Cast

NETWORK = "Plaine Commune"


@dataclasses.dataclass
class Network:
    cast: Cast
    aubervilliers: Site
    lina: StaffUser  # manager at Aubervilliers


async def make_network(cast: Cast) -> Network:
    await Site.update({Site.network: NETWORK}).where(Site.id == cast.saint_denis.id)
    cast.saint_denis.network = NETWORK
    aubervilliers = Site(
        name="Lab Aubervilliers",
        slug="aubervilliers",
        timezone="Europe/Paris",
        opening_hours=OPENING_HOURS,
        network=NETWORK,
        created_at=clock.now(),
    )
    await aubervilliers.save()
    lina = StaffUser(
        email="lina@lab.test", name="Lina", password_hash="x", language="fr", created_at=clock.now()
    )
    await lina.save()
    await Role.insert(Role(user=lina.id, site=aubervilliers.id, role="manager"))
    return Network(cast=cast, aubervilliers=aubervilliers, lina=lina)


async def make_partner(
    actor, site: Site, name: str = "France Travail Saint-Denis", **values
) -> NetworkPartner:
    data = PartnerInput(
        site_id=site.id,
        name=name,
        kind=values.pop("kind", "employment_service"),
        municipality=values.pop("municipality", "Saint-Denis"),
        **values,
    )
    return await services.create_partner(actor, data)


async def make_contact(
    actor, partner: NetworkPartner, first_name: str = "Marie", **values
) -> NetworkContact:
    data = ContactInput(
        first_name=first_name,
        last_name=values.pop("last_name", "Lefèvre"),
        role=values.pop("role", "Conseillère entreprises"),
        email=values.pop("email", f"{first_name.lower()}@partenaire.test"),
        **values,
    )
    return await services.add_contact(actor, partner.id, data)
