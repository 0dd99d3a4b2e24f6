"""A closed month is frozen: its files are the same bytes whenever they are made again, even
after a correction, which the page reports as a correction. Closing is a manager's act, once,
for a whole month that has ended."""

from __future__ import annotations

import pytest

from lab.attendance.tables import Attendance
from lab.reports.tables import ClosedPeriod
from tests.helpers import login

pytestmark = pytest.mark.asyncio

FILES = [("dashboard", "csv"), ("dashboard", "xlsx"), ("dashboard", "pdf"), ("esf", "xlsx")]
FILES += [("collective", "csv")]


def _month(cast) -> dict[str, str]:
    return {"period": "month", "day": "2025-11-01", "site": str(cast.saint_denis.id)}


async def _files(client, query) -> dict[tuple[str, str], bytes]:
    found = {}
    for what, fmt in FILES:
        response = await client.get(f"/reports/files/{what}/{fmt}", params=query)
        assert response.status_code == 200, (what, fmt, response.text)
        found[(what, fmt)] = response.content
    return found


async def test_a_closed_months_files_stay_the_same_bytes_after_a_correction(client, cast, data):
    await login(client, cast.email("julien"))
    query = _month(cast)
    closed = await client.post("/reports/close", params=query)
    assert closed.status_code == 303, closed.text
    first = await _files(client, query)

    # A correction: Eve, marked excused at S1, was in fact there.
    await Attendance.update({Attendance.status: "present"}).where(
        (Attendance.visitor == data.people["Eve"]) & (Attendance.session == data.sessions["S1"])
    )
    again = await _files(client, query)
    for key in first:
        assert again[key] == first[key], key

    page = (await client.get("/reports", params=query)).text
    assert 'id="report-frozen"' in page
    assert 'id="report-corrections"' in page
    text = page.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Présences : 3 à la clôture, 4 aujourd" in text
    # The same month, narrowed to a module, is not the closed report: it is counted live.
    row = await ClosedPeriod.objects().first()
    assert row.site == cast.saint_denis.id and len(row.digest) == 64


async def test_a_month_is_closed_once_by_its_manager_once_it_has_ended(client, cast, data):
    await login(client, cast.email("awa"))
    assert (await client.post("/reports/close", params=_month(cast))).status_code == 403
    await login(client, cast.email("julien"))
    assert (await client.post("/reports/close", params=_month(cast))).status_code == 303
    assert (await client.post("/reports/close", params=_month(cast))).status_code == 409
    this_month = {"period": "month", "site": str(cast.saint_denis.id)}
    assert (await client.post("/reports/close", params=this_month)).status_code == 422
    a_week = {**_month(cast), "period": "week"}
    assert (await client.post("/reports/close", params=a_week)).status_code == 422
    assert await ClosedPeriod.count() == 1
