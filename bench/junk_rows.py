"""`tutorsync progress` on the demo program with N junk rows pasted into its tutor log (three
data issues each: a date, minutes and an attendance that cannot be read): time against N, and
the growth exponent between sizes. Bad input must never stall a run, which holds the lock.

    .venv/bin/python -m bench.junk_rows --rows 1000 5000 50000
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from bench.harness import markdown_table
from jobs.demo import create_demo
from jobs.progress import run_progress
from jobs.settings import load
from jobs.workspace.local.workspace import LocalWorkspace

TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Timed:
    rows: int
    issues: int
    seconds: float


def measure(sizes: list[int]) -> list[Timed]:
    """One demo program per size, junk appended, one timed progress run each."""
    timed = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as folder:
            config = create_demo(Path(folder), today=TODAY, students=60)
            _add_junk(Path(folder) / "tutor_log.xlsx", rows)
            settings = load(config)
            started = time.perf_counter()
            report = run_progress(settings, LocalWorkspace(Path(folder)), as_of=TODAY)
            timed.append(Timed(rows, len(report.issues), time.perf_counter() - started))
    return timed


def _add_junk(tutor_log: Path, rows: int) -> None:
    book = openpyxl.load_workbook(tutor_log)
    sheet = book["Form Responses 1"]
    for i in range(rows):
        junk = ["not a date", "abc", "maybe"]  # session date, minutes, attendance
        sheet.append(["not a time", "tutor.lee@riverbend.example", f"9{i:05d}", "X Y", *junk])
    book.save(tutor_log)


def growth(timed: list[Timed]) -> list[float]:
    """The exponent of time in rows between consecutive sizes (1.0 = linear)."""
    return [
        math.log(b.seconds / a.seconds) / math.log(b.rows / a.rows)
        for a, b in itertools.pairwise(timed)
    ]


def table(timed: list[Timed]) -> str:
    exponents = ["-", *(f"{e:.2f}" for e in growth(timed))]
    return markdown_table(
        ["junk rows", "data issues", "seconds", "growth exponent"],
        [
            [f"{t.rows:,}", f"{t.issues:,}", f"{t.seconds:.1f}", exponent]
            for t, exponent in zip(timed, exponents, strict=True)
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 5000, 50000])
    print(table(measure(parser.parse_args(argv).rows)))


if __name__ == "__main__":
    main()
