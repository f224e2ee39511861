"""Every OAuth scope tutorsync asks for, in one place, per job: the least each one needs.

A test pins this table; widening it is a decision to make in review, not by accident. The
full `drive` scope is deliberately absent: `drive.file` covers the folders tutorsync creates.
"""

from __future__ import annotations

from collections.abc import Iterable

SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
SPREADSHEETS_READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"

JOB_SCOPES: dict[str, tuple[str, ...]] = {
    "progress": (SPREADSHEETS,),
    "validate": (SPREADSHEETS_READONLY,),
    "doctor": (SPREADSHEETS,),  # it proves write access where tutorsync writes
    "checkins": (CALENDAR_EVENTS,),
    "folders": (DRIVE_FILE,),
    # Creates the program's spreadsheets in a Drive folder, then fills them in.
    "init": (SPREADSHEETS, DRIVE_FILE),
}


def scopes_for(jobs: Iterable[str]) -> tuple[str, ...]:
    """The scopes for running these jobs together; read-only is dropped when read-write of
    the same API is also asked for."""
    wanted = {scope for job in jobs for scope in JOB_SCOPES[job]}
    if SPREADSHEETS in wanted:
        wanted.discard(SPREADSHEETS_READONLY)
    return tuple(sorted(wanted))


def every_scope() -> tuple[str, ...]:
    """Every scope some tutorsync command asks for: what a Workspace admin grants a delegated
    service account so that every command can sign in (Google refuses a token when any scope
    asked for is not granted)."""
    return tuple(sorted({scope for scopes in JOB_SCOPES.values() for scope in scopes}))
