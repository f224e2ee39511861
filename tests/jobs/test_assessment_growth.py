"""Benchmark growth: per student and test, first and latest administration up to as_of, and
the change in scale points and percentile points between them."""

import math
from datetime import date

import pandas as pd

from jobs.reconcile.assessments import (
    BAND_GROWTH_FIGURES,
    GROWTH_COLUMNS,
    growth,
    growth_by_band,
    growth_by_student,
    growth_sentence,
)
from jobs.reconcile.matching import RosterLookup
from sheets_schema.assessments import parse
from sheets_schema.issues import Severity

AS_OF = date(2027, 2, 1)
ROSTER = RosterLookup.of(
    pd.DataFrame(
        {
            "name": ["Molemone, Thabo", "Ávila, José", "Lee, Sam"],
            "name_key": ["thabo molemone", "jose avila", "sam lee"],
            "email": [None, None, None],
        },
        index=pd.Index(["00042", "00043", "00044"], name="student_id"),
    )
)


def growth_of(*rows, as_of=AS_OF):
    header = ["Student ID", "Student", "Test", "Date", "Score", "Percentile"]
    assessments, issues = parse([header, *map(list, rows)], source="bench.xlsx", tab="MAP")
    assert issues == []
    return growth(assessments, ROSTER, as_of=as_of)


def test_growth_is_latest_minus_first_in_scale_and_percentile_points():
    frame, issues = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("00042", None, "MAP Math", "2027-01-12", 219, 48),
        ("00042", None, "MAP Math", "2026-11-20", 230, 70),  # between: not first, not latest
    )

    assert issues == []
    assert list(frame.columns) == GROWTH_COLUMNS
    row = frame.iloc[0].to_dict()
    assert row == {
        "student_id": "00042",
        "test": "MAP Math",
        "administrations": 3,
        "first_date": date(2026, 9, 10),
        "latest_date": date(2027, 1, 12),
        "first_score": 212.0,
        "latest_score": 219.0,
        "score_growth": 7.0,
        "first_percentile": 41.0,
        "latest_percentile": 48.0,
        "percentile_growth": 7.0,
    }


def test_a_row_per_student_and_test_spellings_of_one_test_together():
    frame, _ = growth_of(
        ("00043", None, "MAP Reading", "2026-09-10", 200, 50),
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("00042", None, "map  math", "2027-01-12", 209, 35),
        ("00042", None, "MAP Reading", "2026-09-10", 205, 55),
    )

    assert frame[["student_id", "test", "administrations"]].values.tolist() == [
        ["00042", "MAP Math", 2],
        ["00042", "MAP Reading", 1],
        ["00043", "MAP Reading", 1],
    ]
    assert frame["score_growth"].iloc[0] == -3.0


def test_administrations_after_as_of_are_left_out_and_reported():
    frame, issues = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("00042", None, "MAP Math", "2027-05-10", 225, 60),
    )

    assert frame["administrations"].tolist() == [1]
    assert frame["latest_score"].tolist() == [212.0]
    assert [(issue.cell, issue.severity) for issue in issues] == [("D3", Severity.ERROR)]
    assert "after 2027-02-01" in issues[0].problem


def test_one_administration_has_no_growth():
    frame, _ = growth_of(("00042", None, "MAP Math", "2026-09-10", 212, 41))

    row = frame.iloc[0]
    assert (row["first_score"], row["latest_score"]) == (212.0, 212.0)
    assert math.isnan(row["score_growth"]) and math.isnan(row["percentile_growth"])


def test_a_measure_missing_at_either_end_has_no_growth_in_it():
    frame, _ = growth_of(
        ("00042", None, "STAR Math", "2026-09-10", None, 30),
        ("00042", None, "STAR Math", "2027-01-12", 610, 38),
    )

    row = frame.iloc[0]
    assert math.isnan(row["score_growth"])
    assert row["percentile_growth"] == 8.0


def test_an_unknown_student_is_reported_as_other_sources_report_them():
    frame, issues = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("99999", "Thabo Molemon", "MAP Math", "2026-09-10", 200, 20),
        ("00077", "Jose Avila", "MAP Math", "2026-09-10", 190, 15),
    )

    assert frame["student_id"].tolist() == ["00042", "00043"]  # the name matched 00043
    assert [(issue.cell, issue.severity) for issue in issues] == [
        ("A3", Severity.ERROR),
        ("A4", Severity.WARNING),
    ]
    assert "not on the roster" in issues[0].problem
    assert "did you mean Molemone, Thabo (00042)" in issues[0].fix


def test_sentences_say_where_each_student_stands_and_how_far_they_moved():
    frame, _ = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("00042", None, "MAP Math", "2027-01-12", 219, 48),
        ("00042", None, "MAP Reading", "2026-09-10", 200, None),
        ("00043", None, "STAR Math", "2026-09-10", None, 30),
        ("00043", None, "STAR Math", "2027-01-12", None, 27.5),
    )

    assert [growth_sentence(row) for row in frame.to_dict("records")] == [
        "MAP Math: 212 → 219 (+7) since 2026-09-10; percentile 41 → 48",
        "MAP Reading: 200 on 2026-09-10",
        "STAR Math: percentile 30 → 27.5 since 2026-09-10",
    ]
    assert growth_by_student(frame).to_dict() == {
        "00042": "MAP Math: 212 → 219 (+7) since 2026-09-10; percentile 41 → 48\n"
        "MAP Reading: 200 on 2026-09-10",
        "00043": "STAR Math: percentile 30 → 27.5 since 2026-09-10",
    }


def test_a_fall_shows_its_sign():
    frame, _ = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 212, 41),
        ("00042", None, "MAP Math", "2027-01-12", 208, 36),
    )

    assert growth_sentence(frame.iloc[0]) == (
        "MAP Math: 212 → 208 (-4) since 2026-09-10; percentile 41 → 36"
    )


def test_growth_by_band_counts_students_and_takes_medians_per_test():
    frame, _ = growth_of(
        ("00042", None, "MAP Math", "2026-09-10", 210, 40),
        ("00042", None, "MAP Math", "2027-01-12", 220, 45),
        ("00043", None, "map math", "2026-09-10", 200, 30),
        ("00043", None, "map math", "2027-01-12", 204, 31),
        ("00044", None, "MAP Math", "2026-09-10", 190, 20),
    )
    bands = pd.Series({"00042": "3 or more", "00043": "3 or more", "00044": "Under 1"})

    figures = growth_by_band(frame, bands)

    assert list(figures.columns) == list(BAND_GROWTH_FIGURES)
    assert figures.loc[("MAP Math", "3 or more")].tolist() == [2, 2, 7.0, 2, 3.0]
    under_one = figures.loc[("MAP Math", "Under 1")]
    assert under_one["students"] == 1 and under_one["students_with_score_growth"] == 0
    assert math.isnan(under_one["median_score_growth"])


def test_no_results_give_an_empty_frame_with_the_columns():
    frame, issues = growth_of()

    assert list(frame.columns) == GROWTH_COLUMNS and frame.empty and issues == []
    assert growth_by_student(frame).empty
