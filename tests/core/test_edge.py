"""What no handler ever sees: file parts, JSON bombs, NUL bytes, out-of-range ids and days."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.core import clock
from lab.core.edge import JSON_MAX_BYTES, json_depth
from lab.core.params import MAX_ID, day_bounds, day_in_bounds, id_or_none
from tests.helpers import login


def test_json_depth_counts_nesting_but_not_brackets_inside_strings():
    assert json_depth(b'{"a": [1, 2, {"b": null}]}') == 3
    assert json_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert json_depth(b'["\\"[[[["]') == 1
    assert json_depth(b"[" * 1000 + b"]" * 1000) == 1000


def test_days_are_bounded_around_today():
    first, last = day_bounds(dt.date(2026, 12, 4))
    assert first == dt.date(1926, 1, 1) and last == dt.date(2056, 12, 31)
    assert day_in_bounds(clock.now().date())
    assert not day_in_bounds(dt.date(1, 1, 1))
    assert not day_in_bounds(dt.date(9999, 12, 31))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("0", None), ("-3", None), (str(MAX_ID + 1), None), ("١٢", None)],
)
def test_id_or_none_keeps_only_real_ids(raw, expected):
    assert id_or_none(raw) == expected


async def test_a_file_part_where_text_is_expected_is_a_field_error(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post(
        "/visitors",
        files={"first_name": ("name.txt", b"Ines", "text/plain")},
        data={"last_name": "Traoré"},
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.text or "field-error" in response.text
    assert "pas un fichier" in response.text


async def test_a_deeply_nested_json_body_is_refused_before_it_is_parsed(client, cast):
    await login(client, cast.email("awa"))
    deep = b"[" * 1000 + b"]" * 1000
    response = await client.post(
        "/api/visitors", content=deep, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


async def test_an_oversized_json_body_is_refused(client, cast):
    await login(client, cast.email("awa"))
    body = b'"' + b"x" * JSON_MAX_BYTES + b'"'
    response = await client.post(
        "/api/visitors", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


async def test_a_nul_byte_in_a_form_or_a_query_is_a_field_error(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post("/visitors/search", data={"q": "a\x00b"})
    assert response.status_code == 422
    response = await client.get("/bookings", params={"view": "a\x00b"})
    assert response.status_code == 422


async def test_an_id_past_the_databases_range_is_a_422_before_any_query(client, cast):
    await login(client, cast.email("awa"))
    for path in ("/visitors/99999999999999999999", f"/visitors/{MAX_ID + 1}", "/visitors/0"):
        response = await client.get(path)
        assert response.status_code == 422, path
        assert "Certains champs sont à corriger" in response.text


async def test_a_day_in_year_9999_is_a_422(client, cast):
    await login(client, cast.email("awa"))
    response = await client.get("/bookings", params={"day": "9999-12-31"})
    assert response.status_code == 422
