"""The hand-worked dataset (tests/reports/handmade.py) gives exactly its figures: in the query
layer, on the dashboard, in the CSV, in the XLSX read back with openpyxl (an independent
reader), in the ESF+ files and in the collective-sessions file."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import threading

import msgspec
import openpyxl
import pytest

from lab.reports import collective, esf, queries, services
from lab.reports.filters import Filters, Period
from tests.helpers import login
from tests.reports import handmade

pytestmark = pytest.mark.asyncio


def _filters(cast) -> Filters:
    sites = (cast.saint_denis.id, cast.brussels.id)
    return Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=sites,
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )


async def test_the_query_layer_gives_the_hand_worked_figures(cast, data) -> None:
    d = await queries.dashboard(_filters(cast))
    assert (d.sessions.held, d.sessions.cancelled, d.sessions.seats) == (2, 1, 18)
    a = d.attendance
    assert (a.attendances, a.walk_ins, a.participants, a.late, a.absent, a.excused) == (
        5,
        1,
        4,
        1,
        0,
        1,
    )
    assert a.hours == 9.0
    by_site = {
        site.site_id: (site.sessions, site.attendances, site.participants) for site in d.sites
    }
    assert by_site == {cast.saint_denis.id: (1, 3, 3), cast.brussels.id: (1, 2, 2)}
    assert d.profile["age_band"] == handmade.AGE_BANDS
    assert d.profile["funder_age_band"] == handmade.FUNDER_AGE_BANDS
    assert d.profile["gender"] == handmade.GENDERS
    assert sum(d.profile["education"].values()) == 4  # "not stated" counted, never dropped
    assert d.profile["education"]["not_stated"] == 1


async def test_esf_counts_each_person_once_at_their_first_entry(cast, data) -> None:
    figures = await esf.esf_figures(_filters(cast), handmade.FIRST.replace(month=1, day=1))
    assert figures.indicators == handmade.ESF


async def test_the_collective_sessions_list_every_registrant_with_their_outcome(cast, data) -> None:
    rows = await collective.registrant_rows(_filters(cast), dt.datetime.now(dt.UTC))
    sessions = {value: key for key, value in data.sessions.items()}
    found = {(sessions[row.session_id], row.first_name): row.outcome for row in rows}
    assert found == handmade.COLLECTIVE


def _figures_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', html))


async def test_the_dashboard_shows_the_hand_worked_figures(client, cast, data, every_count) -> None:
    await login(client, cast.email("nadia"))
    response = await client.get("/reports", params=handmade.QUERY)
    assert response.status_code == 200, response.text
    shown = _figures_of(response.text)
    for key, value in handmade.EXPECTED.items():
        assert float(shown[key]) == pytest.approx(value), key


async def _file(client, what: str, fmt: str, **extra) -> bytes:
    response = await client.get(f"/reports/files/{what}/{fmt}", params={**handmade.QUERY, **extra})
    assert response.status_code == 200, response.text
    return response.content


def _number(text: str) -> float:
    return float(
        text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    )


async def test_the_csv_and_the_xlsx_say_the_same(client, cast, data, every_count) -> None:
    await login(client, cast.email("nadia"))
    labels = {
        "sessions_held": "Séances tenues",
        "attendances": "Présences",
        "participants": "Participants différents",
        "hours": "Heures de présence",
    }
    raw = await _file(client, "dashboard", "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    csv_values = {row[0]: row[1] for row in lines if len(row) == 2}
    for key, label in labels.items():
        assert _number(csv_values[label]) == pytest.approx(handmade.EXPECTED[key]), key

    book = openpyxl.load_workbook(io.BytesIO(await _file(client, "dashboard", "xlsx")))
    values = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and isinstance(row[0], str) and len(row) > 1:
                values.setdefault(row[0], row[1])
    for key, label in labels.items():
        assert values[label] == pytest.approx(handmade.EXPECTED[key]), key
    assert isinstance(values["Séances tenues"], int)  # numbers as numbers


async def test_the_esf_files_say_the_same(client, cast, data, every_count) -> None:
    await login(client, cast.email("nadia"))
    book = openpyxl.load_workbook(io.BytesIO(await _file(client, "esf", "xlsx")))
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    total = next(row for row in rows if row and row[0] == "Participants (total)")
    assert list(total[1:6]) == [1, 1, 0, 1, 3]
    raw = await _file(client, "esf", "csv", delimiter="comma")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=","))
    under_18 = next(row for row in lines if row and row[0] == "Participants de moins de 18 ans")
    assert [int(value) for value in under_18[1:6]] == [1, 0, 0, 0, 1]


async def test_the_report_service_reads_the_same_for_a_network_manager(cast, data) -> None:
    report = await services.report_for(await cast.principal("nadia"), handmade.QUERY)
    assert report.dashboard.attendance.participants == 4
    assert report.may_see_rows


async def test_files_are_drawn_off_the_event_loop_in_the_readers_language(
    client, cast, data, every_count, monkeypatch
) -> None:
    """A network's year of rows is seconds of drawing: it happens in a worker thread, so the
    event loop goes on serving the kiosks, and the thread still writes in the reader's
    language (the request's context goes with it)."""
    from lab.reports import exports

    loop_thread: list[int] = []  # where the app's event loop reads the rows
    drawn_in: list[int] = []
    real_registrants_of, real_xlsx_bytes = services.registrants_of, exports.xlsx_bytes

    async def registrants_of(report):
        loop_thread.append(threading.get_ident())
        return await real_registrants_of(report)

    def xlsx_bytes(*args, **kwargs) -> bytes:
        drawn_in.append(threading.get_ident())
        return real_xlsx_bytes(*args, **kwargs)

    monkeypatch.setattr(services, "registrants_of", registrants_of)
    monkeypatch.setattr(exports, "xlsx_bytes", xlsx_bytes)
    await login(client, cast.email("nadia"))
    await client.post("/language", data={"language": "en", "next": "/"})
    book = openpyxl.load_workbook(io.BytesIO(await _file(client, "collective", "xlsx")))
    assert loop_thread and drawn_in and drawn_in[0] != loop_thread[0]
    assert book.sheetnames[1] == "Group sessions and registrants"
    outcomes = {row[-1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert "Present" in outcomes


async def test_a_large_report_reads_aside_and_a_sites_month_on_the_loop(
    cast, data, engine, monkeypatch
) -> None:
    """On the embedded SQLite, a report over more than LARGE_SITE_DAYS site-days runs its
    statements in a worker thread (the event loop stays free); a site's month keeps them on
    the loop, where they cost less than the hop. The figures are the same either way."""
    from lab.core import db
    from lab.core.sqlite import FastSQLiteEngine
    from lab.reports import filters
    from lab.reports.filters import LARGE_SITE_DAYS

    aside: list[str] = []
    real = FastSQLiteEngine.run_plain_aside

    async def run_plain_aside(self, sql, args):
        aside.append(sql)
        return await real(self, sql, args)

    monkeypatch.setattr(FastSQLiteEngine, "run_plain_aside", run_plain_aside)
    month = _filters(cast)  # two sites, 30 days
    assert not month.large
    await queries.dashboard(month)
    assert aside == []
    wide = dataclasses.replace(
        month,
        period=Period(handmade.FIRST - dt.timedelta(days=LARGE_SITE_DAYS), handmade.LAST),
    )
    assert wide.large
    read_aside = await queries.dashboard(wide)
    if db.is_sqlite(engine):
        assert len(aside) >= 15  # the dashboard's statements, all of them aside
    else:
        assert aside == []  # PostgreSQL's driver never holds the loop
    # The same report read on the loop gives the same figures.
    monkeypatch.setattr(filters, "LARGE_SITE_DAYS", 10**9)
    assert not wide.large
    on_loop = await queries.dashboard(wide)
    assert msgspec.structs.replace(read_aside, made_at="") == msgspec.structs.replace(
        on_loop, made_at=""
    )
