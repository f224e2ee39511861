"""The check-ins job: keep in the program calendar exactly the tutor-teacher check-ins the
roster and the flags call for. read → plan (jobs.plan.checkins) → apply → report."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

from jobs import progress
from jobs.plan.checkins import next_checkins, pairs_of, plan_checkins
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from sheets_schema.issues import DataIssue, Severity

log = logging.getLogger(__name__)
FREE_BUSY_DAYS = 21  # how far ahead free/busy is asked, to place new series and follow-ups


def run_checkins(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    dry_run: bool = False,
    program: progress.Program | None = None,
    folder_links: dict[str, str] | None = None,
    read_folders: bool = True,
) -> RunReport:
    """Create, update or end check-in events so the calendar matches the roster and flags.
    `program` is the progress job's reading of the sources and `folder_links` the folders
    job's result, when `tutorsync run` has them; else they are read here (unless
    `read_folders` is false: the folders job already tried and could not)."""
    started = time.perf_counter()
    checkins = settings.checkins
    assert checkins is not None  # the CLI runs this job only when [checkins] is configured
    if program is None:
        program = progress.read_program(settings, workspace, as_of=as_of)
    calendar = workspace.calendar
    pairs = pairs_of(program.summary)
    existing = calendar.list_events(checkins.calendar, settings.program.key)
    placed = {event.key: event.start for event in existing}
    flagged = {
        str(student_id): [flag.code for flag in flags]
        for student_id, flags in program.summary["student_flags"].items()
    }

    links = _progress_links(settings, workspace)
    failures: list[str] = []
    if settings.folders and folder_links is None and read_folders:
        folder_links, failures = progress.current_folder_links(settings, workspace)
    folder_link_of = {
        student_id: workspace.drive.link(url, from_spreadsheet=checkins.calendar)
        for student_id, url in (folder_links or {}).items()
    }

    def plan(busy: dict) -> tuple[list, list]:
        return plan_checkins(
            program=settings.program.key,
            timezone=settings.program.timezone,
            settings=checkins,
            pairs=pairs,
            flagged=flagged,
            existing=existing,
            busy=busy,
            as_of=as_of,
            progress_link=links,
            folder_links=folder_link_of,
        )

    # Planned once without free/busy to learn who needs a new slot; only they are asked
    # about (a rerun with every series in place asks nobody).
    changes, warnings = plan({})
    placing = [
        c.event
        for c in changes
        if c.kind == "create" or (c.kind == "update" and placed.get(c.event.key) != c.event.start)
    ]
    coordinators = {c.lower() for c in checkins.coordinators}
    people = sorted({a for event in placing for a in event.attendees} - coordinators)
    if people:
        first_day = max(as_of, checkins.start_date)
        busy = calendar.busy(
            people,
            _midnight(first_day, settings.program.timezone),
            _midnight(first_day + timedelta(days=FREE_BUSY_DAYS), settings.program.timezone),
        )
        changes, warnings = plan(busy)
    if changes and not dry_run:
        calendar.upsert(
            checkins.calendar,
            settings.program.key,
            [change.event for change in changes],
            notify_new=checkins.invite_on_create,
            notify_changed=checkins.notify_on_update,
        )
    after = {event.key: event for event in existing} | {c.event.key: c.event for c in changes}
    report = RunReport(
        job="checkins",
        program=settings.program.name,
        as_of=as_of,
        dry_run=dry_run,
        students=len(program.summary),
        issues=[
            # The pair (staff e-mails) is the place: a report shows it, never an issue's value.
            DataIssue(
                checkins.calendar,
                f"check-ins of {w.subject}",
                "",
                w.subject,
                w.problem,
                w.fix,
                Severity.WARNING,
            )
            for w in warnings
        ],
        event_changes=changes,
        failures=failures,
    )
    report.next_checkins = next_checkins(settings.program.key, pairs, list(after.values()), as_of)
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    log.info("checkins: %d pairs, %d changes, %.1fs", len(pairs), len(changes), report.seconds)
    return report


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time_of_day.min, tzinfo=ZoneInfo(timezone))


def _progress_links(settings: Settings, workspace: Workspace) -> dict[str, str]:
    """Each teacher's progress tab, to link from their check-ins (locally, relative to the
    calendar file)."""
    calendar = settings.checkins.calendar if settings.checkins else ""
    return {
        teacher: workspace.link(
            spreadsheet, settings.outputs.teacher_tab, "", from_spreadsheet=calendar
        )
        for teacher, spreadsheet in progress.configured_targets(settings).items()
    }
