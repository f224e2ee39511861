"""`tutorsync run`: every job of a program, in order: folders, check-ins, progress, so the
check-ins and the progress tabs can link to the folders."""

from __future__ import annotations

from datetime import date

from jobs import logs, progress
from jobs.checkins import run_checkins
from jobs.folders import run_folders
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
    reports = []
    folder_links = None
    if settings.folders:
        with logs.context(job="folders"):
            folders = run_folders(
                settings, workspace, as_of=as_of, dry_run=dry_run, roster=prepared.program.roster
            )
        reports.append(folders)
        folder_links = folders.folder_links
        # Folder problems (an address outside the allowed domains) belong on Data issues.
        prepared.program.issues += folders.issues
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
