from datetime import date, datetime

from sheets_schema import tutor_log
from sheets_schema.values import Attendance

HEADER = ["Date", "Tutor", "Student ID", "Student", "Minutes", "Attendance", "Follow-up needed"]


def parse(*rows, header=HEADER, **kwargs):
    return tutor_log.parse([header, *rows], source="log.xlsx", tab="Log", **kwargs)


def test_a_plain_session_row_is_typed():
    sessions, issues = parse(
        ["2026-01-05", "Lee@S.example", "00123", "Ada", "1h 15m", "Present", "yes"]
    )
    row = sessions.iloc[0]
    assert (row.session_date, row.tutor, row.student_id_typed, row.minutes) == (
        date(2026, 1, 5),
        "lee@s.example",
        "00123",
        75.0,
    )
    assert row.attendance == Attendance.ATTENDED
    assert row.follow_up
    assert (row.row, row.date_cell, row.student_cell) == (1, "A2", "C2")
    assert issues == []


def test_form_timestamp_and_day_first_dates():
    sessions, _ = parse(
        [datetime(2026, 1, 5, 14, 32), "t", "1", None, 30, "P", None],
        ["5/1/2026", "t", "1", None, 30, "P", None],
        day_first=True,
    )
    assert list(sessions["session_date"]) == [date(2026, 1, 5), date(2026, 1, 5)]


def test_bad_date_skips_the_row_with_one_issue_at_the_cell():
    sessions, issues = parse(["someday", "t", "1", None, 30, "P", None])
    assert sessions.empty
    assert [(i.cell, i.value) for i in issues] == [("A2", "someday")]


def test_bad_minutes_keeps_the_session_without_minutes():
    sessions, issues = parse(["2026-01-05", "t", "1", None, "abc", "Present", None])
    assert len(sessions) == 1 and sessions["minutes"].isna().all()
    assert issues[0].cell == "E2" and issues[0].severity == "warning"
    assert "abc" in issues[0].problem


def test_blank_attendance_with_minutes_counts_as_attended():
    sessions, issues = parse(["2026-01-05", "t", "1", None, 30, None, None])
    assert sessions.iloc[0].attendance == Attendance.ATTENDED
    assert issues == []


def test_blank_attendance_and_minutes_is_skipped_and_reported():
    sessions, issues = parse(["2026-01-05", "t", "1", None, None, None, None])
    assert sessions.empty
    assert issues[0].cell == "F2"


def test_unknown_attendance_is_reported_and_skipped():
    sessions, issues = parse(["2026-01-05", "t", "1", None, 30, "maybe", None])
    assert sessions.empty
    assert [i.value for i in issues] == ["maybe"]


def test_row_without_student_is_reported():
    sessions, issues = parse(["2026-01-05", "t", None, None, 30, "P", None])
    assert sessions.empty
    assert "which student" in issues[0].problem


def test_ragged_and_blank_rows_are_handled():
    sessions, issues = parse(
        ["2026-01-05", "t", "1", None, 30, "P"],
        [],
        [None, None, None],
        ["2026-01-06", "t", "2", None, 45, "A"],
    )
    assert list(sessions["student_id_typed"]) == ["1", "2"]
    assert list(sessions["follow_up"]) == [False, False]
    assert issues == []


def test_missing_required_column_skips_the_tab():
    sessions, issues = tutor_log.parse([["Date", "Tutor", "Student"]], source="s", tab="t")
    assert sessions is None
    assert len(issues) == 1 and "Minutes" in issues[0].problem


def test_a_long_note_is_read_whole_what_matters_may_be_at_its_end():
    note = "Worked on fractions and decimals, then reviewed the homework. " * 2 + (
        "IMPORTANT: she told me something at school is upsetting her; please check in."
    )
    sessions, issues = parse(
        ["2026-01-05", "lee@s.example", "00123", "Ada", "45", "Present", "no", note],
        header=[*HEADER, "Notes"],
    )
    assert sessions.iloc[0].notes == note and issues == []
