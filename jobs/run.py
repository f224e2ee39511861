"""`tutorsync run`: every job of a program, in order. Check-ins and folders join here."""

from __future__ import annotations

from datetime import date

from jobs.progress import run_progress
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.workspace.port import Workspace


def run_all(
    settings: Settings, workspace: Workspace, *, as_of: date, dry_run: bool = False
) -> list[RunReport]:
    """Run each job of the program and return their reports (today: progress)."""
    return [run_progress(settings, workspace, as_of=as_of, dry_run=dry_run)]
