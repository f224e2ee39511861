"""The Workspace port and its adapters; `open_workspace` picks the one the config names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jobs.settings import GoogleBase, Settings
from jobs.workspace.init_port import ProgramInit
from jobs.workspace.port import Workspace


def open_workspace(settings: Settings, *, jobs: Sequence[str] = ("progress",)) -> Workspace:
    """Build the configured adapter with the access `jobs` need (Google: their scopes).
    Called after option parsing, so `--help` needs no credentials."""
    if settings.workspace.kind == "google":
        from jobs.workspace.google.workspace import GoogleWorkspace

        return GoogleWorkspace(settings, jobs=jobs)
    from jobs.workspace.local.workspace import LocalWorkspace

    return LocalWorkspace(settings.workspace_root)


def open_program_init(folder: Path, google: GoogleBase | None) -> ProgramInit:
    """Where `tutorsync init` makes a program's spreadsheets: .xlsx files in `folder`, or,
    with `google`, Google Sheets in its Drive folder."""
    if google is not None:
        from jobs.workspace.google.init import GoogleInit

        return GoogleInit(google)
    from jobs.workspace.local.init import LocalInit

    return LocalInit(folder)
