"""ProgramInit on the local workspace: a new program's spreadsheets as .xlsx files in a folder.

Each file is named after its kind (roster.xlsx, tutor-log.xlsx, gradebook.xlsx,
coordinator.xlsx), which is how a second init finds it: a file that is there is left exactly
as it is. A file is written whole, through a temporary file linked into place, so it appears
complete or not at all and never replaces a file someone made meanwhile. Owned tabs (the tutor
log's Student list) are then added through the Spreadsheets port, which marks them as
tutorsync's.

Rules become openpyxl DataValidation objects; a yes/no rule is a Yes/No dropdown (an .xlsx
file has no checkbox that every spreadsheet program shows).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jobs.model.init import FoundSpreadsheet
from jobs.settings import Program
from jobs.workspace.local.files import check_not_open, create_new_file
from jobs.workspace.local.sheets import NUMBER_FORMATS, LocalSpreadsheets, put_value
from sheets_schema.cells import TabWrite
from sheets_schema.new_program import (
    CellRange,
    DataTab,
    FromColumn,
    IsDate,
    NumberBetween,
    OneOf,
    Rule,
    SpreadsheetKind,
    SpreadsheetLayout,
    TextTab,
    Validation,
    YesNo,
)

EXCEL_MAX_ROWS = 1_048_576  # a list from another tab reaches to the end of its column
# Excel keeps a date validation's bounds as serial numbers; any real session date is inside.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
_SERIAL_EPOCH = date(1899, 12, 30)
_YES_NO = ("Yes", "No")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
_LABEL_FONT = Font(bold=True, italic=True)
_EXAMPLE_FONT = Font(italic=True, color="808080")
_TITLE_FONT = Font(bold=True, size=14)
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TEXT_WIDTHS = (24, 90, 30)  # an instructions tab's columns: name, what to type, example
_LINE_HEIGHT = 15  # points, for the default 11-point font
_CHARACTERS_PER_LINE = 140  # a paragraph across the three columns


def file_name(kind: SpreadsheetKind) -> str:
    """The file a spreadsheet of this kind is, in the program's folder."""
    return f"{kind.value}.xlsx"


class LocalInit:
    """Makes a program's spreadsheets as .xlsx files in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.spreadsheets = LocalSpreadsheets(self.root)

    @property
    def where(self) -> str:
        return str(self.root)

    def find(self, program_key: str) -> dict[SpreadsheetKind, FoundSpreadsheet]:
        """The files that are there. A file is written whole, so one that is there is filled
        in (its owned tabs come after it; the progress job writes them too)."""
        del program_key  # the folder is the program's
        return {
            kind: FoundSpreadsheet(kind, file_name(kind), filled=True)
            for kind in SpreadsheetKind
            if (self.root / file_name(kind)).exists()
        }

    def create(self, program: Program, layout: SpreadsheetLayout, owned: Sequence[TabWrite]) -> str:
        reference = file_name(layout.kind)
        content = io.BytesIO()
        template_workbook(layout).save(content)
        path = self.root / reference
        check_not_open(path, reference)
        create_new_file(path, content.getvalue(), reference)
        self.fill(program, FoundSpreadsheet(layout.kind, reference, False), layout, owned)
        return reference

    def fill(
        self,
        program: Program,
        found: FoundSpreadsheet,
        layout: SpreadsheetLayout,
        owned: Sequence[TabWrite],
    ) -> None:
        """The file itself is complete once it exists; only the owned tabs can be missing."""
        del program, layout
        if owned:
            self.spreadsheets.write_owned_tabs(found.reference, owned)

    def describe(self, reference: str) -> str:
        return reference

    def request_counts(self) -> dict[str, int]:
        return {}


def template_workbook(layout: SpreadsheetLayout) -> Workbook:
    """The workbook a layout describes: its data tab first, then its instructions."""
    book = Workbook()
    book.remove(book.active)  # its empty "Sheet" would stay in the file
    if layout.data is not None:
        _data_sheet(book, layout.data)
    _text_sheet(book, layout.instructions)
    book.active = 0
    return book


def _data_sheet(book: Workbook, tab: DataTab) -> None:
    sheet = book.create_sheet(tab.title)
    yes_no_columns = {
        column
        for validation in tab.validations
        if isinstance(validation.rule, YesNo)
        for column in range(validation.cells.first_column, validation.cells.end_column)
    }
    for row_index, row in enumerate(tab.grid()):
        for column_index, value in enumerate(row):
            if value is None:
                continue
            cell = sheet.cell(row=row_index + 1, column=column_index + 1)
            if isinstance(value, bool) and column_index in yes_no_columns:
                value = _YES_NO[0] if value else _YES_NO[1]
            put_value(cell, value, None)
            if row_index == 0:
                cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            elif row_index < tab.first_example_row:
                if column_index == 0:
                    cell.font = _LABEL_FONT
            else:
                cell.font = _EXAMPLE_FONT
    for index, column in enumerate(tab.columns):
        dimension = sheet.column_dimensions[get_column_letter(index + 1)]
        dimension.width = max(14, len(column.header) + 4)
        if column.format is not None:
            # The column's own format is what a cell typed later gets: an ID typed 00123 in a
            # text column keeps its zeros.
            dimension.number_format = NUMBER_FORMATS[column.format]
    sheet.freeze_panes = sheet.cell(row=tab.frozen_rows + 1, column=tab.frozen_columns + 1)
    for validation in tab.validations:
        sheet.add_data_validation(_data_validation(validation))
    # The header is not protected here: an .xlsx file has no warning-only protection (Google's
    # warningOnly), and sheet protection would lock the cells outright, with a password to
    # share. The Instructions tab asks people to keep the header as it is.


def _text_sheet(book: Workbook, tab: TextTab) -> None:
    sheet = book.create_sheet(tab.title)
    for index, width in enumerate(_TEXT_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    table_header = next((i for i, row in enumerate(tab.rows) if len(row) > 1), None)
    for row_index, row in enumerate(tab.rows, 1):
        for column_index, text in enumerate(row, 1):
            cell = sheet.cell(row=row_index, column=column_index)
            put_value(cell, text, None)
            cell.alignment = _WRAPPED
            if row_index == 1:
                cell.font = _TITLE_FONT
            elif table_header is not None and row_index == table_header + 1:
                cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        if len(row) == 1 and row[0]:
            # A paragraph reads across the tab's width.
            sheet.merge_cells(
                start_row=row_index, start_column=1, end_row=row_index, end_column=len(_TEXT_WIDTHS)
            )
            lines = math.ceil(len(row[0]) / _CHARACTERS_PER_LINE)
            if lines > 1:
                sheet.row_dimensions[row_index].height = _LINE_HEIGHT * lines


def _data_validation(validation: Validation) -> DataValidation:
    rule = validation.rule
    settings: dict[str, Any] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorStyle": "stop" if validation.strict else "warning",
        "error": validation.help,
        "prompt": validation.help,
    }
    made = DataValidation(**_rule_settings(rule), **settings)
    made.add(_a1_range(validation.cells))
    return made


def _rule_settings(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, OneOf):
        return {"type": "list", "formula1": _list_formula(rule.values)}
    if isinstance(rule, YesNo):
        return {"type": "list", "formula1": _list_formula(_YES_NO)}
    if isinstance(rule, IsDate):
        return {
            "type": "date",
            "operator": "between",
            "formula1": str(_serial(EARLIEST_DATE)),
            "formula2": str(_serial(LATEST_DATE)),
        }
    if isinstance(rule, NumberBetween):
        low, high = rule.bounds()
        return {"type": "decimal", "operator": "between", "formula1": low, "formula2": high}
    assert isinstance(rule, FromColumn)
    return {"type": "list", "formula1": rule.a1(EXCEL_MAX_ROWS)}


def _list_formula(values: Sequence[str]) -> str:
    """An inline list: quoted, comma-separated, at most 255 characters (Excel's limit)."""
    if any("," in value or '"' in value for value in values):
        raise ValueError(f"list values cannot hold commas or quotes: {values}")
    formula = '"' + ",".join(values) + '"'
    if len(formula) > 257:
        raise ValueError(f"an inline list holds at most 255 characters: {values}")
    return formula


def _a1_range(cells: CellRange) -> str:
    first = f"{get_column_letter(cells.first_column + 1)}{cells.first_row + 1}"
    last = f"{get_column_letter(cells.end_column)}{cells.end_row}"
    return first if first == last else f"{first}:{last}"


def _serial(day: date) -> int:
    return (day - _SERIAL_EPOCH).days
