"""Managing a site's kiosk tablets: rename, limit to actions, re-pair, and the list with each
tablet's state. Creating, pairing and revoking live in ``devices``; this adds what staff do
afterwards. Only managers of the site (and network managers, admins) manage tablets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import get_site_for, site_choices
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden
from lab.core.i18n import N_, _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.core.security import token_hash
from lab.kiosk import devices
from lab.kiosk.tables import KioskDevice

# What a tablet's row says about it.
STATES = {
    "paired": N_("En service"),
    "waiting": N_("En attente d'association"),
    "unpaired": N_("Pas associée"),
    "revoked": N_("Désactivée"),
}


async def page_sites(
    actor: StaffPrincipal, site_id: int | None, *roles: str
) -> tuple[dict[int, str], int]:
    """The sites a tablets page may show the actor ({id: name}, those where they hold one of
    ``roles``), and the one asked for, or the first. Errors: forbidden (another site, or none
    of theirs)."""
    sites = await site_choices(actor, *roles)
    if site_id is not None:
        await get_site_for(actor, site_id)
    chosen = site_id or next(iter(sites), None)
    if chosen is None:
        raise Forbidden(_("Ce site ne fait pas partie des vôtres."))
    return sites, chosen


def manages_devices(actor: StaffPrincipal, site_id: int) -> bool:
    """Whether the actor manages the site's tablets (its managers, network managers, admins)."""
    return actor.can_reach_site(site_id, *MANAGERS)


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceRow:
    id: int
    site_id: int
    name: str
    state: str  # a key of STATES
    actions: tuple[str, ...]
    paired_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None
    pairing_expires_at: dt.datetime | None


def state_of(device: KioskDevice, now: dt.datetime) -> str:
    if device.revoked_at is not None:
        return "revoked"
    if device.credential_hash is not None:
        return "paired"
    if device.pairing_expires_at is not None and device.pairing_expires_at > now:
        return "waiting"
    return "unpaired"


def row_of(device: KioskDevice, now: dt.datetime | None = None) -> DeviceRow:
    state = state_of(device, now or clock.now())
    return DeviceRow(
        id=device.id,
        site_id=device.site,
        name=device.name,
        state=state,
        actions=tuple(a for a in devices.ACTIONS if a in device.allowed_actions.split(",")),
        paired_at=device.paired_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
        pairing_expires_at=device.pairing_expires_at if state == "waiting" else None,
    )


async def device_rows(actor: StaffPrincipal, site_id: int) -> list[DeviceRow]:
    """The site's tablets, those in service first, revoked ones last. Errors: forbidden."""
    now = clock.now()
    rows = [row_of(device, now) for device in await devices.list_devices(actor, site_id)]
    order = list(STATES)
    return sorted(rows, key=lambda row: (order.index(row.state), row.name.casefold()))


async def get_device_row(actor: StaffPrincipal, device_id: int) -> DeviceRow:
    """Errors: not_found, forbidden."""
    return row_of(await devices.get_device_for(actor, device_id))


async def update_device(
    actor: StaffPrincipal, device_id: int, name: str, actions: list[str]
) -> DeviceRow:
    """Rename a tablet and choose what it may do; the tablet sees the change on its next
    request. Errors: not_found, forbidden, invalid (name, actions), revoked."""
    name, allowed = devices.valid_name(name), devices.valid_actions(actions)
    async with write_transaction(KioskDevice._meta.db):
        device = await _locked(actor, device_id)
        before = {"name": device.name, "actions": device.allowed_actions}
        device.name, device.allowed_actions = name, allowed
        await device.save()
        await audit.record(
            actor,
            "kiosk.updated",
            f"kiosk:{device.id}",
            site_id=device.site,
            before=before,
            after={"name": name, "actions": allowed},
        )
    return row_of(device)


async def new_pairing_code(actor: StaffPrincipal, device_id: int) -> tuple[DeviceRow, str]:
    """A fresh one-time pairing code for an existing tablet (one that was reset, or whose
    code expired). The tablet's current credential stops working at once: the device is
    paired again, by whoever has the new code. Errors: not_found, forbidden, revoked."""
    now = clock.now()
    async with write_transaction(KioskDevice._meta.db):
        device = await _locked(actor, device_id)
        was_paired = device.credential_hash is not None
        code = devices.new_pairing_code_for(device, now)
        device.credential_hash = None
        await device.save()
        await audit.record(
            actor,
            "kiosk.pairing_code_issued",
            f"kiosk:{device.id}",
            site_id=device.site,
            unpaired=was_paired,
        )
    return row_of(device, now), code


async def _locked(actor: StaffPrincipal, device_id: int) -> KioskDevice:
    """The device, checked for the actor and locked for the change; a revoked one is final
    (create a new tablet instead), so that revoking cannot be undone by mistake."""
    await lock_row(KioskDevice, (await devices.get_device_for(actor, device_id)).id)
    device = await devices.get_device_for(actor, device_id)
    if device.revoked_at is not None:
        raise Conflict(_("Cette tablette est désactivée."), code="revoked")
    return device


async def live_pairing_code(actor: StaffPrincipal, device_id: int, code: str | None) -> str | None:
    """``code`` if it is still the device's unused, unexpired pairing code, else None (it was
    used, replaced, or it expired: the page then offers a new one). Errors: not_found,
    forbidden."""
    device = await devices.get_device_for(actor, device_id)
    if (
        code is None
        or device.pairing_code_hash != token_hash(code)
        or state_of(device, clock.now()) != "waiting"
    ):
        return None
    return code
