"""The impact view: dosage bands, grade change over the term, the same-class comparison
(jobs.reconcile.impact) and the tab that shows them without a small group's figures
(jobs.plan.impact). The term is 2026-01-05 (a Monday) to AS_OF."""

import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.plan.impact import (
    ALL_CLASSES,
    HEADER,
    MEDIAN_HEADER,
    NOT_PROOF,
    STUDENTS_HEADER,
    WITH_CHANGE_HEADER,
    impact_tab,
    not_shown,
)
from jobs.reconcile.impact import (
    BANDS,
    NOT_TUTORED,
    ONE_TO_THREE,
    THREE_OR_MORE,
    TUTORED_GROUP,
    UNDER_ONE,
    TermImpact,
    band_figures,
    class_figures,
    dosage_bands,
    term_impact,
    term_start_of,
)
from jobs.reconcile.program import Reconciled
from jobs.settings import parse
from sheets_schema.roster import Roster
from sheets_schema.values import Attendance

TERM_START = date(2026, 1, 5)
EIGHT_WEEKS = TERM_START + timedelta(days=55)  # Sunday 2026-03-01
FIRST_WEEKS_DAY = date(2026, 1, 20)
A, AB = Attendance.ATTENDED, Attendance.ABSENT
T1, T2 = "t1@s.example", "t2@s.example"


def settings(*, term_start=None, teachers=(T1, T2)):
    impact = {"term_start": term_start} if term_start else {}
    return parse(
        {
            "program": {"name": "Test program"},
            "sources": {
                "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
                "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
                "gradebooks": [
                    {"spreadsheet": f"{t}.xlsx", "tab": "Grades", "teacher": t} for t in teachers
                ],
            },
            "impact": impact,
            "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
        },
        config_dir=Path("."),
    )


ROSTER_COLUMNS = ["name", "first_name", "last_name", "name_key", "email", "grade_level"]
SESSION_COLUMNS = ["student_id", "session_date", "attendance", "minutes", "tutor", "follow_up"]
SCORE_COLUMNS = ["student_id", "teacher", "due", "earned", "possible", "category", "missing"]


def program(students, sessions=(), marks=()):
    """students: ID -> (teachers, tutors); sessions: (ID, day, attendance); marks: (ID,
    teacher, due, earned, possible)."""
    roster = pd.DataFrame(
        [[i] * 4 + [None, None] for i in students], columns=ROSTER_COLUMNS, index=list(students)
    ).assign(
        active=True,
        teachers=[tuple(teachers) for teachers, _ in students.values()],
        tutors=[tuple(tutors) for _, tutors in students.values()],
        row=range(len(students)),
    )
    session_rows = pd.DataFrame(
        [(*session, 30.0, "tu@s.example", False) for session in sessions], columns=SESSION_COLUMNS
    ).assign(source="log.xlsx", tab="Log", row=range(len(sessions)), date_cell="A2")
    score_rows = pd.DataFrame(
        [(*mark, None, False) for mark in marks], columns=SCORE_COLUMNS
    ).assign(source="g.xlsx", tab="Grades", assignment="A", assignment_column="C")
    # As parsed, even when empty: numbers as floats.
    score_rows = score_rows.astype({"earned": float, "possible": float, "missing": bool})
    return Reconciled(
        Roster(roster.rename_axis("student_id"), "roster.xlsx", "Roster"),
        session_rows,
        score_rows,
        pd.DataFrame(),
        {},
    )


def impact_of(reconciled, *, as_of=EIGHT_WEEKS, config=None):
    return term_impact(config or settings(), reconciled, as_of=as_of, term_start=TERM_START)


def weekly(student, count, attendance=A):
    """`count` sessions, one a day from the term's first day."""
    return [(student, TERM_START + timedelta(days=n), attendance) for n in range(count)]


# --- bands ---


def test_bands_start_at_1_and_at_3_sessions_a_week():
    bands = dosage_bands(np.array([0.0, 0.99, 1.0, 2.99, 3.0]), tutored=np.ones(5, dtype=bool))
    assert bands.tolist() == [UNDER_ONE, UNDER_ONE, ONE_TO_THREE, ONE_TO_THREE, THREE_OR_MORE]


@pytest.mark.parametrize(
    ("sessions", "band"),
    [(7, UNDER_ONE), (8, ONE_TO_THREE), (23, ONE_TO_THREE), (24, THREE_OR_MORE)],
)
def test_sessions_a_week_are_attended_sessions_over_the_terms_weeks(sessions, band):
    impact = impact_of(program({"s": ((T1,), ("tu@s.example",))}, weekly("s", sessions)))
    assert impact.students.at["s", "sessions_per_week"] == sessions / 8
    assert impact.students.at["s", "band"] == band


def test_not_tutored_means_no_tutor_on_the_roster_and_no_attended_session_in_the_term():
    tutor = ("tu@s.example",)
    reconciled = program(
        {
            "no tutor, no session": ((T1,), ()),
            "no tutor, absent": ((T1,), ()),
            "no tutor, before the term": ((T1,), ()),
            "no tutor, attended": ((T1,), ()),
            "tutor, no session": ((T1,), tutor),
        },
        [
            ("no tutor, absent", FIRST_WEEKS_DAY, AB),
            ("no tutor, before the term", TERM_START - timedelta(days=1), A),
            ("no tutor, attended", FIRST_WEEKS_DAY, A),
        ],
    )
    bands = impact_of(reconciled).students["band"].to_dict()
    assert bands == {
        "no tutor, no session": NOT_TUTORED,
        "no tutor, absent": NOT_TUTORED,
        "no tutor, before the term": NOT_TUTORED,
        "no tutor, attended": UNDER_ONE,
        "tutor, no session": UNDER_ONE,
    }


def test_term_starts_as_configured_else_on_the_earliest_attended_session():
    reconciled = program(
        {"s": ((T1,), ())},
        [("s", date(2026, 1, 3), AB), ("s", date(2026, 1, 7), A), ("s", date(2026, 4, 1), A)],
    )
    assert term_start_of(settings(), reconciled, EIGHT_WEEKS) == date(2026, 1, 7)
    configured = settings(term_start="2025-12-01")
    assert term_start_of(configured, reconciled, EIGHT_WEEKS) == date(2025, 12, 1)
    assert term_start_of(settings(), program({"s": ((T1,), ())}), EIGHT_WEEKS) is None


def test_a_term_starting_after_the_day_of_the_figures_is_refused():
    with pytest.raises(ValueError, match=r"impact\.term_start"):
        term_impact(settings(), program({}), as_of=TERM_START, term_start=EIGHT_WEEKS)


# --- grade change ---


def test_grade_change_is_the_last_4_weeks_minus_the_first_4_weeks():
    as_of = TERM_START + timedelta(weeks=12, days=-1)
    reconciled = program(
        {"s": ((T1,), ()), "only recent": ((T1,), ())},
        marks=[
            ("s", T1, TERM_START, 4, 10),  # first weeks: 5 of 10
            ("s", T1, TERM_START + timedelta(days=27), 6, 10),
            ("s", T1, TERM_START + timedelta(days=28), 0, 10),  # between: not compared
            ("s", T1, None, 0, 10),  # undated: in neither
            ("s", T1, as_of - timedelta(days=27), 8, 10),  # last weeks: 8 of 10
            ("s", T1, as_of, 8, 10),
            ("only recent", T1, as_of, 8, 10),
        ],
    )
    impact = impact_of(reconciled, as_of=as_of)
    assert impact.first_weeks == (TERM_START, TERM_START + timedelta(days=27))
    assert impact.last_weeks == (as_of - timedelta(days=27), as_of)
    student = impact.students.loc["s"]
    assert (student["grade_first_percent"], student["grade_last_percent"]) == (50, 80)
    assert student["grade_change_points"] == pytest.approx(30)
    assert math.isnan(impact.students.at["only recent", "grade_change_points"])


def test_in_a_term_under_8_weeks_the_first_weeks_end_where_the_last_4_begin():
    as_of = TERM_START + timedelta(days=40)
    impact = impact_of(program({}), as_of=as_of)
    assert impact.first_weeks == (TERM_START, date(2026, 1, 17))
    assert impact.last_weeks == (date(2026, 1, 18), as_of)


def test_a_term_of_4_weeks_or_less_has_no_grade_change():
    as_of = TERM_START + timedelta(days=27)
    reconciled = program(
        {"s": ((T1,), ())}, marks=[("s", T1, TERM_START, 5, 10), ("s", T1, as_of, 8, 10)]
    )
    impact = impact_of(reconciled, as_of=as_of)
    assert impact.first_weeks is None
    assert math.isnan(impact.students.at["s", "grade_change_points"])
    assert "No grade change yet" in impact_tab(key="k", title="Impact", impact=impact).rows[1][0]


def test_a_class_compares_its_tutored_and_not_tutored_students_on_its_own_gradebook():
    late = EIGHT_WEEKS - timedelta(days=3)
    reconciled = program(
        {
            "tutored": ((T1, T2), ("tu@s.example",)),
            "not": ((T1,), ()),
            "no book": (("t3@x.org",), ()),
        },
        weekly("tutored", 8),
        marks=[
            ("tutored", T1, FIRST_WEEKS_DAY, 5, 10),
            ("tutored", T1, late, 8, 10),
            ("tutored", T2, FIRST_WEEKS_DAY, 9, 10),
            ("tutored", T2, late, 6, 10),
            ("not", T1, FIRST_WEEKS_DAY, 7, 10),
            ("not", T1, late, 6, 10),
        ],
    )
    impact = impact_of(reconciled)
    classes = impact.classes.set_index(["teacher", "student_id"])
    assert classes.loc[(T1, "tutored"), "grade_change_points"] == pytest.approx(30)
    assert classes.loc[(T2, "tutored"), "grade_change_points"] == pytest.approx(-30)
    assert classes.loc[(T1, "not"), "grade_change_points"] == pytest.approx(-10)
    assert not classes.loc[(T1, "not"), "tutored"]
    # Over all gradebooks: (5 + 9) of 20 then (8 + 6) of 20, no change.
    assert impact.students.at["tutored", "grade_change_points"] == pytest.approx(0)
    figures = class_figures(impact)
    assert figures.index.tolist() == [
        (T1, TUTORED_GROUP),
        (T1, NOT_TUTORED),
        (T2, TUTORED_GROUP),
        (T2, NOT_TUTORED),
    ]  # a teacher without a gradebook is no class here
    assert figures.loc[(T1, NOT_TUTORED), "median_change_points"] == pytest.approx(-10)
    assert figures.loc[(T2, NOT_TUTORED), "students"] == 0
    bands = band_figures(impact)
    assert bands["students"].to_dict() == dict.fromkeys(BANDS, 0) | {
        NOT_TUTORED: 2,
        ONE_TO_THREE: 1,
    }


# --- the tab ---


def made_impact(bands=(), classes=()):
    """bands: (band, change); classes: (teacher, tutored, change); a change may be None."""
    students = pd.DataFrame(
        [dict(band=band, grade_change_points=_number(change)) for band, change in bands],
        columns=["band", "grade_change_points"],
        index=pd.Index([f"s{n}" for n in range(len(bands))], name="student_id"),
    )
    class_rows = pd.DataFrame(
        [
            dict(teacher=t, student_id=f"s{n}", tutored=tutored, grade_change_points=_number(c))
            for n, (t, tutored, c) in enumerate(classes)
        ],
        columns=["teacher", "student_id", "tutored", "grade_change_points"],
    )
    last = (EIGHT_WEEKS - timedelta(days=27), EIGHT_WEEKS)
    first = (TERM_START, TERM_START + timedelta(days=27))
    return TermImpact(TERM_START, EIGHT_WEEKS, first, last, students, class_rows)


def _number(change):
    return float("nan") if change is None else float(change)


def row_of(write, first, second):
    (row,) = [row for row in write.rows if row[:2] == (first, second)]
    return dict(zip(HEADER, row, strict=False))


def test_the_tab_says_first_that_it_compares_and_does_not_show_cause():
    write = impact_tab(key="k", title="Impact", impact=made_impact())
    assert write.rows[0] == (NOT_PROOF,) and 0 in write.section_rows
    assert "does not show that tutoring caused" in NOT_PROOF


def test_a_group_with_min_cell_students_with_a_change_is_shown_and_one_fewer_is_not():
    bands = [(ONE_TO_THREE, n) for n in range(10)] + [(UNDER_ONE, n) for n in range(9)]
    write = impact_tab(key="k", title="Impact", impact=made_impact(bands), min_cell=10)
    shown = row_of(write, ALL_CLASSES, ONE_TO_THREE)
    assert (shown[STUDENTS_HEADER], shown[WITH_CHANGE_HEADER]) == (10, 10)
    assert (shown[MEDIAN_HEADER], shown["Mean grade change (points)"]) == (4.5, 4.5)
    hidden = row_of(write, ALL_CLASSES, UNDER_ONE)
    assert list(hidden.values())[2:] == [not_shown(10, of="students"), None, None, None]
    assert not_shown(10, of="students") == (
        "fewer than 10 students: not shown, so no student can be recognised"
    )


def test_enough_students_but_too_few_grade_changes_shows_only_how_many_students():
    bands = [(THREE_OR_MORE, n if n < 9 else None) for n in range(12)]
    write = impact_tab(key="k", title="Impact", impact=made_impact(bands), min_cell=10)
    row = row_of(write, ALL_CLASSES, THREE_OR_MORE)
    assert list(row.values())[2:] == [
        12,
        not_shown(10, of="students with a grade change"),
        None,
        None,
    ]


def test_every_band_and_both_groups_of_every_class_have_a_row_even_when_empty():
    classes = [(T1, True, 1.0)] * 10
    write = impact_tab(key="k", title="Impact", impact=made_impact(classes=classes))
    assert [row[1] for row in write.rows if row[0] == ALL_CLASSES] == list(BANDS)
    assert row_of(write, T1, TUTORED_GROUP)[MEDIAN_HEADER] == 1.0
    assert row_of(write, T1, NOT_TUTORED)[STUDENTS_HEADER] == not_shown(10, of="students")


def test_changes_are_shown_to_one_decimal_and_never_as_minus_zero():
    bands = [(UNDER_ONE, -0.04)] * 10
    row = row_of(
        impact_tab(key="k", title="Impact", impact=made_impact(bands)), ALL_CLASSES, UNDER_ONE
    )
    assert row[MEDIAN_HEADER] == 0.0 and math.copysign(1, row[MEDIAN_HEADER]) == 1


changes = st.one_of(st.none(), st.floats(-100, 100))


@given(
    bands=st.lists(st.tuples(st.sampled_from(BANDS), changes), max_size=40),
    classes=st.lists(st.tuples(st.sampled_from([T1, T2]), st.booleans(), changes), max_size=40),
    min_cell=st.integers(5, 12),
)
def test_no_cell_shows_a_figure_of_fewer_than_min_cell_students(bands, classes, min_cell):
    write = impact_tab(
        key="k", title="Impact", impact=made_impact(bands, classes), min_cell=min_cell
    )
    truth = {}
    for band in BANDS:
        changes_of = [c for b, c in bands if b == band]
        truth[(ALL_CLASSES, band)] = changes_of
    for teacher in {t for t, _, _ in classes}:
        for tutored, group in ((True, TUTORED_GROUP), (False, NOT_TUTORED)):
            truth[(teacher, group)] = [c for t, u, c in classes if t == teacher and u == tutored]
    table = [row for n, row in enumerate(write.rows) if n not in write.section_rows]
    assert {row[:2] for row in table} == set(truth)
    for row in table:
        students, with_change, median, mean = row[2:]
        changes_of = truth[row[:2]]
        counted = [c for c in changes_of if c is not None]
        if isinstance(students, int):
            assert students == len(changes_of) >= min_cell
        if any(isinstance(cell, int | float) for cell in (with_change, median, mean)):
            assert with_change == len(counted) >= min_cell
            assert median == round(float(np.median(counted)), 1)
        else:
            assert not_shown(min_cell, of="students") in (students, with_change) or (
                not_shown(min_cell, of="students with a grade change") == with_change
            )


def test_a_classmate_not_in_the_program_is_not_tutored_in_their_class_and_nowhere_else():
    late = EIGHT_WEEKS - timedelta(days=3)
    reconciled = program(
        {"tutored": ((T1,), ("tu@s.example",))},
        weekly("tutored", 8),
        marks=[("tutored", T1, FIRST_WEEKS_DAY, 5, 10), ("tutored", T1, late, 8, 10)],
    )
    classmates = program(
        {}, marks=[("classmate 7", T1, FIRST_WEEKS_DAY, 6, 10), ("classmate 7", T1, late, 7, 10)]
    ).scores
    impact = impact_of(replace(reconciled, classmates=classmates))
    classes = impact.classes.set_index(["teacher", "student_id"])
    assert classes.loc[(T1, "classmate 7"), "grade_change_points"] == pytest.approx(10)
    assert classes.loc[(T1, "classmate 7"), "band"] == NOT_TUTORED
    figures = class_figures(impact)
    assert figures.loc[(T1, NOT_TUTORED), "students"] == 1
    assert figures.loc[(T1, TUTORED_GROUP), "students"] == 1
    # Not a student of the program: in no band over all classes.
    assert "classmate 7" not in impact.students.index
    assert band_figures(impact)["students"].sum() == 1
