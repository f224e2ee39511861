"""The ProgramSetup port: what `tutorsync init` needs from wherever a new program's
spreadsheets are made (files in a folder, or Google Sheets in a Drive folder).

Each spreadsheet init makes is tagged with the program's key and its kind (locally its file
name says it; on Google, Drive appProperties), so a second init finds it and makes no other.
Adapters turn the pure templates (sheets_schema.templates) into what their format holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from jobs.settings import Program
from jobs.workspace.drive_port import PROGRAM_PROPERTY
from jobs.workspace.port import TabWrite

if TYPE_CHECKING:  # the templates use the port's ColumnFormat: import them for types only
    from sheets_schema.templates import SpreadsheetTemplate, TemplateKind

__all__ = ["INIT_PROPERTY", "PROGRAM_PROPERTY", "FoundSpreadsheet", "ProgramSetup"]

# Drive appProperties of a spreadsheet init made: PROGRAM_PROPERTY holds the program's key (as
# on the student folders, whose listing ignores these files), INIT_PROPERTY its TemplateKind.
INIT_PROPERTY = "tutorsync-init"


@dataclass(frozen=True)
class FoundSpreadsheet:
    """A spreadsheet an earlier init made for the program."""

    kind: TemplateKind
    reference: str  # as the config names it: a path in the folder, or a Google Sheets URL
    filled: bool  # False: made, but that init stopped before filling it in
    duplicates: tuple[str, ...] = ()  # more spreadsheets tagged the same (two inits at once)


class ProgramSetup(Protocol):
    """Finds, makes and fills a program's spreadsheets."""

    @property
    def where(self) -> str:
        """Where the spreadsheets are made, for reports: a folder, a Drive folder."""
        ...

    def find(self, program_key: str) -> dict[TemplateKind, FoundSpreadsheet]:
        """The spreadsheets init made for the program, by kind. Changes nothing."""
        ...

    def create(
        self, program: Program, template: SpreadsheetTemplate, owned: Sequence[TabWrite]
    ) -> str:
        """Make the spreadsheet, filled in from `template`, with the owned tabs written as
        tutorsync's own; return its reference."""
        ...

    def fill(
        self,
        program: Program,
        found: FoundSpreadsheet,
        template: SpreadsheetTemplate,
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
