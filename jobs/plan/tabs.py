"""Plan owned-tab writes: desired content vs what the tabs hold now. Pure.

This is where nothing educators typed gets lost: educator columns (and any column or row an
educator added to an owned tab) are read from the current tab and carried into the new
content by student ID; students no longer listed move to an archive section with their notes.
A tab whose content would not change is not written at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain, filterfalse, zip_longest
from operator import attrgetter, eq
from typing import NamedTuple

import numpy as np
import pandas as pd

from jobs.stage import cycle_collection_paused
from sheets_schema.cells import (
    CellComment,
    CellFormat,
    CellValue,
    ColumnFormat,
    Grid,
    Highlight,
    Link,
    OwnedTab,
    Sparkline,
    SpreadsheetState,
    TabWrite,
    stored_cell,
)
from sheets_schema.headers import header_key
from sheets_schema.issues import DataIssue, Severity, column_letter
from sheets_schema.outputs import (
    ARCHIVE_HEADING,
    ARCHIVED_STATUS,
    ATTENTION_STATUS,
    ISSUE_COLUMNS,
    NEXT_STEPS_HEADER,
    RUN_LOG_COLUMNS,
    STATUS_HEADER,
    STUDENT_ID_HEADER,
    TUTOR_NOTES_HEADER,
    WHY_HEADER,
    WINS_HEADER,
    OutputColumn,
)

READ_ON_PAPER = frozenset({WHY_HEADER, WINS_HEADER, TUTOR_NOTES_HEADER, NEXT_STEPS_HEADER})


@dataclass(frozen=True)
class WriteTab:
    """Replace an owned tab's content (creating the tab if needed)."""

    spreadsheet: str
    tab: TabWrite
    reason: str
    cells_changed: int
    counts_as_change: bool = True  # the run log's appended row is not a change to the figures

    def describe(self) -> str:
        rows = len(self.tab.rows)
        return (
            f"write {self.spreadsheet} › {self.tab.title}: {self.reason} "
            f"({self.cells_changed} cell(s) change, {rows} row(s))"
        )


def progress_tab(
    *,
    key: str,
    title: str,
    columns: Sequence[OutputColumn],
    progress: pd.DataFrame,
    current: OwnedTab | None,
    updated: str = "",
) -> TabWrite:
    """A progress tab for `progress` (indexed by student ID, already sorted), with educator
    columns carried over from `current`, and past students archived below. `updated` (when
    the run happens) ends the tab as a "Last updated" line, which alone is never a reason to
    write the tab (plan_writes compares without it)."""
    tab = TabRows(key, title, current, len(progress))
    [written] = progress_tabs(columns, progress, [tab], updated=updated)
    return written


@dataclass(frozen=True)
class TabRows:
    """One progress tab to plan: its key and title, the tab as it stands, and how many rows of
    the progress planned with it are its students' (`progress_tabs`)."""

    key: str
    title: str
    current: OwnedTab | None
    students: int


def progress_tabs(
    columns: Sequence[OutputColumn],
    progress: pd.DataFrame,
    tabs: Sequence[TabRows],
    *,
    updated: str = "",
) -> list[TabWrite]:
    """`progress_tab` for each of `tabs`, all of `columns` (a teacher's tab each), their
    students' rows one tab's after another in `progress`. A program has thousands of
    teachers' tabs of a class each: their figures are made cells column by column for all
    their students at once."""
    counted = sum(tab.students for tab in tabs)
    if counted != len(progress):  # a tab would show another teacher's students, or lose some
        raise ValueError(f"the tabs count {counted} students, their progress has {len(progress)}")
    figures = _figure_columns(columns, progress)
    shape = _Shape.of(columns)
    student_ids = progress.index.tolist()
    statuses = progress["status"].tolist() if "status" in progress.columns else None
    written, start = [], 0
    for tab in tabs:
        rows = slice(start, start + tab.students)
        of_tab = _TabFigures(
            [None if cells is None else cells[rows] for cells in figures],
            student_ids[rows],
            _attention_rows(statuses[rows]) if statuses is not None else frozenset(),
        )
        written.append(_progress_tab(tab, columns, shape, of_tab, updated))
        start = rows.stop
    return written


class _TabFigures(NamedTuple):
    """A tab's share of the progress planned with it."""

    cells: list[list[CellValue] | None]  # per column, its figures as cells (educator: None)
    student_ids: list[object]
    attention_rows: frozenset[int]


class _Shape(NamedTuple):
    """What the progress tabs of some columns share, found once for all of them."""

    header_keys: list[str]
    highlights: tuple[Highlight, ...]
    printed_columns: int

    @classmethod
    def of(cls, columns: Sequence[OutputColumn]) -> _Shape:
        return cls(
            [header_key(column.header) for column in columns],
            tuple(
                Highlight(index, rule, tone, value)
                for index, column in enumerate(columns)
                for rule, value, tone in column.highlights
            ),
            _printed_columns(columns),
        )


def _progress_tab(
    tab: TabRows,
    columns: Sequence[OutputColumn],
    shape: _Shape,
    figures: _TabFigures,
    updated: str,
) -> TabWrite:
    carried = _read_educator_content(tab.current, columns)
    header = [column.header for column in columns] + carried.extra_headers
    educator_headers = [c.header for c in columns if c.educator] + carried.extra_headers
    student_ids = figures.student_ids
    rows = _student_rows(shape.header_keys, figures.cells, student_ids, carried)
    listed = set(student_ids)
    archived = [student_id for student_id in carried.order if student_id not in listed]
    sections: set[int] = set()
    if archived or carried.loose_rows:
        sections.add(len(rows))
        rows.append((ARCHIVE_HEADING,))
    for student_id in archived:
        rows.append(
            _archived_row(student_id, carried.by_student[student_id], header, educator_headers)
        )
    rows.extend(carried.loose_rows)
    if updated:
        sections.add(len(rows))
        rows.append((f"{UPDATED_PREFIX}{updated}",))
    formats = tuple(c.format for c in columns) + (ColumnFormat.TEXT,) * len(carried.extra_headers)
    return TabWrite(
        key=tab.key,
        title=tab.title,
        header=tuple(header),
        rows=tuple(rows),
        column_formats=formats,
        attention_rows=figures.attention_rows,
        section_rows=frozenset(sections),
        highlights=shape.highlights,
        footer_rows=1 if updated else 0,
        printed_columns=shape.printed_columns,
    )


def _figure_columns(
    columns: Sequence[OutputColumn], progress: pd.DataFrame
) -> list[list[CellValue] | None]:
    """Per column, the cells its figures show (None for an educator column, and throughout
    for progress without rows: no field need be there)."""
    if not len(progress):
        return [None] * len(columns)
    return [
        None
        if column.educator
        else figure_cells(column, progress.index.to_series())
        if column.field == "student_id"
        else _empty_cells(len(progress))
        if column.optional and column.field not in progress
        else figure_cells(column, progress[column.field])
        for column in columns
    ]


def _empty_cells(count: int) -> list[CellValue]:
    return [None] * count


def _printed_columns(columns: Sequence[OutputColumn]) -> int:
    """Up to the last column read as sentences on paper; 0 (all) for a tab with none."""
    read = [i for i, column in enumerate(columns) if column.header in READ_ON_PAPER]
    return max(read) + 1 if read else 0


def _student_rows(
    header_keys: Sequence[str],
    figures: Sequence[list[CellValue] | None],
    student_ids: list[object],
    carried: _EducatorContent,
) -> list[tuple[CellValue, ...]]:
    """One row per listed student: their figures (per column, as cells), and what educators
    typed for them (columns by their header keys)."""
    if not student_ids:
        return []
    extra_keys = [header_key(h) for h in carried.extra_headers]
    # Educator columns are read per student only when the tab holds educator content (a new
    # tab holds none); then the rows are put together from the columns, in C.
    notes_of = (
        [carried.by_student.get(str(student_id), {}) for student_id in student_ids]
        if carried.by_student
        else None
    )
    full_columns = [
        _educator_cells(notes_of, key, len(student_ids)) if cells is None else cells
        for cells, key in zip(figures, header_keys, strict=True)
    ] + [_educator_cells(notes_of, key, len(student_ids)) for key in extra_keys]
    return list(zip(*full_columns, strict=True)) if full_columns else [()] * len(student_ids)


def _educator_cells(
    notes_of: list[dict[str, CellValue]] | None, key: str, students: int
) -> list[CellValue]:
    """Per student, what educators typed under the header `key` (None throughout when the
    tab holds no educator content)."""
    if notes_of is None:
        return [None] * students
    return [notes.get(key) for notes in notes_of]


def _archived_row(
    student_id: str,
    notes: Mapping[str, CellValue],
    header: Sequence[str],
    educator_headers: Sequence[str],
) -> tuple[CellValue, ...]:
    """A past student's row in the archive: their ID, the archived status and their notes."""
    row: list[CellValue] = []
    for column_header in header:
        key_ = header_key(column_header)
        if key_ == header_key(STUDENT_ID_HEADER):
            row.append(student_id)
        elif key_ == header_key(STATUS_HEADER):
            row.append(ARCHIVED_STATUS)
        elif column_header in educator_headers or key_ == "student":
            row.append(notes.get(key_))
        else:
            row.append(None)
    return tuple(row)


def _attention_rows(statuses: list[object]) -> frozenset[int]:
    """Positions of the students whose status asks for attention."""
    return frozenset(
        position for position, status in enumerate(statuses) if status == ATTENTION_STATUS
    )


def issues_tab(
    *,
    key: str,
    title: str,
    issues: Iterable[DataIssue],
    link: Callable[[DataIssue], str],
    current: OwnedTab | None = None,
) -> TabWrite:
    """Every data issue, errors first, then in sheet order; each cell reference links to the
    cell (`link` gives the URL). What educators typed in it is kept: a column they added, by
    issue, and rows of their own (a row typed beside an issue that is gone among them)."""
    ordered = sorted(issues, key=issue_order)

    def cell(issue: DataIssue, field: str) -> CellValue:
        if field == "cell" and issue.cell:
            return Link(issue.cell, link(issue))
        return str(getattr(issue, field))

    rows = [tuple(cell(issue, column.field or "") for column in ISSUE_COLUMNS) for issue in ordered]
    typed = _typed_beside_issues(current)
    blank = (None,) * len(typed.extra_headers)
    listed = {_issue_key(row) for row in rows}
    rows = [row + typed.extras.get(_issue_key(row), blank) for row in rows]
    rows += [row for row_key, row in typed.gone.items() if row_key not in listed]
    rows += typed.loose
    return TabWrite(
        key=key,
        title=title,
        header=(*(c.header for c in ISSUE_COLUMNS), *typed.extra_headers),
        rows=tuple(rows),
        column_formats=tuple(c.format for c in ISSUE_COLUMNS),
        attention_rows=frozenset(i for i, issue in enumerate(ordered) if issue.severity == "error"),
    )


@dataclass
class _TypedBesideIssues:
    extra_headers: tuple[str, ...] = ()
    extras: dict[tuple[str, ...], tuple[CellValue, ...]] = field(default_factory=dict)
    gone: dict[tuple[str, ...], tuple[CellValue, ...]] = field(default_factory=dict)
    loose: list[tuple[CellValue, ...]] = field(default_factory=list)


_ISSUE_KEY = [
    i for i, c in enumerate(ISSUE_COLUMNS) if c.field in ("source", "tab", "cell", "problem")
]
_SEVERITIES = {str(severity) for severity in Severity}


def _issue_key(row: Sequence[CellValue]) -> tuple[str, ...]:
    """An issue row's identity (its cells in ISSUE_COLUMNS order): spreadsheet, tab, cell and
    what is wrong."""

    def text(value: CellValue) -> str:
        return str(value.text if isinstance(value, Link) else (value or ""))

    return tuple(text(row[i]) if i < len(row) else "" for i in _ISSUE_KEY)


def _typed_beside_issues(current: OwnedTab | None) -> _TypedBesideIssues:
    """The Data issues tab as it stands, found by header (columns an educator moved still
    line up): what was typed beside each issue, and rows of someone's own."""
    typed = _TypedBesideIssues()
    if current is None or not current.grid:
        return typed
    keys = [header_key(str(cell or "")) for cell in current.grid[0]]
    positions = [
        keys.index(header_key(c.header)) if header_key(c.header) in keys else None
        for c in ISSUE_COLUMNS
    ]
    added, headers = added_columns(current.grid, {header_key(c.header) for c in ISSUE_COLUMNS})
    typed.extra_headers = tuple(headers)
    for raw in current.grid[1:]:
        ours = tuple(raw[p] if p is not None and p < len(raw) else None for p in positions)
        extras = tuple(raw[i] if i < len(raw) else None for i in added)
        if str(ours[0]) not in _SEVERITIES:
            if any(value not in (None, "") for value in raw):  # a row of someone's own
                typed.loose.append(tuple(raw))
        elif any(value not in (None, "") for value in extras):
            typed.extras[_issue_key(ours)] = extras
            # If its issue is gone, what was typed beside it stays, no longer marked as an
            # issue (from then on a row of someone's own).
            typed.gone[_issue_key(ours)] = (None, *ours[1:], *extras)
    return typed


def merged_cell(first: CellValue, second: CellValue) -> CellValue:
    """Two cells typed for one row (a pasted or copied row): both texts, a line apart."""
    if first in (None, "") or first == second:
        return second
    if second in (None, ""):
        return first
    return f"{first}\n{second}"


def added_columns(grid: Grid, ours: Collection[str]) -> tuple[list[int], list[str]]:
    """The columns someone added to an owned tab: those whose header is none of `ours` (header
    keys) and that hold a header or a value; with the header each is kept under (its own, or
    "Notes (column X)" when it has none)."""
    header = grid[0]
    width = max(len(row) for row in grid)
    added = [
        i
        for i in range(width)
        if (i >= len(header) or header_key(str(header[i] or "")) not in ours)
        and (
            (i < len(header) and header[i] not in (None, ""))
            or any(i < len(row) and row[i] not in (None, "") for row in grid[1:])
        )
    ]
    names = [
        str(header[i]) if i < len(header) and header[i] not in (None, "") else
        f"Notes (column {column_letter(i)})"
        for i in added
    ]  # fmt: skip
    return added, names


def run_log_tab(
    *,
    key: str,
    title: str,
    current: OwnedTab | None,
    entries: Sequence[Mapping[str, CellValue]],
) -> TabWrite:
    """The run log with a row appended per entry; earlier rows are kept as they are."""
    earlier = [tuple(row) for row in current.grid[1:]] if current else []
    new_rows = [tuple(e.get(column.field or "") for column in RUN_LOG_COLUMNS) for e in entries]
    rows = (*earlier, *new_rows)
    return TabWrite(
        key=key,
        title=title,
        header=tuple(c.header for c in RUN_LOG_COLUMNS),
        rows=rows,
        column_formats=tuple(c.format for c in RUN_LOG_COLUMNS),
        attention_rows=frozenset(
            i for i, row in enumerate(rows) if len(row) > 2 and row[2] != "ok"
        ),
    )


@cycle_collection_paused
def plan_writes(
    desired: Sequence[tuple[str, TabWrite, str]],
    states: Mapping[str, SpreadsheetState],
    *,
    appended: Sequence[str] = (),
) -> list[WriteTab]:
    """The writes that make owned tabs hold `desired` (spreadsheet, tab, reason), skipping tabs
    whose content is already right. Keys in `appended` are logs: written, not counted as
    changes."""
    actions = []
    new_titles: dict[str, set[str]] = {}  # titles given to new tabs in this plan
    # One tab desired in many spreadsheets (a Student list in every tutor log) is counted once.
    new_cells: dict[int, int] = {}
    for spreadsheet, desired_tab, reason in desired:
        tab = desired_tab
        state = states[spreadsheet]
        current = state.owned.get(tab.key)
        if current is None:
            taken = new_titles.setdefault(spreadsheet, set())
            title = _free_title(tab.title, state, taken)
            taken.add(title)
        tab = replace(tab, title=current.title if current else title)
        if current is not None and (current.comments or current.formats):
            tab = replace(
                tab,
                comments=carried_comments(current, tab),
                formats=carried_formats(current, tab),
            )
        if current is None and id(desired_tab) not in new_cells:
            new_cells[id(desired_tab)] = _cells_of_new_tab(desired_tab)
        changed = (
            new_cells[id(desired_tab)]
            if current is None
            else cells_changed(
                _without_updated_line(current.grid), _without_updated_line(tab.grid())
            )
        )
        if current is not None and changed == 0:
            continue
        actions.append(
            WriteTab(
                spreadsheet,
                tab,
                reason if current else f"{reason} (new tab)",
                changed,
                counts_as_change=tab.key not in appended,
            )
        )
    return actions


def carried_comments(current: OwnedTab, tab: TabWrite) -> tuple[CellComment, ...]:
    """The comments on `current`'s cells, each where its cell is in `tab` (see _Places). One
    whose row or column is gone goes on the header of its column (or the first), saying
    where it was: a comment is something typed, and is never dropped."""
    places = _Places(current, tab)
    placed: dict[tuple[int, int], list[str]] = {}
    for comment in current.comments:
        found = places.new(comment.row, comment.column)
        text = comment.text
        if found is None:
            first, heading = places.old(comment.row, comment.column)
            column = places.column(heading)
            where = f"{first}, {heading}" if comment.row and first is not None else f"{heading}"
            text = f"(on {where}) {text}" if not text.startswith("(on ") else text
            found = (0, column if column is not None else 0)
        placed.setdefault(found, []).append(text)
    return tuple(
        CellComment(row, column, "\n\n".join(texts))
        for (row, column), texts in sorted(placed.items())
    )


def carried_formats(current: OwnedTab, tab: TabWrite) -> tuple[CellFormat, ...]:
    """The formatting someone gave `current`'s cells, each where its cell is in `tab`; not on
    the header or a heading row, which tutorsync formats, nor where the row is gone."""
    places = _Places(current, tab)
    carried = {}
    for cell in current.formats:
        found = places.new(cell.row, cell.column)
        if found and found[0] > 0 and found[0] - 1 not in tab.section_rows:
            carried[found] = CellFormat(found[0], found[1], cell.style)
    return tuple(carried[place] for place in sorted(carried))


class _Places:
    """Where a cell of the tab as it stands goes in the tab to be written: the row with the
    same first cell (a student's ID, an issue's spreadsheet...), the column with the same
    header; the header stays the header."""

    def __init__(self, current: OwnedTab, tab: TabWrite) -> None:
        self.grid = current.grid
        self.header = [stored_cell(text) for text in tab.header]
        self.rows: dict[CellValue, int] = {}
        for index, cells in enumerate(tab.rows, 1):
            if cells and cells[0] is not None:
                self.rows.setdefault(stored_cell(cells[0]), index)

    def old(self, row: int, column: int) -> tuple[CellValue, CellValue]:
        """The first cell of `row` and the header of `column` in the tab as it stands."""
        cells = self.grid[row] if row < len(self.grid) else []
        heading = self.grid[0][column] if self.grid and column < len(self.grid[0]) else None
        return (cells[0] if cells else None), heading

    def column(self, heading: CellValue) -> int | None:
        return self.header.index(heading) if heading in self.header else None

    def new(self, row: int, column: int) -> tuple[int, int] | None:
        first, heading = self.old(row, column)
        new_column = self.column(heading)
        new_row = 0 if row == 0 else self.rows.get(first)
        return None if new_row is None or new_column is None else (new_row, new_column)


UPDATED_PREFIX = "Last updated "


def _is_updated_line(row: Sequence[CellValue]) -> bool:
    return bool(row) and isinstance(row[0], str) and row[0].startswith(UPDATED_PREFIX)


def _without_updated_line(grid: Grid) -> Grid:
    """The grid without its "Last updated" line, which changes on every run that writes."""
    return [row for row in grid if not _is_updated_line(row)]


def _cells_of_new_tab(tab: TabWrite) -> int:
    """`cells_changed([], _without_updated_line(tab.grid()))` without building the grid: a
    new tab is most tabs of a first run, and the grid costs a call per cell. Storing a cell
    empties only "" (stored text of other text is never empty) and trimming drops only empty
    cells, so the count is of the cells as they are, save the "Last updated" line."""
    rows = [row for row in (tab.header, *tab.rows) if not _is_updated_line(row)]
    filled = 0
    # Column by column (a short row's missing cells, made None, cancel out): a column holds
    # one kind of figure, so only a sparkline column is searched for empty sparklines.
    for column in zip_longest(*rows):
        # Only a falsy cell is None or "": the few are picked out in C, then counted.
        falsy = list(filterfalse(None, column))
        filled += len(column) - falsy.count(None) - falsy.count("")
        if any(issubclass(kind, Sparkline) for kind in set(map(type, column))):
            filled -= sum(1 for cell in column if isinstance(cell, Sparkline) and not cell.values)
    return filled


def cells_changed(before: Grid, after: Grid) -> int:
    """How many cells differ between two grids (ragged rows pad with empty)."""
    changed = 0
    for row_index in range(max(len(before), len(after))):
        old = before[row_index] if row_index < len(before) else []
        new = after[row_index] if row_index < len(after) else []
        if _same_row(old, new) or _same_row(_as_read(old), _as_read(new)):
            continue
        for column in range(max(len(old), len(new))):
            a = old[column] if column < len(old) else None
            b = new[column] if column < len(new) else None
            if not _same_cell(a, b):
                changed += 1
    return changed


# Figures stay exact until they are shown: each is rounded once, here, to its column's
# precision (a percentage to a tenth of a percent, the precision tabs have always held).
DISPLAY_DECIMALS = {ColumnFormat.DECIMAL: 1, ColumnFormat.INTEGER: 0, ColumnFormat.PERCENT: 3}


def figure_cells(column: OutputColumn, values: pd.Series) -> list[CellValue]:
    """Each value of a column as the cell the tab shows: rounded once, to its precision."""
    if column.format != ColumnFormat.SPARKLINE:
        if values.dtype == "float64":
            decimals = DISPLAY_DECIMALS.get(column.format)
            numbers = values.to_numpy()  # rounded as Series.round does, without its overhead
            shown = numbers if decimals is None else numbers.round(decimals)
            return [None if math.isnan(value) else value for value in shown.tolist()]
        if values.dtype == "int64" or values.dtype == "bool":
            return values.tolist()  # Python ints and bools, as cell_value gives them
    # As objects in C (text, nullable and date columns give their values one by one
    # otherwise), anything missing as None, as cell_value makes it.
    objects = values.to_numpy(dtype=object, na_value=None).tolist()
    if column.format == ColumnFormat.SPARKLINE:
        return _sparklines(objects)
    kinds = set(map(type, objects))
    if column.format == ColumnFormat.INTEGER and str in kinds:
        # Typed values such as grade levels: "6" is a number a spreadsheet sorts and sums
        # as one, "K" stays the text it is.
        objects = [
            int(cell) if type(cell) is str and cell.isdecimal() else cell for cell in objects
        ]
    if kinds <= _CELLS_AS_THEY_ARE:
        return objects
    if kinds <= _LISTS:  # Why, Wins, tutors...: text, whatever the column's precision
        return list(map(_joined, objects))
    cells = list(map(cell_value, objects))
    decimals = DISPLAY_DECIMALS.get(column.format)
    if decimals is None:
        return cells
    return [round(cell, decimals) if type(cell) is float else cell for cell in cells]


def _sparklines(trends: list[object]) -> list[CellValue]:
    """Each trend as a sparkline of whole percentages (what a sparkline can show, and what
    every adapter stores alike), None for fewer than two points. Rounded all at once, as
    float(round(point)) rounds each: half to even, and no negative zero."""
    lengths = [len(trend) if isinstance(trend, tuple | list) else 0 for trend in trends]
    points = chain.from_iterable(trend for trend in trends if isinstance(trend, tuple | list))
    whole = (np.rint(np.fromiter(points, dtype=float, count=sum(lengths))) + 0.0).tolist()
    ends = np.cumsum(lengths).tolist()
    return [
        Sparkline(tuple(whole[end - length : end])) if length > 1 else None
        for length, end in zip(lengths, ends, strict=True)
    ]


# Figures that cell_value gives as they are, and those it joins into text.
_CELLS_AS_THEY_ARE = frozenset({str, int, bool, date, type(None)})
_LISTS = frozenset({tuple, list})


def cell_value(value: object) -> CellValue:
    """A progress figure as a cell: NaN/NA blank, numpy scalars as Python numbers, lists
    and flags as text."""
    if type(value) is str or type(value) is int or type(value) is bool or type(value) is date:
        return value  # most figures
    if type(value) is float:
        return None if math.isnan(value) else value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, tuple | list):
        return _joined(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, str | date):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool | date | Link):
        return value
    return str(value)


def _joined(figures: tuple | list) -> str:
    """Figures listed in one cell: flags and wins by their sentences, others as text."""
    if figures and hasattr(figures[0], "sentence"):
        return " ".join(map(attrgetter("sentence"), figures))
    return ", ".join(map(str, figures))


def issue_a1(issue: DataIssue) -> str:
    """The issue's place as an A1 reference: "row 14" becomes A14; a whole tab is ""."""
    if issue.cell.startswith("row "):
        return f"A{issue.cell.removeprefix('row ')}"
    return issue.cell


def issue_order(issue: DataIssue) -> tuple:
    """Errors first, then by spreadsheet, tab, and cell in reading order (F2 before F14)."""
    return (
        issue.severity != "error",
        issue.source,
        issue.tab,
        _cell_order(issue.cell),
        issue.problem,
    )


def _cell_order(cell: str) -> tuple[int, int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    row = int(digits) if digits else 0
    column = 0
    if cell and cell[0].isalpha():
        for ch in letters.upper():
            column = column * 26 + (ord(ch) - 64)
    return (row, column, cell)


def _same_row(old: Sequence[CellValue], new: Sequence[CellValue]) -> bool:
    """Every cell of the rows `_same_cell`, found at once, in C, for rows alike: equal cells
    of one kind each, an int and a float being one (a bool is never taken for the number it
    equals, nor NaN for itself, as a list's == would), which is most rows of a rerun."""
    return len(old) == len(new) and all(map(eq, old, new)) and _kinds(old) == _kinds(new)


def _as_read(row: Sequence[CellValue]) -> list[CellValue]:
    """The row with each sparkline as its text, as `_same_cell` compares it: a row holding a
    sparkline (a student's row of a progress tab) is then alike at once too."""
    return [cell.text if isinstance(cell, Sparkline) else cell for cell in row]


def _kinds(row: Sequence[CellValue]) -> list[type]:
    types = list(map(type, row))
    return list(map(_KIND_OF.get, types, types))


_KIND_OF: dict[type, type] = {float: int}  # any other type is its own kind


def _same_cell(a: CellValue, b: CellValue) -> bool:
    # A sparkline reads back as itself on Google and as its text where it is written as text.
    if isinstance(a, Sparkline):
        a = a.text
    if isinstance(b, Sparkline):
        b = b.text
    if a in ("", None) and b in ("", None):
        return True
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return (type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float) and a == b
    )


MAX_TITLE = 31  # the shortest limit among spreadsheet programs (Excel's)


def _free_title(title: str, state: SpreadsheetState, also_taken: set[str]) -> str:
    """`title`, or a variant no other tab uses (titles compare without case, as in Excel)."""
    titles = state.other_titles | {tab.title for tab in state.owned.values()} | also_taken
    taken = {t.casefold() for t in titles}
    candidate = title[:MAX_TITLE]
    number = 1
    while candidate.casefold() in taken:
        suffix = " (tutorsync)" if number == 1 else f" (tutorsync {number})"
        candidate = title[: MAX_TITLE - len(suffix)] + suffix
        number += 1
    return candidate


@dataclass
class _EducatorContent:
    by_student: dict[str, dict[str, CellValue]]  # student ID -> header key -> value
    order: list[str]  # student IDs in their current order
    extra_headers: list[str]  # columns an educator added to the tab
    loose_rows: list[tuple[CellValue, ...]]  # rows without a student ID that hold something


def _read_educator_content(
    current: OwnedTab | None, columns: Sequence[OutputColumn]
) -> _EducatorContent:
    content = _EducatorContent({}, [], [], [])
    if current is None or not current.grid:
        return content
    header = current.grid[0]
    # Digits are ignored so a figure column renamed by a new window ("last 14 days") is not
    # mistaken for a column an educator added.
    ours = {_without_digits(header_key(c.header)) for c in columns}
    width = max(len(row) for row in current.grid)
    keys = [header_key(header[i]) if i < len(header) else "" for i in range(width)]
    seen: set[str] = set()
    for i in range(width):
        has_data = any(i < len(row) and row[i] not in (None, "") for row in current.grid[1:])
        if keys[i] and keys[i] in seen and has_data:
            # A second column under a header already seen (a copied column) keeps its text
            # under a name of its own rather than being overwritten by the first.
            name = f"{header[i]} (column {column_letter(i)})"
            content.extra_headers.append(name)
            keys[i] = header_key(name)
        elif keys[i] and _without_digits(keys[i]) not in ours:
            content.extra_headers.append(str(header[i]))
        elif not keys[i] and has_data:
            # Text typed under no header is still someone's work: give it a name to live under.
            name = f"Notes (column {column_letter(i)})"
            content.extra_headers.append(name)
            keys[i] = header_key(name)
        seen.add(keys[i])
    keep = (
        {header_key(c.header) for c in columns if c.educator}
        | {header_key(h) for h in content.extra_headers}
        | {"student"}
    )
    id_column = (
        keys.index(header_key(STUDENT_ID_HEADER)) if header_key(STUDENT_ID_HEADER) in keys else 0
    )
    for row in current.grid[1:]:
        if row and (row[0] == ARCHIVE_HEADING or _is_updated_line(row)):
            # The line is ours and is written anew; what someone typed beside it is theirs.
            if any(cell not in (None, "") for cell in row[1:]):
                content.loose_rows.append((None, *row[1:]))
            continue
        student_id = row[id_column] if id_column < len(row) else None
        if student_id in (None, ""):
            if any(cell not in (None, "") for cell in row):
                content.loose_rows.append(tuple(row))
            continue
        student_id = str(student_id)
        values = {
            keys[i]: row[i]
            for i in range(min(len(row), width))
            if keys[i] in keep and row[i] not in (None, "")
        }
        if student_id not in content.by_student:
            content.by_student[student_id] = values
            content.order.append(student_id)
            continue
        merged = content.by_student[student_id]
        for key_, value in values.items():
            # The same student twice (a pasted row): both texts rather than one; the first
            # row's name.
            if key_ != "student" or key_ not in merged:
                merged[key_] = merged_cell(merged.get(key_), value)
    return content


def _without_digits(key: str) -> str:
    return "".join(ch for ch in key if not ch.isdigit())
