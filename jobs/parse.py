"""Parse: every source's grid into typed rows and data issues, not yet matched to students.
Pure; the grids come from `jobs.read`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from jobs.errors import TutorsyncError, WorkspaceError
from jobs.settings import Settings
from jobs.stage import cycle_collection_paused
from sheets_schema import assessments, goals, gradebook, roster, staff, tutor_log
from sheets_schema.assessments import Assessments
from sheets_schema.cells import Grid
from sheets_schema.goals import NO_GOALS, Goals
from sheets_schema.headers import ColumnMapping, map_headers
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.roster import Roster
from sheets_schema.staff import NO_STAFF, Staff
from sheets_schema.table import SourceTab
from sheets_schema.values import detached

Grids = Mapping[tuple[str, str], Grid]  # (spreadsheet, tab) -> grid


@dataclass(frozen=True)
class ParsedSources:
    """Every source parsed, rows not yet matched to students."""

    roster: Roster
    sessions: pd.DataFrame  # tutor_log.SESSION_COLUMNS, every log's tabs in config order
    scores: gradebook.ScoreTables  # every gradebook's marks; its rows also say their teacher
    issues: list[DataIssue]  # the read issues given, then the roster's, logs', gradebooks'
    staff: Staff = NO_STAFF  # names for e-mail addresses, when the config has a staff list
    assessments: Assessments | None = None  # benchmark results, when the config has any
    goals: Goals = NO_GOALS  # the Goals tab's goals, when the config has one and it was read


@dataclass(frozen=True)
class SourceColumns:
    """How one source tab's headers were read (`tutorsync validate` shows it)."""

    spreadsheet: str
    tab: str
    kind: str  # "roster", "tutor log", "gradebook"
    mapping: ColumnMapping


def source_columns(settings: Settings, grids: Grids) -> list[SourceColumns]:
    """Every source tab read, in config order, with how its headers map to fields."""
    sources = settings.sources
    tabs = [(sources.roster.spreadsheet, sources.roster.tab, roster.KIND, sources.roster.columns)]
    tabs += [
        (log.spreadsheet, tab, tutor_log.KIND, log.columns)
        for log in sources.tutor_logs
        for tab in log.tabs
    ]
    tabs += [(b.spreadsheet, b.tab, gradebook.KIND, b.columns) for b in sources.gradebooks]
    tabs += [(a.spreadsheet, a.tab, assessments.KIND, a.columns) for a in sources.assessments]
    if sources.staff is not None:
        tabs.append(
            (sources.staff.spreadsheet, sources.staff.tab, staff.KIND, sources.staff.columns)
        )
    if sources.goals is not None:
        tabs.append(
            (sources.goals.spreadsheet, sources.goals.tab, goals.KIND, sources.goals.columns)
        )
    return [
        SourceColumns(
            spreadsheet, tab, kind.name, map_headers(grids[(spreadsheet, tab)], kind, custom or {})
        )
        for spreadsheet, tab, kind, custom in tabs
        if (spreadsheet, tab) in grids
    ]


@cycle_collection_paused
def parse_sources(settings: Settings, grids: Grids, read_issues: list[DataIssue]) -> ParsedSources:
    """Parse the grids `read_sources` gave. Stops the run without a usable roster."""
    issues = list(read_issues)
    parsed_roster, found = usable_roster(settings, grids, issues)
    issues += found
    sessions, found = _parse_sessions(settings, grids)
    issues += found
    scores, found = _parse_scores(settings, grids)
    issues += found
    people, found = parse_staff(settings, grids)
    issues += found
    results, found = _parse_assessments(settings, grids)
    issues += found
    typed_goals, found = parse_goals(settings, grids)
    issues += found
    issues += _unreadable_characters(grids)
    return ParsedSources(
        parsed_roster, sessions, scores, _detached_values(issues), people, results, typed_goals
    )


def parse_goals(settings: Settings, grids: Grids) -> tuple[Goals, list[DataIssue]]:
    """The Goals tab's goals, if the config has one and it was read (one that could not be
    read is a warning from jobs.read: goals change no figure, so nothing stops for them)."""
    source = settings.sources.goals
    if source is None or (source.spreadsheet, source.tab) not in grids:
        return NO_GOALS, []
    return goals.parse(
        grids[(source.spreadsheet, source.tab)],
        source=source.spreadsheet,
        tab=source.tab,
        columns=source.columns,
        day_first=settings.program.day_first,
    )


def _parse_assessments(
    settings: Settings, grids: Grids
) -> tuple[Assessments | None, list[DataIssue]]:
    """Every benchmark results tab read, as one table; None when the config names none. A
    tab without its columns is an issue that stops the figures, as for any source."""
    if not settings.sources.assessments:
        return None, []
    parts, issues = [], []
    for source in settings.sources.assessments:
        if (source.spreadsheet, source.tab) not in grids:
            continue  # unreadable: jobs.read reported it
        parsed, found = assessments.parse(
            grids[(source.spreadsheet, source.tab)],
            source=source.spreadsheet,
            tab=source.tab,
            columns=source.columns,
            day_first=settings.program.day_first,
        )
        issues += found
        if parsed is not None:
            parts.append(parsed)
    return Assessments.combined(parts), issues


def parse_staff(settings: Settings, grids: Grids) -> tuple[Staff, list[DataIssue]]:
    """The staff list's names, if the config has one and it was read (one that could not be
    read is a warning from jobs.read: names are only shown, so nothing stops for them)."""
    source = settings.sources.staff
    if source is None or (source.spreadsheet, source.tab) not in grids:
        return NO_STAFF, []
    grid = grids[(source.spreadsheet, source.tab)]
    return staff.parse(grid, source=source.spreadsheet, tab=source.tab, columns=source.columns)


def _detached_values(issues: list[DataIssue]) -> list[DataIssue]:
    """The issues, each value (often a cell's own text) a copy that keeps no grid's memory
    (`sheets_schema.values.detached`)."""
    return [replace(issue, value=detached(issue.value)) for issue in issues]


def _unreadable_characters(grids: Grids) -> list[DataIssue]:
    """Cells of a .csv file holding bytes its encoding could not read (U+FFFD stands in for
    them): what was typed there may be wrong, so it is said where, never guessed silently."""
    return [
        DataIssue(
            spreadsheet,
            tab,
            a1(row, column),
            "",
            "some characters in this cell could not be read (the file is not all in one "
            "text encoding), so they show as \ufffd",
            "retype them, then save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8)",
            Severity.WARNING,
        )
        for (spreadsheet, tab), grid in grids.items()
        if spreadsheet.lower().endswith(".csv")
        for row, cells in enumerate(grid)
        for column, cell in enumerate(cells)
        if isinstance(cell, str) and "\ufffd" in cell
    ]


def usable_roster(
    settings: Settings, grids: Grids, read_issues: list[DataIssue]
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


def _parse_sessions(settings: Settings, grids: Grids) -> tuple[pd.DataFrame, list[DataIssue]]:
    # Every log's tabs at once: each column is read in one pass over millions of sessions.
    parsed = tutor_log.parse_many(
        [
            SourceTab(grids[(source.spreadsheet, tab)], source.spreadsheet, tab, source.columns)
            for source in settings.sources.tutor_logs
            for tab in source.tabs
            if (source.spreadsheet, tab) in grids
        ],
        day_first=settings.program.day_first,
    )
    return parsed.sessions, parsed.issues


def _parse_scores(
    settings: Settings, grids: Grids
) -> tuple[gradebook.ScoreTables, list[DataIssue]]:
    books = [b for b in settings.sources.gradebooks if (b.spreadsheet, b.tab) in grids]
    # All gradebooks at once: a program keeps one per class, thousands of small tabs.
    parsed = gradebook.parse_many(
        [SourceTab(grids[(b.spreadsheet, b.tab)], b.spreadsheet, b.tab, b.columns) for b in books],
        day_first=settings.program.day_first,
        missing_counts_as_zero=settings.grades.missing_counts_as_zero,
    )
    tables = parsed.tables
    teachers = np.array([b.teacher for b in books], dtype=object)
    students = tables.students.assign(
        teacher=pd.Series(teachers[tables.students["tab_number"].to_numpy()], dtype=object)
    )
    return replace(tables, students=students), parsed.issues
