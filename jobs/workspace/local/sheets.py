"""The local workspace: spreadsheets are files in one folder, named by their path in it.

An `.xlsx` file is a spreadsheet whose worksheets are its tabs; a `.csv` file is a spreadsheet
with one read-only tab named after the file. Sources are read with calamine, typed as openpyxl
types them (`xlsx_values.py`; openpyxl reads a tab calamine would type otherwise), and never
written. Owned tabs are read from their XML as openpyxl's full reader reads them, links,
comments and formatting too (`xlsx_owned.py`; openpyxl reads a tab it would read otherwise),
and written by openpyxl into a workbook of their own, their cells as the XML openpyxl would
write for them (`xlsx_rows.py`), and moved into the `.xlsx` file part by part (`package.py`),
so what openpyxl does not model in the teacher's tabs stays as it was; one atomic file
replacement per write.

Tabs tutorsync owns carry a sheet-scoped defined name, `tutorsync_owned_tab`, whose value is
the tab's key as a text constant (`="tutorsync:demo:summary"`). Excel and LibreOffice keep a
sheet's own names with the sheet when it is renamed or moved, and a text constant holds no cell
reference that would need updating, so a renamed tab is still found by its key.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import logging
import math
import os
import posixpath
import re
import warnings
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path, PurePath
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.formatting.rule import Rule
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.workbook.defined_name import DefinedName, DefinedNameList
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import ARC_STYLE
from python_calamine import CalamineWorkbook

from jobs.errors import MissingTab, WorkspaceError
from jobs.workspace.local.files import check_not_open, read_bytes, replace_file
from jobs.workspace.local.package import (
    OWN_CHART_NAME,
    Package,
    PackageError,
    PackageTab,
    read_package,
    splice,
)
from jobs.workspace.local.xlsx_owned import (
    NotReadAlike,
    SharedStrings,
    WorkbookStyles,
    read_owned_cells,
    workbook_styles,
)
from jobs.workspace.local.xlsx_rows import PlannedCell, RowsWriter, TabCells
from jobs.workspace.local.xlsx_values import (
    NotTypedAlike,
    Styles,
    check_text_alike,
    open_calamine,
    read_styles,
    sheet_values,
    typed_value,
)
from sheets_schema.cells import (
    CellComment,
    CellFormat,
    CellStyle,
    CellValue,
    ColumnFormat,
    Grid,
    Link,
    OwnedTab,
    Sparkline,
    SpreadsheetState,
    TabWrite,
    Tone,
    stored_text,
    trim_grid,
)

log = logging.getLogger(__name__)

OWNED_TAB_MARKER = "tutorsync_owned_tab"
"""The sheet-scoped defined name that marks a tab tutorsync owns; its value is the key."""

_MARKER_COMMENT = "Marks a tab tutorsync writes. Keep it: tutorsync finds the tab by it."

# Characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on the control
# characters; lone surrogates and U+FFFE/U+FFFF would make a file Excel cannot open).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_LEADS = ("=", "+", "-", "@")

NUMBER_FORMATS = {
    ColumnFormat.TEXT: "@",
    ColumnFormat.INTEGER: "0",
    ColumnFormat.DECIMAL: "0.0",
    ColumnFormat.PERCENT: "0%",
    ColumnFormat.DATE: "yyyy-mm-dd",
    ColumnFormat.DATETIME: "yyyy-mm-dd hh:mm",
    ColumnFormat.SPARKLINE: "@",  # block characters: .xlsx files have no in-cell chart
}
_TIME_FORMAT = "hh:mm"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
_ATTENTION_FILL = PatternFill("solid", fgColor="FFF4CE")
_SECTION_FILL = PatternFill("solid", fgColor="D9D9D9")
# Conditional formats (the spreadsheet program applies them, so they follow sorts and edits).
_TONES = {
    Tone.ATTENTION: DifferentialStyle(
        fill=PatternFill("solid", bgColor="FFE699"), font=Font(color="7F6000")
    ),
    Tone.GOOD: DifferentialStyle(
        fill=PatternFill("solid", bgColor="C6EFCE"), font=Font(color="006100")
    ),
}
_OWN_FILLS = frozenset({"EEEEEE", "FFF4CE", "D9D9D9"})  # header, attention, section rows
_OWN_COLOURS = frozenset({"0563C1"})  # links
_SECTION_FONT = Font(bold=True, italic=True)
_LINK_FONT = Font(color="0563C1", underline="single")
_SECTION_LINK_FONT = Font(color="0563C1", underline="single", bold=True, italic=True)
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_LINE_HEIGHT = 15  # points, for the default 11-point font

_TITLE_FORBIDDEN = frozenset("[]:*?/\\")
_TITLE_MAX = 31


class LocalSpreadsheets:
    """The `Spreadsheets` port over `.xlsx` and `.csv` files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._read: dict[Path, _Xlsx] = {}

    # --- The port ---------------------------------------------------------------------------

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str]) -> dict[str, Grid]:
        """Values of the named source tabs. Raises WorkspaceError if the file or a tab is
        missing, the file is open in another program or unreadable, or a tab is owned."""
        path = self._existing(spreadsheet)
        if _is_csv(path):
            # A .csv file is one tab, whatever the config calls it (exports name it anything).
            grid = _read_csv(path, spreadsheet)
            return {tab: [list(row) for row in grid] for tab in tabs}
        # A source open in Excel can still be read: the file holds its last saved version.
        return self._opened(path, spreadsheet).source_grids(tabs)

    def list_tabs(self, spreadsheet: str) -> list[str]:
        """Titles of the tabs tutorsync does not own, in order (a .csv file: its one tab)."""
        path = self._existing(spreadsheet)
        if _is_csv(path):
            return [path.stem]
        return self._opened(path, spreadsheet).source_titles()

    def read_state(self, spreadsheet: str) -> SpreadsheetState:
        """Owned tabs with their values (links as `Link`), and the other tabs' titles. A file
        that does not exist yet reads as empty; a .csv file holds no owned tab. A file open in
        another program is refused here already, since tutorsync reads state to write."""
        path = self._path(spreadsheet)
        if not path.exists():
            return SpreadsheetState(exists=False, owned={}, other_titles=frozenset())
        if _is_csv(path):
            return SpreadsheetState(exists=True, owned={}, other_titles=frozenset({path.stem}))
        check_not_open(path, spreadsheet)
        return self._opened(path, spreadsheet).state()

    def check_writable(self, spreadsheet: str) -> None:
        """The file (or, if it does not exist yet, its folder) can be written and is not open
        in another program."""
        path = self._path(spreadsheet)
        if _is_csv(path):
            raise WorkspaceError(f"{spreadsheet} is a .csv file; tutorsync writes only .xlsx")
        check_not_open(path, spreadsheet)
        folder = path.parent if path.parent.exists() else self.root
        if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK):
            raise WorkspaceError(
                f"{spreadsheet} cannot be written (permission denied); let the account that "
                "runs tutorsync write that file and its folder"
            )

    def write_owned_tabs(self, spreadsheet: str, writes: Sequence[TabWrite]) -> None:
        """Replace each owned tab's content, adding tabs that are missing, in one atomic
        replacement of the file (created if missing). Other tabs keep their values, formulas
        and formula results. Raises WorkspaceError, having written nothing, if a new tab's
        title is taken or invalid, or the file is open, unreadable or cannot be replaced."""
        path = self._path(spreadsheet)
        if _is_csv(path):
            raise WorkspaceError(
                f"{spreadsheet}: a .csv file holds one tab; "
                "name an .xlsx spreadsheet for tutorsync's tabs"
            )
        _check_keys(spreadsheet, writes)
        if not writes:
            return
        check_not_open(path, spreadsheet)
        original = read_bytes(path, spreadsheet) if path.exists() else None
        if original is None and path.suffix.lower() == ".xlsm":
            raise WorkspaceError(
                f"there is no {spreadsheet} to add tutorsync's tabs to; tutorsync makes a new "
                "spreadsheet only as .xlsx (name it so in the config)"
            )
        package = _package(original, spreadsheet) if original is not None else None
        owned: dict[str, str] = {}  # key -> title
        for tab in package.tabs if package else ():
            key = _owned_key_in(tab.names)
            # A copy of an owned tab (Excel copies a sheet's names too) is left alone.
            if key and key not in owned and tab.worksheet:
                owned[key] = tab.title
        titles = _tab_titles(
            spreadsheet, [tab.title for tab in package.tabs] if package else [], owned, writes
        )
        # openpyxl writes tutorsync's tabs only; the teacher's file gets them part by part.
        workbook = Workbook()
        workbook.remove(workbook.active)  # its empty "Sheet" would be left in the file
        if package and package.date1904:
            workbook.epoch = CALENDAR_MAC_1904
        planned: dict[str, TabCells] = {}
        for write in writes:
            sheet = workbook.create_sheet(titles[write.key])
            if package:
                sheet.sheet_view.tabSelected = False  # the teacher's selected tab stays so
            _mark_owned(sheet, write.key)
            planned[sheet.title] = _fill_tab(sheet, write)
            _add_charts(sheet, write)
        # A scratch workbook is spliced into the file (which compresses what it adds), so it
        # is not compressed first only for splice to decompress it.
        data = _saved(
            workbook, planned, zipfile.ZIP_DEFLATED if original is None else zipfile.ZIP_STORED
        )
        if original is not None:
            replacing = {owned[write.key] for write in writes if write.key in owned}
            try:
                data = splice(original, data, replacing)
            except PackageError as error:
                raise WorkspaceError(_unreadable(spreadsheet, error)) from None
        replace_file(path, data, spreadsheet)
        self._read.pop(path, None)

    # --- References -------------------------------------------------------------------------

    def _path(self, spreadsheet: str) -> Path:
        """The file a reference names; it must stay inside the workspace folder."""
        reference = PurePath(spreadsheet)
        parts = PurePath(posixpath.normpath(reference.as_posix())).parts
        if not spreadsheet or reference.is_absolute() or reference.anchor or parts[:1] == ("..",):
            raise WorkspaceError(
                f"{spreadsheet!r} is not a path inside the workspace folder ({self.root}); "
                "name spreadsheets by their path relative to it, like gradebooks/smith.xlsx"
            )
        path = self.root.joinpath(*parts)
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv"):
            hint = " (save it as .xlsx)" if path.suffix.lower() in (".xls", ".ods") else ""
            raise WorkspaceError(
                f"{spreadsheet} is not an .xlsx, .xlsm or .csv file{hint}; "
                "the local workspace reads only those"
            )
        return path

    def _opened(self, path: Path, spreadsheet: str) -> _Xlsx:
        """The file as read now, parsed once for as long as its bytes stay the same: a run
        reads a gradebook's owned tab and its source tab, and each call sees the file as it
        is (someone may have saved it since)."""
        data = read_bytes(path, spreadsheet)
        opened = self._read.get(path)
        if opened is None or opened.data != data:
            opened = self._read[path] = _Xlsx(data, spreadsheet)
        return opened

    def _existing(self, spreadsheet: str) -> Path:
        path = self._path(spreadsheet)
        if not path.is_file():
            raise WorkspaceError(
                f"there is no spreadsheet {spreadsheet} in the workspace folder ({self.root}); "
                "check the path in the config"
            )
        return path


# --- The owned-tab marker ---------------------------------------------------------------------


def owned_key(sheet: Any) -> str | None:
    """The key of the owned tab `sheet` is, "" if it is marked but the key is unreadable, or
    None if tutorsync does not own it. Works on read-only and full worksheets."""
    for name, definition in sheet.defined_names.items():
        # Defined names are case-insensitive in Excel.
        if name.casefold() == OWNED_TAB_MARKER:
            return _key_from_formula(definition.attr_text or "")
    return None


def _owned_key_in(names: Mapping[str, str]) -> str | None:
    """Like `owned_key`, from a tab's sheet-scoped names (casefolded) as the package lists them."""
    definition = names.get(OWNED_TAB_MARKER)
    return None if definition is None else _key_from_formula(definition)


def _mark_owned(sheet: Any, key: str) -> None:
    sheet.defined_names[OWNED_TAB_MARKER] = DefinedName(
        OWNED_TAB_MARKER, attr_text=_key_formula(key), comment=_MARKER_COMMENT
    )


def _key_formula(key: str) -> str:
    # A text constant in formula syntax: quotes doubled inside.
    return '"' + key.replace('"', '""') + '"'


def _key_from_formula(text: str) -> str:
    text = text.strip().removeprefix("=")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return ""


def _check_keys(spreadsheet: str, writes: Sequence[TabWrite]) -> None:
    seen: set[str] = set()
    for write in writes:
        # Excel limits a text constant in a formula to 255 characters.
        if not write.key or len(write.key) > 255 or _NOT_XML_TEXT.search(write.key):
            raise WorkspaceError(
                f"{spreadsheet}: tab key {write.key!r} cannot be stored in an .xlsx file "
                "(keys have 1 to 255 printable characters)"
            )
        if write.key in seen:
            raise WorkspaceError(f"{spreadsheet}: tab key {write.key!r} is written twice")
        seen.add(write.key)


def _tab_titles(
    spreadsheet: str,
    current_titles: Iterable[str],
    owned: Mapping[str, str],
    writes: Sequence[TabWrite],
) -> dict[str, str]:
    """The title each write's tab will have: an owned tab keeps its (maybe renamed) title, a
    new tab takes the write's title if no other tab has it (Excel compares titles without
    case)."""
    taken = {title.casefold(): title for title in current_titles}
    ours = set(owned.values())
    titles: dict[str, str] = {}
    for write in writes:
        if write.key in owned:
            titles[write.key] = owned[write.key]
            continue
        _check_title(spreadsheet, write.title)
        clash = taken.get(write.title.casefold())
        if clash is not None:
            whose = "another of tutorsync's tabs" if clash in ours else "tutorsync does not own"
            raise WorkspaceError(
                f"{spreadsheet} already has a tab {clash!r} ({whose}), so tutorsync's tab "
                f"{write.title!r} was not written; rename that tab or choose another title"
            )
        taken[write.title.casefold()] = write.title
        titles[write.key] = write.title
    return titles


def _check_title(spreadsheet: str, title: str) -> None:
    if (
        not title
        or len(title) > _TITLE_MAX
        or any(ch in _TITLE_FORBIDDEN for ch in title)
        or title[0] == "'"
        or title[-1] == "'"
        or _NOT_XML_TEXT.search(title)
        or title.casefold() == "history"  # reserved by Excel
    ):
        raise WorkspaceError(
            f"{spreadsheet}: {title!r} cannot be a tab title in an .xlsx file; titles have 1 "
            "to 31 characters, none of [ ] : * ? / \\, and do not start or end with '"
        )


# --- Reading ----------------------------------------------------------------------------------


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def _no_tab_message(spreadsheet: str, tab: str, titles: Sequence[str]) -> str:
    listed = ", ".join(repr(title) for title in titles) or "none"
    return f"{spreadsheet} has no tab {tab!r}; its tabs are: {listed}"


def _read_csv(path: Path, spreadsheet: str) -> Grid:
    """Every cell as text ("" as None), whichever of , ; or tab separates the values."""
    text = csv_text(read_bytes(path, spreadsheet))
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_csv_delimiter(text))
        return trim_grid([[cell if cell != "" else None for cell in row] for row in rows])
    except csv.Error as error:
        raise WorkspaceError(f"{spreadsheet} is not a readable .csv file ({error})") from None


def csv_text(raw: bytes) -> str:
    """A CSV file's text in the encoding that reads it cleanly: UTF-8 or UTF-16 by their byte
    order marks (Excel's "CSV UTF-8" and "Unicode text"), UTF-16 by its zero bytes, UTF-8,
    else Windows' cp1252 (Excel's plain "CSV"). A UTF-8 file with a stray byte stays UTF-8:
    the byte alone becomes U+FFFD (reported at its cell), not every accent turned to mojibake."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    sample = raw[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):  # one byte in two is zero
        odd_zeros = sample[1::2].count(0) >= sample[0::2].count(0)
        return raw.decode("utf-16-le" if odd_zeros else "utf-16-be", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    as_utf8 = raw.decode("utf-8", errors="replace")
    unreadable = as_utf8.count("\ufffd")
    readable = sum(1 for char in as_utf8 if ord(char) > 127) - unreadable
    if readable > unreadable:
        return as_utf8
    return raw.decode("cp1252", errors="replace")


def _csv_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # One column, or too irregular to sniff: go by the header line.
        header = next((line for line in text.splitlines() if line.strip()), "")
        counts = {delimiter: header.count(delimiter) for delimiter in ",;\t"}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


class _Xlsx:
    """One `.xlsx` file as read: its tabs from the package, source values by calamine (by
    openpyxl where calamine would type a cell differently, see xlsx_values), and owned tabs
    from their XML (by openpyxl in full, those tabs only, where it would read them otherwise,
    see xlsx_owned). What a read works out is kept for the next read."""

    def __init__(self, data: bytes, spreadsheet: str) -> None:
        self.data = data
        self.spreadsheet = spreadsheet
        self._strings: SharedStrings | None = None
        try:
            self.package: Package | None = read_package(data)
            self.package_error: PackageError | None = None
        except PackageError as error:  # openpyxl may read some of these; it says why if not
            self.package, self.package_error = None, error

    def source_titles(self) -> list[str]:
        if self.package is None:
            with _openpyxl_workbook(self.data, self.spreadsheet) as workbook:
                return [sheet.title for sheet in workbook.worksheets if owned_key(sheet) is None]
        return [tab.title for tab in self._sources()]

    def source_grids(self, tabs: Sequence[str]) -> dict[str, Grid]:
        if self.package is None:
            return self._grids_by_openpyxl(tabs)
        worksheets = {tab.title: tab for tab in self.package.tabs if tab.worksheet}
        for title in tabs:
            tab = worksheets.get(title)
            if tab is None:
                titles = [source.title for source in self._sources()]
                raise MissingTab(_no_tab_message(self.spreadsheet, title, titles))
            if _owned_key_in(tab.names) is not None:
                raise WorkspaceError(
                    f"{self.spreadsheet} › {title} is a tab tutorsync writes, not a source; "
                    "name an educator's tab instead"
                )
        grids: dict[str, Grid] = {}
        for title in tabs:
            try:
                grids[title] = self._grid_by_calamine(worksheets[title])
            except NotTypedAlike:
                grids.update(self._grids_by_openpyxl([title]))
        return grids

    def state(self) -> SpreadsheetState:
        if self.package is None:
            raise WorkspaceError(_unreadable(self.spreadsheet, self.package_error or Exception()))
        owned_titles: dict[str, str] = {}  # key -> title
        others: set[str] = set()
        for tab in self.package.tabs:
            key = _owned_key_in(tab.names) if tab.worksheet else None
            # A copy of an owned tab (Excel copies a sheet's names too) is left alone: the
            # first tab with a key is the one tutorsync writes.
            if key and key not in owned_titles:
                owned_titles[key] = tab.title
            else:
                others.add(tab.title)
        owned = self._owned_tabs(owned_titles) if owned_titles else {}
        return SpreadsheetState(exists=True, owned=owned, other_titles=frozenset(others))

    def _owned_tabs(self, titles: Mapping[str, str]) -> dict[str, OwnedTab]:
        """The owned tabs (key -> title) read from their XML as openpyxl's full reader reads
        them, or, if it would read one of them another way, all of them by openpyxl."""
        assert self.package is not None
        parts = {tab.title: tab.part for tab in self.package.tabs}
        try:
            with warnings.catch_warnings():
                # Warnings about features openpyxl cannot keep do not matter to a read.
                warnings.simplefilter("ignore")
                return {key: self._owned_tab(key, t, parts[t]) for key, t in titles.items()}
        except (NotReadAlike, NotTypedAlike):
            sheets = self._owned_sheets(set(titles.values()))
            return {key: _owned_tab(key, sheets[title]) for key, title in titles.items()}

    def _owned_tab(self, key: str, title: str, part: str) -> OwnedTab:
        """An owned tab read from its XML. Raises NotReadAlike (or NotTypedAlike, for a damaged
        part)."""
        styles = self._workbook_styles
        cells = read_owned_cells(self._part, part, styles, self._shared_strings)
        comments = tuple(
            CellComment(row, column, text)
            for row, column, raw in cells.comments
            if (text := stored_text(raw))
        )
        by_index: dict[int, CellStyle | None] = {}  # _style_in's cache, by the style's index
        formats = []
        for row, column, index in cells.styled:
            if index not in by_index:
                by_index[index] = _style_of(styles.font(index), styles.fill(index))
            if style := by_index[index]:
                formats.append(CellFormat(row, column, style))
        return OwnedTab(key, title, cells.grid, comments, tuple(formats))

    @functools.cached_property
    def _workbook_styles(self) -> WorkbookStyles:
        assert self.package is not None
        # openpyxl reads the stylesheet from this part, whatever the package's relationships say.
        epoch = CALENDAR_MAC_1904 if self.package.date1904 else CALENDAR_WINDOWS_1900
        return workbook_styles(self._part(ARC_STYLE), epoch)

    def _shared_strings(self) -> SharedStrings:
        """The shared string table, read the first time an owned tab's cell uses it."""
        if self._strings is None:
            assert self.package is not None
            part = self.package.shared_strings
            self._strings = SharedStrings(self._part(part) if part else None)
        return self._strings

    def _sources(self) -> list[PackageTab]:
        tabs = self.package.tabs if self.package else ()
        return [tab for tab in tabs if tab.worksheet and _owned_key_in(tab.names) is None]

    def _grid_by_calamine(self, tab: PackageTab) -> Grid:
        calamine, styles = self._calamine
        xml = self._part(tab.part)
        if xml is None:
            raise NotTypedAlike("no worksheet part")
        rows = sheet_values(calamine, tab.title, xml, styles)
        return _table(rows, f"{self.spreadsheet} › {tab.title}")

    @functools.cached_property
    def _calamine(self) -> tuple[CalamineWorkbook, Styles]:
        """calamine's reader and the workbook's date formats, once the shared text is known to
        read alike (raises NotTypedAlike otherwise, each time it is asked)."""
        assert self.package is not None
        if self.package.shared_strings:
            check_text_alike(self._part(self.package.shared_strings))
        styles = self._part(self.package.styles) if self.package.styles else None
        try:
            read = read_styles(styles, date1904=self.package.date1904)
        except ElementTree.ParseError as error:
            raise NotTypedAlike(str(error)) from None
        return open_calamine(self.data), read

    def _part(self, name: str) -> bytes | None:
        try:
            return self._archive.read(name)
        except KeyError:
            return None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise NotTypedAlike(str(error)) from None

    @functools.cached_property
    def _archive(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))

    def _grids_by_openpyxl(self, tabs: Sequence[str]) -> dict[str, Grid]:
        grids: dict[str, Grid] = {}
        with _openpyxl_workbook(self.data, self.spreadsheet) as workbook:
            by_title = {sheet.title: sheet for sheet in workbook.worksheets}
            for tab in tabs:
                sheet = by_title.get(tab)
                if sheet is None:
                    sources = [s.title for s in workbook.worksheets if owned_key(s) is None]
                    raise MissingTab(_no_tab_message(self.spreadsheet, tab, sources))
                if owned_key(sheet) is not None:
                    raise WorkspaceError(
                        f"{self.spreadsheet} › {tab} is a tab tutorsync writes, not a source; "
                        "name an educator's tab instead"
                    )
                grids[tab] = _source_grid(sheet, f"{self.spreadsheet} › {tab}")
        return grids

    def _owned_sheets(self, titles: Collection[str]) -> dict[str, Any]:
        """The tabs titled `titles`, read by openpyxl in full mode: read-only mode reads no
        hyperlinks. A formula someone typed into an owned tab reads as its text, as on Google,
        and is carried as that text."""
        try:
            with warnings.catch_warnings():
                # Warnings about features openpyxl cannot keep do not matter to a read.
                warnings.simplefilter("ignore")
                reader = _TabsReader(self.data, titles)
                reader.read()
        except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
            raise WorkspaceError(_unreadable(self.spreadsheet, error)) from None
        return {sheet.title: sheet for sheet in reader.wb.worksheets}


class _TabsReader(ExcelReader):
    """openpyxl's full reader, for some tabs only: the others (a teacher's own gradebook, a
    tutor log of thousands of rows) would cost most of the read and are not needed."""

    def __init__(self, data: bytes, titles: Collection[str]) -> None:
        super().__init__(io.BytesIO(data), read_only=False, data_only=False, keep_links=False)
        self._titles = titles

    def read_workbook(self) -> None:
        super().read_workbook()
        self.parser.sheets = [sheet for sheet in self.parser.sheets if sheet.name in self._titles]
        # Sheet-scoped names point at tabs by position, which the tabs left out would shift;
        # reading values needs no name.
        self.parser.defined_names = DefinedNameList()


def _owned_tab(key: str, sheet: Any) -> OwnedTab:
    comments: list[CellComment] = []
    formats: list[CellFormat] = []
    grid = _values_grid(sheet.iter_rows(), links=True, comments=comments, formats=formats)
    return OwnedTab(key, sheet.title, grid, tuple(comments), tuple(formats))


@contextmanager
def _openpyxl_workbook(data: bytes, spreadsheet: str) -> Iterator[Any]:
    """The workbook in openpyxl's read-only mode, formula cells giving their last result."""
    try:
        with warnings.catch_warnings():
            # Warnings about features openpyxl cannot keep do not matter to a read.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                yield workbook
            finally:
                workbook.close()
    except WorkspaceError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        raise WorkspaceError(_unreadable(spreadsheet, error)) from None


def _unreadable(spreadsheet: str, error: Exception) -> str:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (
        f"{spreadsheet} is not a readable .xlsx file ({reason}); "
        "open it in Excel or LibreOffice and save it as .xlsx"
    )


MAX_SOURCE_CELLS = 10_000_000  # Google Sheets' own limit for a whole spreadsheet
HEADER_ROWS = 10  # sheets_schema.headers.HEADER_SEARCH_ROWS: the first non-blank rows it reads


def _source_grid(sheet: Any, where: str) -> Grid:
    """A source tab's values by openpyxl, read as `_table` reads them, streamed: only the
    columns of the table are read."""
    # Some programs write a wrong <dimension>; ignore it and read every row.
    sheet.reset_dimensions()
    width = _table_width(sheet.iter_rows(values_only=True))
    if width == 0:
        return []
    grid: Grid = []
    for row in sheet.iter_rows(max_col=width):
        grid.append([_cell_value(cell) for cell in row])
        if len(grid) * width > MAX_SOURCE_CELLS:
            raise WorkspaceError(_too_many_cells(where, len(grid), width))
    return trim_grid(grid)


def _table(rows: Grid, where: str) -> Grid:
    """A source tab's values, as wide as the table in its first rows (where the header is): a
    column with no header is never read by a parser, and a stray cell at column XFD in every
    row would otherwise make each row 16,384 cells (a 113 KB file took 5.3 GB). Past
    MAX_SOURCE_CELLS, a clear error."""
    width = _table_width(rows)
    if width == 0:
        return []
    if len(rows) * width > MAX_SOURCE_CELLS:
        raise WorkspaceError(_too_many_cells(where, MAX_SOURCE_CELLS // width + 1, width))
    return _trimmed(rows, width)


def _trimmed(rows: Grid, width: int) -> Grid:
    """`trim_grid` of the rows cut to `width`, copying a row only where it is cut: a log's
    tens of thousands of rows were copied twice each."""
    grid: Grid = []
    for row in rows:
        end = min(len(row), width)
        while end and (row[end - 1] is None or row[end - 1] == ""):
            end -= 1
        grid.append(row if end == len(row) else row[:end])
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _table_width(rows: Iterable[Sequence[Any]]) -> int:
    """How far the table reaches in its first HEADER_ROWS rows that are not blank."""
    width = 0
    seen = 0
    for row in rows:
        extent = _extent(row)
        if extent:
            width, seen = max(width, extent), seen + 1
            if seen == HEADER_ROWS:
                break
    return width


def _too_many_cells(where: str, rows: int, width: int) -> str:
    return (
        f"{where} holds more than {MAX_SOURCE_CELLS:,} cells, {rows:,} rows as "
        f"wide as column {get_column_letter(width)}, tutorsync's limit for a source: "
        "delete any stray cell right of its last column, or move older rows to "
        "another tab"
    )


MAX_GAP = 256  # blank columns after which a cell is stray, not part of the table


def _extent(values: Sequence[Any]) -> int:
    """How far a row's table reaches: to its last cell before a gap of more than MAX_GAP blank
    columns (what lies beyond is a stray cell, such as one typed in column XFD)."""
    last = -1
    for index, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip()):  # as parsers see it
            if index - last > MAX_GAP:
                break
            continue
        last = index
    return last + 1


def _values_grid(
    rows: Iterable[Sequence[Any]],
    *,
    links: bool = False,
    comments: list[CellComment] | None = None,
    formats: list[CellFormat] | None = None,
) -> Grid:
    """The cells' values (links as `Link`, if `links`), and their comments and formatting
    added to `comments` and `formats` if given."""
    grid: Grid = []
    styles: dict[int, CellStyle | None] = {}  # by the workbook's index of the cell's style
    for row in rows:
        values = []
        for cell in row:
            if comments is not None and getattr(cell, "comment", None) is not None:
                text = stored_text(cell.comment.text or "")
                if text:
                    comments.append(CellComment(cell.row - 1, cell.column - 1, text))
            if formats is not None and cell.has_style and (style := _style_in(cell, styles)):
                formats.append(CellFormat(cell.row - 1, cell.column - 1, style))
            value = _cell_value(cell)
            if links and isinstance(value, str) and getattr(cell, "hyperlink", None):
                link = cell.hyperlink
                url = (link.target or "") + (f"#{link.location}" if link.location else "")
                if url:
                    value = Link(value, url)
            values.append(value)
        grid.append(values)
    return trim_grid(grid)


def _cell_value(cell: Any) -> CellValue:
    return typed_value(cell.value, lambda: getattr(cell, "number_format", None))


# --- Writing ----------------------------------------------------------------------------------


class _InMemoryWriter(ExcelWriter):
    """openpyxl's writer, each worksheet in memory: openpyxl's own passes it through a file in
    the system's temporary folder, and a full disk then ended a run in a traceback (and an
    'exception ignored' when its half-written stream was collected). A worksheet's cells are
    the ones planned for it (xlsx_rows.py), not openpyxl cells."""

    def __init__(
        self, workbook: Workbook, archive: zipfile.ZipFile, planned: Mapping[str, TabCells]
    ) -> None:
        super().__init__(workbook, archive)
        self._planned = planned

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = _own_drawing()
        ws._drawing.charts, ws._drawing.images = ws._charts, ws._images
        writer = RowsWriter(ws, self._planned[ws.title], out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def _own_drawing() -> SpreadsheetDrawing:
    """A tab's drawing whose charts are named as tutorsync's: the next write replaces them and
    keeps what an educator drew beside them (package.py). (A subclass would draw nothing:
    openpyxl serialises the elements a class declares itself.)"""
    drawing = SpreadsheetDrawing()
    frame = drawing._chart_frame

    def named_frame(idx: int) -> Any:
        made = frame(idx)
        made.nvGraphicFramePr.cNvPr.name = f"{OWN_CHART_NAME}{idx}"
        return made

    drawing._chart_frame = named_frame
    return drawing


def _saved(workbook: Workbook, planned: Mapping[str, TabCells], compression: int) -> bytes:
    out = io.BytesIO()
    archive = zipfile.ZipFile(out, "w", compression, allowZip64=True)
    _InMemoryWriter(workbook, archive, planned).save()  # closes the archive
    return out.getvalue()


def _package(original: bytes, spreadsheet: str) -> Package:
    try:
        return read_package(original)
    except PackageError as error:
        raise WorkspaceError(_unreadable(spreadsheet, error)) from None


def _fill_tab(sheet: Any, write: TabWrite) -> TabCells:
    """Header, rows and formatting of one freshly created tab; its cells are returned, for
    the writer."""
    cells = TabCells(sheet)
    width = len(write.header)
    text_widths = [len(text) for text in write.header]
    for column, text in enumerate(write.header, 1):
        cell = cells.cell(1, column)
        _plan_text(cells, cell, text)
        cells.give(cell, font=_HEADER_FONT, fill=_HEADER_FILL)
    tall_rows: set[int] = set()
    wrapped: set[tuple[int, int]] = set()
    for index, row in enumerate(write.rows):
        section = index in write.section_rows
        fill = (
            _SECTION_FILL if section else _ATTENTION_FILL if index in write.attention_rows else None
        )
        for column in range(1, max(len(row), width if fill else 0) + 1):
            value = row[column - 1] if column <= len(row) else None
            column_format = (
                write.column_formats[column - 1] if column <= len(write.column_formats) else None
            )
            if value is None and fill is None:
                continue
            cell = cells.cell(index + 2, column)
            number_format = _planned(cells, cell, (index + 2, column), value, column_format)
            font = None
            if isinstance(value, Link):
                font = _SECTION_LINK_FONT if section else _LINK_FONT
            elif section:
                font = _SECTION_FONT
            alignment = None
            if isinstance(value, str) and len(value) > _MAX_WIDTH and not section:
                alignment = _WRAPPED  # long sentences (flags, notes) wrap, not vanish
                wrapped.add((index + 2, column))
                # Spreadsheet programs do not grow a row for wrapped text they did not type.
                lines = -(-len(value) // _MAX_WIDTH) + value.count("\n")
                height = sheet.row_dimensions[index + 2].height or 0
                sheet.row_dimensions[index + 2].height = max(height, _LINE_HEIGHT * lines)
                tall_rows.add(index + 2)
            cells.give(
                cell,
                font=font,
                fill=fill if column <= width else None,
                alignment=alignment,
                number_format=number_format,
            )
            if column > len(text_widths):
                text_widths.extend([0] * (column - len(text_widths)))
            if not section:  # a heading or "Last updated" line runs across: not a width
                text_widths[column - 1] = max(text_widths[column - 1], _shown_length(value))
    last_column = cells.max_column
    for row_number in tall_rows:
        # A row as tall as its wrapped sentences reads along its top, not its bottom.
        for column in range(1, last_column + 1):
            if (row_number, column) not in wrapped:
                cells.give(cells.cell(row_number, column), alignment=_TOP)
    for column, longest in enumerate(text_widths, 1):
        dimension = sheet.column_dimensions[get_column_letter(column)]
        dimension.width = min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 2))
        if column <= len(write.column_formats):
            # The column's own format is what a cell typed below the rows gets, so a teacher
            # typing 00123 into a text column keeps the zeros.
            dimension.number_format = NUMBER_FORMATS[write.column_formats[column - 1]]
    _add_highlights(sheet, write)
    _add_carried(cells, write)
    sheet.freeze_panes = "A2"
    if width:
        # Filter buttons on the header: educators sort and filter these tabs, and tutorsync
        # matches rows by student ID, so any order they choose is safe.
        sheet.auto_filter.ref = f"A1:{get_column_letter(width)}{write.table_rows}"
    # Printed, a tab fits the page width in landscape rather than spilling columns over pages,
    # with its header on every page; only the columns read on paper, so the text stays legible.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    if write.printed_columns:
        sheet.print_area = f"A1:{get_column_letter(write.printed_columns)}{len(write.rows) + 1}"
    return cells


def _add_charts(sheet: Any, write: TabWrite) -> None:
    """The tab's line charts, drawn from its own cells: a line per series column named by its
    header, along the domain column's labels, the legend below as on Google."""
    for chart in write.charts:
        line = LineChart()
        line.title = chart.title
        last_row = chart.rows + 1
        for column in chart.series_columns:
            values = Reference(sheet, min_col=column + 1, min_row=1, max_row=last_row)
            line.add_data(values, titles_from_data=True)
        domain = chart.domain_column + 1
        line.set_categories(Reference(sheet, min_col=domain, min_row=2, max_row=last_row))
        line.legend.position = "b"
        # openpyxl marks axes deleted unless told otherwise: Excel then draws no labels.
        line.x_axis.delete = line.y_axis.delete = False
        if chart.domain_column < len(write.header):
            line.x_axis.title = write.header[chart.domain_column]
        anchor = f"{get_column_letter(chart.anchor_column + 1)}{chart.anchor_row + 1}"
        sheet.add_chart(line, anchor)


def _add_carried(cells: TabCells, write: TabWrite) -> None:
    """Comments and formatting someone gave the tab's cells, where plan_writes put them."""
    for comment in write.comments:
        text = _xml_text(comment.text)
        if text:
            box = Comment(text, "")  # openpyxl adds the comment box Excel shows
            box.width, box.height = 240, 100
            cells.cell(comment.row + 1, comment.column + 1).comment = box
    for carried in write.formats:
        cells.carry_format(cells.cell(carried.row + 1, carried.column + 1), carried.style)


def _style_in(cell: Any, styles: dict[int, CellStyle | None]) -> CellStyle | None:
    """`_style_of(cell)`, worked out once per style: openpyxl makes a font and a fill object
    each time a cell's are asked for, which cost more than reading the tab."""
    style_id = cell.style_id
    if style_id not in styles:
        styles[style_id] = _style_of(cell.font, cell.fill)
    return styles[style_id]


def _style_of(font: Any, fill: Any) -> CellStyle | None:
    """The formatting someone gave a cell of this font and fill, None if none (tutorsync's own
    colours are not)."""
    color = _rgb(font.color) if font is not None else None
    background = _rgb(fill.fgColor) if fill is not None and fill.fill_type == "solid" else None
    style = CellStyle(
        bold=bool(font and font.b),
        italic=bool(font and font.i),
        strikethrough=bool(font and font.strike),
        color=None if color in _OWN_COLOURS else color,
        background=None if background in _OWN_FILLS else background,
    )
    return None if style == CellStyle() else style


def _rgb(color: Any) -> str | None:
    if color is None or getattr(color, "type", None) != "rgb" or not isinstance(color.rgb, str):
        return None
    return color.rgb[-6:].upper()


def _add_highlights(sheet: Any, write: TabWrite) -> None:
    """Each column's conditional formats, over its data rows."""
    if not write.rows:
        return
    for highlight in write.highlights:
        letter = get_column_letter(highlight.column + 1)
        first = f"${letter}2"
        if highlight.rule == "equals":
            text = str(highlight.value).replace('"', '""')
            formula = f'{first}="{text}"'
        elif highlight.rule == "not_blank":
            formula = f"LEN({first})>0"
        else:  # "below"
            formula = f"AND(ISNUMBER({first}),{first}<{float(highlight.value):g})"
        rule = Rule(type="expression", formula=[formula], dxf=_TONES[highlight.tone])
        sheet.conditional_formatting.add(f"{letter}2:{letter}{len(write.rows) + 1}", rule)


def put_value(cell: Any, value: CellValue, column_format: ColumnFormat | None) -> None:
    """Store `value` so that reading it back gives it again: text as text, and dates, times and
    datetimes with a number format of their own kind (a date shown with a time would read
    back as a datetime)."""
    number_format = _stored(cell, value, column_format)
    if number_format:
        cell.number_format = number_format


def _stored(cell: Any, value: CellValue, column_format: ColumnFormat | None) -> str | None:
    """`put_value` but for the number format, which is returned for the caller to set."""
    kind, stored, number_format = _storage(value, column_format)
    if isinstance(stored, Link):
        _put_text(cell, stored.text)
        target, location = _link_parts(stored)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, target=target, location=location)
    elif kind == "text":
        _put_text(cell, stored)
    elif kind == "number":
        cell.value, cell.data_type = stored, "n"  # the exact text, told it is a number
    else:
        cell.value = stored  # a boolean, a moment, or nothing
    return number_format


def _planned(
    cells: TabCells,
    cell: PlannedCell,
    where: tuple[int, int],
    value: CellValue,
    column_format: ColumnFormat | None,
) -> str | None:
    """`_stored` for a planned cell: its content, and the number format returned."""
    kind, stored, number_format = _storage(value, column_format)
    if isinstance(stored, Link):
        _plan_text(cells, cell, stored.text)
        cells.put_link(cell, *where, *_link_parts(stored))
    elif kind == "text":
        _plan_text(cells, cell, stored)
    elif kind == "number":
        cells.put_number(cell, stored)
    elif kind == "boolean":
        cells.put_boolean(cell, stored)
    elif kind == "moment":
        cells.put_moment(cell, stored)
    return number_format


def _storage(value: CellValue, column_format: ColumnFormat | None) -> tuple[str, Any, str | None]:
    """How a cell stores `value` so that reading it back gives it again, for `_stored` (an
    openpyxl cell) and `_planned` (a planned one) alike: its kind ("text" for a link too,
    "number", "boolean", "moment" or "none"), what is stored, and its number format (a date
    shown with a time would read back as a datetime)."""
    number_format = NUMBER_FORMATS.get(column_format) if column_format else None
    if isinstance(value, Sparkline):
        value = value.text
    if isinstance(value, Link | str):
        return "text", value, number_format
    if isinstance(value, bool):
        return "boolean", value, number_format
    if isinstance(value, float) and not math.isfinite(value):
        return "none", None, number_format  # an .xlsx file cannot hold NaN or infinity
    if isinstance(value, int | float):
        # openpyxl writes numbers as "%.16g", which changes some floats (0.1 + 0.2) and ints
        # past 16 digits. Given the shortest exact text and told it is a number, it writes
        # that text as it is, and reads it back to the same int or float.
        exact = repr(float(value)) if isinstance(value, float) else str(int(value))
        if column_format in (ColumnFormat.DATE, ColumnFormat.DATETIME):
            number_format = None  # shown as a date, a number would read back as one
        return "number", exact, number_format
    if isinstance(value, datetime):
        return "moment", value.replace(tzinfo=None), NUMBER_FORMATS[ColumnFormat.DATETIME]
    if isinstance(value, date):
        return "moment", value, NUMBER_FORMATS[ColumnFormat.DATE]
    if isinstance(value, time):
        return "moment", value.replace(tzinfo=None), _TIME_FORMAT
    if value is not None:
        return "text", str(value), number_format
    return "none", None, number_format


def _link_parts(link: Link) -> tuple[str | None, str | None]:
    """A link's target and location: "file.xlsx#'Tab'!B7" is a file plus a place in it, and
    a spreadsheet program wants the place as the link's location, not in the file name."""
    target, _, location = _xml_text(link.url).partition("#")
    return target or None, location or None


def _plan_text(cells: TabCells, cell: PlannedCell, text: str) -> None:
    """`_put_text` for a planned cell."""
    text = _xml_text(text)
    if text:
        cells.put_text(cell, text, quote_prefix=text.startswith(_FORMULA_LEADS))


def _put_text(cell: Any, text: str) -> None:
    """Store `text` as text: openpyxl would make "=..." a formula and "#N/A" an error."""
    text = _xml_text(text)
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_LEADS):
        # As if typed with a leading apostrophe: editing the cell keeps it text.
        cell.quotePrefix = True


def _xml_text(text: str) -> str:
    return stored_text(text)


def _shown_length(value: CellValue) -> int:
    if value is None:
        return 0
    if isinstance(value, Link):
        value = value.text
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.1f}")
    return max((len(line) for line in str(value).splitlines()), default=0)
