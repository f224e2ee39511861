"""An owned tab's cells read from its worksheet XML, exactly as openpyxl's full reader reads them.

openpyxl's full reader makes a Cell, a style array and their descriptors for every cell, and
reading tutorsync's own tabs that way cost more than reading every source. An owned tab needs
less: each cell's value (typed by the rules of openpyxl's `WorkSheetParser.parse_cell`), its
link, its comment and the index of its style. This module reads those with ElementTree; the
small parts with many rules (the stylesheet, the tab's relationships, its comments, rich text)
are read by openpyxl's own classes.

What openpyxl's full reader would read another way (a formula, merged cells, a cell without a
plain reference, a link or comment over a range) raises `NotReadAlike`, and the caller reads
the tab with openpyxl.
"""

from __future__ import annotations

import codecs
import functools
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.text import Text
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.packaging.relationship import get_dependents
from openpyxl.styles.alignment import Alignment
from openpyxl.styles.cell_style import CellStyle
from openpyxl.styles.fills import Fill
from openpyxl.styles.fonts import Font
from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    BUILTIN_FORMATS_MAX_SIZE,
    BUILTIN_FORMATS_REVERSE,
    NumberFormatList,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.styles.protection import Protection
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number
from openpyxl.xml.constants import COMMENTS_NS, REL_NS

from jobs.workspace.local.xlsx_values import typed_value
from sheets_schema.cells import CellValue, Grid, Link, trim_grid

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}f"
_INLINE_STRING, _TEXT = f"{_MAIN}is", f"{_MAIN}t"
_HYPERLINKS, _HYPERLINK = f"{_MAIN}hyperlinks", f"{_MAIN}hyperlink"
_MERGED_CELLS = f"{_MAIN}mergeCells"
_SHARED_STRING = f"{_MAIN}si"
_RELATIONSHIP_ID = f"{{{REL_NS}}}id"
_LINK_ATTRIBUTES = frozenset({"ref", "location", "tooltip", "display", _RELATIONSHIP_ID})

# Cells are placed by plain references ("B12", see _place): what every program writes, and
# read alike by all of openpyxl's ways of reading one (a cell's, a link's, a comment's).
_MAX_ROW = 1_048_576
_MAX_TEXT = 32_767  # openpyxl cuts text given to a cell (a link's target) to Excel's limit


class NotReadAlike(Exception):
    """openpyxl's full reader would read this tab another way: read it by openpyxl."""


@dataclass(frozen=True)
class OwnedCells:
    """An owned tab's cells as openpyxl's full reader gives them. Rows and columns count from 0
    (the header is row 0); comments and styled cells are in reading order."""

    grid: Grid  # values as tutorsync's readers type them, text with a link as `Link`; trimmed
    comments: tuple[tuple[int, int, str], ...]  # (row, column, text) of each comment
    styled: tuple[tuple[int, int, int], ...]  # (row, column, style index) of each cell with one


@functools.lru_cache(maxsize=16)
def workbook_styles(styles_xml: bytes | None, epoch: datetime) -> WorkbookStyles:
    """The WorkbookStyles of a stylesheet, one for all the workbooks that have it: the
    spreadsheets tutorsync makes share one, and reading it again for each of them (openpyxl
    making the same few formats, fonts and fills) took longer than reading their cells.
    Raises NotReadAlike as WorkbookStyles does."""
    return WorkbookStyles(styles_xml, epoch)


class WorkbookStyles:
    """A workbook's cell formats as openpyxl's full reader applies them to cells. Each is read
    when a cell first uses it, by openpyxl's own classes: a teacher's stylesheet may hold
    hundreds, an owned tab uses a few."""

    def __init__(self, styles_xml: bytes | None, epoch: datetime) -> None:
        """Raises NotReadAlike where openpyxl would use its own default styles instead."""
        if not styles_xml:
            raise NotReadAlike("no stylesheet")
        try:
            root = ElementTree.fromstring(styles_xml)
            # openpyxl keeps the last of each collection.
            collections = {_local_name(child): child for child in root}
            number_formats = collections.get("numFmts")
            listed = (
                NumberFormatList.from_tree(number_formats).numFmt
                if number_formats is not None
                else []
            )
        except Exception as error:  # openpyxl raises many kinds on a damaged stylesheet
            raise NotReadAlike(str(error)) from None
        self._custom_formats = {listing.numFmtId: listing.formatCode for listing in listed}
        cell_formats = collections.get("cellXfs")
        self._cell_formats = list(cell_formats) if cell_formats is not None else []
        if not self._cell_formats:
            raise NotReadAlike("no cell formats")  # openpyxl uses its own
        if any(_local_name(xf) != "xf" for xf in self._cell_formats):
            raise NotReadAlike("a cell format list openpyxl reads another way")
        self._fonts = list(collections.get("fonts", []))
        self._fills = list(collections.get("fills", []))
        self.epoch = epoch
        # Each worked out once: indices by a cell's `s`, cell formats by index, fonts and
        # fills by their place in the stylesheet.
        self._indices: dict[str | None, int] = {}
        self._read: dict[int, XfFormat] = {}
        self._read_fonts: dict[int, Any] = {}
        self._read_fills: dict[int, Any] = {}

    def index(self, style: str | None) -> int:
        """The index of a cell's cell format from its `s` attribute. Raises NotReadAlike where
        openpyxl would fail to look it up (or read it as another number)."""
        if style not in self._indices:
            if style is not None and not (
                _is_number(style) and int(style) < len(self._cell_formats)
            ):
                raise NotReadAlike(f"a cell format {style!r} openpyxl cannot look up")
            self._indices[style] = int(style or 0)
        return self._indices[style]

    def has_style(self, index: int) -> bool:
        """openpyxl's `cell.has_style`: a part of the cell format is not the default."""
        return self.cell_format(index).has_style

    def number_format(self, index: int) -> str:
        number_format = self.cell_format(index).number_format
        if number_format is None:
            raise NotReadAlike("a number format openpyxl looks up by its place in the list")
        return number_format

    def font(self, index: int) -> Any:
        font_id = self.cell_format(index).font_id
        if font_id not in self._read_fonts:
            self._read_fonts[font_id] = _element(Font.from_tree, self._fonts, font_id)
        return self._read_fonts[font_id]

    def fill(self, index: int) -> Any:
        fill_id = self.cell_format(index).fill_id
        if fill_id not in self._read_fills:
            fill = _element(Fill.from_tree, self._fills, fill_id)
            if fill is None:
                raise NotReadAlike("an empty fill, which openpyxl refuses")
            self._read_fills[fill_id] = fill
        return self._read_fills[fill_id]

    def cell_format(self, index: int) -> XfFormat:
        if index not in self._read:
            self._read[index] = self._cell_format(index)
        return self._read[index]

    def _cell_format(self, index: int) -> XfFormat:
        """As openpyxl's Stylesheet makes a style array of the cell format (`_to_array`) and
        renumbers its number format (`_normalise_numbers`)."""
        try:
            xf = CellStyle.from_tree(self._cell_formats[index])
        except Exception as error:  # openpyxl raises many kinds on a damaged cell format
            raise NotReadAlike(str(error)) from None
        array = xf.to_array()
        format_id = array.numFmtId
        if format_id in self._custom_formats:
            code: str | None = self._custom_formats[format_id]
            # A custom format that is a built-in one is renumbered to it, maybe to 0 (General).
            format_id = BUILTIN_FORMATS_REVERSE.get(code, BUILTIN_FORMATS_MAX_SIZE)
            number_format = code
        else:
            code = BUILTIN_FORMATS.get(format_id)
            number_format = (
                BUILTIN_FORMATS.get(format_id, "General")
                if format_id < BUILTIN_FORMATS_MAX_SIZE
                else None
            )
        has_style = (
            any(array[:3])  # font, fill, border
            or bool(format_id)
            or any(array[6:])  # pivot button, quote prefix, named style
            or (xf.alignment is not None and xf.alignment != Alignment())
            or (xf.protection is not None and xf.protection != Protection())
        )
        return XfFormat(
            has_style=has_style,
            number_format=number_format,
            is_date=is_date_format(code),
            is_duration=is_timedelta_format(code),
            font_id=array.fontId,
            fill_id=array.fillId,
        )


@dataclass(frozen=True)
class XfFormat:
    """What openpyxl makes of one cell format (an `xf` of the stylesheet) for a cell."""

    has_style: bool
    number_format: str | None  # None where openpyxl's depends on the other cell formats
    is_date: bool
    is_duration: bool
    font_id: int
    fill_id: int


def _element(read: Callable[[ElementTree.Element], Any], listed: list[Any], index: int) -> Any:
    """The style element at `index` (Python's indexing, as openpyxl's lists) read by openpyxl."""
    try:
        return read(listed[index])
    except Exception as error:  # openpyxl raises many kinds on a damaged style
        raise NotReadAlike(str(error)) from None


def _local_name(element: ElementTree.Element) -> str:
    return str(element.tag).rpartition("}")[2]


class SharedStrings:
    """A workbook's shared string table, each string worked out when a cell first uses it."""

    def __init__(self, xml: bytes | None) -> None:
        try:
            root = ElementTree.fromstring(xml) if xml else None
        except ElementTree.ParseError as error:
            raise NotReadAlike(str(error)) from None
        self._items = list(root.iter(_SHARED_STRING)) if root is not None else []
        self._texts: dict[int, str] = {}

    def __getitem__(self, index: int) -> str:
        if index not in self._texts:
            # As openpyxl's read_string_table: the text, an escaped underscore unescaped.
            self._texts[index] = _text(self._items[index]).replace("x005F_", "")
        return self._texts[index]


def read_owned_cells(
    part: Callable[[str], bytes | None],
    sheet_part: str,
    styles: WorkbookStyles,
    shared_strings: Callable[[], SharedStrings],
) -> OwnedCells:
    """The cells of the worksheet in the package part `sheet_part`; `part` gives a part's bytes
    (None if missing). Raises NotReadAlike."""
    xml = part(sheet_part)
    if xml is None:
        raise NotReadAlike("no worksheet part")
    cells = _Cells(styles, shared_strings)
    root = _with_plain_rows_read(xml, cells)
    if root is None:
        root = _parsed(xml)
        for row in root.iter(_ROW):
            cells.add_row(row)
    if root.find(f".//{_MERGED_CELLS}") is not None:
        raise NotReadAlike("merged cells")
    relationships = _relationships(part, sheet_part)
    targets: dict[str | None, str] = {}
    for relationship in relationships or ():
        targets.setdefault(relationship.id, relationship.target)  # openpyxl takes the first
    link_lists = list(root.iter(_HYPERLINKS))
    for link in link_lists[-1] if link_lists else ():  # openpyxl keeps the last list
        cells.add_link(link, targets)
    for ref, text in _comments(part, relationships):
        cells.comments[_place(ref)] = text
    return cells.owned()


@dataclass
class _Cells:
    styles: WorkbookStyles
    shared_strings: Callable[[], SharedStrings]

    def __post_init__(self) -> None:
        # (value, style index) by place; a cell openpyxl makes to hold a link has no style
        self.values: dict[tuple[int, int], tuple[CellValue, int | None]] = {}
        self.links: dict[tuple[int, int], str] = {}
        self.comments: dict[tuple[int, int], str] = {}
        # Date-formatted numbers converted, by text and style: a column of dates repeats a few.
        self.dates: dict[tuple[str, int], CellValue] = {}

    def add_row(self, row: ElementTree.Element) -> None:
        number = row.get("r")
        if number is not None and not _is_number(number):
            raise NotReadAlike("a row numbered in a way openpyxl reads otherwise")
        style_index, values = self.styles.index, self.values
        for cell in row:
            if cell.tag != _CELL:
                raise NotReadAlike("something other than a cell in a row")
            index = style_index(cell.get("s"))
            values[_place(cell.get("r"))] = (self._value(cell, index), index)

    def _value(self, cell: ElementTree.Element, style: int) -> CellValue:
        """openpyxl's `parse_cell`, for a cell without a formula, typed as tutorsync's readers
        type it."""
        # The cell's first value and first inline text, in one pass over its children.
        text: str | None = None
        inline: ElementTree.Element | None = None
        valued = False
        for child in cell:
            tag = child.tag
            if tag == _FORMULA:
                raise NotReadAlike("a formula")  # openpyxl reads its text; Translator for shared
            if tag == _VALUE and not valued:
                valued, text = True, child.text or None
            elif tag == _INLINE_STRING and inline is None:
                inline = child
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return None if inline is None else _text(inline)
        return self.typed(kind, text, style)

    def typed(self, kind: str, text: str | None, style: int) -> CellValue:
        """The value of a cell of type `kind` (not an inline string) whose <v> holds `text`."""
        if text is None:
            return None
        try:
            if kind == "n":
                number = _cast_number(text)
                if not self.styles.cell_format(style).is_date:
                    return number
                if (text, style) not in self.dates:
                    self.dates[text, style] = self._moment(number, style)
                return self.dates[text, style]
            if kind == "s":
                return self.shared_strings()[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return typed_value(from_ISO8601(text), lambda: self.styles.number_format(style))
        except (ValueError, IndexError, TypeError) as error:  # openpyxl fails on these
            raise NotReadAlike(str(error)) from None
        return text  # "str", "e" and any other kind: the text as it is

    def _moment(self, number: float, style: int) -> CellValue:
        """A date-formatted number as openpyxl converts it."""
        try:
            moment = from_excel(
                number, self.styles.epoch, timedelta=self.styles.cell_format(style).is_duration
            )
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl's error for a date out of range
        return typed_value(moment, lambda: self.styles.number_format(style))

    def add_link(self, link: ElementTree.Element, targets: Mapping[str | None, str]) -> None:
        """A hyperlink as openpyxl binds it to its cell, a cell with no value showing it."""
        if (
            link.tag != _HYPERLINK
            or len(link)
            or not (
                _LINK_ATTRIBUTES.issuperset(link.attrib)  # nearly always: no others at all
                or _LINK_ATTRIBUTES.issuperset(
                    name for name in link.attrib if name[0] != "{" or name == _RELATIONSHIP_ID
                )
            )
        ):
            raise NotReadAlike("a hyperlink openpyxl reads another way")
        place = _place(link.get("ref"))
        target, location = None, link.get("location")
        if relationship := link.get(_RELATIONSHIP_ID):
            if relationship not in targets:
                raise NotReadAlike(f"a hyperlink's relationship {relationship!r} is missing")
            target = targets[relationship]
        value, style = self.values.get(place, (None, None))
        shown = target or location
        if value is None and shown is not None:
            value = shown[:_MAX_TEXT]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise NotReadAlike("a hyperlink openpyxl cannot show in its cell")
            self.values[place] = (value, style)
        url = (target or "") + (f"#{location}" if location else "")
        if url:
            self.links[place] = url
        else:
            self.links.pop(place, None)

    def owned(self) -> OwnedCells:
        values = self._linked()
        # A cell openpyxl makes to hold a link has no style.
        has_style = {
            style: style is not None and self.styles.has_style(style)
            for style in {style for _, style in values.values()}
        }
        rows: dict[int, dict[int, CellValue]] = {}
        styled: list[tuple[int, int, int]] = []
        for (row, column), (value, style) in values.items():
            line = rows.get(row)
            if line is None:
                line = rows[row] = {}
            line[column] = value
            if has_style[style] and style is not None:
                styled.append((row, column, style))
        grid: Grid = [[] for _ in range(max(rows, default=-1) + 1)]
        for row, found in rows.items():
            cells: list[CellValue] = [None] * (max(found) + 1)
            for column, value in found.items():
                cells[column] = value
            grid[row] = cells
        styled.sort()  # cells come in reading order, nearly always: a sort costs little
        comments = tuple((*place, text) for place, text in sorted(self.comments.items()))
        return OwnedCells(trim_grid(grid), comments, tuple(styled))

    def _linked(self) -> dict[tuple[int, int], tuple[CellValue, int | None]]:
        """The values, text with a link as `Link`."""
        if not self.links:
            return self.values
        values = dict(self.values)
        for place, url in self.links.items():
            found = values.get(place)
            if found is not None and isinstance(found[0], str):
                values[place] = (Link(found[0], url), found[1])
        return values


def _parsed(xml: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise NotReadAlike(str(error)) from None


def _with_plain_rows_read(xml: bytes, cells: _Cells) -> ElementTree.Element | None:
    """The worksheet without its rows, once their cells are added to `cells`, if its
    <sheetData> holds only rows and cells of the plain forms spreadsheet programs write (see
    _PLAIN_TOKEN), read as ElementTree reads them; None for any other worksheet, whose rows
    the caller reads with ElementTree. ElementTree made an object of every cell and its every
    child, and building and asking them cost most of reading a tab of thousands of rows."""
    start, end = xml.find(b"<sheetData>"), xml.find(b"</sheetData>")
    if (
        start < 0
        or end < start
        or xml.count(b"<sheetData") != 1
        or b"<!" in xml  # a DTD (entities, default attributes), a comment or CDATA
        or not _in_utf8(xml)
    ):
        return None
    try:
        rows = xml[start + len(b"<sheetData>") : end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not _plain_text(rows):
        return None
    root = _parsed(xml[:start] + _PLACEHOLDER + xml[end + len(b"</sheetData>") :])
    placed = [element for element in root.iter() if _PLACEHOLDER_NAME in element.attrib]
    if [element.tag for element in placed] != [f"{_MAIN}sheetData"] or next(
        root.iter(_ROW), None
    ) is not None:
        return None  # rows in another namespace than the cells are looked for in, or elsewhere
    values = _plain_cells(rows, cells)
    if values is None:
        return None
    cells.values.update(values)
    return root


def _plain_cells(rows: str, cells: _Cells) -> dict[tuple[int, int], tuple[CellValue, int]] | None:
    """Each cell of <sheetData>'s content `rows` by place, with its style index, typed as
    `_Cells.typed` types it; None unless `rows` is nothing but plain rows of plain cells.
    One pass of one pattern finds them and proves the form: the tokens found must follow
    one another with nothing left between them, cells inside rows (a pattern matching the
    whole content, then another finding the cells, read it twice)."""
    style_index, typed = cells.styles.index, cells.typed
    indices: dict[str, int] = {}  # a cell's `s` -> its style index
    columns: dict[str, int] = {}  # a reference's letters -> its column
    values: dict[tuple[int, int], tuple[CellValue, int]] = {}
    row_attributes: set[str] = set()
    consumed, in_row = 0, False
    for (
        row_open, attributes, row_end, cell, letters, digits,
        style, kind, valued, text, inline, inline_text,
    ) in _PLAIN_TOKEN.findall(rows):  # fmt: skip
        if not cell:
            if row_open:
                if in_row:
                    return None
                consumed += len(row_open)
                row_attributes.add(attributes)
                in_row = row_end == ">"
            elif in_row:  # </row>
                consumed += 6
                in_row = False
            else:
                return None
            continue
        if not in_row:
            return None
        consumed += len(cell)
        index = indices.get(style)
        if index is None:
            index = indices[style] = style_index(style or None)
        value: CellValue
        if kind == "inlineStr":
            value = _unescaped(inline_text) if inline else None
        else:
            value = typed(kind or "n", (_unescaped(text) or None) if valued else None, index)
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = _column_index(letters)
        row = int(digits)
        if row > _MAX_ROW:
            raise NotReadAlike(f"cell reference {letters}{digits!r}")
        values[row - 1, column] = (value, index)
    if in_row or consumed != len(rows) or not _plain_attributes(row_attributes):
        return None
    return values


def _plain_attributes(row_attributes: set[str]) -> bool:
    """No row gives an attribute twice (no XML reader reads that) nor another namespace."""
    for attributes in row_attributes:  # rows share a few
        names = _ATTRIBUTE_NAME.findall(attributes)
        if len(names) != len(set(names)) or "xmlns" in names:
            return False
    return True


# <sheetData>'s content in the forms Excel, LibreOffice, Google Sheets and openpyxl write it
# (any other goes through ElementTree): rows numbered, with plain attributes, holding cells
# with a reference, maybe a style and a type, and a value or an inline text. Text holds no
# entity but the five of XML, no character reference and no carriage return, so it reads as
# ElementTree reads it once those five are replaced. A token is a row's start (or a whole
# empty row), a row's end, or a cell.
_PLAIN_CELL_FORM = (
    r'<c r="([A-Z]{1,3})([1-9][0-9]*)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
    r'(?: ?/>|>(?:(<v>)([^<]*)</v>|(<is>)<t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_ROW_ATTRIBUTES_FORM = r'(?: [A-Za-z]+="[^"<&]*")*'
_PLAIN_TOKEN = re.compile(
    rf'(<row r="[1-9][0-9]*"({_ROW_ATTRIBUTES_FORM})( ?/>|>))|</row>|({_PLAIN_CELL_FORM})'
)
_ATTRIBUTE_NAME = re.compile(r' ([A-Za-z]+)="')
_NOT_PLAIN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_LONE_AMPERSAND = re.compile("&(?!(?:amp|lt|gt|quot|apos);)")


def _plain_text(rows: str) -> bool:
    """No character reference, entity but the five of XML, CDATA end or character that is
    not plain text. Looked for one way at a time: one pattern of the alternatives tried each
    of them at every character of a 9 MB tab."""
    return not ("]]>" in rows or _LONE_AMPERSAND.search(rows) or _NOT_PLAIN_CHARACTER.search(rows))


_ENTITY = re.compile("&(amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)""")
_PLACEHOLDER_NAME = "tutorsync-rows-read"
_PLACEHOLDER = f'<sheetData {_PLACEHOLDER_NAME}=""/>'.encode()


def _in_utf8(xml: bytes) -> bool:
    """The XML is UTF-8, by its declaration or by default."""
    xml = xml.removeprefix(codecs.BOM_UTF8)
    if not xml.startswith(b"<?xml"):
        return True
    encoding = _ENCODING.search(xml, 0, max(xml.find(b"?>"), 0))
    return encoding is None or encoding[1].lower() == b"utf-8"


def _unescaped(text: str) -> str:
    return _ENTITY.sub(lambda entity: _ENTITIES[entity[1]], text) if "&" in text else text


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand references in every tab
def _place(reference: str | None) -> tuple[int, int]:
    """(row, column) from 0 of a plain cell reference ("B12": one to three capitals, then a
    row number from 1). Raises NotReadAlike for any other. Split with str methods, not a
    pattern: a tab of thousands of rows (the coordinator's) holds more references than the
    cache, and each missed one was matched again."""
    text = reference or ""
    letters = text.rstrip("0123456789")
    digits = text[len(letters) :]
    if not (
        0 < len(letters) <= 3
        and letters.isascii()
        and letters.isalpha()
        and letters.isupper()
        and digits[:1] in _FIRST_DIGITS
        and int(digits) <= _MAX_ROW
    ):
        raise NotReadAlike(f"cell reference {reference!r}")
    return int(digits) - 1, _column_index(letters)


_FIRST_DIGITS = frozenset("123456789")


@functools.lru_cache(maxsize=1 << 14)
def _column_index(letters: str) -> int:
    return column_index_from_string(letters) - 1


def _text(element: ElementTree.Element) -> str:
    """openpyxl's `Text.from_tree(element).content`: plain text here, anything else (runs of
    rich text, phonetic guides, attributes openpyxl refuses) by openpyxl itself."""
    plain = None
    for child in element:
        if child.tag != _TEXT:
            return _rich_text(element)
        plain = child.text  # the last one, as openpyxl keeps it
    if element.attrib and any(name[0] != "{" for name in element.attrib):
        return _rich_text(element)
    return plain or ""


def _rich_text(element: ElementTree.Element) -> str:
    try:
        return str(Text.from_tree(element).content)
    except Exception as error:  # openpyxl raises many kinds on damaged text
        raise NotReadAlike(str(error)) from None


def _is_number(text: str) -> bool:
    """Digits only, which openpyxl reads as the same number (it reads some others too)."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class _Relationship:
    id: str | None
    type: str
    target: str  # inside the package: made absolute, as openpyxl makes it


def _relationships(
    part: Callable[[str], bytes | None], sheet_part: str
) -> list[_Relationship] | None:
    """The worksheet's relationships as openpyxl reads them (targets inside the package made
    absolute), or None if it has none."""
    folder, name = posixpath.split(sheet_part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    xml = part(rels)
    if xml is None:
        return None
    try:
        plain = _plain_relationships(ElementTree.fromstring(xml), rels)
        if plain is not None:
            return plain
        read = get_dependents(_OnePart(rels, part), rels)
    except Exception as error:  # openpyxl raises many kinds on a damaged part
        raise NotReadAlike(str(error)) from None
    return [_Relationship(listed.Id, listed.Type, listed.Target) for listed in read]


def _plain_relationships(root: ElementTree.Element, rels: str) -> list[_Relationship] | None:
    """`get_dependents`' reading of relationships with the four attributes openpyxl knows and
    nothing inside them (None for any other, which openpyxl reads itself): an owned tab has a
    relationship for every link, and openpyxl made an object of checked attributes of each."""
    parent = posixpath.split(posixpath.dirname(rels))[0]
    read = []
    for listed in root:
        attributes = listed.attrib
        if not _RELATIONSHIP_ATTRIBUTES.issuperset(attributes):  # nearly always: no others
            attributes = {name: value for name, value in attributes.items() if name[0] != "{"}
        if len(listed) or not _RELATIONSHIP_ATTRIBUTES.issuperset(attributes):
            return None
        kind, target = attributes.get("Type"), attributes.get("Target")
        if kind is None or target is None:
            return None  # openpyxl refuses the list, with a warning
        if attributes.get("TargetMode") != "External":
            target = (
                target[1:]
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(parent, target))
            )
        read.append(_Relationship(attributes.get("Id"), kind, target))
    return read


_RELATIONSHIP_ATTRIBUTES = frozenset({"Id", "Type", "Target", "TargetMode"})


def _comments(
    part: Callable[[str], bytes | None], relationships: list[_Relationship] | None
) -> Iterator[tuple[str, str]]:
    """(reference, text) of each comment, in the order openpyxl puts them on their cells."""
    for relationship in relationships or ():
        if relationship.type != COMMENTS_NS:
            continue
        xml = part(relationship.target)
        if xml is None:
            raise NotReadAlike("a comments part is missing")
        try:
            comments = list(CommentSheet.from_tree(ElementTree.fromstring(xml)).comments)
        except Exception as error:  # openpyxl raises many kinds on a damaged part
            raise NotReadAlike(str(error)) from None
        for ref, comment in comments:
            yield ref, comment.text or ""


@dataclass(frozen=True)
class _OnePart:
    """The little of a zip archive `get_dependents` asks for: one part's bytes."""

    name: str
    part: Callable[[str], bytes | None]

    def read(self, name: str) -> bytes:
        data = self.part(name) if name == self.name else None
        if data is None:
            raise KeyError(name)
        return data
