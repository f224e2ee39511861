"""Every OAuth scope tutorsync asks for, in one place, per job: the least each one needs.

A test pins this table; changing it is a decision to make in review, not by accident.

The rule: each job asks for the narrowest scope Google accepts for every call it makes (the
scopes each method lists in the discovery documents), with one exception: Drive. The
`drive.file` scope reaches only files the app itself made (or a person opened with it in the
Google Picker, which a command-line tool has not got), and what tutorsync works in is made by
a person: the folders root and the templates a coordinator keeps in a shared drive, and the
folder `init` makes a program's spreadsheets in. With `drive.file` Google answers 404 for each
of them, so the jobs that touch Drive ask for `drive`. What tutorsync does with it stays
narrow: it reads and changes only the folders root's subtree and the files it tagged, and
copies only the configured templates; what the account can reach at all is still what was
shared with it (a service account) or what the person owns or was given (delegation, a
coordinator's sign-in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
SPREADSHEETS_READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
# freebusy.query accepts no events scope: the narrowest it takes is one of the free/busy ones.
CALENDAR_EVENTS_FREEBUSY = "https://www.googleapis.com/auth/calendar.events.freebusy"
DRIVE = "https://www.googleapis.com/auth/drive"
# Not asked for (see above); named in messages for a sign-in that carries only it.
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"

JOB_SCOPES: dict[str, tuple[str, ...]] = {
    "progress": (SPREADSHEETS,),
    "validate": (SPREADSHEETS_READONLY,),
    "doctor": (SPREADSHEETS,),  # it proves write access where tutorsync writes
    # Events in the program calendar, and tutors' and teachers' free/busy to place them.
    "checkins": (CALENDAR_EVENTS, CALENDAR_EVENTS_FREEBUSY),
    # The folders root and templates are a person's: drive.file would not reach them.
    "folders": (DRIVE,),
    # Creates the program's spreadsheets in a person's Drive folder, then fills them in.
    "init": (SPREADSHEETS, DRIVE),
}

# A scope that grants everything a narrower one does, for the calls tutorsync makes.
_WIDER = {SPREADSHEETS_READONLY: SPREADSHEETS, DRIVE_FILE: DRIVE}


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


def not_covered(granted: Iterable[str], needed: Sequence[str]) -> tuple[str, ...]:
    """The scopes in `needed` that a sign-in allowing `granted` does not give (a scope is
    given by itself or by a wider one: `spreadsheets` gives what `spreadsheets.readonly`
    does)."""
    have = set(granted)
    return tuple(s for s in needed if s not in have and _WIDER.get(s) not in have)


def for_call(method_id: str) -> str:
    """The scope tutorsync asks for that lets it make a call (a discovery method id such as
    "drive.files.get"); "" for an API it does not use."""
    if method_id == "calendar.freebusy.query":
        return CALENDAR_EVENTS_FREEBUSY
    api = method_id.split(".", 1)[0]
    return {"sheets": SPREADSHEETS, "drive": DRIVE, "calendar": CALENDAR_EVENTS}.get(api, "")
