"""What the person running `tutorsync init` chose: checked, settled into a NewProgram, and
compared with a config already in the folder."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobs.errors import ConfigError
from jobs.plan.init import CONFIG, check_options
from jobs.settings import GoogleBase, GoogleSettings, Program


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


def check_same_program(new: NewProgram) -> None:
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
