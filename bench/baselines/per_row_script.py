"""The straightforward script: what many programs run today, written the way the gspread and
Calendar quick starts teach. It is the baseline tutorsync is measured against, not an example.

It opens the roster, the tutor log and each gradebook with gspread and reads them one row per
request (`worksheet.row_values(i)`), adds up each student's sessions, minutes and grade, writes
a summary tab one row per request (`worksheet.update`), and creates one Calendar check-in per
tutor-teacher pair with `events().insert`, one request each. No batching. Like real scripts it
survives rate limits by backing off: gspread's BackOffHTTPClient (sleep 2, 4, 8... s on 429)
and google-api-python-client's `execute(num_retries=...)`.

Its figures are deliberately simple (no name matching, no data issues, no flags, no teacher
tabs): it does less than tutorsync, which only flatters it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import gspread

SUMMARY_TAB = "Summary (script)"
SUMMARY_HEADER = ["Student ID", "Student", "Sessions", "Minutes", "Grade %"]
CALENDAR_RETRIES = 8  # google-api-python-client sleeps rand() * 2**n s before retry n


@dataclass(frozen=True)
class ScriptInputs:
    """What such a script has at its top: spreadsheet IDs, tab names, the calendar."""

    roster: str
    roster_tab: str
    tutor_log: str
    tutor_log_tabs: tuple[str, ...]
    gradebooks: tuple[str, ...]
    gradebook_tab: str
    summary: str  # the coordinator's spreadsheet
    calendar: str
    first_checkin: date
    timezone: str


@dataclass
class Totals:
    name: str = ""
    sessions: int = 0
    minutes: float = 0.0
    earned: float = 0.0
    possible: float = 0.0
    pairs: set[tuple[str, str]] = field(default_factory=set)


def run(gc: gspread.Client, calendar: Any, inputs: ScriptInputs) -> int:
    """Read, add up, write the summary row by row, create the check-ins; the students
    summarised."""
    students: dict[str, Totals] = defaultdict(Totals)
    roster = gc.open_by_key(inputs.roster).worksheet(inputs.roster_tab)
    for row in _rows(roster):
        student_id, name, _, teacher, tutor = (row + [""] * 5)[:5]
        if not student_id:
            continue
        students[str(student_id)].name = str(name)
        if teacher and tutor:
            students[str(student_id)].pairs.add((str(tutor), str(teacher)))

    log = gc.open_by_key(inputs.tutor_log)
    for tab in inputs.tutor_log_tabs:
        worksheet = log.worksheet(tab)
        header = worksheet.row_values(1)
        id_column = _column(header, ("Student ID", "ID"))
        minutes_column = _column(header, ("Duration", "Minutes"))
        for row in _rows(worksheet):
            student_id = row[id_column] if id_column < len(row) else ""
            if student_id in students:
                students[student_id].sessions += 1
                minutes = row[minutes_column] if minutes_column < len(row) else ""
                students[student_id].minutes += _number(minutes)

    for gradebook in inputs.gradebooks:
        worksheet = gc.open_by_key(gradebook).worksheet(inputs.gradebook_tab)
        points = [_number(cell) for cell in worksheet.row_values(2)]
        for row in _rows(worksheet, first=5):
            student_id = row[0].zfill(5) if row and row[0] else ""
            if student_id not in students:
                continue
            for column, cell in enumerate(row[2:], start=2):
                if cell not in ("", "EX") and column < len(points):
                    students[student_id].possible += points[column]
                    students[student_id].earned += _earned(cell, points[column])

    summary = gc.open_by_key(inputs.summary)
    worksheet = summary.add_worksheet(SUMMARY_TAB, rows=len(students) + 1, cols=5)
    worksheet.update(values=[SUMMARY_HEADER], range_name="A1:E1")
    for number, (student_id, totals) in enumerate(sorted(students.items()), start=2):
        grade = round(100 * totals.earned / totals.possible, 1) if totals.possible else ""
        values: list[Any] = [student_id, totals.name, totals.sessions, totals.minutes, grade]
        worksheet.update(values=[values], range_name=f"A{number}:E{number}")

    pairs = sorted({pair for totals in students.values() for pair in totals.pairs})
    start = datetime.combine(inputs.first_checkin, time(15, 30))
    for tutor, teacher in pairs:
        event = {
            "summary": f"Tutor check-in: {tutor} and {teacher}",
            "start": {"dateTime": start.isoformat(), "timeZone": inputs.timezone},
            "end": {
                "dateTime": (start + timedelta(minutes=30)).isoformat(),
                "timeZone": inputs.timezone,
            },
            "recurrence": ["RRULE:FREQ=WEEKLY;INTERVAL=2"],
            "attendees": [{"email": tutor}, {"email": teacher}],
        }
        calendar.events().insert(
            calendarId=inputs.calendar, body=event, sendUpdates="none"
        ).execute(num_retries=CALENDAR_RETRIES)
    return len(students)


def _rows(worksheet: gspread.Worksheet, first: int = 2) -> list[list[str]]:
    """Every row from `first` on, one request each (how many: the filled length of column A,
    one more request, so a blank row in the middle does not end the loop)."""
    last = len(worksheet.col_values(1))
    return [worksheet.row_values(number) for number in range(first, last + 1)]


def _column(header: list[str], names: tuple[str, ...]) -> int:
    return next((index for index, title in enumerate(header) if title in names), len(header))


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _number(cell: Any) -> float:
    found = _NUMBER.search(str(cell))
    return float(found.group()) if found else 0.0


def _earned(cell: str, points: float) -> float:
    text = str(cell)
    if text == "M":
        return 0.0
    if text.endswith("%"):
        return _number(text) / 100 * points
    return _number(text.split("/")[0])
