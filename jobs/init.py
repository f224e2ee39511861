"""`tutorsync init`: a new program's spreadsheets, ready to type into, and the config that
reads them. find what exists → plan what is missing → apply → report.

Idempotent: the spreadsheets init made are found again (locally by file name, on Google by
their Drive tags, never by title) and left as they are; only what is missing is made. A
tutorsync.toml already in the folder is never overwritten.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jobs.errors import ConfigError
from jobs.model.init import FoundSpreadsheet
from jobs.settings import DOMAIN, EMAIL, GoogleBase, GoogleSettings, Program, parse
from jobs.workspace.init_port import ProgramInit
from jobs.workspace.local.files import create_new_file
from sheets_schema.cells import ColumnFormat, TabWrite
from sheets_schema.new_program import (
    ProgramLayouts,
    SpreadsheetKind,
    SpreadsheetLayout,
    program_layouts,
)

CONFIG = "tutorsync.toml"


# --- Actions: what init does, each with its reason ---------------------------------------------


@dataclass(frozen=True)
class CreateSpreadsheet:
    kind: SpreadsheetKind
    tabs: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class FillSpreadsheet:
    kind: SpreadsheetKind
    reference: str
    reason: str


@dataclass(frozen=True)
class WriteConfig:
    path: Path
    reason: str


InitAction = CreateSpreadsheet | FillSpreadsheet | WriteConfig


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


@dataclass
class InitReport:
    program: Program
    where: str
    dry_run: bool
    actions: list[InitAction]
    found: dict[SpreadsheetKind, FoundSpreadsheet]
    references: dict[SpreadsheetKind, str] = field(default_factory=dict)
    config_path: Path = Path(CONFIG)
    config_existed: bool = False
    requests: dict[str, int] = field(default_factory=dict)
    describe: Callable[[str], str] = field(default=str, repr=False)  # reference -> its name

    @property
    def created(self) -> list[SpreadsheetKind]:
        return [a.kind for a in self.actions if isinstance(a, CreateSpreadsheet)]

    def render_text(self) -> str:
        lines = [f"tutorsync init: {self.program.name} (key {self.program.key}) in {self.where}"]
        for kind in SpreadsheetKind:
            found = self.found.get(kind)
            action = next((a for a in self.actions if getattr(a, "kind", None) == kind), None)
            if isinstance(action, CreateSpreadsheet):
                made = self.references.get(kind)
                what = self.describe(made) if made else f"{kind.value} ({', '.join(action.tabs)})"
                lines.append(f"  {'create ' if self.dry_run else 'created'}  {what}")
            elif isinstance(action, FillSpreadsheet):
                lines.append(
                    f"  {'fill in' if self.dry_run else 'filled '}  "
                    f"{self.describe(action.reference)}: {action.reason}"
                )
            elif found is not None:
                lines.append(f"  exists   {self.describe(found.reference)}: left as it is")
            for duplicate in found.duplicates if found else ():
                lines.append(
                    f"  WARNING  {duplicate} is a second {kind.value} spreadsheet of this "
                    "program (two inits at once?); tutorsync uses the first, delete the other"
                )
        if any(isinstance(a, WriteConfig) for a in self.actions):
            lines.append(f"  {'write  ' if self.dry_run else 'wrote  '}  {self.config_path}")
        elif self.config_existed and self.created:
            lines.append(
                f"  exists   {self.config_path}: never overwritten, so check that it names the "
                "spreadsheets above (see the README's Start a new program)"
            )
        elif self.config_existed:
            lines.append(f"  exists   {self.config_path}: left as it is")
        if not self.actions:
            lines.append("Nothing to do: everything is there.")
        elif self.dry_run:
            lines.append(f"Dry run: nothing was written ({len(self.actions)} change(s) planned).")
        if self.requests:
            counts = ", ".join(f"{name} {count}" for name, count in sorted(self.requests.items()))
            lines.append(f"Requests: {counts}")
        if not self.dry_run:
            lines.append(
                f"Next: type your students into the roster, then run "
                f"`tutorsync run --config {self.config_path}`"
            )
        return "\n".join(lines)


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
    if any(unicodedata.category(character) == "Cc" for character in name.strip()):
        # A line break or control character would end up in titles and the config's comments.
        raise ConfigError("--name: the program name must be one line of text")
    try:
        program = Program(name=name.strip(), timezone=timezone)
    except ValidationError as error:
        problems = "; ".join(
            f"--{'name' if detail['loc'] in ((), ('name',), ('key',)) else detail['loc'][0]}: "
            + detail["msg"].removeprefix("Value error, ")
            for detail in error.errors()
        )
        raise ConfigError(problems) from None
    domain = domain.strip().lower().removeprefix("@")
    if not DOMAIN.match(domain):
        raise ConfigError(f"--domain: '{domain}' is not a domain; write it like school.org")
    teacher = (teacher or f"teacher@{domain}").strip().lower()
    if not EMAIL.match(teacher):
        raise ConfigError(f"--teacher: '{teacher}' is not an e-mail address")
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


# --- The job ----------------------------------------------------------------------------------


def run_init(
    new: NewProgram, setup: ProgramInit, *, today: date, dry_run: bool = False
) -> InitReport:
    """Make what is missing of the program's spreadsheets and config; report what was made and
    what was found. `today` dates the example sessions."""
    layouts = layouts_for(new, today)
    found = setup.find(new.program.key)
    config_existed = new.config_path.exists()
    actions = plan_init(layouts, found, config_exists=config_existed, config=new.config_path)
    report = InitReport(
        new.program,
        setup.where,
        dry_run,
        actions,
        found,
        config_path=new.config_path,
        config_existed=config_existed,
        describe=setup.describe,
    )
    if not dry_run:
        report.references = apply_init(new, layouts, found, actions, setup)
    report.requests = setup.request_counts()
    return report


def layouts_for(new: NewProgram, today: date) -> ProgramLayouts:
    return program_layouts(
        program_name=new.program.name,
        program_key=new.program.key,
        domain=new.domain,
        teacher=new.teacher,
        today=today,
    )


def plan_init(
    layouts: ProgramLayouts,
    found: Mapping[SpreadsheetKind, FoundSpreadsheet],
    *,
    config_exists: bool,
    config: Path,
) -> list[InitAction]:
    """What is missing: spreadsheets not found, spreadsheets found but never filled in, and the
    config unless one is there. Pure; plan(state after apply) == []."""
    actions: list[InitAction] = []
    for layout in layouts.all():
        existing = found.get(layout.kind)
        if existing is None:
            actions.append(
                CreateSpreadsheet(
                    layout.kind, layout.tab_titles, f"the program has no {layout.name}"
                )
            )
        elif not existing.filled:
            actions.append(
                FillSpreadsheet(
                    layout.kind,
                    existing.reference,
                    "an earlier init made it and stopped before filling it in",
                )
            )
    if not config_exists:
        actions.append(WriteConfig(config, "the folder has no tutorsync.toml"))
    return actions


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
            create_new_file(action.path, text.encode(), str(action.path))
    return references


def owned_tabs(layout: SpreadsheetLayout) -> list[TabWrite]:
    """The layout's owned tabs as empty writes (header only), kept as text."""
    return [
        TabWrite(
            key=tab.key,
            title=tab.title,
            header=tab.header,
            rows=(),
            column_formats=(ColumnFormat.TEXT,) * len(tab.header),
        )
        for tab in layout.owned
    ]


# --- The config -------------------------------------------------------------------------------


def config_text(
    new: NewProgram, layouts: ProgramLayouts, references: Mapping[SpreadsheetKind, str]
) -> str:
    """The program's tutorsync.toml, commented for a first-time coordinator. Pure."""
    program = new.program
    local = new.workspace.get("kind", "local") == "local"
    roster, log, grades = layouts.roster.data, layouts.tutor_log.data, layouts.gradebook.data
    assert roster and log and grades  # the source layouts all have a data tab
    where = "files in this folder" if local else "Google Sheets, named by their address"
    return "\n".join(
        [
            f"# tutorsync settings for {program.name}, written by `tutorsync init`.",
            f"# The spreadsheets are {where}. After a change, check with",
            f"#   tutorsync validate --config {CONFIG}",
            "# and run with",
            f"#   tutorsync run --config {CONFIG}",
            "# Every setting: config/example.toml in the tutorsync repository.",
            "",
            "[program]",
            f"name = {_toml(program.name)}",
            "# Tags every tab, event and folder tutorsync keeps: keep it when renaming.",
            f"key = {_toml(program.key)}",
            f"timezone = {_toml(program.timezone)}",
            "",
            *_toml_tables("workspace", new.workspace),
            "# The roster: one row per student and teacher.",
            "[sources.roster]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.ROSTER])}",
            f"tab = {_toml(roster.title)}",
            "",
            "# Tutor session logs. Add tabs (tabs = [...]) or more [[sources.tutor_logs]].",
            "[[sources.tutor_logs]]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.TUTOR_LOG])}",
            f"tabs = [{_toml(log.title)}]",
            "",
            "# One block per teacher's gradebook. For another teacher, copy the gradebook and",
            "# add a block naming the copy and the teacher's e-mail.",
            "[[sources.gradebooks]]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.GRADEBOOK])}",
            f"tab = {_toml(grades.title)}",
            f"teacher = {_toml(new.teacher)}",
            "",
            "# Where tutorsync writes: the coordinator's spreadsheet gets Progress summary, Data",
            "# issues and Run log; each teacher's gradebook gets a Tutoring progress tab.",
            "[outputs]",
            f"coordinator_spreadsheet = {_toml(references[SpreadsheetKind.COORDINATOR])}",
            "",
        ]
    )


def check_config(text: str, folder: Path) -> None:
    """The config init is about to write loads as any config does; if not, it is a bug, and
    nothing is written."""
    try:
        parse(tomllib.loads(text), config_dir=folder, origin=CONFIG)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise ConfigError(f"tutorsync init made a config that does not load: {error}") from None


def _toml(value: Any) -> str:
    """A TOML value: strings as basic strings (a JSON string is one), numbers, booleans,
    lists of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_tables(name: str, table: Mapping[str, Any]) -> list[str]:
    """`[name]` with its plain keys, then its sub-tables, each followed by a blank line."""
    lines = [f"[{name}]"]
    lines += [
        f"{key} = {_toml(value)}" for key, value in table.items() if not isinstance(value, dict)
    ]
    lines.append("")
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_tables(f"{name}.{key}", value)
    return lines
