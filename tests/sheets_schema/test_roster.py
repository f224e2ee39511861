from sheets_schema import roster

HEADER = ["Student ID", "Student Name", "Grade", "Teacher Email", "Tutor Email", "Active"]


def parse(*rows, header=HEADER):
    return roster.parse([header, *rows], source="roster.xlsx", tab="Roster")


def test_names_last_first_and_first_last_give_the_same_student_key():
    parsed, issues = parse(
        ["00123", "Ávila, José", 6, "t@s.example", "tu@s.example", "Yes"],
        ["00124", "jose avila", 6, "t@s.example", "tu@s.example", "Yes"],
    )
    students = parsed.students
    assert students.at["00123", "name_key"] == students.at["00124", "name_key"]
    assert students.at["00123", "name"] == "Ávila, José"
    assert issues == []


def test_separate_first_and_last_columns():
    parsed, _ = parse(
        ["1", "Ada", "Lovelace", "t@s.example", "u@s.example"],
        header=["ID", "First Name", "Last Name", "Teacher", "Tutor"],
    )
    assert parsed.students.at["1", "name"] == "Lovelace, Ada"


def test_one_row_per_enrolment_combines_teachers():
    parsed, issues = parse(
        ["7", "Lee, Sam", 7, "a@s.example", "tu@s.example", ""],
        ["7", "Lee, Sam", 7, "b@s.example", "tu@s.example", ""],
    )
    assert parsed.students.at["7", "teachers"] == ("a@s.example", "b@s.example")
    assert parsed.students.at["7", "tutors"] == ("tu@s.example",)
    assert issues == []


def test_active_defaults_to_yes_and_reads_inactive_words():
    parsed, _ = parse(
        ["1", "A, B", 6, "t@s.example", "u@s.example", ""],
        ["2", "C, D", 6, "t@s.example", "u@s.example", "Inactive"],
        ["3", "E, F", 6, "t@s.example", "u@s.example", "no"],
        ["4", "G, H", 6, "t@s.example", "u@s.example", "Active"],
    )
    assert parsed.students["active"].to_dict() == {"1": True, "2": False, "3": False, "4": True}


def test_leading_zeros_stay_and_numbers_become_text():
    parsed, _ = parse(
        ["00123", "A, B", 6, "t@s.example", "u@s.example"],
        [456, "C, D", 6.0, "t@s.example", "u@s.example"],
    )
    assert list(parsed.students.index) == ["00123", "456"]
    assert parsed.students.at["456", "grade_level"] == "6"


def test_row_without_id_is_skipped_and_reported_with_its_cell():
    parsed, issues = parse(
        ["1", "A, B", 6, "t@s.example", "u@s.example"],
        [None, "Lost, Student", 6, "t@s.example", "u@s.example"],
    )
    assert list(parsed.students.index) == ["1"]
    assert [(i.cell, i.severity) for i in issues] == [("A3", "error")]
    assert "Student Lost" in issues[0].problem or "Lost" in issues[0].problem


def test_same_id_with_two_names_is_a_warning():
    _, issues = parse(
        ["1", "Lee, Sam", 6, "a@s.example", "u@s.example"],
        ["1", "Kim, Jo", 6, "b@s.example", "u@s.example"],
    )
    assert [i.cell for i in issues] == ["B3"]
    assert "row 2" in issues[0].problem


def test_bad_email_is_reported_and_ignored():
    parsed, issues = parse(["1", "A, B", 6, "not an email", "u@s.example"])
    assert parsed.students.at["1", "teachers"] == ()
    assert issues[0].cell == "D2"


def test_blank_rows_anywhere_are_skipped():
    parsed, issues = parse(
        [],
        ["1", "A, B", 6, "t@s.example", "u@s.example"],
        [None, None],
        ["2", "C, D", 6, "t@s.example", "u@s.example"],
    )
    assert len(parsed.students) == 2
    assert issues == []


def test_inactive_enrolments_do_not_add_teachers():
    parsed, _ = parse(
        ["1", "A, B", 6, "old@s.example", "u@s.example", "No"],
        ["1", "A, B", 6, "new@s.example", "u@s.example", "Yes"],
    )
    assert parsed.students.at["1", "teachers"] == ("new@s.example",)
