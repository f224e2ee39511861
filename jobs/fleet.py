"""Many programs from one folder of configs, split into shards that run side by side.

A district runs its programs as independent jobs on an engine it already has: each task (a
Kubernetes Indexed Job completion, a Cloud Run Jobs task) runs one shard, the programs whose
key hashes to its index. Every task reads the whole folder and works out the same split on its
own, so the shards need no coordinator; the hash is sha256 of the program key (never Python's
hash(), which differs between processes), so a program stays in its shard across runs and
machines. Programs run one after another, each under its own lock, and one that fails is
reported while the rest still run. Shards sharing a service account share its per-user Google
quota, so each paces itself to a share of it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from jobs.errors import ConfigError, TutorsyncError
from jobs.infra import logs
from jobs.report import RunReport
from jobs.settings import Settings, parse, read_toml

log = logging.getLogger(__name__)

EXIT_FAILED = 1
EXIT_DATA_ISSUES = 3  # only with --strict
SKIPPED_PREFIXES = ("_", ".")  # e.g. _base.toml: shared settings, not a program
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


# --- The folder of configs ------------------------------------------------------------------


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


def find_programs(config_dir: Path) -> list[ProgramConfig]:
    """Every program config directly in `config_dir`, by file name: each `*.toml` but those
    whose name starts with '_' or '.' and those without a [program] table (shared settings
    such as `init --google-config`'s base.toml), which are skipped and said so at INFO."""
    if not config_dir.is_dir():
        raise ConfigError(f"--config-dir {config_dir} is not a folder")
    found = []
    for path in sorted(config_dir.glob("*.toml")):
        if path.name.startswith(SKIPPED_PREFIXES):
            log.info("skipped %s: its name starts with '%s'", path, path.name[0])
        elif (program := _load(path)) is not None:
            found.append(program)
    if not found:
        raise ConfigError(
            f"{config_dir} holds no program config (a *.toml file with a [program] table)"
        )
    return _without_shared_keys(found)


def _load(path: Path) -> ProgramConfig | None:
    """The program config at `path`; None, said at INFO, for a TOML file that is not one."""
    try:
        raw = read_toml(path, f"{path} could not be read: it is no longer there")
    except ConfigError as error:
        return ProgramConfig(path, error=error)
    if "program" not in raw:
        log.info("skipped %s: it has no [program] table, so it is not a program config", path)
        return None
    try:
        return ProgramConfig(path, settings=parse(raw, config_dir=path.parent, origin=str(path)))
    except ConfigError as error:
        return ProgramConfig(path, error=error)


def _without_shared_keys(programs: list[ProgramConfig]) -> list[ProgramConfig]:
    """Two configs with one program key would tag each other's tabs, events and folders as
    their own: neither runs until one key changes."""
    paths_by_key: dict[str, list[Path]] = {}
    for program in programs:
        if program.program:
            paths_by_key.setdefault(program.program, []).append(program.path)
    checked = []
    for program in programs:
        paths = paths_by_key.get(program.program or "", [])
        if len(paths) > 1:
            others = ", ".join(str(p) for p in paths if p != program.path)
            program = ProgramConfig(
                program.path,
                settings=program.settings,  # still places it in the shard of its key
                error=ConfigError(
                    f"{program.path}: program.key '{program.program}' is also the key of "
                    f"{others}; give each program its own key (it tags everything tutorsync "
                    "keeps for the program)"
                ),
            )
        checked.append(program)
    return checked


# --- Running a shard ------------------------------------------------------------------------

RunProgram = Callable[[Settings, Path], list[RunReport]]


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


def run_shard(programs: Iterable[ProgramConfig], shard: Shard, run: RunProgram) -> list[ProgramRun]:
    """Run, one after another, the programs in `shard`. A program that fails (its config, a
    Google error, its lock held by another run) is reported, and the next one runs."""
    return [_run_one(p, shard, run) for p in programs if shard.owns(p.name)]


def _run_one(config: ProgramConfig, shard: Shard, run: RunProgram) -> ProgramRun:
    outcome = ProgramRun(config, shard)
    with logs.context(program=config.program):
        try:
            outcome.reports = run(config.runnable(), config.path)
        except TutorsyncError as error:
            log.error("program %s failed (status %d): %s", outcome.name, error.exit_code, error)
            outcome.error, outcome.error_status = str(error), error.exit_code
        except Exception as error:
            # A bug met in one program's data must not keep the district's others from running.
            log.exception("program %s failed unexpectedly", outcome.name)
            outcome.error = f"unexpected {type(error).__name__} (see the log)"
            outcome.error_status = EXIT_FAILED
        for report in outcome.reports:
            logs.job_finished(report)
    return outcome


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
