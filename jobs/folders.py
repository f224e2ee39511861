"""The folders job: keep one shared Drive folder per active student, shared with exactly the
student's tutors, teachers and the coordinators. read (jobs.read) → plan (jobs.plan.folders)
→ apply → report; the sharing audit is jobs.audit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date

from jobs.errors import FoldersChanged, WorkspaceError
from jobs.model.drive import FolderChange
from jobs.plan.folders import FolderPlan, links_after, plan_folders, plans_after_changes
from jobs.read import FolderLinks, read_roster
from jobs.report import RunReport, folders_report
from jobs.settings import FolderSettings, Settings
from jobs.workspace.drive_port import PendingApply
from jobs.workspace.port import Workspace
from sheets_schema.issues import DataIssue
from sheets_schema.roster import Roster

log = logging.getLogger(__name__)


def run_folders(
    settings: Settings, workspace: Workspace, *, as_of: date, dry_run: bool = False
) -> RunReport:
    """`tutorsync folders`: create, share, archive and fill student folders so Drive matches
    the roster."""
    roster, issues = read_roster(settings, workspace)
    return begin_folders(
        settings, workspace, roster, issues, as_of=as_of, dry_run=dry_run, background=False
    ).finish()


@dataclass
class FoldersUnderWay:
    """The folders job, its Drive changes perhaps still being made (`background`) and its
    `links` already those after them, but for the learning plans of the `awaited` students,
    whose copies' addresses Drive gives as it makes them. `finish()` waits for the changes
    and completes the report."""

    report: RunReport
    pending: PendingApply | None
    workspace: Workspace
    started: float
    links: FolderLinks = field(default_factory=FolderLinks)
    awaited: tuple[str, ...] = ()  # student IDs

    def finish(self) -> RunReport:
        report = self.report
        if self.pending is not None:
            try:
                self.pending.wait()
            except WorkspaceError as error:
                report.failures.append(str(error))
        report.seconds = time.perf_counter() - self.started
        # Drive's alone: with `background`, the other jobs' requests went out meanwhile.
        report.requests = {
            method: count
            for method, count in self.workspace.request_counts().items()
            if method.startswith("drive.")
        }
        counts = (report.students, len(report.folder_changes), len(report.failures))
        log.info("folders: %d students, %d changes, %d failures, %.1fs", *counts, report.seconds)
        return report


def begin_folders(
    settings: Settings,
    workspace: Workspace,
    roster: Roster,
    roster_issues: list[DataIssue],
    *,
    as_of: date,
    dry_run: bool,
    background: bool,
) -> FoldersUnderWay:
    """List, plan, and start the changes: with `background` Drive goes on making them (it has
    its own quota) while the jobs after this one run, linking to the folders as they will be.
    Call finish() on the result before the run ends."""
    started = time.perf_counter()
    folders_settings = settings.folders
    assert folders_settings is not None  # the CLI runs this job only with [folders]
    root, program_key = folders_settings.root, settings.program.key
    try:
        folders = workspace.drive.list_folders(root, program_key)
        problems = workspace.drive.check_templates([t.file for t in folders_settings.templates])
    except WorkspaceError as error:
        folders, problems = [], [f"the student folders could not be read: {error}"]
    if problems:  # fail closed: nothing is changed, and the jobs after write no figures
        report = folders_report(settings, as_of, dry_run, roster, [], roster_issues)
        report.failures += problems
        return FoldersUnderWay(report, None, workspace, started, FolderLinks(None, (*problems,)))
    plan = plan_folders(settings=folders_settings, roster=roster, folders=folders)
    plan, pending, failure = _begin(
        folders_settings, program_key, workspace, roster, plan, dry_run, background
    )
    report = folders_report(
        settings, as_of, dry_run, roster, plan.changes, roster_issues + plan.issues
    )
    links, copies = dict(plan.links), {}
    if failure:
        report.failures.append(failure)
    elif pending is not None:
        links, copies = links_after(plan, pending.urls, folders_settings.term), pending.copies
    plans, awaited = plans_after_changes(
        folders, plan, links, copies, folders_settings, settings.program.timezone
    )
    after = FolderLinks(links, (), plans)
    return FoldersUnderWay(report, pending, workspace, started, after, awaited)


def _begin(
    folders_settings: FolderSettings,
    program_key: str,
    workspace: Workspace,
    roster: Roster,
    plan: FolderPlan,
    dry_run: bool,
    background: bool,
) -> tuple[FolderPlan, PendingApply | None, str]:
    """Start the plan's changes: the plan started, its changes under way, and what failed."""
    root = folders_settings.root

    def begin(changes: list[FolderChange]) -> PendingApply | None:
        if not changes or dry_run:
            return None
        return workspace.drive.begin_apply(
            root, program_key, changes, notify=folders_settings.notify, background=background
        )

    try:
        try:
            return plan, begin(plan.changes), ""
        except FoldersChanged as changed:
            # Another machine's run made some of these folders meanwhile: plan again from
            # what is there now, once. (Should that happen twice, the next run goes on.)
            log.info("folders: %s; listing and planning again", changed)
            folders = workspace.drive.list_folders(root, program_key)
            plan = plan_folders(settings=folders_settings, roster=roster, folders=folders)
            return plan, begin(plan.changes), ""
    except WorkspaceError as error:
        return plan, None, str(error)
