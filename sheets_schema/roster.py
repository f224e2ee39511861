"""The roster: who the students are, their teachers and tutors, and who is active.

One row per enrolment: a student with two teachers has two rows with the same ID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheets_schema import values
from sheets_schema.fields import FIRST_NAME, LAST_NAME, STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import Field, HeaderMatch, SheetKind, find_header
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import ROW, HeadedTab, ParsedColumn, TabCells, shown_or_none

KIND = SheetKind(
    "roster",
    (
        STUDENT_ID,
        STUDENT_NAME,
        FIRST_NAME,
        LAST_NAME,
        STUDENT_EMAIL,
        Field("grade_level", "Grade level", ("Grade Level", "Grade", "Gr", "Year")),
        Field("teacher_email", "Teacher e-mail", ("Teacher Email", "Teacher E-mail", "Teacher")),
        Field("tutor_email", "Tutor e-mail", ("Tutor Email", "Tutor E-mail", "Tutor")),
        Field("active", "Active", ("Active", "Status", "Enrolled", "Active?")),
    ),
    required=(
        ("student_id",),
        ("student_name", "last_name"),
        ("teacher_email",),
        ("tutor_email",),
    ),
)

_ACTIVE_WORDS = {"active": True, "enrolled": True, "current": True}
_INACTIVE_WORDS = {
    "inactive": False,
    "withdrawn": False,
    "left": False,
    "exited": False,
    "graduated": False,
    "transferred": False,
}

STUDENT_COLUMNS = [
    "name",
    "first_name",
    "last_name",
    "name_key",
    "email",
    "grade_level",
    "active",
    "teachers",
    "tutors",
    ROW,
]


@dataclass(frozen=True)
class Roster:
    """Students indexed by student ID (text), one row each, enrolments combined."""

    students: pd.DataFrame  # columns: STUDENT_COLUMNS
    source: str
    tab: str
    columns: Mapping[str, int] = field(default_factory=dict)  # field name -> 0-based column

    @property
    def active(self) -> pd.DataFrame:
        return self.students[self.students["active"]]


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
) -> tuple[Roster | None, list[DataIssue]]:
    """Parse a roster tab. None when its required columns are missing (one issue says which)."""
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return None, issues
    cells = TabCells([HeadedTab(grid, header, source, tab)], KIND)
    enrolments = _enrolments(cells, header)
    issues += cells.issues[0]
    blank_ids = cells.blank("student_id").tolist()
    records = _student_records(enrolments, blank_ids, header, source, tab, issues)
    return Roster(_students(records), source, tab, dict(header.columns)), issues


def _enrolments(cells: TabCells, header: HeaderMatch) -> Iterator[tuple[Any, ...]]:
    """Each row's (row, student ID, first name, last name, e-mail, grade level, active,
    teachers, tutors), each column read whole into a plain list (a bad cell's issue goes to
    `cells`)."""

    def column(
        name: str, parser: Callable[[Any], Any], severity: Severity = Severity.ERROR
    ) -> list[Any]:
        return cells.parse(name, parser, severity).objects().tolist()

    ids = column("student_id", values.parse_student_id)
    emails = column("student_email", values.parse_email, Severity.WARNING)
    teachers = column("teacher_email", _parse_emails, Severity.WARNING)
    tutors = column("tutor_email", _parse_emails, Severity.WARNING)
    active = column("active", _parse_active, Severity.WARNING)
    grade_levels = column("grade_level", _grade_level)
    firsts, lasts = _names(cells, header.columns)
    return zip(
        cells.row.tolist(),
        ids,
        firsts,
        lasts,
        emails,
        grade_levels,
        active,
        teachers,
        tutors,
        strict=True,
    )


def _student_records(
    enrolments: Iterable[tuple[Any, ...]],
    blank_ids: Sequence[bool],
    header: HeaderMatch,
    source: str,
    tab: str,
    issues: list[DataIssue],
) -> dict[str, dict]:
    """One record per student ID, its enrolments combined: active when any is, with the
    teachers and tutors of the active ones. A row without an ID, or with another name for
    an ID already read, adds an issue to `issues`."""
    records: dict[str, dict] = {}
    for position, (
        row,
        student_id,
        first,
        last,
        email,
        grade,
        active_cell,
        taught,
        tutored,
    ) in enumerate(enrolments):
        if student_id is None:
            if blank_ids[position]:
                issues.append(_no_id_issue(source, tab, header, row, first, last))
            continue
        is_active = active_cell is not False
        record = records.get(student_id)
        if record is None:
            name_key = values.normalise_name(f"{first} {last}")
            records[student_id] = {
                "name": values.display_name(first, last) or f"(no name) {student_id}",
                "first_name": first,
                "last_name": last,
                "name_key": name_key,
                "email": email,
                "grade_level": grade,
                "active": is_active,
                "teachers": [],
                "tutors": [],
                ROW: row,
            }
            record = records[student_id]
        elif values.normalise_name(f"{first} {last}") != record["name_key"]:
            issues.append(
                _other_name_issue(source, tab, header, row, first, last, student_id, record)
            )
        record["active"] = record["active"] or is_active
        if is_active:
            record["teachers"].extend(taught or [])
            record["tutors"].extend(tutored or [])
    return records


def _no_id_issue(
    source: str, tab: str, header: HeaderMatch, row: int, first: str, last: str
) -> DataIssue:
    return DataIssue(
        source,
        tab,
        a1(row, header.columns["student_id"]),
        "",
        f"the row for '{values.display_name(first, last)}' has no student ID, so it was skipped",
        "type the student's ID from your student information system",
    )


def _other_name_issue(
    source: str,
    tab: str,
    header: HeaderMatch,
    row: int,
    first: str,
    last: str,
    student_id: str,
    record: Mapping[str, Any],
) -> DataIssue:
    name_column = header.columns.get("student_name", header.columns.get("last_name", 0))
    return DataIssue(
        source,
        tab,
        a1(row, name_column),
        values.display_name(first, last),
        f"student ID {student_id} is also on row {record[ROW] + 1} with the name "
        f"'{record['name']}'",
        "use one spelling of the name for every row of this student, or fix the ID",
        Severity.WARNING,
    )


def _students(records: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The STUDENT_COLUMNS frame of the records, indexed by student ID."""
    # Column by column: a frame made from a dict per student is slow for a big roster.
    columns = {name: [record[name] for record in records.values()] for name in STUDENT_COLUMNS}
    students = pd.DataFrame(
        columns, index=pd.Index(list(records), name="student_id"), columns=STUDENT_COLUMNS
    )
    # A blank e-mail or grade level stays None: pandas makes it NaN in a column it reads as
    # text, which it does only when another student has one.
    for blank_able in ("email", "grade_level"):
        students[blank_able] = (
            students[blank_able].astype(object).where(students[blank_able].notna(), None)
        )
    for people in ("teachers", "tutors"):
        students[people] = students[people].map(lambda emails: tuple(dict.fromkeys(emails)))
    students["active"] = students["active"].astype(bool)
    return students


def _names(cells: TabCells, found: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """First and last names from one name column or from separate first/last columns. A name
    the sheet cannot give (a formula's error) is reported by `cells` and left blank."""

    def names(field_name: str) -> ParsedColumn:
        column = cells.parse(field_name, shown_or_none)
        return ParsedColumn(column.codes, [text or "" for text in column.values])

    if "last_name" in found:
        return names("first_name").objects().tolist(), names("last_name").objects().tolist()
    name = names("student_name")  # each distinct name split once
    split = [values.split_name(str(text)) for text in name.values]
    return (
        ParsedColumn(name.codes, [first for first, _ in split]).objects().tolist(),
        ParsedColumn(name.codes, [last for _, last in split]).objects().tolist(),
    )


def _parse_emails(value: object) -> list[str] | values.Invalid | None:
    """One or more e-mails in a cell, separated by commas, semicolons or new lines."""
    if values.is_blank(value):
        return None
    found = []
    for part in str(value).replace(";", ",").replace("\n", ",").split(","):
        if not part.strip():
            continue
        email = values.parse_email(part)
        if isinstance(email, values.Invalid):
            return values.Invalid(
                "is not an e-mail address, so it was ignored",
                "type the person's school e-mail, e.g. name@school.org; separate several with ;",
            )
        if email:
            found.append(email)
    return found or None


def _parse_active(value: object) -> bool | values.Invalid | None:
    if values.is_blank(value):
        return None
    word = str(value).strip().lower()
    if word in _ACTIVE_WORDS or word in _INACTIVE_WORDS:
        return _ACTIVE_WORDS.get(word, _INACTIVE_WORDS.get(word))
    parsed = values.parse_yes_no(value)
    if isinstance(parsed, values.Invalid):
        return values.Invalid(
            "is not yes or no, so the student was kept active",
            "type Yes/No or Active/Inactive",
        )
    return parsed


def _grade_level(value: object) -> str | None:
    if values.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
