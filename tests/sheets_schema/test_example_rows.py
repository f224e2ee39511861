"""Example rows ("(example) 00001", as `tutorsync init` writes them) are skipped silently by
every parser; any other row is data."""

from datetime import date

import pytest

from sheets_schema import gradebook, roster, tutor_log
from sheets_schema.table import is_example_row


@pytest.mark.parametrize(
    ("row", "student_id_column", "example"),
    [
        (["(example) 00001", "Sam Rivera"], 0, True),
        (["(EXAMPLE) 00001", "Sam Rivera"], 0, True),  # any case
        (["  (Example)", "Sam Rivera"], 0, True),  # spaces before it
        ([None, "", "(example) 00001"], 2, True),  # the first non-empty cell
        ([date(2026, 1, 5), "t@s.example", "(example) 00002"], 2, True),  # the ID cell
        ([date(2026, 1, 5), "(example) note", "00002"], 2, False),  # neither
        (["00001", "(example) Sam Rivera"], 0, False),  # only the name says so
        (["example 00001", "Sam"], 0, False),  # no brackets: a real (if odd) ID
        (["00001 (example)", "Sam"], 0, False),  # not at the start
        ([1, "Sam"], 0, False),
        ([], 0, False),
        (["(example) 00001"], None, True),  # no ID column: the first cell decides
        ([date(2026, 1, 5), "t", "(example) 1"], None, False),
        ([date(2026, 1, 5), "t"], 5, False),  # a short row (Sheets drops trailing cells)
    ],
)
def test_a_row_is_an_example_when_its_first_cell_or_student_id_says_so(
    row, student_id_column, example
):
    assert is_example_row(row, student_id_column) is example


ROSTER = [
    ["Student ID", "Student name", "Grade level", "Teacher e-mail", "Tutor e-mail", "Active"],
    ["(example) 00001", "(example) Sam Rivera", 6, "t@s.example", "u@s.example", True],
    ["00123", "Lee, Ada", 6, "t@s.example", "u@s.example", True],
    ["(Example) 00002", "", "", "", "", "maybe"],  # unparseable cells, but an example
]
LOG = [
    ["Date", "Tutor e-mail", "Student ID", "Student name", "Minutes", "Attendance"],
    [date(2026, 1, 5), "u@s.example", "(example) 00001", "(example) Sam", 45, "Present"],
    [date(2026, 1, 6), "u@s.example", "00123", "Lee, Ada", 30, "Present"],
    ["not a date", "u@s.example", "(example) 00002", "", "abc", "maybe"],
]
GRADES = [
    ["Student ID", "Student name", "Quiz 1"],
    ["Points", None, 20],
    ["(example) 00001", "(example) Sam", 17],
    ["00123", "Ada Lee", 18],
    ["(example) 00002", "", "N/A"],
]


@pytest.mark.parametrize(
    ("parse", "grid", "ids"),
    [
        (lambda g: roster.parse(g, source="r", tab="Roster"), ROSTER, "roster"),
        (lambda g: tutor_log.parse(g, source="l", tab="Sessions"), LOG, "student_id_typed"),
        (lambda g: gradebook.parse(g, source="g", tab="Grades"), GRADES, "student_id_typed"),
    ],
    ids=["roster", "tutor log", "gradebook"],
)
def test_parsers_skip_example_rows_without_a_data_issue(parse, grid, ids):
    parsed, issues = parse(grid)
    if ids == "roster":
        assert list(parsed.students.index) == ["00123"]
    else:
        assert set(parsed[ids]) == {"00123"}
    assert issues == []
