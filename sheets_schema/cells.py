"""Cells and tabs as tutorsync reads and writes them: the values every layer shares.

The parsers, the planners and both Workspace adapters import these; they import nothing of
tutorsync's own. Grids are lists of rows, starting at A1. Like the Sheets API, adapters drop
trailing empty cells and trailing empty rows, so rows are ragged; an empty cell is None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


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
class CellComment:
    """A comment (Excel, LibreOffice) or note (Sheets) someone put on a cell of an owned tab.
    `row` and `column` count from 0 in the tab's grid, the header being row 0."""

    row: int
    column: int
    text: str


@dataclass(frozen=True)
class CellStyle:
    """Formatting someone gave a cell of an owned tab (colours as "RRGGBB"). Only what the
    adapters can both show; tutorsync's own formatting (header, amber and grey rows, links) is
    never read as someone's."""

    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    color: str | None = None
    background: str | None = None


@dataclass(frozen=True)
class CellFormat:
    """`style` on the cell at `row`, `column` (counted as for CellComment)."""

    row: int
    column: int
    style: CellStyle


@dataclass(frozen=True)
class Chart:
    """A line chart the spreadsheet draws from the tab's own table: `domain_column` (weeks)
    along the bottom, a line per column of `series_columns` (headers as the legend), over
    the first `rows` data rows. Its top left corner sits at (`anchor_row`, `anchor_column`),
    0-based, counting the header as row 0. Charts are written with their tab, in place of the
    charts tutorsync put there before, so rerunning never adds one."""

    title: str
    domain_column: int
    series_columns: tuple[int, ...]
    rows: int
    anchor_row: int
    anchor_column: int


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
    charts: tuple[Chart, ...] = ()
    comments: tuple[CellComment, ...] = ()  # carried from the tab as it stood (plan_writes)
    formats: tuple[CellFormat, ...] = ()  # likewise
    # The last rows, outside the table its filter buttons sort (a "Last updated" line), so
    # sorting the tab never moves them in among the students.
    footer_rows: int = 0
    # Columns printed, from the first: who the row is about and what a person reads (status,
    # why, wins, notes); the figures after them would shrink a page past reading. 0: all.
    printed_columns: int = 0

    @property
    def table_rows(self) -> int:
        """Rows its filter covers: the header and every row but the footer."""
        return 1 + len(self.rows) - self.footer_rows

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
    comments: tuple[CellComment, ...] = ()
    formats: tuple[CellFormat, ...] = ()


@dataclass(frozen=True)
class SpreadsheetState:
    """What a job needs to know about a spreadsheet before writing owned tabs into it."""

    exists: bool
    owned: dict[str, OwnedTab]  # by key
    other_titles: frozenset[str]  # tabs tutorsync does not own: never written


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
