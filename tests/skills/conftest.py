"""Skills tests: the domains wired as the app wires them, and the shipped practical skills."""

from __future__ import annotations

import pytest

from lab.skills import queries
from lab.wiring import wire


@pytest.fixture
def wired(settings):
    """The booking gate, the completion follower and the badges' issuer, as at start-up
    (not for every test here: the pure ones need no database)."""
    wire(settings)


@pytest.fixture
async def practical_skills(engine, wired) -> dict[str, dict]:
    """The shipped practical skills (loaded by the migrations, and again after PostgreSQL's
    tables are emptied), by code."""
    return {row["code"]: row for row in await queries.practical_skills()}
