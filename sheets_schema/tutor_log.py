"""Tutor session logs: one row per session, often a Google Form's responses tab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import pandas as pd

from sheets_schema import values
from sheets_schema.fields import STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import Field, SheetKind, find_header
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import (
    ROW,
    ColumnParser,
    a1_cells,
    map_distinct,
    raw_frame,
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
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return None, issues
    frame = raw_frame(grid, header)
    found = header.columns

    column = ColumnParser(frame, header, KIND, source=source, tab=tab)

    sessions = pd.DataFrame(index=frame.index)
    sessions["student_id_typed"] = column("student_id", values.parse_student_id)
    sessions["student_name_typed"] = column("student_name", _text)
    sessions["student_email_typed"] = column("student_email", values.parse_email, Severity.WARNING)
    sessions["tutor"] = column("tutor", _tutor)
    sessions["session_date"] = column(
        "session_date", partial(values.parse_date, day_first=day_first)
    )
    sessions["minutes"] = column("minutes", values.parse_minutes, Severity.WARNING)
    sessions["attendance"] = column("attendance", values.parse_attendance)
    sessions["subject"] = column("subject", _text)
    sessions["notes"] = column("notes", _text)
    sessions["next_steps"] = column("next_steps", _text)
    sessions["follow_up"] = column("follow_up", values.parse_yes_no, Severity.WARNING)
    issues += column.issues
    sessions["source"] = source
    sessions["tab"] = tab
    sessions[ROW] = frame[ROW]
    sessions["date_cell"], sessions["student_cell"] = a1_cells(
        frame[ROW],
        [found["session_date"], found.get("student_id", found.get("student_name", 0))],
    )

    unusable = _unusable(frame, sessions, found)
    for index, (what, fix, column_name) in unusable.items():
        if column_name in found and not values.is_blank(frame.at[index, column_name]):
            continue  # already reported as an unreadable value by parse_column
        issues.append(
            DataIssue(
                source, tab, a1(int(frame.at[index, ROW]), found.get(column_name, 0)), "", what, fix
            )
        )
    keep = ~sessions.index.isin(list(unusable))
    sessions = sessions[keep]
    attended_without_attendance = sessions["attendance"].isna()
    sessions.loc[attended_without_attendance, "attendance"] = values.Attendance.ATTENDED
    # Parsed follow-ups are True, False or None, so == True is `is True`, done in C. An empty
    # column keeps its object dtype, so concatenated logs keep theirs.
    follow_up = sessions["follow_up"].to_numpy() == True  # noqa: E712
    if len(follow_up):
        sessions["follow_up"] = follow_up
    sessions["minutes"] = pd.to_numeric(sessions["minutes"], errors="coerce").astype("float64")
    return sessions[SESSION_COLUMNS].reset_index(drop=True), issues


def _unusable(
    frame: pd.DataFrame, sessions: pd.DataFrame, found: Mapping[str, int]
) -> dict[int, tuple[str, str, str]]:
    """Rows that cannot count as a session: index -> (what is wrong, fix, field)."""
    no_date = sessions["session_date"].isna()
    no_student = (
        sessions[["student_id_typed", "student_name_typed", "student_email_typed"]]
        .isna()
        .all(axis=1)
    )
    minutes = pd.to_numeric(sessions["minutes"], errors="coerce")
    # A form often leaves attendance blank when the session simply happened.
    blank_attendance = map_distinct(frame["attendance"].tolist(), values.is_blank, dtype=bool)
    blank_attendance_but_minutes = blank_attendance & (minutes > 0).to_numpy()
    no_attendance = sessions["attendance"].isna() & ~blank_attendance_but_minutes
    reasons = [
        (
            no_date,
            "this session has no usable date, so it was skipped",
            "type the date of the session, e.g. 2026-01-05 or 1/5/2026",
            "session_date",
        ),
        (
            no_student,
            "this session does not say which student it was with, so it was skipped",
            "type the student's ID or name",
            "student_id" if "student_id" in found else "student_name",
        ),
        (
            no_attendance,
            "this session has no attendance and no minutes, so it was skipped",
            "type Present, Absent, No show or Cancelled",
            "attendance",
        ),
    ]
    unusable: dict[int, tuple[str, str, str]] = {}
    for mask, what, fix, field_name in reasons:
        for index in sessions.index[mask.to_numpy(dtype=bool)]:
            unusable.setdefault(int(index), (what, fix, field_name))
    return unusable


def _text(value: object) -> str | None:
    return None if values.is_blank(value) else whole_text(value)


def _tutor(value: object) -> str | None:
    """Tutors are typed as e-mails or names; keep e-mails lowercase, names as typed."""
    if values.is_blank(value):
        return None
    email = values.parse_email(value)
    return email if isinstance(email, str) else show(value)
