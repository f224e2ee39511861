"""The validate job: read and parse every source and report its data issues; write nothing."""

from __future__ import annotations

import time
from datetime import date

from jobs.read import read_program
from jobs.report import RunReport, figures_report
from jobs.settings import Settings
from jobs.workspace.port import Workspace


def run_validate(settings: Settings, workspace: Workspace, *, as_of: date) -> RunReport:
    """Every source read, parsed and reconciled as of `as_of`, and what was wrong in it."""
    started = time.perf_counter()
    reconciled = read_program(settings, workspace, as_of=as_of)
    report = figures_report("validate", settings, reconciled, as_of, True, [])
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report
