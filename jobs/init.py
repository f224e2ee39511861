"""`tutorsync init`: a new program's spreadsheets, ready to type into, and the config that
reads them. find what exists → plan what is missing (jobs.plan.init) → apply → report.

Idempotent: the spreadsheets init made are found again (locally by file name, on Google by
their Drive tags, never by title) and left as they are; only what is missing is made. A
tutorsync.toml already in the folder is never overwritten.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from jobs.errors import ConfigError
from jobs.init_choices import NewProgram, check_same_program
from jobs.model.init import FoundSpreadsheet
from jobs.plan.init import (
    CONFIG,
    CreateSpreadsheet,
    FillSpreadsheet,
    InitAction,
    InitReport,
    WriteConfig,
    layouts_for,
    owned_tabs,
    plan_init,
)
from jobs.plan.init_config import config_text
from jobs.settings import parse
from jobs.workspace.init_port import ProgramInit
from jobs.workspace.local.files import create_new_file
from sheets_schema.new_program import ProgramLayouts, SpreadsheetKind

# --- The job ----------------------------------------------------------------------------------


def run_init(
    new: NewProgram, setup: ProgramInit, *, today: date, dry_run: bool = False
) -> InitReport:
    """Make what is missing of the program's spreadsheets and config; report what was made and
    what was found. `today` dates the example sessions."""
    config_existed = new.config_path.exists()
    if config_existed:
        check_same_program(new)
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


def check_config(text: str, folder: Path) -> None:
    """The config init is about to write loads as any config does; if not, it is a bug, and
    nothing is written."""
    try:
        parse(tomllib.loads(text), config_dir=folder, origin=CONFIG)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise ConfigError(f"tutorsync init made a config that does not load: {error}") from None
