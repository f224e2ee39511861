"""Goals: each student's goals from the Goals tab, matched to roster students, with their
progress where tutorsync can measure it from what it already reads. Pure.

What a goal is compared with (README: Goals):
- Grade %: the student's grade in the named teacher's gradebooks (over all their classes when
  no teacher is named), as the progress tabs show it.
- Sessions a week: the student's sessions a week over the figures' window.
- Assessment score: the latest scale score of the named test (jobs.reconcile.assessments).
- Judged by the teacher: nothing; the owner types Met in Status.

A goal is met when its Status says Met, or when its measure has reached its target: either way
it is a win, and no longer listed with the open goals. A dropped goal is not shown.

Pace. The Goals tab does not say where the student stood when a goal was set, so no straight
line can be drawn from there. Instead a goal is *off pace* when what is left to go, spread over
the weeks left to its date, is more a week than its measure can be expected to move: 2 grade
points, 1 session a week more, or 1 scale point (PACE_PER_WEEK). A goal whose date has gone by
unmet is *past its date*, judged goals included. Both are reasons in Why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from jobs.reconcile.figures import Flag, Win, status_of, with_flags, with_wins
from jobs.reconcile.matching import RosterLookup, student_positions
from sheets_schema.assessments import key_of_test
from sheets_schema.goals import Goals, GoalStatus, Measure
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.staff import Staff
from sheets_schema.values import parse_email

# How far a measure can be expected to move in a week: more than this a week still to go is
# off pace. A grade moves a couple of points a week at most once marks are in; a student can
# add a session a week each week; a benchmark scale score grows a few points a term.
PACE_PER_WEEK = {Measure.GRADE: 2.0, Measure.SESSIONS: 1.0, Measure.ASSESSMENT: 1.0}

# Student ID -> their open goals, each as (its words as typed, a grade goal's teacher or None).
SharedGoals = Mapping[str, Sequence[tuple[str, str | None]]]

GOAL_PROGRESS_COLUMNS = [
    "student_id",
    "goal",  # as typed
    "measure",  # Measure
    "teacher",  # a grade goal's teacher (e-mail), else None
    "owner",  # e-mail or None
    "met",  # bool: Status says Met, or the target is reached
    "line",  # the goal and its progress, for the progress tabs' Goals column (None when met)
    "flag",  # Flag or None: off pace, past its date
    "win",  # Win or None: met
    "learning_plan",  # a plan link typed on the row, or None
]


@dataclass(frozen=True)
class Measured:
    """Where a student stands on what a goal measures; None where no figure says."""

    grade_all: Mapping[str, float]  # student ID -> grade % over all classes
    grade_by_teacher: Mapping[tuple[str, str], float]  # (student ID, teacher) -> grade %
    sessions_per_week: Mapping[str, float]
    latest_scores: Mapping[tuple[str, str], float]  # (student ID, test key) -> latest score

    @cached_property
    def tests(self) -> frozenset[str]:
        """The keys of the tests some student has a latest score on."""
        return frozenset(test for _, test in self.latest_scores)

    @cached_property
    def teachers(self) -> frozenset[str]:
        """The teachers some student has a grade with."""
        return frozenset(teacher for _, teacher in self.grade_by_teacher)


def measured(
    summary: pd.DataFrame, teacher_rows: pd.DataFrame, growth: pd.DataFrame | None
) -> Measured:
    """What goals are compared with, from the reconciled progress (`teacher_rows`: every
    teacher's rows in one frame, with their teacher column, as TeacherRows.rows) and
    benchmark growth."""
    grades = summary["grade_percent"].dropna()
    # Read from the one frame of every teacher's rows, not a frame sliced per teacher.
    graded = teacher_rows[teacher_rows["grade_percent"].notna()]
    by_teacher_grades = {
        (str(student_id), str(teacher)): float(grade)
        for student_id, teacher, grade in zip(
            graded.index.tolist(),
            graded["teacher"].tolist(),
            graded["grade_percent"].tolist(),
            strict=True,
        )
    }
    scores: dict[tuple[str, str], float] = {}
    if growth is not None:
        for row in growth.to_dict("records"):
            if not _missing(row["latest_score"]):
                scores[(str(row["student_id"]), key_of_test(row["test"]))] = row["latest_score"]
    return Measured(
        {str(k): float(v) for k, v in grades.items()},
        by_teacher_grades,
        {str(k): float(v) for k, v in summary["sessions_per_week"].items()},
        scores,
    )


def goal_progress(
    goals: Goals, lookup: RosterLookup, figures: Measured, staff: Staff, *, as_of: date
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """GOAL_PROGRESS_COLUMNS, a row per goal of an active roster student that is not dropped,
    in the Goals tab's order; and the issues of goals it cannot follow (a student not on the
    roster, a teacher nobody knows, a grade or test goal without the class or test, a test no
    assessment result names)."""
    rows = goals.rows
    positions, issues = student_positions(rows, lookup)
    active = set(map(str, lookup.students.index[lookup.students["active"]]))
    ids = lookup.students.index.to_numpy(dtype=object)
    teachers = _teachers_by_name(staff)
    out: list[dict[str, Any]] = []
    for position, record in zip(positions.tolist(), rows.to_dict("records"), strict=True):
        if position < 0 or record["status"] is GoalStatus.DROPPED:
            continue
        student_id = str(ids[position])
        if student_id not in active:
            continue  # a goal of a student who left: their rows are archived
        teacher, found = _teacher_of(record, teachers)
        issues += found
        out.append(_progress(record, student_id, teacher, figures, staff, as_of, issues))
    # Column by column as objects: a frame made from records would make text a string
    # dtype, its None NaN.
    frame = pd.DataFrame(
        {
            name: pd.Series([row[name] for row in out], dtype=bool if name == "met" else object)
            for name in GOAL_PROGRESS_COLUMNS
        }
    )
    return frame, issues


def with_goals(progress: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """Progress rows with each student's open goals (a line each, in `goal_progress`), their
    goals' reasons added to Why (and the status they make), and met goals added to Wins."""
    lines: dict[str, list[str]] = {}
    flags: dict[str, list[Flag]] = {}
    wins: dict[str, list[Win]] = {}
    for student_id, line, flag, win in zip(
        goals["student_id"], goals["line"], goals["flag"], goals["win"], strict=True
    ):
        if line is not None:
            lines.setdefault(student_id, []).append(line)
        if flag is not None:
            flags.setdefault(student_id, []).append(flag)
        if win is not None:
            wins.setdefault(student_id, []).append(win)
    students = [str(student_id) for student_id in progress.index]
    with_lines = progress.assign(
        goal_progress=pd.Series(
            ["\n".join(lines[s]) if s in lines else None for s in students],
            index=progress.index,
            dtype=object,
        )
    )
    return with_wins(with_flags(with_lines, flags), wins)


GOAL_FLAGS = frozenset({"goal_off_pace", "goal_past_date"})


def without_goal_reasons(progress: pd.DataFrame) -> pd.DataFrame:
    """The rows' flags and status as their figures alone make them, as before `with_goals`:
    what the Weekly history records. A week is counted again from the figures once it ends,
    and the Goals tab, typed over, holds no goals as they stood in a past week."""
    flags = [tuple(f for f in had if f.code not in GOAL_FLAGS) for had in progress["student_flags"]]
    return progress.assign(
        student_flags=pd.Series(flags, index=progress.index, dtype=object),
        status=[status_of(f) for f in flags],
    )


def goals_to_share(goals: pd.DataFrame) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Per student ID, their open goals as (the goal's words, its teacher or None): what a
    check-in between the student's tutor and a teacher starts from. Words only, as typed:
    never a figure tutorsync worked out."""
    shared: dict[str, list[tuple[str, str | None]]] = {}
    for student_id, goal, teacher, met in zip(
        goals["student_id"], goals["goal"], goals["teacher"], goals["met"], strict=True
    ):
        if not met:
            shared.setdefault(student_id, []).append((goal, teacher))
    return {student_id: tuple(of_student) for student_id, of_student in shared.items()}


def typed_plans(goals: pd.DataFrame) -> dict[str, str]:
    """Per student ID, the first learning-plan link typed on their goals' rows."""
    plans: dict[str, str] = {}
    for student_id, link in zip(goals["student_id"], goals["learning_plan"], strict=True):
        if link is not None and student_id not in plans:
            plans[student_id] = link
    return plans


def _progress(
    record: Mapping[str, Any],
    student_id: str,
    teacher: str | None,
    figures: Measured,
    staff: Staff,
    as_of: date,
    issues: list[DataIssue],
) -> dict[str, Any]:
    goal, measure, target, by = record["goal"], record["measure"], record["target"], record["by"]
    current, label = _current(record, student_id, teacher, figures, staff, issues)
    reached = current is not None and not math.isnan(target) and current >= target
    met = record["status"] is GoalStatus.MET or reached
    row = {
        "student_id": student_id,
        "goal": goal,
        "measure": measure,
        "teacher": teacher,
        "owner": record["owner"],
        "met": met,
        "line": None,
        "flag": None,
        "win": None,
        "learning_plan": record["learning_plan"],
    }
    if met:
        row["win"] = Win("goal_met", _met_sentence(record, label, current, reached, staff))
        return row
    past = by is not None and by < as_of
    line, off_pace = _line(record, label, current, as_of, staff)
    if past:
        row["flag"] = Flag("goal_past_date", f"Goal past its date ({by.isoformat()}): {goal}.")
        line += "; past its date"
    elif off_pace is not None:
        row["flag"] = Flag("goal_off_pace", f"Goal off pace: {goal} ({off_pace}).")
        line += "; off pace"
    row["line"] = line
    return row


def _current(
    record: Mapping[str, Any],
    student_id: str,
    teacher: str | None,
    figures: Measured,
    staff: Staff,
    issues: list[DataIssue],
) -> tuple[float | None, str]:
    """Where the student stands on the goal's measure (None when no figure says), and what
    the measure is called in the goal's line."""
    measure = record["measure"]
    if measure is Measure.GRADE:
        if teacher is None:
            return figures.grade_all.get(student_id), "grade"
        if teacher not in figures.teachers:
            # A mistyped e-mail would otherwise show "no grade yet" for ever.
            issues.append(
                _issue(
                    record,
                    f"no gradebook of {teacher} has a grade in it, so this goal's progress is "
                    "not shown",
                    "type the teacher's e-mail as the config names their gradebook, or leave "
                    "it blank for the grade over all classes",
                )
            )
        return figures.grade_by_teacher.get((student_id, teacher)), (
            f"grade with {staff.name(teacher)}"
        )
    if measure is Measure.SESSIONS:
        return figures.sessions_per_week.get(student_id, 0.0), "sessions a week"
    if measure is Measure.ASSESSMENT:
        test = record["measured_in"]
        if test is None:
            issues.append(
                _issue(
                    record,
                    "this assessment goal does not name its test, so its progress is not shown",
                    "type the test's name as the assessment results name it, e.g. MAP Math",
                )
            )
            return None, "score"
        key = key_of_test(test)
        if key not in figures.tests:
            issues.append(
                _issue(
                    record,
                    f"no assessment result names the test '{test}', so this goal's progress "
                    "is not shown",
                    "type the test's name as the assessment results name it, e.g. MAP Math",
                )
            )
        return figures.latest_scores.get((student_id, key)), test
    return None, ""


def _line(
    record: Mapping[str, Any], label: str, current: float | None, as_of: date, staff: Staff
) -> tuple[str, str | None]:
    """The open goal's line, e.g. "Raise math: grade 64% → 75% by 2027-01-29, 11 points to go,
    8 weeks left", and why it is off pace (None when it is not, or cannot be told)."""
    goal, measure, target, by = record["goal"], record["measure"], record["target"], record["by"]
    when = f" by {by.isoformat()}" if by is not None else ""
    if measure is Measure.JUDGED:
        owner = staff.name(record["owner"]) if record["owner"] else "the teacher"
        return f"{goal}: {record['status'].value.lower()}{when}, judged by {owner}", None
    if math.isnan(target):
        return f"{goal}: no target to measure against", None
    unit = "%" if measure is Measure.GRADE else ""
    if current is None:
        none_yet = "no grade yet" if measure is Measure.GRADE else f"no {label} result yet"
        return f"{goal}: {none_yet}, target {_number(target)}{unit}{when}", None
    gap = target - current
    points = "points"
    if measure is Measure.SESSIONS:
        points = "session a week" if _number(gap) == "1" else "sessions a week"
    line = (
        f"{goal}: {label} {_number(current)}{unit} → {_number(target)}{unit}{when}, "
        f"{_number(gap)} {points} to go"
    )
    if by is None or by < as_of:
        return line, None
    days = (by - as_of).days
    weeks = days / 7
    line += f", {_weeks(days)} left"
    needed = gap / max(weeks, 1 / 7)
    if needed <= PACE_PER_WEEK[measure]:
        return line, None
    return line, (
        f"{_number(gap)} {points} to go in {_weeks(days)}, more than "
        f"{_number(PACE_PER_WEEK[measure])} a week"
    )


def _met_sentence(
    record: Mapping[str, Any], label: str, current: float | None, reached: bool, staff: Staff
) -> str:
    goal = record["goal"]
    if reached and current is not None:
        unit = "%" if record["measure"] is Measure.GRADE else ""
        return f"Goal met: {goal} ({label} {_number(current)}{unit})."
    if record["owner"]:
        return f"Goal met: {goal} (marked met by {staff.name(record['owner'])})."
    return f"Goal met: {goal}."


def _teachers_by_name(staff: Staff) -> dict[str, str]:
    """Name (casefolded, spaces tidied) -> e-mail, for names the staff list gives once."""
    by_name: dict[str, list[str]] = {}
    for email, name in staff.names.items():
        by_name.setdefault(" ".join(name.casefold().split()), []).append(email)
    return {name: emails[0] for name, emails in by_name.items() if len(emails) == 1}


def _teacher_of(
    record: Mapping[str, Any], teachers: Mapping[str, str]
) -> tuple[str | None, list[DataIssue]]:
    """A grade goal's teacher by e-mail, or by name through the staff list; None (the grade
    over all classes) when blank, or with a warning when nobody is known by it."""
    typed = record["measured_in"]
    if record["measure"] is not Measure.GRADE or typed is None:
        return None, []
    email = parse_email(typed)
    if isinstance(email, str):
        return email, []
    teacher = teachers.get(" ".join(typed.casefold().split()))
    if teacher is not None:
        return teacher, []
    return None, [
        _issue(
            record,
            f"'{typed}' is not a teacher's e-mail or a name in the staff list, so the grade over "
            "all classes is compared with this goal",
            "type the teacher's school e-mail, or their name as the staff list has it",
        )
    ]


def _issue(record: Mapping[str, Any], problem: str, fix: str) -> DataIssue:
    return DataIssue(
        record["source"],
        record["tab"],
        record["measured_in_cell"] or record["student_cell"],
        record["measured_in"] or "",
        problem,
        fix,
        Severity.WARNING,
    )


def _weeks(days: int) -> str:
    weeks = math.ceil(days / 7)
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def _number(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:g}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def shared_goal_lines(goals: SharedGoals, student_id: str, teacher: str) -> list[str]:
    """A student's open goals a tutor and `teacher` share: every goal but a grade goal in
    another teacher's class."""
    return [goal for goal, of in goals.get(student_id, ()) if of is None or of == teacher]
