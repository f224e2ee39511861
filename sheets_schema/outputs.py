"""The owned tabs tutorsync writes: their columns, formats, and which columns educators type in.

Educator columns are read back before every write and carried over by student ID, so their
headers are part of the contract with educators: renaming one here orphans what people typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sheets_schema.cells import ColumnFormat, Tone

F = ColumnFormat


class Dosage(Protocol):
    """The weekly tutoring the figures are compared with (the config's [targets])."""

    @property
    def sessions_per_week(self) -> float: ...

    @property
    def minutes_per_week(self) -> float: ...


@dataclass(frozen=True)
class DefaultDosage:
    """High-dosage tutoring: at least 3 sessions of 30 minutes a week."""

    sessions_per_week: float = 3
    minutes_per_week: float = 90


DEFAULT_DOSAGE = DefaultDosage()


@dataclass(frozen=True)
class OutputColumn:
    header: str
    field: str | None  # progress field shown; None for educator columns
    format: ColumnFormat = F.TEXT
    # (rule, value, tone) conditional formats of the column; see port.Highlight
    highlights: tuple[tuple[str, str | float, Tone], ...] = ()
    # A figure most rows lack (a tutor's reply): progress without the field shows it empty.
    optional: bool = False

    @property
    def educator(self) -> bool:
        return self.field is None


STUDENT_ID_HEADER = "Student ID"
STATUS_HEADER = "Status"
ARCHIVE_HEADING = "Archived: no longer listed here. Kept for the notes typed about them."
ARCHIVED_STATUS = "Archived"
TEACHER_NOTES = "Teacher notes"
COORDINATOR_NOTES = "Coordinator notes"
NOTE_TO_TUTOR = "Note to tutor"
TUTOR_REPLY = "Tutor's reply"  # on a teacher's tab: what the tutor answered, dated
LATEST_EXCHANGE = "Latest exchange"  # on the summary: the last note or reply, dated
# The statuses jobs.reconcile.figures gives students, most urgent first (README: The figures).
ACT_NOW_STATUS = "Act now"
WATCH_STATUS = "Watch"
ON_TRACK_STATUS = "On track"
STATUS_LEVELS = (ACT_NOW_STATUS, WATCH_STATUS, ON_TRACK_STATUS)
ATTENTION_STATUS = ACT_NOW_STATUS  # the status whose rows a tab highlights
FOLDER_HEADER = "Folder"
# The Student list tab tutorsync keeps in a tutor log: what its Student ID column is checked
# against (tutorsync init points the validation at its first column).
STUDENT_LIST_HEADER = (STUDENT_ID_HEADER, "Student")
WHY_HEADER = "Why"
WINS_HEADER = "Wins"
TREND_HEADER = "Grade trend"
NEXT_CHECKIN_HEADER = "Next check-in"
TUTOR_NOTES_HEADER = "Tutor's latest notes"
NEXT_STEPS_HEADER = "Tutor's next steps"
FOLDER_LINK_TEXT = "Open folder"
GOALS_HEADER = "Goals"
LEARNING_PLAN_HEADER = "Learning plan"


# Coloured by the spreadsheet itself, so the colour follows a row when educators sort.
STATUS_COLUMN = OutputColumn(
    STATUS_HEADER,
    "status",
    highlights=(("equals", ACT_NOW_STATUS, Tone.ATTENTION), ("equals", ON_TRACK_STATUS, Tone.GOOD)),
)


def _why(with_tutor_notes: bool) -> tuple[OutputColumn, ...]:
    """Status, then why: the flags and wins as sentences (and, for teachers, what the tutor
    last wrote)."""
    return (
        STATUS_COLUMN,
        OutputColumn(WHY_HEADER, "student_flags", highlights=(("not_blank", "", Tone.ATTENTION),)),
        OutputColumn(WINS_HEADER, "student_wins", highlights=(("not_blank", "", Tone.GOOD),)),
        *(
            (
                OutputColumn(TUTOR_NOTES_HEADER, "latest_tutor_notes"),
                OutputColumn(NEXT_STEPS_HEADER, "next_steps"),
            )
            if with_tutor_notes
            else ()
        ),
    )


def _figures(window_days: int, grade_header: str, targets: Dosage) -> tuple[OutputColumn, ...]:
    window = f"(last {window_days} days)"
    return (
        OutputColumn(
            f"Sessions / week (target {targets.sessions_per_week:g})",
            "sessions_per_week",
            F.DECIMAL,
            (("below", targets.sessions_per_week, Tone.ATTENTION),),
        ),
        OutputColumn(
            f"Minutes / week (target {targets.minutes_per_week:g})",
            "minutes_per_week",
            F.INTEGER,
            (("below", targets.minutes_per_week, Tone.ATTENTION),),
        ),
        OutputColumn(f"Attendance {window}", "attendance_rate", F.PERCENT),
        OutputColumn("Last session", "last_session_date", F.DATE),
        OutputColumn("Days since last session", "days_since_last_session", F.INTEGER),
        OutputColumn(grade_header, "grade_percent", F.DECIMAL),
        OutputColumn(f"Grade change {window}", "grade_change_points", F.DECIMAL),
        OutputColumn(TREND_HEADER, "grade_trend", F.SPARKLINE),
        OutputColumn("Missing work", "missing_count", F.INTEGER),
        OutputColumn(f"Sessions {window}", "sessions_in_window", F.INTEGER),
        OutputColumn(f"Minutes {window}", "minutes_in_window", F.INTEGER),
    )


def folder_column(links_known: bool) -> OutputColumn:
    """The link to each student's shared folder. When the folders could not be listed this
    run, the column is carried over like an educator column, so the links stay as they were."""
    return OutputColumn(FOLDER_HEADER, "folder" if links_known else None)


# Benchmark assessment growth, a line per test (jobs.reconcile.assessments.growth_sentence),
# when the config names assessment results.
BENCHMARK_COLUMN = OutputColumn("Benchmark growth", "assessment_growth")


# Each student's open goals and their progress, a line per goal (jobs.reconcile.goals), when
# the config names a Goals tab. Computed: the Goals tab, not this column, is where goals are
# typed.
GOALS_COLUMN = OutputColumn(GOALS_HEADER, "goal_progress")
# A link to each student's learning plan, with the day it was last changed.
LEARNING_PLAN_COLUMN = OutputColumn(LEARNING_PLAN_HEADER, "learning_plan")


def next_checkin_column(known: bool) -> OutputColumn:
    """The next tutor-teacher check-in about the student, linking to it. Carried like an
    educator column when this run did not plan the check-ins (`tutorsync progress` alone)."""
    return OutputColumn(NEXT_CHECKIN_HEADER, "next_checkin" if known else None)


def summary_columns(
    window_days: int,
    folder: OutputColumn | None = None,
    targets: Dosage = DEFAULT_DOSAGE,
    next_checkin: OutputColumn | None = None,
    benchmark: OutputColumn | None = None,
    goals: tuple[OutputColumn, ...] = (),
) -> tuple[OutputColumn, ...]:
    """The coordinator summary: every active student, all their teachers' grades combined.
    Who, status and why first, then the figures, then people and links, then notes."""
    return (
        OutputColumn(STUDENT_ID_HEADER, "student_id"),
        OutputColumn("Student", "name"),
        OutputColumn("Grade level", "grade_level", F.INTEGER),
        *_why(with_tutor_notes=False),
        *_figures(window_days, "Grade % (all classes)", targets),
        *((benchmark,) if benchmark else ()),
        *goals,
        OutputColumn("Teachers", "teachers"),
        OutputColumn("Tutors", "tutors"),
        *((folder,) if folder else ()),
        *((next_checkin,) if next_checkin else ()),
        OutputColumn(LATEST_EXCHANGE, "latest_exchange"),
        OutputColumn(TEACHER_NOTES, None),
        OutputColumn(COORDINATOR_NOTES, None),
    )


def teacher_columns(
    window_days: int,
    folder: OutputColumn | None = None,
    targets: Dosage = DEFAULT_DOSAGE,
    next_checkin: OutputColumn | None = None,
    benchmark: OutputColumn | None = None,
    goals: tuple[OutputColumn, ...] = (),
) -> tuple[OutputColumn, ...]:
    """A teacher's tab: only their students, grades from their own gradebooks only, and what
    the tutor last wrote about each."""
    return (
        OutputColumn(STUDENT_ID_HEADER, "student_id"),
        OutputColumn("Student", "name"),
        OutputColumn("Grade level", "grade_level", F.INTEGER),
        *_why(with_tutor_notes=True),
        *_figures(window_days, "Grade % (your class)", targets),
        *((benchmark,) if benchmark else ()),
        *goals,
        OutputColumn("Tutors", "tutors"),
        *((folder,) if folder else ()),
        *((next_checkin,) if next_checkin else ()),
        OutputColumn(NOTE_TO_TUTOR, None),
        OutputColumn(TUTOR_REPLY, "tutor_reply", optional=True),
    )


ISSUE_COLUMNS = (
    OutputColumn("Severity", "severity"),
    OutputColumn("Spreadsheet", "source"),
    OutputColumn("Tab", "tab"),
    OutputColumn("Cell", "cell"),
    OutputColumn("Value", "value"),
    OutputColumn("What is wrong", "problem"),
    OutputColumn("How to fix it", "fix"),
)

# The History tab: a row per student per ISO week (jobs.reconcile.history). Week and Student
# ID find a row again on every run; As of is the day its figures were counted up to (the
# week's Sunday once the week has ended, and then the row no longer changes).
HISTORY_COLUMNS = (
    OutputColumn("Week", "week"),
    OutputColumn("As of", "as_of", F.DATE),
    OutputColumn(STUDENT_ID_HEADER, "student_id"),
    OutputColumn("Sessions", "sessions", F.INTEGER),
    OutputColumn("Minutes", "minutes", F.INTEGER),
    OutputColumn("Attendance", "attendance_rate", F.PERCENT),
    OutputColumn("Grade %", "grade_percent", F.DECIMAL),
    STATUS_COLUMN,
    OutputColumn("Flags", "flags"),
)

RUN_LOG_COLUMNS = (
    OutputColumn("Run at", "run_at", F.DATETIME),
    OutputColumn("Job", "job"),
    OutputColumn("Status", "status"),
    OutputColumn("As of", "as_of", F.DATE),
    OutputColumn("Active students", "students", F.INTEGER),
    OutputColumn("Sessions read", "sessions", F.INTEGER),
    OutputColumn("Scores read", "scores", F.INTEGER),
    OutputColumn("Data issues", "issues", F.INTEGER),
    OutputColumn("Cells changed", "cells_changed", F.INTEGER),
    OutputColumn("Seconds", "seconds", F.DECIMAL),
    # Added later, so at the end: earlier rows stay as they were.
    OutputColumn("Changes", "changes", F.INTEGER),  # tabs, events or folders the job changed
    OutputColumn("Time zone", "timezone"),  # of Run at: the program's
)
