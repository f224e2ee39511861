"""Sheets v4: spreadsheets, sheets, sparse cells, developer metadata; values and batchUpdate.

Behaviours chosen where Google's docs leave room:
- Sheet titles are unique case-insensitively, and A1 ranges match titles case-insensitively.
- Ranges in answers quote a title only when needed: `Roster!A1:Z1000`, `'My Tab'!A1:Z1000`;
  a whole-tab or open-ended read reports the grid's extent.
- Reads past the grid's end are clipped; a read starting outside the grid, and any write
  outside it, answer 400 "Range (...) exceeds grid limits. Max rows: R, max columns: C".
- spreadsheets.get with `ranges` returns only the sheets those ranges name; with a `fields`
  mask, grid data is returned exactly when the mask selects sheets.data (includeGridData is
  then ignored, as documented).
- createDeveloperMetadata needs metadataKey and visibility ("must always have ... specified").
- As Google answers (test_conformance.py): a GridRange leaves sheetId 0 out; a basic filter is
  stored with explicit bounds; a protected range answers requestingUserCanEdit true and
  editors {} and leaves false or null fields out.
- effectiveFormat is a copy of userEnteredFormat (no theme defaults); formattedValue is a
  compact en_US model (DATE/DATE_TIME/TIME patterns, PERCENT, CURRENCY, 0.00 / #,##0).
- A formula written by updateCells is parsed in the spreadsheet's locale only so far as an
  array literal goes: in a comma-decimal locale a "," or decimal point inside {...} is
  #ERROR! ("Formula parse error."). Nothing else of a formula is evaluated.
- Charts: addChart takes an overlayPosition whose anchor cell is inside the grid and a
  basicChart whose every domain and series range is one row or column inside its grid; a
  given chartId must be new in the spreadsheet (one is drawn otherwise). Charts are kept per
  sheet, answered in sheets.charts (sheetId 0 left out, deep inside), gone with their sheet;
  deleteEmbeddedObject of an ID no chart has is 400. Other positions and chart kinds are 501.
- USER_ENTERED input: "=..." formula, numbers, TRUE/FALSE, leading ' forces text; dates typed
  as text stay text. R1C1 and named ranges are not supported ("Unable to parse range").
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import a1, fieldmask
from .common import Call, Reply, random_id
from .discovery import unknown_mask_field
from .errors import GoogleError, bad_request
from .sheets_values import (
    READ_ONLY_CELL_FIELDS,
    effective_value,
    entered_value,
    formatted_value,
    hyperlink,
    python_value,
    render,
    seed_cell,
)

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
DEFAULT_ROW_PIXELS = 21
DEFAULT_COLUMN_PIXELS = 100
_READ_METHODS = frozenset(
    {
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.getByDataFilter",
        "sheets.spreadsheets.values.get",
        "sheets.spreadsheets.values.batchGet",
        "sheets.spreadsheets.values.batchGetByDataFilter",
        "sheets.spreadsheets.developerMetadata.get",
        "sheets.spreadsheets.developerMetadata.search",
    }
)


def _rgb(hex_rgb: str) -> dict[str, Any]:
    """A colour as Google writes it: channels 0..1, a channel that is 0 left out."""
    channels = zip(("red", "green", "blue"), bytes.fromhex(hex_rgb), strict=True)
    return {name: (1 if value == 255 else value / 255) for name, value in channels if value}


# A new spreadsheet's defaultFormat and spreadsheetTheme, as spreadsheets.get answers them
# (gspread cassettes ClientTest.test_access_private_spreadsheet and WorksheetTest.
# test_basic_filters, 2023): black text is foregroundColor {}, and false booleans are present.
DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": _rgb("FFFFFF"),
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _rgb("FFFFFF")},
}
DEFAULT_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": kind, "color": {"rgbColor": _rgb(hex_rgb)}}
        for kind, hex_rgb in (
            ("TEXT", "000000"),
            ("BACKGROUND", "FFFFFF"),
            ("ACCENT1", "4285F4"),
            ("ACCENT2", "EA4335"),
            ("ACCENT3", "FBBC04"),
            ("ACCENT4", "34A853"),
            ("ACCENT5", "FF6D01"),
            ("ACCENT6", "46BDC6"),
            ("LINK", "1155CC"),
        )
    ],
}


def _zero_sheet_left_out(grid_range: dict[str, Any]) -> dict[str, Any]:
    """A GridRange as Google writes it: sheetId is a plain proto3 int, left out when 0 (the
    row and column indexes are optional fields, kept even when 0)."""
    return {k: v for k, v in grid_range.items() if not (k == "sheetId" and v == 0)}


def _without_zero_sheet_ids(item: Any) -> Any:
    """A copy with every nested GridRange's and GridCoordinate's sheetId 0 left out, as
    Google writes proto3 ints (a chart holds them deep in its spec and position)."""
    if isinstance(item, dict):
        return {
            k: _without_zero_sheet_ids(v)
            for k, v in item.items()
            if not (k == "sheetId" and v == 0)
        }
    if isinstance(item, list):
        return [_without_zero_sheet_ids(v) for v in item]
    return copy.deepcopy(item)


def shown(item: dict[str, Any], *, merge: bool = False) -> dict[str, Any]:
    """A stored basic filter, conditional format rule, protected range or filter view (or, with
    `merge`, a merge's GridRange) as Google answers it: a copy whose GridRanges leave sheetId 0
    out (gspread cassettes WorksheetTest.test_basic_filters and
    WorksheetTest.test_add_protected_range_normal)."""
    item = copy.deepcopy(item)
    if merge:
        return _zero_sheet_left_out(item)
    if isinstance(item.get("range"), dict):
        item["range"] = _zero_sheet_left_out(item["range"])
    for key in ("ranges", "unprotectedRanges"):
        if isinstance(item.get(key), list):
            item[key] = [_zero_sheet_left_out(r) for r in item[key]]
    return item


def is_read(method_id: str) -> bool:
    """Which Sheets quota bucket a method draws from (reads vs writes)."""
    return method_id in _READ_METHODS


class Invalid(Exception):
    """One batchUpdate request is invalid; the batch answers 400 naming the request."""


@dataclass
class Sheet:
    properties: dict[str, Any]
    # (row, column) -> CellData. Stored cell dicts are never mutated in place (copy-on-write),
    # which lets a batchUpdate transaction work on a cheap shallow copy.
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    row_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    column_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    basic_filter: dict[str, Any] | None = None
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    filter_views: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)  # EmbeddedChart, as stored

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def rows(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def columns(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    def clone(self) -> Sheet:
        return Sheet(
            properties=copy.deepcopy(self.properties),
            cells=dict(self.cells),
            row_metadata=copy.deepcopy(self.row_metadata),
            column_metadata=copy.deepcopy(self.column_metadata),
            basic_filter=copy.deepcopy(self.basic_filter),
            conditional_formats=copy.deepcopy(self.conditional_formats),
            protected_ranges=copy.deepcopy(self.protected_ranges),
            filter_views=copy.deepcopy(self.filter_views),
            merges=copy.deepcopy(self.merges),
            charts=copy.deepcopy(self.charts),
        )

    def write_cell(
        self, row: int, column: int, source: dict[str, Any], tree: fieldmask.FieldTree
    ) -> None:
        old = self.cells.get((row, column), {})
        cell = dict(old)
        source = {k: v for k, v in source.items() if k not in READ_ONLY_CELL_FIELDS}
        entered = source.get("userEnteredValue")
        if isinstance(entered, dict) and isinstance(entered.get("numberValue"), str):
            source["userEnteredValue"] = {"numberValue": float(entered["numberValue"])}
        fieldmask.apply_update(cell, source, tree)
        if cell.get("userEnteredValue") != old.get("userEnteredValue"):
            cell.pop("effectiveValue", None)  # a seeded formula result no longer applies
        if {k: v for k, v in cell.items() if k != "effectiveValue"}:
            self.cells[(row, column)] = cell
        else:
            self.cells.pop((row, column), None)

    def drop_cells_outside_grid(self) -> None:
        for row, column in [k for k in self.cells if k[0] >= self.rows or k[1] >= self.columns]:
            del self.cells[(row, column)]


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)

    def clone(self) -> Spreadsheet:
        return Spreadsheet(
            self.spreadsheet_id,
            copy.deepcopy(self.properties),
            [s.clone() for s in self.sheets],
            copy.deepcopy(self.developer_metadata),
        )

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def sheet_by_title(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        raise KeyError(title)

    def sheet_by_id(self, sheet_id: Any) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == int(sheet_id or 0):
                return sheet
        raise Invalid(f"No grid with id: {int(sheet_id or 0)}")

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index


def _check_frozen(grid: dict[str, Any]) -> None:
    if int(grid.get("frozenRowCount") or 0) >= int(grid.get("rowCount") or 0) > 0:
        raise Invalid("You can't freeze all visible rows on the sheet.")
    if int(grid.get("frozenColumnCount") or 0) >= int(grid.get("columnCount") or 0) > 0:
        raise Invalid("You can't freeze all visible columns on the sheet.")


def _grid_properties(sheet: Sheet) -> dict[str, Any]:
    # Google leaves zero / false grid properties out of its answers.
    return {k: v for k, v in sheet.properties["gridProperties"].items() if v not in (0, False)}


def sheet_properties(sheet: Sheet) -> dict[str, Any]:
    props = {k: copy.deepcopy(v) for k, v in sheet.properties.items() if v is not False}
    props["gridProperties"] = _grid_properties(sheet) | {
        "rowCount": sheet.rows,
        "columnCount": sheet.columns,
    }
    return props


def cell_output(cell: dict[str, Any], fields: fieldmask.FieldTree | None = None) -> dict[str, Any]:
    """Stored CellData -> CellData as Google returns it (with the computed, read-only fields).
    With `fields` (a field mask's selection of CellData), only what it selects is computed:
    formatting every value of a large grid costs far more than anything else the fake does."""

    def wanted(key: str) -> bool:
        return fields is None or key in fields or "*" in fields

    out: dict[str, Any] = {}
    if "userEnteredValue" in cell and wanted("userEnteredValue"):
        out["userEnteredValue"] = fieldmask.json_copy(cell["userEnteredValue"])
    if wanted("effectiveValue") or wanted("formattedValue"):
        value = effective_value(cell)
        if value is not None:
            out["effectiveValue"] = value
            if wanted("formattedValue"):
                number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
                out["formattedValue"] = formatted_value(value, number_format)
    if "userEnteredFormat" in cell:
        if wanted("userEnteredFormat"):
            out["userEnteredFormat"] = fieldmask.json_copy(cell["userEnteredFormat"])
        if wanted("effectiveFormat"):
            out["effectiveFormat"] = fieldmask.json_copy(cell["userEnteredFormat"])
    if wanted("hyperlink"):
        link = hyperlink(cell)
        if link:
            out["hyperlink"] = link
    for key, item in cell.items():
        if key not in out and key not in READ_ONLY_CELL_FIELDS and wanted(key):
            out[key] = fieldmask.json_copy(item)
    return out


# Locales whose decimal separator is a comma: their formulas separate arguments with ";" and an
# array literal's columns with "\\" (Ben Collins, "Google Sheets location"; Google's API docs
# leave it to the spreadsheet's locale, google-api-nodejs-client issue 1994). Rows are ";"
# everywhere. A rough list by language, enough to tell the two syntaxes apart.
_COMMA_DECIMAL_LANGUAGES = frozenset(
    [
        "bg",
        "ca",
        "cs",
        "da",
        "de",
        "el",
        "es",
        "et",
        "fi",
        "fr",
        "hr",
        "hu",
        "id",
        "it",
        "lt",
        "lv",
        "nb",
        "nl",
        "nn",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sk",
        "sl",
        "sr",
        "sv",
        "tr",
        "uk",
        "vi",
    ]
)
_DOT_DECIMAL_LOCALES = frozenset({"es_MX", "es_US", "de_CH", "it_CH"})
_ARRAY_LITERAL = re.compile(r"\{([^{}]*)\}")


def comma_decimal(locale: str) -> bool:
    return locale not in _DOT_DECIMAL_LOCALES and locale.split("_")[0] in _COMMA_DECIMAL_LANGUAGES


def _parse_in_locale(cell: dict[str, Any] | None, locale: str) -> None:
    """A formula the locale cannot parse shows Google's #ERROR! ("Formula parse error."): in a
    comma-decimal locale, a comma or a decimal point inside an array literal."""
    formula = ((cell or {}).get("userEnteredValue") or {}).get("formulaValue")
    if cell is None or not isinstance(formula, str) or not comma_decimal(locale):
        return
    for literal in _ARRAY_LITERAL.findall(formula):
        if "," in literal or re.search(r"\d\.\d", literal):
            cell["effectiveValue"] = {
                "errorValue": {"type": "ERROR", "message": "Formula parse error."}
            }
            return


def _metadata_sheet_id(metadata: dict[str, Any]) -> int | None:
    location = metadata["location"]
    if "sheetId" in location:
        return int(location["sheetId"])
    if "dimensionRange" in location:
        return int(location["dimensionRange"].get("sheetId", 0))
    return None


def _metadata_matches(metadata: dict[str, Any], data_filter: dict[str, Any]) -> bool:
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        raise GoogleError(
            501,
            "fake_google supports only developerMetadataLookup data filters, not a1Range "
            "or gridRange.",
        )
    location = metadata["location"]
    if lookup.get("metadataId") is not None and int(lookup["metadataId"]) != metadata["metadataId"]:
        return False
    actual = {
        "metadataKey": metadata.get("metadataKey"),
        "metadataValue": metadata.get("metadataValue"),
        "visibility": metadata.get("visibility"),
        "locationType": location.get("locationType"),
    }
    if any(lookup.get(k) is not None and lookup[k] != v for k, v in actual.items()):
        return False
    wanted = lookup.get("metadataLocation")
    if wanted:
        if wanted.get("spreadsheet") and location.get("locationType") != "SPREADSHEET":
            return False
        if wanted.get("sheetId") is not None and (
            location.get("locationType") != "SHEET"
            or location.get("sheetId") != int(wanted["sheetId"])
        ):
            return False
        if wanted.get("dimensionRange") is not None and (
            location.get("dimensionRange") != wanted["dimensionRange"]
        ):
            return False
    return True


class FakeSheets:
    """Spreadsheets held in memory, with seeding and inspection helpers for tests."""

    def __init__(
        self, rng: random.Random, on_create: Callable[[str, str], None] | None = None
    ) -> None:
        self._rng = rng
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._forbidden: set[str] = set()
        self._on_create = on_create

    # ----------------------------------------------------------------- seeding and inspection

    def create(self, title: str, tabs: dict[str, list[list[Any]]] | None = None) -> str:
        """Seed a spreadsheet; cells take str, int, float, bool, None, date, datetime, Formula."""
        tabs = tabs if tabs is not None else {"Sheet1": []}
        sheets: list[Sheet] = []
        for index, (tab, grid) in enumerate(tabs.items()):
            width = max((len(row) for row in grid), default=0)
            sheet = self._new_sheet(
                {
                    "sheetId": 0 if index == 0 else self._new_sheet_id(sheets),
                    "title": tab,
                    "index": index,
                    "gridProperties": {
                        "rowCount": max(DEFAULT_ROWS, len(grid)),
                        "columnCount": max(DEFAULT_COLUMNS, width),
                    },
                }
            )
            for r, row in enumerate(grid):
                for c, value in enumerate(row):
                    cell = seed_cell(value)
                    if cell:
                        sheet.cells[(r, c)] = cell
            sheets.append(sheet)
        return self._store(title, sheets)

    def values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """Effective values as Python (numbers, str, bool); trailing empties trimmed."""
        sheet = self._spreadsheet(spreadsheet_id).sheet_by_title(title)
        grid: dict[int, dict[int, Any]] = {}
        for (r, c), cell in sheet.cells.items():
            value = python_value(effective_value(cell))
            if value is not None:
                grid.setdefault(r, {})[c] = value
        return _ragged(grid)

    def cells(self, spreadsheet_id: str, title: str) -> list[list[dict[str, Any]]]:
        """Raw CellData as Google would return it (with effectiveValue, hyperlink...)."""
        sheet = self._spreadsheet(spreadsheet_id).sheet_by_title(title)
        grid: dict[int, dict[int, Any]] = {}
        for (r, c), cell in sheet.cells.items():
            grid.setdefault(r, {})[c] = cell_output(cell)
        return _ragged(grid, empty={})

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        return self._spreadsheet(spreadsheet_id).titles()

    def sheet_properties(self, spreadsheet_id: str, title: str) -> dict[str, Any]:
        return sheet_properties(self._spreadsheet(spreadsheet_id).sheet_by_title(title))

    def developer_metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._spreadsheet(spreadsheet_id).developer_metadata)

    def spreadsheet(self, spreadsheet_id: str, include_grid_data: bool = False) -> dict[str, Any]:
        """The spreadsheet resource exactly as spreadsheets.get returns it."""
        return self._resource(self._spreadsheet(spreadsheet_id), include_grid_data, [])

    def ids(self) -> list[str]:
        return list(self._spreadsheets)

    def set_locale(self, spreadsheet_id: str, locale: str) -> None:
        """As File > Settings > Locale: formulas written later are parsed in `locale`."""
        self._spreadsheet(spreadsheet_id).properties["locale"] = locale

    def forbid(self, spreadsheet_id: str) -> None:
        """Every later request touching this spreadsheet answers 403 PERMISSION_DENIED."""
        self._forbidden.add(spreadsheet_id)

    def is_forbidden(self, spreadsheet_id: str) -> bool:
        return spreadsheet_id in self._forbidden

    def exists(self, spreadsheet_id: str) -> bool:
        return spreadsheet_id in self._spreadsheets

    def copy_spreadsheet(self, source_id: str, new_id: str, title: str) -> None:
        """Drive files.copy of a spreadsheet file."""
        copied = self._spreadsheet(source_id).clone()
        copied.spreadsheet_id = new_id
        copied.properties["title"] = title
        self._spreadsheets[new_id] = copied

    def rename(self, spreadsheet_id: str, title: str) -> None:
        """Drive files.update of a spreadsheet file's name."""
        self._spreadsheet(spreadsheet_id).properties["title"] = title

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        self._spreadsheets.pop(spreadsheet_id, None)

    def create_empty(self, spreadsheet_id: str, title: str) -> None:
        """Drive files.create with the spreadsheet MIME type."""
        sheet = self._new_sheet({"sheetId": 0, "title": "Sheet1", "index": 0})
        self._spreadsheets[spreadsheet_id] = self._new_spreadsheet(spreadsheet_id, title, [sheet])

    # ------------------------------------------------------------------------------- internals

    def _new_spreadsheet(self, spreadsheet_id: str, title: str, sheets: list[Sheet]) -> Spreadsheet:
        properties = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        return Spreadsheet(spreadsheet_id, properties, sheets)

    def _store(self, title: str, sheets: list[Sheet]) -> str:
        spreadsheet_id = random_id(self._rng, 44)
        self._spreadsheets[spreadsheet_id] = self._new_spreadsheet(spreadsheet_id, title, sheets)
        if self._on_create:
            self._on_create(spreadsheet_id, title)
        return spreadsheet_id

    def _new_sheet(self, properties: dict[str, Any]) -> Sheet:
        grid = {"rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLUMNS}
        grid.update(properties.get("gridProperties") or {})
        props = {"sheetType": "GRID"} | copy.deepcopy(properties) | {"gridProperties": grid}
        props["sheetId"] = int(props["sheetId"])
        for key in ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount"):
            if key in grid:
                grid[key] = int(grid[key])
        return Sheet(props)

    def _new_sheet_id(self, sheets: list[Sheet]) -> int:
        taken = {s.sheet_id for s in sheets}
        while True:
            candidate = self._rng.randrange(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def _spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        try:
            return self._spreadsheets[spreadsheet_id]
        except KeyError:
            raise GoogleError(404, "Requested entity was not found.") from None

    def _resource(
        self,
        spreadsheet: Spreadsheet,
        include_grid: bool,
        ranges: list[str],
        cell_fields: fieldmask.FieldTree | None = None,
    ) -> dict[str, Any]:
        """The Spreadsheet resource; `cell_fields` (a field mask's selection of each cell)
        limits what is computed for grid data (the mask itself is applied afterwards)."""
        wanted: dict[str, list[tuple[int, int, int, int]]] = {}
        for text in ranges:
            sheet, bounds = self._resolve_for_read(spreadsheet, text)
            wanted.setdefault(sheet.title, []).append(bounds)
        sheets = []
        for sheet in spreadsheet.sheets:
            if ranges and sheet.title not in wanted:
                continue
            entry: dict[str, Any] = {"properties": sheet_properties(sheet)}
            if sheet.basic_filter:
                entry["basicFilter"] = shown(sheet.basic_filter)
            for key, items in (
                ("conditionalFormats", sheet.conditional_formats),
                ("protectedRanges", sheet.protected_ranges),
                ("filterViews", sheet.filter_views),
                ("merges", sheet.merges),
                ("charts", sheet.charts),
            ):
                if items:
                    entry[key] = [
                        _without_zero_sheet_ids(item)
                        if key == "charts"
                        else shown(item, merge=key == "merges")
                        for item in items
                    ]
            metadata = [
                copy.deepcopy(m)
                for m in spreadsheet.developer_metadata
                if _metadata_sheet_id(m) == sheet.sheet_id
            ]
            if metadata:
                entry["developerMetadata"] = metadata
            if include_grid:
                areas = wanted.get(sheet.title) or [(0, 0, sheet.rows, sheet.columns)]
                entry["data"] = [self._grid_data(sheet, *area, cell_fields) for area in areas]
            sheets.append(entry)
        resource: dict[str, Any] = {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "properties": copy.deepcopy(spreadsheet.properties),
            "sheets": sheets,
            "spreadsheetUrl": (
                f"https://docs.google.com/spreadsheets/d/{spreadsheet.spreadsheet_id}/edit"
            ),
        }
        top_metadata = [
            copy.deepcopy(m)
            for m in spreadsheet.developer_metadata
            if m["location"]["locationType"] == "SPREADSHEET"
        ]
        if top_metadata:
            resource["developerMetadata"] = top_metadata
        return resource

    def _grid_data(
        self,
        sheet: Sheet,
        start_row: int,
        start_col: int,
        end_row: int,
        end_col: int,
        cell_fields: fieldmask.FieldTree | None = None,
    ) -> dict[str, Any]:
        grid: dict[int, dict[int, Any]] = {}
        for (r, c), cell in sheet.cells.items():
            if start_row <= r < end_row and start_col <= c < end_col:
                output = cell_output(cell, cell_fields)
                grid.setdefault(r - start_row, {})[c - start_col] = output
        data: dict[str, Any] = {}
        if start_row:
            data["startRow"] = start_row
        if start_col:
            data["startColumn"] = start_col
        # Sheets omits trailing empty cells and rows; an empty row inside the data is {}.
        row_data = [{"values": row} if row else {} for row in _ragged(grid, empty={})]
        if row_data:
            data["rowData"] = row_data
        data["rowMetadata"] = [
            {"pixelSize": DEFAULT_ROW_PIXELS} | sheet.row_metadata.get(r, {})
            for r in range(start_row, end_row)
        ]
        data["columnMetadata"] = [
            {"pixelSize": DEFAULT_COLUMN_PIXELS} | sheet.column_metadata.get(c, {})
            for c in range(start_col, end_col)
        ]
        return data

    def _resolve(
        self, spreadsheet: Spreadsheet, text: str
    ) -> tuple[Sheet, tuple[int, int, int, int]]:
        """A1 text -> (sheet, (start_row, start_col, end_row, end_col)), open ends at the grid."""
        try:
            parsed = a1.parse(text, spreadsheet.titles())
        except ValueError:
            raise bad_request(f"Unable to parse range: {text}") from None
        assert parsed.sheet is not None
        sheet = spreadsheet.sheet_by_title(parsed.sheet)
        start_row = parsed.start_row or 0
        start_col = parsed.start_col or 0
        end_row = sheet.rows if parsed.end_row is None else parsed.end_row
        end_col = sheet.columns if parsed.end_col is None else parsed.end_col
        return sheet, (start_row, start_col, max(end_row, start_row), max(end_col, start_col))

    def _resolve_for_read(
        self, spreadsheet: Spreadsheet, text: str
    ) -> tuple[Sheet, tuple[int, int, int, int]]:
        """Like _resolve, but a read past the grid's end is clipped to the grid; a read that
        starts outside the grid is an error ("exceeds grid limits")."""
        sheet, (start_row, start_col, end_row, end_col) = self._resolve(spreadsheet, text)
        if start_row >= sheet.rows or start_col >= sheet.columns:
            text = _range_text(
                sheet, start_row, start_col, end_row - start_row, end_col - start_col
            )
            raise bad_request(
                f"Range ({text}) exceeds grid limits. Max rows: {sheet.rows}, "
                f"max columns: {sheet.columns}"
            )
        return sheet, (start_row, start_col, min(end_row, sheet.rows), min(end_col, sheet.columns))

    # -------------------------------------------------------------------------------- handlers

    def handlers(self) -> dict[str, Callable[[Call], Reply]]:
        prefix = "sheets.spreadsheets."
        return {
            prefix + "get": self._get,
            prefix + "create": self._create,
            prefix + "batchUpdate": self._batch_update,
            prefix + "values.get": self._values_get,
            prefix + "values.batchGet": self._values_batch_get,
            prefix + "values.update": self._values_update,
            prefix + "values.batchUpdate": self._values_batch_update,
            prefix + "values.append": self._values_append,
            prefix + "values.clear": self._values_clear,
            prefix + "values.batchClear": self._values_batch_clear,
            prefix + "developerMetadata.get": self._metadata_get,
            prefix + "developerMetadata.search": self._metadata_search,
        }

    def _get(self, call: Call) -> Reply:
        spreadsheet = self._spreadsheet(call.path_params["spreadsheetId"])
        mask = call.param("fields")
        cell_fields = None
        if mask:
            # "includeGridData ... is ignored if a field mask was set in the request."
            tree = fieldmask.parse(mask)
            include_grid = fieldmask.selects(tree, "sheets", "data")
            cell_fields = fieldmask.subtree(tree, "sheets", "data", "rowData", "values")
        else:
            include_grid = call.flag("includeGridData")
        return Reply(self._resource(spreadsheet, include_grid, call.params("ranges"), cell_fields))

    def _create(self, call: Call) -> Reply:
        body = call.body or {}
        title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
        sheets: list[Sheet] = []
        for index, entry in enumerate(body.get("sheets") or [{}]):
            props = dict(entry.get("properties") or {})
            props.setdefault("title", f"Sheet{index + 1}")
            props.setdefault("sheetId", 0 if index == 0 else self._new_sheet_id(sheets))
            props["index"] = index
            if props["title"].lower() in (s.title.lower() for s in sheets):
                raise bad_request(f'A sheet with the name "{props["title"]}" already exists.')
            sheets.append(self._new_sheet(props))
        spreadsheet_id = self._store(title, sheets)
        spreadsheet = self._spreadsheets[spreadsheet_id]
        spreadsheet.properties.update(
            {k: v for k, v in (body.get("properties") or {}).items() if k != "title"}
        )
        return Reply(self._resource(spreadsheet, False, []))

    # ---- values

    def _values_get(self, call: Call) -> Reply:
        spreadsheet = self._spreadsheet(call.path_params["spreadsheetId"])
        return Reply(self._value_range(spreadsheet, call.path_params["range"], call))

    def _values_batch_get(self, call: Call) -> Reply:
        spreadsheet = self._spreadsheet(call.path_params["spreadsheetId"])
        ranges = [self._value_range(spreadsheet, text, call) for text in call.params("ranges")]
        body: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if ranges:
            body["valueRanges"] = ranges
        return Reply(body)

    def _value_range(self, spreadsheet: Spreadsheet, text: str, call: Call) -> dict[str, Any]:
        sheet, (start_row, start_col, end_row, end_col) = self._resolve_for_read(spreadsheet, text)
        value_render = call.param("valueRenderOption") or "FORMATTED_VALUE"
        date_render = call.param("dateTimeRenderOption") or "SERIAL_NUMBER"
        major = call.param("majorDimension") or "ROWS"
        if major == "DIMENSION_UNSPECIFIED":
            major = "ROWS"
        grid: dict[int, dict[int, Any]] = {}
        for (r, c), cell in sheet.cells.items():
            if start_row <= r < end_row and start_col <= c < end_col:
                value = render(cell, value_render, date_render)
                if value is None:
                    continue
                row, column = r - start_row, c - start_col
                if major == "COLUMNS":
                    row, column = column, row
                grid.setdefault(row, {})[column] = value
        result: dict[str, Any] = {
            "range": a1.format_range(sheet.title, start_row, start_col, end_row, end_col),
            "majorDimension": major,
        }
        values = _ragged(grid)
        if values:  # Google omits "values" entirely for an empty range.
            result["values"] = values
        return result

    def _values_update(self, call: Call) -> Reply:
        option = self._value_input_option(call.param("valueInputOption"))
        body = call.body or {}
        work = self._spreadsheet(call.path_params["spreadsheetId"]).clone()
        target = call.path_params["range"]
        if body.get("range") and body["range"] != target:
            raise bad_request(
                f"Requested writing within range [{target}], but tried writing to [{body['range']}]"
            )
        result = self._write_values(work, target, body, option)
        self._spreadsheets[work.spreadsheet_id] = work
        return Reply(result)

    def _values_batch_update(self, call: Call) -> Reply:
        body = call.body or {}
        option = self._value_input_option(body.get("valueInputOption"))
        work = self._spreadsheet(call.path_params["spreadsheetId"]).clone()
        responses = [
            self._write_values(work, item.get("range", ""), item, option)
            for item in body.get("data") or []
        ]
        self._spreadsheets[work.spreadsheet_id] = work
        result: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id}
        if responses:
            result |= {
                "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
                "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
                "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
                "responses": responses,
            }
        return Reply(result)

    def _values_append(self, call: Call) -> Reply:
        option = self._value_input_option(call.param("valueInputOption"))
        work = self._spreadsheet(call.path_params["spreadsheetId"]).clone()
        sheet, (start_row, start_col, _, end_col) = self._resolve(work, call.path_params["range"])
        used = [r for (r, c) in sheet.cells if start_col <= c < end_col and r >= start_row]
        next_row = max(used, default=start_row - 1) + 1
        rows = _major_rows(call.body or {})
        needed = next_row + len(rows)
        if needed > sheet.rows:  # append adds rows to the grid as needed
            sheet.properties["gridProperties"]["rowCount"] = needed
        anchor = a1.format_range(sheet.title, next_row, start_col, next_row + 1, start_col + 1)
        updates = self._write_values(work, anchor, {"values": rows}, option)
        self._spreadsheets[work.spreadsheet_id] = work
        return Reply({"spreadsheetId": work.spreadsheet_id, "updates": updates})

    def _values_clear(self, call: Call) -> Reply:
        work = self._spreadsheet(call.path_params["spreadsheetId"]).clone()
        cleared = self._clear_values(work, call.path_params["range"])
        self._spreadsheets[work.spreadsheet_id] = work
        return Reply({"spreadsheetId": work.spreadsheet_id, "clearedRange": cleared})

    def _values_batch_clear(self, call: Call) -> Reply:
        work = self._spreadsheet(call.path_params["spreadsheetId"]).clone()
        cleared = [self._clear_values(work, text) for text in (call.body or {}).get("ranges", [])]
        self._spreadsheets[work.spreadsheet_id] = work
        return Reply({"spreadsheetId": work.spreadsheet_id, "clearedRanges": cleared})

    @staticmethod
    def _value_input_option(option: str | None) -> str:
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("'valueInputOption' is required but not specified")
        return option

    def _clear_values(self, spreadsheet: Spreadsheet, text: str) -> str:
        sheet, (start_row, start_col, end_row, end_col) = self._resolve_for_read(spreadsheet, text)
        for r, c in list(sheet.cells):
            if start_row <= r < end_row and start_col <= c < end_col:
                sheet.write_cell(r, c, {}, {"userEnteredValue": None})
        return a1.format_range(sheet.title, start_row, start_col, end_row, end_col)

    def _write_values(
        self, spreadsheet: Spreadsheet, text: str, value_range: dict[str, Any], option: str
    ) -> dict[str, Any]:
        sheet, (start_row, start_col, end_row, end_col) = self._resolve(spreadsheet, text)
        rows = _major_rows(value_range)
        height = len(rows)
        width = max((len(row) for row in rows), default=0)
        anchor_only = (end_row - start_row, end_col - start_col) == (1, 1)
        if not anchor_only and (height > end_row - start_row or width > end_col - start_col):
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing "
                f"{height} rows and {width} columns"
            )
        if start_row + height > sheet.rows or start_col + width > sheet.columns:
            raise bad_request(
                f"Range ({_range_text(sheet, start_row, start_col, height, width)}) exceeds grid "
                f"limits. Max rows: {sheet.rows}, max columns: {sheet.columns}"
            )
        cells = 0
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:  # "Null values will be skipped."
                    continue
                entered = entered_value(value, option)
                source = {"userEnteredValue": entered} if entered is not None else {}
                sheet.write_cell(start_row + r, start_col + c, source, {"userEnteredValue": None})
                cells += 1
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if height and width:
            result |= {
                "updatedRange": _range_text(sheet, start_row, start_col, height, width),
                "updatedRows": height,
                "updatedColumns": width,
                "updatedCells": cells,
            }
        else:
            result["updatedRange"] = a1.format_range(
                sheet.title, start_row, start_col, start_row + 1, start_col + 1
            )
        return result

    # ---- developer metadata

    def _metadata_get(self, call: Call) -> Reply:
        spreadsheet = self._spreadsheet(call.path_params["spreadsheetId"])
        metadata_id = int(call.path_params["metadataId"])
        for metadata in spreadsheet.developer_metadata:
            if metadata["metadataId"] == metadata_id:
                return Reply(copy.deepcopy(metadata))
        raise GoogleError(404, f"No developer metadata with ID: {metadata_id}")

    def _metadata_search(self, call: Call) -> Reply:
        spreadsheet = self._spreadsheet(call.path_params["spreadsheetId"])
        filters = (call.body or {}).get("dataFilters") or []
        matched = []
        for metadata in spreadsheet.developer_metadata:
            hits = [f for f in filters if _metadata_matches(metadata, f)]
            if hits:
                matched.append({"developerMetadata": copy.deepcopy(metadata), "dataFilters": hits})
        return Reply({"matchedDeveloperMetadata": matched} if matched else {})

    # ---- batchUpdate

    def _batch_update(self, call: Call) -> Reply:
        original = self._spreadsheet(call.path_params["spreadsheetId"])
        body = call.body or {}
        requests = body.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        # All or nothing: apply to a copy and swap it in only when every request succeeded.
        work = original.clone()
        replies = []
        for index, request in enumerate(requests):
            kind, params = next((k, v) for k, v in request.items() if v is not None)
            apply = getattr(self, f"_request_{kind}", None)
            if apply is None:
                raise GoogleError(
                    501,
                    f"fake_google does not implement batchUpdate request kind '{kind}' "
                    f"(requests[{index}]); add it to tests/fake_google/fake_sheets.py.",
                )
            try:
                replies.append(apply(work, params) or {})
            except Invalid as problem:
                raise bad_request(f"Invalid requests[{index}].{kind}: {problem}") from None
            except ValueError as problem:  # a malformed field mask
                raise bad_request(f"Invalid requests[{index}].{kind}: {problem}") from None
        self._spreadsheets[work.spreadsheet_id] = work
        result: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            result["updatedSpreadsheet"] = self._resource(
                work, bool(body.get("responseIncludeGridData")), body.get("responseRanges") or []
            )
        return Reply(result)

    def _bounds(
        self, spreadsheet: Spreadsheet, grid_range: dict[str, Any]
    ) -> tuple[Sheet, int, int, int, int]:
        """GridRange -> (sheet, start_row, start_col, end_row, end_col); must fit the grid."""
        sheet = spreadsheet.sheet_by_id(grid_range.get("sheetId"))

        def bound(key: str, default: int) -> int:
            value = grid_range.get(key)
            return default if value is None else int(value)

        start_row, end_row = bound("startRowIndex", 0), bound("endRowIndex", sheet.rows)
        start_col, end_col = bound("startColumnIndex", 0), bound("endColumnIndex", sheet.columns)
        if min(start_row, start_col) < 0 or start_row > end_row or start_col > end_col:
            raise Invalid(f"Invalid range: {grid_range}")
        if end_row > sheet.rows or end_col > sheet.columns:
            text = _range_text(
                sheet, start_row, start_col, end_row - start_row, end_col - start_col
            )
            raise Invalid(
                f"Range ({text}) exceeds grid limits. Max rows: {sheet.rows}, "
                f"max columns: {sheet.columns}"
            )
        return sheet, start_row, start_col, end_row, end_col

    @staticmethod
    def _mask(params: dict[str, Any], schema_id: str) -> fieldmask.FieldTree:
        if not params.get("fields"):
            raise Invalid("At least one field must be specified.")
        tree = fieldmask.parse(params["fields"])
        unknown = unknown_mask_field("sheets", schema_id, tree)
        if unknown:
            raise Invalid(f"Invalid field mask: '{unknown}' is not a field of {schema_id}.")
        return tree

    def _request_addSheet(self, work: Spreadsheet, params: dict[str, Any]) -> dict[str, Any]:
        props = copy.deepcopy(params.get("properties") or {})
        taken = {s.title.lower() for s in work.sheets}
        if not props.get("title"):
            number = len(work.sheets) + 1
            while f"sheet{number}" in taken:
                number += 1
            props["title"] = f"Sheet{number}"
        if props["title"].lower() in taken:
            raise Invalid(
                f'A sheet with the name "{props["title"]}" already exists. '
                "Please enter another name."
            )
        if props.get("sheetId") is None:
            props["sheetId"] = self._new_sheet_id(work.sheets)
        elif int(props["sheetId"]) in {s.sheet_id for s in work.sheets}:
            raise Invalid(f"Sheet with ID {int(props['sheetId'])} already exists.")
        elif int(props["sheetId"]) < 0:
            raise Invalid(f"Invalid sheet ID {props['sheetId']}: must be non-negative.")
        index = int(props.get("index", len(work.sheets)))
        sheet = self._new_sheet(props)
        _check_frozen(sheet.properties["gridProperties"])
        work.sheets.insert(min(max(index, 0), len(work.sheets)), sheet)
        work.reindex()
        return {"addSheet": {"properties": sheet_properties(sheet)}}

    def _request_deleteSheet(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        sheet = work.sheet_by_id(params.get("sheetId"))
        if len(work.sheets) == 1:
            raise Invalid("You can't remove all the sheets in a document.")
        work.sheets.remove(sheet)
        work.developer_metadata = [
            m for m in work.developer_metadata if _metadata_sheet_id(m) != sheet.sheet_id
        ]
        work.reindex()

    def _request_updateSheetProperties(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        props = params.get("properties") or {}
        sheet = work.sheet_by_id(props.get("sheetId"))
        tree = self._mask(params, "SheetProperties")
        old_index = sheet.properties["index"]
        updated = copy.deepcopy(sheet.properties)
        fieldmask.apply_update(updated, props, tree)
        updated["sheetId"] = sheet.sheet_id
        updated.setdefault("gridProperties", {})
        updated["gridProperties"].setdefault("rowCount", 0)
        updated["gridProperties"].setdefault("columnCount", 0)
        if not updated.get("title"):
            raise Invalid("The sheet title must not be empty.")
        _check_frozen(updated["gridProperties"])
        others = {s.title.lower() for s in work.sheets if s is not sheet}
        if updated["title"].lower() in others:
            raise Invalid(
                f'A sheet with the name "{updated["title"]}" already exists. '
                "Please enter another name."
            )
        sheet.properties = updated
        sheet.drop_cells_outside_grid()
        new_index = int(updated.get("index", old_index))
        if new_index != old_index:
            work.sheets.remove(sheet)
            work.sheets.insert(min(max(new_index, 0), len(work.sheets)), sheet)
        work.reindex()

    def _request_updateSpreadsheetProperties(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> None:
        fieldmask.apply_update(
            work.properties,
            params.get("properties") or {},
            self._mask(params, "SpreadsheetProperties"),
        )

    def _request_updateCells(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        tree = self._mask(params, "CellData")
        rows = params.get("rows") or []
        if params.get("start") is not None and params.get("range") is not None:
            raise Invalid("Only one of start or range may be set.")
        if params.get("start") is not None:
            start = params["start"]
            sheet = work.sheet_by_id(start.get("sheetId"))
            row0, col0 = int(start.get("rowIndex") or 0), int(start.get("columnIndex") or 0)
            height = len(rows)
            width = max((len(r.get("values") or []) for r in rows), default=0)
            if row0 + height > sheet.rows or col0 + width > sheet.columns:
                raise Invalid(
                    f"Range ({_range_text(sheet, row0, col0, height, width)}) exceeds grid "
                    f"limits. Max rows: {sheet.rows}, max columns: {sheet.columns}"
                )
        elif params.get("range") is not None:
            sheet, row0, col0, end_row, end_col = self._bounds(work, params["range"])
            covered = set()
            for r, row in enumerate(rows):
                if row0 + r >= end_row:
                    raise Invalid(
                        f"Attempting to write row: {row0 + r}, beyond the last requested row "
                        f"of: {end_row - 1}"
                    )
                for c in range(len(row.get("values") or [])):
                    if col0 + c >= end_col:
                        raise Invalid(
                            f"Attempting to write column: {col0 + c}, beyond the last requested "
                            f"column of: {end_col - 1}"
                        )
                    covered.add((row0 + r, col0 + c))
            # Cells of the range not covered by rows have the masked fields cleared.
            for r, c in list(sheet.cells):
                if row0 <= r < end_row and col0 <= c < end_col and (r, c) not in covered:
                    sheet.write_cell(r, c, {}, tree)
        else:
            raise Invalid("Either start or range must be set.")
        locale = str(work.properties.get("locale") or "en_US")
        for r, row in enumerate(rows):
            for c, value in enumerate(row.get("values") or []):
                sheet.write_cell(row0 + r, col0 + c, value or {}, tree)
                _parse_in_locale(sheet.cells.get((row0 + r, col0 + c)), locale)

    def _request_repeatCell(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        tree = self._mask(params, "CellData")
        sheet, start_row, start_col, end_row, end_col = self._bounds(
            work, params.get("range") or {}
        )
        cell = params.get("cell") or {}
        for r in range(start_row, end_row):
            for c in range(start_col, end_col):
                sheet.write_cell(r, c, cell, tree)

    def _request_appendDimension(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        sheet = work.sheet_by_id(params.get("sheetId"))
        length = int(params.get("length") or 0)
        if length < 1:
            raise Invalid("length must be positive.")
        key = {"ROWS": "rowCount", "COLUMNS": "columnCount"}.get(params.get("dimension", ""))
        if key is None:
            raise Invalid("dimension must be ROWS or COLUMNS.")
        sheet.properties["gridProperties"][key] += length

    def _dimension_range(
        self, work: Spreadsheet, dimension_range: dict[str, Any]
    ) -> tuple[Sheet, str, int, int]:
        sheet = work.sheet_by_id(dimension_range.get("sheetId"))
        dimension = dimension_range.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise Invalid("dimension must be ROWS or COLUMNS.")
        size = sheet.rows if dimension == "ROWS" else sheet.columns
        start = int(dimension_range.get("startIndex") or 0)
        end = size if dimension_range.get("endIndex") is None else int(dimension_range["endIndex"])
        if start < 0 or start > end or end > size:
            raise Invalid(
                f"Invalid dimension range {start}:{end}; the sheet has {size} {dimension.lower()}."
            )
        return sheet, dimension, start, end

    def _request_updateDimensionProperties(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        if params.get("range") is None:
            raise GoogleError(501, "fake_google supports updateDimensionProperties with range only")
        sheet, dimension, start, end = self._dimension_range(work, params["range"])
        tree = self._mask(params, "DimensionProperties")
        store = sheet.row_metadata if dimension == "ROWS" else sheet.column_metadata
        for index in range(start, end):
            entry = dict(store.get(index, {}))
            fieldmask.apply_update(entry, params.get("properties") or {}, tree)
            store[index] = entry

    def _request_autoResizeDimensions(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        # Google measures the text; the fake only checks the range (pixel sizes stay as they are).
        if params.get("dimensions") is None:
            raise GoogleError(501, "fake_google supports autoResizeDimensions with dimensions only")
        self._dimension_range(work, params["dimensions"])

    def _request_setBasicFilter(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        basic_filter = copy.deepcopy(params.get("filter") or {})
        # Stored with explicit bounds: a filter over {"sheetId": 0} reads back as the grid's.
        sheet, start_row, start_col, end_row, end_col = self._bounds(
            work, basic_filter.get("range") or {}
        )
        basic_filter["range"] = {
            "sheetId": sheet.sheet_id,
            "startRowIndex": start_row,
            "endRowIndex": end_row,
            "startColumnIndex": start_col,
            "endColumnIndex": end_col,
        }
        sheet.basic_filter = basic_filter

    def _request_clearBasicFilter(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        work.sheet_by_id(params.get("sheetId")).basic_filter = None

    def _request_createDeveloperMetadata(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> dict[str, Any]:
        metadata = copy.deepcopy(params.get("developerMetadata") or {})
        if not metadata.get("metadataKey"):
            raise Invalid("Developer metadata must always have a key specified.")
        if metadata.get("visibility") in (None, "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED"):
            raise Invalid("Developer metadata must always have a visibility specified.")
        location = metadata.get("location") or {}
        if location.get("sheetId") is not None:
            sheet = work.sheet_by_id(location["sheetId"])
            stored_location: dict[str, Any] = {"locationType": "SHEET", "sheetId": sheet.sheet_id}
        elif location.get("spreadsheet"):
            stored_location = {"locationType": "SPREADSHEET", "spreadsheet": True}
        elif location.get("dimensionRange") is not None:
            sheet, dimension, start, end = self._dimension_range(work, location["dimensionRange"])
            stored_location = {
                "locationType": "ROW" if dimension == "ROWS" else "COLUMN",
                "dimensionRange": {
                    "sheetId": sheet.sheet_id,
                    "dimension": dimension,
                    "startIndex": start,
                    "endIndex": end,
                },
            }
        else:
            raise Invalid("Developer metadata must have a location.")
        taken = {m["metadataId"] for m in work.developer_metadata}
        if metadata.get("metadataId") is not None:
            metadata["metadataId"] = int(metadata["metadataId"])
            if metadata["metadataId"] in taken or metadata["metadataId"] <= 0:
                raise Invalid(f"Developer metadata ID {metadata['metadataId']} is already in use.")
        else:
            metadata["metadataId"] = self._rng.randrange(1, 2**31 - 1)
            while metadata["metadataId"] in taken:
                metadata["metadataId"] = self._rng.randrange(1, 2**31 - 1)
        metadata["location"] = stored_location
        stored = {
            k: metadata[k]
            for k in ("metadataId", "metadataKey", "metadataValue", "location", "visibility")
            if k in metadata
        }
        work.developer_metadata.append(stored)
        return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(stored)}}

    def _request_deleteDeveloperMetadata(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> dict[str, Any]:
        data_filter = params.get("dataFilter") or {}
        deleted = [m for m in work.developer_metadata if _metadata_matches(m, data_filter)]
        work.developer_metadata = [m for m in work.developer_metadata if m not in deleted]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}

    def _request_updateDeveloperMetadata(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> dict[str, Any]:
        tree = self._mask(params, "DeveloperMetadata")
        source = params.get("developerMetadata") or {}
        updated = []
        for metadata in work.developer_metadata:
            if any(_metadata_matches(metadata, f) for f in params.get("dataFilters") or []):
                new = copy.deepcopy(metadata)
                fieldmask.apply_update(new, source, tree)
                new["metadataId"] = metadata["metadataId"]
                new["location"] = metadata["location"]
                metadata.clear()
                metadata.update(new)
                updated.append(copy.deepcopy(new))
        return {"updateDeveloperMetadata": {"developerMetadata": updated}}

    def _request_addConditionalFormatRule(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        rule = copy.deepcopy(params.get("rule") or {})
        ranges = rule.get("ranges") or []
        if not ranges:
            raise Invalid("A conditional format rule needs at least one range.")
        if not (rule.get("booleanRule") or rule.get("gradientRule")):
            raise Invalid("A conditional format rule needs a booleanRule or a gradientRule.")
        sheet = self._bounds(work, ranges[0])[0]
        for grid_range in ranges[1:]:
            if self._bounds(work, grid_range)[0] is not sheet:
                raise Invalid("All ranges of a conditional format rule must be on one sheet.")
        rule["ranges"] = [{"sheetId": sheet.sheet_id} | r for r in ranges]
        index = int(params.get("index") or 0)
        sheet.conditional_formats.insert(min(index, len(sheet.conditional_formats)), rule)

    def _request_deleteConditionalFormatRule(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> dict[str, Any]:
        sheet = work.sheet_by_id(params.get("sheetId"))
        index = int(params.get("index") or 0)
        if not 0 <= index < len(sheet.conditional_formats):
            raise Invalid(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
        rule = sheet.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": shown(rule)}}

    def _request_addProtectedRange(
        self, work: Spreadsheet, params: dict[str, Any]
    ) -> dict[str, Any]:
        # Unset (null, "", false) fields are left out, as Google leaves them out of answers.
        given = copy.deepcopy(params.get("protectedRange") or {})
        protected = {k: v for k, v in given.items() if v not in (None, "", False)}
        editors = protected.get("editors") or {}
        protected["editors"] = {k: v for k, v in editors.items() if v not in (None, [], False)}
        grid_range = protected.get("range") or {}
        sheet = self._bounds(work, grid_range)[0]
        if protected.get("warningOnly") and protected["editors"]:
            raise Invalid("Editors are not supported with warningOnly protection.")
        taken = {p["protectedRangeId"] for s in work.sheets for p in s.protected_ranges}
        protected_id = protected.get("protectedRangeId")
        if protected_id is not None and int(protected_id) in taken:
            raise Invalid(f"Protected range ID {protected_id} is already in use.")
        while protected_id is None or int(protected_id) in taken:
            protected_id = self._rng.randrange(1, 2**31 - 1)
        protected["protectedRangeId"] = int(protected_id)
        protected["range"] = {"sheetId": sheet.sheet_id} | grid_range
        # Read-only and computed by Google: the caller may edit a range it just protected.
        protected["requestingUserCanEdit"] = True
        sheet.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": shown(protected)}}

    def _request_deleteProtectedRange(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        wanted = int(params.get("protectedRangeId") or 0)
        for sheet in work.sheets:
            for protected in sheet.protected_ranges:
                if protected["protectedRangeId"] == wanted:
                    sheet.protected_ranges.remove(protected)
                    return
        raise Invalid(f"No protected range with id: {wanted}")

    def _request_setDataValidation(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        sheet, start_row, start_col, end_row, end_col = self._bounds(
            work, params.get("range") or {}
        )
        if params.get("rule"):
            _check_validation_condition(work, (params["rule"] or {}).get("condition") or {})
        source = {"dataValidation": params["rule"]} if params.get("rule") else {}
        for r in range(start_row, end_row):
            for c in range(start_col, end_col):
                sheet.write_cell(r, c, source, {"dataValidation": None})

    def _request_mergeCells(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        merge_type = params.get("mergeType") or "MERGE_ALL"
        sheet, start_row, start_col, end_row, end_col = self._bounds(
            work, params.get("range") or {}
        )
        if end_row - start_row < 1 or end_col - start_col < 1:
            raise Invalid("The range to merge must hold at least one cell.")
        if merge_type == "MERGE_ALL":
            areas = [(start_row, end_row, start_col, end_col)]
        elif merge_type == "MERGE_COLUMNS":
            areas = [(start_row, end_row, c, c + 1) for c in range(start_col, end_col)]
        else:  # MERGE_ROWS (the discovery check allows no other value)
            areas = [(r, r + 1, start_col, end_col) for r in range(start_row, end_row)]
        for top, bottom, left, right in areas:
            if (bottom - top) * (right - left) < 2:
                continue  # a single cell is not merged
            for merged in sheet.merges:
                if (
                    top < merged["endRowIndex"]
                    and merged["startRowIndex"] < bottom
                    and left < merged["endColumnIndex"]
                    and merged["startColumnIndex"] < right
                ):
                    raise Invalid("You can't merge cells that are already partly merged.")
            sheet.merges.append(
                {
                    "sheetId": sheet.sheet_id,
                    "startRowIndex": top,
                    "endRowIndex": bottom,
                    "startColumnIndex": left,
                    "endColumnIndex": right,
                }
            )

    def _request_addFilterView(self, work: Spreadsheet, params: dict[str, Any]) -> dict[str, Any]:
        view = copy.deepcopy(params.get("filter") or {})
        grid_range = view.get("range") or {}
        sheet = self._bounds(work, grid_range)[0]
        taken = {v["filterViewId"] for s in work.sheets for v in s.filter_views}
        view_id = view.get("filterViewId")
        if view_id is not None and int(view_id) in taken:
            raise Invalid(f"Filter view ID {view_id} is already in use.")
        while view_id is None or int(view_id) in taken:
            view_id = self._rng.randrange(1, 2**31 - 1)
        view["filterViewId"] = int(view_id)
        view["range"] = {"sheetId": sheet.sheet_id} | grid_range
        sheet.filter_views.append(view)
        return {"addFilterView": {"filter": shown(view)}}

    def _request_deleteFilterView(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        wanted = int(params.get("filterId") or 0)
        for sheet in work.sheets:
            for view in sheet.filter_views:
                if view["filterViewId"] == wanted:
                    sheet.filter_views.remove(view)
                    return
        raise Invalid(f"No filter view with id: {wanted}")

    def _request_addChart(self, work: Spreadsheet, params: dict[str, Any]) -> dict[str, Any]:
        chart = copy.deepcopy(params.get("chart") or {})
        overlay = (chart.get("position") or {}).get("overlayPosition")
        if overlay is None:
            raise GoogleError(
                501, "fake_google supports addChart with position.overlayPosition only"
            )
        anchor = overlay.get("anchorCell") or {}
        sheet = work.sheet_by_id(anchor.get("sheetId"))
        row, column = int(anchor.get("rowIndex") or 0), int(anchor.get("columnIndex") or 0)
        if not (0 <= row < sheet.rows and 0 <= column < sheet.columns):
            raise Invalid(
                f"The anchor cell ({row}, {column}) is outside the grid of sheet "
                f"{sheet.sheet_id}. Max rows: {sheet.rows}, max columns: {sheet.columns}"
            )
        anchor |= {"sheetId": sheet.sheet_id, "rowIndex": row, "columnIndex": column}
        overlay["anchorCell"] = anchor
        self._check_chart_spec(work, chart.get("spec") or {})
        taken = {c["chartId"] for s in work.sheets for c in s.charts}
        chart_id = chart.get("chartId")
        if chart_id is not None and int(chart_id) in taken:
            raise Invalid(f"An embedded object with ID {int(chart_id)} already exists.")
        while chart_id is None or int(chart_id) in taken:
            chart_id = self._rng.randrange(1, 2**31 - 1)
        chart["chartId"] = int(chart_id)
        sheet.charts.append(chart)
        return {"addChart": {"chart": _without_zero_sheet_ids(chart)}}

    def _check_chart_spec(self, work: Spreadsheet, spec: dict[str, Any]) -> None:
        """A basic chart's data: each domain and series a range of one row or one column,
        inside its sheet's grid (charts of other kinds are not modelled)."""
        basic = spec.get("basicChart")
        if basic is None:
            raise GoogleError(501, "fake_google supports addChart with a basicChart spec only")
        if basic.get("chartType") in (None, "BASIC_CHART_TYPE_UNSPECIFIED"):
            raise Invalid("A basic chart needs a chartType.")
        data = [d.get("domain") or {} for d in basic.get("domains") or []]
        data += [s.get("series") or {} for s in basic.get("series") or []]
        if not basic.get("series"):
            raise Invalid("A basic chart needs at least one series.")
        for chart_data in data:
            sources = (chart_data.get("sourceRange") or {}).get("sources") or []
            if not sources:
                raise Invalid("Chart data needs a sourceRange with at least one source.")
            for grid_range in sources:
                _, start_row, start_col, end_row, end_col = self._bounds(work, grid_range)
                if end_row - start_row != 1 and end_col - start_col != 1:
                    raise Invalid(
                        "Chart data ranges must be a single row or column: "
                        f"{_without_zero_sheet_ids(grid_range)}"
                    )

    def _request_deleteEmbeddedObject(self, work: Spreadsheet, params: dict[str, Any]) -> None:
        wanted = int(params.get("objectId") or 0)
        for sheet in work.sheets:
            for chart in sheet.charts:
                if chart["chartId"] == wanted:
                    sheet.charts.remove(chart)
                    return
        raise Invalid(f"No embedded object with id: {wanted}")


BATCH_UPDATE_KINDS = sorted(
    name.removeprefix("_request_") for name in dir(FakeSheets) if name.startswith("_request_")
)


# How many ConditionValues each data validation condition takes: (at least, at most). Types
# absent here (text and date comparisons, custom formulas...) are checked only by discovery.
_VALIDATION_VALUES = {
    "BOOLEAN": (0, 2),
    "DATE_IS_VALID": (0, 0),
    "TEXT_IS_EMAIL": (0, 0),
    "TEXT_IS_URL": (0, 0),
    "BLANK": (0, 0),
    "NOT_BLANK": (0, 0),
    "NUMBER_BETWEEN": (2, 2),
    "NUMBER_NOT_BETWEEN": (2, 2),
    "DATE_BETWEEN": (2, 2),
    "DATE_NOT_BETWEEN": (2, 2),
    "ONE_OF_RANGE": (1, 1),
    "ONE_OF_LIST": (1, 500),
    "CUSTOM_FORMULA": (1, 1),
}


def _check_validation_condition(work: Spreadsheet, condition: dict[str, Any]) -> None:
    """Refuse what Google refuses in a data validation rule's condition: the wrong number of
    values for its type, a number range that is not numbers, and a list range that is not a
    range of a sheet in the spreadsheet (the sheet must exist when the rule is set)."""
    kind = condition.get("type")
    if not kind or kind == "CONDITION_TYPE_UNSPECIFIED":
        raise Invalid("A data validation rule needs a condition type.")
    values = condition.get("values") or []
    least, most = _VALIDATION_VALUES.get(kind, (0, 500))
    if not least <= len(values) <= most:
        raise Invalid(
            f"Invalid ConditionValue count for {kind}: {len(values)} (expected {least} to {most})."
        )
    entered = [str((v or {}).get("userEnteredValue", "")) for v in values]
    if kind in ("NUMBER_BETWEEN", "NUMBER_NOT_BETWEEN"):
        try:
            [float(v) for v in entered]
        except ValueError:
            raise Invalid(f"Invalid number in {kind}: {entered}") from None
    if kind == "ONE_OF_RANGE":
        text = entered[0]
        if not text.startswith("="):
            raise Invalid(f"ONE_OF_RANGE needs a range starting with '=': {text!r}")
        try:
            parsed = a1.parse(text[1:], work.titles())
        except ValueError:
            raise Invalid(f"Invalid range in ONE_OF_RANGE: {text!r}") from None
        if parsed.sheet is None:
            raise Invalid(f"Invalid range in ONE_OF_RANGE: {text!r}")


def _ragged(grid: dict[int, dict[int, Any]], empty: Any = "") -> list[list[Any]]:
    """Sparse {row: {col: value}} -> rows without trailing empties (interior gaps filled)."""
    if not grid:
        return []
    rows = []
    for r in range(max(grid) + 1):
        row = grid.get(r, {})
        width = max(row) + 1 if row else 0
        rows.append([row.get(c, copy.copy(empty)) for c in range(width)])
    return rows


def _major_rows(value_range: dict[str, Any]) -> list[list[Any]]:
    values = value_range.get("values") or []
    if value_range.get("majorDimension") == "COLUMNS":
        height = max((len(col) for col in values), default=0)
        return [[col[r] if r < len(col) else None for col in values] for r in range(height)]
    return values


def _range_text(sheet: Sheet, row: int, column: int, height: int, width: int) -> str:
    return a1.format_range(sheet.title, row, column, row + max(height, 1), column + max(width, 1))
