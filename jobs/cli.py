"""The `tutorsync` command: parses options, calls a job, prints its report. No logic here."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from click.core import ParameterSource

from jobs import demo as demo_program
from jobs import fleet, progress
from jobs.audit import run_audit
from jobs.checkins import run_checkins
from jobs.cli_params import Day, Seconds
from jobs.doctor import Check, Deep, run_doctor
from jobs.errors import ConfigError, TutorsyncError
from jobs.fleet import ProgramRun, Shard
from jobs.folders import run_folders
from jobs.history import run_history
from jobs.infra import logs, progress_line
from jobs.infra.lock import program_lock
from jobs.init import run_init
from jobs.init_choices import new_program
from jobs.report import DEBUG_NOTICE, SENSITIVE_NOTICE, RunReport
from jobs.run import jobs_of, run_all
from jobs.settings import Settings, load, load_google_base
from jobs.validate import run_validate
from jobs.versions import versions_report
from jobs.workspace import open_program_init, open_workspace
from jobs.workspace.google import auth as google_auth
from jobs.workspace.google.scopes import scopes_for

log = logging.getLogger("tutorsync")
# The version of every --json document's shape (README, "--json"): raised when a field a
# reader may rely on changes meaning or goes; new fields do not raise it.
JSON_SCHEMA = 1


# `tutorsync --help` lists commands in the order a coordinator meets them, not alphabetically.
COMMAND_ORDER = (
    "demo",
    "init",
    "validate",
    "doctor",
    "run",
    "progress",
    "history",
    "checkins",
    "folders",
)
JOB_EXIT_STATUS = (
    "Exit status: 0 done; 1 a job failed (what it could not finish is named, and nothing "
    "good was written over); 2 bad usage or config; 3 data issues found, with --strict; "
    "4 another run of this program is in progress here, so this one wrote nothing."
)
OTHER_EXIT_STATUS = (
    "Exit status: 0 done; 1 it failed (the message says why); 2 bad usage or config."
)


class TutorsyncGroup(click.Group):
    """Turns tutorsync's expected failures into a message and an exit code, in one place."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(self.commands, key=lambda name: (known.get(name, len(known)), name))

    def invoke(self, ctx: click.Context) -> Any:
        # The command sets up logging and notes its run id, program and shard in this scope, so
        # the error record logged here still goes where the command's records go, with them.
        with logs.command_scope():
            try:
                return super().invoke(ctx)
            except TutorsyncError as error:
                if logging.getLogger().isEnabledFor(logging.DEBUG):
                    log.exception("run failed")
                if logs.logs_json():
                    log.error("%s", error)  # stderr stays one JSON object per line
                else:
                    click.echo(f"Error: {error}", err=True)
                ctx.exit(error.exit_code)


def print_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(versions_report())
        ctx.exit()


@click.group(cls=TutorsyncGroup, context_settings={"max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_versions,
    help="Show the versions of tutorsync, Python and the Google and spreadsheet libraries "
    "it runs with (for a bug report), and exit.",
)
def cli() -> None:
    """Join tutor session logs, teacher gradebooks and a roster into one picture of each
    student, written back to the spreadsheets educators already use."""


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TUTORSYNC_CONFIG",
    default="tutorsync.toml",
    show_default=True,
    help="Program config (TOML). Also read from $TUTORSYNC_CONFIG.",
)


def as_of_warning(as_of: date, today: date, settings: Settings) -> str:
    """What to say of an --as-of a coordinator may not have meant: one after today, outside
    the term the check-ins are planned for, or (a program with no term) a year or more ago."""
    if as_of > today:
        return f"--as-of {as_of} is after today ({today}): sessions up to it are counted"
    checkins = settings.checkins
    if checkins and not checkins.start_date <= as_of <= checkins.term_end:
        return (
            f"--as-of {as_of} is outside the term ({checkins.start_date} to "
            f"{checkins.term_end}, checkins.start_date and term_end): figures are as of that day"
        )
    if not checkins and (today - as_of).days >= 365:
        return (
            f"--as-of {as_of} is {(today - as_of).days} days before today ({today}), "
            "before this school year: figures are as of that day"
        )
    return ""


def error_document(run_id: str, error: TutorsyncError) -> dict[str, Any]:
    """--json's document for a command that stopped before any job ran (a config error, a
    refused sign-in, another run in progress): the message and the exit status."""
    return {
        "schema": JSON_SCHEMA,
        "ok": False,
        "run_id": run_id,
        "error": str(error),
        "exit_status": error.exit_code,
    }


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@dataclass(frozen=True)
class JobOptions:
    """The options every job command shares, parsed."""

    config_path: Path
    as_of: date | None
    as_json: bool
    strict: bool
    verbose: int
    quiet: bool
    log_format: logs.LogFormat
    run_id: str

    @property
    def draws_progress(self) -> bool:
        """A progress line only for a person at a terminal: never in a log or beside JSON."""
        quiet = self.quiet or self.as_json or self.log_format != "text"
        return not quiet and stderr_is_terminal()

    @property
    def log_level(self) -> int:
        """-q errors only, -v info, -vv debug; JSON logs default to info, since a log pipeline
        filters by level itself and each job's "job finished" record is logged at info."""
        if self.quiet:
            return logging.ERROR
        if self.verbose > 1:
            return logging.DEBUG
        if self.verbose or self.log_format == "json":
            return logging.INFO
        return logging.WARNING

    def setup(self) -> tuple[Settings, date]:
        """Load the config and settle the day the figures are for."""
        settings = self.load()
        return settings, self.day_for(settings)

    def load(self) -> Settings:
        settings = load(self.config_path)
        logs.note(program=settings.program.key)
        return settings

    def day_for(self, settings: Settings) -> date:
        """--as-of, else today in the program's time zone. An --as-of outside the term (or
        after today) is allowed, for figures of another day, and said."""
        today = datetime.now(ZoneInfo(settings.program.timezone)).date()
        if self.as_of is None:
            return today
        if warning := as_of_warning(self.as_of, today, settings):
            log.warning("%s", warning)
        return self.as_of

    @property
    def detailed(self) -> bool:
        """Whether reports may name students: only with -vv, whose output says so first."""
        return self.verbose > 1 and not self.quiet

    def finish(
        self,
        reports: list[RunReport],
        *,
        sensitive: bool = False,
        shard: Shard | None = None,
    ) -> None:
        """Print the report(s) and exit with the documented status. A scheduled run's stdout
        is a log, so reports name no student and quote no value unless `sensitive` (validate,
        read at a terminal) or -vv, and then their first line says so."""
        for report in reports:
            logs.job_finished(report)
        detailed = sensitive or self.detailed
        if self.as_json:
            document: dict[str, Any] = {
                "schema": JSON_SCHEMA,
                "ok": all(r.ok for r in reports),
                "run_id": self.run_id,
                **({"shard": str(shard)} if shard else {}),
                "jobs": [r.to_dict(sensitive=detailed) for r in reports],
            }
            self.print_json(document, sensitive=sensitive)
        else:
            self.print_notice(sensitive=sensitive)
            for report in reports:
                click.echo(report.render_text(sensitive=detailed, itemized=self.verbose > 0))
        self.exit(fleet.reports_status(reports, strict=self.strict))

    def finish_shard(self, runs: list[ProgramRun], shard: Shard, *, elsewhere: int) -> None:
        """Print each program's reports, under its key, and exit with the most serious status
        of any (fleet.worst_status)."""
        if self.as_json:
            programs = [
                {
                    "config": str(run.config.path),
                    "program": run.config.program,
                    "shard": str(run.shard),
                    "ok": run.ok,
                    "status": run.status(strict=self.strict),
                    "error": run.error,
                    "jobs": [r.to_dict(sensitive=self.detailed) for r in run.reports],
                }
                for run in runs
            ]
            document = {
                "schema": JSON_SCHEMA,
                "ok": all(run.ok for run in runs),
                "run_id": self.run_id,
                "shard": str(shard),
                "programs": programs,
            }
            self.print_json(document, sensitive=False)
        else:
            self.print_notice(sensitive=False)
            for run in runs:
                click.echo(f"== {run.name} ({run.config.path}) ==")
                if run.error:
                    failed = f"FAILED (status {run.error_status}): {run.error}"
                    click.echo("  " + failed.replace("\n", "\n  "))
                for report in run.reports:
                    click.echo(
                        report.render_text(sensitive=self.detailed, itemized=self.verbose > 0)
                    )
                click.echo()
            click.echo(shard_summary(runs, shard, elsewhere=elsewhere, strict=self.strict))
        self.exit(fleet.worst_status(run.status(strict=self.strict) for run in runs))

    def print_json(self, document: dict[str, Any], *, sensitive: bool) -> None:
        """One JSON document on stdout; a notice that it names students goes first, and to
        stderr too."""
        if notice := self.notice(sensitive=sensitive):
            click.echo(notice, err=True)  # stdout stays one JSON document
            document = {"notice": notice, **document}
        click.echo(json.dumps(document, indent=2))

    def print_notice(self, *, sensitive: bool) -> None:
        if notice := self.notice(sensitive=sensitive):
            click.echo(notice)

    def notice(self, *, sensitive: bool) -> str | None:
        return DEBUG_NOTICE if self.detailed else SENSITIVE_NOTICE if sensitive else None

    def finish_not_in_shard(self, program: str, shard: Shard) -> None:
        """Say that this program belongs to another shard, so one command line serves every
        task of an engine; nothing ran, nothing failed."""
        owner = Shard(fleet.shard_of(program, shard.count), shard.count)
        message = f"program {program} is in shard {owner}, not {shard}: nothing to do here"
        log.info(message)
        if self.as_json:
            document = {"ok": True, "run_id": self.run_id, "shard": str(shard), "jobs": []}
            click.echo(json.dumps({**document, "skipped": message}, indent=2))
        else:
            click.echo(message)

    @staticmethod
    def exit(status: int) -> None:
        if status:
            click.get_current_context().exit(status)


def shard_summary(runs: list[ProgramRun], shard: Shard, *, elsewhere: int, strict: bool) -> str:
    """'shard 0/2: 3 program(s), 2 ok, 1 with status 4; 2 in other shards'."""
    statuses = [run.status(strict=strict) for run in runs]
    parts = [f"{statuses.count(0)} ok"] + [
        f"{statuses.count(status)} with status {status}" for status in sorted(set(statuses) - {0})
    ]
    others = f"; {elsewhere} in other shards" if elsewhere else ""
    return f"shard {shard}: {len(runs)} program(s), {', '.join(parts)}{others}"


def job_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the shared options, handed to it as one JobOptions."""

    @functools.wraps(command)
    def with_options(
        *args: Any,
        config_path: Path,
        as_of: date | None,
        as_json: bool,
        strict: bool,
        verbose: int,
        quiet: bool,
        log_format: logs.LogFormat,
        run_id: str | None,
        **kwargs: Any,
    ) -> Any:
        if verbose and quiet:
            raise click.UsageError("-v and -q ask for opposite things: give one or the other")
        options = JobOptions(
            config_path,
            as_of,
            as_json,
            strict,
            verbose,
            quiet,
            log_format,
            logs.run_id_from(run_id, os.environ),
        )
        logs.configure(log_format, options.log_level)
        logs.note(run_id=options.run_id, job=click.get_current_context().info_name)
        try:
            with progress_line.shown_on(sys.stderr) if options.draws_progress else nullcontext():
                return command(options, *args, **kwargs)
        except TutorsyncError as error:
            if as_json:  # a program reading stdout gets a document, not nothing
                options.print_json(error_document(options.run_id, error), sensitive=False)
            raise

    decorators = [
        config_option,
        click.option(
            "--as-of",
            type=Day(),
            help="Compute figures as of this day (YYYY-MM-DD). Default: today in the program's "
            "time zone.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report."),
        click.option("--strict", is_flag=True, help="Exit with status 3 if there are data issues."),
        click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr."),
        click.option(
            "--log-format",
            type=click.Choice(logs.LOG_FORMATS),
            default="text",
            envvar="TUTORSYNC_LOG_FORMAT",
            show_default=True,
            help="Log records on stderr as text, or as one JSON object per line with the run "
            "id, program, shard and job (default level info). Also read from "
            "$TUTORSYNC_LOG_FORMAT.",
        ),
        click.option(
            "--run-id",
            envvar="TUTORSYNC_RUN_ID",
            help="This run's id in JSON logs and reports. Default: $TUTORSYNC_RUN_ID, else "
            "$CLOUD_RUN_EXECUTION or $GITHUB_RUN_ID (the same for every retry), else a new one.",
        ),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(decorators), with_options)


dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print every planned change; write nothing."
)

wait_option = click.option(
    "--wait",
    "wait_seconds",
    type=Seconds(),
    default=0,
    envvar="TUTORSYNC_WAIT",
    show_default=True,
    help="If another run of this program is in progress here, wait up to SECONDS for it to "
    "finish instead of exiting with status 4. Also read from $TUTORSYNC_WAIT.",
)


def run_lock(
    settings: Settings, config_path: Path, wait_seconds: float, *, dry_run: bool
) -> AbstractContextManager[None]:
    """The program's lock for this command (none for a run that writes nothing)."""
    command = f"tutorsync {click.get_current_context().info_name}"
    return program_lock(
        settings,
        config_path,
        command=command,
        wait_seconds=wait_seconds,
        dry_run=dry_run,
    )


def given_as(name: str, option: str, envvar: str) -> str:
    """How an error names where a bad value came from: the option, or its variable."""
    source = click.get_current_context().get_parameter_source(name)
    return f"${envvar}" if source is ParameterSource.ENVIRONMENT else option


@cli.command(
    short_help="Run every job of the program: folders, check-ins, progress tabs.",
    epilog="\b\nExample:\n  tutorsync run --config lincoln/tutorsync.toml\n\n" + JOB_EXIT_STATUS,
)
@job_options
@dry_run_option
@wait_option
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TUTORSYNC_CONFIG_DIR",
    help="Run every program config (*.toml with a [program] table, the name not starting "
    "with '_') in this folder, one after another; instead of --config. Also read from "
    "$TUTORSYNC_CONFIG_DIR.",
)
@click.option(
    "--shard",
    "shard_text",
    envvar="TUTORSYNC_SHARD",
    metavar="I/N",
    help="Run only the programs of shard I of N (from 0), split by program key. Default: "
    "$TUTORSYNC_SHARD, else the job engine's task index (Kubernetes Indexed Job, Cloud Run "
    "Jobs), else 0/1.",
)
@click.option(
    "--quota-share",
    "quota_share_text",
    envvar="TUTORSYNC_QUOTA_SHARE",
    default="auto",
    show_default=True,
    metavar="FRACTION|auto",
    help="The share of each Google per-minute quota this run may use; auto: 1/N with N "
    "shards. Also read from $TUTORSYNC_QUOTA_SHARE.",
)
def run(
    options: JobOptions,
    dry_run: bool,
    wait_seconds: float,
    config_dir: Path | None,
    shard_text: str | None,
    quota_share_text: str,
) -> None:
    """Run every job of the program: folders and check-ins (when configured), then progress.
    With --config-dir, every program of a folder, or of one shard of it."""
    ctx = click.get_current_context()
    if config_dir and ctx.get_parameter_source("config_path") is not ParameterSource.DEFAULT:
        raise ConfigError(
            f"pass --config or --config-dir, not both (--config is "
            f"{given_as('config_path', options.config_path.as_posix(), 'TUTORSYNC_CONFIG')})"
        )
    shard = (
        fleet.parse_shard(shard_text, source=given_as("shard_text", "--shard", "TUTORSYNC_SHARD"))
        if shard_text
        else fleet.shard_from_engine(os.environ)
    )
    share = fleet.quota_share(
        quota_share_text,
        shard,
        source=given_as("quota_share_text", "--quota-share", "TUTORSYNC_QUOTA_SHARE"),
    )
    logs.note(shard=str(shard))
    log.info("shard %s, %g of each Google quota", shard, share)

    def run_program(settings: Settings, config_path: Path) -> list[RunReport]:
        """Every job of one program, under its lock, paced to this run's share of Google's
        quotas."""
        settings = fleet.share_quotas(settings, share)
        with run_lock(settings, config_path, wait_seconds, dry_run=dry_run):
            workspace = open_workspace(settings, jobs=jobs_of(settings))
            return run_all(settings, workspace, as_of=options.day_for(settings), dry_run=dry_run)

    if config_dir:
        programs = fleet.find_programs(config_dir)
        runs = fleet.run_shard(programs, shard, run_program)
        options.finish_shard(runs, shard, elsewhere=len(programs) - len(runs))
        return
    settings = options.load()
    if not shard.owns(settings.program.key):
        options.finish_not_in_shard(settings.program.key, shard)
        return
    options.finish(run_program(settings, options.config_path), shard=shard)


@cli.command(
    name="progress",
    short_help="Write the progress tabs only.",
    epilog="\b\nExample:\n  tutorsync progress --config lincoln/tutorsync.toml --dry-run\n\n"
    + JOB_EXIT_STATUS,
)
@job_options
@dry_run_option
@wait_option
def progress_command(options: JobOptions, dry_run: bool, wait_seconds: float) -> None:
    """Write the progress tabs: coordinator summary, one tab per teacher, data issues, run log."""
    settings, day = options.setup()
    # With [folders], the progress tabs link to the folders: reading them needs Drive access.
    jobs = ("progress", "folders") if settings.folders else ("progress",)
    with run_lock(settings, options.config_path, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=jobs)
        report = progress.run_progress(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report])


@cli.command(
    short_help="Keep the Weekly history tab only; --rebuild counts past weeks again.",
    epilog="\b\nExample:\n  tutorsync history --config lincoln/tutorsync.toml --rebuild "
    "--since 2026-09-01\n\n" + JOB_EXIT_STATUS,
)
@job_options
@dry_run_option
@click.option(
    "--rebuild",
    is_flag=True,
    help="Count every week from the one holding --since again from the sources, in place of "
    "the rows there (rows of students who left stay).",
)
@click.option("--since", type=Day(), help="With --rebuild: the first day counted (YYYY-MM-DD).")
@wait_option
def history(
    options: JobOptions, dry_run: bool, rebuild: bool, since: date | None, wait_seconds: float
) -> None:
    """Keep the Weekly history tab in the coordinator's spreadsheet: a row per student per
    week (run does this too); with --rebuild --since, a season of history on day one."""
    if rebuild != (since is not None):
        raise click.UsageError("--rebuild and --since go together: --rebuild --since YYYY-MM-DD")
    settings, day = options.setup()
    if since is not None and since > day:
        raise click.BadParameter(
            f"{since} is after the day of the figures ({day})", param_hint="--since"
        )
    with run_lock(settings, options.config_path, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=("progress",))
        report = run_history(settings, workspace, as_of=day, since=since, dry_run=dry_run)
    options.finish([report])


@cli.command(
    short_help="Keep the tutor-teacher check-ins only.",
    epilog="\b\nExample:\n  tutorsync checkins --config lincoln/tutorsync.toml --dry-run\n\n"
    + JOB_EXIT_STATUS,
)
@job_options
@dry_run_option
@wait_option
def checkins(options: JobOptions, dry_run: bool, wait_seconds: float) -> None:
    """Keep tutor-teacher check-ins in the program calendar (needs [checkins] in the config)."""
    settings, day = options.setup()
    if settings.checkins is None:
        raise ConfigError(
            f"{options.config_path} has no [checkins] section; see the README's Check-ins"
        )
    jobs = ("validate", "checkins", "folders") if settings.folders else ("validate", "checkins")
    with run_lock(settings, options.config_path, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=jobs)
        report = run_checkins(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report])


@cli.command(
    short_help="Keep a shared folder per student only (--audit: who has access).",
    epilog="\b\nExample:\n  tutorsync folders --config lincoln/tutorsync.toml --audit\n\n"
    + JOB_EXIT_STATUS,
)
@job_options
@dry_run_option
@click.option(
    "--audit",
    is_flag=True,
    help="List who can open each folder and what differs from the roster; change nothing.",
)
@wait_option
def folders(options: JobOptions, dry_run: bool, audit: bool, wait_seconds: float) -> None:
    """Keep a shared Drive folder per student (needs [folders] in the config)."""
    settings, day = options.setup()
    if settings.folders is None:
        raise ConfigError(
            f"{options.config_path} has no [folders] section; see the README's Student folders"
        )
    # The audit changes nothing, so it runs alongside anything.
    with run_lock(settings, options.config_path, wait_seconds, dry_run=dry_run or audit):
        workspace = open_workspace(settings, jobs=("validate", "folders"))
        if audit:
            report = run_audit(settings, workspace, as_of=day)
        else:
            report = run_folders(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report])


@cli.command(
    short_help="Check every source, print each data issue in full; write nothing.",
    epilog="\b\nExample:\n  tutorsync validate --config lincoln/tutorsync.toml\n\n"
    + JOB_EXIT_STATUS,
)
@job_options
def validate(options: JobOptions) -> None:
    """Read and check every source; print data issues in full; write nothing."""
    settings, day = options.setup()
    # It looks at the folders and the calendar too: it needs their jobs' scopes.
    jobs = ("validate", *(job for job in jobs_of(settings) if job != "progress"))
    # Run by a coordinator at a terminal to read the issues: the values and names, said so.
    options.finish(
        [run_validate(settings, open_workspace(settings, jobs=jobs), as_of=day)],
        sensitive=True,
    )


@cli.command(
    short_help="Check the config, sign-in and access; --deep tries each change.",
    epilog="\b\nExample:\n  tutorsync doctor --config lincoln/tutorsync.toml --deep\n\n"
    + OTHER_EXIT_STATUS,
)
@config_option
@click.option(
    "--deep",
    is_flag=True,
    help="Also try each change the configured jobs make, on a scratch folder, event and tag "
    "made for the purpose and removed again; one line per operation.",
)
@click.option(
    "--deep-share-with",
    "share_with",
    metavar="ADDRESS",
    default="",
    help="With --deep: share the scratch folder with ADDRESS (in folders.allowed_domains; "
    "Drive e-mails nobody). Without it sharing is not tried.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as one JSON document.")
def doctor(config_path: Path, deep: bool, share_with: str, as_json: bool) -> None:
    """Check the config, credentials and every spreadsheet's access; change nothing. With
    --deep, also try each change on scratch things, and remove them."""
    if share_with and not deep:
        raise click.UsageError("--deep-share-with goes with --deep")
    settings = load(config_path)
    jobs = ("doctor", *(job for job in jobs_of(settings) if job != "progress"))
    checks = run_doctor(
        settings,
        lambda: open_workspace(settings, jobs=jobs),
        deep=Deep(share_with) if deep else None,
    )
    failed = sum(not check.ok for check in checks)
    if as_json:
        document = {
            "schema": JSON_SCHEMA,
            "ok": not failed,
            "checks": [{"check": c.what, "result": _result(c), "detail": c.detail} for c in checks],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        for check in checks:
            mark = {"skipped": "skip", "ok": "ok ", "fix": "FIX"}[_result(check)]
            click.echo(
                f"{mark} {check.what}: {check.detail}" if check.detail else f"{mark} {check.what}"
            )
        skipped = sum(check.skipped for check in checks)
        passed = len(checks) - failed - skipped
        summary = f"{passed} passed, {failed} to fix" if failed else "all checks passed"
        click.echo(summary + (f", {skipped} not tried" if skipped else ""))
    if failed:
        click.get_current_context().exit(1)


def _result(check: Check) -> str:
    return "skipped" if check.skipped else "ok" if check.ok else "fix"


@cli.group(short_help="Sign in to Google as a coordinator (auth = 'oauth').")
def auth() -> None:
    """Sign in to Google as a coordinator (workspace.google.auth = 'oauth')."""


@auth.command(
    epilog="\b\nExample:\n  tutorsync auth login --config lincoln/tutorsync.toml --no-browser\n\n"
    + OTHER_EXIT_STATUS
)
@config_option
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening it.")
def login(config_path: Path, no_browser: bool) -> None:
    """Sign in once in a browser; the token is kept (owner-only) at workspace.google.token_file."""
    settings = load(config_path)
    # The token must cover every job this program runs, and doctor's checks.
    scopes = scopes_for([*jobs_of(settings), "doctor"])
    token_file = google_auth.login(settings, scopes, open_browser=not no_browser)
    click.echo(f"Signed in. Token kept at {token_file} (readable by you only).")


@cli.command(
    short_help="Make a fictional demo program to try tutorsync on.",
    epilog="\b\nExample:\n  tutorsync demo demo-workspace --students 60\n\n" + OTHER_EXIT_STATUS,
)
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path), default="demo-workspace"
)
@click.option(
    "--students",
    type=click.IntRange(demo_program.MIN_STUDENTS, demo_program.MAX_STUDENTS),
    default=60,
    show_default=True,
    help="How many fictional students to generate.",
)
@click.option(
    "--weeks",
    type=click.IntRange(demo_program.MIN_WEEKS, demo_program.MAX_WEEKS),
    default=demo_program.WEEKS,
    show_default=True,
    help="Weeks of sessions and grades up to today; the Weekly history is built for them.",
)
@click.option(
    "--today",
    type=Day(),
    help="Generate the weeks of sessions ending on this day (default: today in the demo "
    "program's time zone).",
)
def demo(folder: Path, students: int, weeks: int, today: date | None) -> None:
    """Create a fictional demo program (sources and tutorsync.toml) in FOLDER, as if it had
    run for --weeks: its Weekly history and Program overview hold them."""
    config = folder / "tutorsync.toml"
    if config.exists():
        click.echo(f"Demo program already in {folder}; left as it is. Run it with:")
    else:
        # The program's today, as its runs see it: the machine's UTC date near midnight
        # would date the demo's sessions after the day of the figures.
        day = today or datetime.now(ZoneInfo(demo_program.TIMEZONE)).date()
        config, history = demo_program.create_season(
            folder, today=day, students=students, weeks=weeks
        )
        click.echo(
            f"Created a fictional program of {students} students and {weeks} weeks in "
            f"{folder}{'' if history.ok else ' (its history could not be written)'}. Run it with:"
        )
    click.echo(f"  tutorsync run --config {config}")
    click.echo(
        f"Then open {folder / 'coordinator.xlsx'} and the gradebooks in {folder / 'gradebooks'}."
    )


@cli.command(
    short_help="Start a program: its spreadsheets and its tutorsync.toml.",
    epilog="\b\nExample:\n  tutorsync init lincoln --name 'Lincoln Middle Tutoring' "
    "--timezone America/Chicago\n\n" + OTHER_EXIT_STATUS,
)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="The program's name, e.g. 'Lincoln Middle Tutoring'.")
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="The program's IANA time zone, e.g. America/Chicago.",
)
@click.option(
    "--domain",
    default="school.example",
    show_default=True,
    help="The school's e-mail domain, for the example rows' addresses.",
)
@click.option("--teacher", help="The gradebook's teacher's e-mail (default: teacher@DOMAIN).")
@click.option(
    "--google-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Make Google Sheets instead of .xlsx files: a TOML file with [workspace] (Google "
    "settings) and [init] drive_folder (a shared drive folder).",
)
@dry_run_option
def init(
    folder: Path,
    name: str,
    timezone: str,
    domain: str,
    teacher: str | None,
    google_config: Path | None,
    dry_run: bool,
) -> None:
    """Start a program: roster, tutor log, gradebook and coordinator spreadsheets ready to type
    into, and FOLDER/tutorsync.toml. Run again, it makes only what is missing."""
    google = load_google_base(google_config) if google_config else None
    new = new_program(
        folder, name=name, timezone=timezone, domain=domain, teacher=teacher, google=google
    )
    today = datetime.now(ZoneInfo(new.program.timezone)).date()
    report = run_init(new, open_program_init(folder, google), today=today, dry_run=dry_run)
    click.echo(report.render_text())


def main() -> None:
    cli(prog_name="tutorsync", auto_envvar_prefix=None)


if __name__ == "__main__":  # pragma: no cover
    main()
