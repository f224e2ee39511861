"""A source tab's values read by calamine, typed exactly as openpyxl types them.

calamine (python-calamine) reads a worksheet's values many times faster than openpyxl, but
types some cells its own way: every number as a float, a formula's error ("#DIV/0!") as "",
a midnight shown with a time of day as a date, text without `xml:space="preserve"` trimmed,
`_x000D_` escapes decoded, and dates by its own reading of number formats. The parsers, the
data issues and the contract tests were written against openpyxl's types, so this module types
calamine's values as openpyxl would, from the worksheet's XML itself:

- numbers: an int where the cell's text has no "." or exponent (openpyxl's rule), else a float;
- date-formatted numbers: converted here by openpyxl's own `from_excel`, by the style's format;
- error cells: their text.

What it cannot type the same way (cells without an `r` reference, attributes in an order no
common program writes, text calamine would trim or unescape, ISO date cells, a range so sparse
that calamine's dense grid would not fit in memory) raises `NotTypedAlike`, and the caller reads
that tab with openpyxl instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree

from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    is_date_format,
    is_datetime,
    is_timedelta_format,
)
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from python_calamine import CalamineError, CalamineWorkbook

from sheets_schema.cells import CellValue, Grid

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

MAX_DENSE_CELLS = 20_000_000
"""calamine holds a tab as a dense grid (32 bytes a cell) before giving any of it: past this
many cells (a stray value far right or far down), openpyxl streams the tab instead."""


class NotTypedAlike(Exception):
    """This tab has cells calamine would type differently from openpyxl: read it by openpyxl."""


@dataclass(frozen=True)
class Styles:
    """What the workbook's cell formats (`cellXfs`) mean for typing a number."""

    date_formats: dict[int, str]  # style index -> its number format, for date formats only
    durations: frozenset[int]  # style indices whose format is a duration ([h]:mm)
    epoch: datetime  # the workbook's day 0 (1900 or 1904 date system)


def read_styles(styles_xml: bytes | None, *, date1904: bool) -> Styles:
    """The date and duration formats among a workbook's cell formats, classified by openpyxl's
    own functions (as its Stylesheet does), so a cell is a date here when it is one there."""
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    if not styles_xml:
        return Styles({}, frozenset(), epoch)
    root = ElementTree.fromstring(styles_xml)
    custom = {
        _int(number_format.get("numFmtId")): number_format.get("formatCode", "")
        for number_format in root.iterfind(f"{{{_MAIN}}}numFmts/{{{_MAIN}}}numFmt")
    }
    dates: dict[int, str] = {}
    durations = set()
    for index, xf in enumerate(root.iterfind(f"{{{_MAIN}}}cellXfs/{{{_MAIN}}}xf")):
        format_id = _int(xf.get("numFmtId"))
        code = custom[format_id] if format_id in custom else BUILTIN_FORMATS.get(format_id)
        if is_date_format(code):
            dates[index] = code or ""
        if is_timedelta_format(code):
            durations.add(index)
    return Styles(dates, frozenset(durations), epoch)


def sheet_values(calamine: CalamineWorkbook, title: str, xml: bytes, styles: Styles) -> Grid:
    """Every row of the tab `title` (whose worksheet part is `xml`) from A1 on, cells typed as
    openpyxl types them, None where empty; rows are not trimmed. Raises NotTypedAlike."""
    _check_alike(xml)
    fixed = dict(_exact_numbers(xml))
    fixed.update(_error_texts(xml))
    fixed.update(_typed_dates(xml, styles))
    try:
        rows: list[list[Any]] = calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except CalamineError as error:
        raise NotTypedAlike(str(error)) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # pyo3's PanicException: a number calamine cannot convert
        raise NotTypedAlike(str(error)) from None
    for row_index, row in enumerate(rows):
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if not value:
                    row[column] = None
            elif kind is float:
                if value.is_integer() and -_EXACT < value < _EXACT:
                    row[column] = int(value)
            elif kind is not bool and (row_index, column) not in fixed:
                # A date calamine found where openpyxl's reading of the format finds none.
                raise NotTypedAlike(f"a {kind.__name__} openpyxl would read as a number")
    for (row_index, column), value in fixed.items():
        rows.extend([] for _ in range(row_index + 1 - len(rows)))
        row = rows[row_index]
        row.extend([None] * (column + 1 - len(row)))
        row[column] = value
    return rows


def open_calamine(data: bytes) -> CalamineWorkbook:
    """calamine's view of a workbook. Raises NotTypedAlike if calamine cannot read it (openpyxl
    then says what is wrong in words an educator can act on)."""
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as error:
        raise NotTypedAlike(str(error)) from None


def typed_value(value: Any, number_format: Callable[[], str | None]) -> CellValue:
    """A value as openpyxl reads it from a cell whose number format `number_format` gives, as
    tutorsync's readers give it."""
    if isinstance(value, datetime):
        # openpyxl gives every date cell as a datetime; a midnight shown without a time of day
        # is a date. Only looked up at midnight, where it can matter.
        if value.time() == time(0) and is_datetime(number_format()) == "date":
            return value.date()
        return value
    if isinstance(value, timedelta):
        # A duration format ([h]:mm). Within a day it reads as a time of day, as on Sheets.
        if timedelta(0) <= value < timedelta(days=1):
            return (datetime.min + value).time()
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if value is None or isinstance(value, str | int | float | bool | date | time):
        return value
    if isinstance(getattr(value, "text", None), str):  # an array formula's text
        return str(value.text)
    return str(value)


# --- What calamine types differently ----------------------------------------------------------

Place = tuple[int, int]  # a cell's row and column, from 0

_EXACT = 2**53  # past this a float has gaps: the cell's text is the exact int openpyxl gives

# A cell with a value, as Excel, LibreOffice, Google Sheets and openpyxl write it: its reference
# first, its style next, an optional formula before the value.
_VALUE_CELL = (
    rb'<c r="(?P<column>[A-Z]{1,3})(?P<row>[0-9]+)"(?P<attributes>[^>]*?)(?<!/)>'
    rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>(?P<value>[^<]*)</v>"
)
_ERROR_CELL = re.compile(_VALUE_CELL.replace(rb"[^>]*?)", rb'[^>]*? t="e"[^>]*?)'))
# Numbers whose text openpyxl reads as a float though calamine's value is whole ("3.0",
# "1E+3"), or as an int past what a float holds exactly.
# (The exponent's digit is looked behind for: matched ahead, a timestamp's digits were tried one
# by one in every cell.)
_INEXACT_TEXT = re.compile(
    rb"<v>(?:-?[0-9]+\.0*|[-+0-9.]*(?<=[0-9])[eE][-+]?[0-9]+|-?[0-9]{16,})</v>"
)
_NUMBER_CELL = re.compile(_VALUE_CELL)
# Text calamine trims (spaces leading or trailing in a <t> without xml:space) or unescapes, and
# phonetic runs.
_TEXT_CALAMINE_CHANGES = (
    re.compile(rb"<t>[ \t\r\n]"),
    re.compile(rb"_x[0-9A-Fa-f]{4}_"),
    re.compile(rb"<rPh\b"),
)
# Found by its "</t>" and looked behind from there: a search led by the spaces tried every byte.
_TRAILING_SPACE = re.compile(rb"</t>(?<=[ \t\r\n]</t>)")
_STYLE_AFTER_TYPE = re.compile(rb'<c r="[A-Z]+[0-9]+" t="[^"]*"[^>]*? s="')
_LAST_CELL = re.compile(rb'<c r="[A-Z]+([0-9]+)"')
_CELL_WITHOUT_REFERENCE = re.compile(rb'<c (?!r=")')  # one scan, where counting both took two
_TWO_LETTERS, _THREE_LETTERS = re.compile(rb'<c r="[A-Z]{2}'), re.compile(rb'<c r="[A-Z]{3}')


def check_text_alike(shared_strings_xml: bytes | None) -> None:
    """Raise NotTypedAlike if calamine would read some shared text differently from openpyxl
    (trimmed where the file does not say to keep its spaces, or with `_x000D_` decoded)."""
    if shared_strings_xml and _calamine_changes_text(shared_strings_xml):
        raise NotTypedAlike("text calamine would trim or unescape")


def _calamine_changes_text(xml: bytes) -> bool:
    """Some text in `xml` calamine would read otherwise. Searched for one way at a time: as
    one pattern of alternatives, every "<" and every text was tried against each of them."""
    if any(pattern.search(xml) for pattern in _TEXT_CALAMINE_CHANGES):
        return True
    # A trailing space in a <t> without attributes: the last "<" before it opens that <t>.
    return any(
        xml.startswith(b"<t>", xml.rfind(b"<", 0, end.start() - 1))
        for end in _TRAILING_SPACE.finditer(xml)
    )


def _check_alike(xml: bytes) -> None:
    if b"<c>" in xml or _CELL_WITHOUT_REFERENCE.search(xml):
        raise NotTypedAlike("cells without a reference, or written in another order")
    if b"<c " not in xml and b"sheetData>" in xml and b":c " in xml:
        raise NotTypedAlike("cells in a namespace prefix")
    if _STYLE_AFTER_TYPE.search(xml):
        raise NotTypedAlike("cells whose style follows their type")
    if b't="d"' in xml or _calamine_changes_text(xml):
        raise NotTypedAlike("ISO date cells, or text calamine would trim or unescape")
    if _dense_cells(xml) > MAX_DENSE_CELLS:
        raise NotTypedAlike("a range too sparse for calamine's dense grid")


def _dense_cells(xml: bytes) -> int:
    """At most how many cells calamine's grid of this tab holds: the last cell's row (cells
    come in order) times the reach of the widest column reference."""
    last = _LAST_CELL.match(xml, max(xml.rfind(b'<c r="'), 0))
    rows = int(last[1]) if last else 0
    # A reference of three letters has two: it is looked for from the first of those on, so a
    # tab with single letters only (a log's) is scanned once, not twice.
    two = _TWO_LETTERS.search(xml)
    if two is None:
        return rows * 26
    if _THREE_LETTERS.search(xml, two.start()):
        return rows * 16_384
    return rows * 702  # ZZ


def _cells(pattern: re.Pattern[bytes], xml: bytes) -> Iterator[tuple[Place, bytes, bytes]]:
    """(0-based row and column, attributes, value text) of each cell `pattern` matches."""
    for match in pattern.finditer(xml):
        yield _place(match), match["attributes"], match["value"]


def _place(cell: re.Match[bytes]) -> Place:
    return int(cell["row"]) - 1, column_index_from_string(cell["column"].decode()) - 1


def _typed_dates(xml: bytes, styles: Styles) -> Iterator[tuple[Place, CellValue]]:
    """Each number in a date-formatted cell, converted as openpyxl converts it."""
    if not styles.date_formats:
        return
    indices = b"|".join(str(index).encode() for index in sorted(styles.date_formats))
    date_style = rb'"(?P<attributes> s="(?P<style>' + indices + rb')"'
    pattern = re.compile(_VALUE_CELL.replace(rb'"(?P<attributes>', date_style))
    # A log has a date or two in every row: its cells are found by findall, in C, and a
    # (text, style) repeated row after row is converted once.
    converted: dict[tuple[bytes, bytes], CellValue] = {}
    columns: dict[bytes, int] = {}
    for column, row, attributes, style, text in pattern.findall(xml):  # the groups in order
        if b' t="' in attributes and b' t="n"' not in attributes:
            continue  # text, a yes/no or an error in a date-formatted cell
        if (text, style) not in converted:
            converted[text, style] = _date_value(text.decode(), int(style), styles)
        if column not in columns:
            columns[column] = column_index_from_string(column.decode()) - 1
        yield (int(row) - 1, columns[column]), converted[text, style]


def _date_value(text: str, style: int, styles: Styles) -> CellValue:
    if not text:
        return None
    number = _number(text)
    try:
        value = from_excel(number, styles.epoch, timedelta=style in styles.durations)
    except (OverflowError, ValueError):
        # openpyxl reads "#VALUE!"; calamine can panic on it (a duration of 1e300 days).
        raise NotTypedAlike("a date or duration out of range") from None
    return typed_value(value, lambda: styles.date_formats[style])


def _error_texts(xml: bytes) -> Iterator[tuple[Place, CellValue]]:
    """A formula's error ("#DIV/0!") as its text, which calamine gives as ""."""
    if b't="e"' not in xml:
        return
    for place, _, text in _cells(_ERROR_CELL, xml):
        yield place, text.decode() or None


def _exact_numbers(xml: bytes) -> Iterator[tuple[Place, CellValue]]:
    """Numbers whose text openpyxl reads to another type or value than calamine's float does."""
    if not _INEXACT_TEXT.search(xml):
        return
    for place, attributes, text in _cells(_NUMBER_CELL, xml):
        if b' t="' in attributes and b' t="n"' not in attributes:
            continue
        if _INEXACT_TEXT.fullmatch(b"<v>" + text + b"</v>"):
            yield place, _number(text.decode())


def _number(text: str) -> int | float:
    """A number's text as openpyxl reads it: an int unless it has a point or an exponent."""
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _int(text: str | bytes | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
