"""Conformance: the fake answers the request kinds tutorsync makes in the shapes Google does.

Each case sends, through the same client library tutorsync uses (gspread's HTTPClient for
Sheets, googleapiclient for Drive and Calendar), a request whose real answer was recorded or
quoted in public, and compares the *shape*: keys present, value types, how ranges are echoed,
the error body's structure. Never IDs or timestamps.

The expected shapes are hand-written facts, not copies: each cites where it was read.
- "gspread cassette X" is burnash/gspread, tests/cassettes/X.json: recordings of the real
  Sheets API (and of Drive v3, which gspread uses to create, copy and delete files).
- "issue owner/repo#N" is a GitHub issue or pull request thread quoting a real error body.
- Google's guides are named by URL.

Request kinds tutorsync makes (jobs/workspace/google/), and where they are covered here:
- Sheets spreadsheets.get (fields masks, includeGridData): default resource shape below;
  masks are covered in test_fake_google.py.
- Sheets values.batchGet (whole-tab ranges, UNFORMATTED_VALUE / SERIAL_NUMBER): range echo,
  no `values` for an empty range, numbers as text or as numbers.
- Sheets spreadsheets.batchUpdate: addSheet, updateSheetProperties, updateSpreadsheetProperties,
  setBasicFilter, addProtectedRange, deleteSheet replies and the state they leave; updateCells,
  repeatCell, setDataValidation, addConditionalFormatRule, deleteConditionalFormatRule,
  createDeveloperMetadata, addFilterView, deleteFilterView, autoResizeDimensions have no
  public recording found (their replies follow the discovery document; see the package
  docstring's list of what is not checked against Google).
- Sheets errors: 404, 403, 400 "Unable to parse range", 400 unknown field, 429 quota.
- Drive files.create / files.copy / files.get (default fields and fields masks), files.list
  with nothing found (and a `q` in double quotes), 404.
- Calendar events.insert 409, events.get 404, timeRangeEmpty (the errors guide).
Drive files.list with items, files.update, files.generateIds, permissions.list/create/update/
delete, Calendar events.list/patch/insert success bodies and freebusy.query have no public
recording used here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from google.auth.credentials import AnonymousCredentials
from googleapiclient.errors import HttpError

from fake_google import SPREADSHEET, FakeGoogle


@pytest.fixture
def fake(fake_google: FakeGoogle) -> Iterator[FakeGoogle]:
    # gspread's cassettes were recorded as an account with Drive storage of its own.
    fake_google.drive.caller_is_service_account = False
    yield fake_google


@pytest.fixture
def gc(fake: FakeGoogle) -> gspread.Client:
    return gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())


def _api_error(call: Any) -> dict[str, Any]:
    """The `error` object of the JSON body a gspread call was refused with."""
    with pytest.raises(gspread.exceptions.APIError) as raised:
        call()
    error: dict[str, Any] = raised.value.response.json()["error"]
    return error


def _http_error(call: Any) -> tuple[int, dict[str, Any]]:
    """(status, `error` object) of a googleapiclient call that was refused."""
    with pytest.raises(HttpError) as raised:
        call()
    return raised.value.status_code, json.loads(raised.value.content)["error"]


# ----------------------------------------------------------------------------------- Sheets

# gspread cassettes ClientTest.test_access_private_spreadsheet, SpreadsheetTest.
# test_get_all_worksheet_values, WorksheetTest.test_basic_filters (2023-2026): a new
# spreadsheet's properties as spreadsheets.get answers them without a fields mask.
NEW_SPREADSHEET_PROPERTIES = {
    "title",
    "locale",
    "autoRecalc",
    "timeZone",
    "defaultFormat",
    "spreadsheetTheme",
}
DEFAULT_FORMAT_KEYS = {
    "backgroundColor",
    "padding",
    "verticalAlignment",
    "wrapStrategy",
    "textFormat",
    "backgroundColorStyle",
}
DEFAULT_TEXT_FORMAT_KEYS = {
    "foregroundColor",
    "fontFamily",
    "fontSize",
    "bold",
    "italic",
    "strikethrough",
    "underline",
    "foregroundColorStyle",
}
THEME_COLOR_TYPES = ["TEXT", "BACKGROUND", *(f"ACCENT{n}" for n in range(1, 7)), "LINK"]


def test_a_new_spreadsheet_reads_back_with_googles_default_properties(gc):
    # The cassettes' request: Drive files.create with the spreadsheet MIME type (gspread's
    # create), then spreadsheets.get?includeGridData=false.
    spreadsheet = gc.create("Conformance")
    resource = gc.http_client.fetch_sheet_metadata(spreadsheet.id)

    assert set(resource) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}
    assert resource["spreadsheetUrl"] == (
        f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit"
    )
    properties = resource["properties"]
    assert set(properties) == NEW_SPREADSHEET_PROPERTIES
    assert (properties["locale"], properties["autoRecalc"], properties["timeZone"]) == (
        "en_US",
        "ON_CHANGE",
        "Etc/GMT",
    )
    default_format = properties["defaultFormat"]
    assert set(default_format) == DEFAULT_FORMAT_KEYS
    assert default_format["padding"] == {"top": 2, "right": 3, "bottom": 2, "left": 3}
    assert set(default_format["textFormat"]) == DEFAULT_TEXT_FORMAT_KEYS
    assert default_format["textFormat"]["foregroundColor"] == {}  # black: every channel 0
    assert default_format["textFormat"]["bold"] is False
    assert set(properties["spreadsheetTheme"]) == {"primaryFontFamily", "themeColors"}
    assert [c["colorType"] for c in properties["spreadsheetTheme"]["themeColors"]] == (
        THEME_COLOR_TYPES
    )
    # A fresh sheet: zero and false grid properties are left out, sheetId 0 is not.
    assert resource["sheets"] == [
        {
            "properties": {
                "sheetId": 0,
                "title": "Sheet1",
                "index": 0,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": 1000, "columnCount": 26},
            }
        }
    ]


def test_add_sheet_reply_and_whole_tab_ranges_echo_the_grid(gc):
    # gspread cassettes SpreadsheetTest.test_get_all_worksheet_values (2026) and
    # SpreadsheetTest.test_values_batch_get (2021): addSheet of a 10x10 tab, then
    # values.batchGet of "'Sheet1'" and "'Sheet 2'", and of column ranges "<tab>!A:A".
    spreadsheet = gc.create("Conformance")
    http = gc.http_client
    added = http.batch_update(
        spreadsheet.id,
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "title": "Sheet 2",
                            "sheetType": "GRID",
                            "gridProperties": {"rowCount": 10, "columnCount": 10},
                        }
                    }
                }
            ]
        },
    )

    assert set(added) == {"spreadsheetId", "replies"}  # no updatedSpreadsheet unless asked
    (reply,) = added["replies"]
    properties = reply["addSheet"]["properties"]
    assert set(properties) == {"sheetId", "title", "index", "sheetType", "gridProperties"}
    assert isinstance(properties["sheetId"], int)
    assert (properties["title"], properties["index"], properties["sheetType"]) == (
        "Sheet 2",
        1,
        "GRID",
    )
    assert properties["gridProperties"] == {"rowCount": 10, "columnCount": 10}

    http.values_update(
        spreadsheet.id,
        "'Sheet1'!A1:B2",
        params={"valueInputOption": "RAW"},
        body={"values": [["a", "b"], ["c", "d"]]},
    )
    http.values_update(
        spreadsheet.id,
        "'Sheet 2'!A1:B1",
        params={"valueInputOption": "RAW"},
        body={"values": [["1", "2"]]},
    )
    whole = http.values_batch_get(spreadsheet.id, ["'Sheet1'", "'Sheet 2'"])
    columns = http.values_batch_get(spreadsheet.id, ["'Sheet 2'!A:A", "'Sheet 2'!B:B"])

    assert set(whole) == {"spreadsheetId", "valueRanges"}
    first, second = whole["valueRanges"]
    assert set(first) == {"range", "majorDimension", "values"}
    # A title is quoted only when it needs to be; a whole tab echoes the grid's extent.
    assert first["range"] == "Sheet1!A1:Z1000"
    assert second["range"] == "'Sheet 2'!A1:J10"
    assert first["majorDimension"] == "ROWS"
    assert first["values"] == [["a", "b"], ["c", "d"]]
    assert second["values"] == [["1", "2"]]
    assert [r["range"] for r in columns["valueRanges"]] == ["'Sheet 2'!A1:A10", "'Sheet 2'!B1:B10"]


def test_values_read_back_formatted_as_text_or_unformatted_as_numbers(gc):
    # gspread cassette WorksheetTest.test_get_all_records_value_render_options (2021): Sheet1
    # resized to 2x4; an empty range answers range and majorDimension but no values; after a
    # USER_ENTERED write, "'Sheet1'" reads back over the grid, numbers as text by default and
    # as JSON numbers with UNFORMATTED_VALUE, a trailing empty cell left out of its row.
    # (The recording's formulas and ISO dates are left out: see the package docstring.)
    spreadsheet = gc.create("Conformance")
    http = gc.http_client
    http.batch_update(
        spreadsheet.id,
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": 0,
                            "gridProperties": {"rowCount": 2, "columnCount": 4},
                        },
                        "fields": "gridProperties/rowCount,gridProperties/columnCount",
                    }
                }
            ]
        },
    )
    empty = http.values_get(spreadsheet.id, "'Sheet1'!A1:D2")
    http.values_update(
        spreadsheet.id,
        "'Sheet1'!A1:D2",
        params={"valueInputOption": "USER_ENTERED"},
        body={"values": [["x", "y", "string", 53], ["x", 0.12, "z", ""]]},
    )
    formatted = http.values_get(spreadsheet.id, "'Sheet1'")
    unformatted = http.values_get(
        spreadsheet.id, "'Sheet1'", params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )

    assert empty == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS"}
    assert formatted == {
        "range": "Sheet1!A1:D2",
        "majorDimension": "ROWS",
        "values": [["x", "y", "string", "53"], ["x", "0.12", "z"]],
    }
    assert unformatted["values"] == [["x", "y", "string", 53], ["x", 0.12, "z"]]


def test_requests_that_reply_with_nothing_reply_with_an_empty_object(gc):
    # gspread cassettes WorksheetTest.test_basic_filters (updateSheetProperties, setBasicFilter),
    # SpreadsheetTest.test_timezone_and_locale (updateSpreadsheetProperties) and
    # SpreadsheetTest.test_values_batch_get (deleteSheet): each answers {} in replies[].
    spreadsheet = gc.create("Conformance")
    http = gc.http_client
    added = http.batch_update(spreadsheet.id, {"requests": [{"addSheet": {}}]})
    new_id = added["replies"][0]["addSheet"]["properties"]["sheetId"]

    answer = http.batch_update(
        spreadsheet.id,
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": 0,
                            "gridProperties": {"rowCount": 20, "columnCount": 20},
                        },
                        "fields": "gridProperties/rowCount,gridProperties/columnCount",
                    }
                },
                {"setBasicFilter": {"filter": {"range": {"sheetId": 0}}}},
                {
                    "updateSpreadsheetProperties": {
                        "properties": {"timeZone": "Europe/Paris"},
                        "fields": "timeZone",
                    }
                },
                {"deleteSheet": {"sheetId": new_id}},
            ]
        },
    )

    assert answer == {"spreadsheetId": spreadsheet.id, "replies": [{}, {}, {}, {}]}


def test_a_basic_filter_reads_back_with_explicit_bounds_and_without_sheet_id_zero(gc):
    # gspread cassette WorksheetTest.test_basic_filters (2023): on a 20x20 Sheet1, a filter set
    # over {"sheetId": 0} reads back as the whole grid's explicit bounds, one set over B1:C2 as
    # given; both without sheetId, which a GridRange leaves out when it is 0.
    spreadsheet = gc.create("Conformance")
    http = gc.http_client
    resize = {
        "updateSheetProperties": {
            "properties": {"sheetId": 0, "gridProperties": {"rowCount": 20, "columnCount": 20}},
            "fields": "gridProperties/rowCount,gridProperties/columnCount",
        }
    }
    http.batch_update(
        spreadsheet.id,
        {"requests": [resize, {"setBasicFilter": {"filter": {"range": {"sheetId": 0}}}}]},
    )
    whole = http.fetch_sheet_metadata(spreadsheet.id)["sheets"][0]["basicFilter"]
    part = {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 1, "endColumnIndex": 3}
    http.batch_update(
        spreadsheet.id,
        {"requests": [{"setBasicFilter": {"filter": {"range": {**part, "sheetId": 0}}}}]},
    )
    narrowed = http.fetch_sheet_metadata(spreadsheet.id)["sheets"][0]["basicFilter"]

    assert whole == {
        "range": {
            "startRowIndex": 0,
            "endRowIndex": 20,
            "startColumnIndex": 0,
            "endColumnIndex": 20,
        }
    }
    assert narrowed == {"range": part}


@pytest.mark.parametrize("warning_only", [False, True])
def test_add_protected_range_reply_is_what_google_stored(gc, warning_only):
    # gspread cassettes WorksheetTest.test_add_protected_range_normal and
    # WorksheetTest.test_add_protected_range_warning (2024). gspread sends description null,
    # requestingUserCanEdit false and (normal) empty editor lists; Google answers with the id,
    # the range without sheetId 0, requestingUserCanEdit true (computed, not the request's),
    # editors {} and warningOnly only when true (a false bool is left out).
    spreadsheet = gc.create("Conformance")
    grid = {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    protected = {
        "range": {**grid, "sheetId": 0},
        "description": None,
        "warningOnly": warning_only,
        "requestingUserCanEdit": False,
        "editors": None if warning_only else {"users": [], "groups": []},
    }
    answer = gc.http_client.batch_update(
        spreadsheet.id, {"requests": [{"addProtectedRange": {"protectedRange": protected}}]}
    )
    stored = gc.http_client.fetch_sheet_metadata(spreadsheet.id)["sheets"][0]["protectedRanges"]

    replied = answer["replies"][0]["addProtectedRange"]["protectedRange"]
    expected_keys = {"protectedRangeId", "range", "requestingUserCanEdit", "editors"}
    if warning_only:
        expected_keys.add("warningOnly")
    assert set(replied) == expected_keys
    assert isinstance(replied["protectedRangeId"], int)
    assert replied["range"] == grid
    assert replied["requestingUserCanEdit"] is True
    assert replied["editors"] == {}
    assert replied.get("warningOnly", False) is warning_only
    # Read back: the same keys. (Google also lists the caller in editors.users there: not
    # modelled, the fake does not know the caller's address for Sheets.)
    assert set(stored[0]) == expected_keys
    assert stored[0]["range"] == grid


# gspread cassette ClientTest.test_access_non_existing_spreadsheet (2023): Sheets v4 errors
# carry code, message and status, and no legacy errors[] list.
def test_a_missing_spreadsheet_is_404_not_found_in_sheets_words(gc):
    error = _api_error(lambda: gc.http_client.fetch_sheet_metadata("test"))

    assert error == {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
    }


def test_a_spreadsheet_not_shared_is_403_permission_denied_in_sheets_words(fake, gc):
    # issue gglukmann/use-google-sheets#37 (2023): {code 403, message "The caller does not have
    # permission", status PERMISSION_DENIED}, nothing else.
    spreadsheet_id = fake.sheets.create("Private", {"Roster": [["Name"]]})
    fake.sheets.forbid(spreadsheet_id)

    error = _api_error(lambda: gc.http_client.fetch_sheet_metadata(spreadsheet_id))

    assert error == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }


def test_a_missing_tab_is_400_unable_to_parse_range_echoing_the_range(fake, gc):
    # issues robin900/gspread-formatting#49 (2023: "Unable to parse range: 'all prompts'!A1:[5",
    # status INVALID_ARGUMENT, no errors[]) and VoltaicHQ/Progress-Sheet-Updater#53 (2025:
    # "Unable to parse range: Novice!C3:C14"): the range is echoed as the request gave it.
    spreadsheet_id = fake.sheets.create("Gradebook", {"Roster": [["Name"]]})

    error = _api_error(
        lambda: gc.http_client.values_batch_get(spreadsheet_id, ["'Roster'", "'Tutor log'"])
    )

    assert error == {
        "code": 400,
        "message": "Unable to parse range: 'Tutor log'",
        "status": "INVALID_ARGUMENT",
    }
    fake.rejections.clear()


def test_an_unknown_field_is_400_with_a_bad_request_field_violation(fake, gc):
    # issues googleapis/google-api-python-client#930 (2020) and
    # theoephraim/node-google-spreadsheet#523 (2021): message 'Invalid JSON payload received.
    # Unknown name "X" at '<path>': Cannot find field.', status INVALID_ARGUMENT, and details
    # [{@type google.rpc.BadRequest, fieldViolations [{field: <path>, description: message}]}].
    spreadsheet_id = fake.sheets.create("Gradebook", {"Roster": [["Name"]]})
    body = {"requests": [{"DeleteRange": {"range": {"sheetId": 0}}}]}

    error = _api_error(lambda: gc.http_client.batch_update(spreadsheet_id, body))

    assert set(error) == {"code", "message", "status", "details"}
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"].startswith(
        "Invalid JSON payload received. Unknown name \"DeleteRange\" at 'requests[0]': "
        "Cannot find field."
    )
    (violation_list,) = error["details"]
    assert violation_list["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    (violation,) = violation_list["fieldViolations"]
    assert violation["field"] == "requests[0]"
    assert violation["description"].startswith('Invalid JSON payload received. Unknown name "')
    fake.invalid_requests.clear()  # sent on purpose


def test_a_read_over_the_per_minute_quota_is_429_with_an_error_info(fake, gc):
    # issue Sage-Bionetworks/data_curator#110 (2021, values.update over the write quota) and
    # asweigart/ezsheets#8 (2020, no errors[]): status RESOURCE_EXHAUSTED, the quota named in
    # the message, and a google.rpc.ErrorInfo detail with reason RATE_LIMIT_EXCEEDED, domain
    # googleapis.com and metadata consumer, quota_limit, quota_metric, service.
    spreadsheet_id = fake.sheets.create("Gradebook", {"Roster": [["Name"]]})
    fake.faults.quota(1, bucket="sheets_read")
    gc.http_client.values_batch_get(spreadsheet_id, ["'Roster'"])

    error = _api_error(lambda: gc.http_client.values_batch_get(spreadsheet_id, ["'Roster'"]))

    assert set(error) == {"code", "message", "status", "details"}
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert re.fullmatch(
        r"Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute "
        r"per user' of service 'sheets\.googleapis\.com' for consumer 'project_number:\d+'\.",
        error["message"],
    )
    (info,) = error["details"]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert (info["reason"], info["domain"]) == ("RATE_LIMIT_EXCEEDED", "googleapis.com")
    assert set(info["metadata"]) == {"consumer", "quota_limit", "quota_metric", "service"}
    assert info["metadata"]["service"] == "sheets.googleapis.com"
    assert info["metadata"]["quota_metric"] == "sheets.googleapis.com/read_requests"


# ------------------------------------------------------------------------------------ Drive


def test_drive_create_copy_and_get_answer_their_default_fields(fake):
    # gspread cassettes ClientTest.test_access_private_spreadsheet (files.create) and
    # ClientTest.test_copy (files.copy without a name: "Copy of <name>"): without a fields
    # parameter Drive v3 answers kind, id, name and mimeType. SpreadsheetTest.
    # test_timezone_and_locale (files.get with fields=id,name,createdTime,modifiedTime): exactly
    # the fields asked for, no kind.
    files = fake.build("drive").files()
    made = files.create(
        body={"name": "Gradebook", "mimeType": SPREADSHEET}, supportsAllDrives=True
    ).execute()
    copied = files.copy(fileId=made["id"], body={}, supportsAllDrives=True).execute()
    got = files.get(
        fileId=made["id"], fields="id,name,createdTime,modifiedTime", supportsAllDrives=True
    ).execute()

    assert set(made) == {"kind", "id", "name", "mimeType"}
    assert (made["kind"], made["mimeType"]) == ("drive#file", SPREADSHEET)
    assert set(copied) == {"kind", "id", "name", "mimeType"}
    assert copied["name"] == "Copy of Gradebook"
    assert set(got) == {"id", "name", "createdTime", "modifiedTime"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", got["createdTime"])


def test_a_drive_listing_with_no_hits_still_has_its_files_list(fake):
    # gspread cassette ClientTest.test_no_found_exeption (2023): files.list with
    # fields=kind,nextPageToken,files(...) and a q in double quotes that matches nothing
    # answers {"kind": "drive#fileList", "files": []}: an empty list, no nextPageToken.
    files = fake.build("drive").files()
    query = (
        'mimeType="application/vnd.google-apps.spreadsheet" and '
        'name = "Please don\'t use this phrase as a name of a sheet."'
    )

    listed = files.list(
        q=query,
        pageSize=1000,
        supportsAllDrives=True,
        includeItemsFromAllDrives=True,
        fields="kind,nextPageToken,files(id,name,createdTime,modifiedTime)",
    ).execute()

    assert listed == {"kind": "drive#fileList", "files": []}


def test_a_missing_drive_file_is_404_naming_the_file_id_parameter(fake):
    # issues astrada/google-drive-ocamlfuse#662 and googleapis/google-api-php-client#1782, and
    # the Drive guide https://developers.google.com/drive/api/guides/handle-errors: message
    # "File not found: <id>." and one errors[] entry {domain global, reason notFound, message,
    # locationType parameter, location fileId}.
    files = fake.build("drive").files()

    status, error = _http_error(
        lambda: files.get(fileId="1NoSuchFile000", supportsAllDrives=True).execute()
    )

    assert status == 404
    assert (error["code"], error["message"]) == (404, "File not found: 1NoSuchFile000.")
    assert error["errors"] == [
        {
            "message": "File not found: 1NoSuchFile000.",
            "domain": "global",
            "reason": "notFound",
            "location": "fileId",
            "locationType": "parameter",
        }
    ]


# --------------------------------------------------------------------------------- Calendar

EVENT = {
    "summary": "Check-in",
    "start": {"dateTime": "2026-01-05T15:00:00Z"},
    "end": {"dateTime": "2026-01-05T15:30:00Z"},
}


def test_calendar_refusals_carry_the_legacy_errors_entry(fake):
    # issue spatie/laravel-google-calendar#216 (2021) and the Calendar guide
    # https://developers.google.com/workspace/calendar/api/guides/errors: 404 "Not Found" with
    # {domain global, reason notFound, message "Not Found"}; issue
    # googleapis/google-api-python-client#846: 409 "The requested identifier already exists."
    # (reason duplicate); the guide: timeRangeEmpty is in domain "calendar".
    events = fake.build("calendar").events()
    events.insert(calendarId="primary", body={"id": "conformance01", **EVENT}).execute()

    missing = _http_error(lambda: events.get(calendarId="primary", eventId="nosuch001").execute())
    duplicate = _http_error(
        lambda: events.insert(calendarId="primary", body={"id": "conformance01", **EVENT}).execute()
    )
    backwards = {**EVENT, "end": {"dateTime": "2026-01-05T14:00:00Z"}}
    empty = _http_error(lambda: events.insert(calendarId="primary", body=backwards).execute())

    assert missing[0] == 404
    assert (missing[1]["code"], missing[1]["message"]) == (404, "Not Found")
    assert missing[1]["errors"] == [
        {"message": "Not Found", "domain": "global", "reason": "notFound"}
    ]
    assert duplicate[0] == 409
    assert duplicate[1]["message"] == "The requested identifier already exists."
    assert duplicate[1]["errors"][0]["reason"] == "duplicate"
    assert empty[0] == 400
    assert empty[1]["message"] == "The specified time range is empty."
    assert (empty[1]["errors"][0]["domain"], empty[1]["errors"][0]["reason"]) == (
        "calendar",
        "timeRangeEmpty",
    )
