"""Google Sheets' size limits, checked on the planned writes before anything is written. Pure.

A write over a limit would be refused by Google as a whole (a batchUpdate is atomic), after
the run had read and planned everything, with an error no educator can act on. Checked here,
it is refused up front with the spreadsheet, tab and cell, and what to do; nothing is lost,
since the tab keeps what it holds. Text is never truncated: an over-long note typed by an
educator is theirs to shorten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jobs.errors import LimitError
from jobs.plan.tabs import WriteTab
from sheets_schema.cells import Link, SpreadsheetState, TabWrite, stored_text
from sheets_schema.issues import column_letter


@dataclass(frozen=True)
class Limits:
    """What one kind of spreadsheet accepts."""

    app: str  # named in messages
    max_cell_chars: int
    max_cells: int  # in one spreadsheet, all tabs together


# Sheets refuses a longer cell ("Your input contains more than the maximum of 50000 characters
# in a single cell"). 10 million cells per spreadsheet is Google's documented limit ("Files you
# can store in Google Drive"), counted as each tab's grid size, empty cells included.
GOOGLE_SHEETS = Limits("Google Sheets", max_cell_chars=50_000, max_cells=10_000_000)
# The local workspace's .xlsx files: Excel holds 32,767 characters per cell, and openpyxl cuts
# longer text without a word, so the refusal matters even more there. Cells are held to
# Google's figure, so a local program can move to Google as it is.
EXCEL = Limits("Excel", max_cell_chars=32_767, max_cells=GOOGLE_SHEETS.max_cells)


def for_workspace(kind: str) -> Limits:
    """The limits of the spreadsheets a workspace kind ("local", "google") writes."""
    return EXCEL if kind == "local" else GOOGLE_SHEETS


def within_limits(
    actions: Sequence[WriteTab],
    states: Mapping[str, SpreadsheetState],
    allowed: Limits = GOOGLE_SHEETS,
) -> tuple[list[WriteTab], list[str]]:
    """The writes that fit, in plan order, and a sentence for each one refused: a tab with a
    cell over `allowed.max_cell_chars` is not written; a spreadsheet that would hold more
    than `allowed.max_cells` cells gets none of its tabs written."""
    refused: list[str] = []
    fitting = []
    for action in actions:
        try:
            check_cells(action, allowed)
        except LimitError as error:
            refused.append(str(error))
        else:
            fitting.append(action)
    by_spreadsheet: dict[str, list[WriteTab]] = defaultdict(list)
    for action in fitting:
        by_spreadsheet[action.spreadsheet].append(action)
    too_big = set()
    for spreadsheet, writes in by_spreadsheet.items():
        try:
            check_spreadsheet_size(
                spreadsheet, [w.tab for w in writes], states.get(spreadsheet), allowed
            )
        except LimitError as error:
            refused.append(str(error))
            too_big.add(spreadsheet)
    return [a for a in fitting if a.spreadsheet not in too_big], refused


def check_cells(action: WriteTab, allowed: Limits = GOOGLE_SHEETS) -> None:
    """Raise LimitError naming the first cell of the tab whose text is over the limit."""
    tab = action.tab
    max_cell_chars = allowed.max_cell_chars
    for row_index, row in enumerate((tab.header, *tab.rows)):
        for column, cell in enumerate(row):
            text = cell.text if isinstance(cell, Link) else cell
            if not isinstance(text, str):
                continue  # numbers, dates and sparklines are short
            length = _sheets_length(stored_text(text))
            if length <= max_cell_chars:
                continue
            place = f"{column_letter(column)}{row_index + 1}"
            heading = tab.header[column] if row_index and column < len(tab.header) else ""
            under = f" (column {heading})" if heading else ""
            raise LimitError(
                f"{action.spreadsheet} › {tab.title} was not written: cell {place}{under} "
                f"would hold {length:,} characters; a cell in {allowed.app} holds at most "
                f"{max_cell_chars:,}. The tab keeps what it held, so nothing was lost. Shorten "
                "that text (a long note can live in a document, linked from the cell), or the "
                "source value it quotes, and run again"
            )


def check_spreadsheet_size(
    spreadsheet: str,
    writes: Sequence[TabWrite],
    state: SpreadsheetState | None,
    allowed: Limits = GOOGLE_SHEETS,
) -> None:
    """Raise LimitError if the spreadsheet would hold more than its cells limit: the written
    tabs at the size the writes give them, plus the owned tabs left as they are. Tabs
    tutorsync does not own are not counted (the state knows only their titles), so this is a
    floor: Google still refuses a write that fits here but not there, all or nothing."""
    written = {write.key for write in writes}
    cells = sum(tab_cells(write) for write in writes)
    if state is not None:
        cells += sum(
            len(tab.grid) * max((len(row) for row in tab.grid), default=0)
            for key, tab in state.owned.items()
            if key not in written
        )
    if cells > allowed.max_cells:
        raise LimitError(
            f"{spreadsheet} was not written: its tabs would hold {cells:,} cells; Google Sheets "
            f"allows at most {allowed.max_cells:,} in one spreadsheet. Its tabs keep what they "
            "held. Split the program (one config per school or cohort), or give teachers their "
            "own spreadsheets under [outputs.teacher_spreadsheets]"
        )


def tab_cells(write: TabWrite) -> int:
    """Cells of a written tab: its rows (with the header, at least 2) by its widest row, the
    grid size the Google adapter gives the tab."""
    width = max([len(write.header), *(len(row) for row in write.rows), 1])
    return max(len(write.rows) + 1, 2) * width


def _sheets_length(text: str) -> int:
    # In UTF-16 code units, as JavaScript counts (an emoji counts twice): never fewer than
    # Sheets' own count, so no cell passes here that Google would refuse.
    return len(text.encode("utf-16-le")) // 2
