"""Teacher gradebooks in the wide layout teachers keep: students in rows, one assignment per
column, and optional rows labelled Points, Date and Category before the students.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from row_by_row.table import ROW, is_example_row, show
from sheets_schema import values
from sheets_schema.fields import FIRST_NAME, LAST_NAME, STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import SheetKind, find_header, header_key
from sheets_schema.issues import DataIssue, Severity, a1, column_letter

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
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return None, issues
    identity = header.columns
    detail_rows = _detail_rows(grid, identity)
    points_row = detail_rows.get("points")
    assignments = _assignments(
        grid, header.row, identity, detail_rows, day_first, source, tab, issues
    )
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

    records = []
    for row_index in range(header.row + 1, len(grid)):
        if row_index in detail_rows.values():
            continue
        row = grid[row_index]
        if is_example_row(row, identity.get("student_id")):
            continue
        cell = partial(_cell, row)
        typed: dict[str, object] = {}
        for name, parser, severity in _IDENTITY_PARSERS:
            if name not in identity:
                continue
            raw = cell(identity[name])
            parsed = values.formula_error(raw) or parser(raw)
            if isinstance(parsed, values.Invalid):
                issues.append(
                    DataIssue(
                        source,
                        tab,
                        a1(row_index, identity[name]),
                        show(raw),
                        f"{KIND.field(name).label} '{show(raw)}' {parsed.what}",
                        parsed.fix,
                        severity,
                    )
                )
                parsed = None
            typed[name] = parsed
        typed_id = typed.get("student_id")
        typed_name = _student_name(typed, identity)
        typed_email = typed.get("student_email")
        if typed_id is None and not typed_name and typed_email is None:
            if any(not values.is_blank(cell(a.column)) for a in assignments):
                issues.append(
                    DataIssue(
                        source,
                        tab,
                        f"row {row_index + 1}",
                        "",
                        "this row has scores but no student ID or name, so it was skipped",
                        "type the student's ID or name in the first columns",
                    )
                )
            continue
        student_column = identity.get("student_id", identity.get("student_name", 0))
        for assignment in assignments:
            raw = cell(assignment.column)
            score = values.parse_score(raw)
            if score is None:
                continue
            if isinstance(score, values.Invalid):
                issues.append(
                    DataIssue(
                        source,
                        tab,
                        a1(row_index, assignment.column),
                        show(raw),
                        f"Score '{show(raw)}' for '{assignment.name}' {score.what}",
                        score.fix,
                    )
                )
                continue
            earned, possible = _earned_possible(score, assignment.points, missing_counts_as_zero)
            records.append(
                (
                    typed_id,
                    typed_name or None,
                    typed_email,
                    assignment.name,
                    column_letter(assignment.column),
                    assignment.due,
                    assignment.category,
                    earned,
                    possible,
                    score.kind is values.ScoreKind.MISSING,
                    source,
                    tab,
                    row_index,
                    a1(row_index, student_column),
                )
            )
    # Object columns keep None as None: inferred text columns would turn a row's missing ID or
    # name into NaN, which matching cannot read.
    scores = pd.DataFrame(records, columns=SCORE_COLUMNS, dtype=object)
    scores[ROW] = scores[ROW].astype("int64")
    scores["earned"] = scores["earned"].astype("float64")
    scores["possible"] = scores["possible"].astype("float64")
    scores["missing"] = scores["missing"].astype(bool)
    return scores, issues


def _cell(row: Sequence[object], column: int | None) -> object:
    if column is None or column >= len(row):
        return None
    return row[column]


def _name(value: object) -> str | None:
    return None if values.is_blank(value) else show(value)


# How each identity cell is read (a formula's error is never read), and how bad a bad one is.
_IDENTITY_PARSERS: tuple[tuple[str, Callable[[object], object], Severity], ...] = (
    ("student_id", values.parse_student_id, Severity.ERROR),
    ("student_name", _name, Severity.ERROR),
    ("first_name", _name, Severity.ERROR),
    ("last_name", _name, Severity.ERROR),
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


def _assignments(
    grid: Sequence[Sequence[object]],
    header_row: int,
    identity: Mapping[str, int],
    detail_rows: Mapping[str, int],
    day_first: bool,
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
        points = _detail(grid, detail_rows.get("points"), column)
        if points is not None:
            parsed_points = values.parse_score(points)
            if (
                isinstance(parsed_points, values.Score)
                and parsed_points.kind is values.ScoreKind.POINTS
                and (parsed_points.value or 0) > 0
            ):
                points = parsed_points.value
            else:
                issues.append(
                    DataIssue(
                        source,
                        tab,
                        a1(detail_rows["points"], column),
                        show(points),
                        f"Points '{show(points)}' for '{show(title)}' is not a positive number, "
                        "so its scores were read as percentages",
                        "type the assignment's maximum points, e.g. 20",
                    )
                )
                points = None
        elif "points" in detail_rows:
            issues.append(
                DataIssue(
                    source,
                    tab,
                    a1(detail_rows["points"], column),
                    "",
                    f"'{show(title)}' has no points in the Points row, so its scores "
                    "were read as percentages",
                    "type the assignment's maximum points",
                    Severity.WARNING,
                )
            )
        due = _detail(grid, detail_rows.get("date"), column)
        if due is not None:
            parsed_due = values.parse_date(due, day_first=day_first)
            if isinstance(parsed_due, values.Invalid):
                issues.append(
                    DataIssue(
                        source,
                        tab,
                        a1(detail_rows["date"], column),
                        show(due),
                        f"Date '{show(due)}' for '{show(title)}' {parsed_due.what}, so the "
                        "assignment counts as undated",
                        parsed_due.fix,
                        Severity.WARNING,
                    )
                )
                parsed_due = None
            due = parsed_due
        category = _detail(grid, detail_rows.get("category"), column)
        assignments.append(
            Assignment(
                column, show(title), points, due, None if category is None else show(category)
            )
        )
    return assignments


def _detail(grid: Sequence[Sequence[object]], row_index: int | None, column: int) -> object:
    if row_index is None:
        return None
    value = _cell(grid[row_index], column)
    return None if values.is_blank(value) else value


def _earned_possible(
    score: values.Score, points: float | None, missing_counts_as_zero: bool
) -> tuple[float | None, float | None]:
    out_of = points if points is not None else 100.0
    match score.kind:
        case values.ScoreKind.POINTS:
            return score.value, out_of
        case values.ScoreKind.PERCENT:
            return (score.value or 0.0) / 100.0 * out_of, out_of
        case values.ScoreKind.FRACTION:
            return score.value, score.out_of
        case values.ScoreKind.MISSING:
            return (0.0, out_of) if missing_counts_as_zero else (None, None)
    return None, None  # excused: not counted
