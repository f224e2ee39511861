"""An owned tab's cells planned as the `<c>` elements openpyxl writes for them, without making
an openpyxl cell for each: a cell object, its value's checks and its styling cost most of the
time writing a tab took, and the text written is the same, byte for byte.

A tab's fonts, fills, alignments and number formats are still given through openpyxl (on one
detached cell), so the workbook's style lists, and each cell's style number, come out as if
every cell had been styled one by one; `RowsWriter` then writes the planned rows, their
comments and hyperlinks, in the order openpyxl's worksheet writer would.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

from openpyxl.cell import Cell
from openpyxl.comments import Comment
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.hyperlink import Hyperlink

from sheets_schema.cells import CellStyle

_TEXT_LIMIT = 32_767  # characters: openpyxl keeps no more of a text in a cell


class PlannedCell:
    """One cell: its `<c>` element after the r and s attributes (None: no value), its style,
    and the hyperlink and comment openpyxl would find on it."""

    __slots__ = ("comment", "content", "hyperlink", "style")

    def __init__(self) -> None:
        self.content: str | None = None
        self.style: StyleArray | None = None
        self.hyperlink: Hyperlink | None = None
        self.comment: Comment | None = None

    @property
    def styled(self) -> bool:
        return self.style is not None and any(self.style)


class TabCells:
    """The cells of one tab being written into `sheet`, by row and column (1-based)."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self._epoch = sheet.parent.epoch
        self._scratch = Cell(sheet)  # not in the sheet: styles are given through it
        self._made: dict[tuple[Any, ...], tuple[StyleArray, tuple[Any, ...]]] = {}
        self._rows: dict[int, dict[int, PlannedCell]] = {}

    def cell(self, row: int, column: int) -> PlannedCell:
        """The cell, made empty if the tab has none there yet (as openpyxl's `sheet.cell`)."""
        cells = self._rows.get(row)
        if cells is None:
            cells = self._rows[row] = {}
        planned = cells.get(column)
        if planned is None:
            planned = cells[column] = PlannedCell()
        return planned

    # --- Values, as openpyxl stores them given a value and a data type ------------------------

    def put_text(self, cell: PlannedCell, text: str, *, quote_prefix: bool) -> None:
        """Text stored as text (data type "s"), as an inline string."""
        text = text[:_TEXT_LIMIT]
        stripped = text.strip()
        space = ' xml:space="preserve"' if stripped and stripped != text else ""
        cell.content = f' t="inlineStr"><is><t{space}>{_escaped(text)}</t></is></c>'
        if quote_prefix:
            self._restyle(cell, ("quote",), _quote_prefixed, keep=())

    def put_number(self, cell: PlannedCell, text: str) -> None:
        """A number given as its exact text (data type "n")."""
        cell.content = f' t="n"><v>{_escaped(text)}</v></c>'

    def put_boolean(self, cell: PlannedCell, value: bool) -> None:
        cell.content = f' t="b"><v>{int(value)}</v></c>'

    def put_moment(self, cell: PlannedCell, value: date | datetime | time) -> None:
        """A date, datetime or time (no time zone), as the serial number openpyxl writes."""
        cell.content = f' t="n"><v>{safe_string(to_excel(value, self._epoch))}</v></c>'

    def put_link(
        self, cell: PlannedCell, row: int, column: int, target: str | None, where: str | None
    ) -> None:
        """A hyperlink on the cell; a cell without text shows the link, as openpyxl makes it."""
        cell.hyperlink = Hyperlink(ref=_coordinate(row, column), target=target, location=where)
        if cell.content is None and (target or where):
            self.put_text(cell, target or where or "", quote_prefix=False)

    # --- Formatting ---------------------------------------------------------------------------

    def give(
        self,
        cell: PlannedCell,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
        number_format: str | None = None,
    ) -> None:
        """Set what is given (not None) on the cell, the rest of its formatting kept."""
        if font is None and fill is None and alignment is None and not number_format:
            return

        def given(scratch: Cell) -> None:
            if font is not None:
                scratch.font = font
            if fill is not None:
                scratch.fill = fill
            if alignment is not None:
                scratch.alignment = alignment
            if number_format:
                scratch.number_format = number_format

        # Keyed by identity: hashing a font or fill by value is what openpyxl's own styling
        # spent its time on. The objects are kept with what they made, so an id stays theirs.
        change = (id(font), id(fill), id(alignment), number_format)
        self._restyle(cell, change, given, keep=(font, fill, alignment))

    def carry_format(self, cell: PlannedCell, style: CellStyle) -> None:
        """Formatting someone gave the cell, over tutorsync's."""
        scratch = self._scratch
        scratch._style = copy.copy(cell.style)
        font = copy.copy(scratch.font)
        font.b, font.i, font.strike = style.bold, style.italic, style.strikethrough
        if style.color:
            font.color = "FF" + style.color
        scratch.font = font
        if style.background:
            scratch.fill = PatternFill("solid", fgColor="FF" + style.background)
        cell.style = scratch._style

    def _restyle(
        self,
        cell: PlannedCell,
        change: tuple[Any, ...],
        apply: Callable[[Cell], None],
        *,
        keep: tuple[Any, ...],
    ) -> None:
        """The cell's style with `change` applied, each combination worked out once a tab."""
        now = tuple(cell.style) if cell.style is not None else ()  # None: not styled yet
        key = (now, *change)
        made = self._made.get(key)
        if made is None:
            scratch = self._scratch
            scratch._style = copy.copy(cell.style)
            apply(scratch)
            made = self._made[key] = (scratch._style, keep)
        cell.style = made[0]  # never changed in place: a change makes another

    # --- The tab as a whole -------------------------------------------------------------------

    @property
    def max_column(self) -> int:
        """The last column holding a cell (1 with none), as openpyxl's `max_column`."""
        return max((max(cells) for cells in self._rows.values() if cells), default=1)

    def dimension(self) -> str:
        """The range the cells span, as openpyxl's `calculate_dimension`."""
        rows = [row for row, cells in self._rows.items() if cells]
        if not rows:
            return "A1:A1"
        columns = [column for row in rows for column in self._rows[row]]
        first, last = min(columns), max(columns)
        return f"{get_column_letter(first)}{min(rows)}:{get_column_letter(last)}{max(rows)}"

    def rows(self) -> Iterator[tuple[int, list[tuple[int, PlannedCell]]]]:
        """Each row holding a cell or given a height, in order, with its cells in order."""
        numbers = sorted(set(self._rows) | set(self.sheet.row_dimensions.keys()))
        for number in numbers:
            cells = self._rows.get(number, {})
            yield number, sorted(cells.items())


def _quote_prefixed(scratch: Cell) -> None:
    # As if typed with a leading apostrophe: editing the cell keeps it text.
    scratch.quotePrefix = True


class RowsWriter(WorksheetWriter):
    """openpyxl's worksheet writer, its rows and dimension from the planned cells."""

    def __init__(self, ws: Any, cells: TabCells, out: Any) -> None:
        super().__init__(ws, out=out)
        self._cells = cells

    def write_dimensions(self) -> None:
        self.xf.send(SheetDimension(self._cells.dimension()).to_tree())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            for number, cells in self._cells.rows():
                self._write_planned_row(xf, number, cells)
        self.xf.send(None)  # return control to the generator

    def _write_planned_row(
        self, xf: Any, number: int, cells: Sequence[tuple[int, PlannedCell]]
    ) -> None:
        ws, styles = self.ws, self.ws.parent._cell_styles
        attributes = {"r": f"{number}"}
        attributes.update(ws.row_dimensions.get(number, {}))
        with xf.element("row", attributes):
            for column, cell in cells:
                coordinate = _coordinate(number, column)
                if cell.comment is not None:
                    ws._comments.append(_comment_record(coordinate, cell.comment))
                styled = cell.styled
                if cell.content is None and not styled and cell.comment is None:
                    continue
                head = f'<c r="{coordinate}"'
                if styled:
                    head += f' s="{styles.add(cell.style)}"'
                if cell.hyperlink is not None:
                    ws._hyperlinks.append(cell.hyperlink)
                xf._file(head + (cell.content or ' t="n" />'))  # the text is XML already


def _comment_record(coordinate: str, comment: Comment) -> CommentRecord:
    """As openpyxl's CommentRecord.from_cell."""
    record = CommentRecord(ref=coordinate, author=comment.author)
    record.text.t = comment.content
    record.height, record.width = comment.height, comment.width
    return record


def _coordinate(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
