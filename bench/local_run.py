"""`tutorsync run` on the local workspace: a demo program's first run and its no-op rerun, beside
what reading the same spreadsheets costs pandas with python-calamine (the floor for reading
them at all) and what a plain pandas + openpyxl script that a user would otherwise write takes
(read the roster, tutor log and gradebooks, count sessions and minutes and work out a grade per
student, save one summary .xlsx), all in one process.

    .venv/bin/python -m bench.local_run --students 1000 5000

Targets: at 1,000 students the no-op rerun within 3x of the calamine read and the first run
within 8x; at 5,000 students the first run at most 20 s and the no-op rerun at most 6 s. The
script is a reference, not a target: tutorsync does more (data issues, flags, per-teacher tabs,
check-ins, folders), and the ratio says what that costs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd
from click.testing import CliRunner

from bench.harness import TODAY, markdown_table
from jobs.cli import cli
from jobs.demo import create_demo
from jobs.settings import Settings, load

REPEATS = 3  # each figure is the median of this many


@dataclass(frozen=True)
class Timed:
    students: int
    spreadsheets: int  # sources read (the roster, tutor logs and gradebooks)
    calamine_read: float  # median seconds: pandas + python-calamine reads every source
    script: float  # median seconds: the pandas + openpyxl script, summary saved
    first_run: float  # median seconds, each on a fresh copy of the program
    no_op_rerun: float  # median seconds
    rerun_changes: int  # what the reruns changed: none, or the rerun is no no-op

    @property
    def rerun_ratio(self) -> float:
        return self.no_op_rerun / self.calamine_read

    @property
    def first_run_ratio(self) -> float:
        return self.first_run / self.calamine_read

    @property
    def script_ratio(self) -> float:
        return self.first_run / self.script


def measure(students: int, repeats: int = REPEATS) -> Timed:
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "program"
        config = create_demo(program, today=TODAY, students=students)
        settings = load(config)
        sources = _sources(settings)
        calamine = _median(repeats, lambda: _read_all(sources, "calamine"))
        script = _median(repeats, lambda: _script(settings, Path(folder) / "summary.xlsx"))
        firsts, reruns, changes = [], [], 0
        for attempt in range(repeats):
            copy = Path(folder) / f"run{attempt}"
            shutil.copytree(program, copy)
            firsts.append(_timed_run(copy / config.name)[0])
            seconds, changed = _timed_run(copy / config.name)
            reruns.append(seconds)
            changes = max(changes, changed)
            shutil.rmtree(copy)
    return Timed(
        students,
        len(sources),
        calamine,
        script,
        statistics.median(firsts),
        statistics.median(reruns),
        changes,
    )


def table(timed: list[Timed]) -> str:
    return markdown_table(
        [
            "students",
            "sources",
            "pandas + calamine read",
            "pandas + openpyxl script",
            "first run",
            "no-op rerun",
            "rerun's changes",
            "first run / read",
            "rerun / read",
            "first run / script",
        ],
        [
            [
                f"{t.students:,}",
                t.spreadsheets,
                f"{t.calamine_read:.2f} s",
                f"{t.script:.2f} s",
                f"{t.first_run:.2f} s",
                f"{t.no_op_rerun:.2f} s",
                t.rerun_changes,
                f"{t.first_run_ratio:.1f}x",
                f"{t.rerun_ratio:.1f}x",
                f"{t.script_ratio:.1f}x",
            ]
            for t in timed
        ],
    )


def _median(repeats: int, timed: Callable[[], object]) -> float:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        timed()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _timed_run(config: Path) -> tuple[float, int]:
    """Seconds `tutorsync run` took through its CLI, and the changes its jobs made."""
    started = time.perf_counter()
    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), "--json"]
    )
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"tutorsync run failed ({result.exit_code}): {result.output[-2000:]}")
    return seconds, sum(job["changes"] for job in json.loads(result.stdout)["jobs"])


def _sources(settings: Settings) -> list[Path]:
    found = settings.sources
    names = [
        found.roster.spreadsheet,
        *(log.spreadsheet for log in found.tutor_logs),
        *(book.spreadsheet for book in found.gradebooks),
    ]
    return [settings.workspace_root / name for name in dict.fromkeys(names)]


def _read_all(sources: list[Path], engine: str) -> list[pd.DataFrame]:
    frames = []
    for path in sources:
        if path.suffix == ".csv":
            frames.append(pd.read_csv(path, dtype=str))
        else:
            frames.extend(pd.read_excel(path, sheet_name=None, engine=engine).values())
    return frames


def _script(settings: Settings, summary: Path) -> None:
    """What a coordinator comfortable with pandas would write for the demo program: sessions,
    minutes and a grade per student, one .xlsx out. No data issues, flags or matching by name."""
    root, sources = settings.workspace_root, settings.sources
    roster = pd.read_excel(root / sources.roster.spreadsheet, engine="openpyxl", dtype=str)
    roster = roster.dropna(subset=["Student ID"]).drop_duplicates("Student ID")
    sessions = []
    for log in sources.tutor_logs:
        tabs = pd.read_excel(root / log.spreadsheet, sheet_name=log.tabs, engine="openpyxl")
        for frame in tabs.values():
            ids = "Student ID" if "Student ID" in frame else "ID"
            minutes = "Duration" if "Duration" in frame else "Minutes"
            sessions.append(
                pd.DataFrame(
                    {
                        "Student ID": frame[ids].astype(str).str.zfill(5),
                        "minutes": pd.to_numeric(frame[minutes], errors="coerce"),
                    }
                )
            )
    logged = pd.concat(sessions).groupby("Student ID")["minutes"].agg(["count", "sum"])
    grades = []
    for book in sources.gradebooks:
        path = root / book.spreadsheet
        frame = (
            pd.read_csv(path, dtype=str)
            if path.suffix == ".csv"
            else pd.read_excel(path, sheet_name=book.tab, engine="openpyxl")
        )
        frame = frame.rename(columns={frame.columns[0]: "Student ID"})
        points = pd.to_numeric(frame.iloc[0, 2:], errors="coerce")
        marks = frame.iloc[3:, 2:].replace("M", 0).apply(pd.to_numeric, errors="coerce")
        earned = marks.sum(axis=1)
        possible = marks.notna().mul(points.to_numpy(), axis=1).sum(axis=1)
        grades.append(
            pd.DataFrame(
                {
                    "Student ID": frame["Student ID"].iloc[3:].astype(str).str.zfill(5),
                    "grade %": (100 * earned / possible).round(1),
                }
            )
        )
    graded = pd.concat(grades).groupby("Student ID")["grade %"].mean()
    out = roster[["Student ID", "Student Name"]].set_index("Student ID")
    out = out.join(logged).join(graded).rename(columns={"count": "sessions", "sum": "minutes"})
    out.to_excel(summary, engine="openpyxl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1000])
    print(table([measure(students) for students in parser.parse_args(argv).students]))


if __name__ == "__main__":
    main()
