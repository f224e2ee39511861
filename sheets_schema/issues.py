"""Data issues: a row or value tutorsync could not use, said so an educator can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Severity(StrEnum):
    ERROR = "error"  # the value or row was not used
    WARNING = "warning"  # it was used, but someone should look


@dataclass(frozen=True, order=True)
class DataIssue:
    """One problem with one place in a source: where, what, why, and how to fix it."""

    source: str  # the spreadsheet as named in config, e.g. "roster.xlsx"
    tab: str
    cell: str  # A1 reference ("F14"), a row ("row 14"), or "" for the whole tab
    value: str
    problem: str  # plain language: "Minutes 'abc' is not a number of minutes"
    fix: str  # plain language: "type 45, '45 min' or '1:15'"
    severity: Severity = Severity.ERROR
    # The whole source tab could not be used (missing, unreadable, a required column not
    # found): no figures are written from such a reading, since they would pretend it empty.
    source_unusable: bool = False

    @property
    def where(self) -> str:
        if not self.cell:
            return f"{self.source} › {self.tab}"
        if self.cell.startswith("row "):
            return f"{self.source} › {self.tab}, {self.cell}"
        return f"{self.source} › {self.tab}!{self.cell}"

    def only_costing(self, what: str) -> DataIssue:
        """The issue of an optional tab whose loss costs only `what` ("people are shown by
        e-mail address"): a warning that stops nothing, saying what it costs."""
        return DataIssue(
            self.source,
            self.tab,
            self.cell,
            self.value,
            f"{self.problem}; {what} until it is fixed",
            self.fix,
            Severity.WARNING,
        )

    def sentence(self) -> str:
        return f"{self.where}: {self.problem}; {self.fix}."


@lru_cache(maxsize=1024)  # a handful of columns, asked for millions of cells
def column_letter(index: int) -> str:
    """0-based column index to spreadsheet letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def a1(row: int, column: int) -> str:
    """0-based grid position to an A1 reference."""
    return f"{column_letter(column)}{row + 1}"
