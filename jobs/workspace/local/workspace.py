"""The Workspace port on this computer: spreadsheets, a calendar and folders as files under one
workspace folder, named by their paths relative to it."""

from __future__ import annotations

import functools
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from jobs.workspace.local.files import link_path, relative_path
from jobs.workspace.local.sheets import LocalSpreadsheets

if TYPE_CHECKING:
    from jobs.workspace.local.calendar import LocalCalendar
    from jobs.workspace.local.drive import LocalDrive
    from jobs.workspace.local.probe import LocalProbe


class LocalWorkspace:
    """The workspace as a folder on this computer; spreadsheets are paths relative to it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._spreadsheets = LocalSpreadsheets(self.root)

    @property
    def spreadsheets(self) -> LocalSpreadsheets:
        return self._spreadsheets

    @functools.cached_property
    def calendar(self) -> LocalCalendar:
        """Check-ins in an .ics file in the workspace folder."""
        from jobs.workspace.local.calendar import LocalCalendar

        return LocalCalendar(self.root)

    @functools.cached_property
    def drive(self) -> LocalDrive:
        """Student folders as directories in the workspace folder."""
        from jobs.workspace.local.drive import LocalDrive

        return LocalDrive(self.root)

    @property
    def probe(self) -> LocalProbe:
        """Scratch things for `doctor --deep`, made by the same adapters as a run's."""
        from jobs.workspace.local.probe import LocalProbe

        return LocalProbe(self.root, self.drive, self.calendar)

    def describe(self, spreadsheet: str) -> str:
        """The reference as written in the config: it is already a short, readable path."""
        return spreadsheet

    def request_counts(self) -> dict[str, int]:
        """Files are not API requests: none to count."""
        return {}

    def link(self, spreadsheet: str, tab: str, cell: str, *, from_spreadsheet: str) -> str:
        """A link, relative to `from_spreadsheet`'s folder, that opens `spreadsheet` at the tab
        and cell; spreadsheet programs follow these between files in one folder tree. Written
        into a calendar, whose apps follow no relative link, it names the file and tab."""
        place = f"'{tab.replace(chr(39), chr(39) * 2)}'!{cell}" if cell else f"'{tab}'!A1"
        if spreadsheet == from_spreadsheet:
            return f"#{place}"
        here = PurePath(from_spreadsheet).parent
        relative = relative_path(PurePath(spreadsheet).as_posix(), here.as_posix() or ".")
        if PurePath(from_spreadsheet).suffix.lower() == ".ics":
            return f"{relative} › {tab}"
        return f"{link_path(relative)}#{place}"
