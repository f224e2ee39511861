"""Wall time under quota: `tutorsync run` of a generated program on a fake that enforces Google's
per-user quotas, against the quota floor.

    .venv/bin/python -m bench.under_quota --students 1000

The model. The fake enforces, per minute over a sliding 60 s window, 60 Sheets reads, 60
Sheets writes, 600 Calendar calls and 600 Drive calls (Drive really counts quota units, which
the fake does not model; 600 calls a minute is tutorsync's Drive pacing, within Drive's
325,000 units a minute per user), counting each call in a batch, and answers 429 beyond; every
HTTP request costs 100 ms. tutorsync is configured with the same quotas.
Time is simulated (bench.harness.VirtualClock): the run takes seconds, and its time is real time
plus the simulated waiting (latency, pacing, backoff).

The floor of a bucket is its calls divided by its rate (calls / per-minute quota); the binding
bucket's floor is the run's floor. A sliding window allows a little less: a minute's calls may
go at once, so N calls need only ceil(N / quota) - 1 minutes ("window floor"), and a bucket
used for less than a minute's quota needs no waiting at all. "Busy" is the time from the
bucket's first request to its last: a pacer without idle gaps keeps it near the bucket's window
floor. The jobs run one after another (folders, then check-ins, then progress, each needing
what the one before left), so the run takes about the sum of the buckets' busy times, not the
longest one; the "sequential floor" row is the sum of the window floors plus one latency per
HTTP request: the best jobs run one after another could reach.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.harness import (
    GOOGLE_QUOTAS,
    LATENCY_SECONDS,
    FakeGoogle,
    RecordedRequest,
    VirtualClock,
    http_requests,
    markdown_table,
    new_program,
    quota_bucket,
    refused,
    run_tutorsync,
    virtual_time,
)


@dataclass(frozen=True)
class Bucket:
    name: str
    per_minute: float
    calls: int
    busy_seconds: float  # first request to last

    @property
    def floor_seconds(self) -> float:
        """Calls over the rate: the floor as a per-minute quota is usually read."""
        return self.calls / (self.per_minute / 60)

    @property
    def window_floor_seconds(self) -> float:
        """The least a sliding 60 s window allows: a minute's calls at once, the next
        minute's 60 s later, and so on (so fewer than a minute's calls need no wait)."""
        return 60.0 * ((self.calls - 1) // math.floor(self.per_minute))


@dataclass(frozen=True)
class UnderQuota:
    students: int
    seconds: float  # the run, real + simulated
    http_requests: int
    refused: int  # 429s the run met
    buckets: list[Bucket]

    @property
    def binding(self) -> Bucket:
        return max(self.buckets, key=lambda bucket: bucket.floor_seconds)

    @property
    def floor_seconds(self) -> float:
        return self.binding.floor_seconds

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds

    @property
    def sequential_floor_seconds(self) -> float:
        return (
            sum(bucket.window_floor_seconds for bucket in self.buckets)
            + self.http_requests * LATENCY_SECONDS
        )


def measure(students: int) -> UnderQuota:
    """A first run of the demo program of `students` students, every job on, under quota."""
    clock = VirtualClock()
    with (
        tempfile.TemporaryDirectory() as folder,
        virtual_time(clock),
        FakeGoogle(clock=clock, sleep=clock.sleep) as fake,
    ):
        program = new_program(fake, Path(folder), students, quotas=GOOGLE_QUOTAS)
        fake.faults.latency_seconds = LATENCY_SECONDS
        for bucket, limit in GOOGLE_QUOTAS.items():
            fake.faults.quota(int(limit), bucket=bucket)
        run = run_tutorsync(program, clock)
    return UnderQuota(
        students,
        run.seconds,
        http_requests(run.requests),
        refused(run.requests),
        _buckets(run.requests),
    )


def _buckets(requests: list[RecordedRequest]) -> list[Bucket]:
    times: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        bucket = quota_bucket(request.method_id)
        if bucket is not None:
            times[bucket].append(request.at)
    return [
        Bucket(name, limit, len(times[name]), max(times[name]) - min(times[name]))
        for name, limit in GOOGLE_QUOTAS.items()
        if times[name]
    ]


def table(results: list[UnderQuota]) -> str:
    rows = []
    for result in results:
        for bucket in result.buckets:
            rows.append(
                [
                    f"{result.students:,}",
                    bucket.name + (" (binding)" if bucket is result.binding else ""),
                    f"{bucket.per_minute:g}/min",
                    f"{bucket.calls:,}",
                    f"{bucket.floor_seconds:.0f} s",
                    f"{bucket.window_floor_seconds:.0f} s",
                    f"{bucket.busy_seconds:.0f} s",
                    "",
                ]
            )
        rows.append(
            [
                f"{result.students:,}",
                "sequential floor (window floors + latency)",
                "",
                f"{result.http_requests:,} HTTP",
                f"{result.sequential_floor_seconds:.0f} s",
                "",
                "",
                f"{result.seconds / result.sequential_floor_seconds:.2f}x",
            ]
        )
        rows.append(
            [
                f"{result.students:,}",
                f"**run** ({result.refused} 429s)",
                "",
                "",
                f"{result.floor_seconds:.0f} s",
                f"{result.binding.window_floor_seconds:.0f} s",
                f"{result.seconds:.0f} s",
                f"**{result.ratio:.2f}x**",
            ]
        )
    return markdown_table(
        [
            "students",
            "bucket",
            "quota",
            "calls",
            "floor",
            "window floor",
            "busy / run time",
            "run / floor",
        ],
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1000])
    args = parser.parse_args(argv)
    print(table([measure(students) for students in args.students]))


if __name__ == "__main__":
    main()
