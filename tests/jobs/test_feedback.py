"""Teachers' notes reaching tutors, and the student list (pure)."""

from datetime import date

import pandas as pd

from jobs.plan.feedback import (
    FEEDBACK_HEADER,
    TeacherNote,
    conversation,
    feedback_tab,
    notes_on_tab,
    replies_on_tab,
    student_list_tab,
)
from sheets_schema.cells import OwnedTab

DAY1, DAY2 = date(2026, 11, 23), date(2026, 11, 24)
STUDENTS = pd.DataFrame(
    {
        "name": ["Doe, Jane", "Roe, Rick"],
        "name_key": ["jane doe", "rick roe"],
        "teachers": [("t1@s.example",), ("t1@s.example", "t2@s.example")],
        "tutors": [("tu1@s.example",), ("tu1@s.example", "tu2@s.example")],
    },
    index=pd.Index(["001", "002"], name="student_id"),
)


def tab(notes, current=None, today=DAY1, students=STUDENTS):
    return feedback_tab(
        key="k", title="Teacher feedback", notes=notes, students=students, current=current,
        today=today,
    )  # fmt: skip


def owned(write):
    return OwnedTab(write.key, write.title, write.grid())


def as_dicts(write):
    return [dict(zip(FEEDBACK_HEADER, row, strict=False)) for row in write.rows]


def test_a_note_reaches_every_tutor_of_the_student_with_the_day_it_was_seen():
    rows = as_dicts(tab([TeacherNote("t1@s.example", "002", "Quiz on Friday")]))
    assert [(r["Tutor"], r["Student"], r["Note changed on"]) for r in rows] == [
        ("tu1@s.example", "Roe, Rick", DAY1),
        ("tu2@s.example", "Roe, Rick", DAY1),
    ]


def test_an_unchanged_note_keeps_its_day_and_an_edited_one_gets_the_new_day():
    first = tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")])
    same = tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")], owned(first), DAY2)
    assert same.grid() == first.grid()
    edited = tab([TeacherNote("t1@s.example", "001", "Quiz moved")], owned(first), DAY2)
    assert as_dicts(edited)[0]["Note changed on"] == DAY2


def test_a_tutors_reply_is_kept_even_after_the_tab_is_resorted_or_the_note_is_gone():
    first = owned(tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")]))
    grid = [list(first.grid[0]), list(first.grid[1])]
    grid[1] += [None] * (len(FEEDBACK_HEADER) - len(grid[1]))
    grid[1][-1] = "We practised for it"
    reordered = [list(reversed(row)) for row in grid]  # columns moved by hand
    current = OwnedTab("k", "Teacher feedback", reordered)
    again = as_dicts(tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")], current))
    assert again[0]["Tutor's reply"] == "We practised for it"
    gone = as_dicts(tab([], current))
    assert gone == [
        {
            "Tutor": "tu1@s.example",
            "Student ID": "001",
            "Student": "Doe, Jane",
            "Teacher": "t1@s.example",
            "Note to tutor": None,
            "Note changed on": None,
            "Tutor's reply": "We practised for it",
        }
    ]


def test_a_note_about_a_student_no_longer_with_that_teacher_is_not_passed_on():
    rows = tab([TeacherNote("t2@s.example", "001", "old note"), TeacherNote("x", "999", "?")])
    assert rows.rows == ()


def test_notes_are_read_from_a_teacher_tab_by_header():
    grid = [
        ["Student", "Student ID", "Note to tutor"],
        ["Doe, Jane", "001", "Check homework"],
        ["Roe, Rick", "002", None],
        ["Archived: no longer listed here."],
    ]
    notes = notes_on_tab("t1@s.example", OwnedTab("k", "Tutoring progress", grid))
    assert notes == [TeacherNote("t1@s.example", "001", "Check homework")]
    assert notes_on_tab("t1@s.example", None) == []


def test_the_student_list_has_every_active_student_by_name():
    write = student_list_tab(key="k", title="Student list", students=STUDENTS)
    assert write.header == ("Student ID", "Student")
    assert write.rows == (("001", "Doe, Jane"), ("002", "Roe, Rick"))


def test_each_tutor_gets_a_filter_view_of_their_own_rows():
    write = tab([TeacherNote("t1@s.example", "002", "Quiz on Friday")])
    assert [(v.title, v.column, v.text) for v in write.filter_views] == [
        ("For tu1@s.example", 0, "tu1@s.example"),
        ("For tu2@s.example", 0, "tu2@s.example"),
    ]


def test_a_column_and_rows_a_tutor_added_are_kept_with_their_rows():
    first = owned(tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")]))
    padding = [None] * (len(FEEDBACK_HEADER) - len(first.grid[1]))
    grid = [
        [*first.grid[0], "Done?"],
        [*first.grid[1], *padding, "yes"],
        ["My own reminder: bring flashcards"],
    ]
    current = OwnedTab("k", "Teacher feedback", grid)
    again = tab([TeacherNote("t1@s.example", "001", "Quiz on Friday")], current)
    assert again.header == (*FEEDBACK_HEADER, "Done?")
    assert dict(zip(again.header, again.rows[0], strict=True))["Done?"] == "yes"
    assert again.rows[-1] == ("My own reminder: bring flashcards",)
    # Once the note is gone, the row stays for what the tutor typed in their column.
    gone = tab([], current)
    assert [row[-1] for row in gone.rows[:-1]] == ["yes"]


def test_two_rows_for_one_note_keep_both_replies():
    note = TeacherNote("t1@s.example", "001", "Quiz on Friday")
    first = owned(tab([note]))
    row = list(first.grid[1]) + [None] * (len(FEEDBACK_HEADER) - len(first.grid[1]))
    copy = list(row)
    row[-1], copy[-1] = "We practised for it", "She got 18/20!"  # a row copied, then typed in
    current = OwnedTab("k", "Teacher feedback", [list(first.grid[0]), row, copy])

    again = as_dicts(tab([note], current))

    assert [r["Tutor's reply"] for r in again] == ["We practised for it\nShe got 18/20!"]


QUIZ = TeacherNote("t1@s.example", "002", "Quiz on Friday")


def replied(*replies):
    """The feedback tab, its note of DAY1 to each of 002's tutors, their `replies` typed in."""
    grid = owned(tab([QUIZ], today=DAY1)).grid
    for row, reply in zip(grid[1:], replies, strict=False):
        row += [None] * (len(FEEDBACK_HEADER) - len(row))
        row[-1] = reply
    return OwnedTab("k", "Teacher feedback", grid)


def test_a_reply_reaches_the_teachers_tab_dated_the_day_it_was_first_seen_as_it_reads():
    first = conversation(replied("We practised", None), {}, today=DAY2)
    cell = first.replies[("t1@s.example", "002")]
    assert cell == "tu1@s.example, 2026-11-24: We practised"

    later = date(2026, 11, 27)
    same = conversation(replied("We practised", None), {("t1@s.example", "002"): cell}, today=later)
    edited = conversation(
        replied("We practised twice", None), {("t1@s.example", "002"): cell}, today=later
    )

    assert same.replies == first.replies
    assert (
        edited.replies[("t1@s.example", "002")] == "tu1@s.example, 2026-11-27: We practised twice"
    )


def test_two_tutors_replies_are_a_line_each_and_the_latest_exchange_is_the_later_one():
    said = conversation(replied("Yes", "On it"), {}, today=DAY2)

    assert said.replies[("t1@s.example", "002")] == (
        "tu1@s.example, 2026-11-24: Yes\ntu2@s.example, 2026-11-24: On it"
    )
    assert said.latest["002"].startswith("2026-11-24, tu")  # a reply after the note of DAY1
    unanswered = conversation(replied(None, None), {}, today=DAY2)
    assert unanswered.replies == {}
    assert unanswered.latest == {"002": "2026-11-23, t1@s.example to tu2@s.example: Quiz on Friday"}


def test_replies_are_read_from_a_teachers_tab_by_header():
    grid = [["Tutor's reply", "x", "Student ID"], ["tu1@s.example, 2026-11-24: Yes", None, "002"]]

    assert replies_on_tab("t1@s.example", OwnedTab("k", "t", grid)) == {
        ("t1@s.example", "002"): "tu1@s.example, 2026-11-24: Yes"
    }
    assert replies_on_tab("t1@s.example", OwnedTab("k", "t", [["Student ID"], ["002"]])) == {}
