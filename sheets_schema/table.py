"""From grids and their headers to typed columns, reporting every unusable cell."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain, zip_longest
from typing import Any

import numpy as np
import pandas as pd

from sheets_schema.headers import HeaderMatch, SheetKind
from sheets_schema.issues import DataIssue, Severity, a1, column_letter
from sheets_schema.values import Invalid, detached, formula_error, is_blank


@dataclass(frozen=True)
class SourceTab:
    """One source tab to parse: its grid, where it is, and the config's column map."""

    grid: Sequence[Sequence[object]]
    source: str
    tab: str
    columns: Mapping[str, str] | None = None


ROW = "row"  # column holding each record's 0-based grid row, for A1 references
EXAMPLE_MARK = "(example)"  # starts the Student ID of the example rows `tutorsync init` writes


# A record's student as typed: a row with none of them names no one.
IDENTITY = ("student_id_typed", "student_name_typed", "student_email_typed")


def field_cells(
    records: Sequence[Mapping[str, Any]], header: HeaderMatch, field_name: str
) -> list[str | None]:
    """Each record's cell (A1) of the field's column; None when the tab has no such column."""
    column = header.columns.get(field_name)
    return [None if column is None else a1(record[ROW], column) for record in records]


def is_example_row(row: Sequence[object], student_id_column: int | None) -> bool:
    """Whether a row is an example to ignore: its first non-empty cell, or its student ID
    cell, is text starting with "(example)" (any case). Templates made by `tutorsync init`
    carry such rows to show what to type; they are never data, and never a data issue."""
    first = next((cell for cell in row if not is_blank(cell)), None)
    student_id = (
        row[student_id_column]
        if student_id_column is not None and student_id_column < len(row)
        else None
    )
    return _marked_example(first) or _marked_example(student_id)


def _marked_example(cell: object) -> bool:
    # Text without "(" is found in C: most cells, and every student row is asked.
    return (
        isinstance(cell, str) and "(" in cell and cell.strip().casefold().startswith(EXAMPLE_MARK)
    )


@dataclass(frozen=True)
class HeadedTab:
    """A source tab whose header was found."""

    grid: Sequence[Sequence[object]]
    header: HeaderMatch
    source: str
    tab: str


class TabCells:
    """The cells under the headers of tabs of one kind, every tab at once, field by field: a
    code per row kept, the same for cells a parser cannot tell apart, into the field's distinct
    cells. A log of millions of rows repeats the same dates, durations and words, so each
    distinct cell is tested and parsed once, for every tab.

    Rows whose fields are all blank are left out: blank rows are normal anywhere. So are
    example rows (`is_example_row`), silently. Sheets omits trailing empty cells, so short rows
    read as blank in the missing columns, as does a field a tab has no column for.
    """

    def __init__(self, tabs: Sequence[HeadedTab], kind: SheetKind) -> None:
        self.tabs, self.kind = tabs, kind
        self.issues: list[list[DataIssue]] = [[] for _ in tabs]  # per tab, as they are found
        bodies = [tab.grid[tab.header.row + 1 :] for tab in tabs]
        sizes = [len(body) for body in bodies]
        tab_of = np.repeat(np.arange(len(tabs)), sizes)
        starts = np.cumsum([0, *sizes])[:-1]
        first_rows = np.array([tab.header.row + 1 for tab in tabs], dtype=np.intp)
        row = np.arange(len(tab_of)) - starts[tab_of] + first_rows[tab_of]
        parts, marked_elsewhere = _field_columns(tabs, bodies, kind, starts)
        self._codes: dict[str, np.ndarray] = {}
        self._distinct: dict[str, list[object]] = {}
        keep = np.zeros(len(tab_of), dtype=bool)  # a row with something in a field
        marked = np.zeros(len(tab_of), dtype=bool)
        marked[marked_elsewhere] = True
        for name, columns in parts.items():
            codes, distinct = _distinct_codes_of(columns)
            distinct = [detached(cell) for cell in distinct]  # what parsing keeps, kept apart
            keep |= ~_each(distinct, is_blank)[codes]
            marked_cells = _each(distinct, _marked_example)
            if marked_cells.any():  # seldom: a template's example rows
                marked |= marked_cells[codes]
            self._codes[name], self._distinct[name] = codes, distinct
        # Only a row holding a marked cell can be an example row; those few are read as rows.
        for position in np.flatnonzero(marked & keep).tolist():
            tab = tabs[tab_of[position]]
            cells_of_row = bodies[tab_of[position]][position - starts[tab_of[position]]]
            if is_example_row(cells_of_row, tab.header.columns.get("student_id")):
                keep[position] = False
        kept = np.flatnonzero(keep)
        self.tab_of, self.row = tab_of[kept], row[kept]  # per row kept: its tab, its grid row
        if len(kept) < len(keep):
            for name in self._codes:
                self._codes[name] = self._codes[name][kept]

    def __len__(self) -> int:
        return len(self.row)

    def parse(
        self, name: str, parser: Callable[[Any], Any], severity: Severity = Severity.ERROR
    ) -> ParsedColumn:
        """The field's parsed values. An Invalid cell reads as None, with a data issue naming
        the cell; a formula's error ("#N/A", "#REF!") is Invalid in every field, text fields
        included. A field no tab has reads as None throughout."""
        if name not in self._codes:
            return ParsedColumn(np.zeros(len(self), dtype=np.intp), [None])
        codes, distinct = self._codes[name], self._distinct[name]
        parsed = [formula_error(cell) or parser(cell) for cell in distinct]
        invalid = _each(parsed, lambda value: isinstance(value, Invalid))
        for position in np.flatnonzero(invalid[codes]).tolist() if invalid.any() else ():
            self._report(position, name, parsed[codes[position]], severity)
        return ParsedColumn(codes, [None if isinstance(v, Invalid) else v for v in parsed])

    def blank(self, name: str) -> np.ndarray:
        """Per row, whether the field's cell is blank."""
        if name not in self._codes:
            return np.ones(len(self), dtype=bool)
        return _each(self._distinct[name], is_blank)[self._codes[name]]

    def cell(self, position: int, name: str) -> object:
        """The cell of a row in a field, as typed."""
        tab = self.tabs[self.tab_of[position]]
        column = tab.header.columns.get(name)
        cells = tab.grid[self.row[position]]
        return cells[column] if column is not None and column < len(cells) else None

    def _report(self, position: int, name: str, invalid: Invalid, severity: Severity) -> None:
        number = int(self.tab_of[position])
        tab, shown = self.tabs[number], show(self.cell(position, name))
        self.issues[number].append(
            DataIssue(
                tab.source,
                tab.tab,
                a1(int(self.row[position]), tab.header.columns[name]),
                shown,
                f"{self.kind.field(name).label} '{shown}' {invalid.what}",
                invalid.fix,
                severity,
            )
        )


def _field_columns(
    tabs: Sequence[HeadedTab],
    bodies: Sequence[Sequence[Sequence[object]]],
    kind: SheetKind,
    starts: np.ndarray,
) -> tuple[dict[str, list[Sequence[object]]], list[int]]:
    """Every field's column in each tab, and the rows with a cell marked as an example in a
    column no field reads."""
    names = [f.name for f in kind.fields if any(f.name in tab.header.columns for tab in tabs)]
    parts: dict[str, list[Sequence[object]]] = {name: [] for name in names}
    marked_elsewhere: list[int] = []
    for tab, body, start in zip(tabs, bodies, starts.tolist(), strict=True):
        # Column by column, in C: a log has millions of cells, and a loop per row is too slow.
        columns = list(zip_longest(*body))
        empty = (None,) * len(body)
        for name in names:
            index = tab.header.columns.get(name, len(columns))
            parts[name].append(columns[index] if index < len(columns) else empty)
        read = set(tab.header.columns.values())
        for index, column in enumerate(columns):
            if index not in read and str in set(map(type, column)):
                marked = {cell for cell in dict.fromkeys(column) if _marked_example(cell)}
                marked_elsewhere += [start + i for i, cell in enumerate(column) if cell in marked]
    return parts, marked_elsewhere


def _distinct_codes_of(parts: Sequence[Sequence[object]]) -> tuple[np.ndarray, list[object]]:
    """distinct_codes of the parts' cells one after another (a field's column in each tab),
    each part coded on its own first: a tab's few thousand distinct cells are looked up in a
    table that stays in the processor's cache, then numbered for all the parts at once."""
    code_of: dict[object, int] = {}
    coded, types = [], set()
    for part in parts:
        first, first_of_each = _first_positions(part)
        # Each distinct cell's number over all parts, at its first position in this part.
        in_all = np.empty(len(part), dtype=np.int32)
        in_all[list(first.values())] = [code_of.setdefault(cell, len(code_of)) for cell in first]
        coded.append(in_all[first_of_each])
        types |= set(map(type, part))
    if not _self_keyed(types):  # types whose values compare equal: told apart over all
        return distinct_codes(list(chain.from_iterable(parts)))
    codes = np.concatenate(coded) if coded else np.zeros(0, dtype=np.int32)
    return codes, list(code_of)


def _first_positions(cells: Sequence[object]) -> tuple[dict[object, int], np.ndarray]:
    """Each distinct cell's first position, and per cell the first position of a cell equal
    to it: one pass in C (setdefault keeps the first), not one to find the distinct cells
    and another to look each cell up among them."""
    first: dict[object, int] = {}
    positions = map(first.setdefault, cells, range(len(cells)))
    return first, np.fromiter(positions, dtype=np.int32, count=len(cells))


def _each(items: Sequence[object], test: Callable[[Any], bool]) -> np.ndarray:
    return np.fromiter(map(test, items), dtype=bool, count=len(items))


@dataclass(frozen=True)
class ParsedColumn:
    """A field's parsed values: per row, a code into `values` (None: blank or unreadable)."""

    codes: np.ndarray
    values: list[object]

    def objects(self) -> np.ndarray:
        """Per row, its value."""
        return _objects(self.values)[self.codes]

    def categorical(self, rows: np.ndarray) -> pd.Categorical:
        """The values of `rows` as a categorical (None: missing). The values keep their types
        (an Attendance stays one, not its text)."""
        value_codes, categories = pd.factorize(_objects(self.values))
        codes = smallest_codes(value_codes, len(categories))[self.codes[rows]]
        return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


def smallest_codes(codes: np.ndarray, categories: int) -> np.ndarray:
    """`codes` in the smallest integers that hold them, as a categorical of `categories`
    keeps its codes: gathered so for millions of rows, rather than converted after."""
    kinds = (np.int8, np.int16, np.int32, np.int64)
    return codes.astype(next(kind for kind in kinds if categories < np.iinfo(kind).max))


def a1_categorical(columns: np.ndarray, rows: np.ndarray) -> pd.Categorical:
    """The A1 reference of each 0-based (row, column), as a categorical: tabs repeat the same
    few columns and row numbers, so millions of references share some hundred thousand
    texts."""
    width = int(rows.max()) + 1 if len(rows) else 1
    codes, keys = pd.factorize(columns.astype(np.int64) * width + rows)
    letters = {column: column_letter(column) for column in np.unique(keys // width).tolist()}
    texts = [f"{letters[key // width]}{key % width + 1}" for key in keys.tolist()]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object))


def with_none_last(values: Sequence[object] | np.ndarray) -> np.ndarray:
    """`values` as objects, and None after them: what a code of -1 (a blank) reads."""
    return _objects([*values, None])


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its categorical columns as objects, a blank as None (not NaN): matching
    reads a missing ID or name as None."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = with_none_last(column.cat.categories.to_numpy(dtype=object))
            columns[name] = pd.Series(
                categories[column.cat.codes.to_numpy()], index=frame.index, dtype=object
            )
        else:
            columns[name] = column
    return pd.DataFrame(columns, index=frame.index, copy=False)


def map_distinct(
    cells: Sequence[object], function: Callable[[Any], Any], *, dtype: Any = object
) -> np.ndarray:
    """`function` of each cell, called once per distinct cell (`distinct_codes`): logs repeat
    the same dates, durations and words across rows."""
    codes, firsts = distinct_codes(cells)
    return _objects([function(cell) for cell in firsts], dtype=dtype)[codes]


def _objects(items: Sequence[object], *, dtype: Any = object) -> np.ndarray:
    """A 1-d array of `items` as they are (a list item stays one item, not a row)."""
    array = np.empty(len(items), dtype=dtype)
    for index, item in enumerate(items):
        array[index] = item
    return array


# Types whose values equal no value of another type among them (date(2026, 1, 5) is not
# datetime(2026, 1, 5)), so a cell of these can key a cache by itself, as can one more type
# of the numbers: True == 1 == 1.0 in Python, but they parse differently.
_SELF_KEYED = frozenset({type(None), str, date, datetime, time})
_NUMBERS = frozenset({bool, int, float})


def distinct_codes(
    cells: Sequence[object],
    *,
    signed_zeros: bool = False,
    numbers_alike: frozenset[type] = frozenset(),
) -> tuple[np.ndarray, list[object]]:
    """A number per cell, the same for cells a parser cannot tell apart, and the first cell met
    of each number. Cells are told apart by value, and also by type when a column mixes types
    whose values compare equal across types (True == 1 == 1.0 parse differently), but for the
    `numbers_alike` the caller's parser reads alike (a score of 17 or 17.0 is 17 points); with
    `signed_zeros`, -0.0 apart from 0.0 too (a column parsed whole has always read both as the
    first it met, but a cell parsed on its own keeps its sign)."""
    # By value first, in C; then, only where it matters, apart by type and sign.
    first, first_of_each = _first_positions(cells)
    # Numbered as first met; 32-bit codes: columns of millions of cells cost by their size.
    number_at = np.empty(len(cells), dtype=np.int32)
    number_at[list(first.values())] = np.arange(len(first), dtype=np.int32)
    codes = number_at[first_of_each]
    zero = first.get(0)  # the value 0 == 0.0 == -0.0 == False, if any cell holds it
    zero_code = None if zero is None else int(number_at[zero])
    apart = _apart(cells, codes, zero_code, signed_zeros, numbers_alike)
    if apart is None:
        return codes, list(first)
    key = codes.astype(np.int64) * (int(apart.max()) + 1) + apart
    used = np.zeros(int(key.max()) + 1, dtype=bool)
    used[key] = True
    codes = (np.cumsum(used, dtype=np.int32) - 1)[key]  # the keys used, numbered in order
    first_met = np.full(int(codes.max()) + 1, len(cells))
    np.minimum.at(first_met, codes, np.arange(len(cells)))
    return codes, [cells[position] for position in first_met.tolist()]


def _apart(
    cells: Sequence[object],
    codes: np.ndarray,
    zero: int | None,
    signed_zeros: bool,
    numbers_alike: frozenset[type],
) -> np.ndarray | None:
    """Per cell, a number telling apart cells of one value that a parser reads differently:
    their type, when the cells mix types of equal values, and a float's negative zero, with
    `signed_zeros`. None when every cell of a value reads alike."""
    types = set(map(type, cells))
    apart = None
    if not _self_keyed(types, numbers_alike):
        index_of = {kind: index for index, kind in enumerate(types)}
        apart = 2 * np.fromiter(map(index_of.__getitem__, map(type, cells)), np.intp, len(cells))
    if signed_zeros and zero is not None and any(issubclass(kind, float) for kind in types):
        negative = [
            position
            for position in np.flatnonzero(codes == zero).tolist()
            if isinstance(cell := cells[position], float) and math.copysign(1.0, cell) < 0
        ]
        if negative:
            apart = np.zeros(len(cells), dtype=np.intp) if apart is None else apart
            apart[negative] += 1
    return apart


def _self_keyed(types: set[type], numbers_alike: frozenset[type] = frozenset()) -> bool:
    numbers = types & _NUMBERS
    kinds_of_number = len(numbers - numbers_alike) + bool(numbers & numbers_alike)
    return types <= _SELF_KEYED | _NUMBERS and kinds_of_number <= 1


def shown_or_none(value: object) -> str | None:
    """A text cell (a name) as `show` gives it; None when blank."""
    return None if is_blank(value) else show(value)


def show(value: object) -> str:
    """A cell as an educator would recognise it in a message: cut at 80 characters."""
    text = whole_text(value)
    return text if len(text) <= 80 else text[:77] + "..."


def whole_text(value: object) -> str:
    """A cell's text, all of it (a tutor's note is read in full: what matters may be last)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
