"""From a grid and its header to a frame of typed columns, reporting every unusable cell."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from sheets_schema.headers import HeaderMatch, SheetKind
from sheets_schema.issues import DataIssue, Severity, a1
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
    fields = list(header.columns)
    student_id_column = header.columns.get("student_id")
    records = []
    rows = []
    for row_index in range(header.row + 1, len(grid)):
        row = grid[row_index]
        cells = [row[i] if i < len(row) else None for i in header.columns.values()]
        if all(is_blank(cell) for cell in cells) or is_example_row(row, student_id_column):
            continue
        records.append(cells)
        rows.append(row_index)
    frame = pd.DataFrame(records, columns=fields, dtype=object)
    frame[ROW] = pd.Series(rows, dtype="int64")
    return frame


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
    parsed_by_value: dict[Any, Any] = {}

    def parse_once(value: Any) -> Any:
        key = _hashable(value)
        if key not in parsed_by_value:
            parsed_by_value[key] = formula_error(value) or parser(value)
        return parsed_by_value[key]

    # Built as an object Series so None stays None and bools stay Python bools.
    parsed = pd.Series([parse_once(value) for value in raw], index=raw.index, dtype=object)
    invalid = parsed.map(lambda value: isinstance(value, Invalid))
    issues = [
        DataIssue(
            source,
            tab,
            a1(int(frame.at[index, ROW]), header.columns[field_name]),
            show(raw.at[index]),
            f"{kind.field(field_name).label} '{show(raw.at[index])}' {parsed.at[index].what}",
            parsed.at[index].fix,
            severity,
        )
        for index in parsed.index[invalid.to_numpy(dtype=bool)]
    ]
    return parsed.mask(invalid, None), issues


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


def show(value: object) -> str:
    """A cell as an educator would recognise it in a message."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text if len(text) <= 80 else text[:77] + "..."


def _hashable(value: Any) -> Any:
    # Keyed by type too: True == 1 == 1.0 in Python, but they parse differently; and
    # NaN != NaN would miss the cache.
    if isinstance(value, float) and value != value:
        return (float, "nan")
    return (type(value), value)
