"""The Goals tab: what educators type about each student's goals, parsed, and what it says of
rows it cannot use."""

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_schema.goals import GoalStatus, Measure, Target, parse, parse_target, target_of
from sheets_schema.issues import Severity
from sheets_schema.values import Invalid

HEADER = (
    "Student ID",
    "Student name",
    "Goal",
    "Measured by",
    "Class or test",
    "Target",
    "By",
    "Owner",
    "Status",
)


def goals(*rows, header=HEADER, day_first=False):
    return parse(
        [list(header), *map(list, rows)], source="goals.xlsx", tab="Goals", day_first=day_first
    )


def test_each_kind_of_goal_is_read_with_its_target():
    found, issues = goals(
        ("00123", "Lee, Sam", "Raise math to 75%", "Grade %", "ada@school.example", "75%",
         "2027-01-29", "Ada@School.example", "Open"),
        ("00123", "Lee, Sam", "Come 3 times a week", "Sessions a week", None, "3 a week",
         "1/15/2027", None, None),
        ("00124", None, "MAP Math to 215", "Assessment score", "MAP Math", 215, None, None, "Met"),
        ("00124", None, "Reads aloud with confidence", "Judged by the teacher", None,
         "fluent", None, "ada@school.example", "Done"),
    )  # fmt: skip

    assert issues == []
    rows = found.rows.to_dict("records")
    assert [r["measure"] for r in rows] == [
        Measure.GRADE,
        Measure.SESSIONS,
        Measure.ASSESSMENT,
        Measure.JUDGED,
    ]
    assert [r["target"] for r in rows[:3]] == [75.0, 3.0, 215.0]
    assert math.isnan(rows[3]["target"])  # a judged goal's target is words for the owner
    assert [r["by"] for r in rows] == [date(2027, 1, 29), date(2027, 1, 15), None, None]
    assert [r["status"] for r in rows] == [
        GoalStatus.OPEN,
        GoalStatus.OPEN,  # blank: open
        GoalStatus.MET,
        GoalStatus.MET,
    ]
    assert rows[0]["owner"] == "ada@school.example"
    assert rows[0]["measured_in"] == "ada@school.example"
    assert rows[0]["student_cell"] == "A2"


@pytest.mark.parametrize(
    ("typed", "measure", "expected"),
    [
        ("75%", Measure.GRADE, 75.0),
        ("75", Measure.GRADE, 75.0),
        (75, Measure.GRADE, 75.0),
        (0.75, Measure.GRADE, 75.0),  # a number cell formatted as a percentage
        ("3 a week", Measure.SESSIONS, 3.0),
        ("3 sessions per week", Measure.SESSIONS, 3.0),
        ("3/week", Measure.SESSIONS, 3.0),
        ("2.5 times a week", Measure.SESSIONS, 2.5),
        (3, Measure.SESSIONS, 3.0),
        ("1,250", Measure.ASSESSMENT, 1250.0),
        (212, Measure.ASSESSMENT, 212.0),
    ],
)
def test_targets_as_educators_type_them(typed, measure, expected):
    target = parse_target(typed)
    assert isinstance(target, Target)
    assert target_of(target, measure) == expected


@pytest.mark.parametrize(
    ("typed", "measure"),
    [
        ("3 a week", Measure.GRADE),
        ("120%", Measure.GRADE),
        ("75%", Measure.SESSIONS),
        (40, Measure.SESSIONS),
        ("80%", Measure.ASSESSMENT),
        ("lots", Measure.GRADE),
    ],
)
def test_a_target_that_does_not_fit_its_measure_is_a_warning_and_the_goal_is_kept(typed, measure):
    found, issues = goals(("00123", None, "A goal", measure.value, None, typed, None, None, None))

    assert len(found.rows) == 1
    assert math.isnan(found.rows["target"].iloc[0])
    assert [(i.cell, i.severity) for i in issues] == [("F2", Severity.WARNING)]
    assert "shown without progress" in issues[0].problem


def test_rows_without_a_student_or_a_goal_are_skipped_with_an_issue_at_the_cell():
    found, issues = goals(
        (None, None, "Raise math", "Grade %", None, "75%", None, None, None),
        ("00123", None, None, "Grade %", None, "75%", None, None, None),
        ("00124", None, "Reads daily", None, None, None, None, None, None),
    )

    assert found.rows["student_id_typed"].tolist() == ["00124"]
    assert found.rows["measure"].tolist() == [Measure.JUDGED]  # blank: judged
    assert [(i.cell, i.severity) for i in issues] == [
        ("A2", Severity.ERROR),
        ("C3", Severity.ERROR),
    ]
    assert "skipped" in issues[0].problem


def test_a_row_without_a_student_in_a_tab_without_ids_is_reported_at_the_name_cell():
    found, issues = goals(
        ("Raise math", None), ("Reads daily", "Lee, Sam"), header=("Goal", "Student name")
    )

    assert found.rows["student_name_typed"].tolist() == ["Lee, Sam"]
    assert found.rows["student_cell"].tolist() == ["B3"]
    assert [(i.cell, i.severity) for i in issues] == [("B2", Severity.ERROR)]


def test_a_name_stands_in_for_a_missing_id():
    found, issues = goals((None, "Lee, Sam", "Reads daily", None, None, None, None, None, None))

    assert issues == []
    assert found.rows["student_name_typed"].tolist() == ["Lee, Sam"]


def test_bad_values_cost_only_that_value():
    found, issues = goals(
        ("00123", None, "A goal", "Vibes", None, None, "someday", "not mail", "Maybe"),
    )

    [row] = found.rows.to_dict("records")
    assert (row["measure"], row["by"], row["owner"], row["status"]) == (
        Measure.JUDGED,
        None,
        None,
        GoalStatus.OPEN,
    )
    assert [(i.cell, i.severity) for i in issues] == [
        ("D2", Severity.WARNING),
        ("G2", Severity.WARNING),
        ("H2", Severity.WARNING),
        ("I2", Severity.WARNING),
    ]


def test_dates_are_read_as_the_other_sources_read_them():
    found, _ = goals(
        ("00123", None, "A", None, None, None, "29/01/2027", None, None), day_first=True
    )
    assert found.rows["by"].tolist() == [date(2027, 1, 29)]


def test_a_tab_without_its_columns_has_no_goals_and_stops_nothing():
    found, issues = goals(("00123", "x"), header=("Who", "What"))

    assert found.rows.empty
    assert issues and all(i.severity == Severity.WARNING for i in issues)
    assert not any(i.source_unusable for i in issues)


def test_learning_plan_links_are_kept_as_typed():
    found, _ = goals(
        ("00123", "A", "https://docs.example/plan"),
        header=("Student ID", "Goal", "Learning plan"),
    )
    assert found.rows["learning_plan"].tolist() == ["https://docs.example/plan"]


def test_learning_plan_words_without_an_address_are_a_warning_and_link_nowhere():
    found, issues = goals(
        ("00123", "A", "Ana's plan"),
        ("00124", "B", "see folder"),
        header=("Student ID", "Goal", "Learning plan"),
    )
    assert found.rows["learning_plan"].tolist() == [None, None]  # the goals are kept
    assert found.rows["goal"].tolist() == ["A", "B"]
    assert [(i.cell, i.severity) for i in issues] == [
        ("C2", Severity.WARNING),
        ("C3", Severity.WARNING),
    ]
    assert "not a web address" in issues[0].problem


numbers = st.floats(min_value=0, max_value=1000, allow_nan=False).map(lambda n: round(n, 2))
typed_targets = st.one_of(
    numbers,
    numbers.map(lambda n: f"{n:g}"),
    numbers.map(lambda n: f"{n:g}%"),
    numbers.map(lambda n: f"{n:g} a week"),
    numbers.map(lambda n: f"{n:g} sessions per week"),
    st.text(max_size=10),
    st.none(),
    st.booleans(),
    st.dates(),
)


@given(typed_targets, st.sampled_from(list(Measure)))
def test_any_typed_target_is_a_number_in_its_measures_range_or_a_reason(typed, measure):
    target = parse_target(typed)
    if target is None or isinstance(target, Invalid):
        return
    checked = target_of(target, measure)
    if isinstance(checked, Invalid):
        assert checked.what and checked.fix
        return
    if measure is Measure.GRADE:
        assert 0 <= checked <= 100
    elif measure is Measure.SESSIONS:
        assert 0 < checked <= 21
    else:
        assert checked >= 0


@given(numbers)
def test_a_typed_number_reads_the_same_with_or_without_its_unit(number):
    plain, percent, weekly = (parse_target(f"{number:g}{unit}") for unit in ("", "%", " a week"))
    assert isinstance(plain, Target) and isinstance(percent, Target) and isinstance(weekly, Target)
    assert plain.number == percent.number == weekly.number == pytest.approx(number)


cells = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.dates(), st.floats())


@given(st.lists(st.tuples(*([cells] * 9)), max_size=6))
def test_any_typed_rows_are_goals_or_issues_never_a_crash(rows):
    found, issues = goals(*rows)
    assert len(found.rows) <= len(rows)
    assert all(i.cell for i in issues)
