"""The Spreadsheets port on Google Sheets, through gspread's HTTP client.

One `values.batchGet` reads a spreadsheet's source tabs; one `spreadsheets.get` (grid data,
developer metadata) reads its state; one all-or-nothing `batchUpdate` writes all its owned tabs.
Owned tabs carry developer metadata holding their key, so a renamed tab is still found.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from jobs.errors import MissingTab, TutorsyncError, WorkspaceError
from jobs.workspace.google.transport import is_retryable
from sheets_schema.cells import (
    CellComment,
    CellFormat,
    CellStyle,
    CellValue,
    Chart,
    ColumnFormat,
    FilterView,
    Grid,
    Link,
    OwnedTab,
    Sparkline,
    SpreadsheetState,
    TabWrite,
    Tone,
    stored_cell,
    stored_text,
    trim_grid,
)

OWNED_TAB_KEY = "tutorsync-owned-tab"  # developer metadata key; its value is the tab's key
_SPREADSHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_SPREADSHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
EPOCH = datetime(1899, 12, 30)  # day 0 of spreadsheet serial dates
_READ_VALUES = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
_STATE_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,index),"
    "developerMetadata(metadataKey,metadataValue),conditionalFormats(ranges(sheetId)),"
    "filterViews(filterViewId),charts(chartId),"
    "data(rowData(values(userEnteredValue,effectiveValue,"
    "userEnteredFormat(numberFormat,textFormat,backgroundColor),hyperlink,note))))"
)
NUMBER_FORMATS = {
    ColumnFormat.TEXT: {"type": "TEXT"},
    ColumnFormat.INTEGER: {"type": "NUMBER", "pattern": "0"},
    ColumnFormat.DECIMAL: {"type": "NUMBER", "pattern": "0.0"},
    ColumnFormat.PERCENT: {"type": "PERCENT", "pattern": "0%"},
    ColumnFormat.DATE: {"type": "DATE", "pattern": "yyyy-mm-dd"},
    ColumnFormat.DATETIME: {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"},
    ColumnFormat.SPARKLINE: {"type": "NUMBER"},
}
# The one formula tutorsync writes, and only with numbers in it; read back as a Sparkline.
# A sparkline tutorsync wrote: `{62;70;91}` now; `{62,70.5}` before (which a comma-decimal
# locale cannot parse), or as such a locale shows it, `{62\\70,5}`.
_SPARKLINE = re.compile(r"=SPARKLINE\(\{(-?\d+(?:[.,]\d+)?(?:[;,\\]-?\d+(?:[.,]\d+)?)*)\}\)")
HEADER_BACKGROUND = {"red": 0.93, "green": 0.93, "blue": 0.93}
_ATTENTION_BACKGROUND = {"red": 1.0, "green": 0.957, "blue": 0.808}  # FFF4CE, as locally
_SECTION_BACKGROUND = {"red": 0.85, "green": 0.85, "blue": 0.85}
_TONES = {  # conditional formats, as locally: amber to look at, green for good
    Tone.ATTENTION: {
        "backgroundColor": {"red": 1.0, "green": 0.902, "blue": 0.6},
        "textFormat": {"foregroundColor": {"red": 0.498, "green": 0.376, "blue": 0.0}},
    },
    Tone.GOOD: {
        "backgroundColor": {"red": 0.776, "green": 0.937, "blue": 0.808},
        "textFormat": {"foregroundColor": {"red": 0.0, "green": 0.38, "blue": 0.0}},
    },
}
_WRAP_AFTER = 60  # characters; longer text wraps instead of running across columns
# A chart's size in pixels (Sheets' own default), and in default rows and columns (21 and 100
# pixels): the grid is made to hold the whole chart, never leaving it hanging past the edge.
_CHART_PIXELS = (600, 371)
_CHART_CELLS = (18, 6)  # rows, columns
_CHART_IDS_PER_TAB = 64

T = TypeVar("T")


def spreadsheet_id(reference: str) -> str:
    """The spreadsheet ID in a config reference: an ID, or a full URL to the spreadsheet."""
    found = _SPREADSHEET_URL.search(reference)
    if found:
        return found.group(1)
    if _SPREADSHEET_ID.match(reference.strip()):
        return reference.strip()
    raise WorkspaceError(
        f"'{reference}' is neither a Google Sheets URL nor a spreadsheet ID; copy the "
        "spreadsheet's address from the browser"
    )


def a1_tab(title: str) -> str:
    """A tab as an A1 range: quoted, with quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


class GoogleSpreadsheets:
    """Spreadsheets on Google Sheets. `account` names who tutorsync acts as, for messages."""

    def __init__(self, http: HTTPClient, *, account: str) -> None:
        self._http = http
        self._account = account
        self._known: dict[str, dict[str, Any]] = {}  # spreadsheet ID -> last metadata read
        self._written_titles: dict[str, set[str]] = {}  # owned tabs written since
        self._source_grids: dict[str, dict[str, Grid]] = {}  # other tabs' values, from state
        self._gids: dict[tuple[str, str], int] = {}  # (spreadsheet ID, tab title) -> sheet ID

    # --- The port --------------------------------------------------------------------------

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str]) -> dict[str, Grid]:
        """Values of the named tabs in one values.batchGet (numbers as numbers, dates as
        serial numbers, ragged rows as Sheets sends them)."""
        key = spreadsheet_id(spreadsheet)
        owned = [tab for tab in tabs if tab in self._owned_titles(key)]
        if owned:
            raise WorkspaceError(
                f"{spreadsheet} › {owned[0]} is a tab tutorsync writes, not a source; "
                "name an educator's tab instead"
            )
        already_read = self._source_grids.get(key, {})
        if all(tab in already_read for tab in tabs):
            return {tab: [list(row) for row in already_read[tab]] for tab in tabs}
        try:
            response = self._call(
                spreadsheet,
                lambda: self._http.values_batch_get(
                    key, [a1_tab(tab) for tab in tabs], params=dict(_READ_VALUES)
                ),
                tabs=tabs,
            )
        except _Unavailable as error:
            # A source nobody can read (not shared, no such tab) is a data issue and the run
            # goes on without it. One Google did not serve after every retry must stop the run
            # instead: going on would report success with figures that leave the source out.
            raise TutorsyncError(f"{error}; nothing was written") from None
        ranges = response.get("valueRanges", [])
        return {tab: _source_grid(ranges[i].get("values", [])) for i, tab in enumerate(tabs)}

    def list_tabs(self, spreadsheet: str) -> list[str]:
        """Titles of the tabs tutorsync does not own."""
        metadata = self._metadata(
            spreadsheet,
            fields="properties.title,sheets(properties("
            "sheetId,title,index),developerMetadata(metadataKey,metadataValue))",
        )
        return [
            s["properties"]["title"] for s in metadata.get("sheets", []) if _owned_key(s) is None
        ]

    def read_state(self, spreadsheet: str) -> SpreadsheetState:
        """Owned tabs with their cells typed back (dates, links) and the other tabs' titles,
        in one spreadsheets.get."""
        metadata = self._metadata(spreadsheet, fields=_STATE_FIELDS, grid=True)
        owned: dict[str, OwnedTab] = {}
        others = set()
        sources: dict[str, Grid] = {}
        for sheet in metadata.get("sheets", []):
            title = sheet["properties"]["title"]
            key = _owned_key(sheet)
            if key and key not in owned:
                owned[key] = OwnedTab(
                    key, title, _grid_of(sheet), _notes_of(sheet), _formats_of(sheet)
                )
            else:
                others.add(title)
                sources[title] = _values_grid(sheet)
        # The other tabs' values came with this read: a gradebook tutorsync also writes into
        # is then read as a source without a second request.
        self._source_grids[spreadsheet_id(spreadsheet)] = sources
        return SpreadsheetState(exists=True, owned=owned, other_titles=frozenset(others))

    def check_writable(self, spreadsheet: str) -> None:
        """Proves Editor access with a batchUpdate that sets the title to itself: Sheets has no
        read-only way to ask, and this changes nothing."""
        key = spreadsheet_id(spreadsheet)
        title = self._metadata(spreadsheet, fields="properties.title")["properties"]["title"]
        request = {
            "updateSpreadsheetProperties": {"properties": {"title": title}, "fields": "title"}
        }
        self._call(spreadsheet, lambda: self._http.batch_update(key, {"requests": [request]}))

    def tab_gid(self, spreadsheet: str, tab: str) -> int | None:
        """A tab's sheet ID, if a read or a write has seen it (for links that open the tab)."""
        return self._gids.get((spreadsheet_id(spreadsheet), tab))

    def title(self, spreadsheet: str) -> str | None:
        """The spreadsheet's title, if a read has seen it."""
        known = self._known.get(spreadsheet_id(spreadsheet), {})
        return known.get("properties", {}).get("title")

    def write_owned_tabs(self, spreadsheet: str, writes: Sequence[TabWrite]) -> None:
        """Replace the owned tabs' contents in one all-or-nothing batchUpdate.

        A write whose reply was lost (a timeout or 503 after Google applied it) is retried by
        the transport; if the retry is refused because the first attempt landed (the new tab
        exists already), the state is read back and compared before calling it a failure.
        """
        if not writes:
            return
        key = spreadsheet_id(spreadsheet)
        metadata = self._known.get(key) or self._metadata(
            spreadsheet,
            fields="sheets(properties(sheetId,title),developerMetadata(metadataKey,metadataValue),"
            "conditionalFormats(ranges(sheetId)),filterViews(filterViewId),charts(chartId))",
        )
        requests_ = batch_requests(metadata, writes)
        try:
            self._call(spreadsheet, lambda: self._http.batch_update(key, {"requests": requests_}))
        except WorkspaceError:
            if not self._landed(spreadsheet, writes):
                raise
        self._written_titles.setdefault(key, set()).update(_new_titles(requests_))
        for request in requests_:
            if "addSheet" in request:
                added = request["addSheet"]["properties"]
                self._gids[(key, added["title"])] = added["sheetId"]
        self._known.pop(key, None)

    # --- Calls -----------------------------------------------------------------------------

    def _metadata(self, spreadsheet: str, *, fields: str, grid: bool = False) -> dict[str, Any]:
        key = spreadsheet_id(spreadsheet)
        params: dict[str, Any] = {"fields": fields, "includeGridData": "true" if grid else "false"}
        metadata = dict(
            self._call(spreadsheet, lambda: self._http.fetch_sheet_metadata(key, params))
        )
        self._known[key] = metadata
        for sheet in metadata.get("sheets", []):
            properties = sheet.get("properties", {})
            if "title" in properties and "sheetId" in properties:
                self._gids[(key, properties["title"])] = int(properties["sheetId"])
        return metadata

    def _owned_titles(self, key: str) -> set[str]:
        """Titles of owned tabs this adapter has seen or written in the spreadsheet. Sources
        are read with values.batchGet, which says nothing of ownership, so a run reads the
        state of the spreadsheets it writes before it reads sources."""
        sheets = self._known.get(key, {}).get("sheets", [])
        seen = {s["properties"]["title"] for s in sheets if _owned_key(s) is not None}
        return seen | self._written_titles.get(key, set())

    def _landed(self, spreadsheet: str, writes: Sequence[TabWrite]) -> bool:
        try:
            state = self.read_state(spreadsheet)
        except WorkspaceError:
            return False
        return all(w.key in state.owned and state.owned[w.key].grid == w.grid() for w in writes)

    def _call(self, spreadsheet: str, call: Callable[[], T], *, tabs: Sequence[str] = ()) -> T:
        """Run one API call; turn what Google says into a message naming the spreadsheet."""
        try:
            return call()
        except APIError as error:
            message = self._explain(spreadsheet, error, tabs)
            if is_retryable(error.response.status_code, error.response.content):
                raise _Unavailable(message) from None
            if tabs and _names_no_tab(error):
                raise MissingTab(message) from None
            raise WorkspaceError(message) from None
        except requests.RequestException as error:
            raise _Unavailable(
                f"could not reach Google Sheets for {spreadsheet} ({type(error).__name__}); "
                "check the network and run again"
            ) from None

    def _missing_tab(self, spreadsheet: str, tabs: Sequence[str]) -> str | None:
        """Which requested tab is missing, and the tabs there are (an error path only)."""
        try:
            titles = self.list_tabs(spreadsheet)
        except WorkspaceError:
            return None
        missing = next((tab for tab in tabs if tab not in titles), None)
        if missing is None:
            return None
        return f"{spreadsheet} has no tab '{missing}'; its tabs are: {_quoted(titles)}"

    def _explain(self, spreadsheet: str, error: APIError, tabs: Sequence[str]) -> str:
        code = error.response.status_code
        message = str(error.error.get("message", "")) if isinstance(error.error, dict) else ""
        if is_retryable(code, error.response.content):  # a rate limit (even as a 403), a 5xx
            return (
                f"Google Sheets is busy or over quota for {spreadsheet} ({code} {message}) "
                "after every retry; run again later"
            )
        if code == 404:
            return (
                f"spreadsheet {spreadsheet} was not found; check its ID or URL, and that it is "
                f"shared with {self._account}"
            )
        if code == 403:
            return (
                f"{self._account} may not open spreadsheet {spreadsheet}; share it with that "
                "account (Editor for spreadsheets tutorsync writes into, Viewer for the others)"
            )
        if code == 400 and "Unable to parse range" in message and tabs:
            return self._missing_tab(spreadsheet, tabs) or f"{spreadsheet}: {message}"
        return f"Google Sheets refused a request for {spreadsheet}: {code} {message}".strip()


def _names_no_tab(error: APIError) -> bool:
    """Whether Google refused a read for a range it could not parse: a tab not there."""
    message = str(error.error.get("message", "")) if isinstance(error.error, dict) else ""
    return error.response.status_code == 400 and "Unable to parse range" in message


class _Unavailable(WorkspaceError):
    """Google did not serve a request after every retry (rate limits, server errors, dropped
    connections, timeouts): nothing is wrong with the spreadsheet; run again later."""


def _source_grid(values: list[list[Any]]) -> Grid:
    """Sheets sends "" for an empty cell before a filled one; the port says None."""
    return trim_grid([[None if cell == "" else cell for cell in row] for row in values])


def _new_titles(requests_: Sequence[Mapping[str, Any]]) -> set[str]:
    return {r["addSheet"]["properties"]["title"] for r in requests_ if "addSheet" in r}


def _quoted(titles: Sequence[str]) -> str:
    return ", ".join(f"'{title}'" for title in titles)


def batch_requests(metadata: Mapping[str, Any], writes: Sequence[TabWrite]) -> list[dict[str, Any]]:
    """The batchUpdate requests that make each owned tab hold exactly its write. Pure."""
    sheets = metadata.get("sheets", [])
    by_key = {}
    used_ids = set()
    for sheet in sheets:
        used_ids.add(sheet["properties"]["sheetId"])
        owned = _owned_key(sheet)
        if owned and owned not in by_key:
            by_key[owned] = sheet["properties"]["sheetId"]
    rules_on = {
        sheet["properties"]["sheetId"]: len(sheet.get("conditionalFormats", [])) for sheet in sheets
    }
    views_on = {
        sheet["properties"]["sheetId"]: [v["filterViewId"] for v in sheet.get("filterViews", [])]
        for sheet in sheets
    }
    charts_on = {
        sheet["properties"]["sheetId"]: [int(c["chartId"]) for c in sheet.get("charts", [])]
        for sheet in sheets
    }
    chart_ids_taken = {chart_id for ids in charts_on.values() for chart_id in ids}
    requests_: list[dict[str, Any]] = []
    for write in writes:
        rows = len(write.rows) + 1
        width = max([len(write.header), *(len(row) for row in write.rows), 1])
        grid = {
            "rowCount": max([rows, 2, *(c.anchor_row + _CHART_CELLS[0] for c in write.charts)]),
            "columnCount": max([width, *(c.anchor_column + _CHART_CELLS[1] for c in write.charts)]),
            "frozenRowCount": 1,
        }
        sheet_id = by_key.get(write.key)
        if sheet_id is None:
            sheet_id = new_sheet_id(write.key, used_ids)
            used_ids.add(sheet_id)
            requests_ += _new_tab_requests(write, sheet_id, grid)
        else:
            ours = [i for i in charts_on.get(sheet_id, []) if _is_tutorsync_chart(i, sheet_id)]
            chart_ids_taken -= set(ours)
            # Deleted before the grid is resized: the old charts may sit past its new edge.
            requests_ += [{"deleteEmbeddedObject": {"objectId": i}} for i in ours]
            requests_ += _cleared_tab_requests(
                sheet_id, grid, rules_on.get(sheet_id, 0), views_on.get(sheet_id, [])
            )
        requests_ += _content_requests(write, sheet_id, rows, width)
        free_ids = (i for i in chart_ids(sheet_id) if i not in chart_ids_taken)
        for chart, chart_id in zip(write.charts, free_ids, strict=False):
            chart_ids_taken.add(chart_id)
            requests_.append(_chart_request(write, chart, sheet_id, chart_id))
    return requests_


def chart_ids(sheet_id: int) -> range:
    """The chart IDs tutorsync gives the charts it draws on the tab `sheet_id`. Derived from
    the tab, so its own charts are told from those an educator added (Sheets draws their IDs
    at random from 2^31: one lands in these 64 once in 30 million charts), and a retried
    write names the same charts (and fails, instead of drawing them twice)."""
    base = zlib.crc32(f"tutorsync-charts:{sheet_id}".encode()) & 0x7FFFFFC0
    start = base or _CHART_IDS_PER_TAB  # chartId 0 would read as unset: Sheets draws one
    return range(start, start + _CHART_IDS_PER_TAB)


def _is_tutorsync_chart(chart_id: int, sheet_id: int) -> bool:
    """Whether a chart on the tab `sheet_id` is one tutorsync drew there."""
    return chart_id in chart_ids(sheet_id)


def _chart_request(write: TabWrite, chart: Chart, sheet_id: int, chart_id: int) -> dict[str, Any]:
    """A line chart over the header and the chart's first rows: a line per series column, its
    header in the legend (headerCount 1), anchored at the chart's cell."""

    def column(index: int) -> dict[str, Any]:
        source = {
            "sheetId": sheet_id,
            "startRowIndex": 0,
            "endRowIndex": chart.rows + 1,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        return {"sourceRange": {"sources": [source]}}

    domain_title = (
        write.header[chart.domain_column] if chart.domain_column < len(write.header) else ""
    )
    return {
        "addChart": {
            "chart": {
                "chartId": chart_id,
                "spec": {
                    "title": chart.title,
                    "basicChart": {
                        "chartType": "LINE",
                        "legendPosition": "BOTTOM_LEGEND",
                        "axis": [{"position": "BOTTOM_AXIS", "title": domain_title}],
                        "domains": [{"domain": column(chart.domain_column)}],
                        "series": [
                            {"series": column(index), "targetAxis": "LEFT_AXIS"}
                            for index in chart.series_columns
                        ],
                        "headerCount": 1,
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": sheet_id,
                            "rowIndex": chart.anchor_row,
                            "columnIndex": chart.anchor_column,
                        },
                        "widthPixels": _CHART_PIXELS[0],
                        "heightPixels": _CHART_PIXELS[1],
                    }
                },
            }
        }
    }


def _new_tab_requests(
    write: TabWrite, sheet_id: int, grid: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Add the tab, marked as owned by its key."""
    return [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": write.title,
                    "gridProperties": grid,
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": OWNED_TAB_KEY,
                    "metadataValue": write.key,
                    "location": {"sheetId": sheet_id},
                    "visibility": "DOCUMENT",
                }
            }
        },
    ]


def _cleared_tab_requests(
    sheet_id: int, grid: Mapping[str, int], rules: int, view_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """Resize an owned tab and clear it: its cells, its `rules` conditional format rules and
    its filter views."""
    requests_: list[dict[str, Any]] = [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": grid},
                "fields": "gridProperties(rowCount,columnCount,frozenRowCount)",
            }
        },
        # Clearing everything first leaves no stale value, format or link behind.
        {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "*"}},
    ]
    requests_ += [{"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": 0}}] * rules
    requests_ += [{"deleteFilterView": {"filterId": view_id}} for view_id in view_ids]
    return requests_


def _content_requests(
    write: TabWrite, sheet_id: int, rows: int, width: int
) -> list[dict[str, Any]]:
    """Write the tab's cells, then its filter, highlights, filter views and column widths."""
    requests_: list[dict[str, Any]] = [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": _rows(write),
                "fields": "userEnteredValue,userEnteredFormat,note",
            }
        }
    ]
    # The table, header included, footer not: what its filter buttons and saved views cover.
    table = {
        "sheetId": sheet_id,
        "startRowIndex": 0,
        "endRowIndex": write.table_rows,
        "startColumnIndex": 0,
        "endColumnIndex": len(write.header) or 1,
    }
    requests_.append({"setBasicFilter": {"filter": {"range": table}}})
    requests_ += _highlight_requests(write, sheet_id)
    requests_ += [_filter_view_request(view, table) for view in write.filter_views]
    requests_.append(
        {
            "autoResizeDimensions": {
                "dimensions": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": 0,
                    "endIndex": width,
                }
            }
        }
    )
    return requests_


def _filter_view_request(view: FilterView, table: Mapping[str, int]) -> dict[str, Any]:
    return {
        "addFilterView": {
            "filter": {
                "title": view.title,
                "range": table,
                "filterSpecs": [
                    {
                        "columnIndex": view.column,
                        "filterCriteria": {
                            "condition": {
                                "type": "TEXT_CONTAINS",
                                "values": [{"userEnteredValue": _condition_text(view.text)}],
                            }
                        },
                    }
                ],
            }
        }
    }


def _condition_text(text: str) -> str:
    """`text` as a condition value: Sheets parses one as if typed into a cell, so text that
    starts like a formula (an e-mail such as =ops@school.org) is given as the formula that
    returns it, never run as one."""
    if text.startswith(("=", "+")):
        return '="' + text.replace('"', '""') + '"'
    return text


def _highlight_requests(write: TabWrite, sheet_id: int) -> list[dict[str, Any]]:
    """One conditional format rule per highlight, over the column's data rows."""
    if not write.rows:
        return []
    requests_ = []
    for index, highlight in enumerate(write.highlights):
        if highlight.rule == "equals":
            condition = {"type": "TEXT_EQ", "values": [{"userEnteredValue": str(highlight.value)}]}
        elif highlight.rule == "not_blank":
            condition = {"type": "NOT_BLANK"}
        else:  # "below"
            condition = {
                "type": "NUMBER_LESS",
                "values": [{"userEnteredValue": f"{float(highlight.value):g}"}],
            }
        requests_.append(
            {
                "addConditionalFormatRule": {
                    "index": index,
                    "rule": {
                        "ranges": [
                            {
                                "sheetId": sheet_id,
                                "startRowIndex": 1,
                                "endRowIndex": len(write.rows) + 1,
                                "startColumnIndex": highlight.column,
                                "endColumnIndex": highlight.column + 1,
                            }
                        ],
                        "booleanRule": {"condition": condition, "format": _TONES[highlight.tone]},
                    },
                }
            }
        )
    return requests_


def new_sheet_id(key: str, used: set[int]) -> int:
    """A sheet ID derived from the key, so a retried addSheet names the same tab (and fails
    instead of adding a second one)."""
    sheet_id = zlib.crc32(key.encode()) & 0x3FFFFFFF or 1
    while sheet_id in used:
        sheet_id = sheet_id % 0x3FFFFFFF + 1
    return sheet_id


def _rows(write: TabWrite) -> list[dict[str, Any]]:
    formats = list(write.column_formats)
    header = [
        {
            "userEnteredValue": {"stringValue": text},
            "userEnteredFormat": {
                "textFormat": {"bold": True},
                "backgroundColor": HEADER_BACKGROUND,
            },
        }
        for text in write.header
    ]
    rows = [{"values": header}]
    for index, row in enumerate(write.rows):
        background = (
            _SECTION_BACKGROUND
            if index in write.section_rows
            else _ATTENTION_BACKGROUND
            if index in write.attention_rows
            else None
        )
        width = len(write.header) if background else len(row)
        cells = []
        for column in range(max(width, len(row))):
            value = row[column] if column < len(row) else None
            column_format = formats[column] if column < len(formats) else None
            cells.append(_cell(value, column_format, background, index in write.section_rows))
        rows.append({"values": cells})
    # Carried from the tab as it stood: notes (Sheets' comments) and formatting.
    for comment in write.comments:
        _cell_at(rows, comment.row, comment.column)["note"] = stored_text(comment.text)
    for carried in write.formats:
        cell_format = _cell_at(rows, carried.row, carried.column).setdefault(
            "userEnteredFormat", {}
        )
        style = carried.style
        text = cell_format.setdefault("textFormat", {})
        text.update(bold=style.bold, italic=style.italic, strikethrough=style.strikethrough)
        if style.color:
            text["foregroundColor"] = _colour(style.color)
        if style.background:
            cell_format["backgroundColor"] = _colour(style.background)
    return rows


def _cell_at(rows: list[dict[str, Any]], row: int, column: int) -> dict[str, Any]:
    while len(rows) <= row:
        rows.append({"values": []})
    cells = rows[row]["values"]
    cells.extend({} for _ in range(column + 1 - len(cells)))
    cell: dict[str, Any] = cells[column]
    return cell


def _colour(hex_rgb: str) -> dict[str, float]:
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": red, "green": green, "blue": blue}


def _hex(colour: Mapping[str, Any] | None) -> str | None:
    if not colour:
        return None
    return "".join(f"{round(float(colour.get(c, 0)) * 255):02X}" for c in ("red", "green", "blue"))


def _formats_of(sheet: Mapping[str, Any]) -> tuple[CellFormat, ...]:
    """Formatting someone gave the tab's cells; tutorsync's own colours are not theirs."""
    own = {_hex(c) for c in (HEADER_BACKGROUND, _ATTENTION_BACKGROUND, _SECTION_BACKGROUND)}
    data = sheet.get("data") or [{}]
    found = []
    for row, cells in enumerate(data[0].get("rowData", [])):
        for column, cell in enumerate(cells.get("values", [])):
            cell_format = cell.get("userEnteredFormat") or {}
            text = cell_format.get("textFormat") or {}
            background = _hex(cell_format.get("backgroundColor"))
            style = CellStyle(
                bold=bool(text.get("bold")),
                italic=bool(text.get("italic")),
                strikethrough=bool(text.get("strikethrough")),
                color=_hex(text.get("foregroundColor")),
                background=None if background in own else background,
            )
            if style != CellStyle():
                found.append(CellFormat(row, column, style))
    return tuple(found)


def _cell(
    value: CellValue, column_format: ColumnFormat | None, background: dict | None, bold: bool
) -> dict[str, Any]:
    """One cell: text always as stringValue (never parsed, never a formula), numbers as
    numbers, dates as serial numbers with a date format so they read back as dates."""
    value = stored_cell(value)
    entered: dict[str, Any] = {}
    cell_format: dict[str, Any] = {}
    # A date format on a plain number would make it read back as a date.
    if column_format is not None and (
        column_format not in (ColumnFormat.DATE, ColumnFormat.DATETIME) or isinstance(value, date)
    ):
        cell_format["numberFormat"] = dict(NUMBER_FORMATS[column_format])
    if isinstance(value, Sparkline):
        # Whole numbers, one a row: an array literal every locale parses the same (a comma
        # or a decimal point in it is a parse error where decimals are written with a comma).
        numbers = ";".join(str(round(point)) for point in value.values if math.isfinite(point))
        entered = {"formulaValue": f"=SPARKLINE({{{numbers}}})"}
    elif isinstance(value, Link):
        entered = {"stringValue": value.text}
        cell_format["textFormat"] = {"link": {"uri": value.url}}
    elif isinstance(value, str):
        entered = {"stringValue": value}
        if len(value) > _WRAP_AFTER:
            cell_format["wrapStrategy"] = "WRAP"
    elif isinstance(value, bool):
        entered = {"boolValue": value}
    elif isinstance(value, datetime):
        entered = {"numberValue": (value - EPOCH) / timedelta(days=1)}
        cell_format["numberFormat"] = dict(NUMBER_FORMATS[ColumnFormat.DATETIME])
    elif isinstance(value, date):
        entered = {"numberValue": (value - EPOCH.date()).days}
        cell_format["numberFormat"] = dict(NUMBER_FORMATS[ColumnFormat.DATE])
    elif isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        entered = {"numberValue": seconds / 86400}
        cell_format["numberFormat"] = {"type": "TIME", "pattern": "hh:mm"}
    elif isinstance(value, int | float) and math.isfinite(value):
        entered = {"numberValue": value}
    if background is not None:
        cell_format["backgroundColor"] = background
    if bold:
        cell_format.setdefault("textFormat", {})["bold"] = True
    cell: dict[str, Any] = {}
    if entered:
        cell["userEnteredValue"] = entered
    if cell_format:
        cell["userEnteredFormat"] = cell_format
    return cell


def _owned_key(sheet: Mapping[str, Any]) -> str | None:
    for metadata in sheet.get("developerMetadata", []):
        if metadata.get("metadataKey") == OWNED_TAB_KEY:
            return str(metadata.get("metadataValue", ""))
    return None


def _sparkline_points(literal: str) -> tuple[float, ...]:
    if ";" in literal or "\\" in literal:  # separators that leave "," for decimals
        return tuple(float(n.replace(",", ".")) for n in re.split(r"[;\\]", literal))
    return tuple(float(n) for n in literal.split(","))


def _notes_of(sheet: Mapping[str, Any]) -> tuple[CellComment, ...]:
    data = sheet.get("data") or [{}]
    return tuple(
        CellComment(row, column, str(cell["note"]))
        for row, cells in enumerate(data[0].get("rowData", []))
        for column, cell in enumerate(cells.get("values", []))
        if cell.get("note")
    )


def _grid_of(sheet: Mapping[str, Any]) -> Grid:
    data = sheet.get("data") or [{}]
    return trim_grid(
        [[_value_of(cell) for cell in row.get("values", [])] for row in data[0].get("rowData", [])]
    )


_ERROR_TEXT = {
    "N_A": "#N/A",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "NULL_VALUE": "#NULL!",
    "ERROR": "#ERROR!",
}


def _values_grid(sheet: Mapping[str, Any]) -> Grid:
    """A tab's values as values.batchGet gives them unformatted (formula results, dates as
    serial numbers, errors as their text), so a source reads the same by either request."""
    data = sheet.get("data") or [{}]
    return _source_grid(
        [[_effective(cell) for cell in row.get("values", [])] for row in data[0].get("rowData", [])]
    )


def _effective(cell: Mapping[str, Any]) -> CellValue:
    value = cell.get("effectiveValue") or {}
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in value:
            return value[kind]
    if "errorValue" in value:
        error_type = value["errorValue"].get("type", "ERROR")
        return _ERROR_TEXT.get(error_type, f"#{error_type}")
    return None


def _value_of(cell: Mapping[str, Any]) -> CellValue:
    """A cell as the port's value: typed back by its number format; links as Link."""
    entered = cell.get("userEnteredValue") or {}
    kind = (cell.get("userEnteredFormat") or {}).get("numberFormat", {}).get("type")
    if "stringValue" in entered:
        text = entered["stringValue"]
        return Link(text, cell["hyperlink"]) if cell.get("hyperlink") else text
    if "formulaValue" in entered:
        formula = str(entered["formulaValue"])
        sparkline = _SPARKLINE.fullmatch(formula.replace(" ", ""))
        if sparkline:
            return Sparkline(_sparkline_points(sparkline.group(1)))
        return formula  # an educator's formula is carried as its text
    if "boolValue" in entered:
        return bool(entered["boolValue"])
    if "numberValue" in entered:
        number = entered["numberValue"]
        if kind == "DATE":
            return EPOCH.date() + timedelta(days=int(number))
        if kind == "DATE_TIME":
            return EPOCH + timedelta(days=number)
        if kind == "TIME":
            seconds = round(number * 86400)
            return time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        return number
    return None
