"""`tutorsync run`: every job of a program, in order. Folders join here with their job."""

from __future__ import annotations

from datetime import date

from jobs.checkins import run_checkins
from jobs.progress import run_progress
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.workspace.port import Workspace


def jobs_of(settings: Settings) -> tuple[str, ...]:
    """The jobs `tutorsync run` runs for this program, in order."""
    return ("progress", "checkins") if settings.checkins else ("progress",)


def run_all(
    settings: Settings, workspace: Workspace, *, as_of: date, dry_run: bool = False
) -> list[RunReport]:
    """Run each job of the program, in order, and return their reports. Check-ins reuse the
    progress job's reading of the sources and its flags."""
    reports = [run_progress(settings, workspace, as_of=as_of, dry_run=dry_run)]
    if settings.checkins:
        reports.append(
            run_checkins(
                settings, workspace, as_of=as_of, dry_run=dry_run, program=reports[0].sources
            )
        )
    return reports
