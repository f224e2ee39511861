"""`tutorsync doctor`: can this program run? Config, credentials, and every spreadsheet
reachable with the access it needs; what to fix, without changing anything."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import date

from jobs.errors import TutorsyncError
from jobs.plan.spreadsheets import teacher_spreadsheets
from jobs.read import read_program
from jobs.settings import Settings
from jobs.workspace.port import Workspace


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    detail: str  # what was found, or what to fix


def run_doctor(settings: Settings, open_workspace: Callable[[], Workspace]) -> list[Check]:
    """Every check, in the order a person would fix things."""
    checks = [
        Check("config", True, f"program '{settings.program.name}' ({settings.workspace.kind})")
    ]
    try:
        workspace = open_workspace()
    except TutorsyncError as error:
        return [*checks, Check("credentials", False, str(error))]
    checks.append(Check("credentials", True, "loaded"))
    for spreadsheet, tabs in _sources(settings).items():
        checks.append(_check_source(workspace, spreadsheet, tabs))
    for spreadsheet in _targets(settings):
        checks.append(_check_target(workspace, spreadsheet))
    program = settings.program.key
    if settings.checkins:
        calendar = settings.checkins.calendar
        checks.append(
            _check_listing(
                f"calendar {calendar}",
                lambda: workspace.calendar.list_events(calendar, program),
                "check-in(s) of this program in it",
            )
        )
    if settings.folders:
        root = settings.folders.root
        checks.append(
            _check_listing(
                f"folders root {root}",
                lambda: workspace.drive.list_folders(root, program, grants=False),
                "folder(s) of this program",
            )
        )
        templates = [template.file for template in settings.folders.templates]
        missing = workspace.drive.check_templates(templates)
        checks.append(Check("templates", not missing, "; ".join(missing) or "all found"))
    return [*checks, *_source_columns(settings, workspace)]


def _source_columns(settings: Settings, workspace: Workspace) -> list[Check]:
    """Each source tab read and parsed as a run would: the columns it needs are there."""
    try:
        reconciled = read_program(settings, workspace, as_of=date.today())
    except TutorsyncError as error:
        return [Check("sources' columns", False, str(error))]
    unusable = [
        Check(f"use {issue.where}", False, f"{issue.problem}; {issue.fix}")
        for issue in reconciled.unusable_sources
    ]
    return unusable or [Check("sources' columns", True, "every source has the columns it needs")]


def _check_listing(what: str, listing: Callable[[], Sized], found: str) -> Check:
    """A read of what tutorsync keeps there: proves access, changes nothing."""
    try:
        count = len(listing())
    except TutorsyncError as error:
        return Check(what, False, str(error))
    return Check(what, True, f"readable; {count} {found}")


def _sources(settings: Settings) -> dict[str, list[str]]:
    sources: dict[str, list[str]] = defaultdict(list)
    sources[settings.sources.roster.spreadsheet].append(settings.sources.roster.tab)
    for log in settings.sources.tutor_logs:
        sources[log.spreadsheet].extend(log.tabs)
    for book in settings.sources.gradebooks:
        sources[book.spreadsheet].append(book.tab)
    return sources


def _targets(settings: Settings) -> list[str]:
    targets = set(teacher_spreadsheets(settings).values())
    return [settings.outputs.coordinator_spreadsheet, *sorted(targets)]


def _check_source(workspace: Workspace, spreadsheet: str, tabs: list[str]) -> Check:
    what = f"read {spreadsheet}"
    try:
        found = workspace.spreadsheets.list_tabs(spreadsheet)
    except TutorsyncError as error:
        return Check(what, False, str(error))
    if spreadsheet.lower().endswith(".csv"):
        return Check(what, True, "a .csv file (one tab)")
    missing = [tab for tab in dict.fromkeys(tabs) if tab not in found]
    if missing:
        return Check(
            what,
            False,
            f"no tab {', '.join(repr(t) for t in missing)}; its tabs are: "
            + ", ".join(repr(t) for t in found),
        )
    return Check(what, True, "tabs " + ", ".join(repr(t) for t in dict.fromkeys(tabs)))


def _check_target(workspace: Workspace, spreadsheet: str) -> Check:
    what = f"write {spreadsheet}"
    try:
        workspace.spreadsheets.check_writable(spreadsheet)
    except TutorsyncError as error:
        return Check(what, False, str(error))
    return Check(what, True, "tutorsync can write its tabs here")
