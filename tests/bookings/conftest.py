"""A skills domain for booking tests: what bookings asks it, answered from dicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lab.bookings import services
from lab.bookings.gates import SkillOffer, skill_gate


class DictGate:
    """Validations and offers held in dicts; a skill nobody offered is named by its code."""

    def __init__(self) -> None:
        self.validated: dict[tuple[int, str], dt.datetime] = {}
        self.offers: dict[tuple[str, int], SkillOffer] = {}

    async def validated_at(self, visitor_id: int, skill: str) -> dt.datetime | None:
        return self.validated.get((visitor_id, skill))

    async def offer(self, skill: str, site_id: int) -> SkillOffer:
        return self.offers.get((skill, site_id), SkillOffer(skill, None, None))


@pytest.fixture
def skills(request: pytest.FixtureRequest) -> Iterator[DictGate]:
    """Registered for one test, then the gate before it is put back (the app registers the
    real one when it is built: the app comes first, so that it does not replace this one)."""
    if "client" in request.fixturenames or "app" in request.fixturenames:
        request.getfixturevalue("app")
    previous = skill_gate()
    gate = DictGate()
    services.check_skills_with(gate)
    yield gate
    services.check_skills_with(previous)
