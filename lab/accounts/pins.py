"""The visitor's 4-digit PIN: with the pass, it opens their personal views (kiosk and /me).

A photographed or lost pass alone opens nothing personal. Four digits are few, so wrong tries
are limited per person (that is, per pass, whatever the device): after ``MAX_FAILURES`` wrong
PINs the pass is locked for ``LOCK_MINUTES``, and staff can reset the PIN at the desk. The
count lives in the database so that it holds across workers and restarts.
"""

from __future__ import annotations

import datetime as dt
import re

from lab.accounts import passes
from lab.accounts.tables import Visitor, VisitorPin
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import write_transaction
from lab.core.errors import Invalid, TooManyAttempts
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.core.security import hash_password, verify_password

MAX_FAILURES = 5
LOCK_MINUTES = 15
_PIN = re.compile(r"^[0-9]{4}$")
# Too easy to guess by someone looking over a shoulder: refused when chosen.
_WEAK = frozenset({"0000", "1111", "2222", "3333", "4444", "5555", "6666", "7777", "8888", "9999",
                   "1234", "4321", "0123", "9876"})  # fmt: skip


def check_new_pin(pin: str, confirm: str | None = None) -> str:
    """A PIN one may choose. Errors: invalid (field_errors on pin / pin_confirm)."""
    pin = (pin or "").strip()
    if not _PIN.match(pin):
        raise Invalid(
            _("Le code doit avoir 4 chiffres."),
            field_errors={"pin": _("Choisissez 4 chiffres.")},
        )
    if pin in _WEAK:
        raise Invalid(
            _("Ce code est trop facile à deviner."),
            field_errors={"pin": _("Ce code est trop facile à deviner. Choisissez-en un autre.")},
        )
    if confirm is not None and confirm.strip() != pin:
        raise Invalid(
            _("Les deux codes ne sont pas les mêmes."),
            field_errors={"pin_confirm": _("Tapez le même code deux fois.")},
        )
    return pin


async def set_pin_in_transaction(actor: Actor, visitor_id: int, pin: str) -> None:
    """Set (or replace) the PIN and clear any lock. Call inside a write transaction."""
    now = clock.now()
    set_by = actor.actor_id if actor.actor_kind == "staff" else None  # not a tablet's id
    existing = await VisitorPin.objects().get(VisitorPin.visitor == visitor_id)
    row = existing or VisitorPin(visitor=visitor_id)
    row.pin_hash = hash_password(pin)
    row.failed_attempts = 0
    row.locked_until = None
    row.set_at = now
    row.set_by = set_by
    await row.save()
    await audit.record(actor, "pin.set", f"visitor:{visitor_id}", visitor_id=visitor_id)


async def reset_pin(actor: StaffPrincipal, visitor: Visitor, pin: str, confirm: str) -> None:
    """Staff set a new PIN that the visitor typed at the desk (and unlock the pass).
    The caller has checked the actor may reach ``visitor``. Errors: invalid."""
    pin = check_new_pin(pin, confirm)
    async with write_transaction(VisitorPin._meta.db):
        await set_pin_in_transaction(actor, visitor.id, pin)


async def has_pin(visitor_id: int) -> bool:
    return await VisitorPin.exists().where(VisitorPin.visitor == visitor_id)


async def pin_set(visitor_id: int) -> dict | None:
    """``{set_at, set_by}`` of the visitor's PIN (``set_by`` a staff id, or None when the visitor
    chose it), or None without a PIN. Never its hash."""
    return (
        await VisitorPin.select(VisitorPin.set_at, VisitorPin.set_by)
        .where(VisitorPin.visitor == visitor_id)
        .first()
    )


async def is_locked(visitor_id: int) -> bool:
    row = await VisitorPin.objects().get(VisitorPin.visitor == visitor_id)
    return bool(row and row.locked_until and row.locked_until > clock.now())


def _locked() -> TooManyAttempts:
    return TooManyAttempts(
        _("Trop d'essais. Ce code est bloqué 15 minutes. Un membre de l'équipe peut vous aider."),
        code="pin_locked",
    )


async def verify_pin(actor: Actor, visitor_id: int, pin: str) -> None:
    """Check the visitor's PIN. Errors: no_pin (never chosen: ask staff), pin_locked (429),
    wrong_pin (422, with the tries left)."""
    now = clock.now()
    async with write_transaction(VisitorPin._meta.db):
        row = await VisitorPin.objects().get(VisitorPin.visitor == visitor_id)
        if row is None:
            raise Invalid(
                _("Vous n'avez pas encore de code secret. Demandez à l'équipe d'en créer un."),
                code="no_pin",
            )
        if row.locked_until and row.locked_until > now:
            raise _locked()
        if _PIN.match(pin or "") and verify_password(row.pin_hash, pin):
            if row.failed_attempts:
                row.failed_attempts = 0
                row.locked_until = None
                await row.save()
            return
        row.failed_attempts += 1
        locked = row.failed_attempts >= MAX_FAILURES
        if locked:
            row.failed_attempts = 0
            row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        await row.save()
        await audit.record(
            actor,
            "pin.locked" if locked else "pin.wrong",
            f"visitor:{visitor_id}",
            visitor_id=visitor_id,
        )
        left = MAX_FAILURES - row.failed_attempts
    if locked:
        raise _locked()
    raise Invalid(
        _("Ce code n'est pas le bon. Il vous reste %(left)d essai(s).") % {"left": left},
        code="wrong_pin",
        field_errors={"pin": _("Ce code n'est pas le bon.")},
    )


async def sign_in(actor: Actor, code: str, pin: str) -> Visitor:
    """The visitor named by a pass (scanned URL, token or short code) whose PIN is right.

    Errors: unknown_pass (404-like, one message for unknown and revoked), and those of
    verify_pin.
    """
    visitor, _token = await passes.visitor_for_code(code or "")
    if visitor is None:
        raise Invalid(
            _("Cette carte n'est pas valable. Demandez à l'équipe."),
            code="unknown_pass",
            field_errors={"code": _("Cette carte n'est pas valable.")},
        )
    await verify_pin(actor, visitor.id, pin)
    return visitor
