"""The folders audit job (`tutorsync folders --audit`): who can open each student folder (by
name, where the staff list gives one), and how that differs from the roster. Reads and
compares; changes nothing."""

from __future__ import annotations

import time
from datetime import date

from jobs.plan.folders import audit_folders
from jobs.read import read_people
from jobs.report import RunReport, folders_report
from jobs.settings import Settings
from jobs.workspace.port import Workspace


def run_audit(settings: Settings, workspace: Workspace, *, as_of: date) -> RunReport:
    """Who can open each folder and how that differs from the roster; changes nothing."""
    started = time.perf_counter()
    folders_settings = settings.folders
    assert folders_settings is not None  # the CLI runs this job only with [folders]
    roster, people, issues = read_people(settings, workspace)
    folders = workspace.drive.list_folders(folders_settings.root, settings.program.key)
    report = folders_report(settings, as_of, True, roster, [], issues)
    report.job = "folders audit"
    report.audit = audit_folders(settings=folders_settings, roster=roster, folders=folders)
    report.people = people
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report
