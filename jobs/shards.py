"""Shards: which task runs which program, each task's share of the Google quotas, what became
of each program of a shard and the exit status it calls for. Pure: nothing here reads a file,
and the environment comes in as a Mapping; jobs.fleet finds the configs and runs them.

A district runs its programs as independent jobs on an engine it already has: each task (a
Kubernetes Indexed Job completion, a Cloud Run Jobs task) runs one shard, the programs whose
key hashes to its index. Every task works out the same split on its own, so the shards need no
coordinator; the hash is sha256 of the program key (never Python's hash(), which differs
between processes), so a program stays in its shard across runs and machines. Shards sharing a
service account share its per-user Google quota, so each paces itself to a share of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from jobs.errors import ConfigError
from jobs.report import RunReport
from jobs.settings import Settings

EXIT_FAILED = 1
EXIT_DATA_ISSUES = 3  # only with --strict
SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`, numbered from 0 (a Kubernetes completion index)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, key: str) -> bool:
        return shard_of(key, self.count) == self.index


UNSHARDED = Shard(0, 1)


def shard_of(key: str, count: int) -> int:
    """The shard, of `count`, that runs the program with this key: the same in every process,
    on every machine and Python version."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % count


def parse_shard(text: str, *, source: str) -> Shard:
    """A shard written i/N (`source` names the option or variable it came from)."""
    match = SHARD.fullmatch(text)
    if not match:
        raise ConfigError(
            f"{source} = {text!r} is not a shard; write i/N, this task's number from 0 and the "
            "number of shards, e.g. 0/4"
        )
    return _checked(int(match[1]), int(match[2]), where=f"{source} = {text!r}")


def shard_from_engine(environ: Mapping[str, str]) -> Shard:
    """The shard the job engine gave this task, when --shard was not given: a Kubernetes
    Indexed Job's JOB_COMPLETION_INDEX (with TUTORSYNC_SHARD_COUNT, which the manifest sets to
    .spec.completions: Kubernetes does not pass the count), else Cloud Run Jobs'
    CLOUD_RUN_TASK_INDEX and CLOUD_RUN_TASK_COUNT, else 0/1: every program."""

    def variable(name: str) -> str:
        return environ.get(name, "").strip()

    if index := variable("JOB_COMPLETION_INDEX"):
        if not (count := variable("TUTORSYNC_SHARD_COUNT")):
            raise ConfigError(
                f"JOB_COMPLETION_INDEX is {index!r} (a Kubernetes Indexed Job) but "
                "TUTORSYNC_SHARD_COUNT is not set; set it to the Job's .spec.completions"
            )
        return _from_variables("JOB_COMPLETION_INDEX", index, "TUTORSYNC_SHARD_COUNT", count)
    index, count = variable("CLOUD_RUN_TASK_INDEX"), variable("CLOUD_RUN_TASK_COUNT")
    if index and count:
        return _from_variables("CLOUD_RUN_TASK_INDEX", index, "CLOUD_RUN_TASK_COUNT", count)
    if index or count:
        given, missing = (
            ("CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT")
            if index
            else ("CLOUD_RUN_TASK_COUNT", "CLOUD_RUN_TASK_INDEX")
        )
        raise ConfigError(f"{given} is set but {missing} is not; Cloud Run Jobs sets both")
    return UNSHARDED


def _from_variables(index_name: str, index: str, count_name: str, count: str) -> Shard:
    numbers = []
    for name, text in ((index_name, index), (count_name, count)):
        if not text.isdecimal():  # isdigit() passes "²", which int() refuses
            raise ConfigError(f"{name} = {text!r} is not a whole number")
        numbers.append(int(text))
    return _checked(*numbers, where=f"{index_name} = {index} with {count_name} = {count}")


def _checked(index: int, count: int, *, where: str) -> Shard:
    if count < 1:
        raise ConfigError(f"{where}: the number of shards must be at least 1")
    if index >= count:
        raise ConfigError(
            f"{where}: shard {index} does not exist; {count} shard(s) are numbered 0 to {count - 1}"
        )
    return Shard(index, count)


def quota_share(text: str, shard: Shard, *, source: str) -> float:
    """The share of each Google quota this task may use: `auto` splits it evenly between the
    shards (which run at once, with one service account), else a fraction 0 < share <= 1."""
    if text.strip().lower() == "auto":
        return 1 / shard.count
    try:
        share = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ConfigError(
            f"{source} = {text!r} is not a fraction; write e.g. 0.25, 1/4 or auto"
        ) from None
    if not 0 < share <= 1:
        raise ConfigError(f"{source} = {text!r} must be more than 0 and at most 1")
    return float(share)


def share_quotas(settings: Settings, share: float) -> Settings:
    """The settings with every per-minute Google quota scaled to `share` of it."""
    google = settings.workspace.google
    if google is None or share == 1:
        return settings
    quotas = google.quotas.model_copy(update={name: value * share for name, value in google.quotas})
    workspace = settings.workspace.model_copy(
        update={"google": google.model_copy(update={"quotas": quotas})}
    )
    return settings.model_copy(update={"workspace": workspace})


# --- The programs of a shard ----------------------------------------------------------------


@dataclass(frozen=True)
class ProgramConfig:
    """A program's config file in the folder: its settings, or why they cannot be loaded."""

    path: Path
    settings: Settings | None = None
    error: ConfigError | None = None

    @property
    def program(self) -> str | None:
        return self.settings.program.key if self.settings else None

    @property
    def name(self) -> str:
        """What places it in a shard and heads its report: the program key; the file's name
        for a config that cannot be loaded, so that exactly one shard reports it."""
        return self.program or self.path.name

    def runnable(self) -> Settings:
        """Its settings, or the ConfigError that keeps it from running."""
        if self.error:
            raise self.error
        assert self.settings is not None  # loaded without an error
        return self.settings


@dataclass
class ProgramRun:
    """What became of one program of the shard: its job reports, or the error that stopped
    it (and the exit status that error calls for)."""

    config: ProgramConfig
    shard: Shard
    reports: list[RunReport] = field(default_factory=list)
    error: str | None = None
    error_status: int = 0

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def ok(self) -> bool:
        return self.error is None and all(report.ok for report in self.reports)

    def status(self, *, strict: bool) -> int:
        return self.error_status if self.error else reports_status(self.reports, strict=strict)


# --- Exit status --------------------------------------------------------------------------


def reports_status(reports: Sequence[RunReport], *, strict: bool) -> int:
    """The exit status one program's reports call for: 1 if a job failed, 3 for data issues
    with --strict, else 0."""
    if any(not report.ok for report in reports):
        return EXIT_FAILED
    if strict and any(report.needs_attention for report in reports):
        return EXIT_DATA_ISSUES
    return 0


def worst_status(statuses: Iterable[int]) -> int:
    """The status of a shard: 0 when every program's is, else the most serious, which is the
    lowest: 1 a run failed, 2 a config error, 3 data issues (--strict), 4 another run held a
    program's lock (nothing wrong, that program was left to the other run)."""
    return min((status for status in statuses if status), default=0)
