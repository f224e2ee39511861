"""Soak, local workspace: `tutorsync run` again and again on the demo program kept as files in a
folder (.xlsx and .csv spreadsheets, student folders, calendar.ics), under one seeded local
fault now and then, with educators editing the files between runs. What must never happen is
what the Google soak (bench.soak) checks: a duplicate (check-in, folder, grant, template copy,
owned tab, student row), an educator's cell lost, a grant the roster does not give, a run that
says ok without the state of a never-faulted twin, or fails without naming what it could not do.

    .venv/bin/python -m bench.soak --workspace local --runs 200 --seed 2026 --students 12

A run draws a fault with --fault-rate's chance (default 0.6), the kinds dealt in turn:
- read-only: a folder the run writes into, as its dry run says (the workspace folder, an
  output spreadsheet's folder, the folders' root, the term's folder, a student's folder; if
  the run has nothing to do, any of those) cannot be changed during the run: `chmod a-w`; as
  root, where chmod does not bind, emulated: creating, removing or renaming anything in it
  fails with EACCES (the output says so);
- full disk: the disk has N bytes left (none in a quarter of the faults, else up to 64 kB,
  fewer likelier): every write past them fails with ENOSPC (file contents, copies, new
  folders, the run lock's record); in half the faults only the workspace's disk is full, in
  the others the system's temporary folders (where openpyxl writes as it saves) are on it too;
- bad file: one job's own file cannot be read: calendar.ics saved as UTF-16 (the check-ins),
  a folder's .tutorsync-folder.json cut short (the folders), or an output spreadsheet that is
  no spreadsheet any more (cut short, empty, a web page: the progress tabs). Only that job
  may fail (the coordinator's spreadsheet, which every run reads first, stops the whole run:
  jobs/read.py), a failure must name the file (or say a .tutorsync-folder.json cannot be
  read: failures name folders by key, never by path), and the file must be left as it was;
  then it is put back.
Besides: a run never ends in a traceback nor leaves a temporary file behind. Every fifth run,
the last, and every run no fault was drawn for are fault-free and must reach the twin's state.

The twin is the same program in a second folder, edited the same way, run only fault-free. The
states compared are those of bench.soak.end_state, read from the files: owned tabs' values (a
link cell with its target), check-ins that still meet, folders (name, place, grants in their
manifests), template copies.
"""

from __future__ import annotations

import builtins
import csv
import errno
import gc
import io
import json
import os
import posixpath
import random
import shutil
import stat
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
from fake_google.fake_calendar import occurrences
from icalendar import Calendar

from bench.harness import TODAY
from bench.soak import (
    Checks,
    Educators,
    Outcome,
    Shared,
    SoakResult,
    duplicate_rows,
    edit_between_runs,
    grant_problems,
    judge,
    names_any,
    new_program,
    notes_lost,
    parse_roster,
    resource_names,
    run_tutorsync,
    sections,
    spreadsheets_of,
)
from jobs.errors import WorkspaceError
from jobs.model.calendar import CalendarEvent
from jobs.settings import Settings, load
from jobs.workspace.local.calendar import LocalCalendar
from jobs.workspace.local.drive import MANIFEST
from jobs.workspace.local.files import TEMPORARY
from jobs.workspace.local.sheets import LocalSpreadsheets, owned_key

KINDS = ("read-only", "full disk", "bad file")
FAULT_CHANCE = 0.6  # of a run having a fault (the default --fault-rate here)
FAULT_FREE_EVERY = 5
EDIT_CHANCE = 0.7  # of educators editing something before a run (so a run has writes to do)
DISK_BYTES = 64_000  # the most a full disk has left (less is likelier)
_BLOCK = 4096  # bytes a new directory takes
_LEFTOVERS = (TEMPORARY, ".tutorsync-new-")  # in the names of files a write makes on its way


# --- The program in a folder ------------------------------------------------------------------


@dataclass
class LocalSite:
    """One copy of the program, as files in its own folder."""

    root: Path
    config: Path
    settings: Settings

    def path(self, reference: str) -> Path:
        return self.root / reference


def open_local_site(program: Path, folder: Path) -> LocalSite:
    """Copy the program into `folder` and return it ready to run."""
    shutil.copytree(program, folder)
    config = folder / "tutorsync.toml"
    return LocalSite(folder.resolve(), config, load(config))


# --- What a run leaves, read from the files -------------------------------------------------


@dataclass(frozen=True)
class LocalTab:
    key: str
    title: str
    grid: list[list[Any]]  # values
    shown: list[list[Any]]  # values, a link cell as "value <target>"


@dataclass(frozen=True)
class LocalFolder:
    directory: str  # relative to the workspace folder
    manifest: dict[str, Any]
    files: tuple[str, ...]


@dataclass
class Snapshot:
    """The site's files as the checks read them, once after each run."""

    tabs: dict[str, list[LocalTab]] = field(default_factory=dict)  # by spreadsheet reference
    events: list[CalendarEvent] = field(default_factory=list)  # as tutorsync reads them
    event_keys: Counter[str] = field(default_factory=Counter)  # every VEVENT of the program
    folders: list[LocalFolder] = field(default_factory=list)  # the program's manifests
    leftovers: list[str] = field(default_factory=list)  # temporary files left behind
    unreadable: list[str] = field(default_factory=list)
    students: Any = None  # the roster's, parsed

    def tabs_of(self, reference: str) -> dict[str, list[list[Any]]]:
        return {tab.key: tab.grid for tab in self.tabs.get(reference, [])}


def snapshot(site: LocalSite) -> Snapshot:
    settings = site.settings
    found = Snapshot()
    for reference in sorted(spreadsheets_of(settings)):
        path = site.path(reference)
        if path.suffix.lower() == ".xlsx" and path.exists():
            try:
                found.tabs[reference] = read_owned_tabs(path)
            except Exception as error:  # openpyxl raises many kinds on a damaged file
                found.unreadable.append(f"{reference}: {type(error).__name__}: {error}")
    _read_events(site, found)
    _read_folders(site, found)
    source = settings.sources.roster
    grid = LocalSpreadsheets(site.root).read_tabs(source.spreadsheet, [source.tab])[source.tab]
    found.students = parse_roster(settings, [list(row) for row in grid]).students
    return found


def read_owned_tabs(path: Path) -> list[LocalTab]:
    """Each tab of the workbook tutorsync owns, found by its marker as tutorsync finds it."""
    tabs = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        key = owned_key(sheet)
        if key is None:
            continue
        grid, shown = [], []
        for row in sheet.iter_rows():
            grid.append([cell.value for cell in row])
            shown.append([_shown(cell) for cell in row])
        tabs.append(LocalTab(key, sheet.title, _trimmed(grid), _trimmed(shown)))
    return tabs


def _shown(cell: Any) -> Any:
    link = getattr(cell, "hyperlink", None)
    target = getattr(link, "target", None) or getattr(link, "location", None)
    return f"{cell.value} <{target}>" if target else cell.value


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Without empty cells at the ends of rows, nor empty rows at the end."""
    trimmed = []
    for row in rows:
        while row and row[-1] in (None, ""):
            row = row[:-1]
        trimmed.append(row)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def _read_events(site: LocalSite, found: Snapshot) -> None:
    checkins = site.settings.checkins
    if checkins is None or not site.path(checkins.calendar).exists():
        return
    program = site.settings.program.key
    try:
        found.events = LocalCalendar(site.root).list_events(checkins.calendar, program)
        parsed = Calendar.from_ical(site.path(checkins.calendar).read_bytes())
    except (WorkspaceError, ValueError) as error:
        found.unreadable.append(f"{checkins.calendar}: {error}")
        return
    for vevent in parsed.walk("VEVENT"):
        if str(vevent.get("X-TUTORSYNC-PROGRAM", "")) != program:
            continue
        if str(vevent.get("STATUS", "")).upper() == "CANCELLED" or "RECURRENCE-ID" in vevent:
            continue
        found.event_keys[str(vevent.get("X-TUTORSYNC-KEY", ""))] += 1


def _read_folders(site: LocalSite, found: Snapshot) -> None:
    """The program's folders (by their manifests) and any temporary file, anywhere."""
    for directory, subdirectories, files in os.walk(site.root):
        subdirectories.sort()
        here = Path(directory)
        relative = here.relative_to(site.root).as_posix()
        found.leftovers += [
            f"{relative}/{name}" for name in files if any(mark in name for mark in _LEFTOVERS)
        ]
        if MANIFEST not in files or here == site.root:
            continue
        try:
            manifest = json.loads((here / MANIFEST).read_bytes())
        except ValueError as error:
            found.unreadable.append(f"{relative}/{MANIFEST}: {error}")
            continue
        if manifest.get("program") == site.settings.program.key:
            names = tuple(sorted(name for name in files if name != MANIFEST))
            found.folders.append(LocalFolder(relative, manifest, names))


def local_end_state(found: Snapshot, as_of: date = TODAY) -> dict[str, Any]:
    """What runs are meant to leave (bench.soak.end_state's shape), from the files."""
    tabs = {}
    for reference, owned in found.tabs.items():
        for tab in owned:
            if tab.key.endswith(":run-log"):
                continue
            active, archived = sections(tab.shown)
            tabs[f"{reference} › {tab.key}"] = {
                "title": tab.title,
                "rows": active,
                "archived": sorted(archived, key=repr),
            }
    series, ended = {}, set()
    for event in found.events:
        upcoming = [start for start, _ in occurrences(_as_google(event)) if start.date() >= as_of]
        if not upcoming:
            ended.add(event.key)
            continue
        series[event.key] = {
            "summary": event.summary,
            "description": event.description,
            "attendees": sorted(event.attendees),
            "next": upcoming[0].isoformat(),
        }
    folders, copies = {}, set()
    for folder in found.folders:
        manifest = folder.manifest
        for template, name in (manifest.get("copies") or {}).items():
            copies.add((manifest.get("key"), template, name, name in folder.files))
        if manifest.get("kind") == "archive":
            continue  # made once a student leaves; stays when they come back
        folders[manifest.get("key")] = {
            "name": posixpath.basename(folder.directory),
            "parent": posixpath.dirname(folder.directory),
            "grants": sorted(_grants(manifest).items()),
        }
    return {
        "tabs": tabs,
        "series": series,
        "ended": sorted(ended),
        "folders": folders,
        "copies": sorted(copies, key=repr),
    }


def _as_google(event: CalendarEvent) -> dict[str, Any]:
    """The event as Google's API gives it, for fake_calendar.occurrences."""
    return {
        "start": {"dateTime": event.start.isoformat(), "timeZone": event.timezone},
        "end": {"dateTime": event.end.isoformat(), "timeZone": event.timezone},
        "recurrence": list(event.recurrence),
    }


def _grants(manifest: dict[str, Any]) -> dict[str, str]:
    """A manifest's grants as bench.soak._direct_grants gives Drive's: principal -> role."""
    grants = {}
    for grant in manifest.get("grants") or []:
        kind, email = grant.get("kind", "user"), str(grant.get("email", "")).lower()
        who = "anyone" if kind == "anyone" else f"domain:{email}" if kind == "domain" else email
        grants[who] = grant.get("role", "")
    return grants


# --- What must never happen -------------------------------------------------------------------


def local_duplicates(settings: Settings, found: Snapshot) -> list[str]:
    """bench.soak.duplicates, in the files: check-ins per key, folders per key, grants per
    address per folder, copies per template per folder, owned tabs per key per spreadsheet,
    rows per student in an owned tab."""
    lines = [f"{n} check-ins carry the key {key}" for key, n in found.event_keys.items() if n > 1]
    keys = Counter(folder.manifest.get("key") for folder in found.folders)
    lines += [f"{n} folders carry the key {key}" for key, n in keys.items() if n > 1]
    templates = [t.name for t in settings.folders.templates] if settings.folders else []
    for folder in found.folders:
        key = folder.manifest.get("key")
        emails = Counter(
            str(g.get("email", "")).lower() for g in folder.manifest.get("grants") or []
        )
        lines += [f"{n} grants for {who} on {key}" for who, n in emails.items() if n > 1]
        for template in templates:
            copies = [name for name in folder.files if name.startswith(f"{template} - ")]
            if len(copies) > 1:
                lines.append(f"{len(copies)} copies of template {template} in {key}")
    for reference, owned in found.tabs.items():
        tab_keys = Counter(tab.key for tab in owned)
        lines += [
            f"{n} tabs carry the key {k} in {reference}" for k, n in tab_keys.items() if n > 1
        ]
        for tab in owned:
            lines += [f"{tab.title} ({tab.key}): {line}" for line in duplicate_rows(tab.grid)]
    return lines


def history_as_twins(
    state: dict[str, Any], twin_state: dict[str, Any], students: Any
) -> dict[str, Any]:
    """`state`, with what a student's leaving left on the twin but not here taken as the
    twin's. Until a fault is removed a run may not make a tab or folder that the twin made;
    then a student leaves: the tab, made later, has no row to archive for them (nothing typed
    in it: lost_cells checks what educators typed), and no folder is made for them (one that
    is never shared with anyone but the coordinators)."""
    tabs = {}
    for key, tab in state["tabs"].items():
        theirs = twin_state["tabs"].get(key)
        if theirs is not None and all(row in theirs["archived"] for row in tab["archived"]):
            tab = {**tab, "archived": theirs["archived"]}
        tabs[key] = tab
    active = {str(s) for s in students.index if students.at[s, "active"]}
    never_made = {
        key
        for key in set(twin_state["folders"]) - set(state["folders"])
        if key.startswith("student:") and key.rsplit(":", 1)[-1] not in active
    }
    folders = {**state["folders"], **{k: twin_state["folders"][k] for k in never_made}}
    copies = [*state["copies"], *(c for c in twin_state["copies"] if c[0] in never_made)]
    return {**state, "tabs": tabs, "folders": folders, "copies": sorted(copies, key=repr)}


def local_checks(
    site: LocalSite, found: Snapshot, educators: Educators, twin_state: dict[str, Any]
) -> Checks:
    settings = site.settings

    def shared() -> list[Shared]:
        return [
            Shared(
                name=folder.manifest.get("key") or folder.directory,
                kind=folder.manifest.get("kind", ""),
                student_id=folder.manifest.get("student"),
                trashed=False,
                grants=_grants(folder.manifest),
            )
            for folder in found.folders
        ]

    return Checks(
        state=lambda: history_as_twins(local_end_state(found), twin_state, found.students),
        names_a_resource=lambda failures: names_any(failures, resource_names(settings, str)),
        duplicates=lambda: local_duplicates(settings, found),
        lost=lambda placed: notes_lost(
            educators.notes, found.students, found.tabs_of, placed=placed
        ),
        wrong_grants=lambda exact: grant_problems(settings, found.students, shared(), exact=exact),
    )


# --- Educators at work, in the files ---------------------------------------------------------


class LocalEducators(Educators):
    """bench.soak.Educators typing into the files (openpyxl for .xlsx, csv for .csv), and
    tutors logging a session now and then."""

    def __init__(self, rng: random.Random, sites: Sequence[LocalSite]) -> None:
        super().__init__(rng, sites)
        self.sessions = 0

    def values(self, site: Any, reference: str, tab: str) -> list[list[Any]]:
        grid = LocalSpreadsheets(site.root).read_tabs(reference, [tab])[tab]
        return [list(row) for row in grid]

    def set_cells(
        self, site: Any, reference: str, tab: str, cells: Sequence[tuple[int, int, Any]]
    ) -> None:
        path = site.path(reference)
        if path.suffix.lower() == ".csv":
            _set_csv_cells(path, cells)
            return
        book = openpyxl.load_workbook(path)
        sheet = book[tab]
        for row, column, value in cells:
            cell = sheet.cell(row=row + 1, column=column + 1, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # typed as text, as a person types '=...
        book.save(path)

    def owned_tabs(self, site: Any, reference: str) -> list[tuple[str, str, list[list[Any]]]]:
        path = site.path(reference)
        if path.suffix.lower() != ".xlsx" or not path.exists():
            return []
        return [(tab.key, tab.title, tab.grid) for tab in read_owned_tabs(path)]

    def choices(self) -> list[tuple[Callable[[], str], int]]:
        return [*super().choices(), (self.log_session, 3)]

    def log_session(self) -> str:
        """A tutor logs a session of the last week through the form (a row of the first tab
        of the first tutor log), like one of the student's earlier ones."""
        log = self.sites[0].settings.sources.tutor_logs[0]
        tab = log.tabs[0]
        grid = self.values(self.sites[0], log.spreadsheet, tab)
        header = grid[0]
        if not {"Timestamp", "Session Date", "Student ID", "Notes"} <= set(header):
            return ""
        active, column = set(self.active_students()), header.index("Student ID")
        rows = [r for r in grid[1:] if len(r) > column and str(r[column]) in active]
        if not rows:
            return ""
        self.sessions += 1
        row = self.rng.choice(rows)
        row = row + [None] * (len(header) - len(row))
        day = TODAY - timedelta(days=self.rng.randint(0, 6))
        row[header.index("Session Date")] = day
        stamp = datetime.combine(day, clock_time(16)) + timedelta(minutes=self.sessions)
        row[header.index("Timestamp")] = stamp
        row[header.index("Notes")] = f"session {self.sessions}"
        if "Attendance" in header:
            row[header.index("Attendance")] = "Present"
        for site in self.sites:
            at = len(self.values(site, log.spreadsheet, tab))
            cells = [(at, c, value) for c, value in enumerate(row) if value is not None]
            self.set_cells(site, log.spreadsheet, tab, cells)
        return "session"


def _set_csv_cells(path: Path, cells: Sequence[tuple[int, int, Any]]) -> None:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    for row, column, value in cells:
        while len(rows) <= row:
            rows.append([])
        rows[row] += [""] * (column + 1 - len(rows[row]))
        rows[row][column] = "" if value is None else str(value)
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode("utf-8"))


# --- Faults -----------------------------------------------------------------------------------


@dataclass
class Fault:
    """One run's fault, and what it did."""

    kind: str
    where: str = ""  # the read-only folder, the bad file, or the bytes the disk had left
    job: str = ""  # a bad file: the one job that uses it ("": every run needs it)
    named: str = ""  # a bad file: what a failure must name
    fired: int = 0  # operations it made fail (a bad file: 1 if a failure named it)
    overwritten: bool = False  # a bad file: the run replaced it


class _Disk:
    """The file system as one faulted run sees it: a folder whose entries cannot change
    (`frozen`; refused here if `refuse`, else chmod refuses and this only counts), and the
    bytes left (`left`; None: no limit) on the disk of the folder `full` (everywhere if None:
    the temporary files of other programs, openpyxl's, are on the same disk)."""

    def __init__(
        self,
        fault: Fault,
        *,
        frozen: Path | None = None,
        refuse: bool = False,
        left: int | None = None,
        full: Path | None = None,
    ) -> None:
        self.fault = fault
        self.frozen = os.path.realpath(frozen) if frozen is not None else None
        self.refuse = refuse
        self.left = left
        self.full = os.path.realpath(full) if full is not None else None
        self.paths: dict[int, str] = {}  # open file descriptor -> path, for `writing`

    def opened(self, descriptor: int, path: Any) -> None:
        if not isinstance(path, int):
            self.paths[descriptor] = os.path.realpath(os.fsdecode(path))

    def changing(self, path: Any) -> None:
        """About to create, remove or rename the entry `path`."""
        if self.frozen is None or not self.refuse or isinstance(path, int):
            return
        if os.path.realpath(os.path.dirname(os.path.abspath(os.fsdecode(path)))) == self.frozen:
            self.fault.fired += 1
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def writing(self, count: int, path: str | None) -> None:
        """About to write `count` bytes into `path` (None: not known where)."""
        if self.left is None or count <= 0:
            return
        if self.full is not None and path and os.path.commonpath([path, self.full]) != self.full:
            return  # on another disk
        if count > self.left:
            self.left = 0
            self.fault.fired += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.left -= count

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """The real call; a refusal of the folder made read-only by chmod is counted."""
        try:
            return function(*args, **kwargs)
        except OSError as error:
            refused = error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
            if self.frozen is not None and not self.refuse and refused:
                self.fault.fired += 1
            raise


class _Metered:
    """A file open for writing whose writes take bytes from the disk's."""

    def __init__(self, file: Any, disk: _Disk) -> None:
        self._file, self._disk = file, disk

    def write(self, data: Any) -> Any:
        size = len(data.encode() if isinstance(data, str) else data)
        self._disk.writing(size, self._disk.paths.get(self._file.fileno()))
        return self._file.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self) -> _Metered:
        self._file.__enter__()
        return self

    def __exit__(self, *problem: Any) -> Any:
        return self._file.__exit__(*problem)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


_REAL: dict[str, Callable[..., Any]] = {
    **{
        name: getattr(os, name)
        for name in ("mkdir", "rmdir", "unlink", "remove", "rename", "replace", "link")
    },
    **{name: getattr(os, name) for name in ("open", "write", "pwrite", "sendfile")},
    "io.open": io.open,
}


@contextmanager
def _interposed(disk: _Disk) -> Iterator[None]:
    """Every way tutorsync changes the file system, through `disk`, for the block."""

    def new(path: Any) -> bool:
        return not isinstance(path, int) and not os.path.lexists(path)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> Any:
        if new(path):
            disk.changing(path)
            disk.writing(_BLOCK, os.path.realpath(os.path.dirname(os.fsdecode(path))))
        return disk.call(_REAL["mkdir"], path, *args, **kwargs)

    def removing(name: str) -> Callable[..., Any]:
        def remove(path: Any, *args: Any, **kwargs: Any) -> Any:
            if not new(path):
                disk.changing(path)
            return disk.call(_REAL[name], path, *args, **kwargs)

        return remove

    def moving(name: str) -> Callable[..., Any]:
        def move(source: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            if name != "link":
                disk.changing(source)
            disk.changing(target)
            return disk.call(_REAL[name], source, target, *args, **kwargs)

        return move

    def open_descriptor(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        if flags & os.O_CREAT and new(path):
            disk.changing(path)
        descriptor = disk.call(_REAL["open"], path, flags, *args, **kwargs)
        disk.opened(descriptor, path)
        return descriptor

    def write(descriptor: int, data: Any, *args: Any) -> Any:
        disk.writing(len(data), disk.paths.get(descriptor))
        return disk.call(_REAL["pwrite" if args else "write"], descriptor, data, *args)

    def sendfile(out: int, source: int, offset: Any, count: int, *args: Any) -> Any:
        start = offset if offset is not None else os.lseek(source, 0, os.SEEK_CUR)
        disk.writing(max(0, min(count, os.fstat(source).st_size - start)), disk.paths.get(out))
        return disk.call(_REAL["sendfile"], out, source, offset, count, *args)

    def open_file(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        writes = any(letter in mode for letter in "wax+")
        if writes and new(file):
            disk.changing(file)
        opened = disk.call(_REAL["io.open"], file, mode, *args, **kwargs)
        if not writes:
            return opened
        disk.opened(opened.fileno(), file)
        return _Metered(opened, disk)

    replacements: dict[str, Callable[..., Any]] = {
        "mkdir": mkdir,
        **{name: removing(name) for name in ("rmdir", "unlink", "remove")},
        **{name: moving(name) for name in ("rename", "replace", "link")},
        "open": open_descriptor,
        "write": write,
        "pwrite": write,
        "sendfile": sendfile,
    }
    with ExitStack() as stack:
        for name, replacement in replacements.items():
            stack.enter_context(mock.patch.object(os, name, replacement))
        stack.enter_context(mock.patch.object(io, "open", open_file))
        stack.enter_context(mock.patch.object(builtins, "open", open_file))
        yield


def chmod_binds() -> bool:
    """Whether a folder without write permission refuses this process a new file in it: not
    as root (os.geteuid() == 0) nor with CAP_DAC_OVERRIDE, which pass over permissions."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return not _can_write_read_only_folder()  # root without the capability, say
    return True


def _can_write_read_only_folder() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        try:
            Path(folder, "probe").touch()
        except PermissionError:
            return False
        finally:
            os.chmod(folder, 0o755)
        return True


class LocalFaults:
    """The faults of the soak on one site, one at a time; kinds dealt in turn (a shuffled
    deck), so each comes up as often as the others."""

    def __init__(self, rng: random.Random, site: LocalSite) -> None:
        self.rng, self.site = rng, site
        self.deck: list[str] = []
        self.emulated = not chmod_binds()

    def note(self) -> str:
        if not self.emulated:
            return ""
        return (
            "read-only folders emulated: running as root, where chmod does not bind, creating, "
            "removing or renaming anything in the folder fails with EACCES instead"
        )

    def deal(self) -> str:
        if not self.deck:
            self.deck = list(KINDS)
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    @contextmanager
    def injected(self, kind: str | None) -> Iterator[Fault | None]:
        """The fault of `kind` in place for the block (none if None), then removed."""
        if kind is None:
            yield None
            return
        fault = Fault(kind)
        make = {"read-only": self._read_only, "full disk": self._full_disk}
        with make.get(kind, self._bad_file)(fault):
            yield fault

    @contextmanager
    def _read_only(self, fault: Fault) -> Iterator[None]:
        # One the run means to write into if any (else it would not bite), else any.
        folders = planned_folders(self.site) or writable_folders(self.site, self.rng)
        fault.where = self.rng.choice(folders)
        folder = self.site.path(fault.where)
        if self.emulated:
            with _interposed(_Disk(fault, frozen=folder, refuse=True)):
                yield
            return
        mode = stat.S_IMODE(folder.stat().st_mode)
        folder.chmod(mode & ~0o222)
        try:
            with _interposed(_Disk(fault, frozen=folder)):
                yield
        finally:
            folder.chmod(mode)

    @contextmanager
    def _full_disk(self, fault: Fault) -> Iterator[None]:
        left = 0 if self.rng.random() < 0.25 else int(self.rng.random() ** 2 * DISK_BYTES)
        alone = self.rng.random() < 0.5  # temporary files elsewhere (/tmp on its own disk)
        fault.where = f"{left} bytes left" + (" in the workspace folder" if alone else "")
        with ExitStack() as stack:
            if not alone:  # Python looks for a temporary folder it can write to anew
                stack.enter_context(mock.patch.object(tempfile, "tempdir", None))
            stack.enter_context(
                _interposed(_Disk(fault, left=left, full=self.site.root if alone else None))
            )
            yield

    @contextmanager
    def _bad_file(self, fault: Fault) -> Iterator[None]:
        settings = self.site.settings
        coordinator = settings.outputs.coordinator_spreadsheet
        choices = [
            (reference, "" if reference == coordinator else "progress")  # "": the whole run
            for reference in output_spreadsheets(settings)
        ]
        if settings.checkins is not None:
            choices.append((settings.checkins.calendar, "checkins"))
        if settings.folders is not None:
            manifests = sorted(self.site.path(settings.folders.root).rglob(MANIFEST))
            if manifests:
                manifest = self.rng.choice(manifests).relative_to(self.site.root).as_posix()
                choices.append((manifest, "folders"))
        fault.where, fault.job = self.rng.choice(choices)
        # Failures name a folder by its key, never by its path (which holds a student's name).
        fault.named = MANIFEST if fault.where.endswith(MANIFEST) else fault.where
        path = self.site.path(fault.where)
        before = path.read_bytes() if path.exists() else None
        bad = damaged(fault.where, before, self.rng)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bad)
        try:
            yield
        finally:
            fault.overwritten = not path.exists() or path.read_bytes() != bad
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)


def planned_folders(site: LocalSite) -> list[str]:
    """The folders the next run means to write into, as its dry run says (its changes to
    tabs, check-ins and folders); none if it has nothing to do."""
    settings = site.settings
    report = run_tutorsync(site, TODAY, "--dry-run").report or {}
    jobs = {job["job"]: job for job in report.get("jobs", [])}
    found = {
        posixpath.dirname(action["spreadsheet"]) or "."
        for action in jobs.get("progress", {}).get("actions", [])
        if action.get("counts_as_change")
    }
    if settings.checkins is not None and jobs.get("checkins", {}).get("events"):
        found.add(posixpath.dirname(settings.checkins.calendar) or ".")
    if settings.folders is not None:
        top = site.path(settings.folders.root)
        where = {
            json.loads(path.read_bytes()).get("key"): path.parent.relative_to(site.root)
            for path in top.rglob(MANIFEST)
        }
        term = f"{settings.folders.root}/{settings.folders.term}"
        for change in jobs.get("folders", {}).get("folders", []):
            key = change["folder"]
            if change["change"] == "create_folder":
                found.add(term if key.startswith("student:") else settings.folders.root)
            elif key in where:
                found.add(where[key].as_posix())
    return sorted(folder for folder in found if site.path(folder).is_dir())


def writable_folders(site: LocalSite, rng: random.Random) -> list[str]:
    """Folders a run may write into: the spreadsheets' and the calendar's, the folders' root
    and the term's, and one student's (or archive) folder, picked with `rng`."""
    settings = site.settings
    found = {posixpath.dirname(reference) or "." for reference in spreadsheets_of(settings)}
    if settings.checkins is not None:
        found.add(posixpath.dirname(settings.checkins.calendar) or ".")
    if settings.folders is not None:
        root = settings.folders.root
        found |= {root, f"{root}/{settings.folders.term}"}
        top = site.path(root)
        kept = sorted(p.parent for p in top.rglob(MANIFEST) if p.parent.parent != top)
        if kept:
            found.add(rng.choice(kept).relative_to(site.root).as_posix())
    return sorted(folder for folder in found if site.path(folder).is_dir())


def output_spreadsheets(settings: Settings) -> list[str]:
    """Spreadsheets tutorsync only writes (no source in them)."""
    sources = settings.sources
    read = {sources.roster.spreadsheet, *(s.spreadsheet for s in sources.tutor_logs)}
    read |= {book.spreadsheet for book in sources.gradebooks}
    written = {settings.outputs.coordinator_spreadsheet}
    written |= set(settings.outputs.teacher_spreadsheets.values())
    return sorted(written - read)


def damaged(reference: str, original: bytes | None, rng: random.Random) -> bytes:
    """A file that cannot be read as what it should be: an .ics file saved as UTF-16 (as a
    text editor's "Unicode"), a folder's manifest cut short, a spreadsheet cut short, empty,
    or a web page saved by mistake."""
    if reference.lower().endswith(".ics"):
        text = original or b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        return text.decode("utf-8").encode("utf-16")
    if reference.endswith(MANIFEST):
        return (original or b"{}")[: len(original or b"{}") // 2]
    how = rng.choice(("cut short", "empty", "web page"))
    if how == "cut short" and original:
        return original[: len(original) // 2]
    if how == "empty":
        return b""
    return b"<!DOCTYPE html><html><body>Sign in to continue</body></html>\n"


# --- The soak ---------------------------------------------------------------------------------


def soak_local(
    *,
    runs: int,
    seed: int,
    students: int = 12,
    fault_rate: float = FAULT_CHANCE,
    progress: Callable[[str], None] | None = None,
) -> SoakResult:
    """Run the local soak; see the module's doc."""
    rng = random.Random(seed)
    result = SoakResult()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        program = new_program(Path(folder) / "template", students)
        main = open_local_site(program, Path(folder) / "main")
        twin = open_local_site(program, Path(folder) / "twin")
        educators = LocalEducators(rng, [main, twin])
        faults = LocalFaults(rng, main)
        result.notes += [note for note in [faults.note()] if note]
        twin_state: dict[str, Any] | None = None
        for number in range(1, runs + 1):
            edited = number > 1 and edit_between_runs(rng, educators, result, EDIT_CHANCE)
            if edited or twin_state is None:
                twin_state = _twin_run(result, number, twin)
            kind = None
            if number % FAULT_FREE_EVERY and number != runs and rng.random() < fault_rate:
                kind = faults.deal()
            with faults.injected(kind) as fault:
                outcome = run_tutorsync(main)
            ignored = ignored_exceptions()
            if not outcome.crash:  # what a crash leaves half done is its own
                result.unclean += [f"run {number}: {line}" for line in ignored]
            result.runs += 1
            _judge_local(result, number, main, outcome, twin_state, educators, fault)
            if progress and (number % 50 == 0 or number == runs):
                progress(f"{number} runs, {time.perf_counter() - started:.0f} s")
    result.seconds = time.perf_counter() - started
    return result


def ignored_exceptions() -> list[str]:
    """Exceptions raised where nobody could catch them (a __del__), by what a run left."""
    found: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda what: found.append(
        f"an exception ignored in {what.object!r}: {what.exc_type.__name__}: {what.exc_value}"
    )
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    return found


def _twin_run(result: SoakResult, number: int, twin: LocalSite) -> dict[str, Any]:
    """Run the twin, fault-free; the state it reaches."""
    reference = run_tutorsync(twin)
    if not reference.ok:
        result.fault_free_off.append(
            f"run {number}: the fault-free twin failed: {reference.failures()}{reference.crash}"
        )
    return local_end_state(snapshot(twin))


def _judge_local(
    result: SoakResult,
    number: int,
    site: LocalSite,
    outcome: Outcome,
    twin_state: dict[str, Any],
    educators: Educators,
    fault: Fault | None,
) -> None:
    """Check one run (its fault removed) and what it left; add what is wrong to `result`."""
    label = f"run {number}" + (f" ({fault.kind}: {fault.where})" if fault else " (fault-free)")
    if fault is not None:
        result.faulted += 1
        result.injected[fault.kind] += 1
    found = snapshot(site)
    checks = local_checks(site, found, educators, twin_state)
    judge(result, label, outcome, checks, twin_state, fault_free=fault is None, faulted=bool(fault))
    if "Traceback" in outcome.error and not outcome.crash:  # a crash is a finding already
        result.unclean.append(f"{label}: a traceback on stderr")
    result.unclean += [f"{label}: left {name}" for name in found.leftovers]
    result.unclean += [f"{label}: cannot read {problem}" for problem in found.unreadable]
    if fault is not None and fault.kind == "bad file":
        _judge_bad_file(result, label, outcome, fault)
    if fault is not None and fault.fired:
        result.fired[fault.kind] += 1


def _judge_bad_file(result: SoakResult, label: str, outcome: Outcome, fault: Fault) -> None:
    """A bad file fails its own job alone, is named, and is left as it was."""
    if fault.overwritten:
        result.lost.add(f"{label}: the file, which could not be read, was replaced")
    if any(fault.named in failure for failure in outcome.failures()):
        fault.fired = 1
    elif not outcome.ok:
        result.unclean.append(f"{label}: failed without naming {fault.named}")
    jobs = (outcome.report or {}).get("jobs")
    failed = {job["job"] for job in jobs if not job["ok"]} if jobs else {"every job"}
    if fault.job and not outcome.ok and failed - {fault.job}:
        result.unclean.append(f"{label}: failed {', '.join(sorted(failed))}, not {fault.job} alone")
