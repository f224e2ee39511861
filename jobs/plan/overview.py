"""Plan the Program overview tab: a tab people look at, not read. Pure.

First the program week by week, from the Weekly history (the table its charts draw, and the
only part under the header's filter buttons); below it, the figures now beside a week
before, the same few figures per teacher and per tutor, and the week's wins by name.
Percentages are numbers from 0 to 100 in columns that say "%", so the tables stacked in one
tab share its columns without a number format each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from jobs.plan.history import HEADER as HISTORY_HEADER
from jobs.plan.history import is_student_week
from jobs.reconcile.history import week_of
from sheets_schema.cells import CellValue, Chart, TabWrite
from sheets_schema.outputs import ACT_NOW_STATUS, STATUS_LEVELS, STUDENT_ID_HEADER, Dosage
from sheets_schema.staff import NO_STAFF, Staff

WEEKLY_HEADER = (
    "Week",
    "Students",
    "Met the dosage target (%)",
    "Attendance (%)",
    "Act now",
    "Watch",
    "On track",
    "Sessions attended",
    "Sessions the target asks for",
)
PEOPLE_HEADER = ("Students", "Met the dosage target (%)", "Attendance (%)", ACT_NOW_STATUS)
STREAK_WEEKS = 3  # weeks running at the dosage target that make a win
STREAK_WIN = f"Met the dosage target {STREAK_WEEKS} weeks running."

Row = tuple[CellValue, ...]
_column = {header: index for index, header in enumerate(HISTORY_HEADER)}


@dataclass(frozen=True)
class _Figures:
    """The few figures of a group of students, now or a week before."""

    students: int
    dosage_met: float | None  # percent
    attendance: float | None  # percent, the average student's
    statuses: dict[str, int]
    sessions: int

    @classmethod
    def of(cls, progress: pd.DataFrame, targets: Dosage) -> _Figures:
        met = _met_target(progress, targets)
        rates = progress["attendance_rate"].dropna()
        return cls(
            len(progress),
            _percent(met.mean()) if len(progress) else None,
            _percent(rates.mean()) if len(rates) else None,
            {level: int((progress["status"] == level).sum()) for level in STATUS_LEVELS},
            int(progress["sessions_in_window"].sum()),
        )


def overview_tab(
    *,
    key: str,
    title: str,
    history: TabWrite,
    now: pd.DataFrame,
    as_of: date,
    targets: Dosage,
    window_days: int,
    staff: Staff = NO_STAFF,
) -> TabWrite:
    """The Program overview of `history` (the Weekly history as this run writes it) and of
    every active student's progress `now` (the summary as of `as_of`)."""
    weekly = weekly_rows(history.rows, as_of=as_of, targets=targets)
    below: list[Row] = [()]
    sections = []

    def section(heading: str, header: Row, rows: Iterable[Row]) -> None:
        sections.extend([len(weekly) + len(below), len(weekly) + len(below) + 1])
        below.extend([(heading,), header, *rows, ()])

    window = f"Last {window_days} days"
    section(
        f"Now ({window.lower()} up to {as_of.isoformat()}), and the last ended week beside "
        "the week before, with the change",
        ("", window, "Last week", "Week before", "Change"),
        _now_rows(
            _Figures.of(now, targets),
            _ended(weekly),
            _scheduled(len(now), window_days, targets),
        ),
    )
    for role, column in (("Teacher", "teachers"), ("Tutor", "tutors")):
        section(
            f"By {role.lower()}, now",
            (role, *PEOPLE_HEADER),
            _people_rows(now, column, targets, staff),
        )
    section(
        "Wins this week: say well done",
        ("Student", STUDENT_ID_HEADER, "Win"),
        wins_rows(history.rows, now, as_of=as_of, targets=targets),
    )
    rows = (*weekly, *below[:-1])
    return TabWrite(
        key=key,
        title=title,
        header=WEEKLY_HEADER,
        rows=rows,
        section_rows=frozenset(sections),
        footer_rows=len(rows) - len(weekly),
        charts=_charts(len(weekly)),
    )


def _charts(weeks: int) -> tuple[Chart, ...]:
    """Week by week, beside the weekly table: dosage met and attendance (both percentages),
    and the students needing action."""
    if weeks < 2:
        return ()  # a line needs two points
    column = WEEKLY_HEADER.index
    beside = len(WEEKLY_HEADER) + 1
    return (
        Chart(
            "Dosage target met and attendance, week by week (%)",
            column("Week"),
            (column("Met the dosage target (%)"), column("Attendance (%)")),
            weeks,
            anchor_row=0,
            anchor_column=beside,
        ),
        Chart(
            "Students needing action (Act now), week by week",
            column("Week"),
            (column("Act now"),),
            weeks,
            anchor_row=20,
            anchor_column=beside,
        ),
    )


def weekly_rows(history: Sequence[Row], *, as_of: date, targets: Dosage) -> list[Row]:
    """A row per week of the history, oldest first; the week running says it is so far."""
    weeks: dict[str, list[Row]] = defaultdict(list)
    for row in history:
        # Only the students' rows: a total or a note someone typed in is not a week.
        if is_student_week(row):
            weeks[str(row[_column["Week"]]).strip()].append(row)
    running = _running_week(as_of)
    rows: list[Row] = []
    for label in sorted(weeks):
        of_week = weeks[label]
        met = [
            _number(row[_column["Sessions"]]) >= targets.sessions_per_week
            and _number(row[_column["Minutes"]]) >= targets.minutes_per_week
            for row in of_week
        ]
        rates = [r for row in of_week if (r := row[_column["Attendance"]]) is not None]
        statuses = [row[_column["Status"]] for row in of_week]
        rows.append(
            (
                f"{label} (so far)" if label == running else label,
                len(of_week),
                _percent(sum(met) / len(met)),
                _percent(sum(map(_number, rates)) / len(rates)) if rates else None,
                *(statuses.count(level) for level in STATUS_LEVELS),
                int(sum(_number(row[_column["Sessions"]]) for row in of_week)),
                _scheduled(len(of_week), 7, targets),
            )
        )
    return rows


def _scheduled(students: int, days: int, targets: Dosage) -> float:
    """The sessions the dosage target asks of `students` over `days` (a full week for the
    week running too, so "so far" shows how far there is to go)."""
    return round(students * targets.sessions_per_week * days / 7, 1)


def wins_rows(
    history: Sequence[Row], now: pd.DataFrame, *, as_of: date, targets: Dosage
) -> list[Row]:
    """Who met the dosage target the last STREAK_WEEKS ended weeks running, and the wins the
    progress tabs give now (a grade up, every session attended), by name."""
    streaks = streak_students(history, as_of=as_of, targets=targets)
    rows: list[Row] = []
    # Column by column, not row by row: the summary of a district has 100,000 students.
    for student_id, name, wins in zip(
        map(str, now.index.tolist()),
        now["name"].tolist(),
        now["student_wins"].tolist(),
        strict=True,
    ):
        if student_id in streaks:
            rows.append((name, student_id, STREAK_WIN))
        # The dosage target met is said week by week, above, not over the window again.
        rows += [(name, student_id, win.sentence) for win in wins if win.code != "dosage_met"]
    return rows


def streak_students(history: Sequence[Row], *, as_of: date, targets: Dosage) -> frozenset[str]:
    """The students who met the dosage target in each of the last STREAK_WEEKS ended weeks of
    the Weekly history (its rows)."""
    running = _running_week(as_of)
    met: dict[str, set[str]] = defaultdict(set)  # student ID -> ended weeks at the target
    ended = set()
    for row in history:
        if not is_student_week(row):
            continue  # a row someone typed is no week
        week = str(row[_column["Week"]]).strip()
        if week == running:
            continue  # the week running is not over yet
        ended.add(week)
        if (
            _number(row[_column["Sessions"]]) >= targets.sessions_per_week
            and _number(row[_column["Minutes"]]) >= targets.minutes_per_week
        ):
            met[str(row[_column[STUDENT_ID_HEADER]])].add(week)
    if len(ended) < STREAK_WEEKS:
        return frozenset()
    last = set(sorted(ended)[-STREAK_WEEKS:])
    return frozenset(student for student, weeks in met.items() if last <= weeks)


def _now_rows(now: _Figures, ended: Sequence[Row], scheduled: float) -> list[Row]:
    """Each figure over the window, and in the last two ended weeks of the weekly table (its
    columns: students, dosage met, attendance, the statuses, sessions) with their change."""
    last, before = (list(ended[-1]) if ended else []), (list(ended[-2]) if len(ended) > 1 else [])

    def row(label: str, window: float | None, column: int) -> Row:
        a = _figure(last[column]) if last else None
        b = _figure(before[column]) if before else None
        change = None if a is None or b is None else round(a - b, 1)
        return (label, window, a, b, change)

    column = WEEKLY_HEADER.index
    return [
        row("Students", now.students, column("Students")),
        row("Met the dosage target (%)", now.dosage_met, column("Met the dosage target (%)")),
        row("Attendance (%)", now.attendance, column("Attendance (%)")),
        row("Sessions attended", now.sessions, column("Sessions attended")),
        row("Sessions the target asks for", scheduled, column("Sessions the target asks for")),
        *(row(level, now.statuses[level], column(level)) for level in STATUS_LEVELS),
    ]


def _figure(cell: CellValue) -> int | float | None:
    """A weekly table's figure, or None for a blank one (an attendance with no session)."""
    return cell if isinstance(cell, int | float) and not isinstance(cell, bool) else None


def _ended(weekly: Sequence[Row]) -> list[Row]:
    """The weekly table's rows of weeks that have ended (not "(so far)")."""
    return [row for row in weekly if not str(row[0]).endswith("(so far)")]


def _people_rows(now: pd.DataFrame, column: str, targets: Dosage, staff: Staff) -> list[Row]:
    """The few figures for each teacher (or tutor) of the active students, by name where the
    staff list gives one: every person at once, grouped, not a selection per person (a
    district has thousands of teachers)."""
    people = now[[column]].explode(column).dropna()
    if people.empty:
        return []
    rows = now.loc[people.index]
    met = _met_target(rows, targets)
    per_person = pd.DataFrame(
        {
            "person": people[column].to_numpy(),
            "met": met.to_numpy(),
            "rate": rows["attendance_rate"].to_numpy(),
            "act_now": (rows["status"] == ACT_NOW_STATUS).to_numpy(),
        }
    ).groupby("person", sort=True)
    figures = pd.DataFrame(
        {
            "students": per_person.size(),
            "met": per_person["met"].mean(),
            "rate": per_person["rate"].mean(),  # NaN rates left out, as for the program
            "act_now": per_person["act_now"].sum(),
        }
    )
    return [
        (
            staff.name(str(person)),
            int(students),
            _percent(met),
            None if pd.isna(rate) else _percent(rate),
            int(act_now),
        )
        for person, students, met, rate, act_now in figures.itertuples()
    ]


def _met_target(progress: pd.DataFrame, targets: Dosage) -> pd.Series:
    """Whether each student's sessions and minutes a week are at the dosage target."""
    return (progress["sessions_per_week"] >= targets.sessions_per_week) & (
        progress["minutes_per_week"] >= targets.minutes_per_week
    )


def _running_week(as_of: date) -> str | None:
    """The label of the week still running on `as_of`; None on a Sunday, when it has ended."""
    week = week_of(as_of, as_of)
    return None if week.ended else week.label


def _percent(fraction: float) -> float:
    return round(100 * float(fraction), 1)


def _number(cell: CellValue) -> float:
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else 0.0
