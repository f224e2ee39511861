"""ProgramInit on Google: a new program's spreadsheets, made in a Drive folder and filled in.

Every request goes through one PacedSession (paced, retried, timed out, counted), with the
scopes `init` needs: `drive` to make the files in the folder a person made (`drive.file`
would not reach it; scopes.py), `spreadsheets` to fill them in.

- find: ONE filtered files.list (the folder, the program's key and the spreadsheet type), then,
  for each spreadsheet found, one spreadsheets.get of its tabs and developer metadata, which
  says whether it was filled in.
- create: files.create tagged with Drive properties {"tutorsync-program": key,
  "tutorsync-init": kind} (public, so a sign-in through another Cloud project finds them too;
  the appProperties earlier versions tagged with are read as well, never written); then
  fill. Drive gives no generated ID to a spreadsheet ("Generated IDs are not supported for
  Docs Editors formats"), so a create is sent once (`SendOnce`): if its answer is lost (a
  server error, a dropped connection), the folder is listed again by the tags, and the create
  is sent again only if the spreadsheet is not there. A rate limit is waited out (Drive made
  nothing).
- fill: ONE all-or-nothing spreadsheets.batchUpdate: tabs, headers, example rows, formats,
  data validation, frozen rows, a warning-only protected header, the owned tabs (built by the
  same `batch_requests` as the Spreadsheets port's write_owned_tabs, so they are marked as
  tutorsync's the same way), and last a developer metadata marker saying it is filled in.
  Sheets applies a batch wholly or not at all, so the marker is there exactly when the rest is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import requests
from googleapiclient.errors import HttpError
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from jobs.errors import WorkspaceError
from jobs.model.init import INIT_PROPERTY, PROGRAM_PROPERTY, FoundSpreadsheet
from jobs.settings import GoogleBase, Program
from jobs.workspace.google.auth import credentials_for, drive_file_only, sign_in_again
from jobs.workspace.google.discovery import build_service, error_parts, retry_after
from jobs.workspace.google.drive import API_ROOT, SendOnce, folder_id, program_tagged, tags_of
from jobs.workspace.google.scopes import scopes_for
from jobs.workspace.google.sheets import (
    EPOCH,
    HEADER_BACKGROUND,
    NUMBER_FORMATS,
    batch_requests,
    new_sheet_id,
    spreadsheet_id,
)
from jobs.workspace.google.transport import PacedSession, Sleep, is_retryable, wall_sleep
from sheets_schema.cells import ColumnFormat, TabWrite
from sheets_schema.new_program import (
    PREPARED_COLUMNS,
    PREPARED_ROWS,
    Cell,
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

SPREADSHEET_MIME_TYPE = "application/vnd.google-apps.spreadsheet"
FILLED_KEY = "tutorsync-init"  # developer metadata on a filled-in spreadsheet: its kind
_LIST_FIELDS = "nextPageToken,files(id,name,createdTime,properties,appProperties)"
_STATE_FIELDS = (
    "developerMetadata(metadataKey,metadataValue),sheets(properties(sheetId,title,index))"
)
_PAGE_SIZE = 100
_HEADER = {"textFormat": {"bold": True}, "backgroundColor": HEADER_BACKGROUND}
_LABEL = {"textFormat": {"bold": True, "italic": True}}
_EXAMPLE = {
    "textFormat": {"italic": True, "foregroundColor": {"red": 0.5, "green": 0.5, "blue": 0.5}}
}
_TITLE = {"textFormat": {"bold": True, "fontSize": 14}, "wrapStrategy": "WRAP"}
_WRAP = {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
_TEXT_COLUMN_PIXELS = (200, 620, 240)  # an instructions tab: name, what to type, example

T = TypeVar("T")


def spreadsheet_url(file_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{file_id}/edit"


class GoogleInit:
    """Makes a program's spreadsheets in the Drive folder `base.init.drive_folder`."""

    def __init__(
        self, base: GoogleBase, *, sleep: Sleep | None = None, rng: random.Random | None = None
    ) -> None:
        """`sleep` and `rng` pace and jitter retries (injectable, so tests need not wait)."""
        google = base.google
        credentials = credentials_for(google, base.config_dir, scopes_for(["init"]))
        self._sleep = sleep or wall_sleep
        self._rng = rng if rng is not None else random.Random()
        self.session = PacedSession(
            credentials,
            quotas=google.quotas.model_dump(),
            timeout_seconds=google.timeout_seconds,
            endpoint=google.endpoint or None,
            sleep=sleep or wall_sleep,
            rng=rng,
        )
        self._http = HTTPClient(auth=credentials, session=self.session)
        self._http.set_timeout(google.timeout_seconds)
        account = getattr(credentials, "service_account_email", None) or google.subject
        self._account = account or "the signed-in account"
        self._drive: Any = build_service(self.session, "drive", "v3", API_ROOT)
        self._send_once = SendOnce(self.session)
        self._folder_reference = base.init.drive_folder
        self._folder = folder_id(base.init.drive_folder)
        self._states: dict[str, dict[str, Any]] = {}  # spreadsheet ID -> tabs and metadata read
        self._titles: dict[str, str] = {}  # reference -> the spreadsheet's title, once known

    # --- The port --------------------------------------------------------------------------

    @property
    def where(self) -> str:
        return f"Drive folder {self._folder}"

    def find(self, program_key: str) -> dict[SpreadsheetKind, FoundSpreadsheet]:
        """The program's spreadsheets in the folder, by their tags (never by name), the oldest
        of each kind first; then whether each was filled in."""
        by_kind: dict[SpreadsheetKind, list[dict[str, Any]]] = {}
        for item in self._listing(program_key):
            kind = tags_of(item).get(INIT_PROPERTY, "")
            if kind in {k.value for k in SpreadsheetKind}:
                by_kind.setdefault(SpreadsheetKind(kind), []).append(item)
        found: dict[SpreadsheetKind, FoundSpreadsheet] = {}
        for kind, items in by_kind.items():
            first, *others = sorted(items, key=lambda i: (i.get("createdTime", ""), i["id"]))
            reference = spreadsheet_url(str(first["id"]))
            self._titles[reference] = str(first.get("name") or first["id"])
            filled = _is_filled(self._state(reference))
            duplicates = tuple(spreadsheet_url(str(other["id"])) for other in others)
            found[kind] = FoundSpreadsheet(kind, reference, filled, duplicates)
        return found

    def create(self, program: Program, layout: SpreadsheetLayout, owned: Sequence[TabWrite]) -> str:
        """files.create in the folder, tagged; then one batchUpdate fills it in."""
        title = f"{program.name} - {layout.name}"
        body: dict[str, Any] = {
            "name": title,
            "mimeType": SPREADSHEET_MIME_TYPE,
            "parents": [self._folder],
            "properties": {PROGRAM_PROPERTY: program.key, INIT_PROPERTY: layout.kind.value},
        }
        created = self._drive_call(
            f"the spreadsheet '{title}'", lambda: self._create_file(body, program.key)
        )
        reference = spreadsheet_url(str(created["id"]))
        self._titles[reference] = title
        # A spreadsheet Drive makes has one tab, sheet ID 0, which the fill renames.
        self._states[spreadsheet_id(reference)] = {
            "sheets": [{"properties": {"sheetId": 0, "title": "Sheet1", "index": 0}}]
        }
        found = FoundSpreadsheet(layout.kind, reference, filled=False)
        self.fill(program, found, layout, owned)
        return reference

    def fill(
        self,
        program: Program,
        found: FoundSpreadsheet,
        layout: SpreadsheetLayout,
        owned: Sequence[TabWrite],
    ) -> None:
        """One all-or-nothing batchUpdate. If its reply is lost and the retry is refused
        (the first attempt landed), the marker is read back before calling it a failure."""
        key = spreadsheet_id(found.reference)
        state = self._states.get(key) or self._state(found.reference)
        body = {"requests": fill_requests(layout, program, state, owned)}
        try:
            self._sheets_call(found.reference, lambda: self._http.batch_update(key, body))
        except WorkspaceError:
            if not self._filled(found.reference):
                raise
        finally:
            self._states.pop(key, None)  # the tabs changed: read them again if needed

    def describe(self, reference: str) -> str:
        title = self._titles.get(reference)
        return f"{title} ({reference})" if title else reference

    def request_counts(self) -> dict[str, int]:
        return dict(self.session.snapshot()["counts"])

    # --- Drive -----------------------------------------------------------------------------

    def _listing(self, program_key: str) -> list[dict[str, Any]]:
        query = (
            f"'{self._folder}' in parents and mimeType = '{SPREADSHEET_MIME_TYPE}' and "
            f"({program_tagged(program_key)}) and trashed = false"
        )
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            page = self._drive_call(
                f"the spreadsheets of program {program_key}",
                self._drive.files()
                .list(
                    q=query,
                    corpora="allDrives",
                    includeItemsFromAllDrives=True,
                    supportsAllDrives=True,
                    pageSize=_PAGE_SIZE,
                    fields=_LIST_FIELDS,
                    pageToken=page_token,
                )
                .execute,
            )
            items.extend(page.get("files") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                return items

    def _create_file(self, body: Mapping[str, Any], program_key: str) -> dict[str, Any]:
        """files.create, sent once at a time: after a lost answer, the spreadsheet is looked
        for by its tags before the create is sent again; a rate limit is waited out."""
        kind = str(body["properties"][INIT_PROPERTY])
        lost: Exception | None = None
        asked: float | None = None  # the Retry-After of a rate limit
        for attempt in range(self.session.retry.max_attempts):
            if attempt:
                self._sleep(self.session.retry.wait_seconds(attempt - 1, self._rng, asked))
            request = self._drive.files().create(
                body=dict(body), supportsAllDrives=True, fields="id,name,webViewLink"
            )
            request.http = self._send_once  # never sent again by the session's retries
            try:
                created: dict[str, Any] = request.execute()
                return created
            except HttpError as error:
                status, _, _, content = error_parts(error)
                if not is_retryable(status, content):
                    raise
                lost, asked = error, retry_after(error)
                if status < 500 and status != 408:
                    continue  # a rate limit: Drive made nothing
            except requests.RequestException as error:
                lost, asked = error, None
            # The answer is lost: Drive may have made the spreadsheet.
            made = self._made(program_key, kind)
            if made is not None:
                return made
        assert lost is not None
        raise lost

    def _made(self, program_key: str, kind: str) -> dict[str, Any] | None:
        """The program's spreadsheet of this kind in the folder, if Drive made one."""
        for item in self._listing(program_key):
            if tags_of(item).get(INIT_PROPERTY) == kind:
                return {"id": item["id"], "name": item.get("name", "")}
        return None

    def _drive_call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except HttpError as error:
            raise WorkspaceError(self._explain_drive(error, what)) from None
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Drive for {what} ({type(error).__name__}); check the "
                "network and run init again"
            ) from None

    def _explain_drive(self, error: HttpError, what: str) -> str:
        status, reason, message, content = error_parts(error)
        detail = f"{status} {message}".strip()
        folder = f"the Drive folder {self._folder_reference} ([init] drive_folder)"
        if is_retryable(status, content):
            return f"Google Drive is busy or over quota for {what} ({detail}); run init again"
        if reason == "storageQuotaExceeded":
            return (
                f"Google Drive refused to store {what} ({detail}): a service account has no "
                "Drive storage of its own. Use a folder in a shared drive, with "
                f"{self._account} added to the shared drive as Content manager"
            )
        if status == 404 and drive_file_only(self.session.credentials):
            return (
                f"{folder} was not found by {self._account} ({detail}) because the sign-in "
                "allows Google Drive only for files tutorsync made itself (the drive.file "
                "scope), and a person made this folder. To fix it, "
                f"{sign_in_again(self.session.credentials)}"
            )
        if status == 404:
            return (
                f"{folder} was not found by {self._account} ({detail}): add {self._account} "
                "to the shared drive as Content manager (or share the folder with it as "
                "Editor), and check that drive_folder is the folder's address"
            )
        if status in (401, 403):
            return (
                f"{self._account} may not make {what} in {folder} ({detail}); add it to the "
                "shared drive as Content manager, and check that the Google Drive and Sheets "
                "APIs are enabled for its project"
            )
        return f"Google Drive refused {what}: {detail}"

    # --- Sheets ----------------------------------------------------------------------------

    def _state(self, reference: str) -> dict[str, Any]:
        key = spreadsheet_id(reference)
        params: dict[str, Any] = {"fields": _STATE_FIELDS, "includeGridData": "false"}
        state = dict(
            self._sheets_call(reference, lambda: self._http.fetch_sheet_metadata(key, params))
        )
        self._states[key] = state
        return state

    def _filled(self, reference: str) -> bool:
        try:
            return _is_filled(self._state(reference))
        except WorkspaceError:
            return False

    def _sheets_call(self, reference: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except APIError as error:
            code = error.response.status_code
            message = str(error.error.get("message", "")) if isinstance(error.error, dict) else ""
            name = self.describe(reference)
            if code in (403, 404):
                raise WorkspaceError(
                    f"{self._account} may not open {name} ({code} {message}); it was made in "
                    f"{self._folder_reference}: check that {self._account} can still edit it"
                ) from None
            raise WorkspaceError(
                f"Google Sheets refused to fill in {name}: {code} {message}".strip()
            ) from None
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Sheets for {self.describe(reference)} "
                f"({type(error).__name__}); check the network and run init again"
            ) from None


def _is_filled(state: Mapping[str, Any]) -> bool:
    """Whether the spreadsheet carries the marker the fill's batchUpdate ends with."""
    return any(m.get("metadataKey") == FILLED_KEY for m in state.get("developerMetadata", []))


# --- The batchUpdate that fills a spreadsheet in (pure) ---------------------------------------


def fill_requests(
    layout: SpreadsheetLayout,
    program: Program,
    state: Mapping[str, Any],
    owned: Sequence[TabWrite],
) -> list[dict[str, Any]]:
    """The requests of the one batchUpdate that fills a spreadsheet in from its layout.

    `state` lists the spreadsheet's tabs: the first is the blank tab Google made, which becomes
    the data tab (or, without one, the text tab). Owned tabs come first, so a validation that
    lists their values finds them; the filled-in marker comes last.
    """
    sheets = list(state.get("sheets") or [])
    used = {int(sheet["properties"]["sheetId"]) for sheet in sheets}
    blank = int(sheets[0]["properties"]["sheetId"]) if sheets else 0
    requests_: list[dict[str, Any]] = []

    # The owned tabs, exactly as write_owned_tabs would add them.
    requests_ += batch_requests({"sheets": sheets}, owned)
    for request in requests_:
        if "addSheet" in request:
            used.add(int(request["addSheet"]["properties"]["sheetId"]))

    text_id = blank
    if layout.data is not None:
        requests_ += _data_tab_requests(layout.data, blank)
        # Derived from the name, as the owned tabs' IDs are: the same fill asks for the same tabs.
        text_id = new_sheet_id(f"{program.key}:{layout.kind}:{layout.instructions.title}", used)
        used.add(text_id)
    requests_ += _text_tab_requests(layout.instructions, text_id, add=text_id != blank)
    requests_.append(
        {
            "updateSpreadsheetProperties": {
                "properties": {"timeZone": program.timezone},
                "fields": "timeZone",
            }
        }
    )
    requests_.append(
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": FILLED_KEY,
                    "metadataValue": layout.kind.value,
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        }
    )
    return requests_


def _data_tab_requests(tab: DataTab, sheet_id: int) -> list[dict[str, Any]]:
    width = max(PREPARED_COLUMNS, len(tab.columns))
    requests_: list[dict[str, Any]] = [
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": tab.title,
                    "index": 0,
                    "gridProperties": {
                        "rowCount": PREPARED_ROWS,
                        "columnCount": width,
                        "frozenRowCount": tab.frozen_rows,
                        "frozenColumnCount": tab.frozen_columns,
                    },
                },
                "fields": "title,index,gridProperties(rowCount,columnCount,frozenRowCount,"
                "frozenColumnCount)",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": _data_rows(tab),
                "fields": "userEnteredValue,userEnteredFormat",
            }
        },
    ]
    for index, column in enumerate(tab.columns):
        if column.format is None:
            continue
        # Only the number format: a typed ID stays text, a typed date shows as a date.
        requests_.append(
            {
                "repeatCell": {
                    "range": _grid_range(sheet_id, CellRange(1, index, PREPARED_ROWS, index + 1)),
                    "cell": {"userEnteredFormat": {"numberFormat": NUMBER_FORMATS[column.format]}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    requests_ += [
        {
            "setDataValidation": {
                "range": _grid_range(sheet_id, validation.cells),
                "rule": _rule(validation),
            }
        }
        for validation in tab.validations
    ]
    requests_.append(
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": _grid_range(sheet_id, tab.protected),
                    "description": tab.protected_why,
                    "warningOnly": True,
                }
            }
        }
    )
    requests_.append(
        {
            "autoResizeDimensions": {
                "dimensions": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": 0,
                    "endIndex": len(tab.columns),
                }
            }
        }
    )
    return requests_


def _data_rows(tab: DataTab) -> list[dict[str, Any]]:
    rows = []
    for row_index, row in enumerate(tab.grid()):
        cells = []
        for column_index, value in enumerate(row):
            if row_index == 0:
                style: dict[str, Any] = _HEADER
            elif row_index < tab.first_example_row:
                style = _LABEL if column_index == 0 else {}
            else:
                style = _EXAMPLE
            cells.append(_cell(value, style))
        rows.append({"values": cells})
    return rows


def _cell(value: Cell, style: Mapping[str, Any]) -> dict[str, Any]:
    """Text always as stringValue (never a formula), dates as serial numbers shown as dates."""
    cell_format = dict(style)
    entered: dict[str, Any] = {}
    if isinstance(value, str):
        entered = {"stringValue": value}
    elif isinstance(value, bool):
        entered = {"boolValue": value}
    elif isinstance(value, date):
        entered = {"numberValue": (value - EPOCH.date()).days}
        cell_format["numberFormat"] = dict(NUMBER_FORMATS[ColumnFormat.DATE])
    elif isinstance(value, int | float):
        entered = {"numberValue": value}
    cell: dict[str, Any] = {}
    if entered:
        cell["userEnteredValue"] = entered
    if cell_format:
        cell["userEnteredFormat"] = cell_format
    return cell


def _rule(validation: Validation) -> dict[str, Any]:
    condition, dropdown = _condition(validation.rule)
    rule: dict[str, Any] = {
        "condition": condition,
        "inputMessage": validation.help,
        "strict": validation.strict,
    }
    if dropdown:
        rule["showCustomUi"] = True
    return rule


def _condition(rule: Rule) -> tuple[dict[str, Any], bool]:
    """(the BooleanCondition, whether it shows a dropdown)."""
    if isinstance(rule, OneOf):
        values = [{"userEnteredValue": value} for value in rule.values]
        return {"type": "ONE_OF_LIST", "values": values}, True
    if isinstance(rule, YesNo):
        return {"type": "BOOLEAN"}, False  # a checkbox
    if isinstance(rule, IsDate):
        return {"type": "DATE_IS_VALID"}, False
    if isinstance(rule, NumberBetween):
        bounds = [{"userEnteredValue": bound} for bound in rule.bounds()]
        return {"type": "NUMBER_BETWEEN", "values": bounds}, False
    assert isinstance(rule, FromColumn)
    return {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "=" + rule.a1()}]}, True


def _text_tab_requests(tab: TextTab, sheet_id: int, *, add: bool) -> list[dict[str, Any]]:
    width = len(_TEXT_COLUMN_PIXELS)
    properties = {
        "sheetId": sheet_id,
        "title": tab.title,
        "gridProperties": {"rowCount": len(tab.rows) + 10, "columnCount": width},
    }
    requests_: list[dict[str, Any]]
    if add:  # after the data tab, as in an .xlsx file
        requests_ = [{"addSheet": {"properties": {**properties, "index": 1}}}]
    else:
        requests_ = [
            {
                "updateSheetProperties": {
                    "properties": {**properties, "index": 0},
                    "fields": "title,index,gridProperties(rowCount,columnCount)",
                }
            }
        ]
    table_header = next((i for i, row in enumerate(tab.rows) if len(row) > 1), None)
    rows = []
    for index, row in enumerate(tab.rows):
        style = _TITLE if index == 0 else (_HEADER | _WRAP) if index == table_header else _WRAP
        rows.append({"values": [_cell(text or None, style) for text in row]})
    requests_.append(
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": rows,
                "fields": "userEnteredValue,userEnteredFormat",
            }
        }
    )
    for index, pixels in enumerate(_TEXT_COLUMN_PIXELS):
        requests_.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": index,
                        "endIndex": index + 1,
                    },
                    "properties": {"pixelSize": pixels},
                    "fields": "pixelSize",
                }
            }
        )
    # A paragraph reads across the tab's width.
    requests_ += [
        {
            "mergeCells": {
                "range": _grid_range(sheet_id, CellRange(index, 0, index + 1, width)),
                "mergeType": "MERGE_ALL",
            }
        }
        for index, row in enumerate(tab.rows)
        if len(row) == 1 and row[0]
    ]
    return requests_


def _grid_range(sheet_id: int, cells: CellRange) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": cells.first_row,
        "endRowIndex": cells.end_row,
        "startColumnIndex": cells.first_column,
        "endColumnIndex": cells.end_column,
    }
