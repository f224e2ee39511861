"""tutorsync against the per-row script many programs run today (bench/baselines/
per_row_script.py), on the same program, the same fake, the same latency, the same quotas and
the same simulated clock.

    .venv/bin/python -m bench.vs_baseline --students 1000

Each side gets its own fresh fake holding the same uploaded program, with 100 ms of latency on
every HTTP request and Google's per-user quotas enforced (Sheets 60 reads and 60 writes a
minute, Calendar 600); a request over quota answers 429. tutorsync paces itself to those
quotas; the script backs off when refused, as gspread's BackOffHTTPClient and
google-api-python-client's num_retries do. Neither makes Drive folders (the script has no such
step), so tutorsync runs its check-ins and progress jobs only.

Wall time = real time + simulated waiting (latency, pacing, backoff) on one VirtualClock: the
time each would take against a server that slow, without waiting hours for the script's quota.
Requests are the HTTP requests the fake received, refused ones included; a batch is one
request (Google counts its calls against quota, which the 429 column reflects), and the
OAuth token request tutorsync makes is left out (the script runs on anonymous credentials).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gspread
from google.auth.credentials import AnonymousCredentials

from bench.baselines import per_row_script
from bench.harness import (
    GOOGLE_QUOTAS,
    LATENCY_SECONDS,
    FakeGoogle,
    Program,
    RecordedRequest,
    VirtualClock,
    http_requests,
    markdown_table,
    new_program,
    refused,
    run_tutorsync,
    virtual_time,
)
from jobs.workspace.google.sheets import spreadsheet_id

SHEETS_AND_CALENDAR = {
    bucket: limit for bucket, limit in GOOGLE_QUOTAS.items() if bucket != "drive"
}


@dataclass(frozen=True)
class Side:
    """What one side did: requests the fake received, refused ones, and wall time."""

    name: str
    requests: int
    refused: int  # answered 429 over quota
    seconds: float  # real + simulated
    waited_seconds: float  # the simulated part


@dataclass(frozen=True)
class Comparison:
    students: int
    tutorsync: Side
    baseline: Side

    @property
    def request_ratio(self) -> float:
        return self.baseline.requests / self.tutorsync.requests

    @property
    def time_ratio(self) -> float:
        return self.baseline.seconds / self.tutorsync.seconds


def compare(students: int) -> Comparison:
    """Both sides on the demo program of `students` students (see the module's doc)."""
    clock = VirtualClock()
    with tempfile.TemporaryDirectory() as folder, virtual_time(clock):
        with FakeGoogle(clock=clock, sleep=clock.sleep) as fake:
            program = _program(fake, Path(folder) / "tutorsync", students)
            waited, started = clock.waited_seconds, clock()
            run = run_tutorsync(program, clock)
            ours = _side("tutorsync", run.requests, clock, started, waited)
        with FakeGoogle(clock=clock, sleep=clock.sleep) as fake:
            program = _program(fake, Path(folder) / "script", students)
            waited, started = clock.waited_seconds, clock()
            per_row_script.run(_gspread(fake), fake.build("calendar"), _inputs(program))
            theirs = _side("per-row script", fake.requests, clock, started, waited)
    return Comparison(students, ours, theirs)


def _side(
    name: str, requests: list[RecordedRequest], clock: VirtualClock, started: float, waited: float
) -> Side:
    """What one side did since `started` (on `clock`, `waited` simulated seconds then)."""
    return Side(
        name,
        http_requests(requests),  # the script, on anonymous credentials, gets no token
        refused(requests),
        clock() - started,
        clock.waited_seconds - waited,
    )


def _program(fake: FakeGoogle, folder: Path, students: int) -> Program:
    folder.mkdir()
    program = new_program(fake, folder, students, quotas=SHEETS_AND_CALENDAR, jobs=("checkins",))
    fake.faults.latency_seconds = LATENCY_SECONDS
    for bucket, limit in SHEETS_AND_CALENDAR.items():
        fake.faults.quota(int(limit), bucket=bucket)
    fake.reset_log()
    return program


def _gspread(fake: FakeGoogle) -> gspread.Client:
    """gspread as such a script builds it, with its backoff client, aimed at the fake."""
    return gspread.Client(
        auth=AnonymousCredentials(),
        session=fake.requests_session(),
        http_client=gspread.BackOffHTTPClient,
    )


def _inputs(program: Program) -> per_row_script.ScriptInputs:
    settings = program.settings
    sources = settings.sources
    assert settings.checkins is not None
    return per_row_script.ScriptInputs(
        roster=spreadsheet_id(sources.roster.spreadsheet),
        roster_tab=sources.roster.tab,
        tutor_log=spreadsheet_id(sources.tutor_logs[0].spreadsheet),
        tutor_log_tabs=tuple(sources.tutor_logs[0].tabs),
        gradebooks=tuple(spreadsheet_id(book.spreadsheet) for book in sources.gradebooks),
        gradebook_tab=sources.gradebooks[0].tab,
        summary=spreadsheet_id(settings.outputs.coordinator_spreadsheet),
        calendar=settings.checkins.calendar,
        first_checkin=settings.checkins.start_date,
        timezone=settings.program.timezone,
    )


def table(comparisons: list[Comparison]) -> str:
    """Both sides side by side, with the ratios."""
    rows = []
    for comparison in comparisons:
        for side in (comparison.tutorsync, comparison.baseline):
            rows.append(
                [
                    f"{comparison.students:,}",
                    side.name,
                    f"{side.requests:,}",
                    f"{side.refused:,}",
                    _duration(side.seconds),
                    _duration(side.waited_seconds),
                ]
            )
        rows.append(
            [
                f"{comparison.students:,}",
                "**script / tutorsync**",
                f"{comparison.request_ratio:.0f}x",
                "",
                f"{comparison.time_ratio:.0f}x",
                "",
            ]
        )
    return markdown_table(
        [
            "students",
            "side",
            "requests",
            "429s",
            "wall time (real + simulated)",
            "of which simulated waiting",
        ],
        rows,
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100])
    args = parser.parse_args(argv)
    print(table([compare(students) for students in args.students]))


if __name__ == "__main__":
    main()
