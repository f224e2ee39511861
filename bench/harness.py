"""What the benchmarks share: a generated demo program on the fake Google server, `tutorsync run`
through its CLI, request counts split by API, and a simulated clock.

The simulated clock. Google's per-minute quotas make a naive script wait for hours; a benchmark
cannot. `VirtualClock` reads real elapsed time plus every wait anyone took through its `sleep`,
which returns at once. Pointed at it: the fake's quota windows and its latency, tutorsync's
pacing (TokenBucket) and backoff, gspread's and the baseline's backoff (time.sleep). So a
"wall time" is real time spent computing and moving bytes plus simulated time spent waiting,
which is what the run would take against a server as slow as the fake is told to be. Every
client here sends one request at a time (tutorsync's jobs and the baseline are sequential), so
simulated waits never overlap and adding them up is exact.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from click.testing import CliRunner
from fake_google import FakeGoogle, RecordedRequest
from fake_google.faults import is_write, quota_bucket
from fake_google.programs import (
    new_private_key,
    upload_program,
    workspace_settings,
    write_service_account_key,
)

from jobs.cli import cli
from jobs.demo import create_demo
from jobs.read import source_spreadsheets
from jobs.settings import Settings, load
from jobs.workspace.google import workspace as google_workspace
from jobs.workspace.google.transport import PacedSession

__all__ = ["FakeGoogle", "RecordedRequest", "quota_bucket"]  # for the benchmarks

TODAY = date(2026, 11, 23)  # the demo program's day; runs are "as of" it
APIS = ("sheets", "calendar", "drive")
# Pacing that never binds: for counting requests, not timing them.
UNLIMITED = {"sheets_read": 1e6, "sheets_write": 1e6, "calendar": 1e6, "drive": 1e6}
# Google's documented per-user, per-minute quotas, in requests: Sheets reads and writes 60
# each, Calendar 600. Drive counts quota units (325,000 a minute per user; a files.list costs
# 100, the dearest documented method), which the fake does not model; 600 requests a minute is
# tutorsync's default pacing for Drive and stays within that quota whatever the methods cost.
GOOGLE_QUOTAS = {"sheets_read": 60, "sheets_write": 60, "calendar": 600, "drive": 600}
FAKE_TIMEOUT_SECONDS = 600  # the most the settings allow
LATENCY_SECONDS = 0.1  # per request (and per batch part), as a real API round trip


class VirtualClock:
    """Real elapsed time plus simulated waits: `sleep` adds to the clock and returns at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = time.perf_counter()
        self.waited_seconds = 0.0

    def __call__(self) -> float:
        with self._lock:
            return time.perf_counter() - self._started + self.waited_seconds

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self.waited_seconds += seconds


@contextmanager
def virtual_time(clock: VirtualClock) -> Iterator[None]:
    """Every wait in this process on `clock`: time.sleep (gspread's backoff, tutorsync's
    backoff and pacing, which call it when they wait, and the fake's latency) and the clock
    tutorsync's pacing reads (the session the CLI builds is given it)."""
    paced = functools.partial(PacedSession, clock=clock, sleep=clock.sleep)
    with (
        mock.patch("time.sleep", clock.sleep),
        mock.patch.object(google_workspace, "PacedSession", paced),
    ):
        yield


@dataclass
class Program:
    """A generated demo program uploaded to a fake, ready to run."""

    fake: FakeGoogle
    folder: Path
    config: Path
    settings: Settings
    students: int

    @property
    def source_spreadsheets(self) -> set[str]:
        return source_spreadsheets(self.settings)


def new_program(
    fake: FakeGoogle,
    folder: Path,
    students: int,
    *,
    quotas: Mapping[str, float] = UNLIMITED,
    jobs: tuple[str, ...] = ("folders", "checkins"),
) -> Program:
    """The demo program of `students` students on `fake`, tutorsync pacing itself to `quotas`.
    `jobs` names the optional jobs kept (progress always runs)."""
    program = folder / "program"
    create_demo(program, today=TODAY, students=students)
    config = program / "tutorsync.toml"
    text = config.read_text(encoding="utf-8")
    for job in ("folders", "checkins"):
        if job not in jobs:
            text = _without_section(text, job)
    config.write_text(text, encoding="utf-8")
    key = write_service_account_key(fake, folder / "key.json", new_private_key())
    workspace = workspace_settings(fake, key, dict(quotas))
    # The fake answers a large program's biggest reads in seconds of real time (it is Python
    # rendering every cell); a timeout would measure the fake, not tutorsync.
    workspace["google"]["timeout_seconds"] = FAKE_TIMEOUT_SECONDS
    google = upload_program(fake, program, workspace)
    return Program(fake, program, google, load(google), students)


def _without_section(text: str, name: str) -> str:
    """The config without its [name] table and its [[name.*]] arrays."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[]").split(".")[0]
            skipping = table == name
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


@dataclass(frozen=True)
class RunResult:
    """One `tutorsync run --json`: its report, the requests the fake received, and time."""

    report: dict[str, Any]
    requests: list[RecordedRequest]  # as the fake received them, batch parts on their own
    seconds: float  # on the clock the run was timed with

    @property
    def counts(self) -> Counter[str]:
        """Requests by method id, batch parts counted by their own method."""
        return Counter(request.method_id for request in self.requests)

    def spreadsheets(self, method: str) -> set[str]:
        """The spreadsheets a Sheets method was called on."""
        return {
            request.path.split("/")[3].split(":")[0]
            for request in self.requests
            if request.method_id == method
        }

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return {job["job"]: job for job in self.report["jobs"]}

    def changes(self, job: str) -> int:
        return int(self.jobs.get(job, {}).get("changes", 0))

    def http_requests(self, api: str) -> int:
        """HTTP requests to one API (see `http_requests`)."""
        return http_requests(self.requests, api)

    def writes(self) -> int:
        """Calls that change something (what a no-op rerun must not make), as the fake counts
        them: batch parts one by one, the envelope not."""
        return sum(n for method, n in self.counts.items() if is_write(method))


def run_tutorsync(program: Program, clock: VirtualClock | None = None) -> RunResult:
    """`tutorsync run --json` through the CLI, as a scheduler starts it; the fake's request
    log is reset after. Raises if the run failed."""
    program.fake.reset_log()
    started = clock() if clock else time.perf_counter()
    result = CliRunner().invoke(
        cli, ["run", "--config", str(program.config), "--as-of", TODAY.isoformat(), "--json"]
    )
    seconds = (clock() if clock else time.perf_counter()) - started
    if result.exit_code != 0:
        failures = [
            failure
            for job in (json.loads(result.stdout)["jobs"] if result.stdout.strip() else [])
            for failure in job.get("failures", [])
        ]
        raise RuntimeError(
            f"tutorsync run failed ({result.exit_code}): {failures or result.stderr[-2000:]}"
            f"{result.exception!r}"
        )
    requests = list(program.fake.requests)
    program.fake.reset_log()
    return RunResult(json.loads(result.stdout), requests, seconds)


def http_requests(requests: list[RecordedRequest], api: str | None = None) -> int:
    """HTTP requests (to one API, or all): a batch is one (its parts are recorded on their own
    too); getting an access token is not counted."""
    return sum(
        1
        for request in requests
        if not request.in_batch
        and request.method_id != "oauth2.token"
        and (api is None or request.method_id.split(".", 1)[0] == api)
    )


def refused(requests: list[RecordedRequest]) -> int:
    """Requests answered 429 (over quota)."""
    return sum(1 for request in requests if request.status == 429)


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub markdown table, numbers right-aligned."""
    text = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in text) for i in range(len(header))]
    numeric = [
        len(text) > 1 and all(_looks_numeric(row[i]) for row in text[1:])
        for i in range(len(header))
    ]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w - 1) + (":" if numeric[i] else "-") for i, w in enumerate(widths)]
    return "\n".join([line(text[0]), "| " + " | ".join(rule) + " |", *map(line, text[1:])])


def _looks_numeric(cell: str) -> bool:
    return cell in ("", "-") or cell[0].isdigit()
