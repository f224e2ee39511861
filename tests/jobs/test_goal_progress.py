"""Goals: progress toward each student's goals from the figures tutorsync already has, off-pace
and past-date reasons, met goals as wins, and what check-ins may say of them."""

from dataclasses import replace
from datetime import date

import pandas as pd

from jobs.reconcile.figures import Flag, Win
from jobs.reconcile.goals import (
    Measured,
    goal_progress,
    goals_to_share,
    shared_goal_lines,
    typed_plans,
    with_goals,
    without_goal_reasons,
)
from jobs.reconcile.matching import RosterLookup
from sheets_schema.goals import parse
from sheets_schema.issues import Severity
from sheets_schema.outputs import ON_TRACK_STATUS, WATCH_STATUS
from sheets_schema.staff import Staff

AS_OF = date(2026, 12, 4)  # a Friday
ADA = "ada@school.example"
BEN = "ben@school.example"
ROSTER = RosterLookup.of(
    pd.DataFrame(
        {
            "name": ["Lee, Sam", "Okoro, Chi", "Gone, Al"],
            "name_key": ["sam lee", "chi okoro", "al gone"],
            "email": [None, None, None],
            "active": [True, True, False],
        },
        index=pd.Index(["001", "002", "003"], name="student_id"),
    )
)
FIGURES = Measured(
    grade_all={"001": 64.0, "002": 81.0},
    grade_by_teacher={("001", ADA): 64.0, ("001", BEN): 70.0, ("002", ADA): 81.0},
    sessions_per_week={"001": 1.5, "002": 3.0},
    latest_scores={("001", "map math"): 205.0, ("002", "map math"): 220.0},
)
STAFF = Staff({ADA: "Ada Okoro", BEN: "Ben Hale"})
HEADER = ["Student ID", "Goal", "Measured by", "Class or test", "Target", "By", "Owner", "Status"]


def progress_of(*rows, figures=FIGURES):
    goals, issues = parse([HEADER, *map(list, rows)], source="roster.xlsx", tab="Goals")
    assert issues == []
    return goal_progress(goals, ROSTER, figures, STAFF, as_of=AS_OF)


def only(frame):
    [row] = frame.to_dict("records")
    return row


def test_grade_goal_says_how_far_to_go_and_how_long_is_left():
    frame, issues = progress_of(
        ("001", "Raise math", "Grade %", ADA, "75%", "2027-01-29", ADA, None)
    )

    assert issues == []
    row = only(frame)
    assert row["line"] == (
        "Raise math: grade with Ada Okoro 64% → 75% by 2027-01-29, 11 points to go, 8 weeks left"
    )
    assert (row["met"], row["flag"], row["win"]) == (False, None, None)


def test_grade_goal_teacher_by_name_through_the_staff_list_or_all_classes_when_blank():
    by_name, _ = progress_of(("001", "Science up", "Grade %", "ben hale", 80, "2027-03-01"))
    all_classes, _ = progress_of(("001", "All up", "Grade %", None, 70, "2027-03-01"))

    assert only(by_name)["teacher"] == BEN
    assert "grade with Ben Hale 70% → 80%" in only(by_name)["line"]
    assert "All up: grade 64% → 70%" in only(all_classes)["line"]


def test_an_unknown_teacher_is_a_warning_and_the_grade_over_all_classes_is_used():
    frame, issues = progress_of(("001", "Up", "Grade %", "Mr Nobody", "75%", "2027-03-01"))

    assert [(i.cell, i.severity) for i in issues] == [("D2", Severity.WARNING)]
    assert "grade 64%" in only(frame)["line"]


def test_a_teacher_e_mail_no_gradebook_has_grades_for_is_a_warning_at_its_cell():
    frame, issues = progress_of(("001", "Up", "Grade %", "ada@shcool.example", "75%", "2027-03-01"))

    assert [(i.cell, i.value, i.severity) for i in issues] == [
        ("D2", "ada@shcool.example", Severity.WARNING)
    ]
    assert "no gradebook of ada@shcool.example has a grade" in issues[0].problem
    assert "no grade yet" in only(frame)["line"]


def test_sessions_a_week_goal_from_the_session_figures():
    frame, _ = progress_of(("001", "Come often", "Sessions a week", None, "3 a week", "2027-01-29"))

    assert only(frame)["line"].startswith(
        "Come often: sessions a week 1.5 → 3 by 2027-01-29, 1.5 sessions a week to go"
    )


def test_assessment_goal_from_the_latest_score_of_its_test():
    frame, _ = progress_of(("001", "MAP up", "Assessment score", "map  MATH", 215, "2027-05-01"))
    missing, issues = progress_of(("001", "Read up", "Assessment score", "MAP Reading", 215))
    not_yet, none = progress_of(
        ("002", "MAP up", "Assessment score", "MAP Math", 215),
        figures=replace(FIGURES, latest_scores={("001", "map math"): 205.0}),
    )

    assert "MAP up: map MATH 205 → 215 by 2027-05-01, 10 points to go" in only(frame)["line"]
    assert only(missing)["line"] == "Read up: no MAP Reading result yet, target 215"
    # A test no result names is a typo, or results not yet read: said at its cell.
    assert [(i.cell, i.value, i.severity) for i in issues] == [
        ("D2", "MAP Reading", Severity.WARNING)
    ]
    assert "no assessment result names the test 'MAP Reading'" in issues[0].problem
    # A test others have results on: this student's is still to come.
    assert (only(not_yet)["line"], none) == ("MAP up: no MAP Math result yet, target 215", [])


def test_a_goal_too_far_to_reach_at_a_believable_pace_is_off_pace():
    frame, _ = progress_of(("001", "Raise math", "Grade %", ADA, "90%", "2026-12-18"))

    row = only(frame)
    assert row["line"].endswith("26 points to go, 2 weeks left; off pace")
    assert row["flag"] == Flag(
        "goal_off_pace",
        "Goal off pace: Raise math (26 points to go in 2 weeks, more than 2 a week).",
    )


def test_an_unmet_goal_past_its_date_is_flagged_judged_goals_too():
    measured_goal, _ = progress_of(("001", "Raise math", "Grade %", ADA, "75%", "2026-11-30"))
    judged, _ = progress_of(("002", "Reads aloud", "Judged by the teacher", None, None,
                             "2026-12-01", ADA, "Open"))  # fmt: skip

    assert only(measured_goal)["flag"].code == "goal_past_date"
    assert only(measured_goal)["line"].endswith("; past its date")
    assert only(judged)["flag"] == Flag(
        "goal_past_date", "Goal past its date (2026-12-01): Reads aloud."
    )
    assert only(judged)["line"] == (
        "Reads aloud: open by 2026-12-01, judged by Ada Okoro; past its date"
    )


def test_a_reached_target_or_a_met_status_is_a_win_not_an_open_goal():
    reached, _ = progress_of(("002", "Keep it up", "Grade %", ADA, "80%", "2027-01-29"))
    judged, _ = progress_of(("002", "Reads aloud", "Judged", None, None, None, ADA, "Met"))

    assert only(reached)["line"] is None and only(reached)["flag"] is None
    assert only(reached)["win"] == Win(
        "goal_met", "Goal met: Keep it up (grade with Ada Okoro 81%)."
    )
    assert only(judged)["win"] == Win(
        "goal_met", "Goal met: Reads aloud (marked met by Ada Okoro)."
    )


def test_dropped_goals_and_goals_of_students_who_left_are_not_shown():
    frame, _ = progress_of(
        ("001", "Old goal", None, None, None, None, None, "Dropped"),
        ("003", "Left", None, None, None, None, None, None),
    )
    assert frame.empty


def test_goals_join_the_progress_rows_their_reasons_changing_the_status():
    frame, _ = progress_of(
        ("001", "Raise math", "Grade %", ADA, "75%", "2026-11-30"),
        ("001", "Come often", "Sessions a week", None, 3),
        ("002", "Keep it up", "Grade %", ADA, "80%"),
    )
    progress = pd.DataFrame(
        {
            "student_flags": [(), ()],
            "student_wins": [(), (Win("dosage_met", "Met the tutoring target."),)],
            "status": [ON_TRACK_STATUS, ON_TRACK_STATUS],
        },
        index=pd.Index(["001", "002"], name="student_id"),
    )

    shown = with_goals(progress, frame)

    assert shown.loc["001", "goal_progress"].splitlines() == [
        "Raise math: grade with Ada Okoro 64% → 75% by 2026-11-30, 11 points to go; past its date",
        "Come often: sessions a week 1.5 → 3, 1.5 sessions a week to go",
    ]
    assert shown.loc["001", "status"] == WATCH_STATUS
    assert [f.code for f in shown.loc["001", "student_flags"]] == ["goal_past_date"]
    assert shown.loc["002", "goal_progress"] is None
    assert [w.code for w in shown.loc["002", "student_wins"]] == ["dosage_met", "goal_met"]
    assert shown.loc["002", "status"] == ON_TRACK_STATUS


def test_check_ins_share_goal_words_only_and_grade_goals_with_their_teacher():
    frame, _ = progress_of(
        ("001", "Raise math", "Grade %", ADA, "75%", "2027-01-29"),
        ("001", "Science up", "Grade %", BEN, "80%"),
        ("001", "Reads aloud", None, None, None),
        ("002", "Keep it up", "Grade %", ADA, "80%"),  # met: nothing to work on
    )
    shared = goals_to_share(frame)

    assert shared_goal_lines(shared, "001", ADA) == ["Raise math", "Reads aloud"]
    assert shared_goal_lines(shared, "001", BEN) == ["Science up", "Reads aloud"]
    assert shared_goal_lines(shared, "002", ADA) == []


def test_a_plan_link_typed_on_a_goal_row_is_the_students_plan():
    goals, _ = parse(
        [
            ["Student ID", "Goal", "Learning plan"],
            ["001", "A", None],
            ["001", "B", "https://docs.example/plan"],
        ],
        source="r.xlsx",
        tab="Goals",
    )
    frame, _ = goal_progress(goals, ROSTER, FIGURES, STAFF, as_of=AS_OF)
    assert typed_plans(frame) == {"001": "https://docs.example/plan"}


def test_the_weekly_history_records_flags_and_status_without_goal_reasons():
    low = Flag("low_attendance", "Attendance 50% (below 80%).")
    off_pace = Flag("goal_off_pace", "Goal off pace: read daily (3 a week to go).")
    progress = pd.DataFrame(
        {"student_flags": [(off_pace,), (low, off_pace)], "status": [WATCH_STATUS, WATCH_STATUS]},
        index=pd.Index(["00042", "00043"], name="student_id"),
    )
    history = without_goal_reasons(progress)
    assert history["student_flags"].tolist() == [(), (low,)]
    assert history["status"].tolist() == [ON_TRACK_STATUS, WATCH_STATUS]
