"""`tutorsync doctor`: can this program run? Config, credentials, and every spreadsheet
reachable with the access it needs; what to fix, without changing anything. With `deep`, each
change the jobs make is then tried on scratch things, removed again (`jobs/deep.py`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from jobs.deep import run_deep
from jobs.errors import SignInError, TutorsyncError
from jobs.model.doctor import Check
from jobs.parse import parse_sources
from jobs.plan.spreadsheets import teacher_spreadsheets
from jobs.read import check_places, read_sources
from jobs.settings import Settings
from jobs.workspace.port import Workspace

__all__ = ["Check", "Deep", "run_doctor"]


@dataclass(frozen=True)
class Deep:
    """`doctor --deep`: try each change on scratch things; share the scratch folder with
    `share_with` ("": sharing is not tried)."""

    share_with: str = ""


def run_doctor(
    settings: Settings,
    open_workspace: Callable[[], Workspace],
    *,
    deep: Deep | None = None,
    now: datetime | None = None,
) -> list[Check]:
    """Every check, in the order a person would fix things; with `deep`, the tries last."""
    checks = [
        Check("config", True, f"program '{settings.program.name}' ({settings.workspace.kind})")
    ]
    try:
        workspace = open_workspace()
    except TutorsyncError as error:
        return [*checks, Check("credentials", False, str(error))]
    try:
        # Google signs in on the first request, so a refused sign-in shows here, not above.
        checks += [Check("credentials", True, "loaded"), *_reach(settings, workspace)]
        if deep is not None:
            when = now or datetime.now(UTC)
            checks += run_deep(settings, workspace, now=when, share_with=deep.share_with)
        return checks
    except SignInError as error:
        return [*checks[:1], Check("credentials", False, str(error))]


def _reach(settings: Settings, workspace: Workspace) -> list[Check]:
    """Every check that reads or proves access; a refused sign-in stops them all."""
    checks = []
    for spreadsheet, tabs in _sources(settings).items():
        checks.append(_check_source(workspace, spreadsheet, tabs))
    for spreadsheet in _targets(settings):
        checks.append(_check_target(workspace, spreadsheet))
    if settings.folders or settings.checkins:
        # As a run and validate find them: the folders' root and templates, the calendar.
        places = check_places(settings, workspace)
        found = f"{len(places.folders)} folder(s) of this program" if places.folders else ""
        checks.append(
            Check(
                "student folders and check-ins calendar",
                not places.problems,
                "; ".join(places.problems) or f"readable; {found or 'no folder yet'}",
            )
        )
    return [*checks, *_source_columns(settings, workspace)]


def _source_columns(settings: Settings, workspace: Workspace) -> list[Check]:
    """Each source tab read and parsed as a run would: the columns it needs are there."""
    try:
        grids, read_issues = read_sources(settings, workspace)
        parsed = parse_sources(settings, grids, read_issues)
    except SignInError:
        raise
    except TutorsyncError as error:
        return [Check("sources' columns", False, str(error))]
    unusable = [
        Check(f"use {issue.where}", False, f"{issue.problem}; {issue.fix}")
        for issue in parsed.issues
        if issue.source_unusable
    ]
    return unusable or [Check("sources' columns", True, "every source has the columns it needs")]


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
    except SignInError:
        raise
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
    except SignInError:
        raise
    except TutorsyncError as error:
        return Check(what, False, str(error))
    return Check(what, True, "tutorsync can write its tabs here")
