"""The Workspace port and its adapters; `open_workspace` picks the one the config names."""

from __future__ import annotations

from jobs.settings import Settings
from jobs.workspace.port import Workspace


def open_workspace(settings: Settings) -> Workspace:
    """Build the configured adapter. Called after option parsing, so `--help` needs nothing."""
    from jobs.workspace.local import LocalWorkspace

    return LocalWorkspace(settings.workspace_root)
