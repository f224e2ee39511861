"""Soak: `tutorsync run` again and again on one program on the fake Google server, under seeded
random faults on every API, with educators editing between runs. After every run it checks what
must never happen: a duplicate (event, folder, permission, template copy, owned tab, student
row), an educator's cell lost, a grant the roster does not give; and that a run either ends
with the state a never-faulted twin of the program has, or fails naming what it could not do.

    .venv/bin/python -m bench.soak --runs 1000 --seed 2026 --students 24 --fault-rate 0.1

Every 10th run (and the last) is fault-free and must reach the twin's state. Exit status 1 if
anything was duplicated, lost or wrongly shared, or a run said ok when it was not.

The twin is the same program on a second fake, edited the same way, run only fault-free (after
each edit). The states compared are what a run is meant to leave, whatever the history: owned
tabs' values (archive sections as sets, without the "Last updated" line and the run log),
check-in series that still meet (their next meeting, people and text), student folders (name,
place, direct grants), template copies; IDs are replaced by what they name.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from unittest import mock

import openpyxl
from click.testing import CliRunner
from fake_google import Call, FakeGoogle
from fake_google.a1 import column_letters
from fake_google.fake_calendar import occurrences
from fake_google.faults import KINDS
from fake_google.programs import (
    PROGRAM_CALENDAR,
    new_private_key,
    upload_program,
    workspace_settings,
    write_service_account_key,
)

from bench.harness import TODAY
from jobs.cli import cli
from jobs.demo import create_demo
from jobs.plan.tabs import UPDATED_PREFIX
from jobs.settings import Settings, load
from jobs.workspace.google.sheets import OWNED_TAB_KEY, spreadsheet_id
from jobs.workspace.google.transport import RetryPolicy
from sheets_schema import roster as roster_schema
from sheets_schema.outputs import (
    ARCHIVE_HEADING,
    COORDINATOR_NOTES,
    NOTE_TO_TUTOR,
    STUDENT_ID_HEADER,
)

CLIENT_TIMEOUT_SECONDS = 0.3  # the faulted program's timeout_seconds: a timeout costs this
HOLD_SECONDS = 0.4  # how long a "timeout" fault holds a request, past the client's timeout
FAULT_FREE_EVERY = 10
EDIT_CHANCE = 0.3  # of educators editing something before a run
OUTSIDE_TUTOR = "tutor.guest@elsewhere.example"  # outside allowed_domains: never shared with

_FOLDER = "application/vnd.google-apps.folder"
_ID = re.compile(r"[A-Za-z0-9_-]{20,}")


# --- The program on a fake ---------------------------------------------------------------------


@dataclass
class Site:
    """One copy of the program, on its own fake Google."""

    fake: FakeGoogle
    config: Path
    settings: Settings

    def sheet(self, reference: str) -> str:
        return spreadsheet_id(reference)


def new_program(folder: Path, students: int) -> Path:
    """A generated demo program (local files) to upload to fakes, its tutor log cut to the
    last five weeks of sessions (and a few older ones): then every request the fake serves
    takes well under CLIENT_TIMEOUT_SECONDS, so a timeout is always an injected one."""
    create_demo(folder, today=TODAY, students=students)
    path = folder / "tutor_log.xlsx"
    book = openpyxl.load_workbook(path)
    since = datetime.combine(TODAY - timedelta(days=35), datetime.min.time())
    for sheet in book:
        header = [cell.value for cell in sheet[1]]
        day = next(i for i, h in enumerate(header) if h in ("Session Date", "Date"))
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        recent = [r for r in rows if isinstance(r[day], datetime) and r[day] >= since]
        sheet.delete_rows(2, sheet.max_row)
        for row in recent or rows[-5:]:
            sheet.append(row)
    book.save(path)
    return folder


def open_site(
    fake: FakeGoogle,
    program: Path,
    folder: Path,
    private_key: str,
    *,
    timeout_seconds: float | None = None,
) -> Site:
    """Copy the program into `folder`, upload it to `fake`, and return it ready to run. With
    `timeout_seconds`, requests time out that soon (so "timeout" faults cost little)."""
    shutil.copytree(program, folder)
    key = write_service_account_key(fake, folder / "service-account.json", private_key)
    workspace = workspace_settings(fake, key)
    if timeout_seconds is not None:
        workspace["google"]["timeout_seconds"] = timeout_seconds
    config = upload_program(fake, folder, workspace)
    return Site(fake, config, load(config))


@dataclass(frozen=True)
class Outcome:
    """What one `tutorsync run --json` did, as its caller sees it."""

    exit_code: int
    report: dict[str, Any] | None  # the --json report, if one was printed
    error: str  # stderr
    crash: str = ""  # an exception that escaped the CLI (a bug, never expected)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.crash

    def failures(self) -> list[str]:
        """What the run said it could not do: each job's failures, or the error line."""
        found = [f for job in (self.report or {}).get("jobs", []) for f in job.get("failures", [])]
        return found or [line for line in self.error.splitlines() if line.startswith("Error")]


class Configured(Protocol):
    config: Path  # the program's config file


def run_tutorsync(site: Configured, as_of: date = TODAY, *args: str) -> Outcome:
    """`tutorsync run --json` through the CLI, as a scheduler would start it."""
    result = CliRunner().invoke(
        cli, ["run", "--config", str(site.config), "--as-of", as_of.isoformat(), "--json", *args]
    )
    try:
        report = json.loads(result.stdout) if result.stdout.strip() else None
    except ValueError:
        report = None
    crash = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"{type(result.exception).__name__}: {result.exception}"
        if result.exc_info is not None:  # where it escaped from, in tutorsync's code
            frames = traceback.extract_tb(result.exc_info[2])
            ours = [f for f in frames if "/jobs/" in f.filename]
            if ours:
                where = ours[-1].filename[ours[-1].filename.rindex("/jobs/") + 1 :]
                crash += f" (at {where}:{ours[-1].lineno})"
    return Outcome(result.exit_code, report, result.stderr, crash)


@contextmanager
def no_waiting() -> Iterator[None]:
    """Backoff and pacing without waiting (the retry layer binds time.sleep when imported, so
    its waits are made zero; anything else sleeping is skipped)."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch("time.sleep", lambda seconds: None))
        stack.enter_context(mock.patch.object(RetryPolicy, "wait_seconds", _no_wait))
        yield


def _no_wait(self: RetryPolicy, *args: Any, **kwargs: Any) -> float:
    return 0.0


# --- What a run leaves ------------------------------------------------------------------------


def end_state(site: Site, as_of: date = TODAY) -> dict[str, Any]:
    """What runs are meant to leave, comparable between two fakes (see the module's doc)."""
    fake, program_key = site.fake, site.settings.program.key
    labels = _labels(fake)
    tabs = {}
    for spreadsheet in fake.sheets.ids():
        for key, title, grid in _owned_tabs(fake, spreadsheet):
            if key.endswith(":run-log"):
                continue
            active, archived = sections(grid)
            tabs[f"{labels[spreadsheet]} › {key}"] = {
                "title": title,
                "rows": active,
                "archived": sorted(archived, key=repr),
            }
    series = {}
    ended = set()
    for event in _program_events(fake, program_key):
        key = _private(event).get("tutorsync-key", "")
        upcoming = [start for start, _ in occurrences(event) if start.date() >= as_of]
        if not upcoming:
            ended.add(key)
            continue
        series[key] = {
            "summary": event.get("summary"),
            "description": event.get("description"),
            "attendees": sorted(a["email"] for a in event.get("attendees") or []),
            "next": upcoming[0].isoformat(),
        }
    folders = {}
    copies = set()
    for file in fake.drive.files():
        properties = file.get("properties") or {}
        if properties.get("tutorsync-program") != program_key:
            continue
        if properties.get("tutorsync-kind") == "template-copy":
            parent = labels.get((file.get("parents") or [""])[0], "")
            copies.add(
                (
                    properties.get("tutorsync-folder"),
                    properties.get("tutorsync-template"),
                    file["name"],
                    parent,
                    file["trashed"],
                )
            )
            continue
        if properties.get("tutorsync-kind") == "archive":
            continue  # made once a student leaves; stays when they come back
        folders[properties.get("tutorsync-key")] = {
            "name": file["name"],
            "parent": labels.get((file.get("parents") or [""])[0], ""),
            "trashed": file["trashed"],
            "grants": sorted(_direct_grants(fake, file["id"]).items()),
        }
    state = {
        "tabs": tabs,
        "series": series,
        "ended": sorted(ended),
        "folders": folders,
        "copies": sorted(copies, key=repr),
    }
    return _named(state, labels)


def state_differences(ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Where `ours` differs from the reference state, one line per thing (empty: the same).
    Series that ended may differ in which keys (a twin that saw more edits ended more)."""
    found = []
    for part in ("tabs", "series", "folders"):
        for key in sorted(set(ours[part]) | set(reference[part])):
            mine, theirs = ours[part].get(key), reference[part].get(key)
            if mine != theirs:
                found.append(f"{part} {key}: {_first_difference(mine, theirs)}")
    if ours["copies"] != reference["copies"]:
        found.append("template copies differ")
    extra = set(ours["ended"]) - set(reference["ended"]) - set(reference["series"])
    found += [f"an ended check-in {key} the twin never had" for key in sorted(extra)]
    return found


def _first_difference(mine: Any, theirs: Any) -> str:
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        return f"{_short(mine)} != {_short(theirs)}"
    for name in sorted(set(mine) | set(theirs)):
        if mine.get(name) != theirs.get(name):
            if isinstance(mine.get(name), list) and isinstance(theirs.get(name), list):
                for index, (a, b) in enumerate(zip(mine[name], theirs[name], strict=False)):
                    if a != b:
                        return f"{name}[{index}] {_short(a)} != {_short(b)}"
                return f"{name}: {len(mine[name])} != {len(theirs[name])} entries"
            return f"{name} {_short(mine.get(name))} != {_short(theirs.get(name))}"
    return "?"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 160 else text[:157] + "..."


def _labels(fake: FakeGoogle) -> dict[str, str]:
    """ID -> what it names, so states on two fakes compare."""
    labels = {}
    for spreadsheet in fake.sheets.ids():
        labels[spreadsheet] = f"<{fake.sheets.spreadsheet(spreadsheet)['properties']['title']}>"
    for file in fake.drive.files():
        properties = file.get("properties") or {}
        if "tutorsync-key" in properties:
            labels[file["id"]] = f"<folder {properties['tutorsync-key']}>"
        elif properties.get("tutorsync-kind") == "template-copy":
            labels[file["id"]] = f"<copy in {properties.get('tutorsync-folder')}>"
        else:
            labels.setdefault(file["id"], f"<{file['name']}>")
    return labels


def _named(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _ID.sub(lambda found: labels.get(found.group(0), found.group(0)), value)
    if isinstance(value, dict):
        return {_named(k, labels): _named(v, labels) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_named(item, labels) for item in value]
    return value


def _owned_tabs(fake: FakeGoogle, spreadsheet: str) -> Iterator[tuple[str, str, list[list[Any]]]]:
    """(key, title, values) of each tab carrying tutorsync's developer metadata."""
    titles = {
        sheet["properties"]["sheetId"]: sheet["properties"]["title"]
        for sheet in fake.sheets.spreadsheet(spreadsheet)["sheets"]
    }
    for metadata in fake.sheets.developer_metadata(spreadsheet):
        if metadata.get("metadataKey") != OWNED_TAB_KEY:
            continue
        title = titles.get(metadata["location"].get("sheetId"))
        if title is not None:
            yield metadata["metadataValue"], title, fake.sheets.values(spreadsheet, title)


def _is_updated_line(row: Sequence[Any]) -> bool:
    return bool(row) and isinstance(row[0], str) and row[0].startswith(UPDATED_PREFIX)


def sections(rows: list[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """(header and active rows, archived rows) of a tab, without its "Last updated" line."""
    rows = [row for row in rows if not _is_updated_line(row)]
    for index, row in enumerate(rows):
        if row and row[0] == ARCHIVE_HEADING:
            return rows[:index], rows[index + 1 :]
    return rows, []


def _private(event: dict[str, Any]) -> dict[str, str]:
    return (event.get("extendedProperties") or {}).get("private") or {}


def _program_events(fake: FakeGoogle, program_key: str) -> list[dict[str, Any]]:
    return [
        event
        for event in fake.calendar.events(PROGRAM_CALENDAR, include_cancelled=False)
        if _private(event).get("tutorsync-program") == program_key
    ]


def _direct_grants(fake: FakeGoogle, file_id: str) -> dict[str, str]:
    """The file's own permissions: principal -> role ("anyone", "domain:x" for non-users)."""
    grants = {}
    for permission in fake.drive.permissions(file_id):
        kind = permission["type"]
        who = (
            str(permission.get("emailAddress", "")).lower()
            if kind in ("user", "group")
            else "anyone"
            if kind == "anyone"
            else f"domain:{permission.get('domain', '')}"
        )
        grants[who] = permission["role"]
    return grants


# --- What must never happen -------------------------------------------------------------------


def duplicates(site: Site) -> list[str]:
    """Everything there is more than one of: events per key, folders per key, permissions per
    principal per folder, copies per folder and template, owned tabs per key per spreadsheet,
    rows per student (or per tutor, student and teacher) in an owned tab."""
    fake, program_key = site.fake, site.settings.program.key
    found = []
    events = Counter(
        _private(event).get("tutorsync-key", "") for event in _program_events(fake, program_key)
    )
    found += [f"{n} events carry the key {key}" for key, n in events.items() if n > 1]
    folders: Counter[str] = Counter()
    copies: Counter[tuple[str, str]] = Counter()
    for file in fake.drive.files():
        properties = file.get("properties") or {}
        if properties.get("tutorsync-program") != program_key:
            continue
        if properties.get("tutorsync-kind") == "template-copy":
            copies[
                (properties.get("tutorsync-folder", ""), properties.get("tutorsync-template", ""))
            ] += 1
        elif file["mimeType"] == _FOLDER:
            folders[properties.get("tutorsync-key", "")] += 1
        principals = Counter(
            (p["type"], str(p.get("emailAddress") or p.get("domain") or "").lower())
            for p in fake.drive.permissions(file["id"])
        )
        found += [
            f"{n} permissions for {who} on {properties.get('tutorsync-key', file['name'])}"
            for (_, who), n in principals.items()
            if n > 1
        ]
    found += [f"{n} folders carry the key {key}" for key, n in folders.items() if n > 1]
    found += [
        f"{n} copies of template {template} in {key}"
        for (key, template), n in copies.items()
        if n > 1
    ]
    for spreadsheet in fake.sheets.ids():
        owned = list(_owned_tabs(fake, spreadsheet))
        keys = Counter(key for key, _, _ in owned)
        found += [f"{n} tabs carry the key {key}" for key, n in keys.items() if n > 1]
        for key, title, grid in owned:
            found += [f"{title} ({key}): {line}" for line in duplicate_rows(grid)]
    return found


def duplicate_rows(grid: list[list[Any]]) -> list[str]:
    if not grid or STUDENT_ID_HEADER not in grid[0]:
        return []
    header = grid[0]
    columns = [header.index(STUDENT_ID_HEADER)]
    if "Tutor" in header and "Teacher" in header:  # Teacher feedback: one row per pair
        columns += [header.index("Tutor"), header.index("Teacher")]
    rows = [row for row in grid[1:] if row and row[0] != ARCHIVE_HEADING]
    keys = Counter(
        tuple(row[c] if c < len(row) else None for c in columns)
        for row in rows
        if len(row) > columns[0] and row[columns[0]] not in (None, "")
    )
    return [f"{n} rows for {key}" for key, n in keys.items() if n > 1]


def roster_now(site: Site) -> Any:
    """The roster as it stands on the fake, parsed as tutorsync parses it."""
    source = site.settings.sources.roster
    return parse_roster(
        site.settings, site.fake.sheets.values(site.sheet(source.spreadsheet), source.tab)
    )


def parse_roster(settings: Settings, grid: list[list[Any]]) -> Any:
    """The roster tab's values, parsed as tutorsync parses them."""
    source = settings.sources.roster
    parsed, _ = roster_schema.parse(
        grid, source=source.spreadsheet, tab=source.tab, columns=source.columns
    )
    assert parsed is not None
    return parsed


def wrong_grants(site: Site, *, exact: bool) -> list[str]:
    """Grants nobody should have: any to anyone or a domain, any outside allowed_domains on
    any file of the program; and, with `exact` (after a run that succeeded), each student
    folder's direct grants must be exactly the roster's tutors, teachers (inside the allowed
    domains) and the coordinators, in folders.role; a student who left, the coordinators."""
    shared = []
    for file in site.fake.drive.files():
        properties = file.get("properties") or {}
        if properties.get("tutorsync-program") != site.settings.program.key:
            continue
        shared.append(
            Shared(
                name=properties.get("tutorsync-key") or file["name"],
                kind=properties.get("tutorsync-kind", ""),
                student_id=properties.get("tutorsync-student"),
                trashed=bool(file["trashed"]),
                grants=_direct_grants(site.fake, file["id"]),
            )
        )
    return grant_problems(site.settings, roster_now(site).students, shared, exact=exact)


@dataclass(frozen=True)
class Shared:
    """A file of the program and its direct grants (principal -> role, as `_direct_grants`)."""

    name: str
    kind: str  # tutorsync-kind: "student", "term", "archive", "template-copy"...
    student_id: str | None
    trashed: bool
    grants: dict[str, str]


def grant_problems(
    settings: Settings, students: Any, shared: Sequence[Shared], *, exact: bool
) -> list[str]:
    """What `wrong_grants` finds, given the program's files and the roster's students."""
    folders = settings.folders
    assert folders is not None
    found = []
    seen = set()
    for file in shared:
        grants, name, student_id = file.grants, file.name, file.student_id
        for who in grants:
            if who == "anyone" or who.startswith("domain:") or not folders.allows(who):
                found.append(f"{name} is shared with {who}")
        if not exact or file.kind != "student" or file.trashed:
            continue
        seen.add(student_id)
        wanted = set(folders.coordinators)
        if student_id in students.index and students.at[student_id, "active"]:
            people = [*students.at[student_id, "tutors"], *students.at[student_id, "teachers"]]
            wanted |= {email.lower() for email in people if folders.allows(email)}
        elif not folders.revoke_on_leave:
            continue
        if set(grants) != wanted:
            extra, missing = sorted(set(grants) - wanted), sorted(wanted - set(grants))
            found.append(f"{name}: shared with {extra} too, not with {missing}")
        roles = {who: role for who, role in grants.items() if role != folders.role}
        if roles:
            found.append(f"{name}: roles {roles}, not {folders.role}")
    if exact:
        active = [str(s) for s in students.index if students.at[s, "active"]]
        found += [f"active student {s} has no folder" for s in active if s not in seen]
    return found


NoteKey = tuple[str, str, str, str]  # spreadsheet reference, tab key, header, student ID


def lost_cells(site: Site, notes: dict[NoteKey, str], *, placed: bool) -> list[str]:
    """Educators' notes no longer where they were typed: each must still be on its student's
    row of its tab; with `placed` (after a run that succeeded), in the active section while
    the student is active, in the archive section once they left."""
    grids: dict[str, dict[str, list[list[Any]]]] = {}

    def tabs_of(reference: str) -> dict[str, list[list[Any]]]:
        if reference not in grids:
            spreadsheet = site.sheet(reference)
            grids[reference] = {k: grid for k, _, grid in _owned_tabs(site.fake, spreadsheet)}
        return grids[reference]

    return notes_lost(notes, roster_now(site).students, tabs_of, placed=placed)


def notes_lost(
    notes: dict[NoteKey, str],
    students: Any,
    tabs_of: Callable[[str], dict[str, list[list[Any]]]],
    *,
    placed: bool,
) -> list[str]:
    """What `lost_cells` finds, given the roster's students and a spreadsheet's owned tabs
    (key -> values) by reference."""
    found = []
    for (reference, key, header, student_id), text in notes.items():
        grid = tabs_of(reference).get(key, [])
        where = f"{header} of student {student_id} in {key}"
        if not grid or header not in grid[0]:
            found.append(f"{where}: the column is gone")
            continue
        column, id_column = grid[0].index(header), grid[0].index(STUDENT_ID_HEADER)
        active, archived = sections(grid)
        rows = [
            (row, section)
            for section, part in (("active", active[1:]), ("archive", archived))
            for row in part
            if len(row) > id_column and str(row[id_column]) == student_id
        ]
        holding = [section for row, section in rows if len(row) > column and row[column] == text]
        if not holding:
            found.append(f"{where}: {text!r} is lost")
            continue
        is_active = student_id in students.index and bool(students.at[student_id, "active"])
        if placed and holding != (["active"] if is_active else ["archive"]):
            found.append(f"{where}: {text!r} is in the {'/'.join(holding)} section")
    return found


# --- Educators at work ------------------------------------------------------------------------


def set_cell(fake: FakeGoogle, spreadsheet: str, tab: str, row: int, column: int, value: Any):
    """Type a value into a cell (0-based row and column) as a person would: straight into the
    fake's state, past any injected fault."""
    quoted = "'" + tab.replace("'", "''") + "'"
    call = Call(
        "sheets.spreadsheets.values.update",
        {"spreadsheetId": spreadsheet, "range": f"{quoted}!{column_letters(column)}{row + 1}"},
        {"valueInputOption": ["RAW"]},
        {"values": [[value]]},
    )
    fake.sheets.handlers()["sheets.spreadsheets.values.update"](call)


class Educators:
    """People typing into the program's spreadsheets between runs, on every site alike: notes
    in owned tabs, tutors reassigned, students leaving and returning, grades changed. `edit`
    picks one at random; the other methods make a given one. Sites are on fakes; a subclass
    types elsewhere by overriding `values`, `set_cells` and `owned_tabs`."""

    def __init__(self, rng: random.Random, sites: Sequence[Any]) -> None:
        self.rng = rng
        self.sites = list(sites)
        self.notes: dict[NoteKey, str] = {}  # every note typed, as last typed
        self.typed = 0
        grid = self._roster_grid(self.sites[0])
        column = grid[0].index("Tutor Email")
        self.tutors = sorted({str(r[column]) for r in grid[1:] if len(r) > column and r[column]})

    # --- Where educators type (on a fake) -------------------------------------------------------

    def values(self, site: Any, reference: str, tab: str) -> list[list[Any]]:
        """The values of a source tab."""
        return list(site.fake.sheets.values(site.sheet(reference), tab))

    def set_cells(
        self, site: Any, reference: str, tab: str, cells: Sequence[tuple[int, int, Any]]
    ) -> None:
        """Type values into cells (0-based row and column, value) of a tab, as a person would."""
        for row, column, value in cells:
            set_cell(site.fake, site.sheet(reference), tab, row, column, value)

    def owned_tabs(self, site: Any, reference: str) -> list[tuple[str, str, list[list[Any]]]]:
        """(key, title, values) of each owned tab of a spreadsheet."""
        return list(_owned_tabs(site.fake, site.sheet(reference)))

    # --- Edits ----------------------------------------------------------------------------------

    def choices(self) -> list[tuple[Callable[[], str], int]]:
        """The edits `edit` picks from, with their weights."""
        return [
            (self.type_teacher_note, 3),
            (self.type_coordinator_note, 2),
            (self.reassign, 2),
            (self.leave_or_return, 2),
            (self.change_grade, 2),
        ]

    def edit(self) -> str:
        """One edit, chosen at random; what it was (or "" if none could be made)."""
        actions, weights = zip(*self.choices(), strict=True)
        return self.rng.choices(actions, weights=weights)[0]()

    def type_teacher_note(self) -> str:
        teachers = self.teacher_tabs()
        if not teachers:
            return ""
        reference, key = self.rng.choice(teachers)
        return self.type_note(reference, key, NOTE_TO_TUTOR)

    def type_coordinator_note(self) -> str:
        settings = self.sites[0].settings
        key = f"tutorsync:{settings.program.key}:summary"
        return self.type_note(settings.outputs.coordinator_spreadsheet, key, COORDINATOR_NOTES)

    def reassign(self, student_id: str | None = None, tutor: str | None = None) -> str:
        """A student gets another tutor (at random, now and then one outside the allowed
        domains)."""
        student_id = student_id or self.rng.choice(self.active_students())
        if tutor is None:
            tutor = OUTSIDE_TUTOR if self.rng.random() < 0.05 else self.rng.choice(self.tutors)
        self.set_roster(student_id, "Tutor Email", tutor)
        return "reassign"

    def leave_or_return(self) -> str:
        """A student leaves, or one who left comes back (at least half stay active)."""
        students = self.roster().students
        gone = [str(s) for s in students.index if not students.at[s, "active"]]
        active = [str(s) for s in students.index if students.at[s, "active"]]
        if gone and (self.rng.random() < 0.5 or len(active) <= len(students) // 2):
            self.set_roster(self.rng.choice(gone), "Active", "Yes")
            return "return"
        self.set_roster(self.rng.choice(active), "Active", "Left")
        return "leave"

    def change_grade(self) -> str:
        """A score in a gradebook changes (within the assignment's points)."""
        settings = self.sites[0].settings
        book = self.rng.choice(settings.sources.gradebooks)
        grid = self.values(self.sites[0], book.spreadsheet, book.tab)
        points = grid[1] if len(grid) > 1 else []
        rows = [i for i, row in enumerate(grid) if i > 3 and row and row[0] not in (None, "")]
        if not rows or len(grid[0]) < 3:
            return ""
        row = self.rng.choice(rows)
        column = self.rng.randrange(2, len(grid[0]))
        most = points[column] if column < len(points) else None
        score = self.rng.randint(0, int(most) if isinstance(most, int | float) else 10)
        for site in self.sites:
            self.set_cells(site, book.spreadsheet, book.tab, [(row, column, score)])
        return "grade"

    def type_note(
        self, reference: str, key: str, header: str, student_id: str | None = None
    ) -> str:
        """A note typed under `header` on a student's active row of the owned tab `key`, on
        every site (a student present on all; at random unless given)."""
        ids: set[str] | None = None
        for site in self.sites:
            _, grid = self._tab(site, reference, key)
            if not grid or header not in grid[0]:
                return ""
            id_column = grid[0].index(STUDENT_ID_HEADER)
            active = sections(grid)[0][1:]
            present = {str(row[id_column]) for row in active if len(row) > id_column}
            ids = present if ids is None else ids & present
        if not ids or (student_id is not None and student_id not in ids):
            return ""
        student_id = student_id or self.rng.choice(sorted(ids))
        self.typed += 1
        # Now and then text that looks like a formula: it must stay text.
        text = f"=note {self.typed}+1" if self.rng.random() < 0.1 else f"note {self.typed}"
        for site in self.sites:
            title, grid = self._tab(site, reference, key)
            id_column = grid[0].index(STUDENT_ID_HEADER)
            row = next(
                i
                for i, cells in enumerate(sections(grid)[0])
                if i and len(cells) > id_column and str(cells[id_column]) == student_id
            )
            self.set_cells(site, reference, title, [(row, grid[0].index(header), text)])
        self.notes[(reference, key, header, student_id)] = text
        return "note"

    def teacher_tabs(self) -> list[tuple[str, str]]:
        """(spreadsheet reference, key) of each teacher's progress tab."""
        settings = self.sites[0].settings
        prefix = f"tutorsync:{settings.program.key}:teacher:"
        found = []
        references = {b.spreadsheet for b in settings.sources.gradebooks}
        references |= set(settings.outputs.teacher_spreadsheets.values())
        for reference in sorted(references):
            for key, _, _ in self.owned_tabs(self.sites[0], reference):
                if key.startswith(prefix):
                    found.append((reference, key))
        return found

    def roster(self) -> Any:
        """The roster as it stands (on the first site), parsed as tutorsync parses it."""
        return parse_roster(self.sites[0].settings, self._roster_grid(self.sites[0]))

    def active_students(self) -> list[str]:
        students = self.roster().students
        return sorted(str(s) for s in students.index if students.at[s, "active"])

    def set_roster(self, student_id: str, header: str, value: str) -> None:
        """Set `header` on every roster row of the student, on every site."""
        source = self.sites[0].settings.sources.roster
        for site in self.sites:
            grid = self._roster_grid(site)
            column, id_column = grid[0].index(header), grid[0].index("Student ID")
            cells = [
                (row, column, value)
                for row, found in enumerate(grid)
                if row and len(found) > id_column and str(found[id_column]) == student_id
            ]
            self.set_cells(site, source.spreadsheet, source.tab, cells)

    def _roster_grid(self, site: Any) -> list[list[Any]]:
        source = site.settings.sources.roster
        return self.values(site, source.spreadsheet, source.tab)

    def _tab(self, site: Any, reference: str, key: str) -> tuple[str, list[list[Any]]]:
        """(title, values) of the owned tab `key` ("" and no rows if there is none)."""
        for found, title, grid in self.owned_tabs(site, reference):
            if found == key:
                return title, grid
        return "", []


# --- The soak ---------------------------------------------------------------------------------


@dataclass
class SoakResult:
    runs: int = 0
    faulted: int = 0  # runs with faults injected
    injected: Counter[str] = field(default_factory=Counter)  # faults, by kind
    recovered: int = 0  # faulted runs that succeeded (with the twin's state)
    failed_cleanly: int = 0  # runs that exited 1 naming what they could not do
    edits: Counter[str] = field(default_factory=Counter)
    duplicates: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    wrong_grants: set[str] = field(default_factory=set)
    false_ok: list[str] = field(default_factory=list)  # said ok, state not the twin's
    unclean: list[str] = field(default_factory=list)  # crashed, or failed naming nothing
    fault_free_off: list[str] = field(default_factory=list)  # fault-free run not converged
    seconds: float = 0.0
    fired: Counter[str] = field(default_factory=Counter)  # runs whose fault made something fail
    notes: list[str] = field(default_factory=list)  # how the soak ran, for its reader

    @property
    def passed(self) -> bool:
        return not (
            self.duplicates
            or self.lost
            or self.wrong_grants
            or self.false_ok
            or self.unclean
            or self.fault_free_off
        )


def inject_random_faults(fake: FakeGoogle, rng: random.Random, rate: float) -> None:
    """A run's faults: on each API some kinds at about `rate`, and now and then a cut-off
    (the run killed after some writes)."""
    for api in ("sheets", "calendar", "drive"):
        kinds = rng.sample(KINDS, rng.randint(1, len(KINDS)))
        fake.faults.chaos(
            min(1.0, rate * rng.uniform(0.5, 2.0)),
            kinds=kinds,
            method=api,
            hold_seconds=HOLD_SECONDS,
        )
    if rng.random() < 0.1:
        fake.faults.stop_after_writes(rng.randint(0, 60), how=rng.choice(("forbidden", "dropped")))


def names_a_resource(site: Site, failures: Sequence[str]) -> bool:
    """Whether every failure message names what failed: a spreadsheet, the calendar, the
    folders' root or a folder's key."""
    return names_any(failures, resource_names(site.settings, site.sheet))


def resource_names(settings: Settings, sheet: Callable[[str], str]) -> set[str]:
    """What a failure may name: spreadsheets (as `sheet` names them), the calendar, the
    folders' root, a folder's key, a template."""
    names = {sheet(s) for s in spreadsheets_of(settings)}
    if settings.checkins is not None:
        names.add(settings.checkins.calendar)
    if settings.folders is not None:
        names |= {settings.folders.root, "student:", "term:", "archive:", "folders.root"}
        names |= {template.file for template in settings.folders.templates}
    return names


def names_any(failures: Sequence[str], names: set[str]) -> bool:
    """Whether there are failures and each names one of `names`."""
    return bool(failures) and all(any(name in text for name in names) for text in failures)


def spreadsheets_of(settings: Settings) -> set[str]:
    sources = settings.sources
    found = {sources.roster.spreadsheet, settings.outputs.coordinator_spreadsheet}
    found |= {s.spreadsheet for s in sources.tutor_logs}
    found |= {b.spreadsheet for b in sources.gradebooks}
    return found | set(settings.outputs.teacher_spreadsheets.values())


def soak(
    *,
    runs: int,
    seed: int,
    students: int = 24,
    fault_rate: float = 0.1,
    progress: Callable[[str], None] | None = None,
) -> SoakResult:
    """Run the soak; see the module's doc."""
    rng = random.Random(seed)
    result = SoakResult()
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeGoogle(seed=seed) as fake,
        FakeGoogle(seed=seed) as twin_fake,
        no_waiting(),
    ):
        template = new_program(Path(folder) / "template", students)
        key = new_private_key()
        main = open_site(
            fake, template, Path(folder) / "main", key, timeout_seconds=CLIENT_TIMEOUT_SECONDS
        )
        twin = open_site(twin_fake, template, Path(folder) / "twin", key)
        educators = Educators(rng, [main, twin])
        twin_state: dict[str, Any] | None = None
        for number in range(1, runs + 1):
            fault_free = number % FAULT_FREE_EVERY == 0 or number == runs
            edited = number > 1 and edit_between_runs(rng, educators, result, EDIT_CHANCE)
            if edited or twin_state is None:
                reference = run_tutorsync(twin)
                if not reference.ok:
                    result.fault_free_off.append(
                        f"run {number}: the fault-free twin failed: {reference.failures()}"
                        f"{reference.crash}"
                    )
                twin_state = end_state(twin)
            if not fault_free:
                inject_random_faults(fake, rng, fault_rate)
            before = Counter(fake.faults.injected)
            outcome = run_tutorsync(main)
            fake.faults.clear()
            injected = fake.faults.injected - before
            # A request Google would refuse whatever the state is a bug, faults or not.
            for site in (main, twin):
                result.unclean += [f"run {number}: sent {r}" for r in site.fake.invalid_requests]
                site.fake.reset_log()  # the request log would grow run after run
            result.runs += 1
            result.injected += injected
            result.faulted += bool(injected)
            _judge(result, number, main, outcome, twin_state, educators, fault_free, injected)
            if progress and (number % 50 == 0 or number == runs):
                progress(f"{number} runs, {time.perf_counter() - started:.0f} s")
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class Checks:
    """What `judge` asks of a site after a run, wherever the site is."""

    state: Callable[[], dict[str, Any]]  # end_state
    names_a_resource: Callable[[Sequence[str]], bool]
    duplicates: Callable[[], list[str]]
    lost: Callable[[bool], list[str]]  # placed -> lost_cells
    wrong_grants: Callable[[bool], list[str]]  # exact -> wrong_grants


def google_checks(site: Site, educators: Educators) -> Checks:
    return Checks(
        state=lambda: end_state(site),
        names_a_resource=lambda failures: names_a_resource(site, failures),
        duplicates=lambda: duplicates(site),
        lost=lambda placed: lost_cells(site, educators.notes, placed=placed),
        wrong_grants=lambda exact: wrong_grants(site, exact=exact),
    )


def edit_between_runs(
    rng: random.Random, educators: Educators, result: SoakResult, chance: float
) -> bool:
    """With `chance`, one or two edits; whether any was made."""
    edited = False
    if rng.random() < chance:
        for _ in range(rng.randint(1, 2)):
            made = educators.edit()
            if made:
                result.edits[made] += 1
                edited = True
    return edited


def _judge(
    result: SoakResult,
    number: int,
    site: Site,
    outcome: Outcome,
    twin_state: dict[str, Any],
    educators: Educators,
    fault_free: bool,
    injected: Counter[str],
) -> None:
    label = f"run {number}" + (" (fault-free)" if fault_free else "")
    checks = google_checks(site, educators)
    judge(result, label, outcome, checks, twin_state, fault_free=fault_free, faulted=bool(injected))


def judge(
    result: SoakResult,
    label: str,
    outcome: Outcome,
    checks: Checks,
    twin_state: dict[str, Any],
    *,
    fault_free: bool,
    faulted: bool,
) -> None:
    """Check one run's outcome and what it left; add what is wrong to `result`."""
    failures = [f for job in (outcome.report or {}).get("jobs", []) for f in job["failures"]]
    if outcome.ok and (failures or (outcome.report or {}).get("ok") is False):
        result.unclean.append(f"{label}: exit 0, but failures {failures!r:.300}")
    if outcome.crash:
        result.unclean.append(f"{label}: crashed: {outcome.crash}")
    elif outcome.ok:
        differences = state_differences(checks.state(), twin_state)
        if differences:
            where = result.fault_free_off if fault_free else result.false_ok
            where.append(f"{label}: ok, but {differences[0]} ({len(differences)} differences)")
        elif faulted:
            result.recovered += 1
    elif fault_free:
        result.fault_free_off.append(f"{label}: failed: {outcome.failures()}")
    elif (
        outcome.exit_code == 1
        and (outcome.report is None or outcome.report.get("ok") is False)
        and checks.names_a_resource(outcome.failures())
    ):
        result.failed_cleanly += 1
    else:
        result.unclean.append(
            f"{label}: exit {outcome.exit_code}, failures {outcome.failures()!r:.300}"
        )
    result.duplicates.update(f"{label}: {line}" for line in checks.duplicates())
    result.lost.update(f"{label}: {line}" for line in checks.lost(outcome.ok))
    result.wrong_grants.update(f"{label}: {line}" for line in checks.wrong_grants(outcome.ok))


def render(result: SoakResult, *, command: str = "") -> str:
    """The soak's table, and the first few findings of each kind."""
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.injected.items()))
    rows = [
        ("runs", f"{result.runs} ({result.faulted} with faults injected)"),
        ("faults injected", f"{sum(result.injected.values())} ({kinds})"),
        ("runs recovered (ok)", str(result.recovered)),
        ("runs failed cleanly (exit 1 naming a resource)", str(result.failed_cleanly)),
        ("duplicates found", str(len(result.duplicates))),
        ("educator cells lost", str(len(result.lost))),
        ("wrong grants", str(len(result.wrong_grants))),
        ("ok runs not at the fault-free state", str(len(result.false_ok))),
        ("unclean (crash, naming nothing, invalid request)", str(len(result.unclean))),
        ("fault-free runs not at the fault-free state", str(len(result.fault_free_off))),
        ("educator edits", ", ".join(f"{k} {n}" for k, n in sorted(result.edits.items()))),
        ("wall time", f"{result.seconds:.0f} s"),
    ]
    if result.fired:
        fired = ", ".join(f"{kind} {n}" for kind, n in sorted(result.fired.items()))
        rows.append(("faulted runs where the fault made something fail", fired))
    width = max(len(name) for name, _ in rows)
    lines = [command] if command else []
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    lines += [f"note: {note}" for note in result.notes]
    for title, findings in (
        ("duplicates", sorted(result.duplicates)),
        ("lost", sorted(result.lost)),
        ("wrong grants", sorted(result.wrong_grants)),
        ("ok but not the fault-free state", result.false_ok),
        ("unclean", result.unclean),
        ("fault-free runs off", result.fault_free_off),
    ):
        if findings:
            lines.append(f"{title} (first {min(5, len(findings))} of {len(findings)}):")
            lines += [f"  {finding}" for finding in findings[:5]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", choices=("google", "local"), default="google")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=None,
        help="google: of a request failing (default 0.1); local: of a run having a fault "
        "(default 0.6)",
    )
    options = parser.parse_args(argv)
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if options.workspace == "local":
        from bench.soak_local import FAULT_CHANCE, soak_local

        options.fault_rate = FAULT_CHANCE if options.fault_rate is None else options.fault_rate
        run = soak_local
    else:
        options.fault_rate = 0.1 if options.fault_rate is None else options.fault_rate
        run = soak
    result = run(
        runs=options.runs,
        seed=options.seed,
        students=options.students,
        fault_rate=options.fault_rate,
        progress=say,
    )
    command = (
        f"python -m bench.soak --runs {options.runs} --seed {options.seed} "
        f"--students {options.students} --fault-rate {options.fault_rate}"
    )
    if options.workspace == "local":
        command += " --workspace local"
    print(render(result, command=command))
    return 0 if result.passed and result.injected else 1


if __name__ == "__main__":
    sys.exit(main())
