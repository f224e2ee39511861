"""Teacher gradebooks in the wide layout teachers keep: students in rows, one assignment per
column, and optional rows labelled Points, Date and Category before the students.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain
from operator import itemgetter

import numpy as np
import pandas as pd

from sheets_schema import values
from sheets_schema.fields import FIRST_NAME, LAST_NAME, STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import SheetKind, find_header, header_key
from sheets_schema.issues import DataIssue, Severity, a1, column_letter
from sheets_schema.table import (
    ROW,
    SourceTab,
    as_objects,
    distinct_codes,
    is_example_row,
    show,
    shown_or_none,
    smallest_codes,
)

KIND = SheetKind(
    "gradebook",
    (STUDENT_ID, STUDENT_NAME, FIRST_NAME, LAST_NAME, STUDENT_EMAIL),
    required=(("student_id", "student_name", "last_name"),),
)

# Labels in a row's first cell that make it an assignment-details row, not a student.
_POINTS_LABELS = {
    "points",
    "maxpoints",
    "max",
    "outof",
    "possible",
    "pointspossible",
    "totalpoints",
}
_DATE_LABELS = {"date", "due", "duedate", "dateassigned", "assigned"}
_CATEGORY_LABELS = {"category", "type", "cat", "assignmenttype"}
# Headers of columns teachers add that are not assignments: skipped without an issue.
_NOT_ASSIGNMENTS = {
    header_key(text)
    for text in (
        "Total",
        "Average",
        "Avg",
        "Grade",
        "Grade Level",
        "Final",
        "Final Grade",
        "Overall",
        "Percent",
        "%",
        "Letter",
        "Letter Grade",
        "Comments",
        "Notes",
        "Period",
        "Section",
        "Class",
        "Email",
        "Teacher",
        "Tutor",
        "Current Grade",
    )
}

SCORE_COLUMNS = [
    "student_id_typed",
    "student_name_typed",
    "student_email_typed",
    "assignment",
    "assignment_column",
    "due",
    "category",
    "earned",
    "possible",
    "missing",
    "source",
    "tab",
    ROW,
    "student_cell",
]


@dataclass(frozen=True)
class Assignment:
    column: int
    name: str
    points: float | None
    due: object  # date | None
    category: str | None


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
    day_first: bool = False,
    missing_counts_as_zero: bool = True,
) -> tuple[pd.DataFrame | None, list[DataIssue]]:
    """Parse a gradebook tab into one row per graded cell (SCORE_COLUMNS).

    `earned`/`possible` are NaN when the mark does not count toward the grade (excused, or
    missing when missing marks do not count as zero); `missing` marks Missing. Blank cells are
    not graded yet and produce no row. Plain numbers are points out of the Points row, or
    percentages when the column has no points.
    """
    parsed = parse_many(
        [SourceTab(grid, source, tab, columns)],
        day_first=day_first,
        missing_counts_as_zero=missing_counts_as_zero,
    )
    return (parsed.scores if parsed.found[0] else None), parsed.issues


@dataclass(frozen=True)
class ScoreTables:
    """Graded cells as three tables, each fact kept once: a row per graded cell (`marks`),
    pointing at its student's row of the gradebook (`students`) and at its assignment
    (`assignments`). A program's millions of marks share some hundred thousand of each."""

    marks: pd.DataFrame  # MARK_COLUMNS, tab by tab, row-major
    students: pd.DataFrame  # STUDENT_ROW_COLUMNS, and any column a caller adds
    assignments: pd.DataFrame  # ASSIGNMENT_COLUMNS

    def __len__(self) -> int:
        return len(self.marks)

    def frame(self) -> pd.DataFrame:
        """One row per mark: SCORE_COLUMNS, then any column added to `students`. The text
        columns are categorical: a column of five million repeated names costs a small code
        per mark, not an object."""
        # As indices once: a 32-bit index array is made one of pointer size by every gather.
        student = self.marks["student_row"].to_numpy().astype(np.intp)
        assignment = self.marks["assignment_number"].to_numpy().astype(np.intp)
        columns: dict[str, object] = {}
        for name in [*SCORE_COLUMNS, *self.students.columns.drop(STUDENT_ROW_COLUMNS)]:
            if name in self.marks.columns:
                columns[name] = self.marks[name].to_numpy()
            elif name == ROW:
                columns[name] = self.students[ROW].to_numpy()[student]
            elif name in self.assignments.columns:
                columns[name] = _categorical(self.assignments[name], assignment)
            else:
                columns[name] = _categorical(self.students[name], student)
        return pd.DataFrame(columns, copy=False)

    def of_students(self, kept: np.ndarray) -> ScoreTables:
        """The marks of the student rows `kept` (a mask over `students`), which keep their
        positions."""
        of_kept = kept[self.marks["student_row"].to_numpy()]
        if of_kept.all():  # as most programs' gradebooks: millions of marks not copied
            return self
        return replace(self, marks=self.marks[of_kept].reset_index(drop=True))


# A mark's student row and assignment are positions in ScoreTables.students and .assignments.
MARK_COLUMNS = ["student_row", "assignment_number", "earned", "possible", "missing"]
STUDENT_ROW_COLUMNS = [
    "student_id_typed",
    "student_name_typed",
    "student_email_typed",
    "source",
    "tab",
    ROW,
    "student_cell",
    "tab_number",  # the gradebook's position among the tabs parsed
]
ASSIGNMENT_COLUMNS = ["assignment", "assignment_column", "due", "category"]


def _categorical(values_of_rows: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """The categorical column of `values_of_rows` taken at `rows`, its codes gathered in the
    smallest integers that hold them (millions of marks)."""
    codes, categories = pd.factorize(values_of_rows.to_numpy(dtype=object))
    return pd.Categorical.from_codes(
        smallest_codes(codes, len(categories))[rows], categories=categories
    )


@dataclass(frozen=True)
class ParsedGradebooks:
    tables: ScoreTables  # every tab's marks, in tab order
    found: list[bool]  # per tab, whether its header was found (else it gave only an issue)
    issues: list[DataIssue]  # as `parse` gives them, tab after tab

    @property
    def scores(self) -> pd.DataFrame:
        """SCORE_COLUMNS: every tab's rows, as `parse` gives them, in tab order."""
        return as_objects(self.tables.frame())

    @property
    def tab_of_score(self) -> np.ndarray:
        """Per score row, its tab's position in the tabs parsed."""
        tab_number = self.tables.students["tab_number"].to_numpy()
        return tab_number[self.tables.marks["student_row"].to_numpy()]


def parse_many(
    tabs: Sequence[SourceTab], *, day_first: bool = False, missing_counts_as_zero: bool = True
) -> ParsedGradebooks:
    """`parse` for many gradebook tabs at once: the same rows and issues, as if each tab were
    parsed in turn and the frames concatenated. A program keeps one gradebook per class, so
    thousands of small tabs: their score cells are parsed together, each distinct cell once."""
    layouts = []
    issues_by_tab: list[list[DataIssue]] = []
    details = _Details(day_first)
    for number, gradebook_tab in enumerate(tabs):
        layout, found = _layout(number, gradebook_tab, details)
        issues_by_tab.append(found)
        if layout is not None:
            layouts.append(layout)
    tables, score_issues = _score_tables(layouts, missing_counts_as_zero)
    row_issues: list[list[tuple[int, int, DataIssue]]] = [[] for _ in tabs]
    for layout in layouts:
        row_issues[layout.number] = layout.row_issues
    for number, row_index, column, issue in score_issues:
        row_issues[number].append((row_index, column, issue))
    issues = []
    for found, in_rows in zip(issues_by_tab, row_issues, strict=True):
        # Stable: a row's identity issues, then its scores' in column order, as one reads.
        in_rows.sort(key=lambda item: (item[0], item[1]))
        issues += found + [issue for _, _, issue in in_rows]
    found_header = [False] * len(tabs)
    for layout in layouts:
        found_header[layout.number] = True
    return ParsedGradebooks(tables, found_header, issues)


@dataclass
class _Layout:
    """A gradebook tab read row by row except for its scores: which rows are students, and
    their assignments (the scores, the bulk of its cells, are read in bulk by `_scores`)."""

    number: int  # position among the tabs parsed
    tab: SourceTab
    assignments: list[Assignment]
    student_column: int  # where a score row's student is, for its A1 reference
    graded_rows: list[int]  # grid rows of students, whose score cells are read
    typed_rows: list[tuple[object, str | None, object]]  # their (ID, name, e-mail) as typed
    row_issues: list[tuple[int, int, DataIssue]]  # (row, column, issue); identity: column -1


def _layout(
    number: int, gradebook_tab: SourceTab, details: _Details
) -> tuple[_Layout | None, list[DataIssue]]:
    grid, source, tab = gradebook_tab.grid, gradebook_tab.source, gradebook_tab.tab
    header, issues = find_header(grid, KIND, gradebook_tab.columns or {}, source=source, tab=tab)
    if header is None:
        return None, issues
    identity = header.columns
    detail_rows = _detail_rows(grid, identity)
    points_row = detail_rows.get("points")
    assignments = details.assignments(grid, header.row, identity, detail_rows, source, tab, issues)
    if points_row is None and assignments:
        issues.append(
            DataIssue(
                source,
                tab,
                "",
                "",
                "this gradebook has no Points row, so plain numbers were read as percentages",
                "add a row whose first cell says Points, with each assignment's points",
                Severity.WARNING,
            )
        )
    layout = _Layout(
        number,
        gradebook_tab,
        assignments,
        identity.get("student_id", identity.get("student_name", 0)),
        [],
        [],
        [],
    )
    skipped = set(detail_rows.values())
    read = [
        (name, identity[name], parser, severity)
        for name, parser, severity in _IDENTITY_PARSERS
        if name in identity
    ]
    for row_index in range(header.row + 1, len(grid)):
        if row_index in skipped:
            continue
        row = grid[row_index]
        if is_example_row(row, identity.get("student_id")):
            continue
        typed: dict[str, object] = {}
        for name, column, parser, severity in read:
            raw = row[column] if column < len(row) else None
            parsed = values.formula_error(raw) or parser(raw)
            if isinstance(parsed, values.Invalid):
                issue = DataIssue(
                    source,
                    tab,
                    a1(row_index, column),
                    show(raw),
                    f"{KIND.field(name).label} '{show(raw)}' {parsed.what}",
                    parsed.fix,
                    severity,
                )
                layout.row_issues.append((row_index, -1, issue))
                parsed = None
            typed[name] = parsed
        typed_id = typed.get("student_id")
        typed_name = _student_name(typed, identity)
        typed_email = typed.get("student_email")
        if typed_id is None and not typed_name and typed_email is None:
            if any(not values.is_blank(_cell(row, a.column)) for a in assignments):
                issue = DataIssue(
                    source,
                    tab,
                    f"row {row_index + 1}",
                    "",
                    "this row has scores but no student ID or name, so it was skipped",
                    "type the student's ID or name in the first columns",
                )
                layout.row_issues.append((row_index, -1, issue))
            continue
        layout.graded_rows.append(row_index)
        layout.typed_rows.append((typed_id, typed_name or None, typed_email))
    return layout, issues


def _score_tables(
    layouts: Sequence[_Layout], missing_counts_as_zero: bool
) -> tuple[ScoreTables, list[tuple[int, int, int, DataIssue]]]:
    """Every layout's graded cells (tab by tab, row-major) as ScoreTables, and the unreadable
    cells' issues as (tab, row, column, issue)."""
    cells = _ScoreCells.of(layouts)
    all_assignments = [a for layout in layouts for a in layout.assignments]
    # Each cell was parsed on its own before: -0.0 stays apart from 0.0; 17 and 17.0 are both
    # 17 points, so ints and floats need not be told apart (a pass over millions of marks).
    codes, firsts = distinct_codes(cells.raw, signed_zeros=True, numbers_alike=_SCORE_NUMBERS)
    distinct = [values.parse_score(cell) for cell in firsts]
    kind = np.array([_kind_code(score) for score in distinct] or [_BLANK], dtype=np.int8)[codes]
    students = _student_rows(layouts)
    issues = _unreadable_score_issues(cells, codes, distinct, kind, all_assignments, students)
    graded = kind >= _EXCUSED  # excused marks are rows, not counted
    assignment = cells.assignment[graded]
    earned, possible = _earned_and_possible(
        kind[graded], codes[graded], distinct, _out_of(all_assignments)[assignment],
        missing_counts_as_zero,
    )  # fmt: skip
    marks = pd.DataFrame(
        {
            "student_row": cells.student[graded],
            "assignment_number": assignment,
            "earned": earned,
            "possible": possible,
            "missing": kind[graded] == _MISSING,
        },
        copy=False,
    )
    return ScoreTables(marks, students, _assignment_table(all_assignments)), issues


@dataclass(frozen=True)
class _ScoreCells:
    """Every layout's score cells, row-major, with each cell's student (among all layouts'
    students) and assignment (among all their assignments)."""

    raw: list[object]
    student: np.ndarray
    assignment: np.ndarray

    @classmethod
    def of(cls, layouts: Sequence[_Layout]) -> _ScoreCells:
        cells: list[object] = []
        cell_student: list[np.ndarray] = []
        cell_assignment: list[np.ndarray] = []
        students = assignments = 0
        for layout in layouts:
            grid, columns = layout.tab.grid, [a.column for a in layout.assignments]
            width, height = len(columns), len(layout.graded_rows)
            cells += _score_cells([grid[row_index] for row_index in layout.graded_rows], columns)
            # 32-bit: arrays of millions of marks cost by their size.
            students_here = np.arange(students, students + height, dtype=np.int32)
            assignments_here = np.arange(assignments, assignments + width, dtype=np.int32)
            cell_student.append(np.repeat(students_here, width))
            cell_assignment.append(np.tile(assignments_here, height))
            students += height
            assignments += width
        no_cells = np.zeros(0, dtype=np.int32)
        student_of = np.concatenate(cell_student) if cell_student else no_cells
        assignment_of = np.concatenate(cell_assignment) if cell_assignment else no_cells
        return cls(cells, student_of, assignment_of)


def _out_of(all_assignments: Sequence[Assignment]) -> np.ndarray:
    """What each assignment's plain numbers are out of: its points from the Points row, or
    100 (a percentage) when it has none."""
    return np.array([100.0 if a.points is None else a.points for a in all_assignments] or [0.0])


def _earned_and_possible(
    kind: np.ndarray,
    codes: np.ndarray,
    distinct: Sequence[values.Score | values.Invalid | None],
    assignment_out_of: np.ndarray,
    missing_counts_as_zero: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Each graded cell's points earned and possible (`assignment_out_of`, which becomes
    it), NaN where the mark does not count."""
    # Points as typed, out of the assignment's; then the other kinds.
    earned = np.array([_score_part(s, "value") for s in distinct] or [np.nan], dtype=float)[codes]
    possible = assignment_out_of  # changed below only where not a percentage
    percent = kind == _PERCENT
    earned[percent] = earned[percent] / 100.0 * possible[percent]
    fraction = kind == _FRACTION
    out_of = np.array([_score_part(s, "out_of") for s in distinct] or [np.nan], dtype=float)
    possible[fraction] = out_of[codes[fraction]]
    missing = kind == _MISSING
    earned[missing] = 0.0 if missing_counts_as_zero else np.nan
    if not missing_counts_as_zero:
        possible[missing] = np.nan
    excused = kind == _EXCUSED
    earned[excused] = possible[excused] = np.nan
    return earned, possible


def _student_rows(layouts: Sequence[_Layout]) -> pd.DataFrame:
    """STUDENT_ROW_COLUMNS: per student of all layouts, in order, its typed identity and
    where it is."""
    typed = [t for layout in layouts for t in layout.typed_rows]
    where = [
        (layout.tab.source, layout.tab.tab, layout.number, row, a1(row, layout.student_column))
        for layout in layouts
        for row in layout.graded_rows
    ]

    def text(items: Sequence[tuple], part: int) -> pd.Series:
        return pd.Series(_objects([item[part] for item in items]), dtype=object)

    def typed_text(part: int) -> pd.Series:  # from the grids: kept apart from them
        return pd.Series(_objects([values.detached(t[part]) for t in typed]), dtype=object)

    return pd.DataFrame(
        {
            "student_id_typed": typed_text(0),
            "student_name_typed": typed_text(1),
            "student_email_typed": typed_text(2),
            "source": text(where, 0),
            "tab": text(where, 1),
            ROW: np.array([w[3] for w in where], dtype="int64"),
            "student_cell": text(where, 4),
            "tab_number": np.array([w[2] for w in where], dtype=np.intp),
        }
    )


def _objects(items: Sequence[object]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _assignment_table(all_assignments: Sequence[Assignment]) -> pd.DataFrame:
    """ASSIGNMENT_COLUMNS, one row per assignment of all layouts, in order."""

    def column(part: Callable[[Assignment], object]) -> np.ndarray:
        return _objects([part(a) for a in all_assignments])  # _Details detached them

    letters = {a.column: column_letter(a.column) for a in all_assignments}
    return pd.DataFrame(
        {
            "assignment": column(lambda a: a.name),
            "assignment_column": column(lambda a: letters[a.column]),
            "due": column(lambda a: a.due),
            "category": column(lambda a: a.category),
        },
        dtype=object,
    )


def _unreadable_score_issues(
    cells: _ScoreCells,
    codes: np.ndarray,
    distinct: Sequence[values.Score | values.Invalid | None],
    kind: np.ndarray,
    all_assignments: Sequence[Assignment],
    students: pd.DataFrame,
) -> list[tuple[int, int, int, DataIssue]]:
    issues = []
    source, tab, row, tab_number = (
        students[name].tolist() for name in ("source", "tab", ROW, "tab_number")
    )
    for index in np.flatnonzero(kind == _INVALID):
        assignment = all_assignments[cells.assignment[index]]
        student = int(cells.student[index])
        invalid = distinct[codes[index]]
        assert isinstance(invalid, values.Invalid)
        raw = cells.raw[index]
        issue = DataIssue(
            source[student],
            tab[student],
            a1(row[student], assignment.column),
            show(raw),
            f"Score '{show(raw)}' for '{assignment.name}' {invalid.what}",
            invalid.fix,
        )
        issues.append((tab_number[student], row[student], assignment.column, issue))
    return issues


# What parse_score reads alike when equal: 17 and 17.0 are 17 points (True is no score).
_SCORE_NUMBERS = frozenset({int, float})
# A parsed score cell as a number, so whole gradebooks are computed at once.
_BLANK, _INVALID, _EXCUSED, _POINTS, _PERCENT, _FRACTION, _MISSING = range(7)
_KIND_CODES = {
    values.ScoreKind.EXCUSED: _EXCUSED,
    values.ScoreKind.POINTS: _POINTS,
    values.ScoreKind.PERCENT: _PERCENT,
    values.ScoreKind.FRACTION: _FRACTION,
    values.ScoreKind.MISSING: _MISSING,
}


def _kind_code(score: values.Score | values.Invalid | None) -> int:
    if score is None:
        return _BLANK
    if isinstance(score, values.Invalid):
        return _INVALID
    return _KIND_CODES[score.kind]


def _score_part(score: values.Score | values.Invalid | None, part: str) -> float:
    number = getattr(score, part, None) if isinstance(score, values.Score) else None
    return np.nan if number is None else number


def _score_cells(rows: Sequence[Sequence[object]], columns: Sequence[int]) -> list[object]:
    """The cells of `rows` in `columns`, row by row (`_cell` of each), picked in C from every
    row that reaches the last column; only rows Sheets cut short are read cell by cell."""
    if not columns:
        return []
    last = max(columns)
    pick = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    return list(
        chain.from_iterable(
            pick(row) if len(row) > last else [_cell(row, column) for column in columns]
            for row in rows
        )
    )


def _cell(row: Sequence[object], column: int | None) -> object:
    if column is None or column >= len(row):
        return None
    return row[column]


# How each identity cell is read (a formula's error is never read), and how bad a bad one is.
_IDENTITY_PARSERS: tuple[tuple[str, Callable[[object], object], Severity], ...] = (
    ("student_id", values.parse_student_id, Severity.ERROR),
    ("student_name", shown_or_none, Severity.ERROR),
    ("first_name", shown_or_none, Severity.ERROR),
    ("last_name", shown_or_none, Severity.ERROR),
    ("student_email", values.parse_email, Severity.WARNING),
)


def _student_name(typed: Mapping[str, object], identity: Mapping[str, int]) -> str:
    if "student_name" in identity:
        return str(typed["student_name"] or "")
    first, last = typed.get("first_name") or "", typed.get("last_name") or ""
    return f"{first} {last}".strip()


def _detail_rows(grid: Sequence[Sequence[object]], identity: Mapping[str, int]) -> dict[str, int]:
    """Rows whose first cell labels assignment details (Points, Date, Category) and whose other
    student cells are blank: a student whose first name is Max is a student, not the Points
    row."""
    other_identity = [column for column in identity.values() if column != 0]
    found: dict[str, int] = {}
    for row_index, row in enumerate(grid):
        if any(not values.is_blank(_cell(row, column)) for column in other_identity):
            continue
        label = header_key(row[0]) if row else ""
        for name, labels in (
            ("points", _POINTS_LABELS),
            ("date", _DATE_LABELS),
            ("category", _CATEGORY_LABELS),
        ):
            if label in labels and name not in found:
                found[name] = row_index
    return found


class _Details:
    """What assignments' cells say (a title or category as shown, points, a due date), each
    distinct cell read once for all the gradebooks parsed together, which repeat the same
    assignments. What is kept is `detached` from the grids."""

    def __init__(self, day_first: bool) -> None:
        self.day_first = day_first
        self._assignments: dict[tuple, tuple[list[Assignment], list[DataIssue]]] = {}
        self._shown: dict[str, str] = {}
        self._points: dict[tuple[type, object], float | None] = {}
        self._due: dict[tuple[type, object], date | values.Invalid | None] = {}

    def assignments(
        self,
        grid: Sequence[Sequence[object]],
        header_row: int,
        identity: Mapping[str, int],
        detail_rows: Mapping[str, int],
        source: str,
        tab: str,
        issues: list[DataIssue],
    ) -> list[Assignment]:
        """`_assignments`, read once for every gradebook whose header and detail rows are the
        same (copies of one template), each cell told apart by its repr (its type and value:
        1, 1.0 and True are three)."""
        rows = [header_row, *(detail_rows.get(name) for name in ("points", "date", "category"))]
        key = (
            tuple(sorted(identity.items())),
            *rows,
            *(None if row is None else tuple(map(repr, grid[row])) for row in rows),
        )
        if key not in self._assignments:
            found: list[DataIssue] = []
            read = _assignments(grid, header_row, identity, detail_rows, self, "", "", found)
            self._assignments[key] = (read, found)
        read, found = self._assignments[key]
        issues += [replace(issue, source=source, tab=tab) for issue in found]
        return read

    def shown(self, cell: object) -> str:
        if type(cell) is not str:  # -0.0 and 0.0 would share a key, but show apart
            return show(cell)
        if cell not in self._shown:
            self._shown[cell] = values.detached(show(cell))
        return self._shown[cell]

    def points(self, cell: object) -> float | None:
        """The points, if the cell holds a positive number of them."""
        key = (type(cell), cell)
        if key not in self._points:
            self._points[key] = _positive_points(cell)
        return self._points[key]

    def due(self, cell: object) -> date | values.Invalid | None:
        key = (type(cell), cell)
        if key not in self._due:
            self._due[key] = values.detached(values.parse_date(cell, day_first=self.day_first))
        return self._due[key]


def _positive_points(points: object) -> float | None:
    parsed = values.parse_score(points)
    if (
        isinstance(parsed, values.Score)
        and parsed.kind is values.ScoreKind.POINTS
        and (parsed.value or 0) > 0
    ):
        return parsed.value
    return None


def _assignments(
    grid: Sequence[Sequence[object]],
    header_row: int,
    identity: Mapping[str, int],
    detail_rows: Mapping[str, int],
    details: _Details,
    source: str,
    tab: str,
    issues: list[DataIssue],
) -> list[Assignment]:
    header = grid[header_row]
    identity_columns = set(identity.values())
    # A second "Student ID" column is a repeated header (reported by find_header), not an
    # assignment whose scores are the IDs.
    identity_headers = {header_key(header[column]) for column in identity_columns}
    assignments = []
    for column, title in enumerate(header):
        if column in identity_columns or column == 0 or values.is_blank(title):
            continue
        if header_key(title) in _NOT_ASSIGNMENTS or header_key(title) in identity_headers:
            continue
        where = (column, title, details, source, tab, issues)
        points = _points(grid, detail_rows.get("points"), *where)
        due = _due(grid, detail_rows.get("date"), *where)
        category = _detail(grid, detail_rows.get("category"), column)
        assignments.append(
            Assignment(
                column,
                details.shown(title),
                points,
                due,
                None if category is None else details.shown(category),
            )
        )
    return assignments


def _points(
    grid: Sequence[Sequence[object]],
    points_row: int | None,
    column: int,
    title: object,
    details: _Details,
    source: str,
    tab: str,
    issues: list[DataIssue],
) -> float | None:
    """The assignment's points from the Points row; None (its scores read as percentages)
    when there is no Points row, or, with an issue, when its cell is blank or not positive."""
    if points_row is None:
        return None
    points = _detail(grid, points_row, column)
    if points is None:
        issues.append(
            DataIssue(
                source,
                tab,
                a1(points_row, column),
                "",
                f"'{show(title)}' has no points in the Points row, so its scores "
                "were read as percentages",
                "type the assignment's maximum points",
                Severity.WARNING,
            )
        )
        return None
    positive = details.points(points)
    if positive is not None:
        return positive
    issues.append(
        DataIssue(
            source,
            tab,
            a1(points_row, column),
            show(points),
            f"Points '{show(points)}' for '{show(title)}' is not a positive number, "
            "so its scores were read as percentages",
            "type the assignment's maximum points, e.g. 20",
        )
    )
    return None


def _due(
    grid: Sequence[Sequence[object]],
    date_row: int | None,
    column: int,
    title: object,
    details: _Details,
    source: str,
    tab: str,
    issues: list[DataIssue],
) -> object:  # date | None
    """The assignment's due date from the Date row; None when it has none, or, with an issue,
    when its cell is not a date."""
    if date_row is None:
        return None
    due = _detail(grid, date_row, column)
    if due is None:
        return None
    parsed_due = details.due(due)
    if isinstance(parsed_due, values.Invalid):
        issues.append(
            DataIssue(
                source,
                tab,
                a1(date_row, column),
                show(due),
                f"Date '{show(due)}' for '{show(title)}' {parsed_due.what}, so the "
                "assignment counts as undated",
                parsed_due.fix,
                Severity.WARNING,
            )
        )
        return None
    return parsed_due


def _detail(grid: Sequence[Sequence[object]], row_index: int | None, column: int) -> object:
    if row_index is None:
        return None
    value = _cell(grid[row_index], column)
    return None if values.is_blank(value) else value
