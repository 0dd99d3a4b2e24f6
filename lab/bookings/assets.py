"""Lendable items of a resource (tablet n°7 of the tablet pool) and their printed QR tags.

Managers of a site add and retire its items. Tags are numbered per kind across the network
(TAB-07, PC-03), so a tag names one item wherever it is scanned.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated

import msgspec

from lab.accounts.queries import Site, get_site
from lab.bookings import tags
from lab.bookings.resources import get_resource_for
from lab.bookings.tables import Asset, Loan, Resource
from lab.core import audit, clock
from lab.core.db import fetch, is_sqlite, lock_row, write_transaction
from lab.core.errors import Forbidden, NotFound
from lab.core.forms import ShortText
from lab.core.i18n import _
from lab.core.roles import MANAGERS, StaffPrincipal

TAG_PREFIXES = {
    "tablet_pool": "TAB",
    "computer": "PC",
    "studio": "STU",
    "room": "SAL",
    "screen": "ECR",
    "other": "OBJ",
}
_TAG = re.compile(r"^([A-Z]{2,3})-?(\d{1,4})$")
MAX_AT_ONCE = 50


class AssetInput(msgspec.Struct):
    """``count`` items at once (a new batch of tablets), all with the same label."""

    label: ShortText | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=MAX_AT_ONCE)] = 1


def normalise_tag(text: str) -> str | None:
    """A scanned or typed tag -> "TAB-07"; None when it is not a tag ("tab7" is one)."""
    text = re.sub(r"\s", "", text).upper().removeprefix(tags.QR_PREFIX)
    match = _TAG.match(text)
    return f"{match.group(1)}-{int(match.group(2)):02d}" if match else None


def _require_manager(actor: StaffPrincipal, site_id: int) -> None:
    if not actor.can_reach_site(site_id, *MANAGERS):
        raise Forbidden(_("Seul un ou une responsable du site peut modifier le matériel."))


async def _managed_resource(actor: StaffPrincipal, resource_id: int) -> Resource:
    resource = await get_resource_for(actor, resource_id)
    _require_manager(actor, resource.site)
    return resource


async def get_asset_for(actor: StaffPrincipal, asset_id: int) -> tuple[Asset, Resource]:
    """An item of a site the actor manages. Errors: not_found, forbidden, other_site."""
    asset = await Asset.objects().get(Asset.id == asset_id)
    if asset is None:
        raise NotFound(_("Ce matériel n'existe pas."))
    return asset, await _managed_resource(actor, asset.resource)


async def overview(actor: StaffPrincipal) -> list[dict]:
    """Resources of the sites the actor manages, with how many items each has."""
    sites = list(actor.site_ids(*MANAGERS)) or [-1]
    resources = (
        await Resource.select(
            Resource.id, Resource.name, Resource.kind, Resource.site.name.as_alias("site_name")
        )
        .where(Resource.site.is_in(sites) & Resource.active.eq(True))
        .order_by(Resource.site.name)
        .order_by(Resource.name)
    )
    counts: dict[int, int] = {}
    for row in await Asset.select(Asset.resource).where(
        Asset.resource.is_in([r["id"] for r in resources] or [-1]) & Asset.active.eq(True)
    ):
        counts[row["resource"]] = counts.get(row["resource"], 0) + 1
    return [{**row, "assets": counts.get(row["id"], 0)} for row in resources]


@dataclasses.dataclass
class AssetList:
    resource: Resource
    site: Site
    assets: list[dict]  # id, tag, label, active, created_at, and due_at when out


async def list_assets(actor: StaffPrincipal, resource_id: int) -> AssetList:
    """Errors: not_found, forbidden (not a manager of the site), other_site."""
    resource = await _managed_resource(actor, resource_id)
    site = await get_site(resource.site)
    rows = await Asset.select().where(Asset.resource == resource.id).order_by(Asset.tag)
    out = {
        row["asset"]: row["due_at"]
        for row in await Loan.select(Loan.asset, Loan.due_at).where(
            Loan.returned_at.is_null() & Loan.asset.is_in([r["id"] for r in rows] or [-1])
        )
    }
    return AssetList(resource, site, [{**row, "due_at": out.get(row["id"])} for row in rows])


async def _next_numbers(prefix: str, count: int) -> range:
    rows = await Asset.select(Asset.tag).where(Asset.tag.like(f"{prefix}-%"))
    numbers = [int(match.group(2)) for row in rows if (match := _TAG.match(row["tag"]))]
    first = max(numbers, default=0) + 1
    return range(first, first + count)


async def create_assets(actor: StaffPrincipal, resource_id: int, data: AssetInput) -> list[Asset]:
    """Add ``count`` items to a resource, each with the next free tag of its kind.

    Errors: not_found, forbidden (not a manager of the site), other_site.
    """
    resource = await _managed_resource(actor, resource_id)
    prefix = TAG_PREFIXES.get(resource.kind, "OBJ")
    created: list[Asset] = []
    async with write_transaction(Asset._meta.db):
        if not is_sqlite(Asset._meta.db):
            # Numbers are shared by every site: one batch at a time picks them (rare work).
            await fetch(Asset, "LOCK TABLE asset IN SHARE ROW EXCLUSIVE MODE")
        for number in await _next_numbers(prefix, data.count):
            asset = Asset(
                resource=resource.id,
                tag=f"{prefix}-{number:02d}",
                label=data.label or "",
                active=True,
                created_at=clock.now(),
            )
            await asset.save()
            created.append(asset)
            await audit.record(
                actor,
                "asset.created",
                f"asset:{asset.id}",
                site_id=resource.site,
                resource_id=resource.id,
            )
    return created


async def set_active(actor: StaffPrincipal, asset_id: int, active: bool) -> Asset:
    """Retire an item from lending, or bring it back. A loan still open stays open (a lost
    tablet is retired while its borrower still owes it). Errors: as get_asset_for."""
    async with write_transaction(Asset._meta.db):
        asset, resource = await get_asset_for(actor, asset_id)
        await lock_row(Asset, asset.id)
        if asset.active != active:
            asset.active = active
            await asset.save()
            await audit.record(
                actor,
                "asset.reactivated" if active else "asset.deactivated",
                f"asset:{asset.id}",
                site_id=resource.site,
            )
    return asset


def _image(asset: dict | Asset, resource: Resource, lab_name: str):
    tag = asset["tag"] if isinstance(asset, dict) else asset.tag
    label = asset["label"] if isinstance(asset, dict) else asset.label
    return tags.tag_image(tag, label or resource.name, lab_name)


async def tag_png(actor: StaffPrincipal, asset_id: int, lab_name: str) -> tuple[str, bytes]:
    """(tag, PNG) of one item's label. Errors: as get_asset_for."""
    asset, resource = await get_asset_for(actor, asset_id)
    return asset.tag, tags.tag_png(_image(asset, resource, lab_name))


async def tags_pdf(actor: StaffPrincipal, resource_id: int, lab_name: str) -> bytes:
    """An A4 sheet of the labels of a resource's active items. Errors: as list_assets."""
    listing = await list_assets(actor, resource_id)
    images = [_image(row, listing.resource, lab_name) for row in listing.assets if row["active"]]
    return tags.sheet_pdf(images)
