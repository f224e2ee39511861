"""The README's definitions, one small table each. as_of is 2026-03-01, window 28 days:
the window is (2026-02-01, 2026-03-01]."""

import math
from datetime import date

import pandas as pd
import pytest

from jobs.plan.tabs import figure_cells
from jobs.reconcile.figures import (
    count_sessions,
    grade_figures,
    student_progress,
    unweighted_categories,
)
from jobs.settings import Thresholds
from sheets_schema.cells import ColumnFormat
from sheets_schema.outputs import OutputColumn
from sheets_schema.values import Attendance

AS_OF = date(2026, 3, 1)
A, AB, NS, C = Attendance.ATTENDED, Attendance.ABSENT, Attendance.NO_SHOW, Attendance.CANCELLED


def sessions(*rows):
    """rows: (student, date, minutes, attendance[, tutor[, follow_up]])"""
    records = []
    for i, row in enumerate(rows):
        student, day, minutes, attendance, *rest = row
        tutor = rest[0] if rest else "tutor@s.example"
        follow_up = rest[1] if len(rest) > 1 else False
        records.append(
            dict(
                student_id=student,
                session_date=day,
                minutes=minutes,
                attendance=attendance,
                tutor=tutor,
                follow_up=follow_up,
                source="log.xlsx",
                tab="Log",
                row=i + 1,
                date_cell=f"A{i + 2}",
            )
        )
    return pd.DataFrame.from_records(records)


def figures(*rows, window_days=28):
    result, issues = count_sessions(sessions(*rows), as_of=AS_OF, window_days=window_days)
    return result, issues


def test_window_is_open_at_its_start_and_closed_at_as_of():
    result, _ = figures(
        ("s", date(2026, 2, 1), 30, A), ("s", date(2026, 2, 2), 40, A), ("s", AS_OF, 50, A)
    )
    assert result.at["s", "sessions_in_window"] == 2
    assert result.at["s", "minutes_in_window"] == 90


def test_attendance_divides_attended_by_attended_absent_and_no_show_not_cancelled():
    result, _ = figures(
        ("s", date(2026, 2, 10), 30, A),
        ("s", date(2026, 2, 11), 0, AB),
        ("s", date(2026, 2, 12), 0, NS),
        ("s", date(2026, 2, 13), 0, C),
    )
    assert result.at["s", "attendance_rate"] == pytest.approx(1 / 3, abs=1e-3)


def test_attendance_is_blank_when_nothing_to_divide():
    result, _ = figures(("s", date(2026, 2, 13), 0, C))
    assert math.isnan(result.at["s", "attendance_rate"])


def test_last_session_is_latest_attended_on_or_before_as_of():
    result, _ = figures(("s", date(2026, 1, 3), 30, A), ("s", date(2026, 2, 20), 0, AB))
    assert result.at["s", "last_session_date"] == pd.Timestamp(2026, 1, 3)


def test_future_session_is_an_issue_and_not_counted():
    result, issues = figures(("s", date(2026, 2, 20), 30, A), ("s", date(2026, 3, 2), 30, A))
    assert result.at["s", "sessions_in_window"] == 1
    assert [(i.cell, i.severity) for i in issues] == [("A3", "error")]


def test_duplicate_session_counts_once_and_is_reported():
    result, issues = figures(
        ("s", date(2026, 2, 20), 30, A, "Lee@s.example"),
        ("s", date(2026, 2, 20), 30, A, "lee@s.example "),
    )
    assert result.at["s", "sessions_in_window"] == 1
    assert len(issues) == 1 and issues[0].severity == "warning" and "row 2" in issues[0].problem


def test_same_day_sessions_with_different_minutes_both_count():
    result, issues = figures(("s", date(2026, 2, 20), 30, A), ("s", date(2026, 2, 20), 45, A))
    assert result.at["s", "sessions_in_window"] == 2 and issues == []


def test_unknown_minutes_count_the_session_but_not_minutes():
    result, _ = figures(("s", date(2026, 2, 20), float("nan"), A), ("s", date(2026, 2, 21), 30, A))
    assert (result.at["s", "sessions_in_window"], result.at["s", "minutes_in_window"]) == (2, 30)


def scores(*rows):
    """rows: (student, due, category, earned, possible, missing)"""
    return pd.DataFrame.from_records(
        [
            dict(
                student_id=s,
                due=d,
                category=c,
                earned=e,
                possible=p,
                missing=m,
                source="g.xlsx",
                tab="Grades",
                assignment=f"A{i}",
                assignment_column="C",
            )
            for i, (s, d, c, e, p, m) in enumerate(rows)
        ]
    )


def grades(*rows, weights=None):
    return grade_figures(
        scores(*rows),
        by=["student_id"],
        as_of=AS_OF,
        window_days=28,
        category_weights=weights or {},
    )


def test_current_grade_sums_points_over_dated_to_as_of_and_undated():
    result = grades(
        ("s", date(2026, 1, 5), "HW", 8, 10, False),
        ("s", None, "HW", 5, 10, False),
        ("s", date(2026, 3, 5), "HW", 0, 10, False),
    )
    assert result.at["s", "grade_percent"] == 65.0


def test_category_weights_give_a_weighted_mean_over_categories_present():
    rows = [("s", None, "Homework", 10, 10, False), ("s", None, "Test", 50, 100, False)]
    assert grades(*rows, weights={"Homework": 0.25, "Test": 0.75}).at["s", "grade_percent"] == 62.5
    only_tests = grades(rows[1], weights={"Homework": 0.25, "Test": 0.75})
    assert only_tests.at["s", "grade_percent"] == 50.0


def test_unweighted_category_is_reported_when_weights_are_set():
    frame = scores(("s", None, "Project", 10, 10, False))
    issues = unweighted_categories(frame, {"Test": 1.0})
    assert len(issues) == 1 and "Project" in issues[0].problem
    assert unweighted_categories(frame, {}) == []


def test_grade_change_is_this_window_minus_the_one_before():
    result = grades(
        ("s", date(2026, 1, 20), "T", 90, 100, False), ("s", date(2026, 2, 20), "T", 70, 100, False)
    )
    assert result.at["s", "grade_change_points"] == -20.0


def test_grade_change_is_the_difference_of_the_exact_grades_rounded_once():
    # 80.06% before, 70.04% now: rounded first, 70.0 - 80.1 would show a change of -10.1.
    result = grades(
        ("s", date(2026, 1, 20), "T", 8006, 10000, False),
        ("s", date(2026, 2, 20), "T", 7004, 10000, False),
    )
    change = result.at["s", "grade_change_points"]
    assert change == pytest.approx(-10.02)
    column = OutputColumn("Grade change", "grade_change_points", ColumnFormat.DECIMAL)
    [shown] = figure_cells(column, result["grade_change_points"])
    assert shown == -10.0


def test_grade_change_is_blank_if_either_window_is_empty():
    result = grades(("s", date(2026, 2, 20), "T", 70, 100, False), ("s", None, "T", 70, 100, False))
    assert math.isnan(result.at["s", "grade_change_points"])


def test_missing_counts_missing_marks():
    result = grades(
        ("s", None, "HW", 0, 10, True),
        ("s", None, "HW", float("nan"), float("nan"), True),
        ("s", None, "HW", 9, 10, False),
    )
    assert result.at["s", "missing_count"] == 2


STUDENTS = pd.DataFrame(
    {"name": ["Lee, Sam"], "name_key": ["sam lee"], "teachers": [("t@s.example",)], "tutors": [()]},
    index=pd.Index(["s"], name="student_id"),
)


def progress(session_rows=(), score_rows=(), **thresholds):
    session_figures, _ = count_sessions(
        sessions(*session_rows) if session_rows else sessions(("other", AS_OF, 30, A)),
        as_of=AS_OF,
        window_days=28,
    )
    grade_rows = score_rows or [("other", None, "T", 1, 1, False)]
    grade = grades(*grade_rows)
    return student_progress(
        STUDENTS, session_figures, grade, thresholds=Thresholds(**thresholds), as_of=AS_OF
    ).loc["s"]


def codes(row):
    return [flag.code for flag in row.student_flags]


def test_never_tutored_is_flagged_no_recent_session():
    row = progress()
    assert codes(row) == ["no_recent_session"]
    assert row.status == "Act now"
    assert "No tutoring session" in row.student_flags[0].sentence


def test_no_recent_session_uses_days_since_strictly_greater():
    # One session in four weeks is also below the dosage target.
    assert codes(progress([("s", date(2026, 2, 15), 30, A)])) == ["low_dosage"]  # 14 days
    row = progress([("s", date(2026, 2, 14), 30, A)])  # 15 days
    assert codes(row) == ["no_recent_session", "low_dosage"]
    assert row.days_since_last_session == 15
    assert "15 days" in row.student_flags[0].sentence


def test_low_attendance_flag():
    row = progress([("s", date(2026, 2, 25), 30, A), ("s", date(2026, 2, 26), 0, AB)])
    assert codes(row) == ["low_attendance", "low_dosage"]
    assert "50%" in row.student_flags[0].sentence


def test_low_grade_and_grade_drop_and_missing_flags():
    row = progress(
        [("s", AS_OF, 30, A)],
        [
            ("s", date(2026, 1, 20), "T", 80, 100, False),
            ("s", date(2026, 2, 20), "T", 40, 100, False),
            ("s", None, "HW", 0, 10, True),
            ("s", None, "HW", 0, 10, True),
            ("s", None, "HW", 0, 10, True),
        ],
    )
    assert codes(row) == ["low_grade", "grade_drop", "missing_work", "low_dosage"]
    assert "fell 40 points" in row.student_flags[1].sentence


def test_grade_drop_threshold_is_inclusive():
    rows = [
        ("s", date(2026, 1, 20), "T", 90, 100, False),
        ("s", date(2026, 2, 20), "T", 80, 100, False),
    ]
    assert "grade_drop" in codes(progress([("s", AS_OF, 30, A)], rows))
    assert "grade_drop" not in codes(progress([("s", AS_OF, 30, A)], rows, grade_drop_points=11))


def test_follow_up_in_window_is_flagged():
    row = progress([("s", date(2026, 2, 27), 30, A, "t", True)])
    assert codes(row) == ["low_dosage", "follow_up"]
    assert "2026-02-27" in row.student_flags[-1].sentence


def test_on_track_without_flags():
    twelve = [("s", date(2026, 2, d), 30, A) for d in range(4, 28, 2)]  # 3 a week, 90 minutes
    row = progress(twelve, [("s", None, "T", 90, 100, False)])
    assert row.status == "On track" and row.student_flags == ()


def test_tutored_below_the_dosage_target_is_watch_with_the_reason_in_why():
    weekly = [("s", date(2026, 2, d), 30, A) for d in (6, 13, 20, 27)]  # 1 a week, 30 minutes
    row = progress(weekly, [("s", None, "T", 90, 100, False)])
    assert codes(row) == ["low_dosage"] and row.status == "Watch"
    assert row.student_flags[0].sentence == (
        "Tutoring below target: 1 session a week (target 3) and 30 minutes a week (target 90)."
    )


def test_status_is_act_now_for_urgent_flags_watch_for_the_others():
    recent = [("s", date(2026, 2, d), 30, A) for d in range(4, 28, 2)]
    absent = [*recent, *[("s", date(2026, 2, d), 0, AB) for d in range(5, 28, 2)]]
    assert progress(absent).status == "Watch"  # low attendance alone
    assert progress().status == "Act now"  # never tutored
    asked = [*recent[:-1], ("s", date(2026, 2, 26), 30, A, "t", True)]
    assert progress(asked).status == "Act now"  # the tutor asked for a follow-up


def wins(row):
    return [win.code for win in row.student_wins]


def test_dosage_per_week_is_the_window_divided_into_weeks():
    result, _ = figures(*[("s", date(2026, 2, d), 30, A) for d in (2, 9, 16, 23)])
    assert result.loc["s", "sessions_per_week"] == 1.0
    assert result.loc["s", "minutes_per_week"] == 30


def test_meeting_the_dosage_target_is_a_win_and_falling_short_is_not():
    twelve = [("s", date(2026, 2, d), 30, A) for d in range(2, 28, 2)][:12]
    assert "dosage_met" in wins(progress(twelve))  # 3 a week, 90 minutes a week
    assert "dosage_met" not in wins(progress(twelve[:11]))
    short = [(s, d, 20, a) for s, d, _, a in twelve]  # 3 a week but 60 minutes
    assert "dosage_met" not in wins(progress(short))


def test_a_grade_up_by_the_target_points_is_a_win_said_in_a_sentence():
    rows = [
        ("s", date(2026, 1, 20), "T", 70, 100, False),
        ("s", date(2026, 2, 20), "T", 76, 100, False),
    ]
    row = progress([("s", AS_OF, 30, A)], rows)
    assert "grade_up" in wins(row)
    assert "Grade up 6 points" in row.student_wins[0].sentence


def test_attending_every_session_is_a_win_with_at_least_one_a_week():
    weekly = [("s", date(2026, 2, d), 30, A) for d in (3, 10, 17, 24)]
    row = progress(weekly)
    assert "full_attendance" in wins(row)
    assert "Attended all 4 sessions" in row.student_wins[-1].sentence
    assert "full_attendance" not in wins(progress(weekly[1:]))  # three in four weeks
    assert "full_attendance" not in wins(progress())
    absent = [*weekly, ("s", date(2026, 2, 26), 0, AB)]
    assert "full_attendance" not in wins(progress(absent))


def test_latest_tutor_notes_and_next_steps_come_from_the_latest_session_with_some():
    frame = sessions(
        ("s", date(2026, 2, 20), 30, A),
        ("s", date(2026, 2, 25), 30, A),
        ("s", date(2026, 2, 27), 30, A),
    ).assign(
        notes=["Fractions", "Decimals", None],
        next_steps=["More fractions", None, "  "],
    )
    result, _ = count_sessions(frame, as_of=AS_OF, window_days=28)
    assert result.loc["s", "latest_tutor_notes"] == "2026-02-25: Decimals"
    assert result.loc["s", "next_steps"] == "2026-02-20: More fractions"


def test_a_note_longer_than_a_cell_holds_says_where_the_rest_is():
    frame = sessions(("s", date(2026, 2, 20), 30, A)).assign(notes=["x" * 40_000])
    result, _ = count_sessions(frame, as_of=AS_OF, window_days=28)
    shown = result.loc["s", "latest_tutor_notes"]
    assert len(shown) < 32_767 and shown.endswith("(the rest is in the tutor log)")
