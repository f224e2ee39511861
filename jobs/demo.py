"""A fictional tutoring program with realistic mess, for `tutorsync demo`, end-to-end tests and
scale timing.

`create_demo` writes the sources educators would type (a roster, a tutor log with a Google
Form tab and an older hand-typed tab, one gradebook per teacher, one of them a CSV file) and the
`tutorsync.toml` that reads them. Everything comes from `random.Random(seed)` and `today`: the
same arguments give the same cells, with no clock and no global random state.

Students are built so that every flag has someone to raise it: about 10% have no session in the
last 3 weeks, some attend a third of their sessions, about 10% fall 20+ points between the
previous 4 weeks and the last 4, some sit below 70 overall, a few have 3 or more missing (M)
marks in the last 4 weeks, and a few sessions in the last 2 weeks ask for follow-up.
`PLANTED_MESS` lists the deliberate mistakes, each planted once.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from jobs.demo_goals import GOALS_TAB, GoalStudent, goal_rows
from jobs.history import run_history
from jobs.reconcile.matching import RosterLookup, like_a_roster_name
from jobs.report import RunReport
from jobs.settings import load
from jobs.workspace import open_workspace
from sheets_schema.values import normalise_name

PROGRAM_NAME = "Riverbend Demo Tutoring (fictional)"
TIMEZONE = "America/Chicago"
DOMAIN = "riverbend.example"  # reserved for examples (RFC 2606): no one's real address
WEEKS = 10  # of sessions and grades before today, by default
MIN_WEEKS, MAX_WEEKS = 6, 40  # a test in week 5 and the last; up to a school year
OLDER_WEEKS = 4  # the hand-typed "Older sessions" tab holds weeks 1-4; the form, the rest
MIN_STUDENTS = 12  # enough for every planted mistake and flag to land on a different student
MAX_STUDENTS = 90_000  # student IDs are 5 digits

CONFIG = "tutorsync.toml"
ROSTER = "roster.xlsx"
ROSTER_TAB = "Roster"
STAFF_TAB = "Staff"
TUTOR_LOG = "tutor_log.xlsx"
FORM_TAB = "Form Responses 1"
OLDER_TAB = "Older sessions"
GRADES_TAB = "Grades"
COORDINATOR = "coordinator.xlsx"
BENCHMARK = "benchmark.xlsx"
BENCHMARK_TAB = "MAP results"
CALENDAR = "calendar.ics"
FOLDERS = "folders"  # a folder per student, under <term>/
TEMPLATE = "templates/Individual learning plan.xlsx"
COORDINATOR_EMAIL = f"coordinator@{DOMAIN}"
UNKNOWN_STUDENT_ID = "99999"
CLASSMATES = 12  # each gradebook's students who are not in the program, as a class has
UNKNOWN_STUDENT_NAME = "Kit Marlowe-Vance"

ROSTER_HEADER = ("Student ID", "Student Name", "Grade", "Teacher Email", "Tutor Email", "Active")
FORM_HEADER = (
    "Timestamp", "Email Address", "Student ID", "Student Name", "Session Date", "Duration",
    "Attendance", "Subject", "Notes", "Next steps", "Follow-up needed?",
)  # fmt: skip
OLDER_HEADER = ("Date", "Tutor", "ID", "Student", "Minutes", "Attended?", "Follow up")
CUSTOM_ID_HEADER = "Learner #"  # not a known alias: the config maps it


@dataclass(frozen=True)
class PlantedMess:
    """One deliberate mistake in the demo sources, for tests and docs to point at."""

    key: str
    spreadsheet: str
    tab: str
    what: str


# Teachers 0 and 1 are always Ms. Okafor (xlsx, "Learner #" IDs) and Mr. Banda (CSV).
_FIRST_GRADEBOOK = "gradebooks/okafor.xlsx"
_CSV_GRADEBOOK = "gradebooks/banda.csv"

PLANTED_MESS: tuple[PlantedMess, ...] = (
    PlantedMess("misspelled_name_without_id", TUTOR_LOG, FORM_TAB,
                "a session for roster student 'Molemone, Thabo' typed 'Thabo Mahlemone', "
                "Student ID blank"),
    PlantedMess("accents_stripped_name_without_id", TUTOR_LOG, FORM_TAB,
                "a session for roster student 'Ávila, José' typed 'Jose Avila', Student ID "
                "blank; it should still match by name"),
    PlantedMess("duplicate_session", TUTOR_LOG, FORM_TAB,
                "one session submitted twice, two minutes apart: same student, date, tutor "
                "and minutes"),
    PlantedMess("minutes_not_a_number", TUTOR_LOG, FORM_TAB, "a Duration of 'abc'"),
    PlantedMess("unknown_attendance", TUTOR_LOG, FORM_TAB, "an Attendance of 'maybe'"),
    PlantedMess("future_session", TUTOR_LOG, FORM_TAB,
                "a Session Date 3 days after today (a real date cell)"),
    PlantedMess("student_not_on_roster", TUTOR_LOG, FORM_TAB,
                f"Student ID '{UNKNOWN_STUDENT_ID}' named '{UNKNOWN_STUDENT_NAME}', who is on "
                "no roster and matches no name"),
    PlantedMess("formula_like_notes", TUTOR_LOG, FORM_TAB,
                "Notes '=see last week' and '+1 more worksheet', stored as text; they must "
                "stay text when copied anywhere"),
    PlantedMess("score_not_a_score", _FIRST_GRADEBOOK, GRADES_TAB, "a score 'N/A'"),
    PlantedMess("ids_typed_as_numbers", _FIRST_GRADEBOOK, GRADES_TAB,
                f"the ID column is headed '{CUSTOM_ID_HEADER}' (mapped in the config) and some "
                "IDs are numbers without their leading zeros (123 for '00123')"),
    PlantedMess("csv_gradebook", _CSV_GRADEBOOK, GRADES_TAB,
                "one gradebook is a CSV file (all text, m/d/yyyy dates), so the config sends "
                "that teacher's progress tab to progress/banda-progress.xlsx"),
    PlantedMess("blank_roster_row", ROSTER, ROSTER_TAB, "one fully blank row in the middle"),
)  # fmt: skip

# Fictional by construction: first and last names are combined at random.
FIRST_NAMES = (
    "Aaliyah", "Adebayo", "Aiko", "Alejandro", "Amara", "Anh", "Anne-Marie", "Aroha", "Ayesha",
    "Bao", "Beatriz", "Björn", "Camila", "Chidi", "Chloé", "Dmitri", "Elif", "Émile", "Emeka",
    "Esperanza", "Fatima", "Felipe", "Freya", "Grace", "Hamza", "Hana", "Ibrahim", "Imani",
    "Inés", "Isabella", "Jae-won", "Jamal", "Javier", "José", "Kai", "Kalani", "Kenji",
    "Khadija", "Kofi", "Lars", "Layla", "Leilani", "Liam", "Lucía", "Malik", "Mateo", "Maya",
    "Mei", "Min-jun", "Nadia", "Naomi", "Ngozi", "Niamh", "Noah", "Noémie", "Olu", "Oluwaseun",
    "Omar", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Saanvi", "Santiago", "Sione",
    "Siobhán", "Sofía", "Tariq", "Thandiwe", "Tomás", "Valentina", "Wei", "Ximena", "Xiomara",
    "Yara", "Yusuf", "Zainab", "Zoë", "Zuri",
)  # fmt: skip
LAST_NAMES = (
    "Abara", "Achterberg", "Adeyemi", "Akhtar", "Almeida", "Andersen", "Bergström", "Bianchi",
    "Castillo", "Chowdhury", "Costa", "D'Angelo", "Dang", "Delacroix", "Díaz", "Dubois",
    "Eriksen", "Fernández", "Fitzgerald", "Gallagher", "García", "Goldberg", "Gonçalves",
    "Haddad", "Hernández", "Horvat", "Ibáñez", "Ivanova", "Jankowski", "Jiménez", "Kamau",
    "Kapoor", "Kawasaki", "Kealoha", "Kim", "Kowalski", "Kruger", "Le Roux", "Lindqvist",
    "López", "MacLeod", "Mendoza", "Møller", "Moreau", "Müller", "Nakamura", "Ndlovu", "Nguyen",
    "Nguyen-Tran", "Novak", "Nwosu", "O'Brien", "O'Connor", "Okonkwo", "Oyelaran",
    "Papadopoulos", "Park", "Patel", "Peña", "Petrov", "Quispe", "Rahman", "Ramírez", "Rossi",
    "Said", "Santos", "Schmidt", "Sharma", "Silva", "Sokolov", "St. Clair", "Suárez",
    "Takahashi", "Tanaka", "Thompson", "Tran", "Van der Berg", "Vásquez", "Wang", "Watanabe",
    "Whitehorse", "Wójcik", "Yilmaz", "Zhang", "Zulu",
)  # fmt: skip
# The rest of each class (not in the program) takes its surnames apart, so that its names are
# rarely like a roster student's and are found quickly at any size.
CLASSMATE_LAST_NAMES = (
    "Aguilar", "Bakshi", "Caruso", "Dimitrov", "Ekwueme", "Ferreira", "Gutiérrez", "Hosseini",
    "Iwu", "Jovanović", "Kaplan", "Lacroix", "Mbeki", "Nakashima", "Ortega", "Pham", "Qureshi",
    "Rautio", "Sandoval", "Toure", "Uribe", "Vargas", "Wiśniewski", "Xu", "Yamada", "Zapata",
)  # fmt: skip
# Always on the roster; the first two are the targets of the planted name mistakes, so their
# names appear nowhere else (Thabo, Molemone and Ávila are not in the lists above).
FEATURED_STUDENTS = (("José", "Ávila"), ("Thabo", "Molemone"), ("Zoë", "Lindqvist"),
                     ("Anne-Marie", "O'Brien"))  # fmt: skip
TEACHERS = (
    ("ms", "Okafor"), ("mr", "Banda"), ("ms", "Reyes"), ("mr", "Lindgren"), ("ms", "Mensah"),
    ("mx", "Delgado"), ("ms", "Kowalczyk"), ("mr", "Nakashima"), ("ms", "Osei"),
    ("mr", "Brennan"), ("ms", "Castellanos"), ("mr", "Fonseca"), ("ms", "Adler"), ("mr", "Iyer"),
    ("ms", "Mwangi"), ("mx", "Petersen"), ("ms", "Halloran"), ("mr", "Tuilagi"),
    ("ms", "Duarte"), ("mr", "Sato"), ("ms", "Whitaker"), ("mr", "Oduya"), ("ms", "Ferreira"),
    ("mr", "Bjornsen"),
)  # fmt: skip
TUTOR_SURNAMES = (
    "Lee", "Ortiz", "Shah", "Ward", "Bello", "Cruz", "Fox", "Hale", "Ito", "Jain", "Khan",
    "Lund", "Moss", "Nair", "Quinn", "Roy", "Tan", "Vega", "Webb", "Young", "Zaman", "Abbott",
    "Baker", "Chu", "Diallo", "Eze", "Ford", "Gil", "Hart", "Ueda",
)  # fmt: skip
SESSION_NOTES = (
    "Fractions review", "Worked on reading fluency", "Practised multiplying decimals",
    "Read chapter 3 of the class novel together", "Word problems; units still tricky",
    "Great focus today", "Reviewed for Friday's quiz", "Vocabulary flashcards",
    "Started long division", "Summarised a news article", "Arrived late, short session",
    "Ratios and rates", "Main idea and supporting details", "Finished the homework packet",
    "Integers on a number line", "Wrote a paragraph with evidence",
)  # fmt: skip

# What a tutor plans after each kind of session (derived from the notes, so the random
# sequence that makes the rest of the demo is unchanged).
NEXT_STEPS = {
    "Fractions review": "Mixed numbers next",
    "Worked on reading fluency": "Timed reading with the class novel",
    "Practised multiplying decimals": "Dividing decimals",
    "Word problems; units still tricky": "More unit conversions",
    "Reviewed for Friday's quiz": "Go over the quiz together",
    "Started long division": "Long division with remainders",
    "Ratios and rates": "Unit rates in word problems",
    "Main idea and supporting details": "Summarise a short article",
}

_Cell = str | int | float | date | None  # datetime is a date


@dataclass(frozen=True)
class _Teacher:
    email: str
    slug: str  # file name: gradebooks/<slug>.xlsx
    gradebook: str  # path relative to the config
    ids_as_numbers: bool


@dataclass(frozen=True)
class _Tutor:
    email: str
    name: str  # as typed in the older tab: "Tutor Lee"


@dataclass(frozen=True)
class _Student:
    student_id: str
    first: str
    last: str
    grade_level: int
    teachers: tuple[int, ...]  # indexes into the program's teachers; the first is the main one
    tutor: int | None
    active: bool
    active_cell: str | None
    subject: str
    featured: bool
    attendance_pattern: str  # "regular", "no_recent" or "low"
    grade_pattern: str  # "regular", "drop", "low" or "missing"
    ability: float  # typical percentage score

    @property
    def first_last(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class _Program:
    start: date  # first day of week 1
    today: date
    weeks: int
    teachers: list[_Teacher]
    tutors: list[_Tutor]
    students: list[_Student]  # roster order


@dataclass(slots=True)
class _Session:
    student: _Student | None
    tutor: _Tutor
    day: date
    minutes: int | None
    present: bool
    timestamp: datetime
    student_id_cell: str | None
    student_name_cell: str
    date_cell: _Cell
    duration_cell: _Cell
    attendance_cell: str
    subject: str
    notes: str | None
    follow_up: str | None
    planted: str = ""


@dataclass(frozen=True)
class _Assignment:
    name: str
    points: int
    due: date
    category: str
    week: int  # 1..weeks


def create_season(
    folder: Path, *, today: date, students: int, weeks: int
) -> tuple[Path, RunReport]:
    """`create_demo`, then its Weekly history and Program overview built for its weeks, as if
    the program had run all season (`tutorsync history --rebuild`); the config's path and the
    history job's report."""
    config = create_demo(folder, today=today, students=students, weeks=weeks)
    settings = load(config)
    report = run_history(
        settings,
        open_workspace(settings, jobs=("progress",)),
        as_of=today,
        since=today - timedelta(weeks=weeks) + timedelta(days=1),
    )
    return config, report


def create_demo(
    folder: Path, *, today: date, students: int = 60, seed: int = 7, weeks: int = WEEKS
) -> Path:
    """Write a fictional program's source spreadsheets and its tutorsync.toml into `folder`;
    return the config path.

    Deterministic for a given (today, students, seed, weeks). Raises FileExistsError when the
    folder already holds a tutorsync.toml, and ValueError for a student count outside
    MIN_STUDENTS..MAX_STUDENTS or weeks outside MIN_WEEKS..MAX_WEEKS.
    """
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise ValueError(
            f"a demo program has {MIN_STUDENTS} to {MAX_STUDENTS} students, not {students}"
        )
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise ValueError(f"a demo program runs {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}")
    config_path = folder / CONFIG
    if config_path.exists():
        raise FileExistsError(f"{config_path} already exists")
    rng = random.Random(seed)
    program = _program(rng, today, students, weeks)
    form, older = _sessions(rng, program)
    form = _plant_tutor_log_mess(rng, form, program)
    (folder / "gradebooks").mkdir(parents=True, exist_ok=True)
    _write_xlsx(
        folder / ROSTER,
        {
            ROSTER_TAB: _roster_rows(rng, program),
            STAFF_TAB: _staff_rows(program),
            GOALS_TAB: goal_rows(_goal_students(program), program.today, COORDINATOR_EMAIL),
        },
    )
    _write_xlsx(folder / TUTOR_LOG, {FORM_TAB: _form_rows(form), OLDER_TAB: _older_rows(older)})
    _write_gradebooks(rng, folder, program)
    # Its own random numbers: the sources above stay as they were before it existed.
    _write_xlsx(folder / BENCHMARK, {BENCHMARK_TAB: _benchmark_rows(random.Random(seed), program)})
    (folder / FOLDERS).mkdir(exist_ok=True)
    (folder / TEMPLATE).parent.mkdir(exist_ok=True)
    _write_xlsx(folder / TEMPLATE, {"Plan": _learning_plan_rows()})
    (folder / "README.txt").write_text(_readme(program), encoding="utf-8")
    # Written last: a config exists only next to a complete set of sources.
    config_path.write_text(_config(program), encoding="utf-8")
    return config_path


# --- The program: people and their patterns -------------------------------------------------


def _program(rng: random.Random, today: date, count: int, weeks: int) -> _Program:
    teachers = _teachers(max(2, count // 15))
    tutors = _tutors(max(2, count // 10))
    names = _student_names(rng, count)
    ids = _student_ids(rng, count)
    featured = len(FEATURED_STUDENTS)

    # Each pattern lands on different non-featured students, so each flag has a clear cause.
    others = list(range(featured, count))
    rng.shuffle(others)
    inactive, others = _take(others, max(1, round(count * 0.05)))
    without_tutor, others = _take(others, count // 30)
    no_recent, others = _take(others, max(1, round(count * 0.10)))
    low_attendance, _ = _take(others, max(1, round(count * 0.06)))
    graded = list(range(featured, count))
    rng.shuffle(graded)
    grade_drop, graded = _take(graded, max(1, round(count * 0.10)))
    low_grade, graded = _take(graded, max(1, round(count * 0.07)))
    missing_work, _ = _take(graded, max(2, round(count * 0.05)))

    order = list(range(count))
    rng.shuffle(order)
    teacher_of = {index: position % len(teachers) for position, index in enumerate(order)}
    tutored = [index for index in order if index not in without_tutor]
    tutor_of = {index: position % len(tutors) for position, index in enumerate(tutored)}

    students = []
    for index in range(count):
        main_teacher = teacher_of[index]
        teacher_indexes: tuple[int, ...] = (main_teacher,)
        if rng.random() < 1 / 6:
            teacher_indexes += ((main_teacher + rng.randrange(1, len(teachers))) % len(teachers),)
        active = index not in inactive
        if active:
            active_cell = rng.choice(("Yes", "Yes", "Yes", "Active", "Active", None, None))
        else:
            active_cell = rng.choice(("No", "Inactive"))
        grade_pattern = (
            "drop" if index in grade_drop
            else "low" if index in low_grade
            else "missing" if index in missing_work
            else "regular"
        )  # fmt: skip
        ability = {
            "drop": rng.uniform(84, 92),
            "low": rng.uniform(50, 62),
            "missing": rng.uniform(72, 86),
            "regular": rng.uniform(74, 95),
        }[grade_pattern]
        attendance_pattern = (
            "no_recent" if index in no_recent
            else "low" if index in low_attendance
            else "regular"
        )  # fmt: skip
        first, last = names[index]
        students.append(
            _Student(
                student_id=ids[index],
                first=first,
                last=last,
                grade_level=rng.choice((6, 7, 8)),
                teachers=teacher_indexes,
                tutor=tutor_of.get(index),
                active=active,
                active_cell=active_cell,
                subject=rng.choice(("Math", "Math", "Math", "Reading", "Reading")),
                featured=index < featured,
                attendance_pattern=attendance_pattern,
                grade_pattern=grade_pattern,
                ability=ability,
            )
        )
    # A roster export: grouped by teacher, then alphabetical.
    students.sort(key=lambda s: (s.teachers[0], s.last.casefold(), s.first.casefold()))
    start = today - timedelta(days=7 * weeks - 1)
    return _Program(start, today, weeks, teachers, tutors, students)


def _take(items: list[int], count: int) -> tuple[set[int], list[int]]:
    """The first `count` items as a set (for membership only), and the rest in order."""
    return set(items[:count]), items[count:]


def _numbered(index: int, size: int) -> str:
    """'' for the first use of a name, then '2', '3'... when a large program reuses it."""
    round_ = index // size
    return str(round_ + 1) if round_ else ""


def _teachers(count: int) -> list[_Teacher]:
    teachers = []
    for index in range(count):
        title, surname = TEACHERS[index % len(TEACHERS)]
        slug = surname.lower() + _numbered(index, len(TEACHERS))
        extension = ".csv" if index == 1 else ".xlsx"
        teachers.append(
            _Teacher(f"{title}.{slug}@{DOMAIN}", slug, f"gradebooks/{slug}{extension}", index == 0)
        )
    return teachers


def _tutors(count: int) -> list[_Tutor]:
    tutors = []
    for index in range(count):
        surname = TUTOR_SURNAMES[index % len(TUTOR_SURNAMES)]
        number = _numbered(index, len(TUTOR_SURNAMES))
        name = f"Tutor {surname}" + (f" {number}" if number else "")
        tutors.append(_Tutor(f"tutor.{surname.lower()}{number}@{DOMAIN}", name))
    return tutors


def _student_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pool = len(FIRST_NAMES) * len(LAST_NAMES)
    wanted = count - len(FEATURED_STUDENTS)
    picks = rng.sample(range(pool), min(wanted, pool))
    picks += [rng.randrange(pool) for _ in range(wanted - len(picks))]  # only past 6,800
    generated = [
        (FIRST_NAMES[p % len(FIRST_NAMES)], LAST_NAMES[p // len(FIRST_NAMES)]) for p in picks
    ]
    return list(FEATURED_STUDENTS) + generated


def _student_ids(rng: random.Random, count: int) -> list[str]:
    """Unique 5-digit IDs, never UNKNOWN_STUDENT_ID; small programs get leading zeros ("00123")."""
    highest = min(int(UNKNOWN_STUDENT_ID), 101 + max(900, count * 8))
    return [f"{number:05d}" for number in sorted(rng.sample(range(101, highest), count))]


# --- Tutor log --------------------------------------------------------------------------------


def _sessions(rng: random.Random, program: _Program) -> tuple[list[_Session], list[_Session]]:
    """Sessions for the form tab (weeks 5-10) and the older hand-typed tab (weeks 1-4)."""
    form: list[_Session] = []
    older: list[_Session] = []
    date_styles = cycle(("m/d/yyyy", "Mon d, yyyy", "iso"))
    duration_styles = cycle(("min", "hours", "colon"))
    present_words = ("Present",) * 10 + ("P", "P", "present")
    for student in sorted(program.students, key=lambda s: s.student_id):
        if student.tutor is None:
            continue
        tutor = program.tutors[student.tutor]
        session_number = 0
        for week in range(program.weeks):
            if not student.active and week >= 3:
                break  # left the program after week 3
            if student.attendance_pattern == "no_recent" and week >= program.weeks - 3:
                break
            week_days = [program.start + timedelta(days=7 * week + d) for d in range(7)]
            weekdays = [day for day in week_days if day.weekday() < 5]
            per_week = rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
            for day in sorted(rng.sample(weekdays, per_week)):
                session_number += 1
                if student.attendance_pattern == "low":
                    present = session_number % 3 == 0  # a third of sessions, whatever the luck
                else:
                    present = rng.random() < 0.87
                minutes = (
                    rng.choices((30, 45, 60, 75), weights=(3, 4, 3, 1))[0] if present else None
                )
                in_last_two_weeks = day > program.today - timedelta(days=14)
                follow_roll = rng.random()
                if in_last_two_weeks:  # requests there are planted, a known few
                    follow_up = "No" if follow_roll < 0.45 else None
                else:
                    follow_up = "Yes" if follow_roll < 0.03 else "No" if follow_roll < 0.5 else None
                session = _Session(
                    student=student,
                    tutor=tutor,
                    day=day,
                    minutes=minutes,
                    present=present,
                    timestamp=datetime.combine(day, time(15))
                    + timedelta(minutes=rng.randrange(360), seconds=rng.randrange(60)),
                    student_id_cell=student.student_id,
                    student_name_cell=student.first_last,
                    date_cell=day,
                    duration_cell=minutes,
                    attendance_cell=(
                        rng.choice(present_words)
                        if present
                        else rng.choices(("Absent", "No show", "Tutor cancelled"), (5, 3, 2))[0]
                    ),
                    subject=student.subject,
                    notes=rng.choice(SESSION_NOTES) if present and rng.random() < 0.8 else None,
                    follow_up=follow_up,
                )
                if week < OLDER_WEEKS:
                    older.append(session)
                    continue
                # The form tab's cells as tutors type them: mostly real dates and minutes.
                if rng.random() < 0.2:
                    session.date_cell = _date_text(day, next(date_styles))
                if minutes is not None and rng.random() < 0.3:
                    session.duration_cell = _duration_text(minutes, next(duration_styles))
                form.append(session)
    return form, older


def _date_text(day: date, style: str) -> str:
    if style == "m/d/yyyy":
        return f"{day.month}/{day.day}/{day.year}"
    if style == "Mon d, yyyy":
        return f"{day:%b} {day.day}, {day.year}"
    return day.isoformat()


def _duration_text(minutes: int, style: str) -> str:
    if style == "min":
        return f"{minutes} min"
    if style == "colon":
        return f"{minutes // 60}:{minutes % 60:02d}"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h {rest}m"
    if hours:
        return f"{hours}h"
    return f"{minutes / 60:g} h"


def _plant_tutor_log_mess(
    rng: random.Random, form: list[_Session], program: _Program
) -> list[_Session]:
    """Plant PLANTED_MESS's tutor log items and the follow-up requests; return the form's rows
    in submission order."""
    today = program.today

    def latest_session_of(last_name: str) -> _Session:
        return max(
            (s for s in form if s.student is not None and s.student.last == last_name),
            key=lambda s: s.timestamp,
        )

    misspelled = latest_session_of("Molemone")
    misspelled.student_id_cell, misspelled.student_name_cell = None, "Thabo Mahlemone"
    misspelled.planted = "misspelled_name_without_id"
    accents = latest_session_of("Ávila")
    accents.student_id_cell, accents.student_name_cell = None, "Jose Avila"
    accents.planted = "accents_stripped_name_without_id"

    clean = [
        s
        for s in form
        if s.student is not None
        and not s.student.featured
        and s.present
        and isinstance(s.duration_cell, int)
        and isinstance(s.date_cell, date)
    ]
    recent = [s for s in clean if s.day > today - timedelta(days=14)]
    for number, session in enumerate(rng.sample(recent, max(2, len(program.students) // 25))):
        session.follow_up = "Yes" if number % 2 == 0 else "x"
        session.planted = "follow_up_request"
    duplicated, no_minutes, unsure, equals_note, plus_note, future_base, unknown_base = rng.sample(
        [s for s in clean if not s.planted], 7
    )
    duplicated.planted = "duplicate_session"
    no_minutes.duration_cell, no_minutes.planted = "abc", "minutes_not_a_number"
    unsure.attendance_cell, unsure.planted = "maybe", "unknown_attendance"
    equals_note.notes, equals_note.planted = "=see last week", "formula_like_notes"
    plus_note.notes, plus_note.planted = "+1 more worksheet", "formula_like_notes"
    added = [
        replace(duplicated, timestamp=duplicated.timestamp + timedelta(minutes=2)),
        replace(
            future_base,
            day=today + timedelta(days=3),
            date_cell=today + timedelta(days=3),
            timestamp=datetime.combine(today, time(16, 10, 27)),
            follow_up=None,
            planted="future_session",
        ),
        replace(
            unknown_base,
            student=None,
            student_id_cell=UNKNOWN_STUDENT_ID,
            student_name_cell=UNKNOWN_STUDENT_NAME,
            timestamp=unknown_base.timestamp + timedelta(minutes=21),
            follow_up=None,
            planted="student_not_on_roster",
        ),
    ]
    return sorted(form + added, key=lambda s: s.timestamp)


def _form_rows(form: Sequence[_Session]) -> Iterator[Sequence[_Cell]]:
    yield FORM_HEADER
    for s in form:
        yield (
            s.timestamp, s.tutor.email, s.student_id_cell, s.student_name_cell, s.date_cell,
            s.duration_cell, s.attendance_cell, s.subject, s.notes,
            NEXT_STEPS.get(s.notes or ""), s.follow_up,
        )  # fmt: skip


def _older_rows(older: Sequence[_Session]) -> Iterator[Sequence[_Cell]]:
    yield OLDER_HEADER
    for s in sorted(older, key=lambda s: s.day):
        yield (
            _date_text(s.day, "m/d/yyyy"), s.tutor.name, s.student_id_cell, s.student_name_cell,
            s.minutes, "Yes" if s.present else "No", "yes" if s.follow_up == "Yes" else None,
        )  # fmt: skip


# --- Roster -----------------------------------------------------------------------------------


def _roster_rows(rng: random.Random, program: _Program) -> list[Sequence[_Cell]]:
    rows: list[Sequence[_Cell]] = []
    second_teachers: list[Sequence[_Cell]] = []
    for student in program.students:
        if student.featured and student.last in ("Molemone", "Ávila"):
            name = f"{student.last}, {student.first}"
        else:
            name = rng.choice((f"{student.last}, {student.first}",) * 4 + (student.first_last,))
        tutor = None if student.tutor is None else program.tutors[student.tutor].email
        for position, teacher in enumerate(student.teachers):
            row = (student.student_id, name, student.grade_level,
                   program.teachers[teacher].email, tutor, student.active_cell)  # fmt: skip
            (second_teachers if position else rows).append(row)
    rows.insert(len(rows) // 2, (None,) * len(ROSTER_HEADER))
    return [ROSTER_HEADER, *rows, *second_teachers]  # a second class was added later


def _benchmark_rows(rng: random.Random, program: _Program) -> list[list[_Cell]]:
    """A MAP-like export: each active student's Math test in the first week and in the last
    weeks, headers as the platform names them. Tutored students grow a little more."""
    rows: list[list[_Cell]] = [
        ["Student ID", "Student Name", "Test Name", "Test Date", "Test RIT Score", "Percentile"]
    ]
    fall, winter = program.start + timedelta(days=2), program.today - timedelta(days=5)
    for student in sorted(program.students, key=lambda s: s.student_id):
        if not student.active:
            continue
        rit = round(185 + student.ability / 4 + rng.gauss(0, 4))
        grown = rit + round(rng.gauss(6 if student.tutor is not None else 3, 3))
        for day, score in ((fall, rit), (winter, grown)):
            percentile = max(1, min(99, round((score - 180) * 2.2 + rng.gauss(0, 3))))
            rows.append(
                [student.student_id, student.first_last, "MAP Math", day, score, percentile]
            )
    return rows


def _goal_students(program: _Program) -> list[GoalStudent]:
    """The active, tutored students, in ID order, as the Goals tab needs them."""
    return [
        GoalStudent(s.student_id, s.first_last, program.teachers[s.teachers[0]].email, s.ability)
        for s in sorted(program.students, key=lambda s: s.student_id)
        if s.active and s.tutor is not None
    ]


def _staff_rows(program: _Program) -> list[list[_Cell]]:
    """The staff list: each teacher and tutor by name ("ms.okafor@..." is Ms. Okafor)."""
    rows: list[list[_Cell]] = [["E-mail", "Name", "Role"]]
    for teacher in program.teachers:
        title, _, last = teacher.email.partition("@")[0].partition(".")
        rows.append([teacher.email, f"{title.capitalize()}. {last.capitalize()}", "Teacher"])
    rows += [[tutor.email, tutor.name, "Tutor"] for tutor in program.tutors]
    return rows


# --- Gradebooks -------------------------------------------------------------------------------


def _assignments(start: date, weeks: int) -> list[_Assignment]:
    """About two a week: homework every week, a quiz most weeks, tests in week 5 and the
    last."""
    assignments = []
    quizzes = 0
    for week in range(1, weeks + 1):
        week_start = start + timedelta(days=7 * (week - 1))
        assignments.append(
            _Assignment(f"HW {week}", 10, week_start + timedelta(days=2), "Homework", week)
        )
        late = week_start + timedelta(days=4)
        if week == 5:
            assignments.append(_Assignment("Test 1", 50, late, "Test", week))
        elif week == weeks:
            assignments.append(_Assignment("Test 2", 100, late, "Test", week))
        else:
            quizzes += 1
            assignments.append(_Assignment(f"Quiz {quizzes}", 20, late, "Quiz", week))
    return assignments


def _write_gradebooks(rng: random.Random, folder: Path, program: _Program) -> None:
    assignments = _assignments(program.start, program.weeks)
    # Roster order: main-teacher rows first, then the second-teacher rows at its end.
    classes: dict[int, list[_Student]] = {index: [] for index in range(len(program.teachers))}
    for position in (0, 1):
        for student in program.students:
            if len(student.teachers) > position:
                classes[student.teachers[position]].append(student)
    lookup = _roster_lookup(program)
    for index, teacher in enumerate(program.teachers):
        students = classes[index]
        rows = _gradebook_rows(rng, teacher, students, assignments, program.weeks)
        rows += _classmate_rows(teacher, lookup, assignments)
        if index == 0:  # PLANTED_MESS "score_not_a_score", away from the recent weeks' marks
            earlier = [2 + i for i, a in enumerate(assignments) if a.week <= program.weeks - 4]
            rows[rng.randrange(4, len(rows))][rng.choice(earlier)] = "N/A"
        path = folder / teacher.gradebook
        if path.suffix == ".csv":
            _write_csv(path, rows)
        else:
            _write_xlsx(path, {GRADES_TAB: rows})


def _gradebook_rows(
    rng: random.Random,
    teacher: _Teacher,
    students: Sequence[_Student],
    assignments: Sequence[_Assignment],
    weeks: int,
) -> list[list[_Cell]]:
    rows: list[list[_Cell]] = [
        [
            CUSTOM_ID_HEADER if teacher.ids_as_numbers else "Student ID",
            "Student",
            *(a.name for a in assignments),
        ],
        ["Points", None, *(a.points for a in assignments)],
        ["Date", None, *(a.due for a in assignments)],
        ["Category", None, *(a.category for a in assignments)],
    ]
    recent = [i for i, a in enumerate(assignments) if a.week > weeks - 4]
    for number, student in enumerate(students):
        student_id: _Cell = student.student_id
        if teacher.ids_as_numbers and (number == 0 or rng.random() < 0.35):
            student_id = int(student.student_id)  # typed as a number: leading zeros gone
        missing = (
            set(rng.sample(recent, rng.choice((3, 4))))
            if student.grade_pattern == "missing"
            else set()
        )
        scores: list[_Cell] = []
        for column, assignment in enumerate(assignments):
            ability = student.ability
            if student.grade_pattern == "drop" and assignment.week > weeks - 4:
                ability -= 26
            roll = rng.random()
            if column in missing or roll < 0.015:
                scores.append("M")
            elif roll < 0.025:
                scores.append("EX")
            elif column >= len(assignments) - 2 and roll < 0.1:
                scores.append(None)  # not graded yet
            else:
                percent = min(100.0, max(0.0, rng.gauss(ability, 6)))
                scores.append(_score_cell(rng, percent, assignment.points))
        rows.append([student_id, _gradebook_name(rng, student), *scores])
    return rows


def _roster_lookup(program: _Program) -> RosterLookup:
    students = pd.DataFrame(
        {
            "name": [s.first_last for s in program.students],
            "name_key": [normalise_name(s.first_last) for s in program.students],
            "email": None,
        },
        index=pd.Index([s.student_id for s in program.students], name="student_id"),
    )
    return RosterLookup.of(students)


def _classmate_rows(
    teacher: _Teacher,
    roster: RosterLookup,
    assignments: Sequence[_Assignment],
) -> list[list[_Cell]]:
    """The rest of the class, not in the program, after the program's students: read as not
    tutored for Impact's class comparison. Named like no roster student (else tutorsync would
    rightly ask if it is a typo), with 6-digit IDs no roster student has."""
    # Their own random numbers: the program's rows stay as they were before classmates.
    rng = random.Random(f"classmates of {teacher.email}")
    rows: list[list[_Cell]] = []
    while len(rows) < CLASSMATES:
        first, last = rng.choice(FIRST_NAMES), rng.choice(CLASSMATE_LAST_NAMES)
        if like_a_roster_name(f"{first} {last}", roster):
            continue
        ability = rng.uniform(68, 92)
        scores = [
            _score_cell(rng, min(100.0, max(0.0, rng.gauss(ability, 6))), a.points)
            for a in assignments
        ]
        rows.append([f"{rng.randrange(100_000, 1_000_000)}", f"{first} {last}", *scores])
    return rows


def _gradebook_name(rng: random.Random, student: _Student) -> str:
    """Teachers type names their own way, not the roster's."""
    roll = rng.random()
    if roll < 0.8:
        return student.first_last
    if roll < 0.95:
        return f"{student.last}, {student.first}"
    return f"{student.first} {student.last[0]}."


def _score_cell(rng: random.Random, percent: float, points: int) -> _Cell:
    earned = percent / 100 * points
    roll = rng.random()
    if roll < 0.74:
        return round(earned)
    if roll < 0.82:
        return round(earned * 2) / 2  # half points, a float
    if roll < 0.91:
        return f"{round(percent)}%"
    return f"{round(earned)}/{points}"


# --- Config and README ------------------------------------------------------------------------


def _config(program: _Program) -> str:
    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string

    gradebooks = []
    for teacher in program.teachers:
        gradebooks += [
            "[[sources.gradebooks]]",
            f"spreadsheet = {text(teacher.gradebook)}",
            f"tab = {text(GRADES_TAB)}",
            f"teacher = {text(teacher.email)}",
        ]
        if teacher.ids_as_numbers:
            gradebooks.append(f"columns = {{ student_id = {text(CUSTOM_ID_HEADER)} }}")
        gradebooks.append("")
    csv_teachers = [t for t in program.teachers if t.gradebook.endswith(".csv")]
    teacher_outputs = [
        f"{text(t.email)} = {text(f'progress/{t.slug}-progress.xlsx')}" for t in csv_teachers
    ]
    return "\n".join(
        [
            "# tutorsync settings for the demo program. Every person and score is fictional.",
            "# Paths are relative to this file's folder. After a change, run:",
            "#   tutorsync run --config tutorsync.toml",
            "",
            "# The program's name (shown in what tutorsync writes) and the time zone its",
            "# sessions happen in.",
            "[program]",
            f"name = {text(PROGRAM_NAME)}",
            f"timezone = {text(TIMEZONE)}",
            "",
            "# Where the spreadsheets live. 'local' means files in a folder on this computer.",
            "[workspace]",
            'kind = "local"',
            'path = "."',
            "",
            "# The roster: one row per student and teacher (a student with two teachers has",
            "# two rows). The Student ID joins everything; names are only a fallback.",
            "[sources.roster]",
            f"spreadsheet = {text(ROSTER)}",
            f"tab = {text(ROSTER_TAB)}",
            "",
            "# Names for the teachers' and tutors' e-mail addresses, shown in tabs and check-ins.",
            "[sources.staff]",
            f"tab = {text(STAFF_TAB)}",
            "",
            "# Each student's goals, typed by tutors, teachers and the coordinator.",
            "[sources.goals]",
            f"tab = {text(GOALS_TAB)}",
            "",
            "# Benchmark results exported from the test platform: a fall and a winter test.",
            "[[sources.assessments]]",
            f"spreadsheet = {text(BENCHMARK)}",
            f"tab = {text(BENCHMARK_TAB)}",
            "",
            "# Tutor session logs: the Google Form's responses and the older hand-typed tab.",
            "[[sources.tutor_logs]]",
            f"spreadsheet = {text(TUTOR_LOG)}",
            f"tabs = [{text(FORM_TAB)}, {text(OLDER_TAB)}]",
            "",
            "# Teacher gradebooks, one block per teacher, who is named by e-mail. `columns` tells",
            "# tutorsync what a header it does not recognise means (here: the student ID).",
            *gradebooks,
            "# How a grade is worked out. Missing work (M) counts as zero. To weight categories,",
            "# add e.g.: category_weights = { Homework = 0.2, Quiz = 0.3, Test = 0.5 }",
            "[grades]",
            "missing_counts_as_zero = true",
            "",
            "# When a student is flagged for attention.",
            "[thresholds]",
            "window_days = 28        # 'recently' means the last 28 days",
            "no_session_days = 14    # no session for this many days",
            "min_attendance = 0.7    # attended under 70% of recent sessions",
            "grade_floor = 70        # grade under 70%",
            "grade_drop_points = 10  # grade fell this many points",
            "missing_threshold = 3   # this many missing (M) marks",
            "",
            "# Every student keeps a learning plan; one nobody touched for 4 weeks is a reason in",
            "# Why.",
            "[goals]",
            'plan_required = "all"',
            "plan_stale_weeks = 4",
            "",
            "# What tutorsync writes: the coordinator's spreadsheet (tabs Progress summary,",
            "# Data issues and Run log) and a Tutoring progress tab in each teacher's gradebook.",
            "[outputs]",
            f"coordinator_spreadsheet = {text(COORDINATOR)}",
            "",
            "# A CSV file holds a single tab, so a teacher whose gradebook is a CSV gets the",
            "# progress tab in a spreadsheet of its own.",
            "[outputs.teacher_spreadsheets]",
            *teacher_outputs,
            "",
            "# Tutor-teacher check-ins, kept in calendar.ics (import it into any calendar).",
            "[checkins]",
            f"calendar = {text(CALENDAR)}",
            'cadence = "every_2_weeks"',
            'weekday = "tuesday"',
            'window_start = "15:30"',
            'window_end = "17:00"',
            "duration_minutes = 30",
            f"start_date = {program.start.isoformat()}",
            f"term_end = {(program.today + timedelta(weeks=8)).isoformat()}",
            f"closures = [{text(_closure(program.today))}]  # no school: no check-in",
            'on_flags = ["grade_drop", "no_recent_session", "follow_up"]',
            "within_school_days = 3",
            "",
            "# A folder per student for shared materials, in folders/<term>/, shared with the",
            "# student's tutors and teachers and the coordinator (locally: recorded in each",
            "# folder's .tutorsync-folder.json; on Google, Drive sharing).",
            "[folders]",
            f"root = {text(FOLDERS)}",
            f"term = {text(_term_label(program.start))}",
            'role = "writer"',
            f"allowed_domains = [{text(DOMAIN)}]",
            f"coordinators = [{text(COORDINATOR_EMAIL)}]",
            "",
            "# Copied once into each new student folder, named with the student; the copy is",
            "# the student's learning plan, linked from the progress tabs' Learning plan column.",
            "[[folders.templates]]",
            f"file = {text(TEMPLATE)}",
            'name = "Individual learning plan"',
            "learning_plan = true",
            "",
        ]
    )


def _term_label(start: date) -> str:
    """The school year a day falls in, as "2026-27" (a year starts in August)."""
    first = start.year if start.month >= 8 else start.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _learning_plan_rows() -> list[tuple[_Cell, ...]]:
    return [
        ("Individual learning plan",),
        (),
        ("Goal", "How we will work on it", "Who", "Review by"),
        ("(a goal the student, tutor and teacher agree on)",),
    ]


def _closure(today: date) -> str:
    """A fictional two-day break three weeks ahead (a Thursday and Friday)."""
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 + 14)
    return f"{thursday.isoformat()}..{(thursday + timedelta(days=1)).isoformat()}"


def _readme(program: _Program) -> str:
    csv_teacher = next(t for t in program.teachers if t.gradebook.endswith(".csv"))
    return f"""{PROGRAM_NAME}
{"=" * len(PROGRAM_NAME)}

Everything in this folder was generated by `tutorsync demo`. The school, the students, the
tutors, the teachers, their e-mail addresses (at {DOMAIN}, a domain reserved for
examples) and every score are fictional. The data has deliberate mistakes (a misspelled name,
a duplicate session, minutes typed as "abc", ...) so you can see how tutorsync reports them.

Sources: typed by educators; tutorsync only reads them.
  {ROSTER:<28} tab "{ROSTER_TAB}": students, their teachers and tutors;
  {"":<28} tab "{STAFF_TAB}": the teachers' and tutors' names
  {TUTOR_LOG:<28} tabs "{FORM_TAB}" (a Google Form) and "{OLDER_TAB}"
  {BENCHMARK:<28} tab "{BENCHMARK_TAB}": a test platform's export, two tests a student
  {"gradebooks/*.xlsx":<28} one per teacher, tab "{GRADES_TAB}"
  {csv_teacher.gradebook:<28} one teacher keeps the gradebook as a CSV file

Written by tutorsync:
  {COORDINATOR:<28} tabs "Progress summary", "Data issues", "Program overview",
  {"":<28} "Weekly history", "Impact", "Run log"
  {"gradebooks/*.xlsx":<28} a "Tutoring progress" tab inside each teacher's gradebook
  {f"progress/{csv_teacher.slug}-progress.xlsx":<28} the progress tab for the CSV teacher
  {CALENDAR:<28} tutor-teacher check-ins (import into any calendar)
  {FOLDERS + "/":<28} a folder per student, with a copy of {TEMPLATE}

Settings: {CONFIG} (each section is explained in its comments).
Run:      tutorsync run --config {CONFIG}
"""


# --- Files --------------------------------------------------------------------------------------


def _write_csv(path: Path, rows: Sequence[Sequence[_Cell]]) -> None:
    """A CSV export: every cell text, dates as m/d/yyyy."""

    def text(value: _Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return _date_text(value, "m/d/yyyy")
        return str(value)

    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([text(v) for v in row] for row in rows)


def _write_xlsx(path: Path, tabs: Mapping[str, Iterable[Sequence[_Cell]]]) -> None:
    """Write a workbook of plain values: text (never a formula), numbers, dates and times."""
    book = Workbook(write_only=True)
    for name, rows in tabs.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    book.save(path)


def _xlsx_cell(sheet: Any, value: _Cell) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would store "=see last week" as a formula
    return cell
