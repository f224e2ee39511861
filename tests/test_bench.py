"""The quick benchmarks' invariants (`python -m bench --quick`'s pieces), not their timings:
a rerun writes nothing, requests stay near the lower bound, the per-row script needs far more
requests, and pacing keeps every 429 away. Time is simulated, so nothing here waits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench is a package at the repository's root
    sys.path.insert(0, str(ROOT))

from bench import google_requests, under_quota, vs_baseline  # noqa: E402
from bench.harness import APIS, VirtualClock, markdown_table  # noqa: E402

pytestmark = pytest.mark.slow  # whole benchmark runs on the fake Google server

STUDENTS = 100


@pytest.fixture(scope="module")
def requests_measured() -> list[google_requests.Measured]:
    return google_requests.measure(STUDENTS)


def test_a_first_run_stays_near_the_lower_bound_and_sheets_and_calendar_meet_it(
    requests_measured,
):
    first = requests_measured[0]

    assert first.label == "first run"
    assert first.writes > 0
    assert first.requests("sheets") == first.bounds["sheets"]
    assert first.requests("calendar") == first.bounds["calendar"]
    # Drive's fixed costs (the light look before writing, with the new IDs; a wave per
    # folder level) weigh most on small programs; see the benchmark's table.
    assert first.ratio <= 1.05


def test_a_no_op_rerun_writes_nothing_and_reads_near_the_bound(requests_measured):
    rerun = requests_measured[1]

    assert rerun.label == "no-op rerun"
    assert rerun.writes == 0
    assert rerun.ratio <= 1.2
    assert all(rerun.requests(api) <= rerun.bounds[api] + 1 for api in APIS)


def test_the_per_row_script_needs_many_times_the_requests_and_the_time():
    comparison = vs_baseline.compare(STUDENTS)

    assert comparison.tutorsync.refused == 0  # paced under quota: never refused
    assert comparison.baseline.refused > 0  # the script learns of the quota from 429s
    assert comparison.request_ratio >= 50
    assert comparison.time_ratio >= 20


def test_under_quota_tutorsync_meets_no_429_and_leaves_no_idle_minute():
    result = under_quota.measure(STUDENTS)

    assert result.refused == 0
    # Each bucket busy no longer than its sliding window requires, give or take latency and
    # computing: no minute spent waiting that the quota did not call for. The run log, the last
    # Sheets write, waits by design for the folders' Drive changes (jobs/write_tabs.py).
    floors = {bucket.name: bucket.window_floor_seconds for bucket in result.buckets}
    for bucket in result.buckets:
        floor = floors[bucket.name]
        if bucket.name == "sheets_write":
            floor = max(floor, floors["drive"])
        assert bucket.busy_seconds <= floor + 20, bucket


def test_the_virtual_clock_adds_waits_without_sleeping():
    clock = VirtualClock()
    before = clock()

    clock.sleep(3600)

    assert 3600 <= clock() - before < 3700
    assert clock.waited_seconds == 3600


def test_markdown_tables_right_align_numbers():
    assert markdown_table(["name", "n"], [["a", 1], ["bb", 22]]).splitlines() == [
        "| name |  n |",
        "| ---- | -: |",
        "| a    |  1 |",
        "| bb   | 22 |",
    ]


def test_tutorsyncs_tab_goes_into_a_teachers_gradebook_without_reading_the_teachers_tab():
    from bench import teacher_tab

    [small] = teacher_tab.measure([200])

    assert small.write > 0 and small.resave > 0
    assert "openpyxl load-and-save" in teacher_tab.table([small])


def test_a_local_folders_rerun_changes_nothing():
    from bench import local_folders

    timed = local_folders.measure(40)

    assert timed.folders > 0 and timed.rerun_changes == 0
    assert "no-op rerun" in local_folders.table([timed])


def test_a_local_run_rerun_changes_nothing_and_is_timed_beside_pandas():
    from bench import local_run

    timed = local_run.measure(30, repeats=1)

    assert timed.spreadsheets > 0 and timed.rerun_changes == 0
    assert timed.calamine_read > 0 and timed.script > 0
    assert "pandas + openpyxl script" in local_run.table([timed])
