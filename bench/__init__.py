"""Benchmarks and soak runs that print figures: `python -m bench.soak`, and
`python bench/google_requests.py`."""
