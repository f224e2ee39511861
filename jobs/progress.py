"""The progress job: bring every progress tab up to date with the sources.

read (jobs.read) → links (jobs.links) → plan (jobs.plan.progress) → apply → report.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jobs.errors import WorkspaceError
from jobs.infra import progress_line
from jobs.links import progress_links
from jobs.model.calendar import NextCheckins
from jobs.plan import limits
from jobs.plan.progress import desired_tabs, issues_tab, run_log_writes, tutor_log_tabs
from jobs.plan.tabs import WriteTab, plan_writes
from jobs.read import FolderLinks, Reading, read_all, read_folder_links
from jobs.report import NO_FIGURES, RunReport, figures_report, log_row
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from sheets_schema.cells import TabWrite
from sheets_schema.issues import DataIssue

log = logging.getLogger(__name__)


def run_progress(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    dry_run: bool = False,
    now: Callable[[], datetime] = datetime.now,
) -> RunReport:
    """`tutorsync progress` on its own: read the tabs, the sources and the folders' links,
    then write. The Next check-in column is kept as it is (the check-ins job did not run)."""
    reading = read_all(settings, workspace, as_of=as_of)
    folders = read_folder_links(settings, workspace)
    return write_progress(
        settings, workspace, reading, folders, None, tuple, as_of=as_of, dry_run=dry_run, now=now
    )


def write_progress(
    settings: Settings,
    workspace: Workspace,
    reading: Reading,
    folders: FolderLinks,
    next_checkins: NextCheckins | None,
    jobs_before: Callable[[], Sequence[RunReport]],
    *,
    as_of: date,
    dry_run: bool = False,
    now: Callable[[], datetime] = datetime.now,
) -> RunReport:
    """Write every progress tab from what was read, as of `as_of`: teachers' spreadsheets
    first, then the coordinator's with the run log, so the log can say whether everything
    else was written. `next_checkins` is None when the check-ins job did not run;
    `jobs_before` gives the reports of the run's earlier jobs once they are finished (the
    folders job's Drive work may still be going), for their rows in the run log."""
    started = time.perf_counter()
    states, coordinator = reading.states, settings.outputs.coordinator_spreadsheet
    run_at = now().astimezone(ZoneInfo(settings.program.timezone))
    updated = f"{run_at:%Y-%m-%d %H:%M} ({settings.program.timezone}), figures as of {as_of}"
    links = progress_links(settings, workspace, reading, folders.urls, next_checkins)
    # Fail closed: with a source or the folders unusable, only Data issues says so.
    blockers = [*(i.sentence() for i in reading.reconciled.unusable_sources), *folders.failures]
    if blockers:
        issues = [*reading.reconciled.issues, *_folder_issues(settings, folders)]
        desired = [issues_tab(settings, issues, links, states)]
    else:
        desired = desired_tabs(
            settings, reading.reconciled, reading.teacher_spreadsheets, states, links, updated
        )
        desired += tutor_log_tabs(settings, reading.reconciled, states, as_of=as_of)
    # A tab over the spreadsheets' size limits is refused before anything is written, and
    # reported by a dry run too.
    actions, refused = limits.within_limits(
        plan_writes(desired, states), states, limits.for_workspace(settings.workspace.kind)
    )
    report = figures_report("progress", settings, reading.reconciled, as_of, dry_run, actions)
    report.failures = [*reading.failures, *(f"{NO_FIGURES}: {b}" for b in blockers), *refused]
    if not dry_run:
        report.failures += apply(workspace, [a for a in actions if a.spreadsheet != coordinator])
    report.seconds = time.perf_counter() - started
    jobs = [*jobs_before(), report]
    # A run that changes nothing writes nothing, not even a run-log row (DESIGN rule 1).
    if any(job.changes or not job.ok for job in jobs):
        at, zone = now().astimezone(ZoneInfo(settings.program.timezone)), settings.program.timezone
        rows = [log_row(job, at, zone, job.seconds) for job in jobs]
        report.actions += run_log_writes(settings, states, rows)
    if not dry_run:
        report.failures += apply(
            workspace, [a for a in report.actions if a.spreadsheet == coordinator]
        )
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    log.info(
        "progress: %d students, %d issues, %d cells changed, %d failures, %.1fs",
        report.students,
        len(report.issues),
        report.cells_changed,
        len(report.failures),
        report.seconds,
    )
    return report


def _folder_issues(settings: Settings, folders: FolderLinks) -> list[DataIssue]:
    """Why the student folders stopped the figures, on Data issues with the rest."""
    root = settings.folders.root if settings.folders else ""
    return [
        DataIssue(root, "student folders", "", "", failure, "see folders in the config")
        for failure in folders.failures
    ]


def apply(workspace: Workspace, actions: Sequence[WriteTab]) -> list[str]:
    """Write each spreadsheet's tabs in one atomic write, in plan order. A spreadsheet that
    fails is reported and the others are still written; returns the failures."""
    by_spreadsheet: dict[str, list[TabWrite]] = defaultdict(list)
    for action in actions:
        by_spreadsheet[action.spreadsheet].append(action.tab)
    failures = []
    progress_line.stage("progress", "writing progress tabs", total=len(by_spreadsheet))
    for spreadsheet, tabs in by_spreadsheet.items():
        try:
            workspace.spreadsheets.write_owned_tabs(spreadsheet, tabs)
        except WorkspaceError as error:
            log.warning("could not write %s: %s", spreadsheet, error)
            failures.append(f"{spreadsheet}: {error}")
        progress_line.advance("progress")
    progress_line.done("progress")
    return failures
