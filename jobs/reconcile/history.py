"""A program week by week, for the History tab: each ISO week's tutoring (attended sessions,
their minutes, attendance) and each student's grade, status and flags as they stood at the
week's end, or on the day of the figures for the week still running. Pure.

A week's figures depend only on the sources and the week, never on when a run happened, so
the History a program builds run by run and the one rebuilt from the sources are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from jobs.reconcile.figures import datetimes
from jobs.reconcile.goals import without_goal_reasons
from jobs.reconcile.program import Reconciled, summary_as_of
from jobs.settings import Settings


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday `start`) counted up to `as_of`: its Sunday once it has ended, the
    day of the figures while it runs."""

    start: date
    as_of: date

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def ended(self) -> bool:
        return self.as_of == self.start + timedelta(days=6)


def week_of(day: date, as_of: date) -> Week:
    """The week holding `day`, counted up to its Sunday, or to `as_of` if that comes first."""
    start = day - timedelta(days=day.weekday())
    return Week(start, min(start + timedelta(days=6), as_of))


def weeks_between(first: date, as_of: date) -> list[Week]:
    """Every week from the one holding `first` to the one holding `as_of`."""
    weeks, week = [], week_of(first, as_of)
    while week.start <= as_of:
        weeks.append(week)
        week = week_of(week.start + timedelta(days=7), as_of)
    return weeks


def week_figures(
    settings: Settings, reconciled: Reconciled, week: Week, *, today: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per student whose history has begun by the week's end (a session or a mark
    dated up to it, or an undated mark: the roster says who is tutored now, not since when),
    indexed by student ID in reading order: sessions, minutes and attendance_rate of the week,
    and grade_percent, status and student_flags at its end. `today` is the run's summary,
    reused when the week is counted up to the run's day."""
    if today is not None:
        summary = without_goal_reasons(today)  # as the week will be counted once it ends
    else:
        summary = summary_as_of(settings, reconciled, week.as_of)
    begun = summary.index.isin(_begun(reconciled, week.as_of))
    rows = summary.loc[begun]
    # The summary counted the week holding its day already (count_sessions' _this_week).
    return rows[["grade_percent", "status", "student_flags"]].assign(
        sessions=rows["sessions_this_week"].fillna(0).astype("int64"),
        minutes=rows["minutes_this_week"].fillna(0.0),
        attendance_rate=rows["attendance_rate_this_week"],
    )


def _begun(reconciled: Reconciled, as_of: date) -> list[object]:
    """Students with a session dated up to `as_of`, or a mark dated up to it or undated."""
    limit = np.datetime64(as_of)
    begun: list[object] = []
    for rows, column, undated_counts in (
        (reconciled.sessions, "session_date", False),
        (reconciled.scores, "due", True),
    ):
        dates = datetimes(rows[column])
        counted = (dates <= limit) | (np.isnat(dates) & undated_counts)
        # Each student once, by their code in the categorical column, not once per row:
        # counted, not sorted (millions of marks, some hundred thousand students).
        students = rows["student_id"].astype("category")
        codes = students.cat.codes.to_numpy()[counted]
        of_each = np.bincount(codes[codes >= 0], minlength=len(students.cat.categories))
        begun += students.cat.categories[np.flatnonzero(of_each)].tolist()
    return begun
