"""The ProgramInit port: what `tutorsync init` needs from wherever a new program's
spreadsheets are made (files in a folder, or Google Sheets in a Drive folder).

Each spreadsheet init makes is tagged with the program's key and its kind (locally its file
name says it; on Google, Drive appProperties), so a second init finds it and makes no other.
Adapters turn the pure layouts (sheets_schema.new_program) into what their format holds.
Protocols only: what init finds is a value in `jobs.model.init`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jobs.model.init import FoundSpreadsheet
from jobs.settings import Program
from sheets_schema.cells import TabWrite
from sheets_schema.new_program import SpreadsheetKind, SpreadsheetLayout


class ProgramInit(Protocol):
    """Finds, makes and fills a program's spreadsheets."""

    @property
    def where(self) -> str:
        """Where the spreadsheets are made, for reports: a folder, a Drive folder."""
        ...

    def find(self, program_key: str) -> dict[SpreadsheetKind, FoundSpreadsheet]:
        """The spreadsheets init made for the program, by kind. Changes nothing."""
        ...

    def create(self, program: Program, layout: SpreadsheetLayout, owned: Sequence[TabWrite]) -> str:
        """Make the spreadsheet, filled in from `layout`, with the owned tabs written as
        tutorsync's own; return its reference."""
        ...

    def fill(
        self,
        program: Program,
        found: FoundSpreadsheet,
        layout: SpreadsheetLayout,
        owned: Sequence[TabWrite],
    ) -> None:
        """Fill in a spreadsheet `find` reported as made but not filled in."""
        ...

    def describe(self, reference: str) -> str:
        """A short name for a reference, for reports."""
        ...

    def request_counts(self) -> dict[str, int]:
        """API requests made so far, by method (empty for files)."""
        ...
