"""Kiosk devices: created by a manager, paired by the tablet with a one-time code.

A manager creates a device and gets a pairing code valid 15 minutes; the tablet opening
``/kiosk/pair`` types (or scans) it and receives a long-lived credential for a cookie. A
revoked device is refused at once, everywhere, because every request looks it up again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts import queries as accounts
from lab.core import audit, clock
from lab.core.batching import Batcher
from lab.core.db import fetch, placeholders, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.core.security import new_token, token_hash
from lab.kiosk.pairing import PairingThrottle
from lab.kiosk.tables import KioskDevice

PAIRING_MINUTES = 15
PAIR_PATH = "/kiosk/pair"
NAME_MAX = 60
ACTIONS = ("checkin", "signup", "enrol", "book", "skills")
ACTION_LABELS = {
    "checkin": N_("Pointer sa présence"),
    "signup": N_("Créer son compte"),
    "enrol": N_("S'inscrire aux ateliers"),
    "book": N_("Réserver du matériel"),
    "skills": N_("Voir ses compétences"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class DevicePrincipal:
    """A paired tablet acting on its own (no person logged in)."""

    device_id: int
    site_id: int
    allowed_actions: frozenset[str]
    actor_kind: str = "kiosk"

    @property
    def actor_id(self) -> int:
        return self.device_id

    # The access protocol of lab.core.principals: a tablet acts for its own site only, for
    # whoever's visit is open (the visit, not the tablet, names the visitor).
    visitor_id = None
    knows_other_sites = False
    staff_id = None
    is_admin = False

    def site_ids(self, *roles: str) -> frozenset[int]:
        return frozenset() if roles else frozenset({self.site_id})

    def may(self, action: str) -> bool:
        return action in self.allowed_actions


def _require_manager(actor: StaffPrincipal, site_id: int) -> None:
    if not actor.can_reach_site(site_id, *MANAGERS):
        raise Forbidden(_("Seul un ou une responsable du site peut gérer les tablettes."))


def valid_actions(actions: list[str] | None) -> str:
    """The stored form of a choice of actions (all of them when none is given)."""
    chosen = [action for action in (ACTIONS if actions is None else actions) if action in ACTIONS]
    if not chosen:
        raise Invalid(
            _("Choisissez au moins une action permise."),
            field_errors={"allowed_actions": _("Au moins une action.")},
        )
    return ",".join(chosen)


def valid_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise Invalid(
            _("Donnez un nom à la tablette (60 caractères au maximum)."),
            field_errors={"name": _("De 1 à 60 caractères.")},
        )
    return name


def pair_url(base_url: str, code: str) -> str:
    """What a pairing QR carries. The code is in the fragment, which browsers never send: it
    stays out of every server and proxy log; the pairing page reads it from there."""
    return f"{base_url}{PAIR_PATH}#code={code}"


def new_pairing_code_for(device: KioskDevice, now: dt.datetime) -> str:
    """Give ``device`` a fresh one-time code (only its hash is kept); the caller saves it."""
    code = accounts.new_short_code()
    device.pairing_code_hash = token_hash(code)
    device.pairing_expires_at = now + dt.timedelta(minutes=PAIRING_MINUTES)
    return code


async def create_device(
    actor: StaffPrincipal, site_id: int, name: str, actions: list[str] | None = None
) -> tuple[KioskDevice, str]:
    """A new device and its pairing code (shown once, valid 15 minutes). The command line
    acts as ``lab.system.operator()``, an admin of every site, and is recorded as the system.
    Errors: forbidden, invalid (name, actions)."""
    return await _create(actor, site_id, name, actions, with_code=True)


async def create_unpaired_device(
    actor: StaffPrincipal, site_id: int, name: str, actions: list[str] | None = None
) -> KioskDevice:
    """A new device with no pairing code yet (demo data): staff issue one when the tablet is
    at hand. Errors: forbidden, invalid (name, actions)."""
    device, _ = await _create(actor, site_id, name, actions, with_code=False)
    return device


async def _create(
    actor: StaffPrincipal,
    site_id: int,
    name: str,
    actions: list[str] | None,
    *,
    with_code: bool,
) -> tuple[KioskDevice, str]:
    """The new device, and its pairing code ("" when ``with_code`` is false)."""
    _require_manager(actor, site_id)
    now = clock.now()
    async with write_transaction(KioskDevice._meta.db):
        device = KioskDevice(
            site=site_id,
            name=valid_name(name),
            allowed_actions=valid_actions(actions),
            created_by=actor.actor_id,
            created_at=now,
        )
        code = new_pairing_code_for(device, now) if with_code else ""
        await device.save()
        await audit.record(actor, "kiosk.created", f"kiosk:{device.id}", site_id=site_id)
    return device, code


async def pair(code: str, throttle: PairingThrottle | None = None) -> tuple[KioskDevice, str]:
    """Trade a pairing code for the device's credential. With ``throttle`` (the pairing
    page's), wrong codes are counted and, past a limit, every code is refused for a while,
    the right one too (lab.kiosk.pairing). Errors: bad_pairing_code (unknown, used or
    expired: one message, so codes cannot be probed), pairing_locked (429, with the wait)."""
    if throttle is not None:
        await throttle.check()
    wanted = token_hash(accounts.normalise_short_code(code))
    now = clock.now()
    paired = await _pair(wanted, now, throttle)
    if paired is None:
        raise Invalid(
            _("Ce code ne fonctionne pas : il est faux, déjà utilisé ou expiré."),
            code="bad_pairing_code",
        )
    return paired


async def _pair(
    wanted: str, now: dt.datetime, throttle: PairingThrottle | None
) -> tuple[KioskDevice, str] | None:
    """The device whose code hashes to ``wanted`` paired, with its credential; None (the
    wrong code counted) when no valid code matches."""
    async with write_transaction(KioskDevice._meta.db):
        device = await KioskDevice.objects().get(KioskDevice.pairing_code_hash == wanted)
        if throttle is not None and device is not None:
            await throttle.check(device.site)  # the code's site is known: its count too
        if (
            device is None
            or device.revoked_at is not None
            or device.pairing_expires_at is None
            or device.pairing_expires_at < now
        ):
            if throttle is not None:
                await throttle.failed(device.site if device is not None else None)
            return None
        credential = new_token(32)
        device.credential_hash = token_hash(credential)
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        device.paired_at = now
        device.last_seen_at = now
        await device.save()
        await audit.record(
            DevicePrincipal(device.id, device.site, frozenset()),
            "kiosk.paired",
            f"kiosk:{device.id}",
            site_id=device.site,
        )
    return device, credential


# A tablet's last request is written down at most this often (the tablets page shows it).
SEEN_EVERY = dt.timedelta(minutes=1)


async def device_for(credential: str | None) -> DevicePrincipal | None:
    """The principal of a paired, unrevoked device, or None."""
    if not credential or len(credential) > 100:
        return None
    device = await _LOOKUPS.submit(token_hash(credential))
    if device is None or device["revoked_at"] is not None:
        return None
    return DevicePrincipal(
        device["id"], device["site"], frozenset(device["allowed_actions"].split(","))
    )


async def _look_up(hashes: list[str]) -> list[dict | None]:
    """The devices whose credentials hash to ``hashes``, in order (None: no such device),
    their last request written down if it is older than ``SEEN_EVERY``.

    Every request of a tablet asks this, so the requests that arrive together (a busy
    morning's check-ins) are answered by one plain statement (see lab.core.db, "hot paths"
    and lab.core.batching), after they arrived: a revoked tablet is refused on its next
    request still."""
    wanted = sorted(set(hashes))
    rows = await fetch(
        KioskDevice,
        "SELECT id, credential_hash, site, allowed_actions, revoked_at, last_seen_at "  # noqa: S608
        f"FROM kiosk_device WHERE credential_hash IN ({placeholders(wanted)})",
        *wanted,
    )
    now = clock.now()
    unseen = sorted(
        row["id"]
        for row in rows
        if row["revoked_at"] is None
        and (row["last_seen_at"] is None or now - row["last_seen_at"] > SEEN_EVERY)
    )
    if unseen:
        await fetch(
            KioskDevice,
            f"UPDATE kiosk_device SET last_seen_at = {{}} WHERE id IN ({placeholders(unseen)})",  # noqa: S608
            now,
            *unseen,
        )
    found = {row["credential_hash"]: row for row in rows}
    return [found.get(hashed) for hashed in hashes]


_LOOKUPS: Batcher[str, dict | None] = Batcher(_look_up)


async def get_device_for(actor: StaffPrincipal, device_id: int) -> KioskDevice:
    device = await KioskDevice.objects().get(KioskDevice.id == device_id)
    if device is None:
        raise NotFound(_("Cette tablette n'existe pas."))
    _require_manager(actor, device.site)
    return device


async def revoke(actor: StaffPrincipal, device_id: int) -> KioskDevice:
    """Refuse the device from its next request on. Errors: not_found, forbidden, revoked."""
    async with write_transaction(KioskDevice._meta.db):
        device = await get_device_for(actor, device_id)
        if device.revoked_at is not None:
            raise Conflict(_("Cette tablette est déjà désactivée."), code="revoked")
        device.revoked_at = clock.now()
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        await device.save()
        await audit.record(actor, "kiosk.revoked", f"kiosk:{device.id}", site_id=device.site)
    return device


async def list_devices(actor: StaffPrincipal, site_id: int) -> list[KioskDevice]:
    _require_manager(actor, site_id)
    return await KioskDevice.objects().where(KioskDevice.site == site_id).order_by(KioskDevice.name)
