"""`tutorsync init`: a new program's spreadsheets, ready to type into, and the config that
reads them. find what exists → plan what is missing (jobs.plan.init) → apply → report.

Idempotent: the spreadsheets init made are found again (locally by file name, on Google by
their Drive tags, never by title) and left as they are; only what is missing is made. A
tutorsync.toml already in the folder is never overwritten.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jobs.errors import ConfigError
from jobs.model.init import FoundSpreadsheet
from jobs.plan.init import (
    CONFIG,
    CreateSpreadsheet,
    FillSpreadsheet,
    InitAction,
    InitReport,
    WriteConfig,
    check_options,
    layouts_for,
    owned_tabs,
    plan_init,
)
from jobs.plan.init_config import config_text
from jobs.settings import GoogleBase, GoogleSettings, Program, parse
from jobs.workspace.init_port import ProgramInit
from jobs.workspace.local.files import create_new_file
from sheets_schema.new_program import ProgramLayouts, SpreadsheetKind


@dataclass(frozen=True)
class NewProgram:
    """What the person running init chose."""

    folder: Path  # where tutorsync.toml goes (and, locally, the spreadsheets)
    program: Program
    domain: str  # the school's e-mail domain, for example addresses
    teacher: str  # the gradebook's teacher
    workspace: Mapping[str, Any]  # the config's [workspace] table

    @property
    def config_path(self) -> Path:
        return self.folder / CONFIG


# --- The job ----------------------------------------------------------------------------------


def run_init(
    new: NewProgram, setup: ProgramInit, *, today: date, dry_run: bool = False
) -> InitReport:
    """Make what is missing of the program's spreadsheets and config; report what was made and
    what was found. `today` dates the example sessions."""
    config_existed = new.config_path.exists()
    if config_existed:
        _check_same_program(new)
    layouts = layouts_for(new, today)
    found = setup.find(new.program.key)
    actions = plan_init(layouts, found, config_exists=config_existed, config=str(new.config_path))
    report = InitReport(
        new.program,
        setup.where,
        dry_run,
        actions,
        found,
        config_path=str(new.config_path),
        config_existed=config_existed,
        describe=setup.describe,
    )
    if not dry_run:
        report.references = apply_init(new, layouts, found, actions, setup)
    report.requests = setup.request_counts()
    return report


def apply_init(
    new: NewProgram,
    layouts: ProgramLayouts,
    found: Mapping[SpreadsheetKind, FoundSpreadsheet],
    actions: Sequence[InitAction],
    setup: ProgramInit,
) -> dict[SpreadsheetKind, str]:
    """Make each spreadsheet, then the config naming them; every spreadsheet's reference."""
    references = {kind: spreadsheet.reference for kind, spreadsheet in found.items()}
    by_kind = {layout.kind: layout for layout in layouts.all()}
    for action in actions:
        if isinstance(action, CreateSpreadsheet):
            layout = by_kind[action.kind]
            references[action.kind] = setup.create(new.program, layout, owned_tabs(layout))
        elif isinstance(action, FillSpreadsheet):
            layout = by_kind[action.kind]
            setup.fill(new.program, found[action.kind], layout, owned_tabs(layout))
    for action in actions:
        if isinstance(action, WriteConfig):
            text = config_text(new, layouts, references)
            check_config(text, new.folder)
            create_new_file(Path(action.path), text.encode(), action.path)
    return references


def _check_same_program(new: NewProgram) -> None:
    """init again in a folder whose config names the program otherwise (another --name or
    --timezone) stops, saying what differs: it never overwrites the config, and a new name
    is a new program key, whose spreadsheets it would look for in vain and make again."""
    try:
        existing = tomllib.loads(new.config_path.read_text(encoding="utf-8")).get("program", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # the run that loads it says what is wrong with it
    given = {"name": ("--name", new.program.name), "timezone": ("--timezone", new.program.timezone)}
    differs = [
        f"program.{field} is {existing.get(field, 'UTC')!r} there, not {value!r} ({option})"
        for field, (option, value) in given.items()
        if field in existing or field == "timezone"
        if existing.get(field, "UTC") != value
    ]
    if differs:
        raise ConfigError(
            f"{new.config_path} already holds a program, and {'; '.join(differs)}. init never "
            f"changes a config: to change the program, edit {new.config_path}; to start "
            "another program, give init another folder. Nothing was made"
        )


def check_config(text: str, folder: Path) -> None:
    """The config init is about to write loads as any config does; if not, it is a bug, and
    nothing is written."""
    try:
        parse(tomllib.loads(text), config_dir=folder, origin=CONFIG)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise ConfigError(f"tutorsync init made a config that does not load: {error}") from None


def new_program(
    folder: Path,
    *,
    name: str,
    timezone: str,
    domain: str,
    teacher: str | None,
    google: GoogleBase | None,
) -> NewProgram:
    """Check what the person chose (ConfigError naming the option otherwise) and settle the
    config's [workspace]: the folder itself, or base.toml's Google settings."""
    program, domain, teacher = check_options(name, timezone, domain, teacher)
    workspace: dict[str, Any] = {"kind": "local", "path": "."}
    if google is not None:
        workspace = {"kind": "google", "google": _portable(google.google, google.config_dir)}
    return NewProgram(folder, program, domain, teacher, workspace)


def _portable(google: GoogleSettings, base_dir: Path) -> dict[str, Any]:
    """[workspace.google] as base.toml set it, its file paths made absolute: they were relative
    to base.toml, and the new config lives elsewhere."""
    table: dict[str, Any] = {"auth": google.auth}
    table |= google.model_dump(mode="json", exclude_defaults=True)
    for key in ("key_file", "client_secrets_file", "token_file"):
        value = table.get(key)
        if value and not Path(value).expanduser().is_absolute():
            table[key] = str((base_dir / value).resolve())
    if not table.get("quotas"):
        table.pop("quotas", None)
    return table
