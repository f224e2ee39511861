"""The Workspace port: what jobs need from wherever spreadsheets, calendars and folders
live. Protocols only; the values they pass are in `sheets_schema.cells` and `jobs.model`.
Adapters return plain grids and take plain tab contents; they know nothing about tutoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jobs.workspace.calendar_port import Calendar
from jobs.workspace.drive_port import Drive
from jobs.workspace.probe_port import Probe
from sheets_schema.cells import Grid, SpreadsheetState, TabWrite


class Spreadsheets(Protocol):
    """Spreadsheets, named by the config's reference (a path locally, an ID or URL on Google)."""

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str]) -> dict[str, Grid]:
        """Values of the named source tabs, in one read of the spreadsheet.

        Raises WorkspaceError if the spreadsheet or a tab does not exist, or if a tab is owned
        by tutorsync (an owned tab is never a source).
        """
        ...

    def list_tabs(self, spreadsheet: str) -> list[str]:
        """Titles of the tabs tutorsync does not own, in order."""
        ...

    def read_state(self, spreadsheet: str) -> SpreadsheetState:
        """The owned tabs (with their values) and the other tab titles. A spreadsheet that does
        not exist yet reads as empty."""
        ...

    def check_writable(self, spreadsheet: str) -> None:
        """Raise WorkspaceError, saying what to change, unless tutorsync can write owned tabs
        into the spreadsheet. Changes nothing."""
        ...

    def write_owned_tabs(self, spreadsheet: str, writes: Sequence[TabWrite]) -> None:
        """Replace each owned tab's content (adding the tab if missing) in one atomic write.

        Tabs tutorsync does not own are never changed; a write whose title belongs to such a tab
        raises WorkspaceError. Creates the spreadsheet if it does not exist.
        """
        ...


class Workspace(Protocol):
    """Everything a job touches outside itself."""

    @property
    def spreadsheets(self) -> Spreadsheets: ...

    @property
    def calendar(self) -> Calendar: ...

    @property
    def drive(self) -> Drive: ...

    @property
    def probe(self) -> Probe:
        """Scratch things made and removed again, for `tutorsync doctor --deep`."""
        ...

    def describe(self, spreadsheet: str) -> str:
        """A short, human name for a spreadsheet reference, used in reports and data issues."""
        ...

    def request_counts(self) -> dict[str, int]:
        """API requests made so far, by method (empty for a workspace that makes none)."""
        ...

    def link(self, spreadsheet: str, tab: str, cell: str, *, from_spreadsheet: str) -> str:
        """A URL that opens `spreadsheet` at `tab`!`cell` (an A1 reference, or "" for the tab),
        for a link cell written into `from_spreadsheet`."""
        ...
