"""The validate job: read and parse every source, look at the folders and the calendar, and
report what a run would find wrong; write nothing."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from jobs.parse import parse_sources, source_columns
from jobs.plan.folders import plan_folders
from jobs.plan.spreadsheets import unplaced_teachers
from jobs.read import check_places, read_sources
from jobs.reconcile.program import reconcile
from jobs.report import RunReport, figures_report
from jobs.settings import Settings
from jobs.workspace.port import Workspace

UNUSABLE = "a run would write no figures, since a source could not be used"


def run_validate(settings: Settings, workspace: Workspace, *, as_of: date) -> RunReport:
    """Every source read, parsed and reconciled as of `as_of`, and what was wrong in it: how
    each tab's headers were read, the data issues a run would report, and as failures what
    would stop a run's figures."""
    started = time.perf_counter()
    grids, read_issues = read_sources(settings, workspace)
    columns = source_columns(settings, grids)
    parsed = parse_sources(settings, grids, read_issues)
    reconciled = reconcile(settings, parsed, as_of=as_of)
    issues = [*reconciled.issues, *unplaced_teachers(settings, reconciled)]
    report = figures_report(
        "validate", settings, replace(reconciled, issues=issues), as_of, True, []
    )
    places = check_places(settings, workspace)
    report.failures = [
        *(f"{UNUSABLE}: {issue.sentence()}" for issue in reconciled.unusable_sources),
        *places.problems,
    ]
    unusable = reconciled.unusable_sources
    if settings.folders is not None and places.folders is not None and not unusable:
        # The folders job's own issues, such as an address outside the allowed domains.
        roster = reconciled.roster
        plan = plan_folders(settings=settings.folders, roster=roster, folders=places.folders)
        report.issues += plan.issues
    report.columns = columns
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report
