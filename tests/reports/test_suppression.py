"""Small-cell suppression: worked examples, then properties over random tables, checked both by
the rank test and by brute force (other fillings of the table that match what is shown)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.reports.model import PRIMARY, SECONDARY
from lab.reports.suppression import (
    Cell,
    Protected,
    derivable,
    protect_figure,
    protect_grid,
    protect_list,
)

# Worked examples.


def test_a_cell_of_three_is_hidden_and_marked_primary():
    protected = protect_grid([[3, 20], [30, 40]], 11)
    assert protected.values[0][0] is None
    assert protected.marks[(0, 0)] == PRIMARY


def test_one_small_cell_in_a_two_by_two_table_hides_the_three_other_counts():
    protected = protect_grid([[3, 20], [30, 40]], 11)
    assert protected.values == ((None, None, 23), (None, None, 70), (33, 60, 93))
    assert protected.marks == {
        (0, 0): PRIMARY,
        (0, 1): SECONDARY,
        (1, 0): SECONDARY,
        (1, 1): SECONDARY,
    }


def test_the_small_cell_is_protected_by_the_rectangle_that_hides_the_least():
    # Through (0, 0): 12 + 15 + 90 = 117 is the least any rectangle of other counts adds.
    protected = protect_grid([[3, 50, 12], [40, 60, 70], [15, 80, 90]], 11)
    assert protected.marks == {
        (0, 0): PRIMARY,
        (0, 2): SECONDARY,
        (2, 0): SECONDARY,
        (2, 2): SECONDARY,
    }


def test_hiding_only_the_small_cell_would_let_the_totals_give_it_away():
    # What primary suppression alone would publish: the row total minus 20 is the hidden 3.
    only_primary = ((None, 20, 23), (30, 40, 70), (33, 60, 93))
    assert derivable(only_primary, row_totals=True, column_totals=True) == ((0, 0),)
    alone = Protected(only_primary, {(0, 0): PRIMARY}, row_totals=True, column_totals=True)
    assert fixed_cells(alone, [[3, 20], [30, 40]]) == [(0, 0)]


def test_a_row_with_one_small_cell_and_its_total_also_hides_its_smallest_other_count():
    protected = protect_grid([[3, 40, 25]], 11, column_totals=False)
    assert protected.values == ((None, 40, None, 68),)
    assert protected.marks == {(0, 0): PRIMARY, (0, 2): SECONDARY}


def test_a_list_with_one_small_count_and_its_total_hides_its_smallest_other_count():
    protected = protect_list([3, 40, 25], 11)
    assert protected.values == ((None,), (40,), (None,), (68,))
    assert protected.marks == {(0, 0): PRIMARY, (2, 0): SECONDARY}


def test_without_totals_only_the_small_counts_are_hidden():
    protected = protect_grid([[3, 50], [7, 0]], 11, row_totals=False, column_totals=False)
    assert protected.values == ((None, 50), (None, 0))
    assert set(protected.marks.values()) == {PRIMARY}


def test_zeros_are_shown():
    protected = protect_grid([[0, 50], [0, 60]], 11)
    assert protected.values == ((0, 50, 50), (0, 60, 60), (0, 110, 110))
    assert protected.marks == {}
    beside_small_ones = protect_grid([[0, 3, 4], [0, 0, 0]], 11)
    assert [row[0] for row in beside_small_ones.values] == [0, 0, 0]


@pytest.mark.parametrize("k", [1, 0, -3])
def test_a_threshold_of_one_or_less_hides_nothing(k):
    protected = protect_grid([[1, 2], [3, 0]], k)
    assert protected.values == ((1, 2, 3), (3, 0, 3), (4, 2, 6))
    assert protected.marks == {}
    assert protect_figure(1, k) == (1, None)


def test_the_grand_total_is_hidden_when_small():
    protected = protect_grid([[1, 2], [3, 0]], 11)
    assert protected.values[2][2] is None
    assert protected.marks[(2, 2)] == PRIMARY
    assert protected.values[1][1] == 0
    assert derivable(protected.values, row_totals=True, column_totals=True) == ()


def test_a_small_column_total_is_hidden_with_its_counts():
    protected = protect_grid([[6], [6]], 13, row_totals=False)
    assert protected.values == ((None,), (None,), (None,))
    assert protected.marks == {(0, 0): PRIMARY, (1, 0): PRIMARY, (2, 0): PRIMARY}


def test_two_hidden_ones_in_a_line_are_not_left_adding_up_to_two():
    # 1 + 1 + 50 + 60 = 112: hiding the ones alone tells that they are both 1.
    protected = protect_list([1, 1, 50, 60], 11)
    assert protected.values == ((None,), (None,), (None,), (60,), (112,))
    assert protected.marks[(2, 0)] == SECONDARY


def test_a_headline_figure_is_hidden_from_one_to_k_minus_one():
    assert protect_figure(0, 11) == (0, None)
    assert protect_figure(1, 11) == (None, PRIMARY)
    assert protect_figure(10, 11) == (None, PRIMARY)
    assert protect_figure(11, 11) == (11, None)


def test_derivable_names_a_lone_hidden_cell_of_a_row_with_its_total():
    assert derivable(((5, None, 12),), row_totals=True, column_totals=False) == ((0, 1),)
    assert derivable(((None, None, 12),), row_totals=True, column_totals=False) == ()
    assert derivable(((None, None),), row_totals=False, column_totals=False) == ()


def test_a_table_of_every_shape_publishes_its_totals_last():
    protected = protect_grid([[20, 30, 40]], 11)
    assert protected.values == ((20, 30, 40, 90), (20, 30, 40, 90))
    assert protect_grid([[20, 30, 40]], 11, row_totals=False).values == (
        (20, 30, 40),
        (20, 30, 40),
    )
    assert protect_grid([[20], [30]], 11, column_totals=False).values == ((20, 20), (30, 30))


@pytest.mark.parametrize("cells", [[[1, -1]], [[1, 2], [3]], [[True, 2]], [[1.5, 2]]], ids=str)
def test_counts_that_are_not_whole_numbers_of_zero_or_more_are_refused(cells):
    with pytest.raises(ValueError):
        protect_grid(cells, 11)


# Properties.

counts = st.one_of(st.integers(0, 4), st.integers(0, 20), st.integers(0, 500))


@st.composite
def tables(draw, most: int = 8, values=counts):
    rows = draw(st.integers(1, most))
    columns = draw(st.integers(1, most))
    return [[draw(values) for _ in range(columns)] for _ in range(rows)]


def published(cells: Sequence[Sequence[int]], row_totals: bool, column_totals: bool):
    """The full published grid, written out plainly for the tests to compare with."""
    grid = [list(row) + [sum(row)] * row_totals for row in cells]
    if column_totals:
        grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 15), st.booleans(), st.booleans())
def test_no_shown_count_is_small_and_every_shown_count_is_the_true_one(cells, k, rows, columns):
    protected = protect_grid(cells, k, row_totals=rows, column_totals=columns)
    truth = published(cells, rows, columns)
    assert len(protected.values) == len(truth)
    for row, (shown_row, true_row) in enumerate(zip(protected.values, truth, strict=True)):
        assert len(shown_row) == len(true_row)
        for column, (shown, true) in enumerate(zip(shown_row, true_row, strict=True)):
            mark = protected.marks.get((row, column))
            if shown is None:
                assert mark == (PRIMARY if 0 < true < k else SECONDARY)
                assert true > 0  # a zero is never hidden
            else:
                assert mark is None
                assert shown == true
                assert not 0 < shown < k


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 15), st.booleans(), st.booleans())
def test_no_hidden_count_can_be_worked_out_from_the_totals(cells, k, rows, columns):
    protected = protect_grid(cells, k, row_totals=rows, column_totals=columns)
    assert derivable(protected.values, row_totals=rows, column_totals=columns) == ()


@settings(max_examples=200, deadline=None)
@given(tables(), st.integers(2, 15), st.booleans(), st.booleans())
def test_the_same_table_is_always_published_the_same_way(cells, k, rows, columns):
    first = protect_grid(cells, k, row_totals=rows, column_totals=columns)
    again = protect_grid(tuple(map(tuple, cells)), k, row_totals=rows, column_totals=columns)
    assert again == first
    assert list(again.marks) == list(first.marks)


@settings(max_examples=300, deadline=None)
@given(tables(most=3, values=st.integers(0, 12)), st.integers(2, 15), st.booleans(), st.booleans())
def test_every_hidden_count_of_a_small_table_could_be_another_count(cells, k, rows, columns):
    protected = protect_grid(cells, k, row_totals=rows, column_totals=columns)
    assert fixed_cells(protected, cells) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.integers(2, 15), st.booleans())
def test_a_list_keeps_the_same_promises(values, k, total):
    protected = protect_list(values, k, total=total)
    assert protected == protect_grid(
        [[value] for value in values], k, column_totals=total, row_totals=False
    )
    assert derivable(protected.values, row_totals=False, column_totals=total) == ()
    if len(values) <= 5 and max(values) <= 12:
        assert fixed_cells(protected, [[value] for value in values]) == []


@st.composite
def concealed_grids(draw):
    """A small table of counts from 1 to 12, published with random totals and with cells
    hidden at random, as no choice algorithm would hide them."""
    cells = draw(tables(most=3, values=st.integers(1, 12)))
    rows, columns = draw(st.booleans()), draw(st.booleans())
    truth = published(cells, rows, columns)
    hide = st.booleans()
    values = tuple(tuple(None if draw(hide) else value for value in line) for line in truth)
    return cells, Protected(values, {}, rows, columns)


@settings(max_examples=300, deadline=None)
@given(concealed_grids())
def test_the_rank_test_names_exactly_the_cells_that_no_other_filling_can_change(case):
    cells, grid = case
    found = derivable(grid.values, row_totals=grid.row_totals, column_totals=grid.column_totals)
    assert list(found) == fixed_cells(grid, cells)


def test_a_cell_bridging_two_hidden_loops_is_given_away_though_its_lines_hide_others():
    # Every line with a hidden cell hides at least two, yet (0, 2) is rows 0 and 1 minus
    # columns 0 and 1: the rank test sees what counting hidden cells per line would miss.
    cells = [[5, 6, 7, 20], [8, 9, 20, 20], [20, 20, 5, 6], [20, 20, 7, 8]]
    truth = published(cells, True, True)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    values = tuple(
        tuple(None if (r, c) in hidden else v for c, v in enumerate(line))
        for r, line in enumerate(truth)
    )
    assert derivable(values, row_totals=True, column_totals=True) == ((0, 2),)


# Brute force: an independent check that does not trust the rank test.

REACH = 2  # how far from its true value each free hidden count is tried


def fixed_cells(protected: Protected, cells: Sequence[Sequence[int]]) -> list[Cell]:
    """Hidden cells that no other non-negative filling of the counts would change: for each
    hidden cell, search for a filling of the hidden counts that reproduces every shown cell
    (totals computed from the filling) while giving that cell another value.

    Free counts are tried within ``REACH`` of their true value, counts that a shown total
    leaves no choice over are computed. That reach is enough when every hidden count is at
    least 1, since a loop of hidden cells can then move by ±1 and keep every sum (and the
    comparison with the rank test on random hidings checks that it misses nothing). The
    search is bounded: at most 5⁹ fillings per hidden cell of a 3×3 table."""
    values = protected.values
    height, width = len(cells), len(cells[0])
    truth = published(cells, protected.row_totals, protected.column_totals)
    order = [(r, c) for r in range(height) for c in range(width) if values[r][c] is None]
    hidden = [
        (r, c) for r, line in enumerate(values) for c, value in enumerate(line) if value is None
    ]

    def row_total(row: int) -> int | None:
        return values[row][width] if protected.row_totals else None

    def column_total(column: int) -> int | None:
        return values[height][column] if protected.column_totals else None

    def tries(cell: Cell, filling: dict[Cell, int], target: Cell) -> list[int]:
        row, column = cell
        forced = set()
        if row_total(row) is not None and not any(c[0] == row and c > cell for c in order):
            forced.add(
                row_total(row)
                - sum(filling.get((row, c), cells[row][c]) for c in range(width) if c != column)
            )
        if column_total(column) is not None and not any(c[1] == column and c > cell for c in order):
            forced.add(
                column_total(column)
                - sum(filling.get((r, column), cells[r][column]) for r in range(height) if r != row)
            )
        true = cells[row][column]
        if forced:
            found = list(forced) if len(forced) == 1 else []
        else:
            span = range(max(0, true - REACH), true + REACH + 1)
            found = sorted(span, key=lambda value: (abs(value - true), value))
        return [v for v in found if v >= 0 and not (cell == target and v == true)]

    def matches(filling: dict[Cell, int], target: Cell) -> bool:
        grid = published(
            [[filling.get((r, c), cells[r][c]) for c in range(width)] for r in range(height)],
            protected.row_totals,
            protected.column_totals,
        )
        for r, line in enumerate(values):
            for c, shown in enumerate(line):
                if shown is not None and grid[r][c] != shown:
                    return False
        return grid[target[0]][target[1]] != truth[target[0]][target[1]]

    def search(position: int, filling: dict[Cell, int], target: Cell) -> bool:
        if position == len(order):
            return matches(filling, target)
        cell = order[position]
        for value in tries(cell, filling, target):
            filling[cell] = value
            if search(position + 1, filling, target):
                return True
        filling.pop(cell, None)
        return False

    return [target for target in hidden if not search(0, {}, target)]
