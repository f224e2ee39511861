import math
from datetime import date

import pytest

from sheets_schema import gradebook

GRID = [
    ["Student ID", "Student", "HW 1", "Quiz 1", "Average"],
    ["Points", None, 10, 20],
    ["Date", None, date(2026, 1, 5), "1/12/2026"],
    ["Category", None, "Homework", "Quiz"],
    ["00123", "Ada Lovelace", 8, "15/20", "88%"],
    ["00124", "Alan Turing", "EX", "M"],
    ["00125", "Grace Hopper", "90%", None],
]


def scores_of(student_id, grid=GRID, **kwargs):
    scores, _ = gradebook.parse(grid, source="g.xlsx", tab="Grades", **kwargs)
    return scores[scores["student_id_typed"] == student_id]


def test_points_percent_and_fraction_scores():
    ada = scores_of("00123")
    assert list(zip(ada["assignment"], ada["earned"], ada["possible"], strict=True)) == [
        ("HW 1", 8.0, 10.0),
        ("Quiz 1", 15.0, 20.0),  # a fraction keeps its own out-of
    ]
    grace = scores_of("00125")
    assert (grace["earned"].iloc[0], grace["possible"].iloc[0]) == (9.0, 10.0)


def test_detail_rows_give_dates_and_categories_and_are_not_students():
    ada = scores_of("00123")
    assert list(ada["due"]) == [date(2026, 1, 5), date(2026, 1, 12)]
    assert list(ada["category"]) == ["Homework", "Quiz"]
    scores, _ = gradebook.parse(GRID, source="g.xlsx", tab="Grades")
    assert set(scores["student_id_typed"]) == {"00123", "00124", "00125"}


def test_excused_is_not_counted_and_missing_counts_as_zero():
    alan = scores_of("00124")
    excused = alan[alan["assignment"] == "HW 1"].iloc[0]
    missing = alan[alan["assignment"] == "Quiz 1"].iloc[0]
    assert math.isnan(excused.earned) and not excused.missing
    assert (missing.earned, missing.possible, missing.missing) == (0.0, 20.0, True)


def test_missing_can_be_configured_not_to_count():
    missing = scores_of("00124", missing_counts_as_zero=False)
    missing = missing[missing["assignment"] == "Quiz 1"].iloc[0]
    assert missing.missing and math.isnan(missing.earned)


def test_blank_means_not_graded_and_summary_columns_are_not_assignments():
    grace = scores_of("00125")
    assert list(grace["assignment"]) == ["HW 1"]
    assert "Average" not in set(scores_of("00123")["assignment"])


@pytest.mark.parametrize("bad", ["N/A", "great", "-5", "3/0"])
def test_unreadable_score_is_an_issue_at_its_cell(bad):
    grid = [GRID[0], GRID[1], ["00123", "Ada", bad, 12]]
    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    assert list(scores["assignment"]) == ["Quiz 1"]
    assert [(i.cell, i.value) for i in issues] == [("C3", bad)]


def test_no_points_row_reads_numbers_as_percentages_and_says_so():
    grid = [["ID", "Name", "Test"], ["1", "Ada", 85]]
    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    assert (scores["earned"].iloc[0], scores["possible"].iloc[0]) == (85.0, 100.0)
    assert any("no Points row" in i.problem for i in issues)


def test_ids_stay_text_and_numbers_become_text():
    grid = [["ID", "Name", "Test"], ["Points", None, 10], [123, "Ada", 5], ["00124", "Alan", 6]]
    scores, _ = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    assert list(scores["student_id_typed"]) == ["123", "00124"]


def test_bad_points_and_dates_are_reported():
    grid = [
        ["ID", "Name", "Test"],
        ["Points", None, "lots"],
        ["Due", None, "soon"],
        ["1", "Ada", 5],
    ]
    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    assert {i.cell for i in issues} == {"C2", "C3"}
    assert scores["due"].isna().all()


def test_row_with_scores_but_no_student_is_reported():
    grid = [["ID", "Name", "Test"], [None, None, 5]]
    _, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")
    assert issues[-1].cell == "row 2"
