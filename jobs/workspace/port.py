"""The Workspace port: what jobs need from wherever spreadsheets, calendars and folders
live. Adapters return plain grids and take plain tab contents; they know nothing
about tutoring.

Grids are lists of rows, starting at A1. Like the Sheets API, adapters drop trailing empty
cells and trailing empty rows, so rows are ragged; an empty cell is None.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol

from jobs.workspace.calendar_port import Calendar
from jobs.workspace.drive_port import Drive


@dataclass(frozen=True)
class Link:
    """A cell that shows `text` and opens `url`."""

    text: str
    url: str


@dataclass(frozen=True)
class Sparkline:
    """A small chart of `values` (grade percentages, oldest first) in one cell. Google Sheets
    draws it with SPARKLINE, the only formula tutorsync writes (built from numbers only);
    elsewhere it is written as `text`, block characters a spreadsheet shows as they are."""

    values: tuple[float, ...]

    @property
    def text(self) -> str:
        blocks = "▁▂▃▄▅▆▇█"
        return "".join(
            blocks[min(len(blocks) - 1, max(0, int(value / 100 * len(blocks))))]
            for value in self.values
            if math.isfinite(value)  # as Google Sheets draws it: a NaN has no height
        )


CellValue = str | int | float | bool | date | datetime | time | Link | Sparkline | None
Grid = list[list[CellValue]]


class ColumnFormat(StrEnum):
    """How an owned tab's column is displayed; the value written stays the plain number."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # one decimal place
    PERCENT = "percent"  # a fraction 0..1 shown as a whole percentage
    DATE = "date"  # yyyy-mm-dd
    DATETIME = "datetime"
    SPARKLINE = "sparkline"  # a sequence of percentages drawn as a Sparkline


class Tone(StrEnum):
    ATTENTION = "attention"  # amber: someone should look
    GOOD = "good"  # green: on track, a win


@dataclass(frozen=True)
class Highlight:
    """Conditional formatting of one column's data cells, kept by the spreadsheet itself so it
    still holds after educators sort or edit: `rule` "equals" (the text `value`), "not_blank",
    or "below" (a number under `value`)."""

    column: int  # 0-based
    rule: str
    tone: Tone
    value: str | float = ""


@dataclass(frozen=True)
class FilterView:
    """A saved view of a tab showing only the rows whose `column` contains `text` (one per
    teacher or tutor), which each person opens without disturbing anyone else's view. Google
    Sheets keeps them; an .xlsx file has no such thing, so the local adapter leaves them out."""

    title: str
    column: int  # 0-based
    text: str


@dataclass(frozen=True)
class TabWrite:
    """The whole desired content of one owned tab.

    `key` identifies the tab for ever (it is stored on the tab, so a tab renamed by an educator
    is still found); `title` is used when the tab is created. Row indexes in
    `attention_rows` and `section_rows` count data rows from 0 (the header is not a row here).
    Every str is written as text, never interpreted as a formula or a number. Titles must
    suit every adapter: 1-31 characters, none of []:*?/\\ (spreadsheet programs' limits);
    floats must be finite.
    """

    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    column_formats: tuple[ColumnFormat, ...] = ()
    attention_rows: frozenset[int] = field(default_factory=frozenset)
    section_rows: frozenset[int] = field(default_factory=frozenset)
    highlights: tuple[Highlight, ...] = ()
    filter_views: tuple[FilterView, ...] = ()

    def grid(self) -> Grid:
        """The tab as an adapter reads it back: header first, text normalised as stored,
        "" as None, trailing empty cells and rows dropped."""
        rows: list[list[CellValue]] = [list(self.header), *(list(row) for row in self.rows)]
        return trim_grid([[stored_cell(cell) for cell in row] for row in rows])


@dataclass(frozen=True)
class OwnedTab:
    """An owned tab as it stands now."""

    key: str
    title: str
    grid: Grid


@dataclass(frozen=True)
class SpreadsheetState:
    """What a job needs to know about a spreadsheet before writing owned tabs into it."""

    exists: bool
    owned: dict[str, OwnedTab]  # by key
    other_titles: frozenset[str]  # tabs tutorsync does not own: never written


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


_NOT_STORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def stored_text(text: str) -> str:
    """Text as a spreadsheet stores it: line breaks as \\n (files keep no \\r) and characters
    no spreadsheet file can hold replaced by U+FFFD. Adapters write this, and plans compare
    with it, so text from a CSV with Windows line ends is not rewritten on every run."""
    if text.isprintable():  # no line break, control or unstorable character: most cells
        return text
    return _NOT_STORABLE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def stored_cell(cell: CellValue) -> CellValue:
    """A cell as an adapter reads it back after writing it."""
    if isinstance(cell, str):
        return stored_text(cell) or None
    if isinstance(cell, Link):
        return Link(stored_text(cell.text), stored_text(cell.url))
    return cell


def trim_row(row: list[CellValue]) -> list[CellValue]:
    """Drop trailing empty cells (None or ""), as the Sheets API does."""
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return row[:end]


def trim_grid(grid: Grid) -> Grid:
    """Trim every row and drop trailing empty rows."""
    rows = [trim_row(list(row)) for row in grid]
    while rows and not rows[-1]:
        rows.pop()
    return rows
