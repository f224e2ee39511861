"""The folders job on local directories: its first run on a demo program kept as files, and
its no-op rerun, timed as the job reports itself (listing, planning and applying; the roster
it reads first is the reading's cost, measured with the spreadsheets).

    .venv/bin/python -m bench.local_folders --students 3000

Target: a no-op rerun at 3,000 students under 1 s. A rerun costs what the changes cost, and
reading each folder's small manifest once; a first run makes every folder, so it is timed for
reference, not held to a target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import TODAY, markdown_table
from jobs.demo import create_demo
from jobs.folders import run_folders
from jobs.settings import load
from jobs.workspace.local.workspace import LocalWorkspace

RERUNS = 3  # the no-op rerun's figure is their median


@dataclass(frozen=True)
class Timed:
    students: int
    folders: int  # changes the first run made
    first_run: float  # seconds
    no_op_rerun: float  # median seconds
    rerun_changes: int  # what the reruns planned: none, or the rerun is no no-op


def measure(students: int) -> Timed:
    with tempfile.TemporaryDirectory() as folder:
        settings = load(create_demo(Path(folder), today=TODAY, students=students))
        workspace = LocalWorkspace(settings.workspace_root)
        first = run_folders(settings, workspace, as_of=TODAY)
        reruns = [run_folders(settings, workspace, as_of=TODAY) for _ in range(RERUNS)]
    return Timed(
        students,
        len(first.folder_changes),
        first.seconds,
        statistics.median(rerun.seconds for rerun in reruns),
        max(len(rerun.folder_changes) for rerun in reruns),
    )


def table(timed: list[Timed]) -> str:
    return markdown_table(
        ["students", "first run: changes", "first run", "no-op rerun", "rerun's changes"],
        [
            [
                f"{t.students:,}",
                f"{t.folders:,}",
                f"{t.first_run:.2f} s",
                f"{t.no_op_rerun:.3f} s",
                t.rerun_changes,
            ]
            for t in timed
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[3000])
    print(table([measure(students) for students in parser.parse_args(argv).students]))


if __name__ == "__main__":
    main()
