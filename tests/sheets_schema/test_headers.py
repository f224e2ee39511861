import pytest

from sheets_schema import roster, tutor_log
from sheets_schema.headers import find_header, header_key


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Student ID", "studentid"),
        ("  student   id ", "studentid"),
        ("STUDENT_ID", "studentid"),
        ("Student #", "studentnumber"),
        ("Student-ID:", "studentid"),
        ("Follow-up needed?", "followupneeded"),
        (None, ""),
    ],
)
def test_headers_compare_without_case_space_or_punctuation(typed, canonical):
    assert header_key(typed) == canonical


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Student #", "student_id"),
        ("ID", "student_id"),
        ("Student Number", "student_id"),
        ("Duration", "minutes"),
        ("Length", "minutes"),
        ("mins", "minutes"),
        ("Email Address", "tutor"),
        ("Attended?", "attendance"),
        ("Date of session", "session_date"),
    ],
)
def test_documented_aliases_find_tutor_log_columns(header, field):
    grid = [["Date", "Tutor", "Student", "Minutes", "Attendance"]]
    columns = {"session_date": 0, "tutor": 1, "student_name": 2, "minutes": 3, "attendance": 4}
    position = columns.get(field, 2)
    grid[0][position] = header
    match, issues = find_header(grid, tutor_log.KIND, {}, source="log.xlsx", tab="Log")
    assert match is not None, issues
    assert match.columns[field] == position


def test_form_timestamp_is_the_date_only_when_there_is_no_date_column():
    with_date = [["Timestamp", "Session Date", "Tutor", "Student", "Minutes", "Attendance"]]
    without = [["Timestamp", "Tutor", "Student", "Minutes", "Attendance"]]
    assert (
        find_header(with_date, tutor_log.KIND, {}, source="s", tab="t")[0].columns["session_date"]
        == 1
    )
    assert (
        find_header(without, tutor_log.KIND, {}, source="s", tab="t")[0].columns["session_date"]
        == 0
    )


def test_custom_header_from_config_wins_over_aliases():
    grid = [["Learner #", "ID", "Name", "Teacher Email", "Tutor Email"]]
    match, _ = find_header(grid, roster.KIND, {"student_id": "Learner #"}, source="s", tab="t")
    assert match.columns["student_id"] == 0


def test_title_rows_above_the_header_are_skipped():
    grid = [["Roster 2026-27"], [], ["ID", "Name", "Teacher", "Tutor"], ["001", "Ada Lovelace"]]
    match, issues = find_header(grid, roster.KIND, {}, source="s", tab="t")
    assert match.row == 2
    assert issues == []


def test_missing_required_column_is_one_issue_naming_it():
    grid = [["ID", "Name", "Tutor Email"], ["1", "Ada"]]
    match, issues = find_header(grid, roster.KIND, {}, source="roster.xlsx", tab="Roster")
    assert match is None
    assert len(issues) == 1
    assert "Teacher e-mail" in issues[0].problem
    assert "skipped" in issues[0].problem


def test_duplicate_header_reads_the_first_and_warns():
    grid = [["ID", "Name", "Teacher", "Tutor", "Teacher"]]
    match, issues = find_header(grid, roster.KIND, {}, source="s", tab="t")
    assert match.columns["teacher_email"] == 2
    assert [i.cell for i in issues] == ["E1"]


def test_unknown_field_in_config_mapping_is_reported():
    grid = [["ID", "Name", "Teacher", "Tutor"]]
    _, issues = find_header(grid, roster.KIND, {"shoe_size": "Shoes"}, source="s", tab="t")
    assert any("shoe_size" in i.problem for i in issues)
