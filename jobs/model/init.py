"""What `tutorsync init` finds of a program it made before."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.model.drive import PROGRAM_PROPERTY
from sheets_schema.new_program import SpreadsheetKind

__all__ = ["INIT_PROPERTY", "PROGRAM_PROPERTY", "FoundSpreadsheet"]

# Drive properties of a spreadsheet init made: PROGRAM_PROPERTY holds the program's key (as
# on the student folders, whose listing ignores these files), INIT_PROPERTY its SpreadsheetKind.
INIT_PROPERTY = "tutorsync-init"


@dataclass(frozen=True)
class FoundSpreadsheet:
    """A spreadsheet an earlier init made for the program."""

    kind: SpreadsheetKind
    reference: str  # as the config names it: a path in the folder, or a Google Sheets URL
    filled: bool  # False: made, but that init stopped before filling it in
    duplicates: tuple[str, ...] = ()  # more spreadsheets tagged the same (two inits at once)
