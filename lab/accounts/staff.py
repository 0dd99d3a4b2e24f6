"""Staff accounts: login with throttling, roles scoped to sites, user administration."""

from __future__ import annotations

from collections.abc import Iterable

from litestar.stores.base import Store

from lab.accounts.forms import GrantInput, LoginInput, NewStaffInput, StaffUpdateInput
from lab.accounts.sites import active_site_ids, get_site_for
from lab.accounts.tables import Role, StaffUser
from lab.core import audit, clock, counters
from lab.core.audit import ANONYMOUS
from lab.core.db import fetch, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts
from lab.core.i18n import _, ngettext
from lab.core.roles import ADMIN, NETWORK_WIDE, Grant, StaffPrincipal
from lab.core.security import hash_password, password_needs_rehash, token_hash, verify_password
from lab.settings import Settings


def normalise_email(email: str) -> str:
    return email.strip().lower()


class LoginThrottle:
    """Failed logins counted per account, not per IP: a whole lab shares one IP address."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.max_failures = settings.login_max_failures
        self.lockout_seconds = settings.login_lockout_minutes * 60

    @staticmethod
    def _key(email: str) -> str:
        return f"login-failures:{token_hash(email)}"

    async def failures(self, email: str) -> int:
        return await counters.value(self.store, self._key(email))

    async def is_locked(self, email: str) -> bool:
        return await self.failures(email) >= self.max_failures

    async def failed(self, email: str) -> int:
        # Atomic: failures sent at once to several workers each count.
        return await counters.increment(self.store, self._key(email), self.lockout_seconds)

    async def succeeded(self, email: str) -> None:
        await counters.reset(self.store, self._key(email))


async def authenticate(data: LoginInput, throttle: LoginThrottle) -> StaffUser:
    """Check an e-mail and password.

    Errors: too_many_attempts (the account is locked for a while, even with the right password),
    bad_credentials (one message for an unknown e-mail and a wrong password).
    """
    email = normalise_email(data.email)
    if await throttle.is_locked(email):
        await audit.record(ANONYMOUS, "login.locked", email_hash=token_hash(email)[:16])
        minutes = throttle.lockout_seconds // 60
        raise TooManyAttempts(
            ngettext(
                "Trop d'essais pour ce compte. Réessayez dans %(num)s minute.",
                "Trop d'essais pour ce compte. Réessayez dans %(num)s minutes.",
                minutes,
            )
        )
    user = await StaffUser.objects().get(StaffUser.email == email)
    valid = verify_password(user.password_hash if user else None, data.password)
    if not user or not valid or not user.active:
        await throttle.failed(email)
        await audit.record(
            ANONYMOUS,
            "login.failed",
            f"staff:{user.id}" if user else "",
            email_hash=token_hash(email)[:16],
        )
        raise Invalid(
            _("Adresse e-mail ou mot de passe incorrect."),
            code="bad_credentials",
            field_errors={"password": _("Adresse e-mail ou mot de passe incorrect.")},
        )
    await throttle.succeeded(email)
    user.last_login_at = clock.now()
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(data.password)
    await user.save([StaffUser.last_login_at, StaffUser.password_hash])
    await audit.record(user_actor(user.id), "login.succeeded", f"staff:{user.id}")
    return user


class _StaffActor:
    actor_kind = "staff"

    def __init__(self, user_id: int) -> None:
        self.actor_id = user_id


def user_actor(user_id: int) -> _StaffActor:
    return _StaffActor(user_id)


async def load_principal(user_id: int) -> StaffPrincipal | None:
    """The principal for a session, or None if the account was deactivated meanwhile."""
    principal, _stamp = await load_principal_and_credentials(user_id)
    return principal


async def load_principal_and_credentials(user_id: int) -> tuple[StaffPrincipal | None, str]:
    """The principal for a session (None if the account was deactivated meanwhile) and the
    stamp of its credentials (see ``credentials_stamp``), read together."""
    # Every staff request asks: the account, its roles and its second factor in one statement
    # (a row per role, one with no role for an account without any; one second factor at most).
    rows = await fetch(
        StaffUser,
        "SELECT u.id, u.name, u.email, u.language, u.password_hash, r.role, r.site, "
        "t.secret AS totp_secret FROM staff_user u "
        'LEFT JOIN staff_role r ON r."user" = u.id '
        'LEFT JOIN staff_totp t ON t."user" = u.id AND t.confirmed_at IS NOT NULL '
        "WHERE u.id = {} AND u.active = {}",
        user_id,
        True,
    )
    if not rows:
        return None, ""
    user = rows[0]
    grants = tuple(Grant(row["role"], row["site"]) for row in rows if row["role"] is not None)
    principal = StaffPrincipal(
        user_id=user["id"],
        name=user["name"],
        email=user["email"],
        language=user["language"],
        grants=grants,
        all_site_ids=await active_site_ids(),
    )
    return principal, _stamp(user["password_hash"], user["totp_secret"], grants)


def _stamp(password_hash: str, totp_secret: str | None, grants: Iterable[Grant]) -> str:
    roles = sorted(f"{grant.role}@{grant.site_id or '*'}" for grant in grants)
    # The stored second-factor secret is encrypted with a random IV: a new enrolment, even of
    # the same app, is a new value.
    parts = [password_hash, totp_secret or "-", *roles]
    return token_hash("\n".join(parts))[:32]


async def credentials_stamp(user_id: int) -> str:
    """What a staff session must still match to stay open: a digest of the member's password
    hash, second factor and grants. Changing any of them (a new password, a second factor
    reset by an admin, a role given or taken) ends every session opened before, at its next
    request; the change's own session is stamped again (``accounts.auth.keep_own_session``).
    An empty stamp for an unknown or deactivated account."""
    _principal, stamp = await load_principal_and_credentials(user_id)
    return stamp


def _require_admin(actor: StaffPrincipal) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Seul un administrateur peut gérer les comptes."))


async def list_staff(actor: StaffPrincipal) -> list[dict]:
    _require_admin(actor)
    users = await StaffUser.select(
        StaffUser.id, StaffUser.name, StaffUser.email, StaffUser.active, StaffUser.last_login_at
    ).order_by(StaffUser.name)
    grants = await Role.select(Role.user, Role.role, Role.site.name.as_alias("site_name"))
    by_user: dict[int, list[dict]] = {}
    for grant in grants:
        by_user.setdefault(grant["user"], []).append(grant)
    for user in users:
        user["grants"] = by_user.get(user["id"], [])
    return users


async def get_staff_for(actor: StaffPrincipal, user_id: int) -> StaffUser:
    _require_admin(actor)
    user = await StaffUser.objects().get(StaffUser.id == user_id)
    if user is None:
        raise NotFound(_("Ce compte n'existe pas."))
    return user


async def _check_grant(actor: StaffPrincipal, role: str, site_id: int | None) -> None:
    if site_id is None and role not in NETWORK_WIDE:
        raise Invalid(
            _("Choisissez le site de ce rôle."),
            code="site_required",
            field_errors={"site_id": _("Choisissez le site de ce rôle.")},
        )
    if site_id is not None:
        try:
            await get_site_for(actor, site_id)
        except NotFound:
            raise Invalid(
                _("Ce site n'existe pas."), field_errors={"site_id": _("Ce site n'existe pas.")}
            ) from None


async def create_staff(actor: StaffPrincipal, data: NewStaffInput) -> StaffUser:
    """Admins only. Errors: forbidden, invalid (site missing for a site role), email_taken."""
    _require_admin(actor)
    await _check_grant(actor, data.role, data.site_id)
    email = normalise_email(data.email)
    async with write_transaction(StaffUser._meta.db):
        if await StaffUser.exists().where(StaffUser.email == email):
            raise Conflict(
                _("Un compte existe déjà avec cette adresse e-mail."),
                code="email_taken",
                field_errors={"email": _("Déjà utilisée.")},
            )
        user = StaffUser(
            email=email,
            name=data.name,
            password_hash=hash_password(data.password),
            active=True,
            language=data.language,
            created_at=clock.now(),
        )
        await user.save()
        await Role.insert(Role(user=user.id, site=data.site_id, role=data.role))
        await audit.record(actor, "staff.created", f"staff:{user.id}", site_id=data.site_id)
        await audit.record(
            actor, "role.granted", f"staff:{user.id}", site_id=data.site_id, role=data.role
        )
    return user


async def update_staff(actor: StaffPrincipal, user_id: int, data: StaffUpdateInput) -> StaffUser:
    """Admins only. Nobody deactivates their own account (who would undo it?).

    Errors: forbidden, not_found, self_deactivation.
    """
    async with write_transaction(StaffUser._meta.db):
        user = await get_staff_for(actor, user_id)
        if user.id == actor.user_id and not data.active:
            raise Conflict(
                _("Vous ne pouvez pas désactiver votre propre compte."), code="self_deactivation"
            )
        changed_active = user.active != data.active
        user.name = data.name
        user.language = data.language
        user.active = data.active
        await user.save()
        await audit.record(
            actor,
            "staff.deactivated" if changed_active and not data.active else "staff.updated",
            f"staff:{user.id}",
        )
    return user


async def add_grant(actor: StaffPrincipal, user_id: int, data: GrantInput) -> None:
    await _check_grant(actor, data.role, data.site_id)
    async with write_transaction(Role._meta.db):
        user = await get_staff_for(actor, user_id)
        site_clause = Role.site.is_null() if data.site_id is None else Role.site == data.site_id
        if await Role.exists().where(
            (Role.user == user.id) & (Role.role == data.role) & site_clause
        ):
            raise Conflict(_("Ce compte a déjà ce rôle sur ce site."), code="grant_exists")
        await Role.insert(Role(user=user.id, site=data.site_id, role=data.role))
        await audit.record(
            actor, "role.granted", f"staff:{user.id}", site_id=data.site_id, role=data.role
        )


async def remove_grant(actor: StaffPrincipal, user_id: int, grant_id: int) -> None:
    """Errors: not_found, last_admin (the last admin grant of the deployment stays)."""
    async with write_transaction(Role._meta.db):
        user = await get_staff_for(actor, user_id)
        grant = await Role.objects().get((Role.id == grant_id) & (Role.user == user.id))
        if grant is None:
            raise NotFound(_("Ce rôle n'existe pas."))
        if grant.role == ADMIN and await Role.count().where(Role.role == ADMIN) <= 1:
            raise Conflict(
                _(
                    "C'est le dernier compte administrateur : "
                    "donnez ce rôle à quelqu'un d'autre avant."
                ),
                code="last_admin",
            )
        await grant.remove()
        await audit.record(
            actor, "role.revoked", f"staff:{user.id}", site_id=grant.site, role=grant.role
        )


async def set_password(actor: StaffPrincipal, user_id: int, password: str) -> None:
    async with write_transaction(StaffUser._meta.db):
        user = await get_staff_for(actor, user_id)
        user.password_hash = hash_password(password)
        await user.save([StaffUser.password_hash])
        await audit.record(actor, "staff.password_reset", f"staff:{user.id}")


async def set_language(user_id: int, language: str) -> None:
    await StaffUser.update({StaffUser.language: language}).where(StaffUser.id == user_id)


# -- what other domains read of staff members (never their e-mail or password) ---------------


async def staff_names(user_ids: Iterable[int]) -> dict[int, str]:
    """{id: name} of these staff members (deactivated ones too: a name on past records)."""
    rows = await StaffUser.select(StaffUser.id, StaffUser.name).where(
        StaffUser.id.is_in(sorted(set(user_ids)) or [-1])
    )
    return {row["id"]: row["name"] for row in rows}


async def staff_member(user_id: int) -> dict | None:
    """``{id, name, active, language, email}`` of a staff member, or None for an unknown id."""
    return (
        await StaffUser.select(
            StaffUser.id, StaffUser.name, StaffUser.active, StaffUser.language, StaffUser.email
        )
        .where(StaffUser.id == user_id)
        .first()
    )


async def staff_language(user_id: int | None) -> str | None:
    """The staff member's language, or None for an unknown (or no) id."""
    if user_id is None:
        return None
    row = await StaffUser.select(StaffUser.language).where(StaffUser.id == user_id).first()
    return row["language"] if row else None


async def active_staff_count(user_ids: Iterable[int]) -> int:
    """How many of these ids are active staff members."""
    return await StaffUser.count().where(
        StaffUser.id.is_in(sorted(set(user_ids)) or [-1]) & StaffUser.active.eq(True)
    )


async def staff_at_site(site_id: int, *, also: Iterable[int] = ()) -> list[dict]:
    """``{id, name}`` of the active staff members holding a role at the site, and of those in
    ``also`` (already chosen), by name: who may be picked to work there."""
    grants = Role.select(Role.user).where(Role.site == site_id)
    return (
        await StaffUser.select(StaffUser.id, StaffUser.name)
        .where(
            StaffUser.active.eq(True)
            & (StaffUser.id.is_in(grants) | StaffUser.id.is_in(list(also) or [-1]))
        )
        .order_by(StaffUser.name)
    )
