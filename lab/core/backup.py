"""Backups and restores: one file holding the database and the badges' signing keys.

``create_backup`` copies the database while the lab runs (SQLite's online backup API, a
consistent snapshot even while requests write; ``pg_dump`` in its custom format for PostgreSQL),
adds ``LAB_DATA_DIR/badge-keys/`` and a manifest (lab version, engine, last migration, time,
SHA-256 of each member), and writes one file:

    LABBACK1 | mode (1 byte) | body

- mode ``P`` (plain): body = SHA-256 of the archive (32 bytes) + the archive (a .tar.gz);
- mode ``E`` (encrypted with ``LAB_BACKUP_KEY``): body = scrypt salt (16 bytes) + nonce
  (12 bytes) + AES-256-GCM of the archive, authenticated with the header as associated data.

``restore_backup`` checks the file (checksum, or the key and the authentication tag), the engine
and the migration, and refuses a database that holds data unless told to replace it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lab.settings import PROJECT_ROOT, Settings

MAGIC = b"LABBACK1"
PLAIN = b"P"
ENCRYPTED = b"E"
FORMAT = 1
SALT_BYTES = 16
NONCE_BYTES = 12
# scrypt for a passphrase key: about 0.1 s and 32 MiB, once per backup or restore.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1

SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MANIFEST_MEMBER = "manifest.json"
KEYS_MEMBER = "badge-keys"
# Rows `lab migrate` itself writes (the shipped competence frameworks and practical skills):
# a database holding only these is still empty.
SEEDED_TABLES = frozenset({"skill_framework_entry", "skill"})


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str  # of the whole file, as `sha256sum` prints it
    encrypted: bool
    manifest: dict[str, object]


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    engine: str
    migration: str | None
    created_at: str
    replaced_tables: dict[str, int]  # table -> rows it held before (with --force)
    keys_restored: int
    keys_set_aside: Path | None


# --- engines -----------------------------------------------------------------------------


def engine_name(settings: Settings) -> str:
    return "sqlite" if settings.uses_sqlite else "postgresql"


def _libpq_url(settings: Settings) -> str:
    url = settings.database_url
    return "postgresql" + url[len("postgres") :] if url.startswith("postgres://") else url


def _lab_tables() -> list[str]:
    from lab.piccolo_app import APP_CONFIG

    return [table._meta.tablename for table in APP_CONFIG.table_classes]


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "major version (Debian: postgresql-client)."
        )
    return path


def _run(command: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    # The tools' names come from PATH and the arguments from settings, never from a request.
    result = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{what} failed: {' '.join(detail[-3:]) or 'no message'}")
    return result


def _psql(settings: Settings, sql: str) -> list[list[str]]:
    result = _run(
        [
            _pg_tool("psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-F",
            "\t",
            "-d",
            _libpq_url(settings),
            "-c",
            sql,
        ],
        "psql",
    )
    lines = result.stdout.decode().splitlines()
    return [line.split("\t") for line in lines if line]


def table_counts(settings: Settings) -> dict[str, int]:
    """Rows in each lab table the database has (tables not created yet are left out)."""
    wanted = _lab_tables()
    if settings.uses_sqlite:
        path = settings.sqlite_path
        if not path.exists():
            return {}
        connection = sqlite3.connect(path)
        try:
            present = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            return {
                name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in wanted
                if name in present
            }
        finally:
            connection.close()
    present = {
        row[0]
        for row in _psql(
            settings, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    }
    names = [name for name in wanted if name in present]
    if not names:
        return {}
    # Table names come from the lab's own table classes.
    sql = " UNION ALL ".join(
        f"SELECT '{name}', count(*) FROM \"{name}\""  # noqa: S608 (the lab's table names)
        for name in names
    )
    return {name: int(count) for name, count in _psql(settings, sql)}


def data_counts(settings: Settings) -> dict[str, int]:
    """The tables holding data (rows other than what `lab migrate` writes)."""
    return {
        name: count
        for name, count in table_counts(settings).items()
        if count and name not in SEEDED_TABLES
    }


def last_migration(settings: Settings) -> str | None:
    sql = "SELECT name FROM migration WHERE app_name = 'lab' ORDER BY name DESC LIMIT 1"
    if settings.uses_sqlite:
        if not settings.sqlite_path.exists():
            return None
        connection = sqlite3.connect(settings.sqlite_path)
        try:
            row = connection.execute(sql).fetchone()
        except sqlite3.OperationalError:
            return None
        finally:
            connection.close()
        return row[0] if row else None
    exists = _psql(settings, "SELECT to_regclass('migration') IS NOT NULL")
    if not exists or exists[0][0] != "t":
        return None
    rows = _psql(settings, sql)
    return rows[0][0] if rows else None


def known_migrations() -> list[str]:
    """The ids of the migrations this version of lab ships (as the migration table holds them)."""
    folder = PROJECT_ROOT / "piccolo_migrations"
    found = (re.search(r'^ID = "([^"]+)"', p.read_text(), re.M) for p in folder.glob("lab_*.py"))
    return sorted(match.group(1) for match in found if match)


# --- keys --------------------------------------------------------------------------------


def _key(settings: Settings, salt: bytes) -> bytes:
    raw = settings.backup_key
    if not raw:
        raise BackupError(
            "this backup is encrypted: set LAB_BACKUP_KEY to the key it was made with."
        )
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) == 32:
        return key
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(raw.encode())


def _seal(settings: Settings, archive: bytes) -> bytes:
    if not settings.backup_key:
        return MAGIC + PLAIN + hashlib.sha256(archive).digest() + archive
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = MAGIC + ENCRYPTED
    sealed = AESGCM(_key(settings, salt)).encrypt(nonce, archive, header + salt)
    return header + salt + nonce + sealed


def _open(settings: Settings, data: bytes) -> bytes:
    if data[: len(MAGIC)] != MAGIC:
        raise BackupError("not a lab backup file (its first bytes are not a lab backup's).")
    mode, body = data[len(MAGIC) : len(MAGIC) + 1], data[len(MAGIC) + 1 :]
    if mode == PLAIN:
        digest, archive = body[:32], body[32:]
        if len(digest) < 32 or hashlib.sha256(archive).digest() != digest:
            raise BackupError("the backup file is damaged or altered: its checksum does not match.")
        return archive
    if mode == ENCRYPTED:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt = body[:SALT_BYTES]
        nonce = body[SALT_BYTES : SALT_BYTES + NONCE_BYTES]
        sealed = body[SALT_BYTES + NONCE_BYTES :]
        try:
            return AESGCM(_key(settings, salt)).decrypt(nonce, sealed, MAGIC + mode + salt)
        except (InvalidTag, ValueError):
            raise BackupError(
                "the backup cannot be decrypted: LAB_BACKUP_KEY is not the key it was made with, "
                "or the file is damaged or altered."
            ) from None
    raise BackupError("not a lab backup file (unknown format).")


# --- backup ------------------------------------------------------------------------------


def default_path(settings: Settings, now: dt.datetime | None = None) -> Path:
    moment = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = settings.backup_dir or settings.data_dir / "backups"
    return folder / f"lab-{moment}.labbackup"


def _dump_database(settings: Settings, folder: Path) -> Path:
    if settings.uses_sqlite:
        source_path = settings.sqlite_path
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}: nothing to back up.")
        target = folder / SQLITE_MEMBER
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # online: a consistent snapshot while the lab writes
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        return target
    target = folder / POSTGRES_MEMBER
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={_libpq_url(settings)}",
        ],
        "pg_dump",
    )
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(settings: Settings, output: Path | None = None) -> BackupResult:
    """Write one backup file (to ``output``, or LAB_BACKUP_DIR) and a ``.sha256`` beside it."""
    from lab import __version__

    now = dt.datetime.now(dt.UTC)
    path = Path(output) if output else default_path(settings, now)
    with tempfile.TemporaryDirectory(prefix="lab-backup-") as scratch:
        folder = Path(scratch)
        dump = _dump_database(settings, folder)
        members: dict[str, str] = {dump.name: _sha256(dump)}
        key_dir = settings.data_dir / KEYS_MEMBER
        key_files = (
            sorted(p for p in key_dir.iterdir() if p.is_file() and not p.name.startswith("."))
            if key_dir.is_dir()
            else []
        )
        for key_file in key_files:
            members[f"{KEYS_MEMBER}/{key_file.name}"] = _sha256(key_file)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "lab_version": __version__,
            "engine": engine_name(settings),
            "migration": last_migration(settings),
            "created_at": now.isoformat(timespec="seconds"),
            "tables": table_counts(settings),
            "members": members,
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
            encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size, info.mtime = len(encoded), int(now.timestamp())
            archive.addfile(info, io.BytesIO(encoded))
            archive.add(dump, arcname=dump.name)
            for key_file in key_files:
                archive.add(key_file, arcname=f"{KEYS_MEMBER}/{key_file.name}")
        data = _seal(settings, buffer.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # personal data: readable by the lab's user only
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)  # a file under the final name is always complete
    whole = hashlib.sha256(data).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{whole}  {path.name}\n")
    return BackupResult(path, len(data), whole, bool(settings.backup_key), manifest)


def prune(settings: Settings, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups in LAB_BACKUP_DIR older than ``keep_days`` days (never the newest)."""
    folder = settings.backup_dir or settings.data_dir / "backups"
    files = sorted(folder.glob("lab-*.labbackup"))
    limit = (now or dt.datetime.now(dt.UTC)).timestamp() - keep_days * 86400
    removed = []
    for old in files[:-1]:
        if old.stat().st_mtime < limit:
            old.unlink()
            old.with_name(old.name + ".sha256").unlink(missing_ok=True)
            removed.append(old)
    return removed


# --- restore -----------------------------------------------------------------------------


def read_backup(settings: Settings, path: Path) -> tuple[dict, tarfile.TarFile]:
    """The manifest and the archive of a checked backup file."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from None
    try:
        archive = tarfile.open(fileobj=io.BytesIO(_open(settings, data)), mode="r:*")
    except tarfile.TarError:
        raise BackupError("the backup's archive cannot be read.") from None
    try:
        manifest = json.loads(archive.extractfile(MANIFEST_MEMBER).read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError):
        raise BackupError("the backup has no readable manifest.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not one this lab reads.")
    names = {member.name for member in archive.getmembers() if member.isfile()}
    if names != set(manifest["members"]) | {MANIFEST_MEMBER}:
        raise BackupError("the backup's members do not match its manifest.")
    for name, expected in manifest["members"].items():
        digest = hashlib.sha256(archive.extractfile(name).read()).hexdigest()  # type: ignore[union-attr]
        if digest != expected:
            raise BackupError(f"the backup's {name} is damaged: its checksum does not match.")
    return manifest, archive


def describe_replacement(counts: dict[str, int]) -> str:
    listed = ", ".join(f"{name} ({count})" for name, count in sorted(counts.items()))
    return f"{sum(counts.values())} rows in {len(counts)} tables: {listed}"


def restore_backup(settings: Settings, path: Path, force: bool = False) -> RestoreResult:
    """Restore a backup into the configured database, which must hold no data unless ``force``.

    The lab must be stopped while it runs (a running lab would write between the check and the
    restore, and would keep connections to the database being replaced).
    """
    manifest, archive = read_backup(settings, path)
    engine = engine_name(settings)
    if manifest["engine"] != engine:
        raise BackupError(
            f"this backup is of a {manifest['engine']} database and LAB_DATABASE_URL names a "
            f"{engine} one: restore it into a {manifest['engine']} database."
        )
    migration = manifest.get("migration")
    if migration and migration not in known_migrations():
        raise BackupError(
            f"the backup comes from a newer lab (migration {migration}, lab "
            f"{manifest.get('lab_version')}): restore it with that version or a later one."
        )
    existing = data_counts(settings)
    if existing and not force:
        raise BackupError(
            f"the database already holds data ({describe_replacement(existing)}); restore goes "
            "into an empty database. Use --force to replace it."
        )
    key_dir = settings.data_dir / KEYS_MEMBER
    backed_keys = {
        name.split("/", 1)[1]: archive.extractfile(name).read()  # type: ignore[union-attr]
        for name in manifest["members"]
        if name.startswith(KEYS_MEMBER + "/")
    }
    current_keys = (
        {
            p.name: p.read_bytes()
            for p in key_dir.iterdir()
            if p.is_file() and not p.name.startswith(".")
        }
        if key_dir.is_dir()
        else {}
    )
    # Keys already there (`lab migrate` makes one in a new install) signed nothing the restored
    # database knows of: they are set aside, never deleted.
    keys_differ = bool(backed_keys) and bool(current_keys) and current_keys != backed_keys
    with tempfile.TemporaryDirectory(prefix="lab-restore-") as scratch:
        folder = Path(scratch)
        if engine == "sqlite":
            archive.extract(SQLITE_MEMBER, folder, filter="data")
            _restore_sqlite(settings, folder / SQLITE_MEMBER)
        else:
            archive.extract(POSTGRES_MEMBER, folder, filter="data")
            _restore_postgres(settings, folder / POSTGRES_MEMBER)
    set_aside = None
    if backed_keys:
        if keys_differ:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            set_aside = key_dir.with_name(f"{KEYS_MEMBER}.replaced-{stamp}")
            suffix = 1
            while set_aside.exists():
                suffix += 1
                set_aside = key_dir.with_name(f"{KEYS_MEMBER}.replaced-{stamp}-{suffix}")
            key_dir.rename(set_aside)  # never deleted: badges signed with them stay verifiable
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, content in backed_keys.items():
            target = key_dir / name
            target.write_bytes(content)
            target.chmod(0o600)
    return RestoreResult(
        engine=engine,
        migration=migration,
        created_at=str(manifest["created_at"]),
        replaced_tables=existing,
        keys_restored=len(backed_keys),
        keys_set_aside=set_aside,
    )


def _restore_sqlite(settings: Settings, dump: Path) -> None:
    target_path = settings.sqlite_path
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)  # replaces every page of the target, in one transaction
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def _restore_postgres(settings: Settings, dump: Path) -> None:
    # The lab's tables are dropped and made again from the dump, in one transaction: a failure
    # leaves the database as it was.
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(settings)}",
            str(dump),
        ],
        "pg_restore",
    )


def redacted_url(settings: Settings) -> str:
    """The database address without its password, for messages."""
    if settings.uses_sqlite:
        return str(settings.sqlite_path)
    parts = urlsplit(settings.database_url)
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
