"""Where tutorsync writes: the spreadsheet each owned tab goes into, and the tabs' keys. Pure:
every answer comes from the config alone."""

from __future__ import annotations

from jobs.reconcile.program import Reconciled, configured_teachers
from jobs.settings import Settings
from sheets_schema import new_program
from sheets_schema.issues import DataIssue, Severity


def tab_keys(settings: Settings) -> dict[str, str]:
    """The stable keys of this program's owned tabs, but the teachers' (`teacher_key`)."""
    program = settings.program.key
    return {
        "summary": f"tutorsync:{program}:summary",
        "issues": f"tutorsync:{program}:data-issues",
        "run_log": f"tutorsync:{program}:run-log",
        "history": f"tutorsync:{program}:history",
        "overview": f"tutorsync:{program}:overview",
        "impact": f"tutorsync:{program}:impact",
        "feedback": f"tutorsync:{program}:teacher-feedback",
        "student_list": new_program.student_list_key(program),
    }


def teacher_key(settings: Settings, teacher: str) -> str:
    return f"tutorsync:{settings.program.key}:teacher:{teacher}"


def teacher_spreadsheets(settings: Settings) -> dict[str, str]:
    """Teacher e-mail -> spreadsheet for their tab, for every teacher the config places: a
    configured spreadsheet, else their first gradebook that is not a .csv file."""
    # One pass over the gradebooks, not one per teacher: a program may keep thousands.
    first_gradebook: dict[str, str] = {}
    for book in settings.sources.gradebooks:
        if not book.spreadsheet.lower().endswith(".csv"):
            first_gradebook.setdefault(book.teacher, book.spreadsheet)
    placed = {}
    for teacher in configured_teachers(settings):
        spreadsheet = settings.outputs.teacher_spreadsheets.get(
            teacher, first_gradebook.get(teacher)
        )
        if spreadsheet is not None:
            placed[teacher] = spreadsheet
    return placed


def tutor_logs_written(settings: Settings) -> list[str]:
    """The tutor log spreadsheets tutorsync writes into (its Student list tab; the first also
    holds Teacher feedback): every tutor log but .csv files, which hold one tab."""
    logs = [source.spreadsheet for source in settings.sources.tutor_logs]
    if settings.outputs.feedback_spreadsheet:
        logs.append(settings.outputs.feedback_spreadsheet)
    return [s for s in dict.fromkeys(logs) if not s.lower().endswith(".csv")]


def feedback_spreadsheet(settings: Settings) -> str | None:
    written = tutor_logs_written(settings)
    return settings.outputs.feedback_spreadsheet or (written[0] if written else None)


def written_spreadsheets(settings: Settings) -> set[str]:
    """Every spreadsheet tutorsync may write owned tabs into."""
    return {
        settings.outputs.coordinator_spreadsheet,
        *teacher_spreadsheets(settings).values(),
        *tutor_logs_written(settings),
    }


def unplaced_teachers(settings: Settings, reconciled: Reconciled) -> list[DataIssue]:
    """Teachers with students on the roster but nowhere to put their tab (their students
    still appear in the coordinator summary)."""
    placed = teacher_spreadsheets(settings)
    return [
        DataIssue(
            settings.sources.roster.spreadsheet,
            settings.sources.roster.tab,
            "",
            teacher,
            f"{teacher} teaches {taught} active student(s) on the roster but has no "
            "gradebook in the config, so no progress tab was written for them",
            f"add their gradebook under [[sources.gradebooks]], or set "
            f'outputs.teacher_spreadsheets."{teacher}"',
            Severity.WARNING,
        )
        for teacher, taught in reconciled.by_teacher.sizes.items()
        if teacher not in placed
    ]
