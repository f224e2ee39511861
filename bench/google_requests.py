"""Google API requests of `tutorsync run` on generated programs, on the fake Google server: a
first run and a no-op rerun, requests per API method and in total, beside the lower bound.

    .venv/bin/python -m bench.google_requests --students 100 1000 10000

Requests are HTTP requests: a batch is one request, however many calls it carries (Google
counts the calls against quota, but each batch is one round trip, which is what this counts).

Lower bounds, from the program and what the run had to change:
- Sheets: one values.batchGet per source spreadsheet, one batchUpdate per spreadsheet written,
  and one state read (spreadsheets.get) per spreadsheet written that is not read as a source.
  That state read carries the educators' notes on tutorsync's tabs into the new contents; a
  spreadsheet both read and written is read once.
- Calendar: one events.list per calendar (plus a page per 2,500 events), ceil(changes/50)
  batches, and the free/busy queries the run made (one per 50 people who need a new slot).
- Drive: one files.list per folder root (plus a page per 1,000 items: the program's folders and
  template copies there were before the run), ceil(changes/100) batches, but for one thing:
  Drive does not order the calls of a batch, so a folder's sub-folders, shares and copies
  wait for a batch after the one that creates it, and the first batch can carry only the
  changes that need nothing made first (a folder, share or copy in a folder there before
  the run): 1 + ceil((changes - min(those, 100)) / 100). And, once folders
  exist in a shared drive (whose listing carries no sharing), ceil(folders/100) batches of
  permission reads, and one files.get per template: a run checks each is there before it
  writes anything (fail closed), since a copy planned from a missing one would fail.
A no-op rerun's bound has no writes; it must make no write call at all.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python bench/google_requests.py), as once documented
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    APIS,
    FakeGoogle,
    Program,
    RunResult,
    VirtualClock,
    markdown_table,
    new_program,
    run_tutorsync,
    virtual_time,
)

FOLDER = "application/vnd.google-apps.folder"
CALENDAR_BATCH = 50
DRIVE_BATCH = 100
EVENTS_PAGE = 2500
FOLDERS_PAGE = 1000


@dataclass(frozen=True)
class Measured:
    """One run's requests per API beside the bound."""

    students: int
    label: str  # "first run" or "no-op rerun"
    result: RunResult
    bounds: dict[str, int]
    seconds: float  # real time the run took on the fake

    def requests(self, api: str) -> int:
        return self.result.http_requests(api)

    @property
    def total(self) -> int:
        return sum(self.requests(api) for api in APIS)

    @property
    def bound(self) -> int:
        return sum(self.bounds.values())

    @property
    def ratio(self) -> float:
        return self.total / self.bound if self.bound else math.inf

    @property
    def writes(self) -> int:
        return self.result.writes()


def measure(students: int) -> list[Measured]:
    """A first run and a no-op rerun of the demo program of `students` students on a fresh
    fake, each with its requests and lower bound. Pacing never binds here (time is simulated),
    so only requests are compared."""
    clock = VirtualClock()
    with (
        FakeGoogle(clock=clock, sleep=clock.sleep) as fake,
        tempfile.TemporaryDirectory() as folder,
        virtual_time(clock),
    ):
        program = new_program(fake, Path(folder), students)
        measured: list[Measured] = []
        written: set[str] = set()
        for label in ("first run", "no-op rerun"):
            events_before = _program_events(program)
            items_before, folders_before = _program_items(fake)
            there_before = {str(f["id"]) for f in fake.drive.files()}
            started = time.perf_counter()
            result = run_tutorsync(program)
            seconds = time.perf_counter() - started
            # The spreadsheets tutorsync writes: those the first run wrote. A rerun still reads
            # their state (to see there is nothing to write).
            written = written or result.spreadsheets("sheets.spreadsheets.batchUpdate")
            free = _changes_needing_nothing_made(result, there_before)
            bounds = lower_bounds(
                program, result, written, events_before, (items_before, folders_before, free)
            )
            measured.append(Measured(students, label, result, bounds, seconds))
        return measured


def lower_bounds(
    program: Program,
    result: RunResult,
    written: set[str],
    events_before: int,
    drive_before: tuple[int, int, int],
) -> dict[str, int]:
    """The fewest requests per API a run could make (see the module's doc)."""
    from jobs.workspace.google.sheets import spreadsheet_id

    sources = {spreadsheet_id(reference) for reference in program.source_spreadsheets}
    wrote_now = result.spreadsheets("sheets.spreadsheets.batchUpdate")
    sheets = len(sources) + len(wrote_now) + len(written - sources)
    calendar = 0
    if program.settings.checkins:
        calendar = (
            _pages(events_before, EVENTS_PAGE)
            + math.ceil(result.changes("checkins") / CALENDAR_BATCH)
            + result.counts["calendar.freebusy.query"]
        )
    drive = 0
    if program.settings.folders:
        items_before, folders_before, free = drive_before
        drive = (
            _pages(items_before, FOLDERS_PAGE)
            + _write_batches(result.changes("folders"), free)
            + math.ceil(folders_before / DRIVE_BATCH)
            + len(program.settings.folders.templates)
        )
    return {"sheets": sheets, "calendar": calendar, "drive": drive}


def _write_batches(changes: int, free: int) -> int:
    """The fewest batches for `changes` when only `free` of them need nothing made first."""
    if not changes:
        return 0
    return 1 + math.ceil((changes - min(free, changes, DRIVE_BATCH)) / DRIVE_BATCH)


def _changes_needing_nothing_made(result: RunResult, there_before: set[str]) -> int:
    """The run's Drive changes made in (or on) a file there before the run: folders created
    and templates copied into one, shares of one."""
    free = 0
    for request in result.requests:
        if request.status >= 300:
            continue
        if request.method_id in ("drive.files.create", "drive.files.copy"):
            parents = (request.body or {}).get("parents") or []
            free += bool(parents) and parents[0] in there_before
        elif request.method_id == "drive.permissions.create":
            free += request.path.split("/")[4] in there_before
    return free


def _pages(items: int, page: int) -> int:
    return max(1, math.ceil(items / page))


def _program_events(program: Program) -> int:
    if not program.settings.checkins:
        return 0
    calendar = program.settings.checkins.calendar
    return len(program.fake.calendar.events(calendar, include_cancelled=False))


def _program_items(fake: FakeGoogle) -> tuple[int, int]:
    """What the program's Drive listing finds, (items, folders): the folders tutorsync keeps
    (term, archive, students), tagged with a key, and the template copies in them."""
    items = [f for f in fake.drive.files() if "tutorsync-program" in (f.get("properties") or {})]
    folders = [f for f in items if f["mimeType"] == FOLDER and "tutorsync-key" in f["properties"]]
    return len(items), len(folders)


def table(measured: list[Measured]) -> str:
    """Requests per API (by method) and in total, beside the bound, per program size and run."""
    rows = []
    for run in measured:
        for api in APIS:
            methods = {
                method.split(".", 1)[1]: count
                for method, count in sorted(run.result.counts.items())
                if method.startswith(api + ".")
            }
            shown = ", ".join(f"{method} {count}" for method, count in methods.items()) or "-"
            bound = run.bounds[api]
            rows.append(
                [
                    f"{run.students:,}",
                    run.label,
                    api,
                    shown,
                    run.requests(api),
                    bound,
                    f"{run.requests(api) / bound:.2f}x" if bound else "-",
                    "",
                ]
            )
        rows.append(
            [
                f"{run.students:,}",
                run.label,
                "**total**",
                f"{run.seconds:.1f} s real",
                run.total,
                run.bound,
                f"{run.ratio:.2f}x",
                run.writes,
            ]
        )
    return markdown_table(
        [
            "students",
            "run",
            "API",
            "calls by method (batch parts counted by their own method)",
            "requests",
            "bound",
            "ratio",
            "write calls",
        ],
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args(argv)
    measured = [run for students in args.students for run in measure(students)]
    print(table(measured))


if __name__ == "__main__":
    main()
