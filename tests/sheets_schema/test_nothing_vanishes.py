"""Property: whatever educators type, parsers never crash and no row or value vanishes
silently: each is used, or reported with its cell. Only example rows ("(example) ...", as
`tutorsync init` writes them) are skipped without a word, by design."""

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_schema import gradebook, tutor_log
from sheets_schema.table import is_example_row
from sheets_schema.values import is_blank

TYPED = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "00123",
            "45 min",
            "1:15",
            "Present",
            "No show",
            "maybe",
            "EX",
            "M",
            "17/20",
            "85%",
            "1/5/2026",
            "Jan 5, 2026",
            "yes",
            "x",
            "=1+1",
            "N/A",
            "(example) 00001",
        ]
    ),
    st.text(max_size=12),
    st.integers(-5, 100_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
)
LOG_HEADER = ["Date", "Tutor", "Student ID", "Student", "Minutes", "Attendance", "Follow-up"]


def reported_rows(issues) -> set[int]:
    rows = set()
    for issue in issues:
        found = re.search(r"(\d+)$", issue.cell)
        if found and issue.severity == "error":
            rows.add(int(found.group(1)) - 1)
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(TYPED, max_size=8), max_size=8))
def test_every_tutor_log_row_is_a_session_or_a_reported_issue(rows):
    sessions, issues = tutor_log.parse([LOG_HEADER, *rows], source="log.xlsx", tab="Log")
    non_blank = {
        i + 1
        for i, row in enumerate(rows)
        if not all(is_blank(c) for c in row[:7]) and not is_example_row(row, 2)
    }
    used = set(sessions["row"])
    assert used <= non_blank
    assert non_blank - used <= reported_rows(issues)


@settings(max_examples=150, deadline=None)
@given(scores=st.lists(st.lists(TYPED, min_size=2, max_size=2), max_size=6))
def test_every_typed_score_is_counted_or_reported(scores):
    grid = [["Student ID", "Student", "HW", "Test"], ["Points", None, 10, 50]]
    grid += [[f"{i:05d}", f"Student {i}", *cells] for i, cells in enumerate(scores)]
    parsed, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    typed_cells = {
        (row, column)
        for row, cells in enumerate(scores, start=2)
        for column, value in enumerate(cells, start=2)
        if not is_blank(value)
    }
    used = {
        (row, "CD".index(letter) + 2)
        for row, letter in zip(parsed["row"], parsed["assignment_column"], strict=True)
    }
    reported = {
        (int(i.cell[1:]) - 1, "ABCD".index(i.cell[0]))
        for i in issues
        if i.cell[:1] in "CD" and i.cell[1:].isdigit()
    }
    assert typed_cells == used | reported
    assert not used & reported
