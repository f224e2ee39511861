"""Reconcile scaling: the pure part of the progress job (parse, reconcile, plan) for programs of
1k, 10k and 100k students, with time per stage, peak memory and the growth exponent.

    .venv/bin/python -m bench.reconcile_scale [--students 1000 10000 100000]

The grids are built in memory, as a Workspace would return them, from a seeded generator: no
files, no Workspace I/O, no clock. The shape follows `jobs.demo` (its tutor log and roster
headers, the same kinds of cells: real dates and typed ones, minutes as numbers and as "45 min"
or "1:15", attendance words, scores as points, half points, "85%", "17/20", M and EX), scaled:

- a roster of one row per student, with a few rows an educator would get wrong;
- ~20 sessions per student over 10 weeks, in one tutor log per 5,000 students (a Google Form
  tab for weeks 5-10 and a hand-typed tab for weeks 1-4, as in the demo). One log per site
  keeps each spreadsheet under Google's 10-million-cell limit, which a single log of 2M
  sessions would not be;
- 50 grade cells per student (five assignments a week), one gradebook per class of 30: a
  teacher's gradebook is a class section in practice, and many small gradebooks are also the
  harder case for per-gradebook and per-teacher costs (100k students: 3,334 gradebooks, as many
  teacher tabs to plan).

About 1 session in 1,000 and 1 grade cell in 2,000 is messy in a way that makes it an error
issue (minutes 'abc', attendance 'maybe', an ID that is '#N/A' or on no roster, a future or
duplicated session, a score 'N/A' or '1,200'), and more are read with a warning or silently
(IDs typed as numbers without their leading zeros, sessions naming only the student, numbers
typed as text, blank cells), so issue reporting is exercised at scale.

Each size runs in its own process, so its peak memory (getrusage's ru_maxrss, which counts
numpy and pandas buffers too) is its own; "grids MB" is the process after building the grids,
before parsing (the grids are let go once parsed, as `read_program` does). The growth
exponent is the slope of log(total time) against log(students) between consecutive sizes: 1.0
is linear. The report ends with issue 17's targets, each met or MISSED: 100,000 students in
under 10 s and 2 GB, and an exponent of at most 1.05 at every step.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.demo import FORM_HEADER, OLDER_HEADER, ROSTER_HEADER  # noqa: E402
from jobs.links import progress_links  # noqa: E402
from jobs.parse import parse_sources  # noqa: E402
from jobs.plan import tabs as planning  # noqa: E402
from jobs.plan.progress import desired_tabs, tutor_log_tabs  # noqa: E402
from jobs.plan.spreadsheets import teacher_spreadsheets, written_spreadsheets  # noqa: E402
from jobs.read import Reading  # noqa: E402
from jobs.reconcile.program import reconcile  # noqa: E402
from jobs.settings import Settings, parse  # noqa: E402
from jobs.workspace.local.workspace import LocalWorkspace  # noqa: E402
from sheets_schema.cells import Grid, SpreadsheetState  # noqa: E402

AS_OF = date(2026, 3, 20)
SEED = 2026
WEEKS = 10
OLDER_WEEKS = 4  # weeks 1-4 in the hand-typed tab, 5-10 in the form's
SESSIONS_PER_WEEK = 2  # ~20 sessions per student
STUDENTS_PER_LOG = 5_000
STUDENTS_PER_CLASS = 30
STUDENTS_PER_TUTOR = 10
FORM_TAB, OLDER_TAB = "Form Responses 1", "Older sessions"
DOMAIN = "school.example"
QUICK_SIZES = (1_000, 10_000)
FULL_SIZES = (1_000, 10_000, 100_000)
TARGET_SECONDS, TARGET_MB = 10.0, 2048.0  # issue 17, for 100k students
TARGET_GROWTH = 1.05  # issue 17: the exponent of total time, at every step between sizes

# Five assignments a week: (name, points, category, day of the week due).
WEEKLY_ASSIGNMENTS = (
    ("HW {w}a", 10, "Homework", 0),
    ("HW {w}b", 10, "Homework", 2),
    ("Classwork {w}", 10, "Classwork", 3),
    ("Quiz {w}", 20, "Quiz", 4),
    ("Exit ticket {w}", 5, "Classwork", 4),
)
NOTES = (
    "Fractions: adding unlike denominators",
    "Reading fluency, chapter 3",
    "Word problems with two steps",
    "Reviewed the unit test",
    "Main idea and supporting details",
    "Multiplication facts, 6-9",
    "=see last week",  # formula-like text stays text
    "Essay outline",
)
NEXT_STEPS = ("Practise with the worksheet", "Finish chapter 4", None, "Quiz on Friday")


@dataclass(frozen=True)
class Program:
    """A generated program: its settings and the grid of every source tab."""

    settings: Settings
    grids: dict[tuple[str, str], Grid]
    sessions: int  # rows in the tutor logs
    grade_cells: int  # non-blank cells under assignments in the gradebooks


def student_id(number: int) -> str:
    return f"{number:06d}"


def teacher_email(number: int) -> str:
    return f"teacher{number:05d}@{DOMAIN}"


def tutor_email(number: int) -> str:
    return f"tutor{number:05d}@{DOMAIN}"


def generate(students: int, seed: int = SEED) -> Program:
    """Deterministic grids and settings for a program of `students` students."""
    rng = np.random.default_rng(seed)
    classes = math.ceil(students / STUDENTS_PER_CLASS)
    logs = math.ceil(students / STUDENTS_PER_LOG)
    grids: dict[tuple[str, str], Grid] = {("roster.xlsx", "Roster"): _roster(rng, students)}
    sessions = 0
    for log in range(logs):
        first = log * STUDENTS_PER_LOG
        form, older = _tutor_log(rng, range(first, min(students, first + STUDENTS_PER_LOG)))
        grids[(f"logs/site{log:03d}.xlsx", FORM_TAB)] = form
        grids[(f"logs/site{log:03d}.xlsx", OLDER_TAB)] = older
        sessions += len(form) - 1 + len(older) - 1
    grade_cells = 0
    for number in range(classes):
        first = number * STUDENTS_PER_CLASS
        book = _gradebook(rng, range(first, min(students, first + STUDENTS_PER_CLASS)))
        grids[(f"gradebooks/teacher{number:05d}.xlsx", "Grades")] = book
        grade_cells += sum(cell is not None for row in book[4:] for cell in row[2:])
    config = {
        "program": {"name": f"Scale test, {students} students (fictional)"},
        "sources": {
            "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
            "tutor_logs": [
                {"spreadsheet": f"logs/site{log:03d}.xlsx", "tabs": [FORM_TAB, OLDER_TAB]}
                for log in range(logs)
            ],
            "gradebooks": [
                {
                    "spreadsheet": f"gradebooks/teacher{number:05d}.xlsx",
                    "tab": "Grades",
                    "teacher": teacher_email(number),
                }
                for number in range(classes)
            ],
        },
        "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
    }
    return Program(parse(config, config_dir=ROOT), grids, sessions, grade_cells)


def _roster(rng: np.random.Generator, students: int) -> Grid:
    rows: Grid = [list(ROSTER_HEADER)]
    grade = rng.choice([6, 7, 8], size=students).tolist()
    active_roll = rng.random(students).tolist()
    for number in range(students):
        roll = active_roll[number]
        active = (
            "No" if roll < 0.03 else "Inactive" if roll < 0.05 else "Yes" if roll < 0.6 else None
        )
        rows.append(
            [
                student_id(number),
                f"Student {student_id(number)}",
                grade[number],
                teacher_email(number // STUDENTS_PER_CLASS),
                tutor_email(number // STUDENTS_PER_TUTOR),
                active,
            ]
        )
    # An educator's usual slips: a blank row, a row without an ID, a grade typed as text.
    rows.insert(len(rows) // 2, [None] * len(ROSTER_HEADER))
    rows.append([None, "Riley Noid", "7", teacher_email(0), tutor_email(0), "Yes"])
    return rows


def _tutor_log(rng: np.random.Generator, numbers: range) -> tuple[Grid, Grid]:
    """A form tab (weeks 5-10) and a hand-typed tab (weeks 1-4) for these students."""
    draws = _draw_sessions(rng, numbers)
    per_student = WEEKS * SESSIONS_PER_WEEK
    form: Grid = [list(FORM_HEADER)]
    older: Grid = [list(OLDER_HEADER)]
    for position, number in enumerate(numbers):
        sid, name = student_id(number), f"Student {student_id(number)}"
        for k in range(position * per_student, (position + 1) * per_student):
            session_week = k % per_student // SESSIONS_PER_WEEK
            if number in draws.no_recent and session_week >= WEEKS - 3:
                break
            session = _logged_session(draws, k, sid, name)
            name = session.name  # an unknown ID's name stays for the student's later sessions
            if session_week < OLDER_WEEKS:
                older.append(_older_row(draws, number, session))
                continue
            row = _form_row(draws, k, number, session)
            form.append(row)
            if session.roll > 0.9998:  # submitted twice
                form.append(list(row))
    return form, older


@dataclass(frozen=True)
class _SessionDraws:
    """Every random draw for one tutor log's sessions, drawn up front and indexed by k, which
    counts the sessions student after student; and the days they fall on."""

    days: list[date]
    typed_days: dict[date, tuple[str, str, str]]  # each day as educators type it
    offset: list[int]  # the session's day in `days`
    present: list[bool]
    minutes: list[int]
    style: list[float]  # how the form's date and minutes are typed
    word: list[int]  # which attendance word
    note: list[int]
    follow: list[float]
    second: list[int]  # when the form was submitted, after 15:00
    mess: list[float]  # what an educator got wrong, if anything
    no_recent: set[int]  # students with no session in the last three weeks


def _draw_sessions(rng: np.random.Generator, numbers: range) -> _SessionDraws:
    start = AS_OF - timedelta(days=7 * WEEKS - 1)
    days = [start + timedelta(days=offset) for offset in range(7 * WEEKS + 7)]
    typed_days = {
        day: (f"{day.month}/{day.day}/{day.year}", f"{day:%b} {day.day}, {day.year}", str(day))
        for day in days
    }
    per_student = WEEKS * SESSIONS_PER_WEEK
    count = len(numbers) * per_student
    # Session k of a student is in week k // 2, early (Mon/Tue) or late (Wed/Thu) in the week.
    week = np.tile(np.arange(per_student) // SESSIONS_PER_WEEK, len(numbers))
    weekday = np.tile(np.arange(per_student) % SESSIONS_PER_WEEK * 2, len(numbers))
    return _SessionDraws(
        days=days,
        typed_days=typed_days,
        offset=(week * 7 + weekday + rng.integers(0, 2, count)).tolist(),
        present=(rng.random(count) < 0.87).tolist(),
        minutes=rng.choice([30, 45, 60, 75], size=count, p=[0.27, 0.37, 0.27, 0.09]).tolist(),
        style=rng.random(count).tolist(),
        word=rng.integers(0, 13, count).tolist(),
        note=rng.integers(0, len(NOTES) * 5 // 4, count).tolist(),  # a fifth without notes
        follow=rng.random(count).tolist(),
        second=rng.integers(0, 6 * 3600, count).tolist(),
        mess=rng.random(count).tolist(),
        no_recent=set(rng.choice(list(numbers), size=max(1, len(numbers) // 10), replace=False)),
    )


_PRESENT_WORDS = ("Present",) * 10 + ("P", "P", "present")
_ABSENT_WORDS = ("Absent", "Absent", "No show", "Tutor cancelled")


class _Session(NamedTuple):
    """One session as the tutor logged it, mistakes included."""

    day: date
    attended: bool
    minutes: object
    attendance: str
    notes: str | None
    follow_up: str | None
    typed_id: object
    typed_date: object
    name: str
    roll: float  # the draw that chose its mistake


def _logged_session(draws: _SessionDraws, k: int, sid: str, name: str) -> _Session:
    day = draws.days[draws.offset[k]]
    attended = draws.present[k]
    session_minutes: object = draws.minutes[k] if attended else None
    word = draws.word[k]
    attendance = _PRESENT_WORDS[word] if attended else _ABSENT_WORDS[word % 4]
    notes = NOTES[draws.note[k]] if attended and draws.note[k] < len(NOTES) else None
    follow = draws.follow[k]
    follow_up = "Yes" if follow < 0.02 else "No" if follow < 0.5 else None
    typed_id: object = sid
    typed_date: object = day
    roll = draws.mess[k]
    # Read without an issue: an ID without its zeros, a name only, numbers as text.
    if roll < 0.002:
        typed_id = int(sid) if int(sid) else sid
    elif roll < 0.003:
        typed_id = None
    # Each an issue: an unknown ID, "#N/A", minutes "abc", attendance "maybe", a future
    # date, a session logged twice (in _tutor_log).
    elif roll < 0.0032:
        typed_id, name = "999999", "Kit Marlowe-Vance"
    elif roll < 0.0034:
        typed_id = "#N/A"
    elif roll < 0.0036:
        session_minutes = "abc"
    elif roll < 0.0038:
        attendance = "maybe"
    elif roll < 0.0039:
        day = typed_date = AS_OF + timedelta(days=3)
    return _Session(
        day,
        attended,
        session_minutes,
        attendance,
        notes,
        follow_up,
        typed_id,
        typed_date,
        name,
        roll,
    )


def _older_row(draws: _SessionDraws, number: int, session: _Session) -> list[object]:
    """The session in the hand-typed tab: dates typed as text, Yes/No attendance."""
    return [
        draws.typed_days[session.day][0],
        f"Tutor {number // STUDENTS_PER_TUTOR:05d}",
        session.typed_id,
        session.name,
        session.minutes,
        "Yes" if session.attended else "No",
        "yes" if session.follow_up == "Yes" else None,
    ]


def _form_row(draws: _SessionDraws, k: int, number: int, session: _Session) -> list[object]:
    """The session as the Google Form records it, some dates and minutes typed as text."""
    typed_date = session.typed_date
    if draws.style[k] < 0.2 and session.day <= AS_OF:
        typed_date = draws.typed_days[session.day][k % 3]
    session_minutes = session.minutes
    if session.attended and isinstance(session_minutes, int) and 0.2 <= draws.style[k] < 0.5:
        session_minutes = _duration_text(session_minutes, k % 3)
    submitted = datetime.combine(session.day, datetime.min.time()) + timedelta(
        hours=15, seconds=draws.second[k]
    )
    return [
        submitted,
        tutor_email(number // STUDENTS_PER_TUTOR),
        session.typed_id,
        session.name,
        typed_date,
        session_minutes,
        session.attendance,
        "Math" if number % 5 < 3 else "Reading",
        session.notes,
        NEXT_STEPS[draws.note[k] % len(NEXT_STEPS)] if session.notes else None,
        session.follow_up,
    ]


def _duration_text(minutes: int, style: int) -> str:
    if style == 0:
        return f"{minutes} min"
    if style == 1:
        return f"{minutes // 60}:{minutes % 60:02d}"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if hours else f"{minutes}m"


def _gradebook(rng: np.random.Generator, numbers: range) -> Grid:
    start = AS_OF - timedelta(days=7 * WEEKS - 1)
    assignments = [
        (name.format(w=week + 1), points, category, start + timedelta(days=7 * week + day))
        for week in range(WEEKS)
        for name, points, category, day in WEEKLY_ASSIGNMENTS
    ]
    rows: Grid = [
        ["Student ID", "Student", *(a[0] for a in assignments)],
        ["Points", None, *(a[1] for a in assignments)],
        ["Date", None, *(a[3] for a in assignments)],
        ["Category", None, *(a[2] for a in assignments)],
    ]
    shape = (len(numbers), len(assignments))
    ability = rng.normal(80, 9, size=(len(numbers), 1))
    percent = np.clip(rng.normal(ability, 8, size=shape), 0, 100)
    points = np.array([a[1] for a in assignments], dtype=float)
    earned = (percent / 100 * points).tolist()
    percent_list = percent.tolist()
    roll = rng.random(shape).tolist()
    last_columns = len(assignments) - 3  # the last assignments are not all graded yet
    for position, number in enumerate(numbers):
        cells: list[object] = [student_id(number), f"Student {student_id(number)}"]
        for column, r in enumerate(roll[position]):
            value = earned[position][column]
            if r < 0.015:
                cells.append("M")
            elif r < 0.025:
                cells.append("EX")
            elif r < 0.1 and column >= last_columns:
                cells.append(None)
            elif r < 0.7:
                cells.append(round(value))
            elif r < 0.78:
                cells.append(round(value * 2) / 2)  # half points, a float
            elif r < 0.86:
                cells.append(f"{round(percent_list[position][column])}%")
            elif r < 0.94:
                cells.append(f"{round(value)}/{int(points[column])}")
            elif r < 0.9995:
                cells.append(str(round(value)))  # a number stored as text
            else:
                cells.append("N/A" if r < 0.9998 else "1,200")  # each an issue
        rows.append(cells)
    return rows


# --- Timing -----------------------------------------------------------------------------------


def run_one(students: int) -> dict[str, Any]:
    """Generate a program and time its pure pipeline; figures as a dict (run in a fresh
    process, so peak memory is this size's own)."""
    program = generate(students)
    grids_mb = _max_rss_mb()
    settings, grids = program.settings, program.grids
    sessions, grade_cells = program.sessions, program.grade_cells
    del program
    started = time.perf_counter()
    parsed = parse_sources(settings, grids, [])
    parsed_at = time.perf_counter()
    del grids  # as read_program does once every cell is parsed
    reconciled = reconcile(settings, parsed, as_of=AS_OF)
    reconciled_at = time.perf_counter()
    workspace = LocalWorkspace(ROOT / "nowhere")  # only builds links; reads and writes nothing
    placed = teacher_spreadsheets(settings)
    states = {
        name: SpreadsheetState(False, {}, frozenset()) for name in written_spreadsheets(settings)
    }
    reading = Reading(reconciled, states, placed, ())
    links = progress_links(settings, workspace, reading, None, None)
    desired = desired_tabs(
        settings, reconciled, placed, states, links, updated="2026-03-20 08:00", as_of=AS_OF
    )
    desired += tutor_log_tabs(settings, reconciled, states)
    actions = planning.plan_writes(desired, states)
    planned_at = time.perf_counter()
    return {
        "students": students,
        "sessions": sessions,
        "grade_cells": grade_cells,
        "issues": len(reconciled.issues),
        "tabs": len(actions),
        "parse_s": parsed_at - started,
        "reconcile_s": reconciled_at - parsed_at,
        "plan_s": planned_at - reconciled_at,
        "total_s": planned_at - started,
        "grids_mb": grids_mb,
        "peak_mb": _max_rss_mb(),
    }


def _max_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Each size's figures, each from its own process."""
    results = []
    for students in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.reconcile_scale", "--one", str(students)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def render(results: Sequence[dict[str, Any]]) -> str:
    """The markdown: title, table, growth exponents."""
    lines = [
        "## Reconcile scaling: parse + reconcile + plan, pure",
        "",
        "| students | sessions | grade cells | issues | parse s | reconcile s | plan s | total s "
        "| grids MB | peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['students']:,} | {r['sessions']:,} | {r['grade_cells']:,} | {r['issues']:,} "
            f"| {r['parse_s']:.2f} | {r['reconcile_s']:.2f} | {r['plan_s']:.2f} "
            f"| {r['total_s']:.2f} | {r['grids_mb']:,.0f} | {r['peak_mb']:,.0f} |"
        )
    lines.append("")
    # Between consecutive sizes; a size given twice has no step to itself.
    pairs = [(a, b) for a, b in pairwise(results) if a["students"] != b["students"]]
    growth = [_exponent(a, b) for a, b in pairs]
    steps = [
        f"{a['students']:,}→{b['students']:,}: {exponent:.2f}"
        for (a, b), exponent in zip(pairs, growth, strict=True)
    ]
    lines.append("Growth exponent of total time (1.0 = linear): " + (", ".join(steps) or "-"))
    largest = max(results, key=lambda r: r["students"])
    if largest["students"] >= 100_000:
        met = largest["total_s"] < TARGET_SECONDS and largest["peak_mb"] < TARGET_MB
        lines.append(
            f"Target for 100k students (< {TARGET_SECONDS:.0f} s, < {TARGET_MB:,.0f} MB): "
            + ("met" if met else "not met")
        )
        students = f"{largest['students']:,} students"
        lines.append("")
        lines.append(
            f"- {students}, parse + reconcile + plan: {largest['total_s']:.2f} s "
            f"(target < {TARGET_SECONDS:g} s: {_verdict(largest['total_s'] < TARGET_SECONDS)})"
        )
        lines.append(
            f"- {students}, peak memory: {largest['peak_mb']:,.0f} MB "
            f"(target < {TARGET_MB:,.0f} MB: {_verdict(largest['peak_mb'] < TARGET_MB)})"
        )
    if growth:
        lines.append(
            f"- growth exponent, worst step: {max(growth):.2f} "
            f"(target <= {TARGET_GROWTH}: {_verdict(max(growth) <= TARGET_GROWTH)})"
        )
    return "\n".join(lines)


def _exponent(smaller: dict[str, Any], larger: dict[str, Any]) -> float:
    """The slope of log(total time) against log(students) between two sizes."""
    return math.log(larger["total_s"] / smaller["total_s"]) / math.log(
        larger["students"] / smaller["students"]
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(quick: bool) -> str:
    """The rendered markdown for 1k and 10k students (quick, for CI) or 1k, 10k and 100k."""
    return render(measure(QUICK_SIZES if quick else FULL_SIZES))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=list(FULL_SIZES))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process's size
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    print(render(measure(args.students)))


if __name__ == "__main__":
    main()
