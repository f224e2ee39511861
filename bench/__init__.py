"""Benchmarks and soak runs that print figures, never timed tests: `python -m bench` (requests
against the lower bound, against a per-row script, wall time under quota, reconciliation at
scale; `--quick` for CI), each part also on its own (`python -m bench.google_requests`,
`bench.vs_baseline`, `bench.under_quota`), and `python -m bench.soak`."""
