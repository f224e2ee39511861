"""The spreadsheets `tutorsync init` makes are read by the real parsers: every header is
recognised without a `columns` mapping, example rows are skipped, every value a dropdown offers
is accepted, and the instructions name every column."""

from datetime import date

import pytest

from sheets_schema import gradebook, roster, tutor_log, values
from sheets_schema.headers import find_header
from sheets_schema.new_program import (
    PREPARED_COLUMNS,
    PREPARED_ROWS,
    STUDENT_LIST_TAB,
    FromColumn,
    IsDate,
    NumberBetween,
    OneOf,
    SpreadsheetKind,
    SpreadsheetLayout,
    YesNo,
    program_layouts,
    student_list_key,
)
from sheets_schema.table import EXAMPLE_MARK

TEMPLATES = program_layouts(
    program_name="Riverside Tutoring (fictional)",
    program_key="riverside",
    domain="riverside.example",
    teacher="ms.lee@riverside.example",
    today=date(2026, 3, 10),
)
SOURCES = (TEMPLATES.roster, TEMPLATES.tutor_log, TEMPLATES.gradebook)


def parse(template: SpreadsheetLayout, grid):
    assert template.data is not None
    tab = template.data.title
    if template.kind is SpreadsheetKind.ROSTER:
        parsed, issues = roster.parse(grid, source="roster", tab=tab)
        return (None if parsed is None else parsed.students), issues
    if template.kind is SpreadsheetKind.TUTOR_LOG:
        return tutor_log.parse(grid, source="log", tab=tab)
    return gradebook.parse(grid, source="gradebook", tab=tab)


def without_marks(grid):
    """The example rows as someone would type them for real."""
    return [
        [cell.removeprefix(f"{EXAMPLE_MARK} ") if isinstance(cell, str) else cell for cell in row]
        for row in grid
    ]


@pytest.mark.parametrize("template", SOURCES, ids=lambda t: t.kind.value)
def test_the_header_is_recognised_with_no_mapping_and_the_examples_are_skipped(template):
    parsed, issues = parse(template, template.data.grid())
    assert parsed is not None and issues == []
    assert len(parsed) == 0  # only example rows below the header


@pytest.mark.parametrize("template", SOURCES, ids=lambda t: t.kind.value)
def test_every_column_is_read_by_the_parser(template):
    kind = {"roster": roster.KIND, "tutor-log": tutor_log.KIND, "gradebook": gradebook.KIND}[
        template.kind.value
    ]
    header, _ = find_header([list(template.data.header)], kind, {}, source="s", tab="t")
    found = set(header.columns.values())
    if template.kind is SpreadsheetKind.GRADEBOOK:
        assert found == {0, 1}  # the identity columns; the rest are assignments
    else:
        assert found == set(range(len(template.data.columns)))


@pytest.mark.parametrize("template", SOURCES, ids=lambda t: t.kind.value)
def test_example_rows_are_marked_and_would_be_valid_data_unmarked(template):
    data = template.data
    id_column = data.header.index("Student ID")
    assert data.example_rows
    for row in data.example_rows:
        assert row[id_column].startswith(EXAMPLE_MARK)
    parsed, issues = parse(template, without_marks(data.grid()))
    assert issues == []
    assert len(parsed) >= len(data.example_rows)


@pytest.mark.parametrize("template", SOURCES, ids=lambda t: t.kind.value)
def test_instructions_mention_each_column_examples_and_owned_tabs(template):
    text = template.instructions.text()
    for header in template.data.header:
        assert header in text
    assert EXAMPLE_MARK in text and "ignores them" in text
    for owned in template.owned:
        assert f"'{owned.title}'" in text and "rewritten on every run" in text


def test_dropdowns_offer_only_values_the_parsers_accept():
    rules = {
        (template.kind, template.data.header[v.cells.first_column]): v.rule
        for template in SOURCES
        for v in template.data.validations
    }
    attendance = rules[(SpreadsheetKind.TUTOR_LOG, "Attendance")]
    assert isinstance(attendance, OneOf)
    assert {"Present", "Absent", "Excused", "No-show"} <= set(attendance.values)
    for value in attendance.values:
        assert isinstance(values.parse_attendance(value), values.Attendance)
    assert isinstance(rules[(SpreadsheetKind.ROSTER, "Active")], YesNo)
    assert isinstance(rules[(SpreadsheetKind.TUTOR_LOG, "Follow-up needed")], YesNo)
    for answer in (True, False, "Yes", "No"):  # a Google checkbox, an .xlsx Yes/No list
        assert values.parse_yes_no(answer) is (answer in (True, "Yes"))
    assert rules[(SpreadsheetKind.TUTOR_LOG, "Minutes")] == NumberBetween(1, values.MAX_MINUTES)
    assert isinstance(rules[(SpreadsheetKind.TUTOR_LOG, "Date")], IsDate)


def test_student_ids_in_the_tutor_log_come_from_its_owned_student_list():
    log = TEMPLATES.tutor_log
    [validation] = [
        v for v in log.data.validations if log.data.header[v.cells.first_column] == "Student ID"
    ]
    assert validation.rule == FromColumn(STUDENT_LIST_TAB, 0, 1)
    assert not validation.strict  # the list is refreshed on each run: a new ID only warns
    [owned] = log.owned
    assert (owned.key, owned.title) == (student_list_key("riverside"), STUDENT_LIST_TAB)
    assert owned.key == "tutorsync:riverside:student-list"
    assert owned.header == ("Student ID", "Student")


@pytest.mark.parametrize("template", SOURCES, ids=lambda t: t.kind.value)
def test_validations_and_protection_stay_inside_the_prepared_grid(template):
    data = template.data
    for validation in data.validations:
        cells = validation.cells
        assert 0 <= cells.first_row < cells.end_row <= PREPARED_ROWS
        assert 0 <= cells.first_column < cells.end_column <= PREPARED_COLUMNS
        assert cells.first_row >= 1  # never on the header
        assert validation.help
    assert data.protected.first_row == 0 and data.protected.end_row == 1
    assert data.frozen_rows >= 1


def test_the_gradebook_has_points_date_and_category_rows_above_its_frozen_line():
    data = TEMPLATES.gradebook.data
    assert [row[0] for row in data.detail_rows] == ["Points", "Date", "Category"]
    assert data.frozen_rows == 1 + len(data.detail_rows) and data.frozen_columns == 2


def test_the_coordinator_spreadsheet_only_explains_itself():
    coordinator = TEMPLATES.coordinator
    assert coordinator.data is None and coordinator.owned == ()
    assert "Progress summary" in coordinator.instructions.text()
