"""Property: the parsers' bulk fast paths give what parsing cell by cell and book by book
gives: each distinct cell parsed once is each cell's own parse, and all gradebooks parsed at
once are each parsed in turn (the same frame, values, Python types and dtypes, and the same
data issues in the same order).

When they were written, these paths were also checked against the row-by-row parsers they
replaced, kept as an oracle in tests/sheets_schema/row_by_row of commit bdb09fb: restore it
from there to check a new fast path the same way."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_nothing_vanishes import TYPED

from sheets_schema import gradebook
from sheets_schema.table import SourceTab, distinct_codes, map_distinct
from sheets_schema.values import parse_date, parse_minutes, parse_score, parse_student_id

CHECKED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Values equal across types (True == 1 == 1.0) and NaN, which is not equal to itself: the cases
# a cache keyed by value alone would get wrong.
TRICKY = st.one_of(
    TYPED,
    st.sampled_from([True, 1, 1.0, False, 0, 0.0, -0.0, float("nan"), "1", "1.0", "True"]),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
)


def assert_same_frame(fast: pd.DataFrame | None, slow: pd.DataFrame | None) -> None:
    if slow is None:
        assert fast is None
        return
    assert fast is not None
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    for column in slow.columns:
        if slow[column].dtype == object:
            # assert_frame_equal takes None for NaN and 1 for True; matching does not.
            assert [type(v) for v in fast[column]] == [type(v) for v in slow[column]], column


@CHECKED
@given(cells=st.lists(TRICKY, max_size=40))
def test_parsing_each_distinct_cell_once_gives_each_cells_own_parse(cells):
    for parser in (parse_score, parse_minutes, parse_student_id, parse_date):
        parsed = map_distinct(cells, parser).tolist()
        expected = [parser(cell) for cell in cells]
        assert [type(v) for v in parsed] == [type(v) for v in expected]
        # Equal, and the same but for a zero's sign: -0.0 == 0.0 share a key, as they always
        # did in parse_column.
        assert parsed == expected
        assert [repr(v).replace("-0.0", "0.0") for v in parsed] == [
            repr(v).replace("-0.0", "0.0") for v in expected
        ]


@CHECKED
@given(cells=st.lists(TRICKY, max_size=40))
def test_codes_with_signed_zeros_part_only_cells_a_parser_could_tell_apart(cells):
    codes, firsts = distinct_codes(cells, signed_zeros=True)
    assert [repr(parse_score(firsts[code])) for code in codes] == [
        repr(parse_score(cell)) for cell in cells
    ]
    assert len(set(codes.tolist())) == len(firsts)


@CHECKED
@given(
    books=st.lists(
        st.tuples(st.lists(st.lists(TRICKY, max_size=6), max_size=5), st.booleans()), max_size=5
    ),
    missing_counts_as_zero=st.booleans(),
)
def test_many_gradebooks_parse_as_each_parsed_in_turn(books, missing_counts_as_zero):
    tabs = [
        SourceTab(
            [["Student ID", "Student", "HW", "Quiz", "Test"]]
            + ([["Points", None, 10, 20, 50]] if has_points else [])
            + rows,
            f"teacher{number}.xlsx",
            "Grades",
        )
        for number, (rows, has_points) in enumerate(books)
    ]
    parsed = gradebook.parse_many(tabs, missing_counts_as_zero=missing_counts_as_zero)
    frames, issues, found = [], [], []
    for number, tab in enumerate(tabs):
        frame, tab_issues = gradebook.parse(
            tab.grid,
            source=tab.source,
            tab=tab.tab,
            missing_counts_as_zero=missing_counts_as_zero,
        )
        issues += tab_issues
        found.append(frame is not None)
        if frame is not None:
            frames.append(frame.assign(number=number))
    assert parsed.issues == issues
    assert parsed.found == found
    if frames:
        expected = pd.concat(frames, ignore_index=True)
        assert parsed.tab_of_score.tolist() == expected["number"].tolist()
        assert_same_frame(parsed.scores, expected.drop(columns="number"))
