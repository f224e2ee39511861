"""Per-student progress from matched sessions and scores: pure, with `as_of` as a parameter.

The definitions here are the ones the README documents; change them together.
Windows are half-open on the left: (as_of - window_days, as_of].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import numpy as np
import pandas as pd

from jobs.settings import Targets, Thresholds
from sheets_schema.headers import header_key
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.outputs import ACT_NOW_STATUS, ON_TRACK_STATUS, WATCH_STATUS
from sheets_schema.table import ROW, as_objects, distinct_codes, with_none_last
from sheets_schema.values import Attendance

# Flags that call for action now: no tutoring lately, a falling grade, a tutor asking. Any
# other flag (dosage below target among them) means Watch; none, On track.
ACT_NOW_FLAGS = frozenset({"no_recent_session", "grade_drop", "follow_up"})


@dataclass(frozen=True)
class Win:
    """Something to celebrate, said in a sentence (the seeds: celebrate achievements)."""

    code: str
    sentence: str


@dataclass(frozen=True)
class Flag:
    """A reason a student needs attention: a stable code (for config such as check-in
    triggers) and a sentence an educator can act on."""

    code: str
    sentence: str


def count_sessions(
    sessions: pd.DataFrame, *, as_of: date, window_days: int
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Session figures per student ID, after dropping future and duplicate sessions.

    `sessions` has student_id, session_date, minutes, attendance, tutor, follow_up, source, tab,
    row and date_cell. Returns a frame indexed by student ID with sessions_in_window,
    minutes_in_window, attendance_rate (NaN when nothing to divide), last_session_date and
    follow_up_date; and sessions_this_week, minutes_this_week and attendance_rate_this_week,
    the same over the ISO week holding `as_of` (its Monday to `as_of`), the Weekly history's
    figures for that week, counted here so that the sessions are not counted again for it.
    """
    # Sessions are grouped by student once, by number; every figure is over arrays of those
    # numbers, not over copies of millions of rows.
    student, students = _groups(sessions, ["student_id"])
    dates = datetimes(sessions["session_date"])
    future = dates > np.datetime64(as_of)
    issues = _future_session_issues(sessions[future], as_of)
    keep, found = _sessions_counted(sessions, student, dates, ~future)
    issues += found
    kept = np.flatnonzero(keep)
    figures = _session_figures(sessions, kept, student, dates, as_of, window_days)
    for column, figure in (("notes", "latest_tutor_notes"), ("next_steps", "next_steps")):
        figures[figure] = (
            _latest_text(sessions[column], kept, student, dates)
            if column in sessions
            else pd.Series(dtype=object)
        )
    named = figures.set_axis(students[figures.index.to_numpy()])
    return named, issues


def datetimes(column: pd.Series) -> np.ndarray:
    """pd.to_datetime of the column, a categorical one's dates converted once each."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return pd.to_datetime(column).to_numpy()
    # Code -1, a session without a date, reads the NaT appended last.
    dates = pd.to_datetime(pd.Series(with_none_last(column.cat.categories.tolist())))
    return dates.to_numpy()[column.cat.codes.to_numpy()]


def _future_session_issues(future: pd.DataFrame, as_of: date) -> list[DataIssue]:
    return [
        DataIssue(
            session["source"],
            session["tab"],
            session["date_cell"],
            session["session_date"].isoformat(),
            f"this session is dated after {as_of.isoformat()}, the day the figures are "
            "for, so it was not counted",
            "check the date; if it is a planned session, log it after it happens",
        )
        for _, session in as_objects(future).iterrows()
    ]


def _sessions_counted(
    sessions: pd.DataFrame, student: np.ndarray, dates: np.ndarray, not_future: np.ndarray
) -> tuple[np.ndarray, list[DataIssue]]:
    """Which sessions count: those not in the future, each logged once (a repeat of the
    same student, date, tutor and minutes is dropped with an issue)."""
    rows = np.flatnonzero(not_future)
    # As .str.strip().str.lower() gives it, once per tutor rather than once per session.
    tutor_key, tutor_keys = _keyed(sessions["tutor"], _tutor_key)
    same = _same_values(
        [
            (student[rows] + 1, int(student.max(initial=-1)) + 2),  # -1, no student: 0
            _codes(dates[rows]),
            (tutor_key[rows] + 1, len(tutor_keys) + 1),
            _codes(sessions["minutes"].to_numpy()[rows]),
        ]
    )
    first = _first_met(same)
    keep = not_future.copy()
    if first.all():
        return keep, []
    keep[rows[~first]] = False
    originals = rows[np.flatnonzero(first)[same[~first]]]  # each repeat's first logging
    return keep, _duplicate_session_issues(sessions, rows[~first], originals, dates)


def _tutor_key(tutor: object) -> object:
    return tutor.strip().lower() if isinstance(tutor, str) else None


def _keyed(column: pd.Series, key: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a number standing for `key` of its value (equal keys, equal numbers; -1 for
    a key of None or a missing value), and the keys by number. Each distinct value's key is
    found once."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        values, codes = column.cat.categories.tolist(), column.cat.codes.to_numpy()
    else:
        codes, values = distinct_codes(column.tolist())
    keys = np.array([key(value) for value in values] + [None], dtype=object)
    key_codes, distinct_keys = pd.factorize(keys)
    return key_codes[codes], distinct_keys  # code -1 (missing) takes the None appended last


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """A code per value and how many there are (NaN equals NaN, as DataFrame.duplicated
    has it)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return codes, len(distinct)


def _same_values(columns: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """Per row, a number that rows holding the same codes in every column share, numbered as
    first met; each column is codes from 0 and how many there may be."""
    same, span = np.zeros(len(columns[0][0]), dtype=np.int64), 1
    for codes, size in columns:
        if span * size >= 2**62:  # the codes so far renumbered first, to stay exact
            same, distinct = pd.factorize(same)
            span = len(distinct)
        same, span = same * size + codes, span * size
    return pd.factorize(same)[0]


def _first_met(codes: np.ndarray) -> np.ndarray:
    """Whether each row is the first of its number (numbered as first met)."""
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return first


def _duplicate_session_issues(
    sessions: pd.DataFrame, repeats: np.ndarray, originals: np.ndarray, dates: np.ndarray
) -> list[DataIssue]:
    where = as_objects(sessions[["source", "tab", ROW]])
    source, tab, row = (where[name].to_numpy() for name in ("source", "tab", ROW))
    return [
        DataIssue(
            source[repeat],
            tab[repeat],
            f"row {row[repeat] + 1}",
            pd.Timestamp(dates[repeat]).date().isoformat(),
            "this session (same student, date, tutor and minutes) is also logged in "
            f"{tab[original]} row {row[original] + 1}, so it was counted once",
            "delete one of the two rows, or correct it if they were different sessions",
            Severity.WARNING,
        )
        for repeat, original in zip(repeats.tolist(), originals.tolist(), strict=True)
    ]


def _session_figures(
    sessions: pd.DataFrame,
    kept: np.ndarray,
    student: np.ndarray,
    dates: np.ndarray,
    as_of: date,
    window_days: int,
) -> pd.DataFrame:
    """count_sessions' figures from the sessions `kept`, indexed by student number."""
    date = pd.Series(dates[kept])
    in_window = (date > pd.Timestamp(as_of) - pd.Timedelta(days=window_days)).to_numpy()
    in_week = (date > pd.Timestamp(as_of) - pd.Timedelta(days=as_of.weekday() + 1)).to_numpy()
    attendance = sessions["attendance"]
    attended = (attendance == Attendance.ATTENDED).to_numpy()[kept]
    counted_for_rate = attendance.isin(
        [Attendance.ATTENDED, Attendance.ABSENT, Attendance.NO_SHOW]
    ).to_numpy()[kept]
    minutes = pd.Series(sessions["minutes"].to_numpy()[kept])
    follow_up = sessions["follow_up"].to_numpy()[kept].astype(bool)
    by_student = pd.DataFrame(
        {
            "attended_in_window": attended & in_window,
            "minutes_in_window": minutes.where(attended & in_window, 0.0).fillna(0.0),
            "rate_denominator": counted_for_rate & in_window,
            "attended_this_week": attended & in_week,
            "minutes_this_week": minutes.where(attended & in_week, 0.0).fillna(0.0),
            "rate_denominator_this_week": counted_for_rate & in_week,
            "attended_date": date.where(attended),
            "follow_up_date": date.where(follow_up & in_window),
        }
    ).groupby(student[kept])
    figures = pd.DataFrame(
        {
            "sessions_in_window": by_student["attended_in_window"].sum().astype("int64"),
            "minutes_in_window": by_student["minutes_in_window"].sum(),
            "attendance_denominator": by_student["rate_denominator"].sum(),
            "last_session_date": by_student["attended_date"].max(),
            "follow_up_date": by_student["follow_up_date"].max(),
            "sessions_this_week": by_student["attended_this_week"].sum().astype("int64"),
            "minutes_this_week": by_student["minutes_this_week"].sum(),
            "attendance_rate_this_week": _rate(
                by_student["attended_this_week"].sum(),
                by_student["rate_denominator_this_week"].sum(),
            ),
        }
    ).drop(index=-1, errors="ignore")  # sessions of no student
    # Exact figures: a tab rounds them only as it shows them (plan.tabs), so what is worked
    # out from them (a rate, a change, a flag) is never worked out from a rounded number.
    figures["attendance_rate"] = _rate(
        figures["sessions_in_window"], figures["attendance_denominator"]
    )
    weeks = window_days / 7
    figures["sessions_per_week"] = figures["sessions_in_window"] / weeks
    figures["minutes_per_week"] = figures["minutes_in_window"] / weeks
    return figures.drop(columns="attendance_denominator")


def _rate(attended: pd.Series, counted: pd.Series) -> pd.Series:
    """Sessions attended over sessions that count for attendance, NaN when none count."""
    return attended / counted.replace(0, np.nan)


def _latest_text(
    notes: pd.Series, kept: np.ndarray, student: np.ndarray, dates: np.ndarray
) -> pd.Series:
    """Per student number, the text of their latest session that has some, as "2026-11-17:
    text" (for teachers to read what the tutor last wrote)."""
    text, texts = _keyed(notes, _text_of)
    text = text[kept]
    written = text >= 0
    student, day, text = student[kept][written], dates[kept][written], text[written]
    latest = _latest_of_each(student, day)
    day, text = day[latest].astype("datetime64[D]"), text[latest]
    pair, _ = pd.factorize(day.view(np.int64) * len(texts) + text)
    first = np.flatnonzero(_first_met(pair))
    shown = [
        f"{pd.Timestamp(d).date().isoformat()}: {_within_a_cell(texts[t])}"
        for d, t in zip(day[first], text[first], strict=True)
    ]
    return pd.Series(np.array(shown, dtype=object)[pair], index=student[latest], dtype=object)


def _latest_of_each(student: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Positions of each student's latest session, as a sort by date (quicksort) and each
    student's last row give them. When no student has two sessions on their latest date,
    that is each student's one session on its latest date, found without sorting."""
    of_a_student = student >= 0  # not sessions of no student
    day = dates.view(np.int64)
    latest_day = np.full(int(student.max(initial=0)) + 1, np.iinfo(np.int64).min)
    np.maximum.at(latest_day, student[of_a_student], day[of_a_student])
    on_latest = of_a_student & (day == latest_day[np.maximum(student, 0)])
    if not np.isnat(dates).any() and (np.bincount(student[on_latest]) <= 1).all():
        return np.flatnonzero(on_latest)
    dated = pd.DataFrame({"student": student, "session_date": dates})
    tail = dated.sort_values("session_date").groupby("student").tail(1).index.to_numpy()
    return tail[student[tail] >= 0]


def _text_of(value: object) -> str | None:
    """A note's text, None when it has none."""
    text = str(value).strip() if isinstance(value, str) else ""
    return text or None


# UTF-16 code units, as spreadsheets count: a cell holds 32,767 in Excel, 50,000 on Sheets.
NOTE_LIMIT = 30_000


def _within_a_cell(text: str) -> str:
    """A note whole, unless no spreadsheet cell could hold it: then it says where the rest is
    (never cut silently)."""
    units = text.encode("utf-16-le")
    if len(units) <= 2 * NOTE_LIMIT:
        return text
    kept = units[: 2 * NOTE_LIMIT].decode("utf-16-le", errors="ignore")  # whole characters
    return f"{kept} … (the rest is in the tutor log)"


def grade_figures(
    scores: pd.DataFrame,
    *,
    by: Sequence[str],
    as_of: date,
    window_days: int,
    category_weights: Mapping[str, float],
) -> pd.DataFrame:
    """Grade figures grouped by `by` (e.g. student, or student and teacher).

    grade_percent over counted marks dated ≤ as_of or undated; grade_recent_percent and
    grade_prior_percent over marks dated in this window and the one before; grade_change_points
    their difference (NaN if either is empty); missing_count of Missing marks dated ≤ as_of or
    undated. With category weights, each grade is the weighted mean over the categories present.
    """
    [figures] = grade_figures_by(
        scores, [by], as_of=as_of, window_days=window_days, category_weights=category_weights
    )
    return figures


def grade_figures_by(
    scores: pd.DataFrame,
    groupings: Sequence[Sequence[str]],
    *,
    as_of: date,
    window_days: int,
    category_weights: Mapping[str, float],
) -> list[pd.DataFrame]:
    """`grade_figures` grouped by each of `groupings`. Groupings that put the marks in the
    same groups, numbered alike (by student, and by student and teacher, when each student's
    marks are all from one teacher), share their figures, worked out once."""
    # The groups are found once, then every figure is over a subset of marks by their group's
    # number: the same groups, sums in the same order, as grouping each subset by `by` itself.
    worked_out: list[tuple[np.ndarray, pd.DataFrame]] = []
    found = []
    for by in groupings:
        group, groups = _groups(scores, by)
        same = [figures for numbers, figures in worked_out if np.array_equal(numbers, group)]
        figures = same[0] if same else None
        if figures is None:
            figures = _figures_by_number(
                scores, group, len(groups), as_of, window_days, category_weights
            )
            worked_out.append((group, figures))
        found.append(figures.set_axis(groups.take(figures.index.to_numpy())))
    return found


def _figures_by_number(
    scores: pd.DataFrame,
    group: np.ndarray,
    groups: int,
    as_of: date,
    window_days: int,
    category_weights: Mapping[str, float],
) -> pd.DataFrame:
    """`grade_figures` of the marks' groups, indexed by group number (`group`, per mark; -1
    in none). Dates are compared once per due date, not once per mark."""
    due = _Dues(scores["due"], as_of, window_days)
    earned, possible = scores["earned"].to_numpy(), scores["possible"].to_numpy()
    in_a_group = group >= 0
    counted = ~np.isnan(earned) & (possible > 0) & in_a_group
    category = weight = None
    if category_weights:
        # A number per category: only its marks being together matters.
        category = pd.factorize(scores["category"])[0]
        weight = _weights(scores["category"], category_weights)
        counted &= ~np.isnan(weight)
    to_date = due.to_date()

    def percent(kept: np.ndarray) -> np.ndarray:
        return _percent(kept, group, earned, possible, category, weight, groups)

    missing = scores["missing"].to_numpy(dtype=bool) & to_date & in_a_group
    figures = pd.DataFrame(
        {
            "grade_percent": percent(counted & to_date),
            "grade_recent_percent": percent(counted & due.recent()),
            "grade_prior_percent": percent(counted & due.prior()),
            "missing_count": np.bincount(group[missing], minlength=groups),
        }
    )
    figures["grade_change_points"] = (
        figures["grade_recent_percent"] - figures["grade_prior_percent"]
    )
    trended = np.flatnonzero(counted & to_date & due.dated())
    figures["grade_trend"] = _trend(group[trended], due.day(trended), earned, possible, trended)
    # The groups with a grade or a Missing mark, as grouping each figure's marks gives them.
    return figures[figures["grade_percent"].notna() | (figures["missing_count"] > 0)]


class _Dues:
    """The marks' due dates against the windows: each distinct date is compared once, and
    what it is (to date, in this window, the one before, dated) reaches the marks in one
    byte each, gathered once for millions of marks."""

    _TO_DATE, _RECENT, _PRIOR, _DATED = 1, 2, 4, 8

    def __init__(self, due: pd.Series, as_of: date, window_days: int) -> None:
        self._code, distinct = _value_codes(due)
        # Code -1, a mark without a date, reads the NaT appended last.
        dates = pd.to_datetime(pd.Series(with_none_last(distinct))).to_numpy()
        day = np.datetime64(pd.Timestamp(as_of))
        window = np.timedelta64(window_days, "D")
        undated = np.isnat(dates)
        what = (
            (undated | (dates <= day)) * self._TO_DATE  # due on or before as_of, or undated
            | ((dates > day - window) & (dates <= day)) * self._RECENT  # (as_of - window, as_of]
            | ((dates > day - 2 * window) & (dates <= day - window)) * self._PRIOR
            | ~undated * self._DATED
        )
        self._what = what.astype(np.uint8)[self._code]
        self._days = dates.astype("datetime64[D]").view(np.int64)

    def to_date(self) -> np.ndarray:
        return (self._what & self._TO_DATE) != 0

    def recent(self) -> np.ndarray:
        return (self._what & self._RECENT) != 0

    def prior(self) -> np.ndarray:
        return (self._what & self._PRIOR) != 0

    def dated(self) -> np.ndarray:
        return (self._what & self._DATED) != 0

    def day(self, rows: np.ndarray) -> np.ndarray:
        """The due date of the marks at `rows` as a number of days (meaningless where
        undated)."""
        return self._days[self._code[rows]]


def _value_codes(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Per row, a code into the column's distinct values (-1 where missing), and those
    values. A categorical column has them already."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories.tolist()
    return distinct_codes(column.tolist())


TREND_POINTS = 12  # a sparkline of the latest dated assignments


def _trend(
    group: np.ndarray, day: np.ndarray, earned: np.ndarray, possible: np.ndarray, rows: np.ndarray
) -> pd.Series:
    """Per group, the percentages of its latest TREND_POINTS dated assignments, oldest first,
    from the marks at `rows` (of `earned` and `possible`), their groups and due days."""
    if not len(rows):
        return pd.Series(dtype=object)
    # By group, then by due date, ties in sheet order: one stable sort of one number, which
    # a gradebook's rows and columns mostly have in order already.
    day = day - day.min()
    order = np.argsort(group.astype(np.int64) * (int(day.max()) + 1) + day, kind="stable")
    group_of = group[order]
    # A group's latest are those with no mark of the group TREND_POINTS places later.
    latest = np.ones(len(order), dtype=bool)
    latest[:-TREND_POINTS] = group_of[:-TREND_POINTS] != group_of[TREND_POINTS:]
    shown = rows[order[latest]]
    counts = np.bincount(group)
    points = np.round(100 * earned[shown] / possible[shown], 0).tolist()
    present = np.flatnonzero(counts)
    ends = np.cumsum(np.minimum(counts[present], TREND_POINTS)).tolist()
    trends = [
        tuple(points[start:end])  # Python floats already: tolist of a float array
        for start, end in zip([0, *ends[:-1]], ends, strict=True)
    ]
    return pd.Series(trends, index=present, dtype=object, name="grade_trend")


def unweighted_categories(
    scores: pd.DataFrame, category_weights: Mapping[str, float]
) -> list[DataIssue]:
    """One warning per assignment whose category has no configured weight (so it is not
    counted), when weights are configured."""
    if not category_weights or scores.empty:
        return []
    unweighted = scores[np.isnan(_weights(scores["category"], category_weights))]
    columns = as_objects(unweighted.drop_duplicates(["source", "tab", "assignment_column"]))
    return [
        DataIssue(
            row["source"],
            row["tab"],
            row["assignment_column"],
            row["category"] or "",
            f"'{row['assignment']}' has category '{row['category'] or '(none)'}', which has no "
            "weight in grades.category_weights, so it is not counted in the grade",
            "use one of the categories " + ", ".join(category_weights) + " or add a weight",
            Severity.WARNING,
        )
        for _, row in columns.iterrows()
    ]


def _weights(categories: pd.Series, category_weights: Mapping[str, float]) -> np.ndarray:
    """Each mark's category weight, NaN for a category without one (or no category)."""
    by_key = {header_key(name): weight for name, weight in category_weights.items()}
    # Each category once: a gradebook repeats a handful of them across millions of marks.
    codes, distinct = pd.factorize(categories)
    weight_of = [by_key.get(header_key(category), np.nan) for category in distinct]
    return np.array([*weight_of, np.nan], dtype=float)[codes]  # code -1 (none): the last


def _groups(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.Index]:
    """Each row's group of `by` (-1 where a key is missing) and the groups' keys, numbered
    and sorted as `frame.groupby(by)` numbers and sorts them. A categorical key (a matched
    mark's student ID or teacher) is read by its codes: millions of marks, few keys. The
    numbers are 32-bit: an array of millions of them costs by its size."""
    levels = [_sorted_codes(frame[name]) for name in by]
    shape = [max(len(keys), 1) for _, keys in levels]
    if len(levels) == 1:
        combined = levels[0][0]
    else:
        combined = np.zeros(len(frame), dtype=np.int64)
        for (codes, _), size in zip(levels, shape, strict=True):
            combined = combined * size + codes
    missing = np.logical_or.reduce([codes < 0 for codes, _ in levels])
    if missing.any():
        group = np.full(len(frame), -1, dtype=np.int32)
        group[~missing], present = _numbered(combined[~missing], math.prod(shape))
    else:
        group, present = _numbered(combined, math.prod(shape))
    positions = np.unravel_index(present, shape)
    keys_of = [keys[position] for (_, keys), position in zip(levels, positions, strict=True)]
    if len(by) == 1:
        return group, keys_of[0].rename(by[0])
    return group, pd.MultiIndex.from_arrays(keys_of, names=list(by))


def _numbered(keys: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Each key's number among the distinct keys (all from 0 to `span`), and those keys,
    sorted. Keys of a span not much wider than their count (a student's, for millions of
    marks) are numbered by a table of the span; others are hashed once per run of equal
    keys (a gradebook row's marks are one run)."""
    if span > 2 * len(keys) + 1024:
        run_starts = np.ones(len(keys), dtype=bool)
        run_starts[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(run_starts)
        numbers, distinct = pd.factorize(keys[starts], sort=True)
        lengths = np.diff(np.append(starts, len(keys)))
        return np.repeat(numbers.astype(np.int32), lengths), distinct
    used = np.zeros(span, dtype=bool)
    used[keys] = True
    return (np.cumsum(used, dtype=np.int32) - 1)[keys], np.flatnonzero(used)


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A code per row (-1 where missing) and the keys, sorted; codes in the keys' order."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, keys = pd.factorize(column, sort=True)
        return codes.astype(np.int32), pd.Index(keys.tolist())  # types inferred, as groupby
    categories = column.cat.categories
    order = categories.argsort()
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # code -1 (missing) stays -1
    return rank[column.cat.codes.to_numpy()], categories[order]


def _percent(
    kept: np.ndarray,
    group: np.ndarray,
    earned: np.ndarray,
    possible: np.ndarray,
    category: np.ndarray | None,
    weight: np.ndarray | None,
    groups: int,
) -> np.ndarray:
    """Per group, the percentage earned by its marks `kept` (each category's share weighted,
    with weights); NaN for a group without any."""
    marks = pd.DataFrame({"earned": earned[kept], "possible": possible[kept]}, copy=False)
    if category is None or weight is None:
        sums = marks.groupby(group[kept]).sum()
        percent = 100 * sums["earned"] / sums["possible"]
    else:
        marks["weight"] = weight[kept]
        per_category = marks.groupby([group[kept], category[kept]]).agg(
            {"earned": "sum", "possible": "sum", "weight": "first"}
        )
        per_category["weighted"] = (
            per_category["weight"] * per_category["earned"] / per_category["possible"]
        )
        totals = per_category.groupby(level=0)[["weighted", "weight"]].sum()
        percent = 100 * totals["weighted"] / totals["weight"]
    by_group = np.full(groups, np.nan)
    by_group[percent.index.to_numpy()] = percent.to_numpy()
    return by_group


def student_progress(
    students: pd.DataFrame,
    sessions: pd.DataFrame,
    grades: pd.DataFrame,
    *,
    thresholds: Thresholds,
    as_of: date,
    by: Sequence[str] = ("student_id",),
    targets: Targets | None = None,
) -> pd.DataFrame:
    """Join roster rows with session and grade figures and add flags and status.

    `students` is indexed by student ID (one row per student, or per student and teacher with a
    `teacher` column); `sessions` is indexed by student ID; `grades` is indexed by `by`, the
    scope of the grades (all gradebooks, or each teacher's own). Returns one row per row of
    `students`, indexed by student ID.
    """
    progress = (
        students.reset_index()
        .merge(sessions, left_on="student_id", right_index=True, how="left")
        .merge(grades.reset_index(), on=list(by), how="left")
        .set_index("student_id")
    )
    progress["sessions_in_window"] = progress["sessions_in_window"].fillna(0).astype("int64")
    progress["minutes_in_window"] = progress["minutes_in_window"].fillna(0.0)
    progress["missing_count"] = progress["missing_count"].fillna(0).astype("int64")
    last = pd.to_datetime(progress["last_session_date"])
    progress["days_since_last_session"] = (pd.Timestamp(as_of) - last).dt.days.astype("Int64")
    progress["last_session_date"] = last.dt.date.astype(object).where(last.notna(), None)
    targets = targets or Targets()
    for column in ("sessions_per_week", "minutes_per_week"):
        progress[column] = progress[column].fillna(0.0) if column in progress else 0.0
    progress["student_flags"] = _flags(progress, thresholds, targets)
    progress["status"] = progress["student_flags"].map(status_of)
    progress["student_wins"] = _wins(progress, thresholds, targets)
    return progress


# Flags and wins are found rule by rule, each rule over whole columns: the rows it holds for are
# found at once, and a sentence is written once for each distinct set of values it says.


def _flags(progress: pd.DataFrame, thresholds: Thresholds, targets: Targets) -> list[tuple]:
    """Per row, its flags: attendance, grades, dosage, a tutor's follow-up, in that order."""
    return _in_rows(
        *_attendance_flags(progress, thresholds),
        *_grade_flags(progress, thresholds),
        _dosage_flags(progress, targets),
        _follow_up_flags(progress),
    )


def _wins(progress: pd.DataFrame, thresholds: Thresholds, targets: Targets) -> list[tuple]:
    """Per row, its achievements in the window: a grade up by targets.grade_gain_points, the
    dosage target met, every session attended (at least one a week)."""
    window = thresholds.window_days
    change, prior, recent, rate, per_week, minutes = _numbers(
        progress,
        "grade_change_points",
        "grade_prior_percent",
        "grade_recent_percent",
        "attendance_rate",
        "sessions_per_week",
        "minutes_per_week",
    )
    up = change >= targets.grade_gain_points
    met = (per_week >= targets.sessions_per_week) & (minutes >= targets.minutes_per_week)
    # At least one session a week: a single session three weeks ago is not a streak.
    attended_all = (rate >= 1) & (per_week >= 1)
    return _in_rows(
        _said(
            Win,
            "grade_up",
            up,
            lambda c, p, r: (
                f"Grade up {c:.0f} points in the last {window} days ({p:.0f}% to {r:.0f}%)."
            ),
            change,
            prior,
            recent,
        ),
        _said(
            Win,
            "dosage_met",
            met,
            lambda s, m: (
                f"Met the tutoring target: {round(s, 1):g} sessions and {m:.0f} minutes a week."
            ),
            per_week,
            minutes,
        ),
        _said(
            Win,
            "full_attendance",
            attended_all,
            lambda n: f"Attended all {n} sessions in the last {window} days.",
            progress["sessions_in_window"].to_numpy(),
        ),
    )


def with_flags(progress: pd.DataFrame, flags: Mapping[str, Sequence[Flag]]) -> pd.DataFrame:
    """The rows with each student's `flags` (by student ID) added to their Why, after the
    flags they had, and the status all their flags make."""
    student_flags = [
        (*had, *flags.get(str(student_id), ()))
        for student_id, had in zip(
            progress.index.tolist(), progress["student_flags"].tolist(), strict=True
        )
    ]
    return progress.assign(
        student_flags=pd.Series(student_flags, index=progress.index, dtype=object),
        status=[status_of(of_student) for of_student in student_flags],
    )


def with_wins(progress: pd.DataFrame, wins: Mapping[str, Sequence[Win]]) -> pd.DataFrame:
    """The rows with each student's `wins` (by student ID) added to their Wins, after the
    wins they had."""
    student_wins = [
        (*had, *wins.get(str(student_id), ()))
        for student_id, had in zip(
            progress.index.tolist(), progress["student_wins"].tolist(), strict=True
        )
    ]
    return progress.assign(student_wins=pd.Series(student_wins, index=progress.index, dtype=object))


def status_of(flags: tuple[Flag, ...]) -> str:
    """Act now, Watch or On track, from the student's flags."""
    if any(flag.code in ACT_NOW_FLAGS for flag in flags):
        return ACT_NOW_STATUS
    return WATCH_STATUS if flags else ON_TRACK_STATUS


def _attendance_flags(progress: pd.DataFrame, thresholds: Thresholds) -> list[list[Flag | None]]:
    window = thresholds.window_days
    days = progress["days_since_last_session"].to_numpy(dtype="float64", na_value=np.nan)
    # No session yet (no days since one), or none for too long.
    stale = np.isnan(days) | (days > thresholds.no_session_days)
    (rate,) = _numbers(progress, "attendance_rate")
    low = rate < thresholds.min_attendance
    return [
        _said(
            Flag,
            "no_recent_session",
            stale,
            _no_recent_session,
            days,
            progress["last_session_date"].to_numpy(dtype=object),
        ),
        _said(
            Flag,
            "low_attendance",
            low,
            lambda r: (
                f"Attended {r:.0%} of sessions in the last {window} days, below "
                f"{thresholds.min_attendance:.0%}."
            ),
            rate,
        ),
    ]


def _no_recent_session(days: float, last: date | None) -> str:
    if days != days:  # NaN: no session yet
        return "No tutoring session logged yet; check the tutor log and the schedule."
    assert last is not None
    return f"No session in {int(days)} days (last on {last.isoformat()}); schedule one."


def _grade_flags(progress: pd.DataFrame, thresholds: Thresholds) -> list[list[Flag | None]]:
    window = thresholds.window_days
    grade, change, prior, recent = _numbers(
        progress,
        "grade_percent",
        "grade_change_points",
        "grade_prior_percent",
        "grade_recent_percent",
    )
    missing = progress["missing_count"].to_numpy()
    return [
        _said(
            Flag,
            "low_grade",
            grade < thresholds.grade_floor,
            lambda g: f"Grade is {g:.0f}%, below {thresholds.grade_floor:.0f}%.",
            grade,
        ),
        _said(
            Flag,
            "grade_drop",
            change <= -thresholds.grade_drop_points,
            lambda c, p, r: (
                f"Grade fell {-c:.0f} points in the last {window} days ({p:.0f}% before, "
                f"{r:.0f}% now)."
            ),
            change,
            prior,
            recent,
        ),
        _said(
            Flag,
            "missing_work",
            missing >= thresholds.missing_threshold,
            lambda n: f"{n} assignments marked missing.",
            missing,
        ),
    ]


def _dosage_flags(progress: pd.DataFrame, targets: Targets) -> list[Flag | None]:
    """Tutored lately, but less than the target: a student with no session at all already
    has a flag that says so."""
    per_week, minutes = _numbers(progress, "sessions_per_week", "minutes_per_week")
    met = (per_week >= targets.sessions_per_week) & (minutes >= targets.minutes_per_week)
    below = (progress["sessions_in_window"].to_numpy() != 0) & ~met

    def below_target(sessions_per_week: float, minutes_per_week: float) -> str:
        sessions = round(sessions_per_week, 1)
        return (
            f"Tutoring below target: {sessions:g} session{'' if sessions == 1 else 's'} a week "
            f"(target {targets.sessions_per_week:g}) and {minutes_per_week:.0f} minutes a "
            f"week (target {targets.minutes_per_week:g})."
        )

    return _said(Flag, "low_dosage", below, below_target, per_week, minutes)


def _follow_up_flags(progress: pd.DataFrame) -> list[Flag | None]:
    follow_up = progress["follow_up_date"]
    return _said(
        Flag,
        "follow_up",
        follow_up.notna().to_numpy(),
        lambda day: f"Tutor asked for a follow-up on {pd.Timestamp(day).date().isoformat()}.",
        follow_up.to_numpy(),
    )


def _numbers(progress: pd.DataFrame, *names: str) -> list[np.ndarray]:
    return [progress[name].to_numpy(dtype="float64") for name in names]


_Said = TypeVar("_Said", Flag, Win)


def _said(
    kind: Callable[[str, str], _Said],
    code: str,
    rows: np.ndarray,
    write: Callable[..., str],
    *columns: np.ndarray,
) -> list[_Said | None]:
    """Per row, a `kind` of `code` where `rows` marks it, saying what `write` makes of the
    row's values in `columns` (as Python values); None elsewhere. Rows of the same values
    share one (flags and wins are frozen), written once."""
    said = np.full(len(rows), None, dtype=object)
    marked = np.flatnonzero(rows)
    if len(marked):
        values = [column[marked] for column in columns]
        # Numbers apart by their bits, so -0.0 is not written as 0.0.
        same = _same_values([_codes(_bits(of_rows)) for of_rows in values])
        first = np.flatnonzero(_first_met(same))
        distinct = [
            kind(code, write(*row))
            for row in zip(*(of_rows[first].tolist() for of_rows in values), strict=True)
        ]
        said[marked] = _objects(distinct)[same]
    return said.tolist()


def _bits(values: np.ndarray) -> np.ndarray:
    return values.view(np.int64) if values.dtype == np.float64 else values


def _objects(items: Sequence[object]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _in_rows(*rules: list) -> list[tuple]:
    """Per row, what each of `rules` found for it, in the rules' order."""
    return [tuple(found for found in row if found is not None) for row in zip(*rules, strict=True)]
