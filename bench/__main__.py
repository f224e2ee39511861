"""Every benchmark, printed as markdown tables with their targets:

    .venv/bin/python -m bench            # 100, 1,000 and 10,000 students (minutes)
    .venv/bin/python -m bench --quick    # 100 students, small reconcile sizes (seconds; CI)

1. requests per API against the lower bound (first run <= 1.05x; a no-op rerun writes nothing);
2. against the per-row script (>= 100x fewer requests, >= 20x less wall time at 1,000);
3. wall time under Google's quotas against the quota floor (target <= 1.2x at 1,000);
4. reconciliation at scale: 100,000 students parsed, reconciled and planned in under 10 s and
   2 GB, time growing with an exponent <= 1.05 (bench.reconcile_scale);
5. a run on junk tutor-log rows: time linear in the rows (growth exponent <= 1.2);
6. tutorsync's tab into a teacher's .xlsx: <= 0.1x of an openpyxl load-and-save of the file,
   growth in the teacher's rows at most linear (exponent <= 1.1);
7. the folders job on local directories: a no-op rerun at 3,000 students under 1 s
   (bench.local_folders).
8. `tutorsync run` on the local workspace against pandas + python-calamine reading the same
   spreadsheets: at 1,000 students a no-op rerun within 3x, a first run within 8x; at 5,000 a
   first run in at most 20 s, a no-op rerun in at most 6 s; and beside a plain pandas +
   openpyxl script (bench.local_run).
Timings in 2 and 3 are on a simulated clock (see bench.harness).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench import (
    google_requests,
    junk_rows,
    local_folders,
    local_run,
    teacher_tab,
    under_quota,
    vs_baseline,
)

ROOT = Path(__file__).resolve().parents[1]
FULL_SIZES = (100, 1000, 10_000)
QUICK_SIZES = (100,)
REQUESTS_TARGET = 1.05
REQUEST_RATIO_TARGET = 100
TIME_RATIO_TARGET = 20
QUOTA_TARGET = 1.2
JUNK_ROWS = {True: [500, 2000], False: [1000, 5000, 50_000]}  # by --quick
GROWTH_TARGET = 1.2  # time in junk rows: linear, give or take noise
TEACHER_ROWS = {True: [500, 2000], False: [2000, 20_000]}  # by --quick
TEACHER_RATIO_TARGET = 0.1
TEACHER_GROWTH_TARGET = 1.1
LOCAL_FOLDERS_STUDENTS = {True: 300, False: 3000}  # by --quick
LOCAL_FOLDERS_NO_OP_SECONDS = 1.0
LOCAL_RUN_STUDENTS = {True: (100,), False: (1000, 5000)}  # by --quick
LOCAL_RUN_RERUN_RATIO, LOCAL_RUN_FIRST_RATIO = 3, 8  # x the calamine read, at 1,000 students
LOCAL_RUN_SECONDS = {"first run": 20.0, "no-op rerun": 6.0}  # at 5,000 students


def requests_section(sizes: tuple[int, ...]) -> str:
    measured = [run for students in sizes for run in google_requests.measure(students)]
    lines = [google_requests.table(measured), ""]
    for run in measured:
        if run.label == "first run":
            lines.append(
                _target(f"{run.students:,} students, first run", run.ratio, REQUESTS_TARGET)
            )
        else:
            verdict = "met" if run.writes == 0 else "MISSED"
            lines.append(
                f"- {run.students:,} students, no-op rerun: {run.writes} writes ({verdict})"
            )
    return "\n".join(lines)


def baseline_section(students: int) -> str:
    comparison = vs_baseline.compare(students)
    return "\n".join(
        [
            vs_baseline.table([comparison]),
            "",
            f"- {students:,} students: {comparison.request_ratio:.0f}x fewer requests "
            f"(target >= {REQUEST_RATIO_TARGET}x: "
            f"{'met' if comparison.request_ratio >= REQUEST_RATIO_TARGET else 'MISSED'}), "
            f"{comparison.time_ratio:.0f}x less wall time (target >= {TIME_RATIO_TARGET}x: "
            f"{'met' if comparison.time_ratio >= TIME_RATIO_TARGET else 'MISSED'})"
            + ("" if students == 1000 else "; the targets are for 1,000 students"),
        ]
    )


def quota_section(students: int) -> str:
    result = under_quota.measure(students)
    return "\n".join(
        [
            under_quota.table([result]),
            "",
            _target(f"{students:,} students, run time vs quota floor", result.ratio, QUOTA_TARGET),
        ]
    )


def reconcile_section(quick: bool) -> str:
    """bench.reconcile_scale's table, measured in a process of its own: its memory figures are
    the process's peak, which the other benchmarks' large programs would otherwise set."""
    script = f"from bench.reconcile_scale import report\nprint(report({quick!r}))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(failed)"
    return done.stdout.rstrip()


def junk_section(quick: bool) -> str:
    timed = junk_rows.measure(JUNK_ROWS[quick])
    worst = max(junk_rows.growth(timed))
    return "\n".join(
        [junk_rows.table(timed), "", _target("growth exponent, worst step", worst, GROWTH_TARGET)]
    )


def teacher_tab_section(quick: bool) -> str:
    timed = teacher_tab.measure(TEACHER_ROWS[quick])
    return "\n".join(
        [
            teacher_tab.table(timed),
            "",
            _target(
                "write vs load-and-save, worst size",
                max(t.ratio for t in timed),
                TEACHER_RATIO_TARGET,
            ),
            _target(
                "growth exponent in the teacher's rows",
                max(teacher_tab.growth(timed)),
                TEACHER_GROWTH_TARGET,
            ),
        ]
    )


def local_folders_section(quick: bool) -> str:
    students = LOCAL_FOLDERS_STUDENTS[quick]
    timed = local_folders.measure(students)
    met = timed.no_op_rerun < LOCAL_FOLDERS_NO_OP_SECONDS and timed.rerun_changes == 0
    return "\n".join(
        [
            local_folders.table([timed]),
            "",
            f"- local folders no-op at {students:,} students: {timed.no_op_rerun:.3f} s "
            f"(target < {LOCAL_FOLDERS_NO_OP_SECONDS:g} s: {'met' if met else 'MISSED'})"
            + ("" if students == 3000 else "; the target is for 3,000 students"),
        ]
    )


def local_run_section(quick: bool) -> str:
    timed = [
        local_run.measure(students, repeats=1 if quick else local_run.REPEATS)
        for students in LOCAL_RUN_STUDENTS[quick]
    ]
    lines = [local_run.table(timed), ""]
    for run in timed:
        at = f"{run.students:,} students"
        lines.append(f"- {at}, no-op rerun's changes: {run.rerun_changes} (target 0)")
        if run.students != 5000:
            aside = "" if run.students == 1000 else "; the targets are for 1,000 students"
            lines += [
                _target(f"{at}, no-op rerun vs read", run.rerun_ratio, LOCAL_RUN_RERUN_RATIO)
                + aside,
                _target(f"{at}, first run vs read", run.first_run_ratio, LOCAL_RUN_FIRST_RATIO)
                + aside,
            ]
        else:
            for label, seconds in (("first run", run.first_run), ("no-op rerun", run.no_op_rerun)):
                limit = LOCAL_RUN_SECONDS[label]
                verdict = "met" if seconds <= limit else "MISSED"
                lines.append(f"- {at}, {label}: {seconds:.1f} s (target <= {limit:g} s: {verdict})")
        lines.append(f"- {at}, first run vs the pandas + openpyxl script: {run.script_ratio:.1f}x")
    return "\n".join(lines)


def _target(what: str, ratio: float, target: float) -> str:
    verdict = "met" if ratio <= target else "MISSED"
    return f"- {what}: {ratio:.3f}x (target <= {target}x: {verdict})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 students only, for CI")
    quick = parser.parse_args(argv).quick
    sizes = QUICK_SIZES if quick else FULL_SIZES
    students = 100 if quick else 1000
    sections = [
        ("Requests against the lower bound", lambda: requests_section(sizes)),
        ("Against the per-row script", lambda: baseline_section(students)),
        ("Wall time under quota", lambda: quota_section(students)),
        ("Reconciliation at scale", lambda: reconcile_section(quick)),
        ("A run on junk tutor-log rows", lambda: junk_section(quick)),
        ("Tutorsync's tab into a teacher's gradebook", lambda: teacher_tab_section(quick)),
        ("Folders on local directories", lambda: local_folders_section(quick)),
        ("tutorsync run on the local workspace", lambda: local_run_section(quick)),
    ]
    for number, (title, section) in enumerate(sections, start=1):
        started = time.perf_counter()
        body = section()
        print(f"## {number}. {title} ({time.perf_counter() - started:.0f} s to measure)\n")
        print(body + "\n", flush=True)


if __name__ == "__main__":
    main()
