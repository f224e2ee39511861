"""The progress job: read sources, reconcile per student, write the progress tabs.

read → parse → reconcile → read current tabs → plan → apply → report. Everything between the
reads and the writes is pure.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from jobs.errors import TutorsyncError, WorkspaceError
from jobs.model.calendar import CalendarEvent
from jobs.plan import feedback, limits
from jobs.plan import folders as folder_plan
from jobs.plan import tabs as planning
from jobs.reconcile.figures import (
    count_sessions,
    grade_figures,
    student_progress,
    unweighted_categories,
)
from jobs.reconcile.matching import match_students
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from sheets_schema import gradebook, outputs, roster, tutor_log
from sheets_schema import new_program as templates
from sheets_schema.cells import CellValue, FilterView, Grid, Link, SpreadsheetState, TabWrite
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.roster import Roster

log = logging.getLogger(__name__)


def run_progress(
    settings: Settings,
    workspace: Workspace,
    *,
    as_of: date,
    dry_run: bool = False,
    now: Callable[[], datetime] = datetime.now,
    prepared: Prepared | None = None,
    folder_links: dict[str, str] | None = None,
    next_checkins: dict[tuple[str, str], tuple[datetime, CalendarEvent]] | None = None,
    read_folders: bool = True,
) -> RunReport:
    """Bring every progress tab up to date with the sources, as of `as_of`. `prepared` is the
    reading `tutorsync run` already did; `folder_links` (student ID -> folder URL) the folders
    job's result: without them, the folders are listed here when [folders] is configured
    (unless `read_folders` is false: the folders job already tried and could not).
    `next_checkins` is the check-ins job's; without it the Next check-in column is kept."""
    started = time.perf_counter()
    prepared = prepared or prepare(settings, workspace, as_of=as_of)
    program, states = prepared.program, prepared.states
    failures = list(prepared.failures)
    if settings.folders and folder_links is None and read_folders:
        folder_links, failure = current_folder_links(settings, workspace)
        failures += failure
    coordinator = settings.outputs.coordinator_spreadsheet
    run_at = now().astimezone(ZoneInfo(settings.program.timezone))
    updated = f"{run_at:%Y-%m-%d %H:%M} ({settings.program.timezone}), figures as of {as_of}"
    desired = desired_tabs(
        settings,
        program,
        prepared.targets,
        states,
        workspace,
        folder_links,
        next_checkins,
        updated=updated,
    )
    desired += tutor_log_tabs(settings, program, states, as_of=as_of)
    actions = planning.plan_writes(desired, states)
    # A tab over the spreadsheets' size limits is refused before anything is written, and
    # reported by a dry run too.
    allowed = limits.for_workspace(settings.workspace.kind)
    actions, refused = limits.within_limits(actions, states, allowed)
    failures += refused
    report = program.report(settings, as_of=as_of, dry_run=dry_run, actions=actions)
    report.failures = failures
    report.sources = program
    # Teachers' spreadsheets first, then the coordinator's with the run log, so the log can
    # say whether everything else was written.
    if not dry_run:
        report.failures += apply(workspace, [a for a in actions if a.spreadsheet != coordinator])
    # A run that changes nothing writes nothing, not even a run-log row (DESIGN rule 1).
    if report.actions or report.failures:
        entry = _run_log_entry(report, now(), time.perf_counter() - started)
        report.actions += planning.plan_writes(
            [_run_log_tab(settings, states, entry)], states, appended=[keys(settings)["run_log"]]
        )
    if not dry_run:
        report.failures += apply(
            workspace, [a for a in report.actions if a.spreadsheet == coordinator]
        )
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    log.info(
        "progress: %d students, %d issues, %d cells changed, %d failures, %.1fs",
        report.students,
        len(report.issues),
        report.cells_changed,
        len(report.failures),
        report.seconds,
    )
    return report


@dataclass
class Prepared:
    """What the progress job reads before planning: the current owned tabs of every
    spreadsheet it writes, then the sources. `tutorsync run` reads this once for every job."""

    program: Program
    states: dict[str, SpreadsheetState]
    targets: dict[str, str]  # teacher e-mail -> spreadsheet for their tab (readable ones)
    failures: list[str]  # spreadsheets that could not be read, left alone this run


def prepare(settings: Settings, workspace: Workspace, *, as_of: date) -> Prepared:
    """Read the spreadsheets tutorsync writes, then the sources: in this order no owned tab in
    them can be mistaken for a source, on any adapter."""
    targets = configured_targets(settings)
    coordinator = settings.outputs.coordinator_spreadsheet
    written = {coordinator, *targets.values(), *tutor_log_targets(settings)}
    states, failures = read_states(workspace, written, needed=coordinator)
    program = read_program(settings, workspace, as_of=as_of)
    program.issues += unplaced_teachers(settings, program)
    targets = {teacher: s for teacher, s in targets.items() if s in states}
    return Prepared(program, states, targets, failures)


def current_folder_links(
    settings: Settings, workspace: Workspace
) -> tuple[dict[str, str] | None, list[str]]:
    """Each active student's folder, as the folders job last left them (a read, no writes).
    None, with a failure, if Drive cannot be read: progress tabs then keep their Folder column
    as it is."""
    assert settings.folders is not None
    try:
        folders = workspace.drive.list_folders(
            settings.folders.root, settings.program.key, grants=False
        )
    except WorkspaceError as error:
        return None, [f"student folders could not be listed, so links to them were kept: {error}"]
    return folder_plan.links_of(folders, settings.folders.term), []


def validate(settings: Settings, workspace: Workspace, *, as_of: date) -> RunReport:
    """Read and parse every source and report data issues; write nothing."""
    started = time.perf_counter()
    program = read_program(settings, workspace, as_of=as_of)
    report = program.report(settings, as_of=as_of, dry_run=True, actions=[])
    report.job = "validate"
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    return report


@dataclass
class Program:
    """A program's sources parsed and reconciled."""

    roster: Roster
    sessions: pd.DataFrame  # matched sessions (student_id set)
    scores: pd.DataFrame  # matched scores with the gradebook's teacher
    summary: pd.DataFrame  # progress of every active student, all gradebooks
    by_teacher: dict[str, pd.DataFrame]  # teacher e-mail -> progress of their active students
    issues: list[DataIssue] = field(default_factory=list)

    def report(
        self, settings: Settings, *, as_of: date, dry_run: bool, actions: list[planning.WriteTab]
    ) -> RunReport:
        return RunReport(
            job="progress",
            program=settings.program.name,
            as_of=as_of,
            dry_run=dry_run,
            students=len(self.summary),
            sessions=len(self.sessions),
            scores=len(self.scores),
            issues=list(self.issues),
            actions=list(actions),
        )


def read_program(settings: Settings, workspace: Workspace, *, as_of: date) -> Program:
    """Read every source, parse it, match rows to students and compute their progress."""
    grids, issues = read_sources(settings, workspace)
    parsed = parse_sources(settings, grids, issues)
    del grids  # every cell is parsed: the grids' rows need not outlive reconciling
    return reconcile_program(settings, parsed, as_of=as_of)


@dataclass
class ParsedSources:
    """Every source parsed, rows not yet matched to students."""

    roster: Roster
    sessions: pd.DataFrame  # tutor_log.SESSION_COLUMNS, every log's tabs in config order
    scores: pd.DataFrame  # gradebook.SCORE_COLUMNS and the gradebook's teacher
    issues: list[DataIssue]  # the read issues given, then the roster's, logs', gradebooks'


@planning.cycle_collection_paused
def parse_sources(
    settings: Settings, grids: dict[tuple[str, str], Grid], read_issues: list[DataIssue]
) -> ParsedSources:
    """Parse the grids `read_sources` gave (pure). Stops the run without a usable roster."""
    issues = list(read_issues)
    parsed_roster, found = _usable_roster(settings, grids, issues)
    issues += found
    sessions, found = _parse_sessions(settings, grids)
    issues += found
    scores, found = _parse_scores(settings, grids)
    issues += found
    return ParsedSources(parsed_roster, sessions, scores, issues)


@planning.cycle_collection_paused
def reconcile_program(settings: Settings, parsed: ParsedSources, *, as_of: date) -> Program:
    """Match the parsed rows to roster students and compute their progress (pure)."""
    parsed_roster, issues = parsed.roster, list(parsed.issues)
    sessions, found = _match(parsed.sessions, parsed_roster)
    issues += found
    scores, found = _match(parsed.scores, parsed_roster)
    issues += found

    thresholds = settings.thresholds
    session_figures, found = count_sessions(
        sessions, as_of=as_of, window_days=thresholds.window_days
    )
    issues += found
    weights = settings.grades.category_weights
    issues += unweighted_categories(scores, weights)
    active = parsed_roster.active

    def progress(students: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        grades = grade_figures(
            scores,
            by=by,
            as_of=as_of,
            window_days=thresholds.window_days,
            category_weights=weights,
        )
        return student_progress(
            students,
            session_figures,
            grades,
            thresholds=thresholds,
            as_of=as_of,
            by=by,
            targets=settings.targets,
        )

    summary = _in_reading_order(progress(active, ["student_id"]))
    # One row per student and teacher: a teacher's tab shows grades from their gradebooks only.
    enrolments = active.explode("teachers").rename(columns={"teachers": "teacher"})
    enrolments = enrolments[enrolments["teacher"].notna()]
    teacher_rows = progress(enrolments, ["student_id", "teacher"])
    # Sorted once, then split: each teacher's rows keep the reading order (student IDs are
    # unique within a teacher, so the order is total).
    by_teacher = {
        str(teacher): rows
        for teacher, rows in _in_reading_order(teacher_rows).groupby("teacher", sort=True)
    }
    # A configured teacher with no active students still gets their tab rewritten, so the
    # students who left move to its archive instead of lingering with stale figures.
    for teacher in _configured_teachers(settings):
        by_teacher.setdefault(teacher, teacher_rows.iloc[0:0])
    issues += _roster_teacher_mismatches(scores, active)
    return Program(parsed_roster, sessions, scores, summary, by_teacher, issues)


def read_roster(settings: Settings, workspace: Workspace) -> tuple[Roster, list[DataIssue]]:
    """Only the roster (one read), for a job that needs no sessions or grades."""
    source = settings.sources.roster
    try:
        grids = {
            (source.spreadsheet, tab): grid
            for tab, grid in workspace.spreadsheets.read_tabs(
                source.spreadsheet, [source.tab]
            ).items()
        }
    except WorkspaceError as error:
        issue = _unreadable_source(source.spreadsheet, source.tab, error)
        raise WorkspaceError(issue.sentence()) from None
    return _usable_roster(settings, grids, [])


def _usable_roster(
    settings: Settings, grids: dict[tuple[str, str], Grid], read_issues: list[DataIssue]
) -> tuple[Roster, list[DataIssue]]:
    """The parsed roster and its issues; stops the run if there is no usable roster, since
    writing from an unreadable or empty one would archive every student."""
    source = settings.sources.roster
    grid = grids.get((source.spreadsheet, source.tab))
    if grid is None:
        raise WorkspaceError(
            next(i.sentence() for i in read_issues if i.source == source.spreadsheet)
        )
    parsed, found = roster.parse(
        grid, source=source.spreadsheet, tab=source.tab, columns=source.columns
    )
    if parsed is None or parsed.active.empty:
        problem = found[-1].sentence() if parsed is None else "it lists no active students"
        raise TutorsyncError(f"The roster cannot be used, so nothing was written: {problem}")
    return parsed, found


def _configured_teachers(settings: Settings) -> list[str]:
    teachers = [book.teacher for book in settings.sources.gradebooks]
    return list(dict.fromkeys([*teachers, *settings.outputs.teacher_spreadsheets]))


def read_sources(
    settings: Settings, workspace: Workspace
) -> tuple[dict[tuple[str, str], Grid], list[DataIssue]]:
    """Every source tab's grid, one read per spreadsheet. A source that cannot be read is a
    data issue (the run goes on without it); the caller decides if the roster is missing."""
    wanted: dict[str, list[str]] = defaultdict(list)
    sources = settings.sources
    wanted[sources.roster.spreadsheet].append(sources.roster.tab)
    for log_source in sources.tutor_logs:
        wanted[log_source.spreadsheet].extend(log_source.tabs)
    for book in sources.gradebooks:
        wanted[book.spreadsheet].append(book.tab)
    grids: dict[tuple[str, str], Grid] = {}
    issues: list[DataIssue] = []
    for spreadsheet, tabs in wanted.items():
        tabs = list(dict.fromkeys(tabs))
        try:
            read = workspace.spreadsheets.read_tabs(spreadsheet, tabs)
        except WorkspaceError as error:
            # Find out which tabs are the trouble, so one bad tab does not hide the others.
            read = {}
            if len(tabs) == 1:
                issues.append(_unreadable_source(spreadsheet, tabs[0], error))
                continue
            for tab in tabs:
                try:
                    read.update(workspace.spreadsheets.read_tabs(spreadsheet, [tab]))
                except WorkspaceError as tab_error:
                    issues.append(_unreadable_source(spreadsheet, tab, tab_error))
        grids.update({(spreadsheet, tab): grid for tab, grid in read.items()})
    return grids, issues


def _unreadable_source(spreadsheet: str, tab: str, error: WorkspaceError) -> DataIssue:
    return DataIssue(
        spreadsheet,
        tab,
        "",
        "",
        f"this source could not be read ({error}), so it was skipped",
        "check the config's spreadsheet and tab names, and the access to the spreadsheet",
    )


def _parse_sessions(settings: Settings, grids) -> tuple[pd.DataFrame, list[DataIssue]]:
    frames, issues = [], []
    for source in settings.sources.tutor_logs:
        for tab in source.tabs:
            if (source.spreadsheet, tab) not in grids:
                continue
            frame, found = tutor_log.parse(
                grids[(source.spreadsheet, tab)],
                source=source.spreadsheet,
                tab=tab,
                columns=source.columns,
                day_first=settings.program.day_first,
            )
            issues += found
            if frame is not None:
                frames.append(frame)
    empty = pd.DataFrame(columns=tutor_log.SESSION_COLUMNS)
    return (pd.concat(frames, ignore_index=True) if frames else empty), issues


def _parse_scores(settings: Settings, grids) -> tuple[pd.DataFrame, list[DataIssue]]:
    books = [b for b in settings.sources.gradebooks if (b.spreadsheet, b.tab) in grids]
    # All gradebooks at once: a program keeps one per class, thousands of small tabs.
    parsed = gradebook.parse_many(
        [
            gradebook.GradebookTab(grids[(b.spreadsheet, b.tab)], b.spreadsheet, b.tab, b.columns)
            for b in books
        ],
        day_first=settings.program.day_first,
        missing_counts_as_zero=settings.grades.missing_counts_as_zero,
    )
    if not any(parsed.found):
        return pd.DataFrame(columns=[*gradebook.SCORE_COLUMNS, "teacher"]), parsed.issues
    teachers = np.array([b.teacher for b in books], dtype=object)
    # Text, as a column assigned one teacher's e-mail per gradebook would be.
    scores = parsed.scores.assign(teacher=teachers[parsed.tab_of_score])
    return scores.astype({"teacher": "str"}), parsed.issues


def _match(records: pd.DataFrame, parsed_roster: Roster) -> tuple[pd.DataFrame, list[DataIssue]]:
    student_ids, issues = match_students(records, parsed_roster.students)
    # Unmatched rows are dropped before the student IDs are added: one copy of millions of
    # rows, not two.
    found = student_ids.notna().to_numpy()
    matched = records[found].assign(student_id=student_ids[found])
    return matched.reset_index(drop=True), issues


def _roster_teacher_mismatches(scores: pd.DataFrame, active: pd.DataFrame) -> list[DataIssue]:
    """A student graded in a gradebook whose teacher the roster does not list for them."""
    if scores.empty:
        return []
    rows = scores.drop_duplicates(["source", "tab", "student_id"])
    rows = rows[rows["student_id"].isin(active.index)]
    teachers_of = active["teachers"].to_dict()  # a dict: one lookup per row, not a frame's
    listed = [t in teachers_of[s] for s, t in zip(rows["student_id"], rows["teacher"], strict=True)]
    rows = rows[~np.array(listed, dtype=bool)]
    return [
        DataIssue(
            row["source"],
            row["tab"],
            row["student_cell"],
            row["student_id"],
            f"{active.at[row['student_id'], 'name']} is in {row['teacher']}'s gradebook, but the "
            "roster does not list that teacher for them, so these grades count only in the "
            "coordinator summary",
            "add a roster row for this student with this teacher, or remove the row from the "
            "gradebook",
            Severity.WARNING,
        )
        for _, row in rows.iterrows()
    ]


def _in_reading_order(progress: pd.DataFrame) -> pd.DataFrame:
    """Students who need attention first, then by name, then ID, so rows stay put between runs."""
    order = progress.assign(
        _attention=progress["status"] != planning.ATTENTION_STATUS,
        _name=progress["name_key"],
        _id=progress.index,
    ).sort_values(["_attention", "_name", "_id"])
    return order.drop(columns=["_attention", "_name", "_id"])


def keys(settings: Settings) -> dict[str, str]:
    """The stable keys of this program's owned tabs."""
    program = settings.program.key
    return {
        "summary": f"tutorsync:{program}:summary",
        "issues": f"tutorsync:{program}:data-issues",
        "run_log": f"tutorsync:{program}:run-log",
        "feedback": f"tutorsync:{program}:teacher-feedback",
        "student_list": templates.student_list_key(program),
    }


def teacher_key(settings: Settings, teacher: str) -> str:
    return f"tutorsync:{settings.program.key}:teacher:{teacher}"


def configured_targets(settings: Settings) -> dict[str, str]:
    """Teacher e-mail -> spreadsheet for their tab, for every teacher the config places: a
    configured spreadsheet, else their first gradebook that is not a .csv file."""
    # One pass over the gradebooks, not one per teacher: a program may keep thousands.
    first_gradebook: dict[str, str] = {}
    for book in settings.sources.gradebooks:
        if not book.spreadsheet.lower().endswith(".csv"):
            first_gradebook.setdefault(book.teacher, book.spreadsheet)
    targets = {}
    for teacher in _configured_teachers(settings):
        spreadsheet = settings.outputs.teacher_spreadsheets.get(
            teacher, first_gradebook.get(teacher)
        )
        if spreadsheet is not None:
            targets[teacher] = spreadsheet
    return targets


def tutor_log_targets(settings: Settings) -> list[str]:
    """The tutor log spreadsheets tutorsync writes into (its Student list tab; the first also
    holds Teacher feedback): every tutor log but .csv files, which hold one tab."""
    logs = [source.spreadsheet for source in settings.sources.tutor_logs]
    if settings.outputs.feedback_spreadsheet:
        logs.append(settings.outputs.feedback_spreadsheet)
    return [s for s in dict.fromkeys(logs) if not s.lower().endswith(".csv")]


def feedback_spreadsheet(settings: Settings) -> str | None:
    targets = tutor_log_targets(settings)
    return settings.outputs.feedback_spreadsheet or (targets[0] if targets else None)


@planning.cycle_collection_paused
def tutor_log_tabs(
    settings: Settings, program: Program, states: dict[str, SpreadsheetState], *, as_of: date
) -> list[tuple[str, TabWrite, str]]:
    """The Student list in each tutor log tutorsync can write, and Teacher feedback in the
    first: teachers' notes to tutors, from the teacher tabs as they stand before this run."""
    tab_keys = keys(settings)
    active = program.roster.active
    desired = []
    listing = None  # the same in every tutor log: built once, shared (TabWrite is frozen)
    for spreadsheet in tutor_log_targets(settings):
        if spreadsheet not in states:
            continue
        listing = listing or feedback.student_list_tab(
            key=tab_keys["student_list"], title=settings.outputs.student_list_tab, students=active
        )
        desired.append((spreadsheet, listing, "the student IDs the tutor log is checked against"))
    target = feedback_spreadsheet(settings)
    if target is None or target not in states:
        return desired
    notes = [
        note
        for teacher, spreadsheet in configured_targets(settings).items()
        if spreadsheet in states
        for note in feedback.notes_on_tab(
            teacher, states[spreadsheet].owned.get(teacher_key(settings, teacher))
        )
    ]
    tab = feedback.feedback_tab(
        key=tab_keys["feedback"],
        title=settings.outputs.feedback_tab,
        notes=notes,
        students=active,
        current=states[target].owned.get(tab_keys["feedback"]),
        today=as_of,
    )
    desired.append((target, tab, "teachers' notes to tutors"))
    return desired


def unplaced_teachers(settings: Settings, program: Program) -> list[DataIssue]:
    """Teachers with students on the roster but nowhere to put their tab (their students
    still appear in the coordinator summary)."""
    placed = configured_targets(settings)
    return [
        DataIssue(
            settings.sources.roster.spreadsheet,
            settings.sources.roster.tab,
            "",
            teacher,
            f"{teacher} teaches {len(students)} active student(s) on the roster but has no "
            "gradebook in the config, so no progress tab was written for them",
            f"add their gradebook under [[sources.gradebooks]], or set "
            f'outputs.teacher_spreadsheets."{teacher}"',
            Severity.WARNING,
        )
        for teacher, students in program.by_teacher.items()
        if teacher not in placed
    ]


@planning.cycle_collection_paused
def desired_tabs(
    settings: Settings,
    program: Program,
    targets: dict[str, str],
    states: dict[str, SpreadsheetState],
    workspace: Workspace,
    folder_links: dict[str, str] | None = None,
    next_checkins: dict[tuple[str, str], tuple[datetime, CalendarEvent]] | None = None,
    *,
    updated: str = "",
) -> list[tuple[str, TabWrite, str]]:
    """Every owned tab's desired content (spreadsheet, tab, reason), teacher tabs first so the
    coordinator spreadsheet, which carries the run log, is written last. Links to folders and
    check-ins this run does not know are carried as they are."""
    out = settings.outputs
    folder = outputs.folder_column(folder_links is not None) if settings.folders else None
    checkin = outputs.next_checkin_column(next_checkins is not None) if settings.checkins else None
    # Per teacher (None: any teacher, for the summary), each student's soonest check-in, found
    # in one pass rather than one pass over every check-in per tab.
    soonest_with: dict[str | None, dict[str, tuple[datetime, CalendarEvent]]] = defaultdict(dict)
    for (student_id, with_teacher), meeting in (next_checkins or {}).items():
        for soonest in (soonest_with[with_teacher], soonest_with[None]):
            if student_id not in soonest or meeting[0] < soonest[student_id][0]:
                soonest[student_id] = meeting

    def with_links(
        progress: pd.DataFrame, spreadsheet: str, teacher: str | None = None
    ) -> pd.DataFrame:
        if folder is not None and folder_links is not None:
            progress = progress.assign(
                folder=_column(
                    progress,
                    lambda student_id: (
                        Link(
                            outputs.FOLDER_LINK_TEXT,
                            workspace.drive.link(url, from_spreadsheet=spreadsheet),
                        )
                        if (url := folder_links.get(student_id))
                        else None
                    ),
                )
            )
        if checkin is not None and next_checkins is not None:
            calendar = settings.checkins.calendar if settings.checkins else ""
            # The student's next meeting with this teacher, or with any (the summary).
            soonest = soonest_with.get(teacher, {})

            def next_link(student_id: str) -> Link | None:
                if student_id not in soonest:
                    return None
                start, event = soonest[student_id]
                url = workspace.calendar.link(calendar, event, from_spreadsheet=spreadsheet)
                return Link(start.strftime("%a %Y-%m-%d %H:%M"), url)

            progress = progress.assign(next_checkin=_column(progress, next_link))
        return progress

    window = settings.thresholds.window_days
    tab_keys = keys(settings)
    desired = []
    sharing = defaultdict(list)
    for teacher, spreadsheet in targets.items():
        sharing[spreadsheet].append(teacher)
    for teacher, spreadsheet in sorted(targets.items()):
        key = teacher_key(settings, teacher)
        # Two teachers whose tabs share one spreadsheet need two titles.
        title = (
            out.teacher_tab if len(sharing[spreadsheet]) == 1 else f"{out.teacher_tab} ({teacher})"
        )
        tab = planning.progress_tab(
            key=key,
            title=title,
            columns=outputs.teacher_columns(window, folder, settings.targets, checkin),
            progress=with_links(program.by_teacher[teacher], spreadsheet, teacher),
            current=states[spreadsheet].owned.get(key),
            updated=updated,
        )
        desired.append((spreadsheet, tab, f"progress of {teacher}'s students"))
    coordinator = out.coordinator_spreadsheet
    summary = planning.progress_tab(
        key=tab_keys["summary"],
        title=out.summary_tab,
        columns=outputs.summary_columns(window, folder, settings.targets, checkin),
        progress=with_links(program.summary, coordinator),
        current=states[coordinator].owned.get(tab_keys["summary"]),
        updated=updated,
    )
    # Each teacher opens the summary filtered to their students, without changing anyone's view.
    teachers_column = summary.header.index("Teachers")
    summary = replace(
        summary,
        filter_views=tuple(
            FilterView(f"Students of {teacher}", teachers_column, teacher)
            for teacher in sorted(program.by_teacher)
            if not program.by_teacher[teacher].empty
        ),
    )
    desired.append((coordinator, summary, "progress of every active student"))
    issues = planning.issues_tab(
        key=tab_keys["issues"],
        title=out.issues_tab,
        issues=program.issues,
        link=lambda issue: workspace.link(
            issue.source, issue.tab, planning.issue_a1(issue), from_spreadsheet=coordinator
        ),
    )
    desired.append((coordinator, issues, f"{len(program.issues)} data issue(s)"))
    return desired


def _column(progress: pd.DataFrame, cell: Callable[[str], object]) -> pd.Series:
    """A column of cells, one per student (the frame's index)."""
    return pd.Series([cell(str(i)) for i in progress.index], index=progress.index, dtype=object)


def read_states(
    workspace: Workspace, spreadsheets: set[str], *, needed: str
) -> tuple[dict[str, SpreadsheetState], list[str]]:
    """Current owned tabs of every spreadsheet tutorsync will write, and the spreadsheets that
    could not be read (e.g. open in Excel): those are left alone this run. Only `needed`, the
    coordinator's, stops the run, before anything is written."""
    states, failures = {}, []
    for spreadsheet in sorted(spreadsheets):
        try:
            states[spreadsheet] = workspace.spreadsheets.read_state(spreadsheet)
        except WorkspaceError as error:
            if spreadsheet == needed:
                raise
            failures.append(f"{spreadsheet} was left as it is: {error}")
    return states, failures


def apply(workspace: Workspace, actions: Sequence[planning.WriteTab]) -> list[str]:
    """Write each spreadsheet's tabs in one atomic write, in plan order. A spreadsheet that
    fails is reported and the others are still written; returns the failures."""
    by_spreadsheet: dict[str, list[TabWrite]] = defaultdict(list)
    for action in actions:
        by_spreadsheet[action.spreadsheet].append(action.tab)
    failures = []
    for spreadsheet, tabs in by_spreadsheet.items():
        try:
            workspace.spreadsheets.write_owned_tabs(spreadsheet, tabs)
        except WorkspaceError as error:
            log.warning("could not write %s: %s", spreadsheet, error)
            failures.append(f"{spreadsheet}: {error}")
    return failures


def _run_log_entry(report: RunReport, run_at: datetime, seconds: float) -> dict[str, CellValue]:
    return {
        "run_at": run_at.replace(microsecond=0, tzinfo=None),
        "job": report.job,
        "status": "ok"
        if report.ok
        else f"failed: {len(report.failures)} spreadsheet(s) not written",
        "as_of": report.as_of,
        "students": report.students,
        "sessions": report.sessions,
        "scores": report.scores,
        "issues": len(report.issues),
        "cells_changed": report.cells_changed,
        "seconds": round(seconds, 1),
    }


def _run_log_tab(
    settings: Settings, states: dict[str, SpreadsheetState], entry: dict[str, CellValue]
) -> tuple[str, TabWrite, str]:
    coordinator = settings.outputs.coordinator_spreadsheet
    key = keys(settings)["run_log"]
    tab = planning.run_log_tab(
        key=key,
        title=settings.outputs.run_log_tab,
        current=states[coordinator].owned.get(key),
        entry=entry,
    )
    return coordinator, tab, "one row for this run"
