"""The folders job: keep one shared Drive folder per active student, shared with exactly the
student's tutors, teachers and the coordinators. read → plan (jobs.plan.folders) → apply →
report. `audit_folders` reads and compares, and changes nothing."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from jobs import progress
from jobs.errors import FoldersChanged, WorkspaceError
from jobs.model.drive import CreateFolder, FolderChange, FolderKind
from jobs.plan.folders import FolderPlan, audit_folders, plan_folders, student_key
from jobs.report import RunReport
from jobs.settings import FolderSettings, Settings
from jobs.workspace.drive_port import PendingApply
from jobs.workspace.port import Workspace
from sheets_schema.issues import DataIssue
from sheets_schema.roster import Roster

log = logging.getLogger(__name__)


def run_folders(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    dry_run: bool = False,
    roster: Roster | None = None,
) -> RunReport:
    """Create, share, archive and fill student folders so Drive matches the roster. `roster` is
    the one `tutorsync run` already read."""
    return begin_folders(
        settings, workspace, as_of=as_of, dry_run=dry_run, roster=roster, background=False
    ).finish()


@dataclass
class FoldersUnderWay:
    """The folders job with its Drive changes perhaps still being made (`background`): its
    report's folder links are already the links after them. `finish()` waits for them and
    completes the report."""

    report: RunReport
    plan: FolderPlan
    pending: PendingApply | None
    workspace: Workspace
    started: float

    def finish(self) -> RunReport:
        report = self.report
        if self.pending is not None:
            try:
                self.pending.wait()
            except WorkspaceError as error:
                report.failures.append(str(error))
                report.folder_links = dict(self.plan.links)
        report.seconds = time.perf_counter() - self.started
        # Drive's alone: with `background`, the other jobs' requests went out meanwhile.
        report.requests = {
            method: count
            for method, count in self.workspace.request_counts().items()
            if method.startswith("drive.")
        }
        log.info(
            "folders: %d students, %d changes, %d failures, %.1fs",
            report.students,
            len(report.folder_changes),
            len(report.failures),
            report.seconds,
        )
        return report


def begin_folders(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    dry_run: bool = False,
    roster: Roster | None = None,
    background: bool,
) -> FoldersUnderWay:
    """List, plan, and start the changes: with `background` Drive goes on making them (it has
    its own quota) while the jobs after this one run, linking to the folders as they will be.
    Call finish() on the result before the run ends."""
    started = time.perf_counter()
    folders_settings = _settings(settings)
    issues: list[DataIssue] = []
    if roster is None:
        roster, issues = progress.read_roster(settings, workspace)
    drive = workspace.drive
    root, program_key = folders_settings.root, settings.program.key
    try:
        folders = drive.list_folders(root, program_key)
    except WorkspaceError as error:
        # The jobs after this one still run; they keep the folder links they had.
        report = _report(settings, as_of, dry_run, roster, FolderPlan())
        report.issues = issues
        report.failures.append(f"student folders could not be read: {error}")
        report.folder_links = None
        return FoldersUnderWay(report, FolderPlan(), None, workspace, started)
    plan = plan_folders(settings=folders_settings, roster=roster, folders=folders)

    def begin(changes: list[FolderChange]) -> PendingApply | None:
        if not changes or dry_run:
            return None
        return drive.begin_apply(
            root, program_key, changes, notify=folders_settings.notify, background=background
        )

    pending: PendingApply | None = None
    failure = ""
    try:
        try:
            pending = begin(plan.changes)
        except FoldersChanged as changed:
            # Another machine's run made some of these folders meanwhile: plan again from
            # what is there now, once. (Should that happen twice, the next run goes on.)
            log.info("folders: %s; listing and planning again", changed)
            folders = drive.list_folders(root, program_key)
            plan = plan_folders(settings=folders_settings, roster=roster, folders=folders)
            pending = begin(plan.changes)
    except WorkspaceError as error:
        failure = str(error)
    report = _report(settings, as_of, dry_run, roster, plan)
    report.issues = issues + plan.issues
    report.folder_links = dict(plan.links)
    if failure:
        report.failures.append(failure)
    elif pending is not None:
        report.folder_links = _links_after(plan, pending.urls, folders_settings.term)
    return FoldersUnderWay(report, plan, pending, workspace, started)


def run_audit(settings: Settings, workspace: Workspace, *, as_of: date) -> RunReport:
    """Who can open each folder and how that differs from the roster; changes nothing."""
    started = time.perf_counter()
    folders_settings = _settings(settings)
    roster, issues = progress.read_roster(settings, workspace)
    folders = workspace.drive.list_folders(folders_settings.root, settings.program.key)
    report = RunReport(
        job="folders audit",
        program=settings.program.name,
        as_of=as_of,
        dry_run=True,
        students=len(roster.active),
        issues=issues,
        audit=audit_folders(settings=folders_settings, roster=roster, folders=folders),
    )
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report


def _settings(settings: Settings) -> FolderSettings:
    assert settings.folders is not None  # the CLI runs this job only with [folders]
    return settings.folders


def _report(
    settings: Settings, as_of: date, dry_run: bool, roster: Roster, plan: FolderPlan
) -> RunReport:
    return RunReport(
        job="folders",
        program=settings.program.name,
        as_of=as_of,
        dry_run=dry_run,
        students=len(roster.active),
        folder_changes=list(plan.changes),
    )


def _links_after(plan: FolderPlan, urls: dict[str, str], term: str) -> dict[str, str]:
    """Student ID -> folder URL after the changes: the folders that were there (a local move
    changes a path) and the ones this run created."""
    created = [
        change.student_id
        for change in plan.changes
        if isinstance(change, CreateFolder) and change.kind == FolderKind.STUDENT
    ]
    students = [*plan.links, *created]
    return {
        student_id: url
        for student_id in students
        if (url := urls.get(student_key(term, student_id)) or plan.links.get(student_id))
    }
