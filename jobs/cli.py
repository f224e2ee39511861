"""The `tutorsync` command: parses options, calls a job, prints its report. No logic here."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from jobs import demo as demo_program
from jobs import progress
from jobs.checkins import run_checkins
from jobs.doctor import run_doctor
from jobs.errors import ConfigError, TutorsyncError
from jobs.folders import run_audit, run_folders
from jobs.init import new_program, run_init
from jobs.lock import program_lock
from jobs.report import DEBUG_NOTICE, SENSITIVE_NOTICE, RunReport
from jobs.run import jobs_of, run_all
from jobs.settings import Settings, load, load_google_base
from jobs.workspace import open_program_setup, open_workspace
from jobs.workspace.google import auth as google_auth
from jobs.workspace.google.scopes import scopes_for

EXIT_DATA_ISSUES = 3  # only with --strict


class TutorsyncGroup(click.Group):
    """Turns tutorsync's expected failures into a message and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TutorsyncError as error:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                logging.getLogger("tutorsync").exception("run failed")
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=TutorsyncGroup)
@click.version_option(package_name="tutorsync")
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


@dataclass(frozen=True)
class JobOptions:
    """The options every job command shares, parsed."""

    config_path: Path
    as_of: datetime | None
    as_json: bool
    strict: bool
    verbose: int
    quiet: bool

    def setup(self) -> tuple[Settings, date]:
        """Configure logging, load the config, and settle the day the figures are for."""
        level = (
            logging.ERROR
            if self.quiet
            else logging.DEBUG
            if self.verbose > 1
            else logging.INFO
            if self.verbose
            else logging.WARNING
        )
        logging.basicConfig(
            level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
        )
        settings = load(self.config_path)
        today = datetime.now(ZoneInfo(settings.program.timezone)).date()
        return settings, self.as_of.date() if self.as_of else today

    def finish(self, reports: list[RunReport], *, several: bool, sensitive: bool = False) -> None:
        """Print the report(s) and exit with the documented status. A scheduled run's stdout
        is a log, so reports name no student and quote no value unless `sensitive` (validate,
        read at a terminal) or -vv, and then their first line says so."""
        debug = self.verbose > 1 and not self.quiet
        detailed = sensitive or debug
        notice = DEBUG_NOTICE if debug else SENSITIVE_NOTICE if sensitive else None
        if self.as_json:
            document: dict[str, Any] = (
                {
                    "ok": all(r.ok for r in reports),
                    "jobs": [r.to_dict(sensitive=detailed) for r in reports],
                }
                if several
                else reports[0].to_dict(sensitive=detailed)
            )
            if notice:
                click.echo(notice, err=True)  # stdout stays one JSON document
                document = {"notice": notice, **document}
            click.echo(json.dumps(document, indent=2))
        else:
            if notice:
                click.echo(notice)
            for report in reports:
                click.echo(report.render_text(sensitive=detailed))
        ctx = click.get_current_context()
        if any(not r.ok for r in reports):
            ctx.exit(1)
        if self.strict and any(r.needs_attention for r in reports):
            ctx.exit(EXIT_DATA_ISSUES)


def job_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the shared options, handed to it as one JobOptions."""

    @functools.wraps(command)
    def with_options(
        *args: Any,
        config_path: Path,
        as_of: datetime | None,
        as_json: bool,
        strict: bool,
        verbose: int,
        quiet: bool,
        **kwargs: Any,
    ) -> Any:
        options = JobOptions(config_path, as_of, as_json, strict, verbose, quiet)
        return command(options, *args, **kwargs)

    decorators = [
        config_option,
        click.option(
            "--as-of",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="Compute figures as of this day (YYYY-MM-DD). Default: today in the program's "
            "time zone.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report."),
        click.option("--strict", is_flag=True, help="Exit with status 3 if there are data issues."),
        click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(decorators), with_options)


dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print every planned change; write nothing."
)

wait_option = click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=0,
    envvar="TUTORSYNC_WAIT",
    show_default=True,
    metavar="SECONDS",
    help="If another run of this program is in progress here, wait up to SECONDS for it to "
    "finish instead of exiting with status 4. Also read from $TUTORSYNC_WAIT.",
)


def run_lock(
    options: JobOptions, settings: Settings, wait_seconds: float, *, dry_run: bool
) -> AbstractContextManager[None]:
    """The program's lock for this command (none for a run that writes nothing)."""
    command = f"tutorsync {click.get_current_context().info_name}"
    return program_lock(
        settings,
        options.config_path,
        command=command,
        wait_seconds=wait_seconds,
        dry_run=dry_run,
    )


@cli.command()
@job_options
@dry_run_option
@wait_option
def run(options: JobOptions, dry_run: bool, wait_seconds: float) -> None:
    """Run every job of the program: folders and check-ins (when configured), then progress."""
    settings, day = options.setup()
    with run_lock(options, settings, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=jobs_of(settings))
        reports = run_all(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish(reports, several=True)


@cli.command(name="progress")
@job_options
@dry_run_option
@wait_option
def progress_command(options: JobOptions, dry_run: bool, wait_seconds: float) -> None:
    """Write the progress tabs: coordinator summary, one tab per teacher, data issues, run log."""
    settings, day = options.setup()
    # With [folders], the progress tabs link to the folders: reading them needs Drive access.
    jobs = ("progress", "folders") if settings.folders else ("progress",)
    with run_lock(options, settings, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=jobs)
        report = progress.run_progress(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report], several=False)


@cli.command()
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
    with run_lock(options, settings, wait_seconds, dry_run=dry_run):
        workspace = open_workspace(settings, jobs=jobs)
        report = run_checkins(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report], several=False)


@cli.command()
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
    with run_lock(options, settings, wait_seconds, dry_run=dry_run or audit):
        workspace = open_workspace(settings, jobs=("validate", "folders"))
        if audit:
            report = run_audit(settings, workspace, as_of=day)
        else:
            report = run_folders(settings, workspace, as_of=day, dry_run=dry_run)
    options.finish([report], several=False)


@cli.command()
@job_options
def validate(options: JobOptions) -> None:
    """Read and check every source; print data issues in full; write nothing."""
    settings, day = options.setup()
    # Run by a coordinator at a terminal to read the issues: the values and names, said so.
    options.finish(
        [progress.validate(settings, open_workspace(settings), as_of=day)],
        several=False,
        sensitive=True,
    )


@cli.command()
@config_option
def doctor(config_path: Path) -> None:
    """Check the config, credentials and every spreadsheet's access; change nothing."""
    settings = load(config_path)
    jobs = ("doctor", *(job for job in jobs_of(settings) if job != "progress"))
    checks = run_doctor(settings, lambda: open_workspace(settings, jobs=jobs))
    for check in checks:
        click.echo(f"{'ok ' if check.ok else 'FIX'} {check.what}: {check.detail}")
    failed = sum(not check.ok for check in checks)
    click.echo(f"{len(checks) - failed} passed, {failed} to fix" if failed else "all checks passed")
    if failed:
        click.get_current_context().exit(1)


@cli.group()
def auth() -> None:
    """Sign in to Google as a coordinator (workspace.google.auth = 'oauth')."""


@auth.command()
@config_option
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening it.")
def login(config_path: Path, no_browser: bool) -> None:
    """Sign in once in a browser; the token is kept (owner-only) at workspace.google.token_file."""
    settings = load(config_path)
    # The token must cover every job this program runs, and doctor's checks.
    scopes = scopes_for([*jobs_of(settings), "doctor"])
    token_file = google_auth.login(settings, scopes, open_browser=not no_browser)
    click.echo(f"Signed in. Token kept at {token_file} (readable by you only).")


@cli.command()
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
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Generate ten weeks of sessions ending on this day (default: today).",
)
def demo(folder: Path, students: int, today: datetime | None) -> None:
    """Create a fictional demo program (sources and tutorsync.toml) in FOLDER."""
    config = folder / "tutorsync.toml"
    if config.exists():
        click.echo(f"Demo program already in {folder}; left as it is. Run it with:")
    else:
        day = today.date() if today else date.today()
        config = demo_program.create_demo(folder, today=day, students=students)
        click.echo(f"Created a fictional program of {students} students in {folder}. Run it with:")
    click.echo(f"  tutorsync run --config {config}")
    click.echo(
        f"Then open {folder / 'coordinator.xlsx'} and the gradebooks in {folder / 'gradebooks'}."
    )


@cli.command()
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
    report = run_init(new, open_program_setup(folder, google), today=today, dry_run=dry_run)
    click.echo(report.render_text())


def main() -> None:
    cli(prog_name="tutorsync", auto_envvar_prefix=None)


if __name__ == "__main__":  # pragma: no cover
    main()
