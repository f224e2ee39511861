"""The impact view's figures: over a term, each active student's tutoring (attended sessions a
week, and the dosage band that puts them in) beside how their grade moved from the term's first
4 weeks to its last 4, over all their gradebooks and in each teacher's class. Pure.

These figures compare groups of students; they cannot say what tutoring caused (students
tutored more may have differed to begin with), and jobs.plan.impact says so in the tab. The
arithmetic is the progress tabs' own: sessions are counted by count_sessions (future and
repeated sessions left out) and grades by grade_figures (category weights as configured; a
Missing mark counts as zero when the gradebook was parsed so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from jobs.reconcile.figures import count_sessions, datetimes, grade_figures
from jobs.reconcile.program import Reconciled
from jobs.settings import Settings
from sheets_schema.values import Attendance

# The term's first and last weeks whose grades are compared: 4 weeks hold a few assignments of
# every kind (a test among them), as the progress tabs' default window does.
GRADE_WEEKS_DAYS = 28

NOT_TUTORED = "Not tutored"
UNDER_ONE = "Under 1 a week"
ONE_TO_THREE = "1 to 2 a week"
THREE_OR_MORE = "3 or more a week"
BANDS = (NOT_TUTORED, UNDER_ONE, ONE_TO_THREE, THREE_OR_MORE)
# In a class, a student is tutored in any band but Not tutored.
TUTORED_GROUP = "Tutored"
CLASS_GROUPS = (TUTORED_GROUP, NOT_TUTORED)

CLASS_COLUMNS = (
    "teacher",
    "student_id",
    "band",
    "tutored",
    "grade_first_percent",
    "grade_last_percent",
    "grade_change_points",
)
GROUP_FIGURES = ("students", "students_with_change", "median_change_points", "mean_change_points")


@dataclass(frozen=True)
class TermImpact:
    """Every active student's tutoring and grade change over the term `term_start`..`as_of`
    (both days counted).

    `students`, indexed by student ID: sessions (attended in the term), sessions_per_week (over
    the term's days / 7), band (one of BANDS), grade_first_percent, grade_last_percent and
    grade_change_points (last minus first; NaN unless both are there). `classes`, a row per
    teacher with a gradebook and active student the roster lists for them, and per classmate
    not in the program in a gradebook: teacher, student_id, band, tutored, and the same grade
    figures from that teacher's gradebook alone.
    `first_weeks` and `last_weeks` are the days (first, last) whose marks are compared;
    `first_weeks` is None when the term is too short for two windows apart.
    """

    term_start: date
    as_of: date
    first_weeks: tuple[date, date] | None
    last_weeks: tuple[date, date]
    students: pd.DataFrame
    classes: pd.DataFrame


def term_start_of(settings: Settings, reconciled: Reconciled, as_of: date) -> date | None:
    """The configured `impact.term_start`, else the day of the earliest attended session dated
    up to `as_of`; None when there is neither."""
    if settings.impact.term_start is not None:
        return settings.impact.term_start
    sessions = reconciled.sessions
    dates = datetimes(sessions["session_date"])
    attended = (sessions["attendance"] == Attendance.ATTENDED).to_numpy()
    counted = dates[attended & (dates <= np.datetime64(as_of))]
    counted = counted[~np.isnat(counted)]
    return pd.Timestamp(counted.min()).date() if len(counted) else None


def term_impact(
    settings: Settings, reconciled: Reconciled, *, as_of: date, term_start: date
) -> TermImpact:
    """Each active student's tutoring and grade change over the term (see TermImpact).

    Raises ValueError when `term_start` is after `as_of`: there is no term to count yet."""
    if term_start > as_of:
        raise ValueError(
            f"the term starts on {term_start.isoformat()}, after {as_of.isoformat()}, the day "
            "of the figures; set impact.term_start to the day the term began"
        )
    term_days = (as_of - term_start).days + 1
    tutoring, _ = count_sessions(reconciled.sessions, as_of=as_of, window_days=term_days)
    active = reconciled.roster.active
    sessions = tutoring["sessions_in_window"].reindex(active.index).fillna(0).astype("int64")
    per_week = tutoring["sessions_per_week"].reindex(active.index).fillna(0.0)
    has_tutor = active["tutors"].map(len).to_numpy() > 0
    band = dosage_bands(per_week.to_numpy(), tutored=has_tutor | (sessions.to_numpy() > 0))
    students = pd.DataFrame(
        {"sessions": sessions, "sessions_per_week": per_week, "band": band}, index=active.index
    )
    first_weeks, last_weeks = _grade_weeks(term_start, as_of)
    grades = _grade_change(settings, reconciled.scores, ["student_id"], first_weeks, last_weeks)
    students = students.join(grades.reindex(students.index))
    classes = _classes(settings, reconciled, students, first_weeks, last_weeks)
    return TermImpact(term_start, as_of, first_weeks, last_weeks, students, classes)


def dosage_bands(sessions_per_week: np.ndarray, *, tutored: np.ndarray) -> np.ndarray:
    """Each student's band: Not tutored (no tutor on the roster and no attended session),
    else by attended sessions a week: under 1, 1 up to 3, 3 or more."""
    band = np.select(
        [~tutored, sessions_per_week < 1, sessions_per_week < 3],
        [NOT_TUTORED, UNDER_ONE, ONE_TO_THREE],
        default=THREE_OR_MORE,
    )
    return band.astype(object)


def band_figures(impact: TermImpact) -> pd.DataFrame:
    """Per dosage band (every one of BANDS, in order), the GROUP_FIGURES of its students'
    grade change over all their gradebooks."""
    figures = group_figures(impact.students, ["band"])
    return figures.reindex(pd.Index(BANDS, name="band")).pipe(_no_students_is_zero)


def class_figures(impact: TermImpact) -> pd.DataFrame:
    """Per class (teacher, sorted) and group (Tutored, Not tutored: both, for every class),
    the GROUP_FIGURES of its students' grade change in that teacher's gradebook alone."""
    rows = impact.classes.assign(
        group=np.where(impact.classes["tutored"].to_numpy(dtype=bool), TUTORED_GROUP, NOT_TUTORED)
    )
    figures = group_figures(rows, ["teacher", "group"])
    teachers = sorted(set(rows["teacher"].tolist()))
    every = pd.MultiIndex.from_product([teachers, CLASS_GROUPS], names=["teacher", "group"])
    return figures.reindex(every).pipe(_no_students_is_zero)


def group_figures(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of `rows` by `by`: students (rows), students_with_change (rows with a
    grade_change_points), and the median and mean of those changes (NaN without any)."""
    change = rows["grade_change_points"]
    grouped = change.groupby([rows[name] for name in by], sort=True)
    figures = pd.DataFrame(
        {
            "students": grouped.size(),
            "students_with_change": grouped.count(),
            "median_change_points": grouped.median(),
            "mean_change_points": grouped.mean(),
        }
    )
    return figures.rename_axis(by)


def _no_students_is_zero(figures: pd.DataFrame) -> pd.DataFrame:
    """Groups no student is in, reindexed in: counts of 0, not NaN."""
    counts = ["students", "students_with_change"]
    return figures.assign(**{name: figures[name].fillna(0).astype("int64") for name in counts})


def _grade_weeks(
    term_start: date, as_of: date
) -> tuple[tuple[date, date] | None, tuple[date, date]]:
    """The days (first, last) of the term's first weeks and of its last weeks. The first end
    before the last begin, so no mark counts on both sides of a change; a term shorter than
    the two has no first weeks."""
    last_start = as_of - timedelta(days=GRADE_WEEKS_DAYS - 1)
    first_end = min(term_start + timedelta(days=GRADE_WEEKS_DAYS - 1), last_start - timedelta(1))
    first = (term_start, first_end) if first_end >= term_start else None
    return first, (last_start, as_of)


def _grade_change(
    settings: Settings,
    scores: pd.DataFrame,
    by: list[str],
    first_weeks: tuple[date, date] | None,
    last_weeks: tuple[date, date],
) -> pd.DataFrame:
    """Per group of `scores` by `by`: grade_first_percent and grade_last_percent over the marks
    dated in those days, and grade_change_points, their difference."""
    last = _grade_in(settings, scores, by, last_weeks)
    first = (
        _grade_in(settings, scores, by, first_weeks)
        if first_weeks is not None
        else pd.Series(np.nan, index=last.index)
    )
    grades = pd.DataFrame({"grade_first_percent": first, "grade_last_percent": last})
    grades["grade_change_points"] = grades["grade_last_percent"] - grades["grade_first_percent"]
    return grades


def _grade_in(
    settings: Settings, scores: pd.DataFrame, by: list[str], days: tuple[date, date]
) -> pd.Series:
    """Per group, the grade % over the marks dated from days[0] to days[1]: grade_figures'
    "recent" window, ending on the last day and as long as the days."""
    first, last = days
    figures = grade_figures(
        scores,
        by=by,
        as_of=last,
        window_days=(last - first).days + 1,
        category_weights=settings.grades.category_weights,
    )
    return figures["grade_recent_percent"]


def _classes(
    settings: Settings,
    reconciled: Reconciled,
    students: pd.DataFrame,
    first_weeks: tuple[date, date] | None,
    last_weeks: tuple[date, date],
) -> pd.DataFrame:
    """A row per active student and teacher with a gradebook the roster lists for them, with
    grades from that gradebook only: the same assignments for everyone in the class; then a
    row per classmate not in the program."""
    gradebook_teachers = {book.teacher for book in settings.sources.gradebooks}
    active = reconciled.roster.active
    enrolments = active[["teachers"]].explode("teachers").rename(columns={"teachers": "teacher"})
    enrolments = enrolments[enrolments["teacher"].isin(gradebook_teachers)]
    by = ["student_id", "teacher"]
    weeks = (first_weeks, last_weeks)
    grades = _grade_change(settings, reconciled.scores, by, *weeks)
    grades = grades.reset_index().astype({name: object for name in by})
    rows = enrolments.reset_index().astype({name: object for name in by})
    rows = rows.merge(grades, on=by, how="left")
    band = students["band"].reindex(rows["student_id"]).to_numpy()
    rows = rows.assign(band=band, tutored=band != NOT_TUTORED)[list(CLASS_COLUMNS)]
    if reconciled.classmates is None:
        return rows
    return pd.concat([rows, _classmates(settings, reconciled.classmates, by, *weeks)])


def _classmates(
    settings: Settings,
    classmates: pd.DataFrame,
    by: list[str],
    first_weeks: tuple[date, date] | None,
    last_weeks: tuple[date, date],
) -> pd.DataFrame:
    """A row per classmate not in the program (jobs.reconcile.matching) and teacher: Not
    tutored, graded on their class's assignments as the tutored students are."""
    grades = _grade_change(settings, classmates, by, first_weeks, last_weeks)
    rows = grades.reset_index().astype({name: object for name in by})
    return rows.assign(band=NOT_TUTORED, tutored=False)[list(CLASS_COLUMNS)]
