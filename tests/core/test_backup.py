"""Backups: `lab backup` then `lab restore` gives the same tables, row for row, on both engines;
a damaged, altered or wrongly keyed file, another engine's backup and a database holding data
are refused with a message."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from piccolo.engine.base import Engine

from lab.cli import main
from lab.core import audit, backup
from lab.settings import Settings
from lab.skills import badges
from tests.conftest import SECRET, _migrate, make_settings
from tests.personas import create_cast, make_visitor

PASSPHRASE = "correct horse battery staple, mission locale"
HEX_KEY = "5f" * 32


def rows_by_table(settings: Settings) -> dict[str, list[tuple]]:
    """Every lab table's rows (and the migrations'), in id order."""
    names = [*backup._lab_tables(), "migration"]
    if settings.uses_sqlite:
        connection = sqlite3.connect(settings.sqlite_path)
        try:
            return {
                name: connection.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()
                for name in names
            }
        finally:
            connection.close()
    return {
        name: [tuple(row) for row in backup._psql(settings, f'SELECT * FROM "{name}" ORDER BY id')]
        for name in names
    }


def key_files(settings: Settings) -> dict[str, bytes]:
    folder = settings.data_dir / "badge-keys"
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.fixture
def target(tmp_path: Path, settings: Settings, sqlite_template: Path) -> Iterator[Settings]:
    """A second database of the same engine, migrated and empty, with its own data directory."""
    folder = tmp_path / "restored"
    folder.mkdir()
    if settings.uses_sqlite:
        path = folder / "lab.sqlite3"
        shutil.copy(sqlite_template, path)
        yield make_settings(folder, f"sqlite:///{path}")
        return
    parts = urlsplit(settings.database_url)
    name = parts.path.strip("/") + "_restore"
    admin = make_settings(folder, settings.database_url)

    def recreate(drop_only: bool = False) -> None:
        backup._psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            backup._psql(admin, f'CREATE DATABASE "{name}"')

    recreate()
    url = urlunsplit(parts._replace(path=f"/{name}"))
    _migrate(url, folder)
    try:
        yield make_settings(folder, url)
    finally:
        recreate(drop_only=True)


@pytest.fixture
async def loaded(engine: Engine, settings: Settings) -> Settings:
    """Sites, staff, visitors (accents, nulls, dates, instants), audit entries, badge keys."""
    cast = await create_cast()
    await make_visitor(cast.saint_denis)
    await make_visitor(cast.brussels, "Zoë", "Van den Berghe-N’Diaye", email="zoe@example.be")
    await audit.record(await cast.principal("julien"), "visitor.create", "visitor:1", site_id=1)
    badges.keyring().active_kid()  # makes the signing key in this test's LAB_DATA_DIR
    return settings


def with_key(settings: Settings, key: str | None) -> Settings:
    return make_settings(
        settings.data_dir, settings.database_url, backup_key=key, backup_dir=settings.backup_dir
    )


@pytest.mark.parametrize("key", [None, PASSPHRASE, HEX_KEY], ids=["plain", "passphrase", "hex"])
async def test_backup_then_restore_gives_identical_tables(
    loaded: Settings, target: Settings, tmp_path: Path, key: str | None
) -> None:
    source, into = with_key(loaded, key), with_key(target, key)
    made = backup.create_backup(source, tmp_path / "lab.labbackup")
    assert made.encrypted is (key is not None)
    assert made.manifest["engine"] == backup.engine_name(source)
    assert made.manifest["migration"] == backup.known_migrations()[-1]
    assert made.path.with_name("lab.labbackup.sha256").read_text().split()[0] == made.sha256
    assert (made.path.stat().st_mode & 0o777) == 0o600
    if key:
        assert b"Berghe" not in made.path.read_bytes()
    assert backup.data_counts(into) == {}

    restored = backup.restore_backup(into, made.path)

    before, after = rows_by_table(source), rows_by_table(into)
    assert before.keys() == after.keys()
    for name in before:
        assert after[name] == before[name], name
    assert sum(len(rows) for rows in after.values()) > 20
    assert restored.replaced_tables == {}
    assert restored.keys_restored >= 1
    assert key_files(into) == key_files(source)


async def test_restore_over_data_is_refused_unless_forced(
    loaded: Settings, target: Settings, tmp_path: Path
) -> None:
    first = backup.create_backup(loaded, tmp_path / "first.labbackup")
    backup.restore_backup(target, first.path)
    counts = backup.data_counts(target)
    assert counts["site"] == 2

    with pytest.raises(backup.BackupError, match=r"already holds data .*--force"):
        backup.restore_backup(target, first.path)

    # The source moves on; --force replaces what the target holds with the newer backup.
    cast_site_rows = rows_by_table(loaded)["site"]
    await make_visitor_in(loaded)
    second = backup.create_backup(loaded, tmp_path / "second.labbackup")
    restored = backup.restore_backup(target, second.path, force=True)
    assert restored.replaced_tables == counts
    assert rows_by_table(target) == rows_by_table(loaded)
    assert rows_by_table(target)["site"] == cast_site_rows


async def make_visitor_in(settings: Settings) -> None:
    from lab.accounts.tables import Site

    site = await Site.objects().first()
    assert site is not None
    await make_visitor(site, "Inès", "Ajout")


async def test_keys_already_there_are_set_aside(
    loaded: Settings, target: Settings, tmp_path: Path
) -> None:
    made = backup.create_backup(loaded, tmp_path / "lab.labbackup")
    other = target.data_dir / "badge-keys"
    other.mkdir(exist_ok=True)
    (other / "someone-else.json").write_text("{}")
    restored = backup.restore_backup(target, made.path)
    assert restored.keys_set_aside is not None
    assert (restored.keys_set_aside / "someone-else.json").exists()
    assert not (other / "someone-else.json").exists()
    assert key_files(target) == key_files(loaded)


@pytest.mark.parametrize("key", [None, PASSPHRASE], ids=["plain", "encrypted"])
async def test_altered_or_damaged_file_is_refused(
    loaded: Settings, target: Settings, tmp_path: Path, key: str | None
) -> None:
    made = backup.create_backup(with_key(loaded, key), tmp_path / "lab.labbackup")
    data = bytearray(made.path.read_bytes())
    for position in (len(data) // 2, len(data) - 1, 20):
        altered = bytearray(data)
        altered[position] ^= 0x01
        path = tmp_path / f"altered-{position}.labbackup"
        path.write_bytes(altered)
        with pytest.raises(backup.BackupError, match="damaged or altered"):
            backup.restore_backup(with_key(target, key), path)
    truncated = tmp_path / "truncated.labbackup"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(backup.BackupError, match="damaged or altered"):
        backup.restore_backup(with_key(target, key), truncated)
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not a backup")
    with pytest.raises(backup.BackupError, match="not a lab backup"):
        backup.restore_backup(target, stranger)
    assert backup.data_counts(target) == {}


async def test_wrong_or_missing_key_is_refused(
    loaded: Settings, target: Settings, tmp_path: Path
) -> None:
    made = backup.create_backup(with_key(loaded, PASSPHRASE), tmp_path / "lab.labbackup")
    for wrong in ("another passphrase, just as long", HEX_KEY):
        with pytest.raises(backup.BackupError, match="not the key it was made with"):
            backup.restore_backup(with_key(target, wrong), made.path)
    with pytest.raises(backup.BackupError, match="set LAB_BACKUP_KEY"):
        backup.restore_backup(with_key(target, None), made.path)
    assert backup.data_counts(target) == {}


async def test_another_engines_backup_is_refused(loaded: Settings, tmp_path: Path) -> None:
    made = backup.create_backup(loaded, tmp_path / "lab.labbackup")
    other_url = (
        "postgresql://lab@127.0.0.1:1/nowhere"
        if loaded.uses_sqlite
        else f"sqlite:///{tmp_path / 'other.sqlite3'}"
    )
    other = make_settings(tmp_path / "other", other_url)
    with pytest.raises(backup.BackupError, match="restore it into a"):
        backup.restore_backup(other, made.path)


def test_short_backup_key_is_a_settings_error(tmp_path: Path) -> None:
    from lab.settings import SettingsError

    with pytest.raises(SettingsError, match="LAB_BACKUP_KEY"):
        Settings.from_env({"LAB_DATA_DIR": str(tmp_path), "LAB_BACKUP_KEY": "short"})


async def test_commands(loaded: Settings, target: Settings, tmp_path: Path) -> None:
    def env(settings: Settings) -> dict[str, str]:
        return {
            "LAB_DATABASE_URL": settings.database_url,
            "LAB_DATA_DIR": str(settings.data_dir),
            "LAB_SECRET_KEY": SECRET,
            "LAB_BACKUP_KEY": PASSPHRASE,
            "LAB_BACKUP_DIR": str(tmp_path / "backups"),
        }

    runner = CliRunner()
    made = await asyncio.to_thread(runner.invoke, main, ["backup"], env=env(loaded))
    assert made.exit_code == 0, made.output
    assert "encrypted" in made.output and "not encrypted" not in made.output
    (path,) = (tmp_path / "backups").glob("lab-*.labbackup")
    assert f"sha256 {backup._sha256(path)}" in made.output
    if shutil.which("sha256sum"):
        check = await asyncio.create_subprocess_exec(
            "sha256sum", "-c", path.name + ".sha256", cwd=path.parent
        )
        assert await check.wait() == 0

    first = runner.invoke(main, ["restore", str(path)], env=env(target))
    assert first.exit_code == 0, first.output
    assert "Restored the backup" in first.output

    refused = runner.invoke(main, ["restore", str(path)], env=env(target))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output

    forced = runner.invoke(main, ["restore", str(path), "--force"], env=env(target))
    assert forced.exit_code == 0, forced.output
    assert "Replaced " in forced.output and "site (2)" in forced.output

    wrong = runner.invoke(
        main, ["restore", str(path)], env={**env(target), "LAB_BACKUP_KEY": "x" * 20}
    )
    assert wrong.exit_code == 1 and "not the key it was made with" in wrong.output
    assert rows_by_table(target) == rows_by_table(loaded)


def test_keep_days_deletes_old_backups_but_never_the_newest(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"LAB_DATA_DIR": str(tmp_path), "LAB_BACKUP_DIR": str(tmp_path / "b")}
    )
    folder = tmp_path / "b"
    folder.mkdir()
    now = time.time()
    for name, days_ago in (
        ("lab-1.labbackup", 40),
        ("lab-2.labbackup", 31),
        ("lab-3.labbackup", 2),
    ):
        path = folder / name
        path.write_bytes(b"x")
        (folder / f"{name}.sha256").write_text("x")
        os.utime(path, (now - days_ago * 86400, now - days_ago * 86400))
    removed = backup.prune(settings, keep_days=30)
    assert sorted(p.name for p in removed) == ["lab-1.labbackup", "lab-2.labbackup"]
    assert sorted(p.name for p in folder.iterdir()) == ["lab-3.labbackup", "lab-3.labbackup.sha256"]
    (folder / "lab-3.labbackup").touch()
    os.utime(folder / "lab-3.labbackup", (now - 90 * 86400, now - 90 * 86400))
    assert backup.prune(settings, keep_days=30) == []  # the only backup left stays
