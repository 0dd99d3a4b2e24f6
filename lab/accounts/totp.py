"""Staff accounts' second factor: TOTP codes (RFC 6238) and one-time recovery codes.

Required for the roles that manage sites or the network (``MANAGERS``), optional for
facilitators. The shared secret is stored encrypted (Fernet, with a key derived from the
deployment's secret key: a copy of the database alone opens nothing). A code is accepted once:
its time step must be later than the last accepted one. Recovery codes are random (60 bits),
kept as SHA-256 hashes and each works once. Wrong codes count against the same per-account
throttle as wrong passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lab.accounts.staff import user_actor
from lab.accounts.tables import StaffRecoveryCode, StaffTotp, StaffUser
from lab.core import audit, clock
from lab.core.db import fetch, write_transaction
from lab.core.errors import Conflict, Invalid, NotFound, TooManyAttempts
from lab.core.i18n import _, ngettext
from lab.core.roles import MANAGERS, StaffPrincipal

ISSUER = "lab"
STEP_SECONDS = 30
# A code typed just as it changed is still accepted (one step either side), never twice.
VALID_WINDOW = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read and typed aloud


def _fernet(secret_key: str) -> Fernet:
    # A key of its own: the secret key itself also signs cookies.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lab staff second factor"
    ).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_secret(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode("ascii")).decode("ascii")


def decrypt_secret(stored: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(stored.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise ValueError("the second-factor secret does not open with this secret key") from None


def requires_second_factor(roles: set[str] | tuple[str, ...]) -> bool:
    """Whether holding these roles makes the second factor compulsory."""
    return any(role in MANAGERS for role in roles)


async def roles_of(user_id: int) -> set[str]:
    rows = await fetch(StaffUser, 'SELECT role FROM staff_role WHERE "user" = {}', user_id)
    return {row["role"] for row in rows}


async def is_enrolled(user_id: int) -> bool:
    return await StaffTotp.exists().where(
        (StaffTotp.user == user_id) & StaffTotp.confirmed_at.is_not_null()
    )


async def state(user_id: int) -> dict:
    """``{enrolled, required, recovery_left}`` for the account page, in one statement."""
    _grants, second_factor = await grants_and_state(user_id)
    return second_factor


async def grants_and_state(user_id: int) -> tuple[list[dict], dict]:
    """The member's grants (``{id, role, site, site_name}``) and ``state(user_id)``, in one
    statement: the admin's page of an account asks for both."""
    rows = await fetch(
        StaffTotp,
        "SELECT r.id, r.role, r.site, s.name AS site_name, "
        '(SELECT COUNT(*) FROM staff_totp t WHERE t."user" = u.id '
        "AND t.confirmed_at IS NOT NULL) AS enrolled, "
        '(SELECT COUNT(*) FROM staff_recovery_code c WHERE c."user" = u.id '
        "AND c.used_at IS NULL) AS recovery_left "
        'FROM staff_user u LEFT JOIN staff_role r ON r."user" = u.id '
        "LEFT JOIN site s ON s.id = r.site WHERE u.id = {} ORDER BY r.id",
        user_id,
    )
    grants = [
        {key: row[key] for key in ("id", "role", "site", "site_name")}
        for row in rows
        if row["role"] is not None
    ]
    enrolled = bool(rows and rows[0]["enrolled"])
    return grants, {
        "enrolled": enrolled,
        "required": requires_second_factor({grant["role"] for grant in grants}),
        "recovery_left": rows[0]["recovery_left"] if enrolled else 0,
    }


def _step(moment_seconds: float) -> int:
    return int(moment_seconds // STEP_SECONDS)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def pretty_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_secret() -> str:
    """A fresh shared secret (160 bits, base32), for an enrolment about to be shown."""
    return pyotp.random_base32(32)


def _matching_step(secret: str, code: str, after_step: int) -> int | None:
    """The time step at which ``code`` is valid now (± the window), if later than
    ``after_step``; else None."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now().timestamp()
    current = _step(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step <= after_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _recovery_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def _wrong_code() -> Invalid:
    message = _("Ce code ne convient pas. Attendez le code suivant et réessayez.")
    return Invalid(message, code="bad_code", field_errors={"code": message})


async def _check_throttle(throttle, email: str) -> None:
    if await throttle.is_locked(email):
        minutes = throttle.lockout_seconds // 60
        raise TooManyAttempts(
            ngettext(
                "Trop d'essais pour ce compte. Réessayez dans %(num)s minute.",
                "Trop d'essais pour ce compte. Réessayez dans %(num)s minutes.",
                minutes,
            )
        )


async def _email(user_id: int) -> str:
    row = await StaffUser.select(StaffUser.email).where(StaffUser.id == user_id).first()
    if row is None:
        raise NotFound(_("Ce compte n'existe pas."))
    return row["email"]


async def confirm_enrolment(
    user_id: int, secret: str, code: str, secret_key: str, throttle
) -> list[str]:
    """Enrol with the secret shown (and scanned), confirmed by a first code from the app;
    returns the recovery codes (shown once, only their hashes kept).
    Errors: too_many_attempts, bad_code, already_enrolled."""
    email = await _email(user_id)
    await _check_throttle(throttle, email)
    step = _matching_step(secret, code, 0)
    if step is None:
        await throttle.failed(email)
        await audit.record(user_actor(user_id), "totp.failed", f"staff:{user_id}", stage="enrol")
        raise _wrong_code()
    async with write_transaction(StaffTotp._meta.db):
        if await StaffTotp.exists().where(StaffTotp.user == user_id):
            raise Conflict(
                _("Ce compte a déjà une double authentification."), code="already_enrolled"
            )
        now = clock.now()
        await StaffTotp.insert(
            StaffTotp(
                user=user_id,
                secret=encrypt_secret(secret, secret_key),
                created_at=now,
                confirmed_at=now,
                last_step=step,
            )
        )
        codes = await _replace_recovery_codes(user_id)
        await audit.record(user_actor(user_id), "totp.enrolled", f"staff:{user_id}")
    await throttle.succeeded(email)
    return codes


async def _replace_recovery_codes(user_id: int) -> list[str]:
    await StaffRecoveryCode.delete().where(StaffRecoveryCode.user == user_id)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    now = clock.now()
    await StaffRecoveryCode.insert(
        *(
            StaffRecoveryCode(user=user_id, code_hash=_recovery_hash(code), created_at=now)
            for code in codes
        )
    )
    return codes


async def verify(user_id: int, code: str, secret_key: str, throttle) -> str:
    """The second step of a login: a current code (not used before) or an unused recovery
    code. Returns ``"totp"`` or ``"recovery"``. Errors: too_many_attempts, bad_code."""
    email = await _email(user_id)
    await _check_throttle(throttle, email)
    typed = code.strip()
    async with write_transaction(StaffTotp._meta.db):
        row = await StaffTotp.objects().get(
            (StaffTotp.user == user_id) & StaffTotp.confirmed_at.is_not_null()
        )
        if row is None:
            raise NotFound(_("Ce compte n'a pas de double authentification."))
        step = _matching_step(decrypt_secret(row.secret, secret_key), typed, row.last_step)
        if step is not None:
            # Conditional on the step read: two requests with one code, only one wins.
            updated = (
                await StaffTotp.update({StaffTotp.last_step: step})
                .where((StaffTotp.id == row.id) & (StaffTotp.last_step < step))
                .returning(StaffTotp.id)
            )
            if updated:
                await audit.record(user_actor(user_id), "totp.verified", f"staff:{user_id}")
                method = "totp"
            else:
                method = None
        else:
            method = None
            if len("".join(ch for ch in typed if ch.isalnum())) == 12:
                used = (
                    await StaffRecoveryCode.update({StaffRecoveryCode.used_at: clock.now()})
                    .where(
                        (StaffRecoveryCode.user == user_id)
                        & (StaffRecoveryCode.code_hash == _recovery_hash(typed))
                        & StaffRecoveryCode.used_at.is_null()
                    )
                    .returning(StaffRecoveryCode.id)
                )
                if used:
                    left = await StaffRecoveryCode.count().where(
                        (StaffRecoveryCode.user == user_id) & StaffRecoveryCode.used_at.is_null()
                    )
                    await audit.record(
                        user_actor(user_id), "totp.recovery_used", f"staff:{user_id}", left=left
                    )
                    method = "recovery"
    if method is None:
        await throttle.failed(email)
        await audit.record(user_actor(user_id), "totp.failed", f"staff:{user_id}", stage="login")
        raise _wrong_code()
    await throttle.succeeded(email)
    return method


async def reset(actor: StaffPrincipal, user_id: int) -> None:
    """An admin removes a staff member's second factor (a lost phone): they enrol again at
    their next login (at once if their role requires it). Errors: forbidden, not_found."""
    from lab.accounts.staff import get_staff_for  # staff imports this module

    async with write_transaction(StaffTotp._meta.db):
        user = await get_staff_for(actor, user_id)
        await StaffTotp.delete().where(StaffTotp.user == user.id)
        await StaffRecoveryCode.delete().where(StaffRecoveryCode.user == user.id)
        await audit.record(actor, "totp.reset", f"staff:{user.id}")


async def remove_own(user_id: int) -> None:
    """A facilitator turns their optional second factor off (refused where it is required)."""
    if requires_second_factor(await roles_of(user_id)):
        raise Invalid(
            _("Votre rôle demande la double authentification : elle reste active."),
            code="second_factor_required",
        )
    async with write_transaction(StaffTotp._meta.db):
        await StaffTotp.delete().where(StaffTotp.user == user_id)
        await StaffRecoveryCode.delete().where(StaffRecoveryCode.user == user_id)
        await audit.record(user_actor(user_id), "totp.removed", f"staff:{user_id}")
