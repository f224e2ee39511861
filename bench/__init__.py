"""Benchmarks and soak runs that print figures, never timed tests: `python -m bench` (requests
against the lower bound, against a per-row script, wall time under quota, reconciliation at
scale; `--quick` for CI), each part also on its own (`python -m bench.google_requests`,
`bench.vs_baseline`, `bench.under_quota`), and `python -m bench.soak`."""

import sys
from pathlib import Path

# The benchmarks run on the fake Google server, which lives with the tests (tests/fake_google).
_TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
