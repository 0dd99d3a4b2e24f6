"""Fixtures of the reports tests: the hand-worked dataset, and every count shown."""

from __future__ import annotations

import dataclasses

import pytest

from tests.reports import handmade


@pytest.fixture
async def data(cast):
    """The hand-worked dataset of tests/reports/handmade.py."""
    return await handmade.build(cast)


@pytest.fixture
def every_count(app):
    """Show every count (k = 1): the figures are checked to the unit."""
    app.state.settings = dataclasses.replace(app.state.settings, report_min_cell=1)
