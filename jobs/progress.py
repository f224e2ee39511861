"""The progress job: bring every progress tab up to date with the sources.

read (jobs.read) → links (jobs.links) → plan (jobs.plan.progress) → apply → report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jobs.links import progress_links
from jobs.model.calendar import NextCheckins
from jobs.plan import limits
from jobs.plan.progress import (
    desired_tabs,
    impact_tabs,
    issues_tab,
    tutor_log_tabs,
)
from jobs.plan.tabs import plan_writes
from jobs.read import FolderLinks, Reading, read_all, read_folder_links
from jobs.report import NO_FIGURES, RunReport, figures_report
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from jobs.write_tabs import apply, write_coordinator
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
    links = progress_links(settings, workspace, reading, folders.urls, next_checkins, folders.plans)
    # Fail closed: with a source or the folders unusable, only Data issues says so.
    blockers = [*(i.sentence() for i in reading.reconciled.unusable_sources), *folders.failures]
    if blockers:
        issues = [*reading.reconciled.issues, *_folder_issues(settings, folders)]
        desired = [issues_tab(settings, issues, links, states)]
    else:
        desired = desired_tabs(
            settings,
            reading.reconciled,
            reading.teacher_spreadsheets,
            states,
            links,
            updated,
            as_of=as_of,
        )
        desired += tutor_log_tabs(settings, reading.reconciled, states)
        desired += impact_tabs(settings, reading.reconciled, states, as_of=as_of)
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
    write_coordinator(settings, workspace, states, report, jobs_before, dry_run=dry_run, now=now)
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
