"""Reconcile a program: the parsed rows matched to roster students, and every active student's
progress, for the coordinator and for each teacher. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from jobs.parse import ParsedSources
from jobs.reconcile.assessments import growth, growth_by_student
from jobs.reconcile.figures import (
    count_sessions,
    datetimes,
    grade_figures,
    grade_figures_by,
    student_progress,
    unweighted_categories,
)
from jobs.reconcile.goals import goal_progress, measured, with_goals
from jobs.reconcile.matching import CLASSMATE, RosterLookup, student_positions
from jobs.settings import Settings
from jobs.stage import cycle_collection_paused
from sheets_schema.gradebook import ScoreTables
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.outputs import STATUS_LEVELS
from sheets_schema.roster import Roster
from sheets_schema.staff import NO_STAFF, Staff
from sheets_schema.table import with_none_last


@dataclass(frozen=True)
class Reconciled:
    """A program's sources parsed and reconciled: who the students are and how they do."""

    roster: Roster
    sessions: pd.DataFrame  # matched sessions (student_id set); text columns categorical
    scores: pd.DataFrame  # matched scores with the gradebook's teacher; likewise
    summary: pd.DataFrame  # progress of every active student, all gradebooks
    by_teacher: TeacherRows  # teacher e-mail -> progress of their active students
    issues: list[DataIssue] = field(default_factory=list)
    staff: Staff = NO_STAFF  # names for the e-mail addresses, to show
    # Benchmark growth per student and test (jobs.reconcile.assessments.GROWTH_COLUMNS);
    # None without assessment results in the config.
    assessment_growth: pd.DataFrame | None = None
    # Marks of gradebook students not in the program (jobs.reconcile.matching), as `scores`,
    # each student_id a "classmate N" of no roster: read for Impact's class comparison only.
    classmates: pd.DataFrame | None = None
    # A row per goal of an active student on the Goals tab (jobs.reconcile.goals
    # GOAL_PROGRESS_COLUMNS); None without [sources.goals] in the config.
    goals: pd.DataFrame | None = None

    @property
    def unusable_sources(self) -> list[DataIssue]:
        """The source tabs that could not be used at all: figures from them would pretend
        them empty, so none are written (fail closed)."""
        return [issue for issue in self.issues if issue.source_unusable]


@cycle_collection_paused
def reconcile(settings: Settings, parsed: ParsedSources, *, as_of: date) -> Reconciled:
    """Match the parsed rows to roster students and compute their progress as of `as_of`."""
    parsed_roster, issues = parsed.roster, list(parsed.issues)
    lookup = RosterLookup.of(parsed_roster.students)
    sessions, found = _match_sessions(parsed.sessions, lookup)
    issues += found
    graded, classmates, found = _match_gradebook_rows(parsed.scores, lookup)
    issues += found
    scores = graded.frame()
    session_figures, found = count_sessions(
        sessions, as_of=as_of, window_days=settings.thresholds.window_days
    )
    issues += found
    issues += unweighted_categories(scores, settings.grades.category_weights)
    active = parsed_roster.active

    # A teacher's tab shows grades from their gradebooks only.
    by_student, by_student_and_teacher = grade_figures_by(
        scores,
        [["student_id"], ["student_id", "teacher"]],
        as_of=as_of,
        window_days=settings.thresholds.window_days,
        category_weights=settings.grades.category_weights,
    )

    def progress(students: pd.DataFrame, grades: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return _student_progress(settings, students, session_figures, grades, by=by, as_of=as_of)

    summary = in_reading_order(progress(active, by_student, ["student_id"]))
    # One row per student and teacher.
    enrolments = active.explode("teachers").rename(columns={"teachers": "teacher"})
    enrolments = enrolments[enrolments["teacher"].notna()]
    teacher_rows = progress(enrolments, by_student_and_teacher, ["student_id", "teacher"])
    # A configured teacher with no active students still gets their tab rewritten, so the
    # students who left move to its archive instead of lingering with stale figures.
    by_teacher = TeacherRows.of(teacher_rows, configured_teachers(settings))
    issues += _roster_teacher_mismatches(graded.students, active)
    benchmark = None
    if parsed.assessments is not None:
        benchmark, found = growth(parsed.assessments, lookup, as_of=as_of)
        issues += found
        text = growth_by_student(benchmark)
        summary = _with_growth(summary, text)
        by_teacher = by_teacher.with_rows(_with_growth(by_teacher.rows, text))
    goals = None
    if settings.sources.goals is not None:
        figures = measured(summary, by_teacher.rows, benchmark)
        goals, found = goal_progress(parsed.goals, lookup, figures, parsed.staff, as_of=as_of)
        issues += found
        # Goals add reasons to Why, and so may change a status: the rows are sorted again.
        summary = in_reading_order(with_goals(summary, goals))
        by_teacher = by_teacher.with_rows(with_goals(by_teacher.rows, goals)).in_reading_order()
    return Reconciled(
        parsed_roster,
        sessions,
        scores,
        summary,
        by_teacher,
        issues,
        parsed.staff,
        benchmark,
        classmates,
        goals,
    )


class TeacherRows(Mapping[str, pd.DataFrame]):
    """Each teacher's progress rows by teacher e-mail, indexed by student ID in reading order.
    A program has thousands of teachers, a class each: their rows are kept as one frame,
    teacher after teacher (`rows`), so what is worked out for every teacher's rows is worked
    out once, and a teacher's own frame is made only when asked for."""

    def __init__(self, rows: pd.DataFrame, sizes: Mapping[str, int]) -> None:
        # A copy holds each dtype's columns in one block: a teacher's frame is a slice of
        # every block, and thousands of teachers' frames are sliced.
        self.rows = rows.copy()
        self.sizes = dict(sizes)  # teacher -> how many of `rows` are theirs, in their order
        ends = np.cumsum(list(self.sizes.values()), dtype=np.intp).tolist()
        self._spans = {
            teacher: (end - size, end)
            for (teacher, size), end in zip(self.sizes.items(), ends, strict=True)
        }

    @classmethod
    def of(cls, rows: pd.DataFrame, teachers: Iterable[str]) -> TeacherRows:
        """The rows of each teacher (their `teacher` column), teachers in sorted order, then
        any of `teachers` without rows."""
        teacher, named = pd.factorize(rows["teacher"], sort=True)
        # Student IDs are unique within a teacher, so the order is total.
        in_order = rows.take(_reading_order(rows, [teacher]))
        counts = np.bincount(teacher, minlength=len(named)).tolist()
        sizes = dict(zip(map(str, named), counts, strict=True))
        return cls(in_order, sizes | {t: 0 for t in teachers if t not in sizes})

    def __getitem__(self, teacher: str) -> pd.DataFrame:
        start, end = self._spans[teacher]
        return self.rows.iloc[start:end]

    def __contains__(self, teacher: object) -> bool:
        return teacher in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def positions(self, teachers: Iterable[str]) -> np.ndarray:
        """Where the rows of `teachers` are in `rows`, teacher after teacher."""
        ranges = [np.arange(*self._spans[teacher], dtype=np.intp) for teacher in teachers]
        return np.concatenate(ranges) if ranges else np.zeros(0, dtype=np.intp)

    def with_rows(self, rows: pd.DataFrame) -> TeacherRows:
        """The same teachers' `rows`: these rows with their columns changed."""
        return TeacherRows(rows, self.sizes)

    def in_reading_order(self) -> TeacherRows:
        """Each teacher's rows sorted again, as `in_reading_order` sorts them."""
        teacher = np.repeat(np.arange(len(self.sizes)), list(self.sizes.values()))
        return TeacherRows(self.rows.take(_reading_order(self.rows, [teacher])), self.sizes)


def _with_growth(progress: pd.DataFrame, text: pd.Series) -> pd.DataFrame:
    """The rows with each student's benchmark growth, a line per test (None without any)."""
    shown = [text.get(student_id) for student_id in progress.index]
    return progress.assign(assessment_growth=pd.Series(shown, index=progress.index, dtype=object))


def summary_as_of(settings: Settings, reconciled: Reconciled, as_of: date) -> pd.DataFrame:
    """Every active student's progress as it stood on `as_of` (an earlier day than the run's):
    sessions after it not counted, grades from marks dated up to it."""
    session_figures, _ = count_sessions(
        sessions_up_to(reconciled.sessions, as_of),
        as_of=as_of,
        window_days=settings.thresholds.window_days,
    )
    active = reconciled.roster.active
    return _progress(
        settings, active, session_figures, reconciled.scores, by=["student_id"], as_of=as_of
    )


def sessions_up_to(sessions: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The sessions dated up to `as_of` (undated ones too, which counting reports): counting
    an earlier day's figures would otherwise describe each later session as an issue, to be
    thrown away."""
    dates = datetimes(sessions["session_date"])
    later = dates > np.datetime64(as_of)
    return sessions[~later] if later.any() else sessions


def configured_teachers(settings: Settings) -> list[str]:
    """Every teacher the config names, with a gradebook or a spreadsheet for their tab."""
    teachers = [book.teacher for book in settings.sources.gradebooks]
    return list(dict.fromkeys([*teachers, *settings.outputs.teacher_spreadsheets]))


def _progress(
    settings: Settings,
    students: pd.DataFrame,
    session_figures: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    by: list[str],
    as_of: date,
) -> pd.DataFrame:
    """Each of `students`' progress, grades grouped `by` student (and teacher)."""
    grades = grade_figures(
        scores,
        by=by,
        as_of=as_of,
        window_days=settings.thresholds.window_days,
        category_weights=settings.grades.category_weights,
    )
    return _student_progress(settings, students, session_figures, grades, by=by, as_of=as_of)


def _student_progress(
    settings: Settings,
    students: pd.DataFrame,
    session_figures: pd.DataFrame,
    grades: pd.DataFrame,
    *,
    by: list[str],
    as_of: date,
) -> pd.DataFrame:
    """`student_progress` with the config's thresholds and targets."""
    return student_progress(
        students,
        session_figures,
        grades,
        thresholds=settings.thresholds,
        as_of=as_of,
        by=by,
        targets=settings.targets,
    )


def _match_sessions(
    sessions: pd.DataFrame, roster: RosterLookup
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """The sessions matched to a roster student, each with its student's ID: categorical, a
    code per session into the roster's IDs."""
    positions, issues = student_positions(sessions, roster)
    found = positions >= 0
    ids = pd.Categorical.from_codes(positions[found], categories=roster.students.index)
    if not found.all():  # the millions of sessions are copied only to leave some out
        sessions = sessions[found].reset_index(drop=True)
    return sessions.assign(student_id=ids), issues


def _match_gradebook_rows(
    tables: ScoreTables, roster: RosterLookup
) -> tuple[ScoreTables, pd.DataFrame | None, list[DataIssue]]:
    """The marks of the gradebook rows matched to a roster student, and every row with its
    student's ID (None when not matched, or without marks); the classmates' marks (None
    without any). A row's marks share its typed ID, name and e-mail, so each row is matched
    once, not each of its marks."""
    rows = tables.students
    marked = np.bincount(tables.marks["student_row"].to_numpy(), minlength=len(rows)) > 0
    positions, issues = student_positions(rows[marked], roster, classmates=True)
    classmate = np.zeros(len(rows), dtype=bool)
    classmate[np.flatnonzero(marked)[positions == CLASSMATE]] = True
    ids = np.full(len(rows), None, dtype=object)
    known = np.where(positions == CLASSMATE, -1, positions)  # -1: None, as unmatched
    ids[marked] = with_none_last(roster.students.index.to_numpy(dtype=object))[known]
    matched = replace(tables, students=rows.assign(student_id=pd.Series(ids, dtype=object)))
    classmates = None
    if classmate.any():
        names = pd.Series(None, index=rows.index, dtype=object)
        names[classmate] = [f"classmate {row}" for row in np.flatnonzero(classmate)]
        of_class = replace(tables, students=rows.assign(student_id=names))
        classmates = of_class.of_students(classmate).frame()
    return matched.of_students(pd.notna(ids)), classmates, issues


def _roster_teacher_mismatches(rows: pd.DataFrame, active: pd.DataFrame) -> list[DataIssue]:
    """A student graded in a gradebook whose teacher the roster does not list for them: one
    issue per gradebook and student, at their first row there (`rows` are gradebook rows,
    with their teacher and matched student ID)."""
    rows = rows[rows["student_id"].notna()].drop_duplicates(["source", "tab", "student_id"])
    rows = rows[rows["student_id"].isin(active.index)]
    # A dict: one lookup per row, not a frame's; made from lists, not item by item.
    teachers_of = dict(zip(active.index.tolist(), active["teachers"].tolist(), strict=True))
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


def in_reading_order(progress: pd.DataFrame) -> pd.DataFrame:
    """By status level (Act now, Watch, On track), then by name, then ID, so rows stay put
    between runs; again whenever a reason added later changes a status."""
    return progress.take(_reading_order(progress, []))


def _reading_order(progress: pd.DataFrame, first_by: list[np.ndarray]) -> np.ndarray:
    """The positions of `progress` in reading order, after sorting by the keys `first_by`
    (the last of them first)."""
    level = {status: rank for rank, status in enumerate(STATUS_LEVELS)}
    keys = (progress.index, progress["name_key"], progress["status"].map(level))
    # As sort_values by the three sorts (stably, a blank last), without copying the frame
    # for the keys first.
    return np.lexsort([*(_sort_codes(key) for key in keys), *first_by])


def _sort_codes(values: pd.Series | pd.Index) -> np.ndarray:
    """Each value's rank among the distinct values, a blank after all."""
    codes, distinct = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(distinct), codes)
