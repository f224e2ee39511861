"""No student names, e-mails, grades or notes in what tutorsync prints or logs (issue 7).

Scheduled runs send stdout and stderr to the job engine's logs, so every report is a log. These
tests gather every sensitive value of the demo program (its sources, what tutorsync computed
from them, notes typed by the test into educator columns), run each job command as a
scheduler would (default verbosity, -v, --json), and look for every value in stdout, stderr
and every log record at INFO and above. -vv and `validate` may show them, and say so first.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fake_google.programs import upload_program
from fake_google.sheets_values import seed_cell

from jobs.cli import cli
from jobs.report import DEBUG_NOTICE, SENSITIVE_NOTICE, UNCATEGORISED
from jobs.settings import load

TODAY = "2026-11-23"  # the demo template's day (conftest.py)
# Two days later the pairs' next check-in is two weeks away, so flagged students get follow-ups,
# whose titles name the student.
FOLLOW_UP_DAY = "2026-11-25"
STUDENT_DOMAIN = "students.riverbend.example"
TYPED_NOTES = {
    "Coordinator notes": "Secret note about Avila",
    "Teacher notes": "Called home: Molemone family worried",
    "Note to tutor": "Quiz retake for Lindqvist on Friday",
    "Tutor's reply": "Practised with O'Brien twice",
}
BAD_STUDENT_EMAIL = "jose.avila(at)students.riverbend.example"
MIN_NAME_LENGTH = 4  # shorter names ("Kai", "Kim") are too common as substrings


# --- Reading the demo ---------------------------------------------------------------------


def rows(path: Path, tab: str) -> list[list]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as file:
            return [list(row) for row in csv.reader(file)]
    return [list(row) for row in openpyxl.load_workbook(path)[tab].iter_rows(values_only=True)]


def records(path: Path, tab: str, header_row: int = 0) -> list[dict]:
    found = rows(path, tab)
    header = found[header_row]
    return [dict(zip(header, row, strict=False)) for row in found[header_row + 1 :] if any(row)]


def name_parts(name: object) -> set[str]:
    """A typed student name, whole and in its parts: "Last, First", "First Last", "First L."."""
    text = str(name or "").strip()
    if not text:
        return set()
    if ", " in text:
        last, _, first = text.partition(", ")
    else:
        first, _, last = text.partition(" ")
    parts = {text, first.strip(), last.strip(), f"{first} {last}".strip(), f"{last}, {first}"}
    return {part for part in parts if len(part) >= MIN_NAME_LENGTH and not part.endswith(".")}


def number_forms(value: object) -> set[str]:
    """A grade or grade change as a report would print it: 83.4, 83%, 83.4%."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value == 0:
        return set()
    size = abs(float(value))
    # Short decimals ("0.3") are every report's seconds; percentages are not.
    decimals = {form for form in (f"{size:.1f}", f"{size:g}") if len(form) >= 4}
    percentages = {form for form in (f"{round(size)}%", f"{size:.1f}%") if len(form) >= 3}
    return decimals | percentages - {"100%"}


def score_forms(cell: object) -> set[str]:
    """A gradebook cell worth looking for: percentages, fractions and half points, not small
    whole numbers that any report holds anyway."""
    text = str(cell or "").strip()
    if ("%" in text and len(text) >= 3) or re.fullmatch(r"\d+(\.\d+)?/\d+", text):
        return {text}
    try:
        number = float(text)
    except ValueError:
        return set()
    return {text} if not number.is_integer() and len(text) >= 4 else set()


def source_values(demo: Path) -> set[str]:
    """Every student name, student e-mail, score and session note the demo's sources hold."""
    settings = load(demo / "tutorsync.toml")
    found: set[str] = set()
    for row in records(demo / settings.sources.roster.spreadsheet, settings.sources.roster.tab):
        found |= name_parts(row.get("Student Name"))
        if row.get("Student Email"):
            found.add(str(row["Student Email"]))
    for source in settings.sources.tutor_logs:
        for tab in source.tabs:
            for row in records(demo / source.spreadsheet, tab):
                found |= name_parts(row.get("Student Name") or row.get("Student"))
                for column in ("Notes", "Next steps", "Student Email"):
                    if row.get(column):
                        found.add(str(row[column]))
    for book in settings.sources.gradebooks:
        for row in rows(demo / book.spreadsheet, book.tab)[1:]:
            if not row or str(row[0] or "") in ("Points", "Date", "Category"):
                continue
            found |= name_parts(row[1])
            for cell in row[2:]:
                found |= score_forms(cell)
    return found


def computed_values(grids: Iterable[list[list]]) -> set[str]:
    """What tutorsync wrote about each student in its progress tabs: names, grades, grade
    changes, flag and win sentences, the tutor's notes, and every note educators typed."""
    found: set[str] = set()
    for grid in grids:
        header = next((row for row in grid if "Student ID" in row), None)
        if header is None:
            continue
        for row in grid[grid.index(header) + 1 :]:
            cells = dict(zip(header, row, strict=False))
            if not str(cells.get("Student ID") or "").strip():
                continue
            found |= name_parts(cells.get("Student"))
            for column, value in cells.items():
                title = str(column or "")
                if title.startswith(("Grade %", "Grade change")):
                    found |= number_forms(value)
                elif title in (
                    "Why",
                    "Wins",
                    "Goals",
                    "Tutor's latest notes",
                    "Tutor's next steps",
                    *TYPED_NOTES,
                ):
                    found |= {str(value)} if value else set()
    return found


def local_tabs(demo: Path) -> list[list[list]]:
    """Every progress tab and the Teacher feedback tab of the local demo, as grids."""
    grids = []
    for path in [
        demo / "coordinator.xlsx",
        *demo.glob("gradebooks/*.xlsx"),
        *demo.glob("progress/*.xlsx"),
    ]:
        book = openpyxl.load_workbook(path)
        for title in ("Progress summary", "Tutoring progress"):
            if title in book.sheetnames:
                grids.append([list(row) for row in book[title].iter_rows(values_only=True)])
    return [*grids, rows(demo / "tutor_log.xlsx", "Teacher feedback")]


# --- Typing into the demo, as educators would ----------------------------------------------


def give_students_emails(demo: Path) -> None:
    """A Student Email column on the roster, and one mistyped in the tutor log (a data issue
    whose value is the e-mail)."""
    path = demo / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Roster"]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="Student Email")
    for row in range(2, sheet.max_row + 1):
        student_id = sheet.cell(row=row, column=1).value
        if student_id:
            sheet.cell(row=row, column=column, value=f"s{student_id}@{STUDENT_DOMAIN}")
    book.save(path)
    path = demo / "tutor_log.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Form Responses 1"]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="Student Email")
    sheet.cell(row=5, column=column, value=BAD_STUDENT_EMAIL)
    book.save(path)


def type_in(path: Path, tab: str, column: str, text: str, row: int = 2) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=row, column=header.index(column) + 1, value=text)
    cell.data_type = "s"
    book.save(path)


def type_educator_notes(demo: Path) -> None:
    coordinator = demo / "coordinator.xlsx"
    type_in(coordinator, "Progress summary", "Coordinator notes", TYPED_NOTES["Coordinator notes"])
    type_in(coordinator, "Progress summary", "Teacher notes", TYPED_NOTES["Teacher notes"], row=3)
    gradebook = demo / "gradebooks" / "okafor.xlsx"
    type_in(gradebook, "Tutoring progress", "Note to tutor", TYPED_NOTES["Note to tutor"])


def withdraw_a_student(demo: Path) -> None:
    """One student leaves: their folder is archived and their pair's series changes."""
    path = demo / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Roster"]
    student_id = next(
        sheet.cell(row=r, column=1).value
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    )
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(row=r, column=1).value == student_id:
            sheet.cell(row=r, column=6).value = "Withdrawn"
    book.save(path)


# --- Running and looking ------------------------------------------------------------------


class Runs:
    """Runs tutorsync commands and keeps everything they printed and logged."""

    def __init__(self, config: Path, caplog: pytest.LogCaptureFixture):
        self.config = config
        self.caplog = caplog
        self.outputs: list[tuple[str, str]] = []  # (command, text)

    def __call__(self, *args: str) -> str:
        command = [args[0], "--config", str(self.config), "--as-of", TODAY, *args[1:]]
        self.caplog.clear()
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output + repr(result.exception)
        logged = "\n".join(self.caplog.handler.format(record) for record in self.caplog.records)
        text = "\n".join([result.stdout, result.stderr, logged])
        self.outputs.append((" ".join(args), text))
        return result.stdout


def leaks(outputs: list[tuple[str, str]], values: set[str]) -> list[tuple[str, str]]:
    """(command, value) for every sensitive value found in what a command printed or logged."""
    return [
        (command, value) for command, text in outputs for value in sorted(values) if value in text
    ]


@pytest.fixture
def runs(demo, caplog) -> Runs:
    caplog.set_level(logging.INFO)  # every INFO and WARNING record, whatever the CLI sets
    give_students_emails(demo)
    return Runs(demo / "tutorsync.toml", caplog)


def test_reports_and_logs_carry_no_names_emails_grades_or_notes(demo, runs):
    for job in ("folders", "checkins", "progress", "run"):
        runs(job, "--dry-run")  # every planned folder, event and tab, with reasons
    runs("run")
    runs("run", "-v")
    type_educator_notes(demo)
    withdraw_a_student(demo)
    runs("run", "-v")
    type_in(
        demo / "tutor_log.xlsx", "Teacher feedback", "Tutor's reply", TYPED_NOTES["Tutor's reply"]
    )
    runs("run", "--json")
    runs("run", "-v", "--json")
    runs("checkins", "--as-of", FOLLOW_UP_DAY, "--dry-run", "-v")
    runs("checkins", "--as-of", FOLLOW_UP_DAY)
    runs("checkins", "--as-of", FOLLOW_UP_DAY, "-v", "--json")
    runs("progress", "-v")
    runs("progress", "--json")
    runs("folders", "-v")
    for verbosity in ((), ("-v",), ("--json",)):
        runs("folders", "--audit", *verbosity)

    computed = computed_values(local_tabs(demo))
    assert set(TYPED_NOTES.values()) <= computed  # each note is in tutorsync's tabs, kept
    values = source_values(demo) | computed
    assert {
        BAD_STUDENT_EMAIL,
        *TYPED_NOTES.values(),
        "Thabo Mahlemone",
        "Great focus today",
    } <= values
    assert len(values) > 400  # about 560: names, e-mails, scores, grades, flags, notes
    assert any("Follow-up check-in about student" in text for _, text in runs.outputs)
    assert leaks(runs.outputs, values) == []
    print(f"{len(values)} sensitive values checked in {len(runs.outputs)} outputs")


def test_reports_still_say_where_and_what_kind(demo, runs):
    assert "create folder student:" in runs("folders", "--dry-run")
    text = runs("run")
    assert "values and names are in the Data issues tab" in text
    assert "in tutor_log.xlsx › Form Responses 1 (C229, C571): student not on the roster" in text
    assert "Minutes: not a number of minutes" in text
    assert "Student e-mail: not an e-mail address" in text
    assert UNCATEGORISED not in text  # every kind of issue in the demo has its category
    document = json.loads(runs("run", "--json"))
    [progress] = [job for job in document["jobs"] if job["job"] == "progress"]
    assert all(issue["category"] and "value" not in issue for issue in progress["issues"])


def test_a_real_process_logs_at_info_without_names(demo, runs):
    """The CLI's own logging set-up (basicConfig on stderr), outside pytest's log capture."""
    config = str(demo / "tutorsync.toml")
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "run", "--config", config, "--as-of", TODAY, "-v"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "INFO jobs.progress: progress:" in result.stderr
    values = source_values(demo) | computed_values(local_tabs(demo))
    assert leaks([("run -v", result.stdout + result.stderr)], values) == []


def test_debug_output_and_validate_say_first_that_they_name_students(demo, runs):
    text = runs("run", "--dry-run", "-vv")
    assert text.splitlines()[0] == DEBUG_NOTICE
    assert "Thabo Mahlemone" in text  # the full data issue sentences, as promised
    document = json.loads(runs("run", "-vv", "--json"))
    assert document["notice"] == DEBUG_NOTICE
    assert DEBUG_NOTICE in runs.outputs[-1][1]  # on stderr too
    text = runs("validate")
    assert text.splitlines()[0] == SENSITIVE_NOTICE
    assert "did you mean Molemone, Thabo" in text


# --- On Google ------------------------------------------------------------------------------


@pytest.fixture
def google_demo(demo, fake_google, google_workspace_settings) -> Path:
    give_students_emails(demo)
    return upload_program(fake_google, demo, google_workspace_settings)


def test_google_runs_report_no_names_emails_grades_or_notes(demo, google_demo, fake_google, caplog):
    caplog.set_level(logging.INFO)
    runs = Runs(google_demo, caplog)
    runs("run")
    settings = load(google_demo)
    coordinator = settings.outputs.coordinator_spreadsheet.split("/d/")[1].split("/")[0]
    summary = fake_google.sheets.values(coordinator, "Progress summary")
    header = summary[0]
    # Typed in the browser: a cell of the coordinator's notes column.
    sheet = fake_google.sheets._spreadsheet(coordinator).sheet_by_title("Progress summary")
    sheet.cells[(1, header.index("Coordinator notes"))] = seed_cell(
        TYPED_NOTES["Coordinator notes"]
    )
    runs("run", "-v")
    runs("run", "--json")
    runs("run", "-v", "--json")
    runs("folders", "--audit")

    values = source_values(demo) | computed_values([summary]) | {TYPED_NOTES["Coordinator notes"]}
    assert len(values) > 400
    assert leaks(runs.outputs, values) == []
    print(f"{len(values)} sensitive values checked in {len(runs.outputs)} outputs on Google")
