"""Writing planned tabs: each spreadsheet in one all-or-nothing write, the coordinator's last
with a run-log row for each job, so the log can say whether everything else was written.
Shared by the jobs that write tabs (progress, history)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from jobs.errors import WorkspaceError
from jobs.infra import progress_line
from jobs.plan.progress import run_log_writes
from jobs.plan.tabs import WriteTab
from jobs.report import RunReport, log_row
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from sheets_schema.cells import SpreadsheetState, TabWrite

log = logging.getLogger(__name__)


def write_coordinator(
    settings: Settings,
    workspace: Workspace,
    states: Mapping[str, SpreadsheetState],
    report: RunReport,
    jobs_before: Callable[[], Sequence[RunReport]],
    *,
    dry_run: bool,
    now: Callable[[], datetime],
) -> None:
    """Write the report's tabs of the coordinator's spreadsheet last, with a run-log row for
    each job of the run, so the log can say whether everything else was written."""
    jobs = [*jobs_before(), report]
    # A run that changes nothing writes nothing, not even a run-log row (DESIGN rule 1).
    if any(job.changes or not job.ok for job in jobs):
        at, zone = now().astimezone(ZoneInfo(settings.program.timezone)), settings.program.timezone
        rows = [log_row(job, at, zone, job.seconds) for job in jobs]
        report.actions += run_log_writes(settings, states, rows)
    if not dry_run:
        coordinator = settings.outputs.coordinator_spreadsheet
        report.failures += apply(
            workspace, [a for a in report.actions if a.spreadsheet == coordinator]
        )


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
