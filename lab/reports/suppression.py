"""Small-cell suppression: no published count from 1 to k-1, and no way to work one out.

A table for a funder, or for a role that may not see rows, hides every count from 1 to k-1
(primary suppression; k is the deployment's threshold, ``DEFAULT_K`` unless it says otherwise),
then enough other cells that no hidden count can be computed back from what is shown and the
table's sums (secondary suppression). 0 is always shown: a structural zero reveals nothing about
anyone. With k <= 1 nothing is hidden.

"Cannot be computed back" means, exactly: every published cell is a variable, every row, column
and total gives one linear equation, and a hidden cell is given away iff its unit vector lies in
the row space of those equations restricted to the hidden cells. That rank test, done with exact
rationals, is the contract; ``derivable`` checks any published grid against it.

What the rank test does not protect against is bounds. Counts are whole and never negative, and
since zeros are always shown a hidden cell is known to be at least 1, so a reader can narrow a
hidden cell to an interval: two hidden cells that must add up to 7 are each between 1 and 6, and
the reader learns that both are small. One such case is exact and is guarded here: when the
hidden cells of one row or column must add up to exactly as many as they are, each of them is 1,
so another cell of that line is hidden. Bounds that come from combining several lines (which only
linear programming would find) are not checked; coarser categories protect better than this can.

Secondary cells are chosen to lose little: each exposed cell gets the cheapest smallest loop
through it (a rectangle of the published grid, or a pair of cells in one line when only one kind
of total is published): the fewest totals, then the least value hidden, then the fewest cells.
A zero is never hidden. Ties go to the first positions, so the choice is deterministic and an
export run twice is the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction

from lab.reports.model import PRIMARY, SECONDARY, Mark

DEFAULT_K = 11  # the threshold a deployment uses unless its settings say otherwise

Cell = tuple[int, int]  # (row, column) in the published grid, totals last
Equation = tuple[tuple[Cell, int], ...]  # the cells of one sum and their coefficients (+1 / -1)
Number = int | Fraction


@dataclasses.dataclass(frozen=True, slots=True)
class Protected:
    """A published grid: the counts with their totals (a total column last when ``row_totals``,
    a total row last when ``column_totals``, the grand total in the corner when both), ``None``
    where a count is hidden, and ``marks[(row, column)]`` saying why each one is."""

    values: tuple[tuple[int | None, ...], ...]
    marks: dict[Cell, Mark]
    row_totals: bool
    column_totals: bool


def protect_grid(
    cells: Sequence[Sequence[int]],
    k: int,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> Protected:
    """Publish an R×C table of counts with the totals asked for, every count from 1 to k-1
    hidden (primary), and as many more as it takes for none to be derivable (secondary).
    Raises ``ValueError`` for ragged rows or a count that is not a non-negative integer."""
    grid = _published(_checked(cells), row_totals, column_totals)
    cells_of = [(row, column) for row in range(len(grid)) for column in range(len(grid[row]))]
    marks: dict[Cell, Mark] = {}
    if k > 1:
        marks = {cell: PRIMARY for cell in cells_of if 0 < grid[cell[0]][cell[1]] < k}
        secondary = _Secondary(grid, set(marks), row_totals, column_totals)
        for cell in secondary.choose():
            marks[cell] = SECONDARY
    values = tuple(
        tuple(None if (row, column) in marks else value for column, value in enumerate(line))
        for row, line in enumerate(grid)
    )
    return Protected(values, dict(sorted(marks.items())), row_totals, column_totals)


def protect_list(values: Sequence[int], k: int, *, total: bool = True) -> Protected:
    """Publish one column of counts, with its total as the last row when ``total``: the
    same rules as ``protect_grid``. ``values[i][0]`` is the i-th count as published."""
    return protect_grid([[value] for value in values], k, row_totals=False, column_totals=total)


def protect_figure(value: int, k: int) -> tuple[int | None, Mark | None]:
    """A lone headline figure, with no sum to give it away: hidden (primary) iff 1 to k-1."""
    _checked([[value]])
    if k > 1 and 0 < value < k:
        return None, PRIMARY
    return value, None


def derivable(
    values: Sequence[Sequence[int | None]], *, row_totals: bool, column_totals: bool
) -> tuple[Cell, ...]:
    """The hidden cells (``None``) of a published grid that its shown cells and its sums
    determine exactly, in position order: empty when the grid gives nothing away. It rebuilds
    the equations from the grid's shape and margin flags alone, whoever chose what to hide."""
    widths = {len(line) for line in values}
    if len(widths) > 1:
        raise ValueError("a published grid has rows of one width")
    equations = _equations(len(values), widths.pop() if widths else 0, row_totals, column_totals)
    hidden = {
        (row, column)
        for row, line in enumerate(values)
        for column, value in enumerate(line)
        if value is None
    }
    return tuple(_determined(equations, hidden))


def _checked(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [list(line) for line in cells]
    if len({len(line) for line in rows}) > 1:
        raise ValueError("every row of a table has as many counts")
    for line in rows:
        for value in line:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"a count is a whole number, 0 or more, not {value!r}")
    return rows


def _published(cells: list[list[int]], row_totals: bool, column_totals: bool) -> list[list[int]]:
    width = (len(cells[0]) if cells else 0) + row_totals
    grid = [[*line, sum(line)] if row_totals else line for line in cells]
    if column_totals:
        grid.append([sum(line[column] for line in grid) for column in range(width)])
    return grid


def _equations(height: int, width: int, row_totals: bool, column_totals: bool) -> list[Equation]:
    """One equation per published row (its counts minus its total) and per published column.
    The total row's own row equation and the total column's own column equation are the ones
    that tie the margins to the grand total, so the loops need no special case."""
    found: list[Equation] = []
    if row_totals:
        for row in range(height):
            found.append(
                _sum_equals(((row, column) for column in range(width - 1)), (row, width - 1))
            )
    if column_totals:
        for column in range(width):
            found.append(
                _sum_equals(((row, column) for row in range(height - 1)), (height - 1, column))
            )
    return found


def _sum_equals(parts: Iterable[Cell], total: Cell) -> Equation:
    return (*((cell, 1) for cell in parts), (total, -1))


def _determined(equations: Sequence[Equation], hidden: set[Cell]) -> list[Cell]:
    """Hidden cells whose unit vector lies in the row space of the equations restricted to
    the hidden cells: in reduced row echelon form, those whose pivot row holds nothing else.

    Rows are sparse and reduced as they arrive. Divisions go through ``_divided``, which stays
    exact with ``Fraction``; for these tables (totally unimodular sums) every pivot is 1 or -1,
    so the entries remain whole numbers and the work stays fast."""
    order = sorted(hidden)
    index = {cell: position for position, cell in enumerate(order)}
    pivots: dict[int, dict[int, Number]] = {}
    for equation in equations:
        row: dict[int, Number] = {index[cell]: c for cell, c in equation if cell in hidden}
        for column in [column for column in row if column in pivots]:
            factor = row.get(column, 0)
            if factor:
                _subtract(row, factor, pivots[column])
        if not row:
            continue
        lead = min(row)
        scale = row[lead]
        row = {column: _divided(value, scale) for column, value in row.items()}
        for other in pivots.values():
            factor = other.get(lead, 0)
            if factor:
                _subtract(other, factor, row)
        pivots[lead] = row
    return [order[column] for column, row in sorted(pivots.items()) if len(row) == 1]


def _subtract(row: dict[int, Number], factor: Number, pivot: dict[int, Number]) -> None:
    for column, value in pivot.items():
        left = row.get(column, 0) - factor * value
        if left:
            row[column] = left
        else:
            row.pop(column, None)


def _divided(value: Number, by: Number) -> Number:
    quotient = Fraction(value) / by
    return quotient.numerator if quotient.denominator == 1 else quotient


class _Secondary:
    """Chooses the secondary cells of one grid. A hidden cell is safe once it lies on a loop of
    hidden non-zero cells that can all move by one, up and down in turn, without changing a
    shown sum. The smallest such loops are rectangles of the published grid (its totals
    included) when both totals are published, and pairs of cells in one line when only one
    kind is. So each exposed cell gets the cheapest rectangle (or pair) through it, and since
    hiding more never exposes a cell that a loop protects, one round of rectangles protects
    every cell the rank test found. Lines whose hidden cells could only all be 1 get one more
    cell, which the next round protects in turn. Each round hides at least one more non-zero
    cell, so the rounds end."""

    def __init__(
        self,
        grid: list[list[int]],
        hidden: set[Cell],
        row_totals: bool,
        column_totals: bool,
    ):
        self.grid = grid
        self.hidden = hidden
        self.row_totals = row_totals
        self.column_totals = column_totals
        self.height = len(grid)
        self.width = len(grid[0]) if grid else 0
        self.equations = _equations(self.height, self.width, row_totals, column_totals)

    def choose(self) -> list[Cell]:
        chosen: list[Cell] = []
        while True:
            added = [cell for exposed in self._determined() for cell in self._loop(exposed)]
            for number in self._lines_of_ones():
                added.append(self._cheapest_in(self.equations[number]))
            if not added:
                return chosen
            chosen.extend(added)

    def _value(self, cell: Cell) -> int:
        return self.grid[cell[0]][cell[1]]

    def _margin(self, cell: Cell) -> bool:
        return (self.row_totals and cell[1] == self.width - 1) or (
            self.column_totals and cell[0] == self.height - 1
        )

    def _determined(self) -> list[Cell]:
        return _determined(self.equations, self.hidden)

    def _loop(self, exposed: Cell) -> list[Cell]:
        """Hide the cheapest loop through an exposed cell, and return the cells it adds
        (none when a loop of hidden cells through it already exists)."""
        best = min(
            (
                (self._cost(added), added)
                for corners in self._loops_through(exposed)
                if all(self._value(cell) > 0 for cell in corners)
                for added in [tuple(cell for cell in corners if cell not in self.hidden)]
            ),
            default=None,
        )
        if best is None:
            # Unreachable: a non-zero cell always shares a rectangle (or a pair) with totals
            # that are at least as large as it, so a loop of non-zero cells exists.
            raise RuntimeError(f"no loop of non-zero cells runs through {exposed}")
        self.hidden.update(best[1])
        return list(best[1])

    def _loops_through(self, cell: Cell) -> Iterator[tuple[Cell, ...]]:
        """The other corners of each smallest loop through a cell."""
        row, column = cell
        others_in_row = [c for c in range(self.width) if c != column]
        others_in_column = [r for r in range(self.height) if r != row]
        if self.row_totals and self.column_totals:
            for other_row in others_in_column:
                for other_column in others_in_row:
                    yield (row, other_column), (other_row, column), (other_row, other_column)
        elif self.row_totals:
            for other_column in others_in_row:
                yield ((row, other_column),)
        elif self.column_totals:
            for other_row in others_in_column:
                yield ((other_row, column),)

    def _cost(self, added: tuple[Cell, ...]) -> tuple[int, int, int, tuple[Cell, ...]]:
        """Totals last (hiding one hides a whole line's sum), then the least value hidden,
        then the fewest cells, then the first positions: the same input, the same choice."""
        margins = sum(self._margin(cell) for cell in added)
        return (margins, sum(self._value(cell) for cell in added), len(added), added)

    def _lines_of_ones(self) -> list[int]:
        """Lines whose hidden cells all count the same way and must add up to as many as
        they are: each of them is then 1, since hidden cells are never 0."""
        found = []
        for number, equation in enumerate(self.equations):
            concealed = [c for cell, c in equation if cell in self.hidden]
            if len(concealed) < 2 or len(set(concealed)) > 1:
                continue
            shown = sum(c * self._value(cell) for cell, c in equation if cell not in self.hidden)
            if -shown * concealed[0] == len(concealed):  # every coefficient is 1 or -1
                found.append(number)
        return found

    def _cheapest_in(self, equation: Equation) -> Cell:
        """The shown non-zero cell of a line to hide: inner cells before totals, the smallest,
        the first. One exists: the line's shown total is at least 2."""
        candidates = [c for c, _ in equation if c not in self.hidden and self._value(c) > 0]
        cell = min(candidates, key=lambda c: (self._margin(c), self._value(c), c))
        self.hidden.add(cell)
        return cell
