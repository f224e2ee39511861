import pandas as pd

from jobs.reconcile.matching import CLASSMATE, RosterLookup, match_students, student_positions

STUDENTS = pd.DataFrame(
    {
        "name": ["Molemone, Thabo", "Ávila, José", "Lee, Sam", "Lee, Sam"],
        "name_key": ["thabo molemone", "jose avila", "sam lee", "sam lee"],
        "email": ["thabo@s.example", None, None, None],
    },
    index=pd.Index(["00042", "00043", "00044", "00045"], name="student_id"),
)


def match(*typed):
    """typed: (id, name, email)"""
    records = pd.DataFrame(
        [
            dict(
                student_id_typed=i,
                student_name_typed=n,
                student_email_typed=e,
                source="log.xlsx",
                tab="Log",
                student_cell=f"C{row + 2}",
            )
            for row, (i, n, e) in enumerate(typed)
        ]
    )
    matched, issues = match_students(records, STUDENTS)
    return list(matched), issues


def test_id_matches_first():
    assert match(("00043", "Someone Else", None)) == (["00043"], [])


def test_email_then_name_match_without_issue():
    assert match((None, None, "thabo@s.example"), (None, "Jose Avila", None)) == (
        ["00042", "00043"],
        [],
    )


def test_id_typed_without_leading_zeros_matches_with_a_warning():
    matched, issues = match(("42", None, None))
    assert matched == ["00042"]
    assert issues[0].severity == "warning" and "00042" in issues[0].fix


def test_unknown_id_with_a_matching_name_is_used_and_reported():
    matched, issues = match(("99", "Thabo Molemone", None))
    assert matched == ["00042"] and "99" in issues[0].problem


def test_misspelled_name_is_not_merged_but_suggested():
    matched, issues = match((None, "Thabo Mahlemone", None))
    assert matched == [None]
    assert issues[0].severity == "error"
    assert "did you mean Molemone, Thabo (00042)" in issues[0].fix


def test_name_shared_by_two_students_is_not_guessed():
    matched, issues = match((None, "Sam Lee", None))
    assert matched == [None] and "2 students" in issues[0].problem


def test_one_issue_per_cell_even_for_many_rows():
    records = pd.DataFrame(
        [
            dict(
                student_id_typed="99999",
                student_name_typed=None,
                student_email_typed=None,
                source="g.xlsx",
                tab="Grades",
                student_cell="A5",
            )
        ]
        * 3
    )
    matched, issues = match_students(records, STUDENTS)
    assert matched.isna().all() and len(issues) == 1


def test_missing_values_pandas_gives_as_nan_are_treated_as_missing():
    nan = float("nan")
    assert match((nan, "Jose Avila", nan), (nan, nan, "thabo@s.example"))[0] == ["00043", "00042"]


def gradebook_positions(*typed):
    """student_positions over gradebook rows, where classmates not in the program are read."""
    records = pd.DataFrame(
        [
            dict(
                student_id_typed=i,
                student_name_typed=n,
                student_email_typed=None,
                source="okafor.xlsx",
                tab="Grades",
                student_cell=f"B{row + 2}",
            )
            for row, (i, n) in enumerate(typed)
        ]
    )
    positions, issues = student_positions(records, RosterLookup.of(STUDENTS), classmates=True)
    return positions.tolist(), [(issue.cell, issue.problem) for issue in issues]


def test_a_gradebook_student_like_no_one_on_the_roster_is_a_classmate_without_an_issue():
    positions, issues = gradebook_positions(("77001", "Priya Raman"), (None, "Kwame Mensah"))
    assert positions == [CLASSMATE, CLASSMATE]
    assert issues == []


def test_a_gradebook_name_like_a_roster_students_stays_an_error_with_its_did_you_mean():
    positions, issues = gradebook_positions(("77002", "Thabo Molemome"), (None, "Sam Lee"))
    assert positions == [-1, -1]
    assert issues[0][0] == "B2" and "not on the roster" in issues[0][1]
    assert "matches 2 students" in issues[1][1]


def test_a_gradebook_row_with_only_an_unknown_id_stays_an_error():
    positions, issues = gradebook_positions(("77003", None))
    assert positions == [-1]
    assert [cell for cell, _ in issues] == ["B2"]


def test_a_tutor_log_row_like_no_one_on_the_roster_stays_an_error():
    matched, issues = match(("77001", "Priya Raman", None))
    assert matched == [None]
    assert "not on the roster" in issues[0].problem


def test_a_gradebooks_summary_row_is_no_classmate_and_stays_an_issue():
    positions, issues = gradebook_positions((None, "Class average"), (None, "Total"))
    assert positions == [-1, -1]
    assert [cell for cell, _ in issues] == ["B2", "B3"]
