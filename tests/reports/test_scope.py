"""Who sees which figures: a network manager every site and the roll-up; a site manager their
site only, in pages, rows and files; a facilitator their own sessions only. And bad filters get
a clear 422 or 403, never a 500 and never another site's figure."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from lab.workshops.tables import Module, ModuleFacilitator
from tests.helpers import login
from tests.reports import handmade

pytestmark = pytest.mark.asyncio


def _figure(html: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}" data-value="([^"]*)"', html)
    assert found, key
    return found.group(1)


async def test_a_network_manager_sees_every_site_and_the_roll_up(client, cast, data, every_count):
    await login(client, cast.email("nadia"))
    page = (await client.get("/reports", params=handmade.QUERY)).text
    assert "Lab Saint-Denis" in page and "Lab Anderlecht" in page
    assert _figure(page, "participants") == "4"  # Bilal went to both: counted once


async def test_a_site_manager_never_sees_another_sites_figures(client, cast, data, every_count):
    await login(client, cast.email("julien"))
    page = await client.get("/reports", params=handmade.QUERY)
    assert page.status_code == 200
    assert _figure(page.text, "attendances") == "3"  # Saint-Denis only
    assert "Lab Anderlecht" not in page.text
    other = {**handmade.QUERY, "site": str(cast.brussels.id)}
    assert (await client.get("/reports", params=other)).status_code == 403
    assert (await client.get("/reports/rows/participants", params=other)).status_code == 403
    for what, fmt in (("dashboard", "csv"), ("dashboard", "xlsx"), ("esf", "csv")):
        response = await client.get(f"/reports/files/{what}/{fmt}", params=other)
        assert response.status_code == 403, (what, fmt)
    rows = await client.get("/reports/rows/participants", params=handmade.QUERY)
    assert rows.status_code == 200
    assert "Amira" in rows.text and "Dana" not in rows.text  # Dana came to Anderlecht only
    book = openpyxl.load_workbook(
        io.BytesIO(
            (await client.get("/reports/files/dashboard/xlsx", params=handmade.QUERY)).content
        )
    )
    cells = {
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert "Lab Anderlecht" not in cells


async def test_a_facilitator_sees_only_the_sessions_they_run(client, cast, data, every_count):
    await login(client, cast.email("awa"))
    page = (await client.get("/reports", params=handmade.QUERY)).text
    assert _figure(page, "attendances") == "0"  # Awa runs no module yet
    cv = await Module.objects().get(Module.title == "Atelier CV")
    await ModuleFacilitator(module=cv.id, staff_user=cast.users["awa"].id).save()
    page = (await client.get("/reports", params=handmade.QUERY)).text
    assert _figure(page, "attendances") == "3"
    assert 'data-figure="visits"' not in page  # lab use is the managers'
    assert (
        await client.get("/reports", params={**handmade.QUERY, "module": "999"})
    ).status_code == 422


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"period": "custom", "first": "2025-11-30", "last": "2025-11-01"}, 422),
        ({"period": "custom", "first": "2025-11-01"}, 422),
        ({"period": "custom", "first": "2025-13-01", "last": "2025-11-30"}, 422),
        ({"period": "custom", "first": "2019-01-01", "last": "2025-11-30"}, 422),
        ({"period": "fortnight"}, 422),
        ({"site": "abc"}, 422),
        ({"site": "99999"}, 403),
        ({"kind": "poetry"}, 422),
        ({"module": "99999"}, 422),
        ({"facilitator": "-3"}, 422),
        ({"partner": "1e9"}, 422),
    ],
)
async def test_bad_filters_get_a_clear_answer(client, cast, params, status):
    await login(client, cast.email("julien"))
    response = await client.get("/reports", params=params)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    if status == 422:
        assert 'id="report-error"' in response.text  # the page, its filters and what was wrong


@pytest.mark.parametrize(
    "path", ["/reports/files/minutes/csv", "/reports/files/dashboard/doc", "/reports/rows/secrets"]
)
async def test_unknown_files_and_rows_are_refused(client, cast, path):
    await login(client, cast.email("julien"))
    assert (await client.get(path)).status_code == 422
    response = await client.get("/reports/files/dashboard/csv", params={"delimiter": "tab"})
    assert response.status_code == 422


async def test_a_filter_changed_with_htmx_gets_the_report_block_only(client, cast, data):
    await login(client, cast.email("nadia"))
    response = await client.get(
        "/reports", params={**handmade.QUERY, "site": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="report"')
    assert 'data-figure="participants" data-value="4"' in response.text
    refused = await client.get(
        "/reports", params={"period": "fortnight"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422 and 'id="report-error"' in refused.text
