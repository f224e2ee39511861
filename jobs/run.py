"""`tutorsync run`: every job of a program, in order: folders, check-ins, progress, so the
check-ins and the progress tabs can link to the folders."""

from __future__ import annotations

from datetime import date

from jobs import progress
from jobs.checkins import run_checkins
from jobs.folders import begin_folders
from jobs.infra import logs
from jobs.report import RunReport
from jobs.settings import Settings
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
    prepared = progress.prepare(settings, workspace, as_of=as_of)
    if not settings.folders:
        return _after_folders(settings, workspace, prepared, as_of, dry_run, None)
    with logs.context(job="folders"):
        # Drive (its own quota) goes on making the folders in the background while check-ins
        # and progress, paced by theirs, link to the folders as they will be.
        folders = begin_folders(
            settings,
            workspace,
            as_of=as_of,
            dry_run=dry_run,
            roster=prepared.program.roster,
            background=True,
        )
    # Folder problems (an address outside the allowed domains) belong on Data issues.
    prepared.program.issues += folders.report.issues
    try:
        later = _after_folders(
            settings, workspace, prepared, as_of, dry_run, folders.report.folder_links
        )
    finally:  # Drive changes never outlive the run (nor its lock)
        with logs.context(job="folders"):
            finished = folders.finish()
    return [finished, *later]


def _after_folders(
    settings: Settings,
    workspace: Workspace,
    prepared: progress.Prepared,
    as_of: date,
    dry_run: bool,
    folder_links: dict[str, str] | None,
) -> list[RunReport]:
    """Check-ins, then the progress tabs (which link to the next check-in)."""
    reports = []
    next_checkins = None
    if settings.checkins:
        with logs.context(job="checkins"):
            checkins = run_checkins(
                settings,
                workspace,
                as_of=as_of,
                dry_run=dry_run,
                program=prepared.program,
                folder_links=folder_links,
                read_folders=False,
            )
        reports.append(checkins)
        next_checkins = checkins.next_checkins if checkins.ok else None
    with logs.context(job="progress"):
        reports.append(
            progress.run_progress(
                settings,
                workspace,
                as_of=as_of,
                dry_run=dry_run,
                prepared=prepared,
                folder_links=folder_links,
                read_folders=False,
                next_checkins=next_checkins,
            )
        )
    return reports
