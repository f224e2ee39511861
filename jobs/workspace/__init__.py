"""The Workspace port and its adapters; `open_workspace` picks the one the config names."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.settings import Settings
from jobs.workspace.port import Workspace


def open_workspace(settings: Settings, *, jobs: Sequence[str] = ("progress",)) -> Workspace:
    """Build the configured adapter with the access `jobs` need (Google: their scopes).
    Called after option parsing, so `--help` needs no credentials."""
    if settings.workspace.kind == "google":
        from jobs.workspace.google.workspace import GoogleWorkspace

        return GoogleWorkspace(settings, jobs=jobs)
    from jobs.workspace.local import LocalWorkspace

    return LocalWorkspace(settings.workspace_root)
