"""`tutorsync run`: every job of a program, in order: folders, check-ins, progress, so the
check-ins and the progress tabs can link to the folders. The sources are read once, and what
one job hands the next is a value built here: the reading, the folders' links, the next
check-ins."""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import date

from jobs.checkins import CheckinsDone, schedule_checkins
from jobs.errors import WorkspaceError
from jobs.folders import FoldersUnderWay, begin_folders
from jobs.infra import logs, progress_line
from jobs.plan.folders import plans_copied
from jobs.progress import write_progress
from jobs.read import FolderLinks, Reading, read_all
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.stage import made_then_frozen
from jobs.workspace.port import Workspace


def jobs_of(settings: Settings) -> tuple[str, ...]:
    """The jobs `tutorsync run` runs for this program, in order."""
    return (
        *(("folders",) if settings.folders else ()),
        *(("checkins",) if settings.checkins else ()),
        "progress",
    )


def run_all(
    settings: Settings, workspace: Workspace, *, as_of: date, dry_run: bool = False
) -> list[RunReport]:
    """Run each job of the program, in order, and return their reports. The sources are read
    once, before any job writes; check-ins and progress link to the folders the folders job
    leaves."""
    reading = made_then_frozen(lambda: read_all(settings, workspace, as_of=as_of))
    try:
        return _jobs(settings, workspace, reading, as_of, dry_run)
    finally:  # the reading is the collector's again
        gc.unfreeze()


def _jobs(
    settings: Settings, workspace: Workspace, reading: Reading, as_of: date, dry_run: bool
) -> list[RunReport]:
    """Folders (Drive working in the background), then check-ins and progress."""
    if not settings.folders:
        return _after_folders(settings, workspace, reading, None, list, as_of, dry_run)
    with logs.context(job="folders"), progress_line.activity("folders", "planning folders"):
        # Drive (its own quota) goes on making the folders in the background while
        # check-ins and progress, paced by theirs, link to the folders as they will be.
        folders = begin_folders(
            settings,
            workspace,
            reading.reconciled.roster,
            [],  # the roster's issues are the reading's already
            as_of=as_of,
            dry_run=dry_run,
            background=True,
        )
    # Folder problems (an address outside the allowed domains) belong on Data issues.
    reading = reading.with_issues(folders.report.issues)
    finished: list[RunReport] = []

    def folders_finished() -> list[RunReport]:
        if not finished:
            with logs.context(job="folders"):
                finished.append(folders.finish())
        return finished

    try:
        later = _after_folders(
            settings, workspace, reading, folders, folders_finished, as_of, dry_run
        )
    finally:  # Drive changes never outlive the run (nor its lock)
        folders_finished()
    return [*finished, *later]


def _after_folders(
    settings: Settings,
    workspace: Workspace,
    reading: Reading,
    under_way: FoldersUnderWay | None,
    folders_finished: Callable[[], list[RunReport]],
    as_of: date,
    dry_run: bool,
) -> list[RunReport]:
    """Check-ins, then the progress tabs (which link to the next check-in, and log every job
    of the run once the folders job has finished)."""
    reports = []
    folders = under_way.links if under_way else FolderLinks()
    next_checkins = None
    if settings.checkins:
        with logs.context(job="checkins"), progress_line.activity("checkins", "check-ins"):
            try:
                checkins = schedule_checkins(
                    settings, workspace, reading.reconciled, folders, as_of=as_of, dry_run=dry_run
                )
            except WorkspaceError as error:
                # Jobs are independent: a calendar that cannot be read fails the check-ins
                # alone, and the progress tabs (which keep their Next check-in) still go out.
                failed = RunReport("checkins", settings.program.name, as_of, dry_run)
                failed.failures = [f"the check-ins were left as they are: {error}"]
                checkins = CheckinsDone(failed, {})
        reports.append(checkins.report)
        next_checkins = checkins.next_checkins if checkins.report.ok else None
    with logs.context(job="progress"):
        folders = _with_plans_made(settings, under_way) if under_way else folders
        reports.append(
            write_progress(
                settings,
                workspace,
                reading,
                folders,
                next_checkins,
                lambda: [*folders_finished(), *reports],
                as_of=as_of,
                dry_run=dry_run,
            )
        )
    return reports


def _with_plans_made(settings: Settings, folders: FoldersUnderWay) -> FolderLinks:
    """The folders' links with every learning plan this run copies, so the progress tabs link
    each from the run that copies it: Drive gives a Google Doc's copy its address only as it
    makes it, so for those (and only then) wait for Drive, and link the copies it made. A copy
    that failed is linked by none; the folders job reports it."""
    if folders.pending is None or not folders.awaited or settings.folders is None:
        return folders.links  # Drive goes on in the background
    waiting = progress_line.activity("folders", "waiting for Drive to copy learning plans")
    with waiting, suppress(WorkspaceError):  # finish() reports it; copies made are linked
        folders.pending.wait()
    made = folders.pending.copies_made()
    timezone = settings.program.timezone
    plans = plans_copied(made, folders.awaited, settings.folders, timezone)
    return replace(folders.links, plans={**folders.links.plans, **plans})
