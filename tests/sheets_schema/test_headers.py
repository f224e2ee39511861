import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_schema import roster, tutor_log
from sheets_schema.headers import find_header, header_key, map_headers


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


def test_map_headers_says_where_each_field_was_read_and_what_was_not_used():
    grid = [["Roster 2026"], ["Student ID", "Name", "Teacher Email", "Tutor Email", "Bus route"]]
    mapping = map_headers(grid, roster.KIND, {})
    assert mapping.header_row == 1
    read = {field.name: header for field, header in mapping.fields}
    assert read["student_id"] == "Student ID" and read["student_name"] == "Name"
    assert read["grade_level"] is None
    assert mapping.unused == ("Bus route",)
    assert mapping.near_misses == ()


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Length of session (min)", "minutes"),  # shares words with "Session Length"
        ("Atendance", "attendance"),  # a close spelling
        ("Tutoring subject", "subject"),
    ],
)
def test_a_header_like_a_field_not_found_is_a_near_miss(header, field):
    grid = [["Date", "Tutor", "Student ID", "Minutes", "Attendance", "Subject"]]
    grid[0][[h.lower() for h in grid[0]].index(field)] = header
    mapping = map_headers(grid, tutor_log.KIND, {})
    assert [(h, f.name) for h, f in mapping.near_misses] == [(header, field)]


def test_a_mapped_header_is_read_not_a_near_miss():
    grid = [["Date", "Tutor", "Student ID", "Length of session (min)", "Attendance"]]
    mapping = map_headers(grid, tutor_log.KIND, {"minutes": "Length of session (min)"})
    read = {field.name: header for field, header in mapping.fields}
    assert read["minutes"] == "Length of session (min)" and mapping.near_misses == ()


@given(st.lists(st.text(max_size=30), max_size=12))
def test_map_headers_takes_any_header_row(headers):
    mapping = map_headers([headers], tutor_log.KIND, {})
    used = {header for _, header in mapping.fields if header is not None}
    assert all(header in mapping.unused for header, _ in mapping.near_misses)
    assert not used & set(mapping.unused) or len(headers) != len(set(headers))
