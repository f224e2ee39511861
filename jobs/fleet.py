"""Many programs from one folder of configs, split into shards that run side by side.

Every task reads the whole folder and runs the programs of its shard (jobs.shards: which
shard owns which program, and where the task's shard comes from). Programs run one after
another, each under its own lock, and one that fails is reported while the rest still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from jobs.errors import ConfigError, TutorsyncError
from jobs.infra import logs
from jobs.report import RunReport
from jobs.settings import Settings, parse, read_toml
from jobs.shards import EXIT_FAILED, ProgramConfig, ProgramRun, Shard

# The shard arithmetic moved to jobs.shards; jobs.cli still reaches it as fleet.<name>.
from jobs.shards import parse_shard as parse_shard
from jobs.shards import quota_share as quota_share
from jobs.shards import reports_status as reports_status
from jobs.shards import shard_from_engine as shard_from_engine
from jobs.shards import shard_of as shard_of
from jobs.shards import share_quotas as share_quotas
from jobs.shards import worst_status as worst_status

log = logging.getLogger(__name__)

SKIPPED_PREFIXES = ("_", ".")  # e.g. _base.toml: shared settings, not a program


# --- The folder of configs ------------------------------------------------------------------


def find_programs(config_dir: Path) -> list[ProgramConfig]:
    """Every program config in `config_dir`, by path: each `*.toml` directly in it, and each
    `<folder>/tutorsync.toml` one level down (the folder `tutorsync init` makes, its relative
    paths intact), but those whose file or folder name starts with '_' or '.' and those
    without a [program] table (shared settings such as `init --google-config`'s base.toml),
    which are skipped and said so at INFO."""
    if not config_dir.is_dir():
        raise ConfigError(f"--config-dir {config_dir} is not a folder")
    found = []
    candidates = [*config_dir.glob("*.toml"), *config_dir.glob("*/tutorsync.toml")]
    for path in sorted(candidates):
        named = path.relative_to(config_dir).parts[0]
        if named.startswith(SKIPPED_PREFIXES):
            log.info("skipped %s: its name starts with '%s'", path, named[0])
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
