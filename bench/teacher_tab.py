"""Writing tutorsync's tab into a teacher's `.xlsx` gradebook: time against the size of the
teacher's own tab, beside what a load-and-save of the whole workbook through openpyxl (how
tutorsync wrote before it wrote only its own parts) takes on the same file, in the same run.

    .venv/bin/python -m bench.teacher_tab --rows 2000 20000

Targets: the write costs at most a tenth of the load-and-save at every size, and grows with
the teacher's rows at most linearly (exponent <= 1.1): it copies their parts without parsing
them, but zipfile recompresses each one.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook, load_workbook

from bench.harness import markdown_table
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.cells import TabWrite

REPEATS = 3
QUIZZES = 20
TAB = TabWrite(
    key="tutorsync:bench:progress",
    title="Tutoring progress",
    header=("Student ID", "Sessions", "Notes"),
    rows=tuple((f"S{i:05d}", i, "fictional note") for i in range(30)),
)


@dataclass(frozen=True)
class Timed:
    rows: int  # in the teacher's own tab
    write: float  # median seconds: tutorsync's tab into the file
    resave: float  # median seconds: openpyxl loads and saves the whole file

    @property
    def ratio(self) -> float:
        return self.write / self.resave


def measure(sizes: list[int]) -> list[Timed]:
    timed = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "source.xlsx"
            _gradebook(source, rows)
            writes, resaves = [], []
            for _ in range(REPEATS):
                shutil.copy(source, Path(folder) / "gradebook.xlsx")
                started = time.perf_counter()
                LocalWorkspace(Path(folder)).spreadsheets.write_owned_tabs("gradebook.xlsx", [TAB])
                writes.append(time.perf_counter() - started)
                started = time.perf_counter()
                load_workbook(source).save(io.BytesIO())
                resaves.append(time.perf_counter() - started)
            timed.append(Timed(rows, statistics.median(writes), statistics.median(resaves)))
    return timed


def growth(timed: list[Timed]) -> list[float]:
    """The exponent of the write time in the teacher's rows, between consecutive sizes."""
    return [
        math.log(b.write / a.write) / math.log(b.rows / a.rows)
        for a, b in itertools.pairwise(timed)
    ]


def table(timed: list[Timed]) -> str:
    return markdown_table(
        ["teacher's rows", "tutorsync's tab written", "openpyxl load-and-save", "ratio"],
        [
            [f"{t.rows:,}", f"{t.write:.3f} s", f"{t.resave:.3f} s", f"{t.ratio:.3f}x"]
            for t in timed
        ],
    )


def _gradebook(path: Path, rows: int) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Grades"
    sheet.append(["Student ID", "Name", *(f"Quiz {i}" for i in range(1, QUIZZES + 1))])
    for row in range(rows):
        marks = [50 + (row * quiz) % 50 for quiz in range(1, QUIZZES + 1)]
        sheet.append([f"S{row:05d}", f"Fictional Student {row}", *marks])
    workbook.save(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    timed = measure(parser.parse_args(argv).rows)
    print(table(timed))
    if len(timed) > 1:
        print(f"\ngrowth exponent, worst step: {max(growth(timed)):.2f}")


if __name__ == "__main__":
    main()
