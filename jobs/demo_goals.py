"""The demo program's Goals tab: goals of every kind for a few students, typed as tutors,
teachers and the coordinator would, among them one met, one off pace and one past its date.
Made from the demo's students by `jobs.demo`; deterministic for a given `today`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

GOALS_TAB = "Goals"
GOALS_HEADER = (
    "Student ID",
    "Student name",
    "Goal",
    "Measured by",
    "Class or test",
    "Target",
    "By",
    "Owner",
    "Status",
)
Cell = str | int | float | date | None


@dataclass(frozen=True)
class GoalStudent:
    """What the goals need of a demo student."""

    student_id: str
    name: str  # "Ada Okoro"
    teacher: str  # their main teacher's e-mail
    ability: float  # their typical percentage score, near their grade


def goal_rows(students: Sequence[GoalStudent], today: date, coordinator: str) -> list[list[Cell]]:
    """The Goals tab for the first six of `students` (active, tutored, in ID order): a grade
    goal on its way, a grade goal off pace, sessions a week, a MAP Math score, a goal the
    teacher judges past its date, and one the teacher marked met, and one reached."""
    rows: list[list[Cell]] = [list(GOALS_HEADER)]
    if len(students) < 6:
        return rows
    on_way, off_pace, sessions, tested, judged, met = students[:6]
    rows += [
        [on_way.student_id, on_way.name, "Raise the math grade", "Grade %", on_way.teacher,
         f"{min(95, round(on_way.ability) + 6)}%", today + timedelta(weeks=8), on_way.teacher,
         "Open"],
        [off_pace.student_id, off_pace.name, "Top of the class in math by the break", "Grade %",
         off_pace.teacher, "99%", today + timedelta(weeks=1), coordinator, "Open"],
        [sessions.student_id, sessions.name, "Come to tutoring three times a week",
         "Sessions a week", None, "3 a week", today + timedelta(weeks=4), coordinator, None],
        [tested.student_id, tested.name, "Grow on the winter MAP Math test",
         "Assessment score", "MAP Math", 215, today + timedelta(weeks=10), coordinator, "Open"],
        [judged.student_id, judged.name, "Read a chapter book on their own",
         "Judged by the teacher", None, None, today - timedelta(days=6), judged.teacher, "Open"],
        # Typed by name only: the ID column was left blank.
        [None, met.name, "Show working on every homework problem", "Judged by the teacher",
         None, None, today + timedelta(weeks=2), met.teacher, "Met"],
        [met.student_id, met.name, "Keep the math grade above a pass", "Grade", met.teacher,
         "40%", today + timedelta(weeks=6), met.teacher, "Open"],
        [judged.student_id, judged.name, "Old goal from September", None, None, None, None,
         None, "Dropped"],
    ]  # fmt: skip
    return rows
