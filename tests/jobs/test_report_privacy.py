"""The run report names no student and quotes no typed value unless asked to (issue 7): data
issues by place and category, events and folders by key."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from jobs.model.calendar import CalendarEvent
from jobs.model.drive import CopyTemplate, CreateFolder, FolderKind
from jobs.plan.checkins import EventChange, Pair, event_label, plan_checkins, series_key
from jobs.plan.folders import Access, FolderAudit
from jobs.reconcile.matching import match_students
from jobs.report import UNCATEGORISED, RunReport, issue_category
from jobs.settings import CheckinSettings
from sheets_schema import gradebook, roster, tutor_log
from sheets_schema.issues import DataIssue

NAME = "Molemone, Thabo"
TYPO = "Thabo Mahlemone"
ZONE = ZoneInfo("America/Chicago")


def real_issues() -> list[DataIssue]:
    """Data issues as the parsers and the matcher word them, each carrying a name or value."""
    _, issues = roster.parse(
        [
            ["Student ID", "Student Name", "Teacher Email", "Tutor Email"],
            ["", NAME, "t@s.example", "u@s.example"],
            ["001", NAME, "t@s.example", "u@s.example"],
            ["001", "Zoë Lindqvist", "t@s.example", "u@s.example"],
        ],
        source="roster.xlsx",
        tab="Roster",
    )
    found = list(issues)
    _, issues = tutor_log.parse(
        [
            ["Date", "Tutor", "Student ID", "Student Name", "Minutes", "Attendance"],
            ["2026-11-02", "u@s.example", "001", NAME, "abc", "maybe"],
            ["not a day", "u@s.example", "001", NAME, "45", "Present"],
        ],
        source="log.xlsx",
        tab="Sessions",
    )
    found += issues
    _, issues = gradebook.parse(
        [
            ["Student ID", "Student", "Quiz 1"],
            ["Points", None, "banana"],
            ["001", NAME, "Ninety-one"],
        ],
        source="okafor.xlsx",
        tab="Grades",
    )
    found += issues
    students = pd.DataFrame(
        {"name": [NAME], "name_key": ["thabo molemone"], "email": [None]},
        index=pd.Index(["00042"], name="student_id"),
    )
    for row, (typed_id, name) in enumerate([("42", None), ("99", "Thabo Molemone"), (None, TYPO)]):
        record = dict(
            student_id_typed=typed_id,
            student_name_typed=name,
            student_email_typed=None,
            source="log.xlsx",
            tab="Sessions",
            student_cell=f"C{row + 2}",
        )
        found += match_students(pd.DataFrame([record]), students)[1]
    return found


def test_every_parser_and_matcher_issue_gets_a_category_that_quotes_nothing():
    issues = real_issues()
    assert len(issues) >= 8
    for issue in issues:
        category = issue_category(issue)
        assert category != UNCATEGORISED, issue.problem
        for secret in ("Thabo", "Molemone", "Mahlemone", "Zoë", "abc", "maybe", "banana"):
            assert secret not in category, (secret, issue.problem)
        assert not issue.value or issue.value not in category


@pytest.mark.parametrize(
    ("problem", "category"),
    [
        ("Minutes 'abc' is not a number of minutes", "Minutes: not a number of minutes"),
        ("Score 'N/A' for 'Test 1' is not a score", "Score: not a score"),
        (
            "Points 'x' for 'Quiz' is not a positive number, so its scores were read as points",
            "Points: not a positive number",
        ),
        (f"'{TYPO}' is not on the roster, so this row was skipped", "student not on the roster"),
        (
            f"{NAME} is in t@s.example's gradebook, but the roster does not list that teacher for "
            "them, so these grades count only in the coordinator summary",
            "graded by a teacher the roster does not list",
        ),
        # An unknown wording is never quoted, even when it looks like "<Field> '<value>' ...".
        (f"something new about {NAME}", UNCATEGORISED),
        (f"Student name '{NAME}' is {NAME}'s", UNCATEGORISED),
        (f"{NAME} 'x' is not a score", UNCATEGORISED),
    ],
)
def test_categories_are_chosen_words_never_pieces_of_the_sentence(problem, category):
    issue = DataIssue("log.xlsx", "Sessions", "F14", "abc", problem, "fix it")
    assert issue_category(issue) == category


def followup_change() -> EventChange:
    settings = CheckinSettings(
        calendar="calendar.ics",
        cadence="every_2_weeks",
        weekday="tuesday",
        window_start="15:30",
        window_end="17:00",
        duration_minutes=30,
        start_date=date(2026, 9, 1),
        term_end=date(2026, 12, 18),
        on_flags=["grade_drop"],
    )
    pair = Pair("tutor@s.example", "teacher@s.example", (("001", NAME),))
    changes, _ = plan_checkins(
        program="p",
        timezone="America/Chicago",
        settings=settings,
        pairs=[pair],
        flagged={"001": ["grade_drop"]},
        existing=[],
        busy={},
        as_of=date(2026, 10, 21),  # a Wednesday: the series next meets in two weeks
    )
    [series] = [c for c in changes if ":checkin:" in c.event.key]
    assert event_label(series.event.key) == series.event.summary  # a series reads as its title
    assert series.event.key == series_key("p", pair)
    [followup] = [c for c in changes if ":followup:" in c.event.key]
    assert NAME in followup.event.summary  # what the calendar shows its attendees
    return followup


def test_a_follow_up_is_described_by_student_id_and_by_name_only_when_sensitive():
    change = followup_change()
    text = change.describe()
    assert NAME not in text and NAME not in change.reason
    assert "Follow-up check-in about student 001: tutor@s.example and teacher@s.example" in text
    assert NAME in change.describe(sensitive=True)


def test_folder_changes_are_described_by_key_and_by_name_only_when_sensitive():
    create = CreateFolder(
        "student:2026-27:001", FolderKind.STUDENT, f"{NAME} (001)", "term:2026-27", "001", "new"
    )
    copy = CopyTemplate("student:2026-27:001", "plan.xlsx", f"Plan - {NAME}", "not copied")
    for change in (create, copy):
        assert NAME not in change.describe() and "student:2026-27:001" in change.describe()
        assert NAME in change.describe(sensitive=True)


def report() -> RunReport:
    event = CalendarEvent(
        key="tutorsync:p:followup:001:tutor@s.example:teacher@s.example:2026-W43",
        summary=f"Follow-up check-in about {NAME}",
        description="",
        start=datetime(2026, 10, 22, 15, 30, tzinfo=ZONE),
        end=datetime(2026, 10, 22, 16, 0, tzinfo=ZONE),
        timezone="America/Chicago",
    )
    return RunReport(
        job="run",
        program="Demo",
        as_of=date(2026, 10, 21),
        issues=[
            DataIssue(
                "log.xlsx",
                "Sessions",
                "C2",
                TYPO,
                f"'{TYPO}' is not on the roster, so this row was skipped",
                f"did you mean {NAME} (001)? If so, fix the spelling",
            )
        ],
        event_changes=[EventChange("create", event, "grade_drop for student 001")],
        folder_changes=[
            CreateFolder("student:t:001", FolderKind.STUDENT, f"{NAME} (001)", "term:t", "001")
        ],
        audit=[
            FolderAudit(
                "student:t:001",
                f"{NAME} (001)",
                f"folders/t/{NAME} (001)",
                "001",
                "active",
                (Access("tutor@s.example", "writer", "tutorsync"),),
                (),
            ),
            FolderAudit(
                "student:t:002",
                "Lee, Sam (002)",
                "https://drive.google.com/drive/folders/abc",
                "002",
                "active",
                (),
                (),
            ),
        ],
    )


def test_text_and_json_reports_name_nobody_unless_sensitive():
    for text in (report().render_text(), str(report().to_dict())):
        assert "Thabo" not in text and "Lee, Sam" not in text
        assert "student not on the roster" in text and "student:t:001" in text
        assert "https://drive.google.com/drive/folders/abc" in text  # an opaque Drive URL
    assert "C2" in report().render_text()
    for text in (report().render_text(sensitive=True), str(report().to_dict(sensitive=True))):
        assert TYPO in text and NAME in text
