"""The feedback loop between teachers and tutors, inside the sheets they already use (pure).

A teacher types a "Note to tutor" on their progress tab; the tutor finds it, with the day it
last changed, on the "Teacher feedback" tab of the tutor log spreadsheet, and may answer in its
"Tutor's reply" column (kept across runs like any educator column). The reply comes back to
the teacher's tab beside the note, dated, and the coordinator's summary shows each student's
latest exchange (`conversation`). One tab with a Tutor
column, rather than a tab per tutor: a program with thirty tutors would otherwise grow thirty
tabs in the spreadsheet the tutors' form writes to. On Google each tutor gets a filter view of
their own rows.

The tutor log spreadsheet also gets a "Student list" tab (ID and name of every active
student): spreadsheets can only check a typed value against a list in the same spreadsheet, so
`tutorsync init` points the Student ID column's validation at it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from jobs.plan.tabs import added_columns, merged_cell
from sheets_schema.cells import CellValue, ColumnFormat, FilterView, OwnedTab, TabWrite, stored_cell
from sheets_schema.headers import header_key
from sheets_schema.outputs import (
    NOTE_TO_TUTOR,
    STUDENT_ID_HEADER,
    STUDENT_LIST_HEADER,
    TUTOR_REPLY,
)

FEEDBACK_HEADER = (
    "Tutor",
    STUDENT_ID_HEADER,
    "Student",
    "Teacher",
    NOTE_TO_TUTOR,
    "Note changed on",
    "Tutor's reply",
)
_REPLY = len(FEEDBACK_HEADER) - 1
_CHANGED_ON = _REPLY - 1
_NOTE = _CHANGED_ON - 1


@dataclass(frozen=True)
class TeacherNote:
    teacher: str
    student_id: str
    text: str


def replies_on_tab(teacher: str, tab: OwnedTab | None) -> dict[tuple[str, str], CellValue]:
    """(teacher, student ID) -> the Tutor's reply cell of a teacher's progress tab as it
    stands: what `conversation` dates replies by."""
    if tab is None or not tab.grid:
        return {}
    header = [header_key(str(cell or "")) for cell in tab.grid[0]]
    if header_key(TUTOR_REPLY) not in header or header_key(STUDENT_ID_HEADER) not in header:
        return {}
    id_column, reply_column = (
        header.index(header_key(STUDENT_ID_HEADER)),
        header.index(header_key(TUTOR_REPLY)),
    )
    return {
        (teacher, str(row[id_column])): row[reply_column]
        for row in tab.grid[1:]
        if len(row) > max(id_column, reply_column) and row[id_column] not in (None, "")
    }


def notes_on_tab(teacher: str, tab: OwnedTab | None) -> list[TeacherNote]:
    """The non-empty "Note to tutor" cells of a teacher's progress tab, by student ID (rows in
    its archive section included: the caller keeps the students still with this teacher)."""
    if tab is None or not tab.grid:
        return []
    header = [header_key(str(cell or "")) for cell in tab.grid[0]]
    try:
        id_column = header.index(header_key(STUDENT_ID_HEADER))
        note_column = header.index(header_key(NOTE_TO_TUTOR))
    except ValueError:
        return []
    notes = []
    for row in tab.grid[1:]:
        if len(row) <= max(id_column, note_column):
            continue
        student_id, text = row[id_column], row[note_column]
        if student_id in (None, "") or text in (None, ""):
            continue
        notes.append(TeacherNote(teacher, str(student_id), str(text).strip()))
    return notes


def feedback_tab(
    *,
    key: str,
    title: str,
    notes: Iterable[TeacherNote],
    students: pd.DataFrame,
    current: OwnedTab | None,
    today: date,
) -> TabWrite:
    """One row per tutor and note about a student they tutor, sorted by tutor then student.
    "Note changed on" keeps the day a note was first seen as it reads now. What tutors typed
    is carried by (tutor, student, teacher): the reply, any column they added, and rows of
    their own at the bottom."""
    before = _read_current(current)
    rows: list[list[CellValue]] = []
    for note in notes:
        if note.student_id not in students.index:
            continue
        student = students.loc[note.student_id]
        if note.teacher not in student["teachers"]:
            continue  # the student left this teacher: the note stays on their tab's archive
        for tutor in student["tutors"]:
            previous = before.rows.get((tutor, note.student_id, note.teacher))
            same = previous is not None and previous[_NOTE] == stored_cell(note.text)
            changed_on = previous[_CHANGED_ON] if same and previous else today
            reply = previous[_REPLY] if previous else None
            name = str(student["name"])
            rows.append([tutor, note.student_id, name, note.teacher, note.text, changed_on, reply])
    kept = {(r[0], r[1], r[3]) for r in rows}
    # A reply (or a column of their own) about a note that is gone is still something a
    # tutor typed: kept, with the note emptied.
    for row_key, row in before.rows.items():
        typed = [row[_REPLY], *before.extras.get(row_key, ())]
        if row_key not in kept and any(value not in (None, "") for value in typed):
            rows.append([*row[:_NOTE], None, None, row[_REPLY]])
    rows.sort(key=lambda r: (str(r[0]), str(r[2] or ""), str(r[1]), str(r[3])))
    blank: list[CellValue] = [None] * len(before.extra_headers)
    full = [tuple(row + before.extras.get((row[0], str(row[1]), row[3]), blank)) for row in rows]
    formats = (ColumnFormat.TEXT,) * _CHANGED_ON + (ColumnFormat.DATE, ColumnFormat.TEXT)
    tutors = sorted({str(row[0]) for row in rows})
    return TabWrite(
        key=key,
        title=title,
        header=(*FEEDBACK_HEADER, *before.extra_headers),
        rows=(*full, *before.loose),
        column_formats=formats + (ColumnFormat.TEXT,) * len(before.extra_headers),
        # Each tutor opens the tab filtered to their own rows (on Google; see FilterView).
        filter_views=tuple(FilterView(f"For {tutor}", 0, tutor) for tutor in tutors),
    )


@dataclass(frozen=True)
class Conversation:
    """What teachers and tutors said to each other, for the progress tabs: each teacher's
    students' replies ((teacher, student ID) -> "tutor, day: reply" a line each), and each
    student's latest exchange, dated (student ID -> text)."""

    replies: dict[tuple[str, str], str] = field(default_factory=dict)
    latest: dict[str, str] = field(default_factory=dict)


def conversation(
    feedback: OwnedTab | None,
    previous_replies: Mapping[tuple[str, str], CellValue],
    *,
    today: date,
) -> Conversation:
    """The conversation on the Teacher feedback tab as it stands. A reply is dated the day
    tutorsync first saw it read as it does now: the day its teacher's tab shows beside it
    (`previous_replies`, the Tutor's reply cells as they stand) while it is the same."""
    lines: dict[tuple[str, str], list[str]] = defaultdict(list)
    said: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    for (tutor, student_id, teacher), row in sorted(_read_current(feedback).rows.items(), key=str):
        if not isinstance(tutor, str) or not isinstance(teacher, str):
            continue
        note, noted_on, reply = row[_NOTE], _day(row[_CHANGED_ON]), row[_REPLY]
        if note not in (None, "") and noted_on is not None:
            said[student_id].append((noted_on, 0, f"{noted_on}, {teacher} to {tutor}: {note}"))
        if reply in (None, ""):
            continue
        text = str(stored_cell(str(reply).strip()))
        before = previous_replies.get((teacher, student_id))
        replied_on = _dated(before, tutor, text) or today
        lines[(teacher, student_id)].append(f"{tutor}, {replied_on}: {text}")
        said[student_id].append((replied_on, 1, f"{replied_on}, {tutor} to {teacher}: {text}"))
    return Conversation(
        {place: "\n".join(replies) for place, replies in lines.items()},
        {student_id: max(items)[2] for student_id, items in said.items()},
    )


def _dated(cell: CellValue, tutor: str, text: str) -> date | None:
    """The day a reply cell as it stands gives `tutor`'s reply `text`, if it gives it."""
    if not isinstance(cell, str):
        return None
    found = re.search(rf"(?:^|\n){re.escape(tutor)}, (\d{{4}}-\d{{2}}-\d{{2}}): ", cell)
    if not found or not cell[found.end() :].startswith(text):
        return None
    rest = cell[found.end() + len(text) :]
    whole = not rest or rest.startswith("\n")  # not the start of a longer reply
    return date.fromisoformat(found.group(1)) if whole else None


def _day(cell: CellValue) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    return cell if isinstance(cell, date) else None


def student_list_tab(*, key: str, title: str, students: pd.DataFrame) -> TabWrite:
    """Every active student's ID and name, by name: the list the Student ID column of a tutor
    log is checked against."""
    ordered = students.assign(_id=students.index).sort_values(["name_key", "_id"])
    names = ordered["name"]
    rows = tuple(zip(map(str, names.index.tolist()), map(str, names.tolist()), strict=True))
    return TabWrite(
        key=key,
        title=title,
        header=STUDENT_LIST_HEADER,
        rows=rows,
        column_formats=(ColumnFormat.TEXT, ColumnFormat.TEXT),
    )


_RowKey = tuple[CellValue, str, CellValue]  # (tutor, student ID, teacher)


@dataclass
class _Current:
    """The feedback tab as it stands, found by header so a re-sorted tab, or one whose
    columns were moved, still lines up."""

    rows: dict[_RowKey, list[CellValue]] = field(default_factory=dict)  # FEEDBACK_HEADER order
    extra_headers: list[str] = field(default_factory=list)  # columns a tutor added
    extras: dict[_RowKey, list[CellValue]] = field(default_factory=dict)  # their values
    loose: list[tuple[CellValue, ...]] = field(default_factory=list)  # rows of a tutor's own


def _read_current(current: OwnedTab | None) -> _Current:
    found = _Current()
    if current is None or not current.grid:
        return found
    header = current.grid[0]
    keys = [header_key(str(cell or "")) for cell in header]
    ours = [header_key(name) for name in FEEDBACK_HEADER]
    positions = [keys.index(key) if key in keys else None for key in ours]
    added, found.extra_headers = added_columns(current.grid, set(ours))
    for raw in current.grid[1:]:
        row = [raw[p] if p is not None and p < len(raw) else None for p in positions]
        if row[0] in (None, "") or row[1] in (None, ""):
            if any(cell not in (None, "") for cell in raw):
                found.loose.append(tuple(raw))
            continue
        row_key = (row[0], str(row[1]), row[3])
        extras = [raw[i] if i < len(raw) else None for i in added]
        if row_key in found.rows:  # the row copied, or typed twice: keep what both hold
            row[_REPLY] = merged_cell(found.rows[row_key][_REPLY], row[_REPLY])
            extras = [merged_cell(a, b) for a, b in zip(found.extras[row_key], extras, strict=True)]
        found.rows[row_key] = row
        found.extras[row_key] = extras
    return found
