"""Benchmark assessment results: headers as the platforms export them, every unusable cell
reported at its A1 cell, repeats warned about, and no row vanishing silently."""

import math
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_schema.assessments import (
    ASSESSMENT_COLUMNS,
    Assessments,
    parse,
    parse_percentile,
    parse_scale_score,
)
from sheets_schema.issues import Severity
from sheets_schema.table import is_example_row
from sheets_schema.values import Invalid, is_blank

HEADER = ("Student ID", "Test", "Date", "Score", "Percentile")


def results(*rows, header=HEADER, day_first=False):
    return parse(
        [list(header), *map(list, rows)], source="bench.xlsx", tab="MAP", day_first=day_first
    )


def test_rows_become_typed_results_with_their_cells():
    found, issues = results(
        ("00042", "MAP Math", "2026-09-10", 212, 41),
        ("00042", "MAP Math", date(2027, 1, 12), "219", "48th"),
    )

    assert issues == []
    frame = found.results
    assert list(frame.columns) == ASSESSMENT_COLUMNS
    assert frame["student_id_typed"].tolist() == ["00042", "00042"]
    assert frame["date"].tolist() == [date(2026, 9, 10), date(2027, 1, 12)]
    assert frame["score"].tolist() == [212.0, 219.0]
    assert frame["percentile"].tolist() == [41.0, 48.0]
    assert frame["row"].tolist() == [1, 2]
    assert frame[["student_cell", "date_cell", "score_cell", "percentile_cell"]].iloc[
        1
    ].tolist() == [
        "A3",
        "C3",
        "D3",
        "E3",
    ]
    assert frame["student_name_typed"].tolist() == [None, None]


@pytest.mark.parametrize(
    "header",
    [
        ("Student ID", "Assessment", "Test date", "Scale score", "National percentile"),
        ("ID", "Test name", "Administered", "Scaled score", "Percentile rank"),
        ("Student #", "Subject", "Test Date", "RIT", "%ile"),
        ("StudentID", "TestName", "TestStartDate", "TestRITScore", "TestPercentile"),
        ("SIS ID", "Subject", "Completion Date", "Overall Scale Score", "NPR"),
        ("Student ID", "Test", "Date", "RIT Score", "Percentile"),
    ],
)
def test_headers_as_platforms_export_them(header):
    found, issues = results(("00042", "MAP Math", "2026-09-10", 212, 41), header=header)

    assert issues == []
    assert found.results[["score", "percentile"]].iloc[0].tolist() == [212.0, 41.0]


def test_a_score_or_a_percentile_column_is_enough():
    only_percentile, issues = results(
        ("00042", "STAR Reading", "9/10/2026", 41), header=("Student ID", "Test", "Date", "PR %ile")
    )
    assert only_percentile is None  # "PR %ile" is no header tutorsync reads
    assert issues[0].source_unusable

    found, issues = results(
        ("00042", "STAR Reading", "9/10/2026", 41), header=("Student ID", "Test", "Date", "%ile")
    )
    assert issues == []
    assert math.isnan(found.results["score"][0])
    assert found.results["score_cell"].tolist() == [None]


def test_a_tab_without_a_test_column_is_unusable_and_says_which():
    found, issues = results(("00042", "2026-09-10", 212), header=("Student ID", "Date", "Score"))

    assert found is None
    assert issues[0].source_unusable
    assert "'Test'" in issues[0].problem


def test_each_unusable_cell_is_reported_at_its_cell():
    found, issues = results(
        ("00041", "MAP Math", "2026-09-10", 212, 41),
        ("00042", "MAP Math", "not yet", 212, 41),
        ("00043", "MAP Math", "2026-09-10", "about 200", 41),
        ("00044", "MAP Math", "2026-09-10", 212, 120),
        ("00045", "MAP Math", "2026-09-10", -5, None),
        ("00046", None, "2026-09-10", 212, 41),
        (None, "MAP Math", "2026-09-10", 212, 41),
        ("00047", "MAP Math", "2026-09-10", None, None),
        ("00048", "MAP Math", "2026-09-10", "85%", "#N/A"),
    )

    # Unreadable cells field by field, then the rows skipped for what they lack.
    assert [issue.cell for issue in issues] == [
        "C3",  # not a date: row skipped
        "D4",  # a score not a number: the percentile still counts
        "D6",  # a negative score, and no percentile: row skipped
        "D10",  # a percentage in the score column
        "E5",  # a percentile over 100: the score still counts
        "E10",  # a formula's error
        "B7",  # no test
        "A8",  # no student
        "D9",  # no score and no percentile
    ]
    assert {issue.severity for issue in issues} == {Severity.ERROR}
    by_cell = {issue.cell: issue for issue in issues}
    assert "not between 0 and 100" in by_cell["E5"].problem
    assert "not a number" in by_cell["D4"].problem
    assert "not a date" in by_cell["C3"].problem
    assert "no score and no percentile" in by_cell["D9"].problem
    assert found.results["student_id_typed"].tolist() == ["00041", "00043", "00044"]
    assert found.results["score"].isna().tolist() == [False, True, False]
    assert found.results["percentile"].isna().tolist() == [False, False, True]


def test_a_repeat_with_other_scores_is_a_warning_and_the_first_row_counts():
    found, issues = results(
        ("00042", "MAP Math", "2026-09-10", 212, 41),
        ("00042", "map  math", "9/10/2026", 215, 44),
        ("00042", "MAP Math", "2026-09-10", 212, 41),
    )

    assert found.results["score"].tolist() == [212.0]
    assert [(issue.cell, issue.severity) for issue in issues] == [
        ("D3", Severity.WARNING),
        ("D4", Severity.WARNING),
    ]
    assert "row 2 already has" in issues[0].problem and "score 215" in issues[0].problem
    assert "repeats row 2" in issues[1].problem


def test_the_same_day_in_another_test_or_for_another_student_is_no_repeat():
    found, issues = results(
        ("00042", "MAP Math", "2026-09-10", 212, 41),
        ("00042", "MAP Reading", "2026-09-10", 205, 50),
        ("00043", "MAP Math", "2026-09-10", 212, 41),
    )

    assert issues == []
    assert len(found.results) == 3


def test_example_rows_are_ignored_silently():
    found, issues = results(
        ("(example) 00001", "MAP Math", "2026-09-10", 212, 41),
        ("00042", "MAP Math", "2026-09-10", 212, 41),
    )

    assert issues == []
    assert found.results["student_id_typed"].tolist() == ["00042"]


def test_names_from_first_and_last_columns_help_matching():
    found, _ = results(
        ("00042", "Thabo", "Molemone", "MAP Math", "2026-09-10", 212),
        header=("Student ID", "First name", "Last name", "Test", "Date", "RIT"),
    )

    assert found.results["student_name_typed"].tolist() == ["Molemone, Thabo"]


def test_day_first_reads_dates_day_month_year():
    found, _ = results(("00042", "MAP Math", "10/9/2026", 212, 41), day_first=True)

    assert found.results["date"].tolist() == [date(2026, 9, 10)]


def test_combined_tabs_keep_their_rows_and_an_empty_combination_has_the_columns():
    first, _ = results(("00042", "MAP Math", "2026-09-10", 212, 41))
    second, _ = results(("00043", "i-Ready Math", "2026-09-12", 480, 60))

    assert Assessments.combined([first, second]).results["test"].tolist() == [
        "MAP Math",
        "i-Ready Math",
    ]
    assert list(Assessments.combined([]).results.columns) == ASSESSMENT_COLUMNS


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(41, 41.0), ("41", 41.0), ("41st", 41.0), ("48th", 48.0), ("48%", 48.0), (0.48, 48.0),
     (0, 0.0), (100, 100.0), ("99,5", 99.5), (None, None)],
)  # fmt: skip
def test_percentiles_as_typed(typed, expected):
    assert parse_percentile(typed) == expected


@pytest.mark.parametrize("typed", [101, -1, "150th", "high", True, date(2026, 1, 5), math.nan])
def test_percentiles_outside_0_to_100_or_not_numbers_are_invalid(typed):
    assert isinstance(parse_percentile(typed), Invalid)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(212, 212.0), ("212", 212.0), ("1,250", 1250.0), ("212,5", 212.5), (0, 0.0), (None, None)],
)
def test_scale_scores_as_typed(typed, expected):
    assert parse_scale_score(typed) == expected


@pytest.mark.parametrize("typed", [-1, "85%", "high", True, math.inf, date(2026, 1, 5)])
def test_scale_scores_that_are_not_non_negative_numbers_are_invalid(typed):
    assert isinstance(parse_scale_score(typed), Invalid)


TYPED = st.one_of(
    st.none(),
    st.sampled_from(
        ["", " ", "00042", "MAP Math", "2026-09-10", "9/10/2026", "212", "48th", "48%", "120",
         "-3", "1,250", "#N/A", "(example) 00001", "x"]
    ),
    st.text(max_size=10),
    st.integers(-5, 100_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
)  # fmt: skip


def _reported_rows(issues) -> set[int]:
    rows = set()
    for issue in issues:
        found = re.search(r"(\d+)$", issue.cell)
        if found:
            rows.add(int(found.group(1)) - 1)
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(TYPED, max_size=6), max_size=8))
def test_any_typed_grid_never_raises_and_every_row_is_a_result_or_reported(rows):
    found, issues = results(*rows)

    non_blank = {
        number
        for number, row in enumerate(rows, start=1)
        if not all(is_blank(cell) for cell in row[:5]) and not is_example_row(row, 0)
    }
    used = set(found.results["row"])
    assert used <= non_blank
    assert non_blank - used <= _reported_rows(issues)
    assert found.results["percentile"].dropna().between(0, 100).all()
    assert (found.results["score"].dropna() >= 0).all()
