"""The teacher-tutor loop on the demo program: a teacher's note reaches the tutor log, with
the day it changed; the tutor's notes reach the teacher; nothing typed is lost on the way."""

from datetime import date
from pathlib import Path

import openpyxl

TAB = "Tutoring progress"


def rows(path: Path, tab: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[tab].iter_rows(values_only=True))


def type_note(path: Path, student_row: int, text: str, tab: str = TAB) -> str:
    """Type a note to the tutor on a teacher's tab, as the teacher would; returns the ID."""
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=student_row, column=header.index("Note to tutor") + 1, value=text)
    cell.data_type = "s"
    student_id = sheet.cell(row=student_row, column=1).value
    book.save(path)
    return str(student_id)


def type_reply(demo: Path, text: str) -> str:
    """Type a reply on the first row of Teacher feedback, as its tutor would; returns the tutor."""
    book = openpyxl.load_workbook(demo / "tutor_log.xlsx")
    sheet = book["Teacher feedback"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Tutor's reply") + 1, value=text)
    book.save(demo / "tutor_log.xlsx")
    return str(sheet.cell(row=2, column=1).value)


def feedback(demo: Path) -> list[dict]:
    found = rows(demo / "tutor_log.xlsx", "Teacher feedback")
    return [dict(zip(found[0], row, strict=False)) for row in found[1:]]


def test_a_teachers_note_reaches_each_tutor_of_the_student_with_its_day(demo, tutorsync):
    tutorsync("run")
    gradebook = demo / "gradebooks" / "okafor.xlsx"
    student_id = type_note(gradebook, 2, "Quiz on fractions Friday")
    report = tutorsync.json("run")
    assert report["changes"] == 2  # Teacher feedback, and the summary's Latest exchange
    notes = [r for r in feedback(demo) if r["Student ID"] == student_id]
    assert notes and {r["Note to tutor"] for r in notes} == {"Quiz on fractions Friday"}
    assert {r["Teacher"] for r in notes} == {"ms.okafor@riverbend.example"}
    assert {r["Note changed on"].date() for r in notes} == {date(2026, 11, 23)}
    assert tutorsync.json("run")["changes"] == 0


def test_an_edited_note_gets_the_new_day_and_the_tutors_reply_stays(demo, tutorsync):
    tutorsync("run")
    gradebook = demo / "gradebooks" / "okafor.xlsx"
    student_id = type_note(gradebook, 2, "Quiz on fractions Friday")
    tutorsync("run")
    type_reply(demo, "We practised")

    type_note(gradebook, 2, "Quiz moved to Monday")
    tutorsync("run", "--as-of", "2026-11-24")
    [note] = [r for r in feedback(demo) if r["Student ID"] == student_id][:1]
    assert note["Note to tutor"] == "Quiz moved to Monday"
    assert note["Note changed on"].date() == date(2026, 11, 24)
    assert note["Tutor's reply"] == "We practised"


def test_a_renamed_and_resorted_teacher_tab_keeps_its_notes_and_feeds_them(demo, tutorsync):
    tutorsync("run")
    gradebook = demo / "gradebooks" / "okafor.xlsx"
    student_id = type_note(gradebook, 3, "Bring the reading log")
    book = openpyxl.load_workbook(gradebook)
    sheet = book[TAB]
    sheet.title = "Tutoring (mine)"
    # Re-sort by hand: move the last student row to the top of the data.
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    data = [v for v in values if v and v[0] and str(v[0]).isdigit()]
    for row_number, row in enumerate([data[-1], *data[:-1]], start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    book.save(gradebook)

    tutorsync("run")
    mine = rows(gradebook, "Tutoring (mine)")
    notes = {r[0]: r[mine[0].index("Note to tutor")] for r in mine[1:] if r}
    assert notes[student_id] == "Bring the reading log"
    assert {r["Note to tutor"] for r in feedback(demo) if r["Student ID"] == student_id} == {
        "Bring the reading log"
    }


def test_teachers_see_the_tutors_latest_notes_and_next_steps(demo, tutorsync):
    tutorsync("run")
    tab = rows(demo / "gradebooks" / "okafor.xlsx", TAB)
    header = tab[0]
    notes = [r[header.index("Tutor's latest notes")] for r in tab[1:] if r and r[0]]
    steps = [r[header.index("Tutor's next steps")] for r in tab[1:] if r and r[0]]
    assert any(note and note[:4] == "2026" for note in notes)
    assert any(step for step in steps)


def test_the_student_list_lists_every_active_student_for_the_form_to_check(demo, tutorsync):
    report = tutorsync.json("run")
    listed = rows(demo / "tutor_log.xlsx", "Student list")
    assert listed[0] == ("Student ID", "Student")
    assert len(listed) - 1 == report["students"]


def test_a_tutors_reply_comes_back_to_the_teacher_and_the_summary_dated(demo, tutorsync):
    tutorsync("run")
    gradebook = demo / "gradebooks" / "okafor.xlsx"
    student_id = type_note(gradebook, 2, "Quiz on fractions Friday")
    tutorsync("run")
    tutor = type_reply(demo, "We practised")

    tutorsync("run", "--as-of", "2026-11-24")
    again = tutorsync.json("run", "--as-of", "2026-11-24")
    later = tutorsync.json("run", "--as-of", "2026-11-25")

    mine = rows(gradebook, TAB)
    reply = {r[0]: r[mine[0].index("Tutor's reply")] for r in mine[1:] if r}[student_id]
    assert reply == f"{tutor}, 2026-11-24: We practised"  # the day it was first seen
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    latest = {r[0]: r[summary[0].index("Latest exchange")] for r in summary[1:] if r}
    assert latest[student_id] == (
        f"2026-11-24, {tutor} to ms.okafor@riverbend.example: We practised"
    )
    assert again["changes"] == 0 and later["students"]  # rerun: nothing; next day: kept date
