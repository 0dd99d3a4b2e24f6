"""One frozen Settings object, read from ``LAB_*`` environment variables.

A wrong value stops start-up with a message that names the variable and says what it expects:
a lab run by a small team must not start half-configured and fail later in front of visitors.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "en", "nl")


class SettingsError(ValueError):
    """A LAB_* variable has a value lab cannot use."""


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    base_url: str
    host: str
    port: int
    lab_name: str
    default_language: str
    default_timezone: str
    cookie_secure: bool
    session_idle_minutes: int
    session_max_hours: int
    login_max_failures: int
    login_lockout_minutes: int
    data_dir: Path
    debug: bool
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str = ""
    smtp_from: str = "lab <no-reply@localhost>"
    smtp_starttls: bool = True
    # The longest a drop-in visit left open until closing counts (lab.visits).
    visit_max_minutes: int = 240
    # Reports: the smallest count a funder's file or an aggregate-only page may show (k; 1 shows
    # every count), and the weekly activity hours a young person aims at (Contrat d'engagement
    # jeune: 15 to 20).
    report_min_cell: int = 11
    weekly_activity_hours: int = 15
    # Backups (lab.core.backup): a key to encrypt them (64 hex digits, or a passphrase of 16
    # characters or more), and where `lab backup` writes them (default LAB_DATA_DIR/backups).
    backup_key: str | None = dataclasses.field(default=None, repr=False)
    backup_dir: Path | None = None
    # Retention (lab.retention), in days: the audit log, the kiosk journals (scans and
    # their reviews) and mail sent; and how often the retention job runs, in hours.
    retain_audit_days: int = 365
    retain_journal_days: int = 90
    retain_outbox_days: int = 30
    retention_interval_hours: int = 24
    # A visitor's record is anonymised (lab.accounts.erasure) this many years after their last
    # contact, but not before they reach the age a mission locale follows people to (26 in
    # France, 25 in Belgium), whichever comes later; signatures on sign-in sheets are kept
    # this many years for the funders' audits, without the rest of the record.
    retain_visitor_years: int = 2
    follow_up_age_fr: int = 26
    follow_up_age_be: int = 25
    retain_signed_sheets_years: int = 10
    # How long a request waits for a busy database (SQLite's write lock, a new PostgreSQL
    # connection) before it answers 503 with Retry-After, in seconds.
    db_wait_seconds: int = 10

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: ``sqlite:///relative/or/absolute.db``, relative to the project root."""
        raw = self.database_url.split("sqlite:///", 1)[1]
        path = Path(raw)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("LAB_DATA_DIR", str(PROJECT_ROOT / "var")))
        values: dict[str, object] = {
            "database_url": _database_url(env.get("LAB_DATABASE_URL", ""), data_dir),
            "redis_url": _redis_url(env.get("LAB_REDIS_URL", "")),
            "secret_key": env.get("LAB_SECRET_KEY", ""),
            "base_url": _base_url(env.get("LAB_BASE_URL", "http://127.0.0.1:8000")),
            "host": env.get("LAB_HOST", "127.0.0.1"),
            "port": _int(env, "LAB_PORT", 8000, 1, 65535),
            "lab_name": _text(env, "LAB_NAME", "Lab — Mission locale"),
            "default_language": _choice(env, "LAB_DEFAULT_LANGUAGE", "fr", LANGUAGES),
            "default_timezone": _timezone(env.get("LAB_DEFAULT_TIMEZONE", "Europe/Paris")),
            "cookie_secure": _bool(env, "LAB_COOKIE_SECURE", None),
            "session_idle_minutes": _int(env, "LAB_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
            "session_max_hours": _int(env, "LAB_SESSION_MAX_HOURS", 12, 1, 24 * 7),
            "login_max_failures": _int(env, "LAB_LOGIN_MAX_FAILURES", 5, 1, 1000),
            "login_lockout_minutes": _int(env, "LAB_LOGIN_LOCKOUT_MINUTES", 15, 1, 24 * 60),
            "data_dir": data_dir,
            "debug": _bool(env, "LAB_DEBUG", False),
            "smtp_host": env.get("LAB_SMTP_HOST") or None,
            "smtp_port": _int(env, "LAB_SMTP_PORT", 587, 1, 65535),
            "smtp_user": env.get("LAB_SMTP_USER") or None,
            "smtp_password": env.get("LAB_SMTP_PASSWORD", ""),
            "smtp_from": _text(env, "LAB_SMTP_FROM", "lab <no-reply@localhost>"),
            "smtp_starttls": _bool(env, "LAB_SMTP_STARTTLS", True),
            "visit_max_minutes": _int(env, "LAB_VISIT_MAX_MINUTES", 240, 1, 24 * 60),
            "report_min_cell": _int(env, "LAB_REPORT_MIN_CELL", 11, 1, 1000),
            "weekly_activity_hours": _int(env, "LAB_WEEKLY_ACTIVITY_HOURS", 15, 1, 80),
            "backup_key": _backup_key(env.get("LAB_BACKUP_KEY", "")),
            "backup_dir": Path(env["LAB_BACKUP_DIR"]) if env.get("LAB_BACKUP_DIR") else None,
            "retain_audit_days": _int(env, "LAB_RETAIN_AUDIT_DAYS", 365, 30, 36500),
            "retain_journal_days": _int(env, "LAB_RETAIN_JOURNAL_DAYS", 90, 30, 36500),
            "retain_outbox_days": _int(env, "LAB_RETAIN_OUTBOX_DAYS", 30, 1, 36500),
            "retention_interval_hours": _int(env, "LAB_RETENTION_INTERVAL_HOURS", 24, 1, 24 * 30),
            "retain_visitor_years": _int(env, "LAB_RETAIN_VISITOR_YEARS", 2, 1, 100),
            "follow_up_age_fr": _int(env, "LAB_FOLLOW_UP_AGE_FR", 26, 0, 120),
            "follow_up_age_be": _int(env, "LAB_FOLLOW_UP_AGE_BE", 25, 0, 120),
            "retain_signed_sheets_years": _int(env, "LAB_RETAIN_SIGNED_SHEETS_YEARS", 10, 1, 100),
            "db_wait_seconds": _int(env, "LAB_DB_WAIT_SECONDS", 10, 1, 600),
        }
        values.update(overrides)
        if values["cookie_secure"] is None:
            # Secure cookies whenever the public address is HTTPS; plain http only works locally.
            values["cookie_secure"] = str(values["base_url"]).startswith("https://")
        if not values["secret_key"]:
            values["secret_key"] = _embedded_secret(Path(str(values["data_dir"])))
        if len(str(values["secret_key"])) < 32:
            raise SettingsError("LAB_SECRET_KEY must be at least 32 characters long.")
        return cls(**values)  # type: ignore[arg-type]


def _database_url(raw: str, data_dir: Path) -> str:
    if not raw:
        return f"sqlite:///{data_dir / 'lab.sqlite3'}"
    scheme = urlsplit(raw).scheme
    if scheme == "sqlite" and raw.startswith("sqlite:///") and len(raw) > len("sqlite:///"):
        return raw
    if scheme in {"postgres", "postgresql"}:
        parts = urlsplit(raw)
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(
                "LAB_DATABASE_URL must name a host and a database, "
                "e.g. postgres://lab:secret@127.0.0.1:5432/lab"
            )
        return raw
    raise SettingsError(
        "LAB_DATABASE_URL must start with postgres:// (PostgreSQL) or sqlite:/// (a file); "
        f"got {scheme or 'no scheme'!r}."
    )


def _backup_key(raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) < 16:
        raise SettingsError(
            "LAB_BACKUP_KEY must be 64 hexadecimal digits (openssl rand -hex 32) "
            "or a passphrase of at least 16 characters."
        )
    return raw


def _redis_url(raw: str) -> str | None:
    if not raw:
        return None
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise SettingsError("LAB_REDIS_URL must start with redis://, rediss:// or unix://.")
    return raw


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(
            "LAB_BASE_URL must be the lab's public address, e.g. https://lab.example.org"
        )
    return raw.rstrip("/")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number; got {raw!r}.") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}; got {value}.")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool | None) -> bool | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false; got {raw!r}.")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).strip()
    if not value or len(value) > 80:
        raise SettingsError(f"{name} must be between 1 and 80 characters.")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"LAB_DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Paris; got {value!r}."
        ) from None
    return value


def _embedded_secret(data_dir: Path) -> str:
    """For the embedded setup, keep a generated secret in var/ so restarts keep sessions valid.

    A multi-host deployment must set LAB_SECRET_KEY itself (every host needs the same one).
    """
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
