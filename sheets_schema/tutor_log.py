"""Tutor session logs: one row per session, often a Google Form's responses tab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from sheets_schema import values
from sheets_schema.fields import STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import Field, SheetKind, find_header
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import (
    ROW,
    HeadedTab,
    ParsedColumn,
    SourceTab,
    TabCells,
    a1_categorical,
    as_objects,
    show,
    whole_text,
)

KIND = SheetKind(
    "tutor log",
    (
        # "Timestamp" comes last: a form's submit time stands in only when there is no date.
        Field(
            "session_date",
            "Session date",
            ("Session Date", "Date", "Date of Session", "Session Day", "Timestamp"),
        ),
        Field(
            "tutor",
            "Tutor",
            ("Tutor", "Tutor Email", "Tutor E-mail", "Email Address", "Tutor Name"),
        ),
        STUDENT_ID,
        STUDENT_NAME,
        STUDENT_EMAIL,
        Field(
            "minutes",
            "Minutes",
            ("Minutes", "Duration", "Length", "Session Length", "Time (minutes)", "Mins", "Time"),
        ),
        Field(
            "attendance",
            "Attendance",
            ("Attendance", "Attended", "Attended?", "Status", "Present?", "Present"),
        ),
        Field("subject", "Subject", ("Subject", "Focus", "Topic")),
        Field("notes", "Notes", ("Notes", "Session Notes", "Comments", "What we worked on")),
        Field(
            "next_steps",
            "Next steps",
            ("Next steps", "Next step", "Plan for next session", "Next time", "Next session"),
        ),
        Field(
            "follow_up",
            "Follow-up needed",
            (
                "Follow-up needed",
                "Follow-up needed?",
                "Follow up",
                "Follow-up",
                "Follow-up?",
                "Needs follow-up",
                "Flag for teacher",
            ),
        ),
    ),
    required=(
        ("session_date",),
        ("tutor",),
        ("student_id", "student_name"),
        ("minutes",),
        ("attendance",),
    ),
)

SESSION_COLUMNS = [
    "student_id_typed",
    "student_name_typed",
    "student_email_typed",
    "tutor",
    "session_date",
    "minutes",
    "attendance",
    "subject",
    "notes",
    "next_steps",
    "follow_up",
    "source",
    "tab",
    ROW,
    "date_cell",
    "student_cell",
]


@dataclass(frozen=True)
class ParsedLogs:
    sessions: pd.DataFrame  # SESSION_COLUMNS, tab after tab; text columns categorical
    found: list[bool]  # per tab, whether its header was found (else it gave only an issue)
    issues: list[DataIssue]  # as `parse` gives them, tab after tab


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
    day_first: bool = False,
) -> tuple[pd.DataFrame | None, list[DataIssue]]:
    """Parse a tutor log tab into one row per usable session (SESSION_COLUMNS).

    A row without a usable date, attendance or student is skipped with an issue; a bad minutes
    or follow-up value is dropped (the session still counts) with an issue.
    """
    parsed = parse_many([SourceTab(grid, source, tab, columns)], day_first=day_first)
    return (as_objects(parsed.sessions) if parsed.found[0] else None), parsed.issues


def parse_many(tabs: Sequence[SourceTab], *, day_first: bool = False) -> ParsedLogs:
    """`parse` for many tutor log tabs at once: the same rows and issues, as if each tab were
    parsed in turn and the frames concatenated, with each field read in one pass over every
    tab (a program's logs hold millions of sessions)."""
    headed, found, header_issues = [], [], []
    for log_tab in tabs:
        header, issues = find_header(
            log_tab.grid, KIND, log_tab.columns or {}, source=log_tab.source, tab=log_tab.tab
        )
        header_issues.append(issues)
        found.append(header is not None)
        if header is not None:
            headed.append(HeadedTab(log_tab.grid, header, log_tab.source, log_tab.tab))
    cells = TabCells(headed, KIND)
    column = cells.parse
    parsed = {
        "student_id_typed": column("student_id", values.parse_student_id),
        "student_name_typed": column("student_name", _text),
        "student_email_typed": column("student_email", values.parse_email, Severity.WARNING),
        "tutor": column("tutor", _tutor),
        "session_date": column("session_date", partial(values.parse_date, day_first=day_first)),
        "minutes": column("minutes", values.parse_minutes, Severity.WARNING),
        "attendance": column("attendance", values.parse_attendance),
        "subject": column("subject", _text),
        "notes": column("notes", _text),
        "next_steps": column("next_steps", _text),
        "follow_up": column("follow_up", values.parse_yes_no, Severity.WARNING),
    }
    usable = np.flatnonzero(_usable_and_reported(cells, parsed))
    sessions = _session_frame(cells, parsed, usable)
    issues, of_headed = [], iter(cells.issues)
    for found_header, of_tab in zip(found, header_issues, strict=True):
        issues += of_tab + (next(of_headed) if found_header else [])
    return ParsedLogs(sessions, found, issues)


def _usable_and_reported(cells: TabCells, parsed: Mapping[str, ParsedColumn]) -> np.ndarray:
    """Per row, whether it can count as a session. A row that cannot is reported (unless its
    cell was already reported as unreadable), tab by tab, reason after reason."""

    def missing(name: str) -> np.ndarray:
        return np.array([v is None for v in parsed[name].values], dtype=bool)[parsed[name].codes]

    minutes = _numbers(parsed["minutes"])
    # A form often leaves attendance blank when the session simply happened.
    blank_attendance_but_minutes = cells.blank("attendance") & (minutes > 0)
    identity = ("student_id_typed", "student_name_typed", "student_email_typed")
    masks = (
        missing("session_date"),
        np.logical_and.reduce([missing(name) for name in identity]),
        missing("attendance") & ~blank_attendance_but_minutes,
    )
    reason = np.full(len(cells), -1)
    for number in reversed(range(len(masks))):  # a row's first reason
        reason[masks[number]] = number
    unusable = np.flatnonzero(reason >= 0)
    for position in unusable[np.lexsort((unusable, reason[unusable], cells.tab_of[unusable]))]:
        tab = cells.tabs[cells.tab_of[position]]
        what, fix, field_name = _UNUSABLE[reason[position]]
        if field_name == "student_id" and field_name not in tab.header.columns:
            field_name = "student_name"
        if field_name in tab.header.columns and not values.is_blank(
            cells.cell(position, field_name)
        ):
            continue  # already reported as an unreadable value
        cells.issues[cells.tab_of[position]].append(
            DataIssue(
                tab.source,
                tab.tab,
                a1(int(cells.row[position]), tab.header.columns.get(field_name, 0)),
                "",
                what,
                fix,
            )
        )
    return reason < 0


# Why a row cannot count as a session: (what is wrong, fix, the field to point at).
_UNUSABLE = (
    (
        "this session has no usable date, so it was skipped",
        "type the date of the session, e.g. 2026-01-05 or 1/5/2026",
        "session_date",
    ),
    (
        "this session does not say which student it was with, so it was skipped",
        "type the student's ID or name",
        "student_id",  # or student_name, in a tab without IDs
    ),
    (
        "this session has no attendance and no minutes, so it was skipped",
        "type Present, Absent, No show or Cancelled",
        "attendance",
    ),
)


def _session_frame(
    cells: TabCells, parsed: Mapping[str, ParsedColumn], rows: np.ndarray
) -> pd.DataFrame:
    """SESSION_COLUMNS of the usable `rows`: text, dates and attendance categorical."""
    attendance = parsed["attendance"]
    # A session whose attendance is blank but has minutes happened.
    attended = [values.Attendance.ATTENDED if v is None else v for v in attendance.values]
    columns: dict[str, object] = {name: column.categorical(rows) for name, column in parsed.items()}
    columns["attendance"] = ParsedColumn(attendance.codes, attended).categorical(rows)
    columns["minutes"] = _numbers(parsed["minutes"])[rows]
    follow_up = parsed["follow_up"]
    columns["follow_up"] = np.array([v is True for v in follow_up.values], dtype=bool)[
        follow_up.codes[rows]
    ]
    tab_of, row = cells.tab_of[rows], cells.row[rows]
    for name in ("source", "tab"):
        columns[name] = _per_tab([getattr(tab, name) for tab in cells.tabs], tab_of)
    columns[ROW] = row.astype("int64")
    columns["date_cell"] = a1_categorical(
        np.array([t.header.columns["session_date"] for t in cells.tabs], dtype=np.intp)[tab_of],
        row,
    )
    student_column = [
        t.header.columns.get("student_id", t.header.columns.get("student_name", 0))
        for t in cells.tabs
    ]
    columns["student_cell"] = a1_categorical(np.array(student_column, dtype=np.intp)[tab_of], row)
    return pd.DataFrame({name: columns[name] for name in SESSION_COLUMNS})


def _numbers(column: ParsedColumn) -> np.ndarray:
    """Per row, the column's number (NaN where none)."""
    return np.array([np.nan if v is None else v for v in column.values], dtype=float)[column.codes]


def _per_tab(names: Sequence[str], tab_of: np.ndarray) -> pd.Categorical:
    codes, categories = pd.factorize(np.array(names, dtype=object))
    return pd.Categorical.from_codes(codes[tab_of], categories=pd.Index(categories, dtype=object))


def _text(value: object) -> str | None:
    return None if values.is_blank(value) else whole_text(value)


def _tutor(value: object) -> str | None:
    """Tutors are typed as e-mails or names; keep e-mails lowercase, names as typed."""
    if values.is_blank(value):
        return None
    email = values.parse_email(value)
    return email if isinstance(email, str) else show(value)
