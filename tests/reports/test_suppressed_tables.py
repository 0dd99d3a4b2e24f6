"""Property: for random figures and a random k, every table a funder's file or an aggregate-only
page shows (lab.reports.present) holds no count from 1 to k-1, no hidden count can be worked
out from the line totals shown (the margins solved exactly), every shown value equals the one
shown with nothing withheld, and a rate or duration never gives a hidden count back.
No database: the tables are built from figures drawn by Hypothesis."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.reports import bands, esf, present
from lab.reports.figures import (
    AttendanceFigures,
    Dashboard,
    EsfFigures,
    KindFigures,
    LoanFigures,
    PurposeFigures,
    ResourceFigures,
    SessionFigures,
    SiteFigures,
    Trend,
    VisitFigures,
    VisitorFigures,
    WaitlistFigures,
)
from lab.reports.suppression import derivable

# Small counts are the interesting ones: drawn often.
count = st.one_of(st.integers(0, 12), st.integers(0, 400))


@st.composite
def dashboards(draw) -> Dashboard:
    sites = [
        SiteFigures(
            site_id=index,
            name=f"Site {index}",
            sessions=draw(count),
            attendances=draw(count),
            participants=draw(count),
            visits=draw(count),
        )
        for index in range(1, draw(st.integers(1, 4)) + 1)
    ]
    attendances = sum(site.attendances for site in sites)
    kinds = [
        KindFigures(
            kind=kind, sessions=draw(count), attendances=draw(count), hours=draw(count) * 1.5
        )
        for kind in draw(
            st.lists(st.sampled_from(["job_search", "orientation", "digital_skills"]), unique=True)
        )
    ]
    purposes = [
        PurposeFigures(
            code=code,
            labels={"fr": code},
            visits=visits,
            anonymous=min(visits, draw(count)),
            minutes=visits * 30,
        )
        for code in ("wifi", "computer", "help")
        for visits in [draw(count)]
    ]
    profile = {
        "age_band": {code: draw(count) for code in bands.AGE_BANDS},
        "gender": {code: draw(count) for code in bands.GENDERS},
    }
    weeks = draw(st.integers(1, 6))
    return Dashboard(
        first_day="2025-11-01",
        last_day="2025-11-30",
        site_ids=[site.site_id for site in sites],
        made_at="2025-12-01T00:00:00+00:00",
        lab_use=True,
        sessions=SessionFigures(
            held=draw(count), cancelled=draw(count), seats=draw(count) + attendances
        ),
        attendance=AttendanceFigures(
            attendances=attendances,
            walk_ins=draw(count),
            participants=draw(count),
            late=draw(count),
            absent=draw(count),
            excused=draw(count),
            hours=attendances * 2.0,
        ),
        waitlist=WaitlistFigures(demand=draw(count), converted=draw(count)),
        visitors=VisitorFigures(new=draw(count), returning=draw(count), kiosk_signups=draw(count)),
        visits=VisitFigures(
            visits=sum(p.visits for p in purposes),
            anonymous=sum(p.anonymous for p in purposes),
            minutes=sum(p.minutes for p in purposes),
            purposes=purposes,
        ),
        resources=[
            ResourceFigures(
                resource_id=index,
                name=f"R{index}",
                kind="tablet_pool",
                site_id=1,
                bookings=draw(count),
                used=draw(count),
                missed=draw(count),
                minutes=draw(count) * 60,
                heatmap=[[0.0] * 24 for _ in range(7)],
            )
            for index in range(draw(st.integers(0, 3)))
        ],
        loans=LoanFigures(lent=draw(count), out=draw(count), overdue=draw(count)),
        kinds=kinds,
        sites=sites,
        profile=profile,
        trend=Trend(
            unit="week",
            starts=[
                (dt.date(2025, 11, 3) + dt.timedelta(weeks=w)).isoformat() for w in range(weeks)
            ],
            attendances=[draw(count) for _ in range(weeks)],
            visits=[draw(count) for _ in range(weeks)],
        ),
    )


def _summed_columns(table):
    """Count columns whose total line is the sum of the lines above it."""
    return [
        index
        for index, column in enumerate(table.columns)
        if column.kind == "count" and column.summed
    ]


def _check(shown, full, k: int) -> None:
    assert shown.key == full.key and len(shown.rows) == len(full.rows)
    for row_index, row in enumerate(shown.rows):
        for column_index, value in enumerate(row):
            original = full.rows[row_index][column_index]
            mark = shown.marks.get((row_index, column_index))
            if value is None and original is not None:
                assert mark in ("primary", "secondary"), (shown.key, row_index, column_index)
                continue
            assert value == original, (shown.key, row_index, column_index)  # shown = true value
            if shown.columns[column_index].kind == "count" and isinstance(value, int):
                assert not 0 < value < k, (shown.key, row_index, column_index, value)
    # A count column and its total line: no hidden cell follows from what is shown.
    if shown.has_total:
        for column_index in _summed_columns(shown):
            column = [[row[column_index]] for row in shown.rows]
            assert derivable(column, row_totals=False, column_totals=True) == (), (
                shown.key,
                column_index,
            )
    # Every marked cell is withheld (a derived hours or rate cell with the count it comes from).
    for row_index, column_index in shown.marks:
        assert shown.rows[row_index][column_index] is None


@settings(max_examples=60, deadline=None)
@given(dashboards(), st.integers(2, 15))
def test_no_small_or_derivable_cell_in_any_dashboard_table(d: Dashboard, k: int) -> None:
    full = {table.key: table for table in present.dashboard_tables(d, 1)}
    for table in present.dashboard_tables(d, k):
        _check(table, full[table.key], k)
    for item in present.headlines(d, k):
        if item.kind == "count" and item.value is not None:
            assert not 0 < item.value < k, item.key
        if item.key == "late_rate" and 0 < d.attendance.late < k:
            assert item.value is None  # the rate would give the small count back


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries(
        {code: st.fixed_dictionaries({g: count for g in bands.GENDERS}) for code in esf.INDICATORS}
    ),
    st.integers(2, 15),
)
def test_no_small_or_derivable_cell_in_the_esf_table(indicators, k: int) -> None:
    figures = EsfFigures(
        first_day="2025-11-01",
        last_day="2025-11-30",
        operation_start="2025-01-01",
        site_ids=[1],
        indicators=indicators,
    )
    shown, full = present.esf_table(figures, k), present.esf_table(figures, 1)
    _check(shown, full, k)
    grid = [list(row[1:]) for row in shown.rows]  # genders, then the indicator's total
    assert derivable(grid, row_totals=True, column_totals=False) == ()
