"""The progress job on small programs built in a few lines, on the local workspace."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from jobs.errors import TutorsyncError
from jobs.progress import run_progress
from jobs.settings import parse
from jobs.validate import run_validate
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.outputs import ARCHIVE_HEADING

AS_OF = date(2026, 3, 2)
ROSTER = [
    ["Student ID", "Student", "Teacher Email", "Tutor Email"],
    ["001", "Lee, Sam", "t1@s.example", "tu@s.example"],
    ["002", "Kim, Jo", "t2@s.example", "tu@s.example"],
]
LOG = [
    ["Date", "Tutor", "Student ID", "Minutes", "Attendance"],
    ["2026-03-01", "tu@s.example", "001", 30, "P"],
]


def save(path: Path, tabs: dict[str, list[list]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def program(tmp_path, *, roster=ROSTER, gradebooks=(), **outputs):
    save(tmp_path / "roster.xlsx", {"Roster": roster})
    save(tmp_path / "log.xlsx", {"Log": LOG})
    for teacher, grid in gradebooks:
        save(tmp_path / f"{teacher}.xlsx", {"Grades": grid})
    config = {
        "program": {"name": "Test program"},
        "sources": {
            "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
            "gradebooks": [
                {"spreadsheet": f"{t}.xlsx", "tab": "Grades", "teacher": f"{t}@s.example"}
                for t, _ in gradebooks
            ],
        },
        "outputs": {"coordinator_spreadsheet": "coordinator.xlsx", **outputs},
    }
    return parse(config, config_dir=tmp_path), LocalWorkspace(tmp_path)


def tab(path: Path, title: str) -> list[tuple]:
    return [row for row in openpyxl.load_workbook(path)[title].iter_rows(values_only=True)]


def column(rows: list[tuple], header: str) -> dict:
    """Student ID -> value in the column, for student rows (not the archive heading)."""
    index = rows[0].index(header)
    return {
        row[0]: row[index]
        for row in rows[1:]
        if row[0] and row[0] != ARCHIVE_HEADING and not str(row[0]).startswith("Last updated")
    }


def test_a_program_without_gradebooks_runs_and_says_where_teacher_tabs_are_missing(tmp_path):
    settings, workspace = program(tmp_path)
    report = run_progress(settings, workspace, as_of=AS_OF)
    assert report.ok and report.students == 2
    summary = tab(tmp_path / "coordinator.xlsx", "Progress summary")
    assert column(summary, "Grade % (all classes)") == {"001": None, "002": None}
    assert column(summary, "Sessions (last 28 days)") == {"001": 1, "002": 0}
    missing = [i for i in report.issues if "no gradebook in the config" in i.problem]
    assert {i.value for i in missing} == {"t1@s.example", "t2@s.example"}
    assert all(i.problem.startswith(f"{i.value} teaches 1 active student(s)") for i in missing)


def test_empty_roster_fails_before_writing_anything(tmp_path):
    settings, workspace = program(tmp_path, roster=[ROSTER[0]])
    with pytest.raises(TutorsyncError, match="no active students"):
        run_progress(settings, workspace, as_of=AS_OF)
    assert not (tmp_path / "coordinator.xlsx").exists()


def test_roster_without_a_required_column_fails_before_writing_anything(tmp_path):
    settings, workspace = program(tmp_path, roster=[["Student ID", "Student"], ["001", "Lee, Sam"]])
    with pytest.raises(TutorsyncError, match="Teacher e-mail"):
        run_progress(settings, workspace, as_of=AS_OF)
    assert not (tmp_path / "coordinator.xlsx").exists()


def test_student_who_moves_teacher_keeps_notes_on_both_tabs(tmp_path):
    grades = [["Student ID", "Student", "Quiz"], ["001", "Sam Lee", 9], ["002", "Jo Kim", 8]]
    settings, workspace = program(tmp_path, gradebooks=[("t1", grades), ("t2", grades)])
    run_progress(settings, workspace, as_of=AS_OF)
    book = openpyxl.load_workbook(tmp_path / "t1.xlsx")
    sheet = book["Tutoring progress"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Note to tutor") + 1, value="fractions, please")
    book.save(tmp_path / "t1.xlsx")

    moved = [ROSTER[0], ["001", "Lee, Sam", "t2@s.example", "tu@s.example"], ROSTER[2]]
    save(tmp_path / "roster.xlsx", {"Roster": moved})
    report = run_progress(settings, workspace, as_of=AS_OF)
    assert report.ok
    old = tab(tmp_path / "t1.xlsx", "Tutoring progress")
    assert column(old, "Note to tutor") == {"001": "fractions, please"}
    assert column(old, "Status") == {"001": "Archived"}
    assert set(column(tab(tmp_path / "t2.xlsx", "Tutoring progress"), "Status")) == {"001", "002"}
    assert tab(tmp_path / "t1.xlsx", "Grades") == [tuple(r) for r in grades]  # untouched


def test_teacher_tab_shows_only_grades_from_that_teachers_gradebook(tmp_path):
    roster = [
        ROSTER[0],
        ["001", "Lee, Sam", "t1@s.example", "tu@s.example"],
        ["001", "Lee, Sam", "t2@s.example", "tu@s.example"],
    ]
    settings, workspace = program(
        tmp_path,
        roster=roster,
        gradebooks=[
            ("t1", [["ID", "Name", "Quiz"], ["001", "Sam Lee", 90]]),
            ("t2", [["ID", "Name", "Quiz"], ["001", "Sam Lee", 50]]),
        ],
    )
    run_progress(settings, workspace, as_of=AS_OF)
    grade = "Grade % (your class)"
    assert column(tab(tmp_path / "t1.xlsx", "Tutoring progress"), grade) == {"001": 90}
    assert column(tab(tmp_path / "t2.xlsx", "Tutoring progress"), grade) == {"001": 50}
    summary = tab(tmp_path / "coordinator.xlsx", "Progress summary")
    assert column(summary, "Grade % (all classes)") == {"001": 70}


def test_validate_reads_everything_and_writes_nothing(tmp_path):
    settings, workspace = program(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    report = run_validate(settings, workspace, as_of=AS_OF)
    assert report.students == 2 and report.actions == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_dry_run_plans_every_write_and_makes_none(tmp_path):
    settings, workspace = program(tmp_path)
    report = run_progress(settings, workspace, as_of=AS_OF, dry_run=True)
    assert {a.tab.title for a in report.actions} == {
        "Progress summary",
        "Data issues",
        "Run log",
        "Program overview",
        "Weekly history",
        "Impact",
        "Student list",
        "Teacher feedback",
    }
    assert not (tmp_path / "coordinator.xlsx").exists()


def test_empty_log_and_gradebook_tabs_give_a_summary_without_figures(tmp_path):
    settings, workspace = program(tmp_path, gradebooks=[("t1", [["Student ID", "Student"]])])
    save(tmp_path / "log.xlsx", {"Log": [LOG[0]]})
    report = run_progress(settings, workspace, as_of=AS_OF)
    assert report.ok and report.sessions == 0 and report.scores == 0
    summary = tab(tmp_path / "coordinator.xlsx", "Progress summary")
    assert column(summary, "Status") == {"001": "Act now", "002": "Act now"}


def test_a_tutor_log_without_tutors_or_with_odd_cells_still_runs(tmp_path):
    settings, workspace = program(tmp_path)
    save(
        tmp_path / "log.xlsx",
        {
            "Log": [
                LOG[0],
                ["2026-03-01", None, "001", 30, "P"],
                [True, 3.5, "001", "1:15", None],
                ["2026-02-28", "tu@s.example", 1, -5, "yes"],
                [None, None, None, None, None],
                ["=A1", "=B1", "=C1", "=D1", "=E1"],
            ]
        },
    )
    report = run_progress(settings, workspace, as_of=AS_OF)
    assert report.ok and report.sessions >= 1
    assert {i.cell for i in report.issues} >= {"A3", "D4"}
