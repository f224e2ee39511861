"""Properties of the parsers on sources kept the way real educators keep them.

Each grid is built as clean rows (every value valid, in one of its documented forms) plus
injected mess: headers in any order, as aliases or renamed through config `columns`, repeated
or blank; extra columns; title rows; blank, ragged and example rows; merged-cell gaps; formula
errors; numbers as text; emoji, right-to-left names and text up to 50,000 characters. Then:

- parsing never raises;
- every cell the parser cannot use is a data issue with its exact A1 cell (a gradebook row
  with scores but no student is reported as that row);
- the clean rows parse exactly as they do in a grid of the clean rows alone (same values,
  same issues), so no mess leaks into good data;
- blank and example rows are skipped without a word.

test_nothing_vanishes.py covers random cells under fixed headers; this file covers layout.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.progress import run_progress
from jobs.read import read_program
from jobs.settings import parse as parse_settings
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema import gradebook, roster, tutor_log
from sheets_schema.headers import SheetKind, header_key
from sheets_schema.issues import DataIssue, a1
from sheets_schema.table import ROW, is_example_row
from sheets_schema.values import is_blank, parse_student_id

pytestmark = pytest.mark.slow  # property tests; one runs the progress job on every example

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FORMULA_ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!")
RTL_AND_EMOJI = (
    "محمد الأحمد",
    "فاطمة الزهراء",
    "יעל כהן",
    "דוד לוי",
    "Zoë 🌟 Ávila",
    "👩🏽‍🏫 Ms. Rivera",
    "Ana 🇧🇷",
    "Lee, Ada",
    "O'Brien, Seán",
)


def not_marked_example(value: object) -> bool:
    return not (isinstance(value, str) and value.strip().casefold().startswith("(example)"))


def not_formula_error(value: object) -> bool:
    return not (isinstance(value, str) and value.strip() in FORMULA_ERRORS)


def long_text(min_size: int = 1_000) -> st.SearchStrategy[str]:
    """Text up to Sheets' 50,000 characters a cell, built by repetition so it is cheap."""
    return st.builds(
        lambda unit, size: (unit * size)[:size],
        st.sampled_from(["ab ", "مرحبا ", "שלום ", "🙂", "x\n", "notes, "]),
        st.integers(min_size, 50_000),
    )


FREE_TEXT = st.one_of(
    st.sampled_from(RTL_AND_EMOJI),
    st.text(min_size=1, max_size=20),
    long_text(),
).filter(lambda text: not is_blank(text) and not_marked_example(text) and not_formula_error(text))

JUNK = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t", "N/A", "n/a", "-", "?", "TBD", *FORMULA_ERRORS]),
    FREE_TEXT,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.times(),
).filter(not_marked_example)

# --- Valid values, in every documented form -------------------------------------------------


def cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.upper(), text.lower(), f"  {text} "])


def date_forms(day: date, day_first: bool) -> list[object]:
    month, dom, year = day.month, day.day, day.year
    first, second = (dom, month) if day_first else (month, dom)
    serial = (day - date(1899, 12, 30)).days
    return [
        day,
        datetime.combine(day, time(14, 32, 11)),
        day.isoformat(),
        f"{day.isoformat()} 14:32:11",
        f"{day.isoformat()}T14:32:00Z",
        f"{first}/{second}/{year}",
        f"{first}-{second}-{year}",
        f"{first}.{second}.{year % 100:02d}",
        f"{first}/{second}/{year} 2:32:11 PM",
        f"{day:%b} {dom}, {year}",
        f"{day:%B} {dom} {year}",
        f"{dom} {day:%B} {year}",
        f"{dom}-{day:%b}-{year}",
        f"{day:%a}, {day:%b} {dom}, {year}",
        serial,
        serial + 0.5,
        str(serial),
    ]


def valid_date(day_first: bool) -> st.SearchStrategy[object]:
    return st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)).flatmap(
        lambda day: st.sampled_from(date_forms(day, day_first)).flatmap(
            lambda form: cased(form) if isinstance(form, str) else st.just(form)
        )
    )


def minutes_forms(minutes: int) -> list[object]:
    hours, rest = divmod(minutes, 60)
    forms: list[object] = [
        minutes,
        float(minutes),
        str(minutes),
        f"{minutes} min",
        f"{minutes}m",
        f"{minutes} minutes",
        f"{hours}h {rest}m",
        f"{hours}:{rest:02d}",
        f"{hours}:{rest:02d}:00",
        f"{minutes / 60:.2f} h",
        timedelta(minutes=minutes),
    ]
    if hours < 24:
        forms.append(time(hours, rest))
    if minutes:
        forms.append(minutes / 1440)  # a typed 1:15 as Sheets stores it: a fraction of a day
    return forms


VALID_MINUTES = st.integers(0, 600).flatmap(lambda m: st.sampled_from(minutes_forms(m)))
ATTENDANCE_WORDS = (
    "Present", "P", "Yes", "Late", "Absent", "A", "Excused", "No show", "NS", "Cancelled",
    "Tutor cancelled", "School cancelled", "no-show", "attended",
)  # fmt: skip
VALID_ATTENDANCE = st.one_of(st.sampled_from(ATTENDANCE_WORDS).flatmap(cased), st.booleans())
VALID_YES_NO = st.one_of(
    st.none(),
    st.sampled_from(["yes", "no", "y", "n", "true", "false", "x", "✓"]).flatmap(cased),
    st.booleans(),
    st.sampled_from([0, 1]),
)
VALID_EMAIL = st.builds(
    lambda local, style: style.format(local),
    st.sampled_from(["rivera", "a.khan", "tutor+1", "dov.levi"]),
    st.sampled_from(["{}@school.example", "{}@SCHOOL.example", "mailto:{}@school.example",
                     "Someone <{}@school.example>", " {}@school.example "]),
)  # fmt: skip
VALID_EMAILS = st.lists(VALID_EMAIL, min_size=1, max_size=3).flatmap(
    lambda emails: st.sampled_from(["; ", ", ", "\n"]).map(lambda sep: sep.join(emails))
)
VALID_ACTIVE = st.one_of(
    st.none(),
    st.sampled_from(["Yes", "No", "Active", "Inactive", "Withdrawn", "Left", "enrolled", "y"]),
    st.booleans(),
)
VALID_GRADE_LEVEL = st.one_of(st.none(), st.sampled_from([6, 7.0, "8", "6th", "K", "١٠"]))
VALID_SCORE = st.one_of(
    st.none(),
    st.integers(0, 100),
    st.floats(0, 100, allow_nan=False),
    st.sampled_from(["17", "17.5", "17,5", "85%", "17/20", " 9 / 10 ", "EX", "Excused", "M",
                     "missing", "Not submitted"]),
)  # fmt: skip
VALID_POINTS = st.one_of(st.integers(1, 100), st.sampled_from(["20", "12.5", 50.0]))
OPTIONAL_TEXT = st.one_of(st.none(), FREE_TEXT)


def student_id_forms(number: int) -> list[object]:
    return [f"{number:05d}", number, float(number), f"'{number:05d}", f"S-{number}"]


ANY_STUDENT_ID = st.integers(1, 10**7).flatmap(lambda n: st.sampled_from(student_id_forms(n)))

# --- Values no parser can use (each one is a data issue) -------------------------------------

FORMULA_ERROR = st.sampled_from(FORMULA_ERRORS)
BAD = {
    "date": st.one_of(
        FORMULA_ERROR,
        st.sampled_from(["soon", "13/45/2026", "2026-02-30", "Jan 32, 2026", "🙂", "yesterday"]),
        st.integers(1, 19_999),
        st.booleans(),
    ),
    "minutes": st.one_of(
        FORMULA_ERROR,
        st.sampled_from(["abc", "-5", "900", "1,200", "1:75", "🙂", "lots"]),
        st.integers(601, 10**6),
        st.booleans(),
    ),
    "attendance": st.one_of(FORMULA_ERROR, st.sampled_from(["maybe", "🙂", "sort of", "2"])),
    "yes_no": st.one_of(FORMULA_ERROR, st.sampled_from(["maybe", "perhaps", "🙂"])),
    "student_id": st.one_of(FORMULA_ERROR, st.sampled_from(["'", " ' ", 1.5, True])),
    "email": st.one_of(FORMULA_ERROR, st.sampled_from(["not an email", "a@b", "@school.org"])),
    "active": st.one_of(FORMULA_ERROR, st.sampled_from(["maybe", "🙂", "sometimes"])),
    "score": st.one_of(
        FORMULA_ERROR, st.sampled_from(["abc", "-3", "1,200", "17/0", "🙂", "A+", True])
    ),
    "points": st.one_of(FORMULA_ERROR, st.sampled_from(["lots", "0", "-5", "85%", "EX"])),
    # Text fields take any text; a formula's error is the one thing they cannot use.
    "text": FORMULA_ERROR,
}


@dataclass(frozen=True)
class Spec:
    valid: st.SearchStrategy[Any]
    bad: st.SearchStrategy[Any]


def specs_for(kind: str, day_first: bool) -> dict[str, Spec]:
    text = Spec(FREE_TEXT, BAD["text"])
    common = {
        "student_id": Spec(ANY_STUDENT_ID, BAD["student_id"]),
        "student_name": text,
        "first_name": text,
        "last_name": text,
        "student_email": Spec(st.one_of(st.none(), VALID_EMAIL), BAD["email"]),
    }
    if kind == "roster":
        return common | {
            "grade_level": Spec(VALID_GRADE_LEVEL, BAD["text"]),
            "teacher_email": Spec(VALID_EMAILS, BAD["email"]),
            "tutor_email": Spec(VALID_EMAILS, BAD["email"]),
            "active": Spec(VALID_ACTIVE, BAD["active"]),
        }
    return common | {
        "session_date": Spec(valid_date(day_first), BAD["date"]),
        "tutor": Spec(st.one_of(VALID_EMAIL, FREE_TEXT), BAD["text"]),
        "minutes": Spec(VALID_MINUTES, BAD["minutes"]),
        "attendance": Spec(VALID_ATTENDANCE, BAD["attendance"]),
        "subject": Spec(OPTIONAL_TEXT, BAD["text"]),
        "notes": Spec(OPTIONAL_TEXT, BAD["text"]),
        "next_steps": Spec(OPTIONAL_TEXT, BAD["text"]),
        "follow_up": Spec(VALID_YES_NO, BAD["yes_no"]),
    }


# --- Headers ----------------------------------------------------------------------------------

EXTRA_HEADERS = ("Room", "Favourite colour", "Period 3", None, "", "   ", "Column 7", 2025, "🙂")
TITLE_ROWS = (
    ["Tutoring 2025–26 🙂"],
    [None, "Updated weekly by the coordinator"],
    ["حضور الطلاب"],
    [],
)


def alias_keys(kind: SheetKind) -> set[str]:
    return {header_key(alias) for f in kind.fields for alias in f.aliases}


def header_variant(alias: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [alias, alias.upper(), alias.lower(), f"  {alias} ", alias.replace(" ", "_"), alias + "?"]
    )


CUSTOM_HEADERS = (
    "Time tutored", "SIS Number 2", "Quién", "Kid", "Helper's mail", "When (form)", "Mentor",
    "Learner code", "Remarks", "Ok?", "Child", "Código",
)  # fmt: skip


def custom_headers(kind: SheetKind) -> list[str]:
    """Headers no alias knows: only a config `columns` entry maps them."""
    taken = alias_keys(kind) | {header_key(h) for h in EXTRA_HEADERS}
    return [h for h in CUSTOM_HEADERS if header_key(h) not in taken]


# --- Building a messy grid ----------------------------------------------------------------------


@dataclass
class Messy:
    """A messy grid, the clean grid it was made from, and where everything went."""

    grid: list[list[object]]
    columns: dict[str, str]  # the config's column map the messy grid needs
    clean_grid: list[list[object]]
    clean_row: dict[int, int]  # messy grid row -> index of the clean record
    clean_grid_row: dict[int, int]  # clean grid row -> index of the clean record
    messy_field: dict[int, str]  # messy column -> field
    clean_field: dict[int, str]  # clean column -> field
    bad_cells: set[str] = field(default_factory=set)  # A1 cells the parser cannot use
    bad_rows: set[int] = field(default_factory=set)  # rows unusable as a whole, reported so
    repeated_headers: set[str] = field(default_factory=set)  # A1 of a header seen before
    silent_rows: set[int] = field(default_factory=set)  # blank and example rows


def trim_trailing_blanks(row: list[object]) -> list[object]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


@st.composite
def headers_for(draw, kind: SheetKind, fields: Sequence[str]) -> tuple[dict[str, str], dict]:
    """Each field's header in the messy grid (alias variant or custom), and the config map."""
    headers: dict[str, str] = {}
    columns: dict[str, str] = {}
    customs = iter(draw(st.permutations(custom_headers(kind))))
    for name in fields:
        if draw(st.integers(0, 3)) == 0:
            headers[name] = columns[name] = next(customs)
        else:
            alias = draw(st.sampled_from(kind.field(name).aliases))
            headers[name] = draw(header_variant(alias))
    return headers, columns


@st.composite
def mess_row(
    draw, layout: Sequence[str | None], specs: dict[str, Spec], id_values: st.SearchStrategy
) -> tuple[list[object], set[int]]:
    """A row of mess: per column a blank, a merged-cell gap, junk, or a bad value (whose
    columns are returned). Ragged: it may stop early or run past the header."""
    row: list[object] = []
    bad: set[int] = set()
    gap = draw(st.integers(0, len(layout)))  # a run of None, as merged cells read
    for column, name in enumerate(layout):
        if name is None or column < gap:
            row.append(draw(JUNK) if name is None else None)
            continue
        choice = draw(st.sampled_from(["blank", "junk", "bad", "bad"]))
        if choice == "blank":
            row.append(draw(st.sampled_from([None, "", "  "])))
        elif choice == "junk" and name == "student_id":
            row.append(draw(id_values))
        elif choice == "junk":
            row.append(draw(JUNK))
        else:
            row.append(draw(specs[name].bad))
            bad.add(column)
    cut = draw(st.integers(0, len(row) + 2))
    row = row[:cut] + ([draw(JUNK)] if cut > len(row) else [])
    return row, {column for column in bad if column < len(row)}


@st.composite
def messy_table(
    draw,
    kind: SheetKind,
    fields: Sequence[str],
    records: Sequence[dict[str, object]],
    specs: dict[str, Spec],
    *,
    mess_ids: st.SearchStrategy,
) -> Messy:
    """Roster and tutor log: the clean records in a messy layout, with mess rows between."""
    headers, columns = draw(headers_for(kind, fields))
    extras: list[object] = draw(st.lists(st.sampled_from(EXTRA_HEADERS), max_size=3))
    order: list[str | None] = draw(st.permutations([*fields, *[None] * len(extras)]))
    extra_headers = iter(extras)
    header_row: list[object] = [headers[name] if name else next(extra_headers) for name in order]
    repeated = draw(st.lists(st.sampled_from(list(fields)), max_size=2, unique=True))
    layout: list[str | None] = [*order, *[None] * len(repeated)]
    header_row += [headers[name] for name in repeated]

    titles = draw(st.lists(st.sampled_from(TITLE_ROWS), max_size=3))
    grid: list[list[object]] = [list(row) for row in titles]
    header_index = len(grid)
    grid.append(header_row)
    messy = Messy(
        grid=grid,
        columns=columns,
        clean_grid=[[kind.field(name).aliases[0] for name in fields]],
        clean_row={},
        clean_grid_row={},
        messy_field={column: name for column, name in enumerate(order) if name},
        clean_field=dict(enumerate(fields)),
    )
    messy.repeated_headers = {a1(header_index, len(order) + i) for i in range(len(repeated))}

    mess_count = draw(st.integers(0, 6))
    slots = draw(st.permutations(["clean"] * len(records) + ["mess"] * mess_count))
    clean_records = iter(enumerate(records))
    for slot in slots:
        row_index = len(grid)
        if slot == "clean":
            number, record = next(clean_records)
            row = [record[name] if name else draw(JUNK) for name in layout]
            if draw(st.booleans()):
                row = trim_trailing_blanks(row)  # Sheets omits trailing empty cells
            grid.append(row)
            messy.clean_row[row_index] = number
            messy.clean_grid_row[len(messy.clean_grid)] = number
            messy.clean_grid.append([record[name] for name in fields])
            continue
        shape = draw(st.sampled_from(["blank", "example", "mess", "mess", "mess"]))
        if shape == "blank":
            grid.append(draw(st.sampled_from([[], [None, None], ["", "  "], [None] * 12])))
            messy.silent_rows.add(row_index)
            continue
        row, bad = draw(mess_row(layout, specs, mess_ids))
        if shape == "example":
            where = layout.index("student_id")
            row = [*row, *[None] * (where + 1 - len(row))]
            row[where] = f"(example) {draw(st.sampled_from(['00001', 'Sam', '']))}"
            bad = set()
        grid.append(row)
        student_id_column = layout.index("student_id") if "student_id" in layout else None
        mapped = [row[c] for c, name in enumerate(layout) if name and c < len(row)]
        if is_example_row(row, student_id_column) or all(is_blank(v) for v in mapped):
            messy.silent_rows.add(row_index)
        else:
            messy.bad_cells |= {a1(row_index, column) for column in bad}
    return messy


def choose_fields(required: Sequence[str], optional: Sequence[str]) -> st.SearchStrategy:
    return st.lists(st.sampled_from(list(optional)), unique=True).map(
        lambda extra: [*required, *extra]
    )


@st.composite
def messy_roster(draw, *, at_least_one_active: bool = False) -> Messy:
    specs = specs_for("roster", day_first=False)
    names = draw(st.sampled_from([["student_name"], ["first_name", "last_name"]]))
    fields = draw(
        choose_fields(
            ["student_id", *names, "teacher_email", "tutor_email"],
            ["grade_level", "active", "student_email"],
        )
    )
    numbers = draw(st.lists(st.integers(1, 10**7), min_size=1, max_size=6, unique=True))
    records = []
    for number in numbers:
        record = {name: draw(specs[name].valid) for name in fields}
        record["student_id"] = draw(st.sampled_from(student_id_forms(number)))
        records.append(record)
        if draw(st.integers(0, 3)) == 0:  # a second enrolment: same ID, another teacher
            records.append({**record, "teacher_email": draw(VALID_EMAILS)})
    if at_least_one_active and "active" in fields:
        records[0]["active"] = None  # blank means active
    records = draw(st.permutations(records))
    # Mess rows never reuse a clean ID: a repeated ID is an enrolment, not mess.
    mess_ids = st.integers(1, 99).map(lambda n: f"X-{n}")
    return draw(messy_table(roster.KIND, fields, records, specs, mess_ids=mess_ids))


@st.composite
def messy_tutor_log(draw, day_first: bool, student_ids: st.SearchStrategy | None = None) -> Messy:
    specs = specs_for("tutor log", day_first)
    fields = draw(
        choose_fields(
            ["session_date", "tutor", "student_id", "minutes", "attendance"],
            ["student_name", "student_email", "subject", "notes", "next_steps", "follow_up"],
        )
    )
    ids = ANY_STUDENT_ID if student_ids is None else student_ids
    records = []
    for _ in range(draw(st.integers(1, 6))):
        record = {name: draw(specs[name].valid) for name in fields}
        record["student_id"] = draw(ids)
        records.append(record)
    mess_ids = st.one_of(ids, st.integers(1, 99).map(lambda n: f"X-{n}"))
    return draw(messy_table(tutor_log.KIND, fields, records, specs, mess_ids=mess_ids))


# --- Gradebooks: identity columns first, one column per assignment ---------------------------

ASSIGNMENTS = ("Quiz 1", "HW 2", "Test ✓", "واجب 1", "מבחן", "Essay 🙂", "Lab 3", "Project")
NOT_ASSIGNMENT_HEADERS = ("Total", "Average", "Letter Grade", "Comments", "Final", "%", None, "")
DETAIL_LABELS = {
    "points": ("Points", "Max points", "Out of", "POINTS", "Points possible"),
    "date": ("Date", "Due", "Due date"),
    "category": ("Category", "Type"),
}
LABEL_KEYS = {
    header_key(label)
    for label in ("Points", "Max", "Max Points", "Out of", "Possible", "Points possible",
                  "Total points", "Date", "Due", "Due date", "Date assigned", "Assigned",
                  "Category", "Type", "Cat", "Assignment type")
}  # fmt: skip


def not_a_label(value: object) -> bool:
    return header_key(value) not in LABEL_KEYS


@st.composite
def messy_gradebook(
    draw, day_first: bool, student_ids: st.SearchStrategy | None = None
) -> tuple[Messy, bool]:
    """A gradebook grid and whether it has a Points row."""
    kind = gradebook.KIND
    identity = draw(
        st.sampled_from(
            [
                ["student_id"],
                ["student_name"],
                ["student_id", "student_name"],
                ["first_name", "last_name"],
                ["student_id", "first_name", "last_name", "student_email"],
            ]
        )
    )
    identity = draw(st.permutations(identity))
    assignments = draw(st.lists(st.sampled_from(ASSIGNMENTS), min_size=1, max_size=4, unique=True))
    headers, columns = draw(headers_for(kind, identity))
    extras = draw(st.lists(st.sampled_from(NOT_ASSIGNMENT_HEADERS), max_size=2))
    rest = draw(st.permutations([*assignments, *[None] * len(extras)]))
    repeated = draw(st.lists(st.sampled_from(identity), max_size=1))
    extra_headers = iter(extras)
    # layout: ("id", field) | ("score", assignment) | ("extra", None)
    layout: list[tuple[str, str | None]] = [("id", name) for name in identity]
    layout += [("score", a) if a else ("extra", None) for a in rest]
    layout += [("extra", None) for _ in repeated]
    header_row: list[object] = [headers[name] for name in identity]
    header_row += [a if a else next(extra_headers) for a in rest]
    header_row += [headers[name] for name in repeated]
    clean_layout = [("id", name) for name in identity] + [("score", a) for a in assignments]

    ids = ANY_STUDENT_ID if student_ids is None else student_ids
    # Students called Max, Cat or Date, whose name in column A reads like a Points, Category or
    # Date label: only the other student cells beside it say it is a student.
    names = st.one_of(FREE_TEXT, st.sampled_from(["Max", "Cat", "Date", "Type", "Due"]))
    if len(identity) == 1:
        names = names.filter(not_a_label)
    specs = specs_for("gradebook", day_first) | {
        "student_id": Spec(ids, BAD["student_id"]),
        "student_name": Spec(names, BAD["text"]),
        "first_name": Spec(names, BAD["text"]),
    }

    titles = draw(st.lists(st.sampled_from(TITLE_ROWS), max_size=2))
    grid: list[list[object]] = [list(row) for row in titles]
    header_index = len(grid)
    grid.append(header_row)
    clean_grid: list[list[object]] = [
        [kind.field(name).aliases[0] for name in identity] + list(assignments)
    ]
    messy = Messy(
        grid=grid,
        columns=columns,
        clean_grid=clean_grid,
        clean_row={},
        clean_grid_row={},
        messy_field={c: name for c, (role, name) in enumerate(layout) if role == "id" and name},
        clean_field=dict(enumerate(identity)),
    )
    messy.repeated_headers = {
        a1(header_index, len(layout) - len(repeated) + i) for i in range(len(repeated))
    }

    # Points, Date and Category rows, the same in both grids; their bad cells are reported.
    details = [name for name in DETAIL_LABELS if draw(st.booleans())]
    for detail in details:
        label = draw(st.sampled_from(DETAIL_LABELS[detail]))
        values: dict[str, object] = {}
        bad_columns: set[str] = set()
        for assignment in assignments:
            valid = {"points": VALID_POINTS, "date": valid_date(day_first)}.get(
                detail, st.sampled_from(["Homework", "Quiz", "Test"])
            )
            choice = draw(st.sampled_from(["ok", "ok", "ok", "blank", "bad"]))
            if choice == "bad" and detail != "category":
                value = draw(BAD[detail])
                bad_columns.add(assignment)
            else:
                value = None if choice == "blank" else draw(valid)
            values[assignment] = value
        row_index = len(grid)
        messy_row = [label] + [None] * (len(layout) - 1)
        for column, (role, name) in enumerate(layout):
            if role == "score" and name:
                messy_row[column] = values[name]
        grid.append(messy_row)
        clean_grid.append([label] + [None] * (len(identity) - 1) + [values[a] for a in assignments])
        messy.bad_cells |= {
            a1(row_index, c) for c, (role, name) in enumerate(layout) if name in bad_columns
        }

    records = []
    for _ in range(draw(st.integers(1, 5))):
        record = {name: draw(specs[name].valid) for name in identity}
        record |= {a: draw(VALID_SCORE) for a in assignments}
        records.append(record)
    mess_count = draw(st.integers(0, 5))
    slots = draw(st.permutations(["clean"] * len(records) + ["mess"] * mess_count))
    clean_records = iter(enumerate(records))
    for slot in slots:
        row_index = len(grid)
        if slot == "clean":
            number, record = next(clean_records)
            row = [record[name] if role != "extra" else draw(JUNK) for role, name in layout]
            grid.append(trim_trailing_blanks(row) if draw(st.booleans()) else row)
            messy.clean_row[row_index] = number
            messy.clean_grid_row[len(clean_grid)] = number
            clean_grid.append([record[name] for _, name in clean_layout])
            continue
        shape = draw(st.sampled_from(["blank", "example", "student", "student", "nobody"]))
        if shape == "blank":
            grid.append(draw(st.sampled_from([[], [None] * 5, ["  "]])))
            messy.silent_rows.add(row_index)
            continue
        someone_column = next(
            c for c, (role, name) in enumerate(layout) if name in ("student_id", "student_name",
                                                                    "first_name", "last_name")
        )  # fmt: skip
        row = []
        bad: set[int] = set()
        for column, (role, name) in enumerate(layout):
            if role == "extra":
                row.append(draw(JUNK))
            elif role == "score":
                choice = draw(st.sampled_from(["blank", "ok", "bad"]))
                valid_or_bad = VALID_SCORE if choice == "ok" else BAD["score"]
                row.append(None if choice == "blank" else draw(valid_or_bad))
                if choice == "bad":
                    bad.add(column)
            elif shape == "student" and column == someone_column:
                row.append(f"X-{draw(st.integers(1, 99))}")  # someone, not a clean student
            else:
                assert name is not None
                choice = draw(st.sampled_from(["blank", "bad"]))
                row.append(None if choice == "blank" else draw(specs[name].bad))
                if choice == "bad":
                    bad.add(column)
        has_scores = any(
            role == "score" and not is_blank(row[c]) for c, (role, _) in enumerate(layout)
        )
        if shape == "example":
            row[0] = "(example) Sam"
            messy.silent_rows.add(row_index)
        elif shape == "nobody":
            # No student: the row is reported as a whole if it has scores, else skipped; a
            # bad ID or name in it is still reported at its cell.
            id_columns = {c for c, (role, _) in enumerate(layout) if role == "id"}
            messy.bad_cells |= {a1(row_index, c) for c in bad & id_columns}
            if has_scores:
                messy.bad_rows.add(row_index)
            else:
                messy.silent_rows.add(row_index)
        else:
            messy.bad_cells |= {a1(row_index, c) for c in bad}
        grid.append(row)
    return messy, "points" in details


# --- Comparing ----------------------------------------------------------------------------------

_A1 = re.compile(r"([A-Z]+)(\d+)")


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def cell_position(cell: str) -> tuple[int, int] | None:
    found = _A1.fullmatch(cell)
    if not found:
        return None
    return int(found[2]) - 1, column_index(found[1])


def issues_on_clean_rows(
    issues: Sequence[DataIssue], row_map: dict[int, int], field_of: dict[int, str]
) -> list[tuple[int, str, str]]:
    """(clean record, field, severity) of each issue pointing into a clean row."""
    found = []
    for issue in issues:
        position = cell_position(issue.cell)
        if position and position[0] in row_map:
            found.append((row_map[position[0]], field_of.get(position[1], "?"), issue.severity))
    return sorted(found)


def assert_bad_cells_reported(messy: Messy, issues: Sequence[DataIssue]) -> None:
    cells = {issue.cell for issue in issues}
    missing = sorted(messy.bad_cells - cells)
    assert not missing, (missing, [messy.grid[cell_position(c)[0]] for c in missing])  # type: ignore[index]
    assert {f"row {r + 1}" for r in messy.bad_rows} <= cells
    assert messy.repeated_headers <= cells


def assert_silent_rows_silent(messy: Messy, issues: Sequence[DataIssue]) -> None:
    """Blank and example rows (and detail rows, whose cells are checked above) say nothing,
    except about their own bad cells."""
    for issue in issues:
        position = cell_position(issue.cell)
        if position and position[0] in messy.silent_rows:
            assert issue.cell in messy.bad_cells, issue


def mapped_rows(frame: pd.DataFrame, row_map: dict[int, int]) -> pd.DataFrame:
    kept = frame[frame[ROW].isin(list(row_map))].copy()
    kept[ROW] = kept[ROW].map(row_map).astype("int64")
    return kept


def assert_same_values(left: pd.DataFrame, right: pd.DataFrame) -> None:
    # An empty selection keeps the dtype pandas inferred for the whole frame; values matter.
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_index_type=False)


# --- The properties -----------------------------------------------------------------------------


@FAST
@given(messy=messy_roster())
def test_a_messy_roster_gives_its_clean_rows_result_and_reports_every_bad_cell(messy: Messy):
    parsed, issues = roster.parse(
        messy.grid, source="roster.xlsx", tab="Roster", columns=messy.columns
    )
    clean, clean_issues = roster.parse(messy.clean_grid, source="roster.xlsx", tab="Roster")

    assert parsed is not None and clean is not None
    assert_bad_cells_reported(messy, issues)
    assert_silent_rows_silent(messy, issues)
    typed_ids = {parse_student_id(row[0]) for row in messy.clean_grid[1:]}
    assert set(clean.students.index) == typed_ids  # every clean row is a student
    students = parsed.students.loc[list(clean.students.index)]
    students = students.assign(**{ROW: students[ROW].map(messy.clean_row)})
    expected = clean.students.assign(**{ROW: clean.students[ROW].map(messy.clean_grid_row)})
    assert_same_values(students, expected)
    assert issues_on_clean_rows(issues, messy.clean_row, messy.messy_field) == issues_on_clean_rows(
        clean_issues, messy.clean_grid_row, messy.clean_field
    )


@FAST
@given(day_first=st.booleans(), data=st.data())
def test_a_messy_tutor_log_gives_its_clean_rows_sessions_and_reports_every_bad_cell(
    day_first: bool, data: st.DataObject
):
    messy = data.draw(messy_tutor_log(day_first))
    parse = {"source": "log.xlsx", "tab": "Form Responses 1", "day_first": day_first}
    sessions, issues = tutor_log.parse(messy.grid, columns=messy.columns, **parse)
    clean, clean_issues = tutor_log.parse(messy.clean_grid, **parse)

    assert sessions is not None and clean is not None
    assert_bad_cells_reported(messy, issues)
    assert_silent_rows_silent(messy, issues)
    assert set(clean[ROW]) == set(messy.clean_grid_row)  # every clean row is a session
    positional = ["date_cell", "student_cell"]
    assert_same_values(
        mapped_rows(sessions, messy.clean_row).drop(columns=positional).reset_index(drop=True),
        mapped_rows(clean, messy.clean_grid_row).drop(columns=positional).reset_index(drop=True),
    )
    assert issues_on_clean_rows(issues, messy.clean_row, messy.messy_field) == issues_on_clean_rows(
        clean_issues, messy.clean_grid_row, messy.clean_field
    )


@FAST
@given(day_first=st.booleans(), missing_counts_as_zero=st.booleans(), data=st.data())
def test_a_messy_gradebook_gives_its_clean_rows_scores_and_reports_every_bad_cell(
    day_first: bool, missing_counts_as_zero: bool, data: st.DataObject
):
    messy, _ = data.draw(messy_gradebook(day_first))
    parse = {
        "source": "rivera.xlsx",
        "tab": "Grades",
        "day_first": day_first,
        "missing_counts_as_zero": missing_counts_as_zero,
    }
    scores, issues = gradebook.parse(messy.grid, columns=messy.columns, **parse)
    clean, clean_issues = gradebook.parse(messy.clean_grid, **parse)

    assert scores is not None and clean is not None
    assert_bad_cells_reported(messy, issues)
    assert_silent_rows_silent(messy, issues)
    positional = ["assignment_column", "student_cell"]

    def comparable(frame: pd.DataFrame, row_map: dict[int, int]) -> pd.DataFrame:
        rows = mapped_rows(frame, row_map).drop(columns=positional)
        return rows.sort_values([ROW, "assignment"]).reset_index(drop=True)

    assert_same_values(comparable(scores, messy.clean_row), comparable(clean, messy.clean_grid_row))
    header = messy.clean_grid[0]
    typed_scores = {
        (number, header[column])
        for row, number in messy.clean_grid_row.items()
        for column, value in enumerate(messy.clean_grid[row])
        if column not in messy.clean_field and not is_blank(value)
    }
    graded = comparable(clean, messy.clean_grid_row)
    assert set(zip(graded[ROW], graded["assignment"], strict=True)) == typed_scores
    assert issues_on_clean_rows(issues, messy.clean_row, messy.messy_field) == issues_on_clean_rows(
        clean_issues, messy.clean_grid_row, messy.clean_field
    )


# --- Targeted cases the properties found --------------------------------------------------------


def test_a_student_called_max_is_a_student_not_the_points_row():
    grid = [["First Name", "Last Name", "Quiz 1"], ["Ana", "Lee", 17], ["Max", "Kim", 15]]

    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")

    assert list(scores["student_name_typed"]) == ["Ana Lee", "Max Kim"]
    assert [issue.problem for issue in issues] == [
        "this gradebook has no Points row, so plain numbers were read as percentages"
    ]
    assert list(scores["earned"]) == [17.0, 15.0]
    assert list(scores["possible"]) == [100.0, 100.0]  # no Points row: percentages


def test_a_repeated_identity_column_in_a_gradebook_is_not_an_assignment():
    grid = [
        ["Student ID", "Student name", "Quiz 1", "Student ID"],
        ["Points", None, 20],
        ["00123", "Ada Lee", 17, "00123"],
    ]

    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")

    assert list(scores["assignment"]) == ["Quiz 1"]
    assert [i.cell for i in issues] == ["D1"]  # the repeated header, said once


@given(error=FORMULA_ERROR)
def test_a_formula_error_is_never_a_student_id_or_name(error: str):
    header = ["Student ID", "Student name", "Teacher", "Tutor"]
    ok = ["00123", "Ada Lee", "t@s.example", "u@s.example"]
    grid = [header, ok, [error, "Bo Kim", "t@s.example", "u@s.example"], ["00124", error, *ok[2:]]]

    parsed, issues = roster.parse(grid, source="r.xlsx", tab="Roster")

    assert parsed is not None
    assert list(parsed.students.index) == ["00123", "00124"]
    assert parsed.students.at["00124", "name"] == "(no name) 00124"
    assert {(i.cell, i.value) for i in issues} >= {("A3", error), ("B4", error)}
    assert all(error in i.problem and "formula" in i.problem for i in issues)


def test_a_gradebooks_unusable_student_cells_are_reported_at_their_cells():
    grid = [
        ["Student ID", "First name", "Last name", "Student e-mail", "Quiz 1"],
        ["00123", "#N/A", "Lee", "not an e-mail", 17],
    ]

    scores, issues = gradebook.parse(grid, source="g.xlsx", tab="Grades")

    assert scores["student_name_typed"].tolist() == ["Lee"]
    assert scores["student_email_typed"].tolist() == [None]
    assert {(i.cell, i.value, i.severity) for i in issues if i.cell} == {
        ("B2", "#N/A", "error"),
        ("D2", "not an e-mail", "warning"),
    }


def test_a_formula_error_in_a_tutor_log_text_column_is_reported_and_the_session_counts():
    grid = [
        ["Date", "Tutor", "Student ID", "Minutes", "Attendance", "Notes"],
        ["2026-01-05", "#REF!", "00123", 45, "Present", "#VALUE!"],
    ]

    sessions, issues = tutor_log.parse(grid, source="l.xlsx", tab="Log")

    assert sessions[["tutor", "notes", "minutes"]].values.tolist() == [[None, None, 45.0]]
    assert [(i.cell, i.value) for i in issues] == [("B2", "#REF!"), ("F2", "#VALUE!")]


def test_a_gradebook_row_without_an_id_or_without_a_name_gives_none_not_nan():
    grid = [
        ["Student ID", "Student name", "Quiz 1"],
        ["00123", "Ada Lee", 17],
        [None, "Bo Kim", 15],
    ]
    grid.append(["00125", None, 12])

    scores, _ = gradebook.parse(grid, source="g.xlsx", tab="Grades")

    assert scores["student_id_typed"].tolist() == ["00123", None, "00125"]
    assert scores["student_name_typed"].tolist() == ["Ada Lee", "Bo Kim", None]


def test_a_program_whose_gradebook_has_a_student_without_an_id_runs(tmp_path: Path):
    roster_grid = [["Student ID", "Student", "Teacher", "Tutor"]]
    roster_grid += [["00123", "Ada Lee", "t@s.example", "u@s.example"]]
    roster_grid += [["00124", "Bo Kim", "t@s.example", "u@s.example"]]
    save(tmp_path / "roster.xlsx", "Roster", roster_grid)
    save(tmp_path / "log.xlsx", "Log", [["Date", "Tutor", "Student ID", "Minutes", "Attendance"]])
    grades = [["Student ID", "Student name", "Quiz 1"], ["00123", None, 17], [None, "Bo Kim", 15]]
    save(tmp_path / "t.xlsx", "Grades", grades)
    config = program_config(log_tab="Log", gradebook_file="t.xlsx", teacher="t@s.example")
    program = read_program(
        parse_settings(config, config_dir=tmp_path), LocalWorkspace(tmp_path), as_of=AS_OF
    )

    assert sorted(program.scores["student_id"]) == ["00123", "00124"]


# --- End to end: a job never crashes on messy sources ------------------------------------------

AS_OF = date(2026, 3, 2)
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def storable(value: object) -> object:
    """A value as a spreadsheet file can hold it (the adapters never see NaN or controls)."""
    if isinstance(value, str):
        return _NOT_IN_XLSX.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return value


def save(path: Path, tab: str, grid: Sequence[Sequence[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = tab
    for row_number, row in enumerate(grid, 1):
        for column_number, value in enumerate(row, 1):
            value = storable(value)
            if value is None:
                continue
            cell = sheet.cell(row=row_number, column=column_number, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # as typed, even "=..." or "#N/A"
    book.save(path)


def program_config(
    *,
    day_first: bool = False,
    roster: dict[str, str] | None = None,
    log: dict[str, str] | None = None,
    gradebook: dict[str, str] | None = None,
    log_tab: str = "Form Responses 1",
    gradebook_file: str = "rivera.xlsx",
    teacher: str = "rivera@school.example",
) -> dict[str, Any]:
    """The config of a program of roster.xlsx, log.xlsx and one gradebook, with column maps."""
    book = {"spreadsheet": gradebook_file, "tab": "Grades", "teacher": teacher}
    return {
        "program": {"name": "Messy", "day_first": day_first},
        "sources": {
            "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster", "columns": roster or {}},
            "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": [log_tab], "columns": log or {}}],
            "gradebooks": [{**book, "columns": gradebook or {}}],
        },
        "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
    }


@st.composite
def messy_program(draw) -> tuple[bool, Messy, Messy, Messy]:
    day_first = draw(st.booleans())
    roster_source = draw(messy_roster(at_least_one_active=True))
    ids = [record[0] for record in roster_source.clean_grid[1:]]
    known_ids = st.one_of(st.sampled_from(ids), st.sampled_from(["X-1", "99999"]))
    log = draw(messy_tutor_log(day_first, known_ids))
    book, _ = draw(messy_gradebook(day_first, known_ids))
    return day_first, roster_source, log, book


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=messy_program())
def test_the_progress_job_never_crashes_on_messy_sources_and_a_rerun_writes_nothing(program):
    day_first, roster_source, log, book = program
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        save(root / "roster.xlsx", "Roster", roster_source.grid)
        save(root / "log.xlsx", "Form Responses 1", log.grid)
        save(root / "rivera.xlsx", "Grades", book.grid)
        config = program_config(
            day_first=day_first,
            roster=roster_source.columns,
            log=log.columns,
            gradebook=book.columns,
        )
        settings_ = parse_settings(config, config_dir=root)
        workspace = LocalWorkspace(root)

        program_read = read_program(settings_, workspace, as_of=AS_OF)
        first = run_progress(settings_, workspace, as_of=AS_OF)
        again = run_progress(settings_, workspace, as_of=AS_OF)

    assert program_read.summary.index.is_unique
    assert first.ok, first.failures
    assert again.ok and again.actions == [], again.actions
