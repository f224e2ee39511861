"""Read: the one place jobs read what educators keep (the sources), what tutorsync wrote last
time (the owned tabs of every spreadsheet it writes) and where the student folders are. Every
job reads through here; parsing and reconciling what was read is pure (`jobs.parse`,
`jobs.reconcile`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from jobs.errors import MissingTab, WorkspaceError
from jobs.infra import progress_line
from jobs.model.drive import Folder, PlanFile
from jobs.parse import Grids, parse_sources, parse_staff, usable_roster
from jobs.plan.folders import links_of, plans_of
from jobs.plan.spreadsheets import teacher_spreadsheets, unplaced_teachers, written_spreadsheets
from jobs.reconcile.program import Reconciled, reconcile
from jobs.settings import Settings
from jobs.stage import cycle_collection_paused
from jobs.workspace.port import Workspace
from sheets_schema.cells import Grid, SpreadsheetState
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.roster import Roster
from sheets_schema.staff import Staff


@dataclass(frozen=True)
class Reading:
    """What a run reads before it writes anything: the current owned tabs of every spreadsheet
    it writes, then the sources, reconciled. `tutorsync run` reads this once for every job."""

    reconciled: Reconciled
    states: Mapping[str, SpreadsheetState]
    teacher_spreadsheets: Mapping[str, str]  # teacher e-mail -> spreadsheet (readable ones)
    failures: tuple[str, ...]  # spreadsheets that could not be read, left alone this run

    def with_issues(self, issues: list[DataIssue]) -> Reading:
        """The same reading with more data issues (e.g. the folders job's) to report."""
        if not issues:
            return self
        reconciled = replace(self.reconciled, issues=[*self.reconciled.issues, *issues])
        return replace(self, reconciled=reconciled)


@dataclass(frozen=True)
class FolderLinks:
    """Student ID -> folder URL of every active student with a folder, or None when the
    folders are not configured or could not be read. `failures` says why they could not be
    read or used (a root or template that is not there): the jobs after stop before writing
    figures (fail closed)."""

    urls: Mapping[str, str] | None = None
    failures: tuple[str, ...] = ()
    plans: Mapping[str, PlanFile] = field(default_factory=dict)  # student ID -> learning plan


def read_all(settings: Settings, workspace: Workspace, *, as_of: date) -> Reading:
    """Read the spreadsheets tutorsync writes, then the sources: in this order no owned tab in
    them can be mistaken for a source, on any adapter."""
    coordinator = settings.outputs.coordinator_spreadsheet
    states, failures = read_states(workspace, written_spreadsheets(settings), needed=coordinator)
    states, failures = _without_missing_sources(settings, states, failures)
    reconciled = read_program(settings, workspace, as_of=as_of)
    reconciled = replace(
        reconciled, issues=[*reconciled.issues, *unplaced_teachers(settings, reconciled)]
    )
    placed = {t: s for t, s in teacher_spreadsheets(settings).items() if s in states}
    return Reading(reconciled, states, placed, tuple(failures))


def _without_missing_sources(
    settings: Settings, states: dict[str, SpreadsheetState], failures: list[str]
) -> tuple[dict[str, SpreadsheetState], list[str]]:
    """tutorsync never creates a spreadsheet the config names as a source (a gradebook that
    would hold the teacher's tab, a tutor log): a mistyped path must not become a new file."""
    sources = source_spreadsheets(settings)
    missing = sorted(s for s, state in states.items() if s in sources and not state.exists)
    kept = {s: state for s, state in states.items() if s not in missing}
    return kept, [
        *failures,
        *(f"{s} was not written: it is a source in the config but does not exist" for s in missing),
    ]


def source_spreadsheets(settings: Settings) -> set[str]:
    """Every spreadsheet the config names as a source."""
    sources = settings.sources
    return {
        sources.roster.spreadsheet,
        *(log.spreadsheet for log in sources.tutor_logs),
        *(book.spreadsheet for book in sources.gradebooks),
        *(results.spreadsheet for results in sources.assessments),
    }


def read_program(settings: Settings, workspace: Workspace, *, as_of: date) -> Reconciled:
    """Read every source, parse it, match rows to students and compute their progress."""
    grids, issues = read_sources(settings, workspace)
    progress_line.stage("read", "reconciling")
    parsed = parse_sources(settings, grids, issues)
    del grids  # every cell is parsed: the grids' rows need not outlive reconciling
    reconciled = reconcile(settings, parsed, as_of=as_of)
    progress_line.done("read")
    return reconciled


# Reading makes a value for every cell, as the pure stages do, and forms no cycles either: the
# cycle collector is paused for it as for them (an eighth of a rerun went to collecting).
@cycle_collection_paused
def read_sources(settings: Settings, workspace: Workspace) -> tuple[Grids, list[DataIssue]]:
    """Every source tab's grid, one read per spreadsheet. A source that cannot be read is a
    data issue (the run goes on without it); the caller decides if the roster is missing."""
    wanted: dict[str, list[str]] = defaultdict(list)
    sources = settings.sources
    wanted[sources.roster.spreadsheet].append(sources.roster.tab)
    for log_source in sources.tutor_logs:
        wanted[log_source.spreadsheet].extend(log_source.tabs)
    for book in sources.gradebooks:
        wanted[book.spreadsheet].append(book.tab)
    for results in sources.assessments:
        wanted[results.spreadsheet].append(results.tab)
    if sources.staff is not None:
        wanted[sources.staff.spreadsheet].append(sources.staff.tab)
    if sources.goals is not None:
        wanted[sources.goals.spreadsheet].append(sources.goals.tab)
    return _read_wanted(settings, workspace, wanted)


def _read_wanted(
    settings: Settings, workspace: Workspace, wanted: Mapping[str, list[str]]
) -> tuple[Grids, list[DataIssue]]:
    """The `wanted` tabs (spreadsheet -> tabs), one read per spreadsheet, and a data issue for
    each that could not be read, worded for what it costs: a source stops the figures, the
    staff list costs names, the Goals tab its goals."""
    sources = settings.sources
    staff_tab = (sources.staff.spreadsheet, sources.staff.tab) if sources.staff else None
    goals_tab = (sources.goals.spreadsheet, sources.goals.tab) if sources.goals else None
    grids: dict[tuple[str, str], Grid] = {}
    issues: list[DataIssue] = []
    progress_line.stage("read", "reading the sources", total=len(wanted))
    for spreadsheet, tabs in wanted.items():
        read, failed = _read_tabs(workspace, spreadsheet, list(dict.fromkeys(tabs)))
        grids.update({(spreadsheet, tab): grid for tab, grid in read.items()})
        issues += [
            _unreadable_staff(spreadsheet, tab, error)
            if (spreadsheet, tab) == staff_tab
            else _unreadable_goals(spreadsheet, tab, error)
            if (spreadsheet, tab) == goals_tab
            else _unreadable_source(spreadsheet, tab, error)
            for tab, error in failed
        ]
        progress_line.advance("read")
    progress_line.done("read")
    return grids, issues


def _read_tabs(
    workspace: Workspace, spreadsheet: str, tabs: list[str]
) -> tuple[dict[str, Grid], list[tuple[str, WorkspaceError]]]:
    """The tabs in one read, and the tabs that could not be read with why; after a missing
    tab, tab by tab, so one bad tab does not hide the others."""
    try:
        return workspace.spreadsheets.read_tabs(spreadsheet, tabs), []
    except MissingTab as error:
        if len(tabs) == 1:
            return {}, [(tabs[0], error)]
    except WorkspaceError as error:  # the spreadsheet itself (not shared, not there): no tab
        return {}, [(tab, error) for tab in tabs]
    read: dict[str, Grid] = {}
    failed: list[tuple[str, WorkspaceError]] = []
    for tab in tabs:
        try:
            read.update(workspace.spreadsheets.read_tabs(spreadsheet, [tab]))
        except WorkspaceError as tab_error:
            failed.append((tab, tab_error))
    return read, failed


def _unreadable_source(spreadsheet: str, tab: str, error: WorkspaceError) -> DataIssue:
    return DataIssue(
        spreadsheet,
        tab,
        "",
        "",
        f"this source could not be read ({error}), so no figures were written from this run",
        "check the spreadsheet's path or address and the tab's name in the config, and that "
        "tutorsync may open it",
        source_unusable=True,
    )


def _unreadable_staff(spreadsheet: str, tab: str, error: WorkspaceError) -> DataIssue:
    """A staff list that cannot be read costs people's names only (they are shown by
    address): a warning, never a stop."""
    return DataIssue(
        spreadsheet,
        tab,
        "",
        "",
        f"the staff list could not be read ({error}), so people are shown by e-mail address",
        "check the staff list's spreadsheet and tab in the config ([sources.staff])",
        Severity.WARNING,
    )


def _unreadable_goals(spreadsheet: str, tab: str, error: WorkspaceError) -> DataIssue:
    """A Goals tab that cannot be read costs the goals only: they change no figure (a goal
    adds reasons to Why and wins, never a number), so the figures are still right without
    them. A warning, never a stop."""
    return DataIssue(
        spreadsheet,
        tab,
        "",
        "",
        f"the Goals tab could not be read ({error}), so no goals are shown this run",
        "check the Goals tab's spreadsheet and tab in the config ([sources.goals])",
        Severity.WARNING,
    )


def read_roster(settings: Settings, workspace: Workspace) -> tuple[Roster, list[DataIssue]]:
    """Only the roster (one read), for a job that needs no sessions or grades."""
    source = settings.sources.roster
    try:
        read = workspace.spreadsheets.read_tabs(source.spreadsheet, [source.tab])
    except WorkspaceError as error:
        issue = _unreadable_source(source.spreadsheet, source.tab, error)
        raise WorkspaceError(issue.sentence()) from None
    grids = {(source.spreadsheet, tab): grid for tab, grid in read.items()}
    return usable_roster(settings, grids, [])


def read_people(settings: Settings, workspace: Workspace) -> tuple[Roster, Staff, list[DataIssue]]:
    """The roster and the staff list's names (one read per spreadsheet), for a job that shows
    people but needs no sessions or grades. As for every job, a staff list that cannot be read
    only costs names."""
    source, staff_source = settings.sources.roster, settings.sources.staff
    wanted: dict[str, list[str]] = defaultdict(list)
    wanted[source.spreadsheet].append(source.tab)
    if staff_source is not None:
        wanted[staff_source.spreadsheet].append(staff_source.tab)
    grids, issues = _read_wanted(settings, workspace, wanted)
    roster, found = usable_roster(settings, grids, issues)
    people, staff_issues = parse_staff(settings, grids)
    return roster, people, [*issues, *found, *staff_issues]


@cycle_collection_paused  # as read_sources
def read_states(
    workspace: Workspace, spreadsheets: set[str], *, needed: str
) -> tuple[dict[str, SpreadsheetState], list[str]]:
    """Current owned tabs of every spreadsheet tutorsync will write, and the spreadsheets that
    could not be read (e.g. open in Excel): those are left alone this run. Only `needed`, the
    coordinator's, stops the run, before anything is written."""
    states, failures = {}, []
    progress_line.stage("read", "reading tutorsync's tabs", total=len(spreadsheets))
    for spreadsheet in sorted(spreadsheets):
        try:
            states[spreadsheet] = workspace.spreadsheets.read_state(spreadsheet)
        except WorkspaceError as error:
            if spreadsheet == needed:
                raise
            failures.append(f"{spreadsheet} was left as it is: {error}")
        progress_line.advance("read")
    progress_line.done("read")
    return states, failures


def read_folder_links(settings: Settings, workspace: Workspace) -> FolderLinks:
    """Each active student's folder, as the folders job last left them (a read, no writes).
    Unknown (None) without [folders], or with a failure if Drive cannot be read."""
    if settings.folders is None:
        return FolderLinks(None)
    try:
        folders = workspace.drive.list_folders(
            settings.folders.root, settings.program.key, grants=False
        )
    except WorkspaceError as error:
        return FolderLinks(None, (f"the student folders could not be read: {error}",))
    plans = plans_of(folders, settings.folders, settings.program.timezone)
    return FolderLinks(links_of(folders, settings.folders.term), (), plans)


@dataclass(frozen=True)
class Places:
    """What a run would find of the places it writes besides spreadsheets."""

    problems: list[str]  # the folders' root or a template not there, a calendar unreadable
    folders: list[Folder] | None  # the program's folders, if [folders] is set and readable


def check_places(settings: Settings, workspace: Workspace) -> Places:
    """The student folders' root and templates, and the check-ins calendar, as a run would
    find them. Reads only."""
    problems = []
    folders = None
    if settings.folders is not None:
        try:
            folders = workspace.drive.list_folders(settings.folders.root, settings.program.key)
        except WorkspaceError as error:
            problems.append(f"the student folders could not be read: {error}")
        else:
            templates = [template.file for template in settings.folders.templates]
            problems += workspace.drive.check_templates(templates)
    if settings.checkins is not None:
        try:
            workspace.calendar.list_events(settings.checkins.calendar, settings.program.key)
        except WorkspaceError as error:
            problems.append(f"the check-ins calendar could not be read: {error}")
    return Places(problems, folders)
