"""A lab that ran before skills existed keeps what its inductions said: each visitor's induction
becomes a facilitator's evidence of the skill of that name, and each resource that required an
induction now requires that skill. On both engines, from a database migrated to the last
migration before skills, with rows in it, then migrated the rest of the way."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from lab.settings import PROJECT_ROOT
from tests.conftest import POSTGRES_URL, SECRET

BEFORE_SKILLS = "2026-12-04T11:45:41:529995"
ROWS = [
    "INSERT INTO site (id, name, slug, timezone) VALUES (1, 'Saint-Denis', 'sd', 'Europe/Paris')",
    "INSERT INTO visitor (id, first_name, last_name, created_site) VALUES (7, 'Yanis', 'B', 1)",
    "INSERT INTO visitor (id, first_name, last_name, created_site) VALUES (8, 'Awa', 'C', 1)",
    """INSERT INTO visitor_induction (visitor, name, granted_by, granted_at)
       VALUES (7, 'studio', 99, '2026-05-01 10:00:00+00:00')""",
    """INSERT INTO resource (id, site, kind, name, required_induction)
       VALUES (1, 1, 'studio', 'Studio', 'studio')""",
    "INSERT INTO resource (id, site, kind, name) VALUES (2, 1, 'tablet', 'Tablettes')",
]
EVIDENCE = "SELECT visitor, skill, level, source, staff_user FROM skill_evidence ORDER BY id"
REQUIRED = "SELECT id, required_skill FROM resource ORDER BY id"


def _lab(url: str, data_dir: Path, *args: str) -> None:
    env = {
        **os.environ,
        "LAB_DATABASE_URL": url,
        "LAB_DATA_DIR": str(data_dir),
        "LAB_SECRET_KEY": SECRET,
        "PICCOLO_CONF": "lab.piccolo_conf",
    }
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _migrate_in_two_steps(url: str, data_dir: Path, insert) -> None:
    _lab(url, data_dir, "piccolo.main", "migrations", "forwards", "lab", BEFORE_SKILLS)
    insert()
    _lab(url, data_dir, "lab.cli", "migrate")


EXPECTED_EVIDENCE = [(7, "studio", "on_my_own", "facilitator", None)]
EXPECTED_REQUIRED = [(1, "studio"), (2, None)]


def test_inductions_become_skills_on_sqlite(tmp_path):
    path = tmp_path / "old.sqlite3"

    def insert() -> None:
        with sqlite3.connect(path) as connection:
            for statement in ROWS:
                connection.execute(statement)

    _migrate_in_two_steps(f"sqlite:///{path}", tmp_path, insert)
    with sqlite3.connect(path) as connection:
        assert connection.execute(EVIDENCE).fetchall() == EXPECTED_EVIDENCE
        assert connection.execute(REQUIRED).fetchall() == EXPECTED_REQUIRED
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "visitor_induction" not in tables


def test_inductions_become_skills_on_postgresql(tmp_path):
    if not POSTGRES_URL:
        pytest.skip("LAB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    import asyncpg

    parts = urlsplit(POSTGRES_URL)
    name = parts.path.strip("/") + "_induction"
    url = urlunsplit(parts._replace(path=f"/{name}"))

    async def recreate() -> None:
        admin = await asyncpg.connect(POSTGRES_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    async def run(statements: list[str]) -> list[list[tuple]]:
        connection = await asyncpg.connect(url)
        try:
            return [[tuple(row) for row in await connection.fetch(s)] for s in statements]
        finally:
            await connection.close()

    asyncio.run(recreate())
    _migrate_in_two_steps(url, tmp_path, lambda: asyncio.run(run(ROWS)))
    evidence, required, tables = asyncio.run(
        run([EVIDENCE, REQUIRED, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"])
    )
    assert evidence == EXPECTED_EVIDENCE
    assert required == EXPECTED_REQUIRED
    assert ("visitor_induction",) not in tables
