"""The reconcile scaling benchmark: its generated programs and its report (not its timings)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench is a package at the repository's root
    sys.path.insert(0, str(ROOT))

from bench import reconcile_scale  # noqa: E402
from jobs.parse import parse_sources  # noqa: E402
from jobs.reconcile.program import reconcile  # noqa: E402


def test_a_generated_program_is_deterministic_and_its_mess_is_reported():
    first, again = reconcile_scale.generate(3_000), reconcile_scale.generate(3_000)
    assert first.grids == again.grids
    assert first.sessions > 15 * 3_000 and first.grade_cells > 45 * 3_000

    parsed = parse_sources(first.settings, first.grids, [])
    program = reconcile(first.settings, parsed, as_of=reconcile_scale.AS_OF)

    problems = " ".join(issue.problem for issue in program.issues)
    for planted in (
        "is not a number of minutes",
        "is not an attendance value",
        "is a formula's error",
        "is not on the roster",
        "is dated after",
        "is also logged in",
        "is not a score",
        "has no student ID",
    ):
        assert planted in problems
    assert len(program.summary) == len(parsed.roster.active) > 2_700


def test_the_report_has_a_row_per_size_and_the_growth_exponent():
    results = [
        {
            "students": students,
            "sessions": 20 * students,
            "grade_cells": 50 * students,
            "issues": students // 100,
            "parse_s": seconds / 2,
            "reconcile_s": seconds / 4,
            "plan_s": seconds / 4,
            "total_s": seconds,
            "grids_mb": 100.0,
            "peak_mb": 200.0,
        }
        for students, seconds in ((1_000, 1.0), (10_000, 10.0), (100_000, 200.0))
    ]

    rendered = reconcile_scale.render(results)

    assert rendered.startswith("## Reconcile scaling")
    assert "| 100,000 | 2,000,000 | 5,000,000 | 1,000 | 100.00 | 50.00 | 50.00 | 200.00 |" in (
        rendered
    )
    assert "1,000→10,000: 1.00, 10,000→100,000: 1.30" in rendered
    assert "Target for 100k students (< 10 s, < 2,048 MB): not met" in rendered
