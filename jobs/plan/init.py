"""`tutorsync init`'s pure planner: from the program's layouts and the spreadsheets an earlier
init left, what is missing (spreadsheets to make, spreadsheets to fill in, the config to
write), and the report of it. No I/O: the shell (jobs.init) finds, applies and writes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from pydantic import ValidationError

from jobs.errors import ConfigError
from jobs.model.init import FoundSpreadsheet
from jobs.settings import DOMAIN, Program, is_email
from sheets_schema.cells import ColumnFormat, TabWrite
from sheets_schema.new_program import (
    ProgramLayouts,
    SpreadsheetKind,
    SpreadsheetLayout,
    program_layouts,
)

CONFIG = "tutorsync.toml"


class Choices(Protocol):
    """What the person running init chose (jobs.init_choices.NewProgram), as the plan reads it."""

    @property
    def program(self) -> Program: ...

    @property
    def domain(self) -> str: ...  # the school's e-mail domain, for example addresses

    @property
    def teacher(self) -> str: ...  # the gradebook's teacher

    @property
    def workspace(self) -> Mapping[str, Any]: ...  # the config's [workspace] table


def check_options(
    name: str, timezone: str, domain: str, teacher: str | None
) -> tuple[Program, str, str]:
    """The program, the school's domain and the gradebook's teacher that init's options give,
    normalized; a ConfigError naming the option otherwise."""
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
    if not is_email(teacher):
        raise ConfigError(f"--teacher: '{teacher}' is not an e-mail address")
    return program, domain, teacher


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
    path: str  # the config file, as the shell names it
    reason: str


InitAction = CreateSpreadsheet | FillSpreadsheet | WriteConfig


# --- The plan ---------------------------------------------------------------------------------


def layouts_for(new: Choices, today: date) -> ProgramLayouts:
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
    config: str,
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


# --- The report -------------------------------------------------------------------------------


@dataclass
class InitReport:
    program: Program
    where: str
    dry_run: bool
    actions: list[InitAction]
    found: dict[SpreadsheetKind, FoundSpreadsheet]
    references: dict[SpreadsheetKind, str] = field(default_factory=dict)
    config_path: str = CONFIG
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
