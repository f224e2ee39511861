"""From a grid and its header to a frame of typed columns, reporting every unusable cell."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from itertools import zip_longest
from typing import Any

import numpy as np
import pandas as pd

from sheets_schema.headers import HeaderMatch, SheetKind
from sheets_schema.issues import DataIssue, Severity, a1, column_letter
from sheets_schema.values import Invalid, formula_error, is_blank

ROW = "row"  # column holding each record's 0-based grid row, for A1 references
EXAMPLE_MARK = "(example)"  # starts the Student ID of the example rows `tutorsync init` writes


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
    return isinstance(cell, str) and cell.strip().casefold().startswith(EXAMPLE_MARK)


def raw_frame(grid: Sequence[Sequence[object]], header: HeaderMatch) -> pd.DataFrame:
    """Cells below the header, one column per found field, as typed (object dtype).

    Rows whose found fields are all blank are dropped: blank rows are normal anywhere. So are
    example rows (`is_example_row`), silently. Sheets omits trailing empty cells, so short rows
    read as blank in the missing columns.
    """
    body = grid[header.row + 1 :]
    # Column by column, in C: a log has millions of cells, and a loop per row is too slow.
    columns = list(zip_longest(*body))
    empty = (None,) * len(body)
    found = {name: columns[i] if i < len(columns) else empty for name, i in header.columns.items()}
    # Both tests depend on the value alone and give one answer for values that compare equal
    # (1 == 1.0 == True are none of them blank or marked), so each distinct cell is tested once.
    blank = np.ones(len(body), dtype=bool)
    for cells in found.values():
        blank_of = {cell: is_blank(cell) for cell in dict.fromkeys(cells)}
        blank &= np.fromiter(map(blank_of.__getitem__, cells), dtype=bool, count=len(cells))
    keep = ~blank
    # Only a row holding a marked cell can be an example row; those few are checked as rows.
    student_id_column = header.columns.get("student_id")
    for cells in columns:
        marked = {
            cell
            for cell in dict.fromkeys(cells)
            if isinstance(cell, str) and cell.strip().casefold().startswith(EXAMPLE_MARK)
        }  # as _marked_example, without a call per distinct cell (a form's times are unique)
        for index in (i for i, cell in enumerate(cells) if cell in marked) if marked else ():
            if keep[index] and is_example_row(body[index], student_id_column):
                keep[index] = False
    kept = np.flatnonzero(keep)
    frame = pd.DataFrame(
        {name: _object_array(cells)[kept] for name, cells in found.items()},
        columns=list(found),
        dtype=object,
    )
    frame[ROW] = pd.Series(kept + header.row + 1, dtype="int64")
    return frame


def a1_cells(rows: pd.Series, columns: Sequence[int]) -> list[pd.Series]:
    """Per column, the A1 reference of each row's cell in it (rows 0-based, as in ROW), as
    `rows.map(lambda row: a1(row, column))` gives it (an empty Series keeps its dtype). The
    row numbers are made text once for all the columns: a log has millions of rows."""
    if rows.empty:
        return [rows.copy() for _ in columns]
    numbers = (rows + 1).astype(str)
    return [column_letter(column) + numbers for column in columns]


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
    cells: Sequence[object], *, signed_zeros: bool = False
) -> tuple[np.ndarray, list[object]]:
    """A number per cell, the same for cells a parser cannot tell apart, and the first cell met
    of each number. Cells are told apart by value, and also by type when a column mixes types
    whose values compare equal across types (True == 1 == 1.0 parse differently); with
    `signed_zeros`, -0.0 apart from 0.0 too (parse_column has always read both as the first it
    met, but a cell parsed on its own keeps its sign)."""
    types = set(map(type, cells))
    negative_zeros = _negative_zeros(cells, types) if signed_zeros else []
    keyed_by_type = bool(negative_zeros) or not _self_keyed(types)

    def keys() -> Iterable[Any]:
        # Made twice rather than kept: for millions of cells, a list of (type, cell) pairs
        # costs hundreds of megabytes.
        if not keyed_by_type:
            return cells
        pairs: Iterable[Any] = zip(map(type, cells), cells, strict=True)
        if negative_zeros:  # rare
            pairs = list(pairs)
            for index in negative_zeros:
                pairs[index] = (("-0.0", type(cells[index])), cells[index])
        return pairs

    code_of = {key: code for code, key in enumerate(dict.fromkeys(keys()))}
    codes = np.fromiter(map(code_of.__getitem__, keys()), dtype=np.intp, count=len(cells))
    return codes, [key[1] if keyed_by_type else key for key in code_of]


def _self_keyed(types: set[type]) -> bool:
    return types <= _SELF_KEYED | _NUMBERS and len(types & _NUMBERS) <= 1


def _negative_zeros(cells: Sequence[object], types: set[type]) -> list[int]:
    """Positions of the float cells that are -0.0, found in bulk."""
    floats = [kind for kind in types if issubclass(kind, float)]
    if not floats:
        return []
    kinds = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    is_float = np.zeros(len(cells), dtype=bool)
    for kind in floats:
        is_float |= kinds == kind
    positions = np.flatnonzero(is_float)
    numbers = np.array([cells[i] for i in positions.tolist()], dtype=np.float64)
    return positions[(numbers == 0) & np.signbit(numbers)].tolist()


def _object_array(cells: Sequence[object]) -> np.ndarray:
    return np.fromiter(cells, dtype=object, count=len(cells))


def parse_column(
    frame: pd.DataFrame,
    field_name: str,
    parser: Callable[[Any], Any],
    *,
    kind: SheetKind,
    header: HeaderMatch,
    source: str,
    tab: str,
    severity: Severity = Severity.ERROR,
) -> tuple[pd.Series, list[DataIssue]]:
    """Parse one column; Invalid cells become None plus a data issue naming the cell. A
    formula's error ("#N/A", "#REF!") is Invalid in every column, text columns included.

    Parses each distinct value once, since logs repeat the same dates and durations.
    """
    raw = frame[field_name]
    cells = raw.tolist()
    codes, firsts = distinct_codes(cells)
    parsed_distinct = [formula_error(cell) or parser(cell) for cell in firsts]
    bad = [isinstance(value, Invalid) for value in parsed_distinct]
    usable = [
        None if invalid else value for value, invalid in zip(parsed_distinct, bad, strict=True)
    ]
    # Built as an object Series so None stays None and bools stay Python bools.
    parsed = pd.Series(_objects(usable)[codes], index=raw.index, dtype=object)
    issues = []
    for position in np.flatnonzero(_objects(bad, dtype=bool)[codes]) if any(bad) else ():
        index = raw.index[position]
        invalid = parsed_distinct[codes[position]]
        issues.append(
            DataIssue(
                source,
                tab,
                a1(int(frame.at[index, ROW]), header.columns[field_name]),
                show(cells[position]),
                f"{kind.field(field_name).label} '{show(cells[position])}' {invalid.what}",
                invalid.fix,
                severity,
            )
        )
    return parsed, issues


class ColumnParser:
    """Parses one tab's columns by field name, collecting every issue in `issues`."""

    def __init__(
        self, frame: pd.DataFrame, header: HeaderMatch, kind: SheetKind, *, source: str, tab: str
    ) -> None:
        self.frame, self.header, self.kind = frame, header, kind
        self.source, self.tab = source, tab
        self.issues: list[DataIssue] = []

    def __call__(
        self, name: str, parser: Callable[[Any], Any], severity: Severity = Severity.ERROR
    ) -> pd.Series:
        """The field's parsed values (None where blank or unreadable; all None if the tab has
        no such column)."""
        if name not in self.header.columns:
            return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)
        parsed, found = parse_column(
            self.frame,
            name,
            parser,
            kind=self.kind,
            header=self.header,
            source=self.source,
            tab=self.tab,
            severity=severity,
        )
        self.issues.extend(found)
        return parsed


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
