"""The history job: `tutorsync history`, the History tab alone; with a date to rebuild from,
every week since it counted again from the sources (README: History).

read (jobs.read) → plan (jobs.plan.progress.history_tabs) → apply → report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime

from jobs.plan import limits
from jobs.plan.progress import history_tabs
from jobs.plan.tabs import plan_writes
from jobs.read import read_all
from jobs.report import NO_FIGURES, RunReport, figures_report
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from jobs.write_tabs import write_coordinator


def run_history(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    since: date | None = None,
    dry_run: bool = False,
    now: Callable[[], datetime] = datetime.now,
) -> RunReport:
    """Bring the History tab up to date as of `as_of`; with `since`, count every week from
    the one holding it again. A source that cannot be used stops it before any write."""
    started = time.perf_counter()
    reading = read_all(settings, workspace, as_of=as_of)
    states = reading.states
    blockers = [issue.sentence() for issue in reading.reconciled.unusable_sources]
    desired = (
        []
        if blockers
        else history_tabs(settings, reading.reconciled, states, as_of=as_of, since=since)
    )
    actions, refused = limits.within_limits(
        plan_writes(desired, states), states, limits.for_workspace(settings.workspace.kind)
    )
    report = figures_report("history", settings, reading.reconciled, as_of, dry_run, actions)
    report.failures = [*reading.failures, *(f"{NO_FIGURES}: {b}" for b in blockers), *refused]
    report.seconds = time.perf_counter() - started
    write_coordinator(settings, workspace, states, report, tuple, dry_run=dry_run, now=now)
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report
