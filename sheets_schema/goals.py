"""Goals: an optional source where tutors, teachers and the coordinator write down what each
student is working towards, one row per goal: who, the goal in plain words, how it is measured,
the target and the date, whose goal it is to follow (the owner) and where it stands (status).

A goal belongs to a student. How it is measured says what tutorsync compares the target with:
the student's grade (in one teacher's gradebook, named by the teacher's e-mail or name in
"Class or test", or over all classes when that is blank), their sessions a week, their latest
score on an assessment (the test's name in "Class or test"), or the teacher's judgement (the
owner types Met in Status). A blank "Measured by" is a judged goal.

Goals do not change the figures, so nothing here stops a run: a row that cannot be used is an
issue naming its cell, and a value that cannot be read costs only that value (a goal with a
date that cannot be read is shown without one, with a warning).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

import pandas as pd

from sheets_schema import values
from sheets_schema.fields import STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import Field, HeaderMatch, SheetKind, find_header, header_key
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import IDENTITY, ROW, HeadedTab, TabCells, field_cells, show, whole_text


class Measure(StrEnum):
    """How a goal is measured, as the Goals tab's dropdown offers it."""

    GRADE = "Grade %"
    SESSIONS = "Sessions a week"
    ASSESSMENT = "Assessment score"
    JUDGED = "Judged by the teacher"


class GoalStatus(StrEnum):
    OPEN = "Open"
    MET = "Met"
    DROPPED = "Dropped"


KIND = SheetKind(
    "goals",
    (
        STUDENT_ID,
        STUDENT_NAME,
        STUDENT_EMAIL,
        Field("goal", "Goal", ("Goal", "Goal in plain words", "Goals", "What")),
        Field(
            "measure",
            "Measured by",
            ("Measured by", "How measured", "How it is measured", "Measure", "Measured"),
        ),
        Field(
            "measured_in",
            "Class or test",
            ("Class or test", "Teacher or test", "Class", "Teacher", "Test", "Gradebook"),
        ),
        Field("target", "Target", ("Target", "Goal target", "Aim")),
        Field("by", "By", ("By", "By date", "Due", "Due date", "Target date", "Deadline")),
        Field("owner", "Owner", ("Owner", "Owner e-mail", "Owner email", "Set by", "Who")),
        Field("status", "Status", ("Status", "Goal status", "Met?")),
        Field(
            "learning_plan",
            "Learning plan",
            ("Learning plan", "Plan", "Learning plan link", "Plan link", "ILP"),
        ),
    ),
    required=(("student_id", "student_name"), ("goal",)),
)

GOAL_COLUMNS = [
    "student_id_typed",  # as typed; matching finds the roster student
    "student_name_typed",
    "student_email_typed",
    "goal",  # the goal in plain words, spaces tidied
    "measure",  # Measure
    "measured_in",  # the teacher (e-mail or name) or test, as typed; None when blank
    "target",  # float: a grade % (0-100), sessions a week or a scale score; NaN when none
    "by",  # datetime.date or None
    "owner",  # lowercase e-mail or None
    "status",  # GoalStatus
    "learning_plan",  # a link to the student's plan as typed, or None
    "source",
    "tab",
    ROW,  # 0-based grid row
    "student_cell",  # A1 references, for issues found later (an unknown student, a test)
    "measured_in_cell",
]

# Words for each measure and status, compared as header keys ("Grade %" is "gradepercent").
_MEASURE_WORDS = {
    Measure.GRADE: ("Grade %", "Grade", "Grades", "Grade in a class", "Grade % in a class"),
    Measure.SESSIONS: (
        "Sessions a week",
        "Sessions per week",
        "Sessions",
        "Sessions / week",
        "Dosage",
        "Attendance",
    ),
    Measure.ASSESSMENT: (
        "Assessment score",
        "Assessment",
        "Test score",
        "Test",
        "Benchmark",
        "Benchmark score",
        "Score",
    ),
    Measure.JUDGED: (
        "Judged by the teacher",
        "Judged",
        "Teacher judges",
        "Teacher judgement",
        "Teacher judgment",
        "Observed",
    ),
}
_STATUS_WORDS = {
    GoalStatus.OPEN: ("Open", "In progress", "Working on it", "Active", "Not yet"),
    GoalStatus.MET: ("Met", "Done", "Achieved", "Reached", "Yes"),
    GoalStatus.DROPPED: ("Dropped", "Closed", "Cancelled", "Canceled", "Stopped", "Replaced"),
}
_MEASURES = {header_key(word): m for m, words in _MEASURE_WORDS.items() for word in words}
_STATUSES = {header_key(word): s for s, words in _STATUS_WORDS.items() for word in words}


@dataclass(frozen=True)
class Goals:
    """The usable goals of the Goals tab (GOAL_COLUMNS), in sheet order."""

    rows: pd.DataFrame


NO_GOALS = Goals(pd.DataFrame({name: pd.Series([], dtype=object) for name in GOAL_COLUMNS}))


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
    day_first: bool = False,
) -> tuple[Goals, list[DataIssue]]:
    """Parse a Goals tab. No goals, and one warning saying which column is missing, when its
    header cannot be found (goals change no figure, so a Goals tab never stops a run). A row
    without a student or without a goal is skipped with an issue; a value that cannot be read
    is left out of its goal with a warning, the goal kept."""
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return NO_GOALS, [issue.only_costing("no goals are shown") for issue in issues]
    cells = TabCells([HeadedTab(grid, header, source, tab)], KIND)

    def column(name: str, parser: Any, severity: Severity = Severity.WARNING) -> list[Any]:
        return cells.parse(name, parser, severity).objects().tolist()

    fields = {
        "student_id_typed": column("student_id", values.parse_student_id, Severity.ERROR),
        "student_name_typed": column("student_name", _text),
        "student_email_typed": column("student_email", values.parse_email),
        "goal": column("goal", _text),
        "measure": column("measure", parse_measure),
        "measured_in": column("measured_in", _text),
        "target": column("target", _as_typed),
        "by": column("by", partial(values.parse_date, day_first=day_first)),
        "owner": column("owner", values.parse_email),
        "status": column("status", parse_status),
        "learning_plan": column("learning_plan", parse_plan_address),
    }
    issues += cells.issues[0]
    reported = _Where(source, tab, header)
    kept: list[dict[str, Any]] = []
    for position, row in enumerate(cells.row.tolist()):
        record = {name: parsed[position] for name, parsed in fields.items()}
        record[ROW] = row
        found = _usable(record, reported)
        if found is not None:
            issues.append(found)
            continue
        record["measure"] = record["measure"] or Measure.JUDGED
        record["status"] = record["status"] or GoalStatus.OPEN
        record["target"], found = _checked_target(record, reported)
        if found is not None:
            issues.append(found)
        kept.append(record)
    return Goals(_frame(kept, reported)), issues


def parse_measure(value: object) -> Measure | values.Invalid | None:
    """How a goal is measured, from the dropdown's words or a few others ("Grade", "Sessions",
    "Test score", "Judged")."""
    if values.is_blank(value):
        return None
    measure = _MEASURES.get(header_key(whole_text(value)))
    if measure is None:
        return values.Invalid(
            "is not a way tutorsync knows to measure a goal, so the goal is shown as judged "
            "by the teacher",
            "pick " + ", ".join(m.value for m in Measure),
        )
    return measure


def parse_status(value: object) -> GoalStatus | values.Invalid | None:
    """Open, Met or Dropped (and a few words for each: Done, Achieved, Closed...)."""
    if values.is_blank(value):
        return None
    if isinstance(value, bool):  # a ticked box: met
        return GoalStatus.MET if value else GoalStatus.OPEN
    status = _STATUSES.get(header_key(whole_text(value)))
    if status is None:
        return values.Invalid(
            "is not a goal's status, so the goal is taken as open", "pick Open, Met or Dropped"
        )
    return status


@dataclass(frozen=True)
class Target:
    """A target as typed: the number, and the unit it was typed with, if any."""

    number: float
    unit: str  # "%", "a week" or "" (a plain number)
    from_number_cell: bool  # a number cell, which a percentage format shows as 75% for 0.75


_PER_WEEK = re.compile(
    r"^(?P<n>\S+?)\s*(?:x|times|sessions?)?\s*(?:a|per|/|each|every)\s*(?:week|wk)$"
)
_TARGET_FIX = "type the target as a number: 75% for a grade, 3 for sessions a week, 215 for a score"


def parse_target(value: object) -> Target | values.Invalid | None:
    """A goal's target as educators type it: 75, "75%", "3 a week", "3 sessions per week",
    "3/week", "212". The measure decides which unit it must have (`target_of`)."""
    if values.is_blank(value):
        return None
    if not isinstance(value, str):
        number = values.parse_number(value)
        if not isinstance(number, float):
            return values.Invalid("is not a number", _TARGET_FIX)
        return Target(number, "", True)
    text = " ".join(value.strip().casefold().split())
    unit = ""
    if text.endswith("%"):
        text, unit = text[:-1].strip(), "%"
    elif match := _PER_WEEK.match(text):
        text, unit = match["n"], "a week"
    number = values.parse_number(text)
    if not isinstance(number, float):
        return values.Invalid("is not a number, a percentage or a number a week", _TARGET_FIX)
    return Target(number, unit, False)


def target_of(target: Target, measure: Measure) -> float | values.Invalid:
    """The target as the number a goal of `measure` is compared with: a grade in percent
    (0-100; a number cell of 0.75 is 75%, as a percentage format shows it), sessions a week
    (0-21), a scale score (0 or more)."""
    number, unit = target.number, target.unit
    if measure is Measure.GRADE:
        if unit == "a week":
            return values.Invalid("is a number a week, not a grade", "type a grade such as 75%")
        if target.from_number_cell and 0 < number <= 1:
            number = round(number * 100, 6)
        if not 0 <= number <= 100:
            return values.Invalid("is not a grade from 0% to 100%", "type a grade such as 75%")
        return number
    if measure is Measure.SESSIONS:
        if unit == "%":
            return values.Invalid(
                "is a percentage, not a number of sessions a week", "type e.g. 3 or 3 a week"
            )
        if not 0 < number <= 21:
            return values.Invalid(
                "is not a number of sessions a week (1 to 21)", "type e.g. 3 or 3 a week"
            )
        return number
    if unit or number < 0:
        return values.Invalid(
            "is not a scale score", "type the score the test should reach, e.g. 215"
        )
    return number


class _Where:
    """Where each of a row's fields was typed, for issues."""

    def __init__(self, source: str, tab: str, header: HeaderMatch) -> None:
        self.source, self.tab, self.header = source, tab, header

    def cell(self, row: int, field_name: str) -> str:
        return a1(row, self.header.columns.get(field_name, 0))

    def student_cell(self, row: int) -> str:
        """The row's student ID cell, or its student name cell in a tab without IDs."""
        columns = self.header.columns
        return a1(row, columns.get("student_id", columns.get("student_name", 0)))

    def issue(
        self, cell: str, value: str, problem: str, fix: str, severity: Severity = Severity.ERROR
    ) -> DataIssue:
        return DataIssue(self.source, self.tab, cell, value, problem, fix, severity)


def _usable(record: Mapping[str, Any], where: _Where) -> DataIssue | None:
    """Why the row is not a goal (no student, no goal), or None when it is one. A cell that
    could not be read was reported already, so its row's issue says only that it is skipped."""
    row = record[ROW]
    if all(record[name] is None for name in IDENTITY):
        return where.issue(
            where.student_cell(row),
            "",
            "this goal does not say which student it is for, so it was skipped",
            "type the student's ID (or their name, as on the roster)",
        )
    if record["goal"] is None:
        return where.issue(
            where.cell(row, "goal"),
            "",
            "this row has no goal, so it was skipped",
            "write the goal in plain words, e.g. 'Raise the math grade to 75%'",
        )
    return None


def _checked_target(record: Mapping[str, Any], where: _Where) -> tuple[float, DataIssue | None]:
    """The row's target for its measure (NaN when none, or for a judged goal, whose target is
    words for the owner to judge), and the warning for one that cannot be used."""
    measure, typed = record["measure"], record["target"]
    if measure is Measure.JUDGED or values.is_blank(typed):
        return math.nan, None
    target = parse_target(typed)
    if target is None:
        return math.nan, None
    checked = target_of(target, measure) if isinstance(target, Target) else target
    if isinstance(checked, values.Invalid):
        shown = show(typed)
        return math.nan, where.issue(
            where.cell(record[ROW], "target"),
            shown,
            f"Target '{shown}' {checked.what}, so the goal ({measure.value.lower()}) is shown "
            "without progress",
            checked.fix,
            Severity.WARNING,
        )
    return float(checked), None


def _frame(kept: Sequence[Mapping[str, Any]], where: _Where) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {
        name: [record[name] for record in kept]
        for name in GOAL_COLUMNS
        if name not in ("source", "tab", "student_cell", "measured_in_cell")
    }
    columns["source"] = [where.source] * len(kept)
    columns["tab"] = [where.tab] * len(kept)
    columns["student_cell"] = [where.student_cell(record[ROW]) for record in kept]
    columns["measured_in_cell"] = field_cells(kept, where.header, "measured_in")
    dtypes = {"target": "float64", ROW: "int64"}
    return pd.DataFrame(
        {name: pd.Series(columns[name], dtype=dtypes.get(name, object)) for name in GOAL_COLUMNS}
    )


def parse_plan_address(value: object) -> str | values.Invalid | None:
    """A learning plan's web address, as pasted. Other text (a link's words copied without
    its address, "see folder") links nowhere: a spreadsheet would be given it as an address."""
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"https?://\S+", text, flags=re.IGNORECASE):
        return text
    return values.Invalid(
        "is not a web address, so it is not linked",
        "paste the plan's address, starting https://",
    )


def _text(value: object) -> str | None:
    return None if values.is_blank(value) else " ".join(whole_text(value).split())


def _as_typed(value: object) -> object:
    """The cell as typed: a target is read once the row's measure is known."""
    return value
