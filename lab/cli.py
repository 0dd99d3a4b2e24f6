"""The `lab` command: migrate, demo, create-user, kiosk-code, serve."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from lab.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def run_with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the lab's tables bound to the configured database."""
    from lab.core import db
    from lab.wiring import wire

    engine = db.engine_for(settings)
    db.bind_tables(engine)
    wire(settings)

    async def main() -> T:
        await db.start(engine, wait_seconds=settings.db_wait_seconds)
        try:
            return await work()
        finally:
            await db.stop(engine)

    return asyncio.run(main())


@click.group()
def main() -> None:
    """lab: bookings, workshops, QR attendance, kiosk and reports for a Mission locale lab."""


@main.command()
def migrate() -> None:
    """Apply the database migrations (SQLite or PostgreSQL, from LAB_DATABASE_URL)."""
    settings = _settings()
    os.environ["PICCOLO_CONF"] = "lab.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = asyncio.run(run_forwards(app_name="lab"))
    if not result.success:
        raise click.ClickException(f"migrations failed: {result.message}")
    where = "PostgreSQL" if not settings.uses_sqlite else str(settings.sqlite_path)
    click.echo(f"Database up to date ({where}).")
    _load_skills(settings)
    _badge_keys(settings)


def _badge_keys(settings: Settings) -> None:
    """The badges' signing key, made at install (on disk under the data directory, encrypted
    with the secret key, never in the database or its dumps)."""
    from lab.skills import badges, config

    config.configure(settings)
    ring = badges.keyring()
    click.echo(f"Badge signing key {ring.active_kid()} in {config.issuer().key_dir}.")


def _load_skills(settings: Settings) -> None:
    """Load the shipped competence frameworks and practical skills (idempotent)."""
    from lab.skills import catalogue

    result = run_with_database(settings, catalogue.load_shipped)
    click.echo(
        f"Skills: {result.entries_written} framework entries written, "
        f"{result.skills_created} practical skills added."
    )


@main.group()
def skills() -> None:
    """The competence frameworks and the practical skills."""


@skills.command("load")
def skills_load() -> None:
    """Load the shipped frameworks and add missing practical skills (never overwrites edits)."""
    _load_skills(_settings())


@skills.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def skills_export(file: str) -> None:
    """Write the practical skills file (to FILE, or standard output)."""
    from lab.skills import catalogue

    data = run_with_database(_settings(), catalogue.export_skills)
    if file == "-":
        click.get_binary_stream("stdout").write(data)
    else:
        with open(file, "wb") as out:
            out.write(data)


@skills.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def skills_import(file: str) -> None:
    """Create or update practical skills from FILE (as the command line's administrator)."""
    from lab.core.errors import LabError
    from lab.skills import catalogue
    from lab.system import operator

    with open(file, "rb") as source:
        data = source.read()

    async def work() -> catalogue.ImportResult:
        return await catalogue.import_skills(await operator(), data)

    try:
        result = run_with_database(_settings(), work)
    except LabError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Skills imported: {result.created} created, {result.updated} updated.")


@skills.command("rotate-key")
def skills_rotate_key() -> None:
    """Sign new badges with a new key; the old one stays published, so every badge already
    issued still verifies."""
    from lab.skills import badges, config

    config.configure(_settings())
    kid = badges.keyring().rotate()
    click.echo(f"New badge signing key {kid}; earlier keys stay published for verification.")


@main.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def demo(if_empty: bool) -> None:
    """Load demo sites, staff and visitors."""
    from lab import demo as demo_data

    settings = _settings()

    async def work() -> dict[str, int] | None:
        if await demo_data.has_data():
            if if_empty:
                return None
            raise click.ClickException(
                "the database already has data; demo data goes in an empty one"
            )
        return await demo_data.load()

    counts = run_with_database(settings, work)
    if counts is None:
        click.echo("Database already has data: demo data not loaded.")
        return
    click.echo(demo_data.closing_message(counts, settings))


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    # lab.core.roles.ROLES, written out so that the command line starts without loading the
    # translations (tests/accounts/test_admin.py holds the two equal).
    type=click.Choice(["facilitator", "manager", "network_manager", "admin"]),
    required=True,
)
@click.option("--site", "site_slug", default=None, help="Site slug; leave out for every site.")
@click.option("--language", type=click.Choice(["fr", "en", "nl"]), default="fr")
def create_user(email: str, name: str, role: str, site_slug: str | None, language: str) -> None:
    """Create a staff account (the password is asked for, or read from LAB_NEW_PASSWORD)."""
    import msgspec

    from lab.accounts import staff
    from lab.accounts.forms import NewStaffInput
    from lab.accounts.tables import Site
    from lab.core.errors import LabError
    from lab.system import operator

    password = os.environ.get("LAB_NEW_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    settings = _settings()

    async def work() -> int:
        site_id = None
        if site_slug:
            site = await Site.objects().get(Site.slug == site_slug)
            if site is None:
                raise click.ClickException(f"no site with slug {site_slug!r}")
            site_id = site.id
        data = msgspec.convert(
            {
                "email": email,
                "name": name,
                "password": password,
                "role": role,
                "language": language,
                "site_id": site_id,
            },
            NewStaffInput,
        )
        user = await staff.create_staff(await operator(), data)
        return user.id

    try:
        user_id = run_with_database(settings, work)
    except msgspec.ValidationError as error:
        raise click.ClickException(f"invalid value: {error}") from None
    except LabError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.field_errors.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    click.echo(f"Staff account {user_id} created for {email}.")


@main.command("kiosk-code")
@click.option("--site", "site_slug", default=None, help="Site slug: add a new tablet there.")
@click.option("--name", default=None, help='Name of the new tablet, e.g. "Tablette accueil".')
@click.option(
    "--actions",
    default=None,
    help="What visitors may do on it, comma-separated: checkin,signup,enrol,book,skills "
    "(default: all).",
)
@click.option(
    "--device",
    "device_id",
    type=click.IntRange(1, 2**31 - 1),
    default=None,
    help="An existing tablet's id: a new pairing code (its current pairing stops at once).",
)
@click.option("--qr", is_flag=True, help="Also print the pairing QR code in the terminal.")
@click.option("--list", "list_only", is_flag=True, help="List the tablets of every site.")
def kiosk_code(
    site_slug: str | None,
    name: str | None,
    actions: str | None,
    device_id: int | None,
    qr: bool,
    list_only: bool,
) -> None:
    """Add a kiosk tablet, or give one a new pairing code; print the code (valid 15 minutes)."""
    from zoneinfo import ZoneInfo

    from lab.accounts import passes
    from lab.accounts.tables import Site
    from lab.core.errors import LabError
    from lab.kiosk import admin, devices
    from lab.system import operator

    if list_only:
        _list_kiosks()
        return
    if (device_id is None) == (site_slug is None) or (site_slug and not name):
        raise click.UsageError("use either --site SLUG --name NAME, or --device ID")
    if device_id is not None and (name or actions):
        raise click.UsageError("--name and --actions go with --site (see the Tablettes page)")
    chosen = [item.strip() for item in actions.split(",")] if actions else None
    unknown = sorted(set(chosen or []) - set(devices.ACTIONS))
    if unknown:
        raise click.UsageError(f"unknown actions {unknown}; choose among {list(devices.ACTIONS)}")
    settings = _settings()

    async def work() -> tuple[int, str, str, Site, object]:
        actor = await operator()  # acts as the system, recorded as such in the audit log
        if device_id is not None:
            row, code = await admin.new_pairing_code(actor, device_id)
            site = await Site.objects().get(Site.id == row.site_id)
            return row.id, row.name, code, site, row.pairing_expires_at
        site = await Site.objects().get(Site.slug == site_slug)
        if site is None:
            raise click.ClickException(f"no site with slug {site_slug!r}")
        device, code = await devices.create_device(actor, site.id, name or "", chosen)
        return device.id, device.name, code, site, device.pairing_expires_at

    try:
        made_id, made_name, code, site, expires = run_with_database(settings, work)
    except LabError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.field_errors.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    until = expires.astimezone(ZoneInfo(site.timezone)).strftime("%H:%M")
    url = devices.pair_url(settings.base_url, code)
    click.echo(f"Tablet {made_id} ({made_name}, {site.slug})")
    click.echo(f"Pairing code: {passes.display_short_code(code)}")
    click.echo(f"Valid once, until {until} ({site.timezone}).")
    click.echo(f"On the tablet, open {settings.base_url}/kiosk/pair and type the code,")
    click.echo(f"or open {url}")
    if qr:
        import qrcode

        code_image = qrcode.QRCode(border=2)
        code_image.add_data(url)
        code_image.print_ascii(invert=True)


def _list_kiosks() -> None:
    from lab.accounts.tables import Site
    from lab.kiosk import admin

    async def work() -> list[tuple[str, list[admin.DeviceRow]]]:
        from lab.system import operator

        actor = await operator()
        sites = await Site.objects().where(Site.active.eq(True)).order_by(Site.slug)
        return [(site.slug, await admin.device_rows(actor, site.id)) for site in sites]

    for slug, rows in run_with_database(_settings(), work):
        click.echo(f"{slug}:")
        for row in rows or []:
            click.echo(f"  {row.id:>5}  {row.state:<9} {row.name}")
        if not rows:
            click.echo("  (no tablet)")


@main.command()
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    envvar="LAB_WORKERS",
    show_default=True,
    help="Worker processes sharing the port (also LAB_WORKERS); more than one needs LAB_REDIS_URL.",
)
def serve(reload: bool, workers: int) -> None:
    """Serve lab on LAB_HOST:LAB_PORT (default http://127.0.0.1:8000)."""
    import uvicorn

    settings = _settings()
    if workers > 1 and not settings.redis_url:
        # Each worker would keep its own sessions, login counts and live events: a sign-in
        # made on one would be unknown to the next request's worker.
        raise click.ClickException(
            f"--workers {workers} needs LAB_REDIS_URL: without Redis, sessions, login "
            "throttling and live events stay in one process's memory. Set LAB_REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0) or serve with one worker."
        )
    if workers > 1 and reload:
        raise click.UsageError("--reload runs one worker; leave out --workers")
    many = f", {workers} workers" if workers > 1 else ""
    click.echo(f"lab is running on http://{settings.host}:{settings.port}{many} (Ctrl+C to stop)")
    uvicorn.run(
        "lab.app:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        workers=workers,
        # Paths can carry pass tokens (/p/…): no access log of raw URLs.
        access_log=False,
        # Live rosters hold streams open: give them a moment to end, then stop anyway.
        timeout_graceful_shutdown=5,
        proxy_headers=True,
    )


@main.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="The file to write (default: LAB_BACKUP_DIR/lab-<time>.labbackup).",
)
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    help="Then delete backups in LAB_BACKUP_DIR older than this many days (never the newest).",
)
def backup(output: str | None, keep_days: int | None) -> None:
    """Back up the database and the badge signing keys to one checked (and, with
    LAB_BACKUP_KEY, encrypted) file, while the lab runs."""
    from pathlib import Path

    from lab.core import backup as backups

    settings = _settings()
    try:
        result = backups.create_backup(settings, Path(output) if output else None)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    state = "encrypted" if result.encrypted else "not encrypted (no LAB_BACKUP_KEY)"
    click.echo(
        f"Backup of {backups.redacted_url(settings)} written to {result.path} "
        f"({result.size} bytes, {state}, migration {result.manifest['migration']}).\n"
        f"sha256 {result.sha256}"
    )
    if keep_days:
        for old in backups.prune(settings, keep_days):
            click.echo(f"Removed {old} (older than {keep_days} days).")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore(file: str, force: bool) -> None:
    """Restore a backup FILE into the configured database, which must be empty unless --force.
    Stop the lab first."""
    from pathlib import Path

    from lab.core import backup as backups

    settings = _settings()
    try:
        result = backups.restore_backup(settings, Path(file), force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the backup of {result.created_at} ({result.engine}, migration "
        f"{result.migration}) into {backups.redacted_url(settings)}; "
        f"{result.keys_restored} badge key files."
    )
    if result.replaced_tables:
        click.echo(f"Replaced {backups.describe_replacement(result.replaced_tables)}.")
    if result.keys_set_aside:
        click.echo(f"The badge signing keys that were there are kept in {result.keys_set_aside}.")
    click.echo("Run `lab migrate` if this lab is newer than the backup, then start it.")


@main.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted, delete nothing.")
def retention(dry_run: bool) -> None:
    """Delete the audit entries, kiosk scans, sent mail and signed sheets past their retention
    period, and anonymise the visitors' records due (LAB_RETAIN_*), as the server's daily job
    does, and print the counts."""
    from lab import retention as retain

    settings = _settings()
    counts = run_with_database(
        settings, lambda: retain.apply_retention(settings=settings, dry_run=dry_run)
    )
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb}: {counts['audit']} audit entries, {counts['journal']} kiosk scans, "
        f"{counts['outbox']} mail messages, {counts['signatures']} signatures."
    )
    verb = "Would anonymise" if dry_run else "Anonymised"
    click.echo(f"{verb}: {counts['visitors']} visitors' records.")


if __name__ == "__main__":
    sys.exit(main())
