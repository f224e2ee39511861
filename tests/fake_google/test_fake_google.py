"""The fake behaves like Google for the real gspread and googleapiclient clients."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from fake_google import FOLDER, SPREADSHEET, FakeGoogle, Formula, a1, fieldmask
from fake_google.fake_drive import FAKE_OWNER

VALUES_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=7) as running:
        running.drive.caller_is_service_account = False  # a person: My Drive is theirs
        yield running


@pytest.fixture
def gc(fake: FakeGoogle) -> gspread.Client:
    return gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())


def seed_gradebook(fake: FakeGoogle) -> str:
    return fake.sheets.create(
        "Gradebook",
        {
            "Roster": [
                ["Student", "Grade", "Joined", "Active"],
                ["Ana", 7, dt.date(2025, 9, 1), True],
                ["Bo", 8],
                [],
                ["Cy", None, None, False, None],
            ],
            "Tutor's Log": [["When", "Minutes"], [dt.datetime(2025, 9, 2, 15, 30), 45]],
        },
    )


def event_body(event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Tutoring",
        "start": {"dateTime": "2026-01-05T15:00:00Z"},
        "end": {"dateTime": "2026-01-05T16:00:00Z"},
    }
    if event_id:
        body["id"] = event_id
    return body | extra


# ------------------------------------------------------------------------------------- gspread


def test_gspread_reads_a_seeded_worksheet_and_writes_values_back(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    spreadsheet = gc.open_by_key(spreadsheet_id)
    roster = spreadsheet.worksheet("Roster")
    assert spreadsheet.title == "Gradebook"
    assert roster.get_all_values()[:2] == [
        ["Student", "Grade", "Joined", "Active"],
        ["Ana", "7", "2025-09-01", "TRUE"],
    ]

    roster.update([["Di", 9]], "A6")

    assert fake.sheets.values(spreadsheet_id, "Roster")[5] == ["Di", 9]
    assert fake.rejections == []


def test_gspread_production_client_reaches_the_fake_through_a_mounted_session(fake):
    spreadsheet_id = seed_gradebook(fake)
    client = gspread.Client(auth=AnonymousCredentials())
    fake.mount(client.http_client.session)

    titles = [w.title for w in client.open_by_key(spreadsheet_id).worksheets()]

    assert titles == ["Roster", "Tutor's Log"]


def test_gspread_client_without_credentials_uses_the_given_session(fake):
    spreadsheet_id = seed_gradebook(fake)
    client = gspread.Client(auth=None, session=fake.requests_session())  # type: ignore[arg-type]

    assert client.open_by_key(spreadsheet_id).sheet1.title == "Roster"


def test_values_batch_get_shapes_ragged_rows_like_google(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    response = gc.http_client.values_batch_get(
        spreadsheet_id,
        ["'Roster'", "Roster!B1:C10", "'Tutor''s Log'!A:B", "Roster!2:3", "Roster!H1:H5"],
        params=dict(VALUES_PARAMS),
    )

    whole, middle, log, rows, empty = response["valueRanges"]
    assert response["spreadsheetId"] == spreadsheet_id
    assert whole == {
        "range": "Roster!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [
            ["Student", "Grade", "Joined", "Active"],
            ["Ana", 7, 45901, True],
            ["Bo", 8],
            [],
            ["Cy", "", "", False],
        ],
    }
    assert middle["range"] == "Roster!B1:C10"
    assert middle["values"] == [["Grade", "Joined"], [7, 45901], [8]]
    assert log["range"] == "'Tutor''s Log'!A1:B1000"
    assert log["values"][1] == [45902.645833333336, 45]
    assert rows == {
        "range": "Roster!A2:Z3",
        "majorDimension": "ROWS",
        "values": [["Ana", 7, 45901, True], ["Bo", 8]],
    }
    assert empty == {"range": "Roster!H1:H5", "majorDimension": "ROWS"}


def test_reads_past_the_grid_are_clipped_but_reads_starting_outside_it_fail(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    clipped = gc.http_client.values_get(spreadsheet_id, "Roster!A1:AB5000")
    with pytest.raises(gspread.exceptions.APIError, match="exceeds grid limits"):
        gc.http_client.values_get(spreadsheet_id, "Roster!A1001:B1002")

    assert clipped["range"] == "Roster!A1:Z1000"


def test_values_get_by_columns_returns_formatted_strings_by_default(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    columns = gc.http_client.values_get(
        spreadsheet_id, "Roster!A1:B3", params={"majorDimension": "COLUMNS"}
    )

    assert columns["values"] == [["Student", "Ana", "Bo"], ["Grade", "7", "8"]]


def test_values_batch_get_of_a_missing_tab_is_400_unable_to_parse_range(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.values_batch_get(spreadsheet_id, ["Nope!A1:B2"], params=dict(VALUES_PARAMS))

    assert raised.value.code == 400
    assert "Unable to parse range: Nope!A1:B2" in str(raised.value)
    assert fake.rejections and "Unable to parse range" in fake.rejections[0]


def test_formula_cells_keep_their_seeded_value_and_render_as_formula_on_request(fake, gc):
    spreadsheet_id = fake.sheets.create("F", {"T": [[1, 2, Formula("=A1+B1", 3), Formula("=X()")]]})

    def read(option: str) -> list[Any]:
        params = {"valueRenderOption": option}
        return gc.http_client.values_get(spreadsheet_id, "T", params=params)["values"][0]

    assert read("UNFORMATTED_VALUE") == [1, 2, 3]
    assert read("FORMULA") == [1, 2, "=A1+B1", "=X()"]
    assert fake.sheets.cells(spreadsheet_id, "T")[0][2]["effectiveValue"] == {"numberValue": 3}


def test_batch_update_adds_tab_metadata_and_cells_then_get_applies_fields_mask(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    link = {"link": {"uri": "https://example.org/ana"}}
    body = {
        "requests": [
            {"addSheet": {"properties": {"sheetId": 4242, "title": "Progress"}}},
            {
                "createDeveloperMetadata": {
                    "developerMetadata": {
                        "metadataKey": "tutorsync.owned_tab",
                        "metadataValue": "progress",
                        "visibility": "DOCUMENT",
                        "location": {"sheetId": 4242},
                    }
                }
            },
            {
                "updateCells": {
                    "start": {"sheetId": 4242, "rowIndex": 0, "columnIndex": 0},
                    "rows": [
                        {"values": [{"userEnteredValue": {"stringValue": "Student"}}]},
                        {
                            "values": [
                                {
                                    "userEnteredValue": {"stringValue": "Ana"},
                                    "userEnteredFormat": {"textFormat": link},
                                },
                                {
                                    "userEnteredValue": {"numberValue": 45901},
                                    "userEnteredFormat": {
                                        "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}
                                    },
                                },
                            ]
                        },
                    ],
                    "fields": "userEnteredValue,userEnteredFormat",
                }
            },
        ]
    }

    replies = gc.http_client.batch_update(spreadsheet_id, body)["replies"]

    assert replies[0]["addSheet"]["properties"]["sheetId"] == 4242
    assert replies[0]["addSheet"]["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }
    metadata = replies[1]["createDeveloperMetadata"]["developerMetadata"]
    assert isinstance(metadata["metadataId"], int)
    assert metadata["location"] == {"locationType": "SHEET", "sheetId": 4242}
    assert replies[2] == {}

    mask = (
        "spreadsheetId,properties.title,sheets(properties(sheetId,title,index,gridProperties),"
        "developerMetadata,data(rowData(values(userEnteredValue,effectiveValue,"
        "userEnteredFormat/numberFormat,hyperlink))))"
    )
    got = gc.http_client.request(
        "get",
        f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}",
        params={"fields": mask, "ranges": "Progress"},
    ).json()

    assert set(got) == {"spreadsheetId", "properties", "sheets"}
    assert got["properties"] == {"title": "Gradebook"}
    (progress,) = got["sheets"]
    assert progress["properties"]["index"] == 2
    assert progress["developerMetadata"][0]["metadataValue"] == "progress"
    header, ana = progress["data"][0]["rowData"]
    assert header == {
        "values": [
            {
                "userEnteredValue": {"stringValue": "Student"},
                "effectiveValue": {"stringValue": "Student"},
            }
        ]
    }
    assert ana["values"][0]["hyperlink"] == "https://example.org/ana"
    assert "userEnteredFormat" not in ana["values"][0]  # only textFormat, masked away
    assert ana["values"][1]["userEnteredFormat"] == {
        "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}
    }


def test_get_with_include_grid_data_omits_trailing_empty_cells_and_rows(fake, gc):
    spreadsheet_id = fake.sheets.create("G", {"T": [["a", None, "c", None], [], ["x"], [None]]})

    got = gc.http_client.fetch_sheet_metadata(spreadsheet_id, params={"includeGridData": "true"})

    data = got["sheets"][0]["data"][0]
    values = [row.get("values", []) for row in data["rowData"]]
    assert [len(v) for v in values] == [3, 0, 1]
    assert values[0][1] == {}
    assert len(data["columnMetadata"]) == 26


def test_batch_update_is_all_or_nothing(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    body = {
        "requests": [
            {"addSheet": {"properties": {"title": "Kept?"}}},
            {"addSheet": {"properties": {"title": "roster"}}},  # titles clash case-insensitively
        ]
    }

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.batch_update(spreadsheet_id, body)

    assert raised.value.code == 400
    assert "requests[1].addSheet" in str(raised.value)
    assert fake.sheets.sheet_titles(spreadsheet_id) == ["Roster", "Tutor's Log"]


def test_delete_sheet_removes_the_tab_and_its_metadata_but_never_the_last_tab(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    log_id = fake.sheets.sheet_properties(spreadsheet_id, "Tutor's Log")["sheetId"]
    metadata = {
        "metadataKey": "owned",
        "visibility": "DOCUMENT",
        "location": {"sheetId": log_id},
    }
    gc.http_client.batch_update(
        spreadsheet_id,
        {"requests": [{"createDeveloperMetadata": {"developerMetadata": metadata}}]},
    )

    gc.http_client.batch_update(
        spreadsheet_id, {"requests": [{"deleteSheet": {"sheetId": log_id}}]}
    )

    assert fake.sheets.sheet_titles(spreadsheet_id) == ["Roster"]
    assert fake.sheets.developer_metadata(spreadsheet_id) == []
    with pytest.raises(gspread.exceptions.APIError, match="remove all the sheets"):
        gc.http_client.batch_update(spreadsheet_id, {"requests": [{"deleteSheet": {"sheetId": 0}}]})


def test_request_kinds_the_fake_does_not_implement_fail_loudly(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    unmerge = {"unmergeCells": {"range": {"sheetId": 0, "endRowIndex": 1}}}

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.batch_update(spreadsheet_id, {"requests": [unmerge]})

    assert raised.value.code == 501
    assert "unmergeCells" in fake.rejections[0]


def test_add_sheet_with_an_existing_sheet_id_is_rejected(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        gc.http_client.batch_update(
            spreadsheet_id, {"requests": [{"addSheet": {"properties": {"sheetId": 0}}}]}
        )


def test_unknown_request_kind_is_rejected_naming_its_path(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.batch_update(
            spreadsheet_id, {"requests": [{"addSheeet": {"properties": {"title": "X"}}}]}
        )

    assert raised.value.code == 400
    assert raised.value.error["status"] == "INVALID_ARGUMENT"
    [violations] = raised.value.error["details"]  # Sheets: no legacy errors[] (test_conformance)
    assert violations["fieldViolations"][0]["field"] == "requests[0]"
    assert "requests[0].addSheeet" in raised.value.error["message"]
    assert len(fake.rejections) == 1 and "requests[0].addSheeet" in fake.rejections[0]
    assert fake.sheets.sheet_titles(spreadsheet_id) == ["Roster", "Tutor's Log"]


@pytest.mark.parametrize(
    ("request_body", "path"),
    [
        ({"addSheet": {"properties": {"titel": "X"}}}, "requests[0].addSheet.properties.titel"),
        (
            {"updateCells": {"rows": [{"values": [{"userEnteredValue": {"text": "x"}}]}]}},
            "requests[0].updateCells.rows[0].values[0].userEnteredValue.text",
        ),
        (
            {"appendDimension": {"sheetId": 0, "dimension": "ROWZ", "length": 1}},
            "requests[0].appendDimension.dimension",
        ),
        ({"appendDimension": {"sheetId": "zero"}}, "requests[0].appendDimension.sheetId"),
    ],
)
def test_body_fields_google_would_reject_are_rejected_with_their_path(fake, gc, request_body, path):
    spreadsheet_id = seed_gradebook(fake)

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.batch_update(spreadsheet_id, {"requests": [request_body]})

    assert raised.value.code == 400
    assert path in fake.rejections[0]


@pytest.mark.parametrize(
    "params",
    [
        {"includeGridDatta": "true"},
        {"includeGridData": "yes"},
        {"commentsViewMode": "LOUD"},
    ],
)
def test_query_parameters_google_would_reject_are_rejected(fake, gc, params):
    spreadsheet_id = seed_gradebook(fake)

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.fetch_sheet_metadata(spreadsheet_id, params=params)

    assert raised.value.code == 400
    assert next(iter(params)) in fake.rejections[0]


def test_field_masks_naming_unknown_fields_are_rejected(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    files = fake.build("drive").files()
    typo = {
        "updateCells": {
            "range": {"sheetId": 0},
            "fields": "userEnteredFormat.numberFormt",
        }
    }

    with pytest.raises(HttpError) as listed:
        files.list(fields="files(id,nmae)").execute()
    with pytest.raises(gspread.exceptions.APIError) as updated:
        gc.http_client.batch_update(spreadsheet_id, {"requests": [typo]})

    assert listed.value.status_code == 400
    assert "Invalid field selection files.nmae" in fake.rejections[0]
    assert updated.value.code == 400
    assert "userEnteredFormat.numberFormt" in fake.rejections[1]


def test_non_repeated_query_parameter_given_twice_is_rejected(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    params = {"majorDimension": ["ROWS", "COLUMNS"]}

    with pytest.raises(gspread.exceptions.APIError):
        gc.http_client.values_get(spreadsheet_id, "Roster", params=params)

    assert "not repeated" in fake.rejections[0]


def test_writes_outside_the_grid_exceed_grid_limits_until_the_grid_grows(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    write = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1000, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "late"}}]}],
            "fields": "userEnteredValue",
        }
    }

    with pytest.raises(gspread.exceptions.APIError, match="exceeds grid limits"):
        gc.http_client.batch_update(spreadsheet_id, {"requests": [write]})
    grow = {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}
    gc.http_client.batch_update(spreadsheet_id, {"requests": [grow, write]})

    assert fake.sheets.values(spreadsheet_id, "Roster")[1000] == ["late"]
    assert (
        fake.sheets.sheet_properties(spreadsheet_id, "Roster")["gridProperties"]["rowCount"] == 1001
    )


def test_freezing_every_row_of_a_tab_is_rejected(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    add = {
        "addSheet": {
            "properties": {"title": "Tiny", "gridProperties": {"rowCount": 1, "frozenRowCount": 1}}
        }
    }

    with pytest.raises(gspread.exceptions.APIError, match="freeze all visible rows"):
        gc.http_client.batch_update(spreadsheet_id, {"requests": [add]})


def test_update_cells_with_a_range_and_no_rows_clears_values_but_keeps_other_fields(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    clear = {"updateCells": {"range": {"sheetId": 0}, "fields": "userEnteredValue"}}

    gc.http_client.batch_update(spreadsheet_id, {"requests": [clear]})

    assert fake.sheets.values(spreadsheet_id, "Roster") == []
    joined = fake.sheets.cells(spreadsheet_id, "Roster")[1][2]
    assert joined == {
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
        "effectiveFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
    }


def test_formatting_requests_are_stored(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    whole_tab = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5}
    requests_ = [
        {
            "repeatCell": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount",
            }
        },
        {
            "updateDimensionProperties": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": 180},
                "fields": "pixelSize",
            }
        },
        {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS"}}},
        {"setBasicFilter": {"filter": {"range": whole_tab}}},
        {
            "addProtectedRange": {
                "protectedRange": {"range": whole_tab, "warningOnly": True, "description": "owned"}
            }
        },
        {
            "setDataValidation": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 3,
                    "startColumnIndex": 3,
                    "endColumnIndex": 4,
                },
                "rule": {"condition": {"type": "BOOLEAN"}},
            }
        },
        {
            "addConditionalFormatRule": {
                "rule": {
                    "ranges": [whole_tab],
                    "booleanRule": {
                        "condition": {"type": "BLANK"},
                        "format": {"backgroundColor": {"red": 1}},
                    },
                },
                "index": 0,
            }
        },
        {"addFilterView": {"filter": {"title": "Mine", "range": whole_tab}}},
    ]

    replies = gc.http_client.batch_update(spreadsheet_id, {"requests": requests_})["replies"]

    assert replies[5]["addProtectedRange"]["protectedRange"]["warningOnly"] is True
    assert replies[8]["addFilterView"]["filter"]["title"] == "Mine"
    sheet = fake.sheets.spreadsheet(spreadsheet_id, include_grid_data=True)["sheets"][0]
    assert sheet["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert sheet["data"][0]["columnMetadata"][0] == {"pixelSize": 180}
    # Stored with explicit bounds, sheetId 0 left out as Google does (test_conformance.py).
    assert sheet["basicFilter"]["range"] == {
        "startRowIndex": 0,
        "endRowIndex": 5,
        "startColumnIndex": 0,
        "endColumnIndex": 26,
    }
    assert sheet["conditionalFormats"][0]["booleanRule"]["condition"] == {"type": "BLANK"}
    cells = fake.sheets.cells(spreadsheet_id, "Roster")
    assert cells[0][0]["userEnteredFormat"] == {"textFormat": {"bold": True}}
    assert cells[1][3]["dataValidation"] == {"condition": {"type": "BOOLEAN"}}

    gc.http_client.batch_update(
        spreadsheet_id,
        {
            "requests": [
                {"clearBasicFilter": {"sheetId": 0}},
                {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
            ]
        },
    )
    sheet = fake.sheets.spreadsheet(spreadsheet_id)["sheets"][0]
    assert "basicFilter" not in sheet and "conditionalFormats" not in sheet


def validation(condition: dict) -> dict:
    cells = {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0}
    return {"setDataValidation": {"range": cells | {"endColumnIndex": 1}, "rule": condition}}


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "1"}]}, "count"),
        ({"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": v} for v in "ab"]}, "number"),
        ({"type": "DATE_IS_VALID", "values": [{"userEnteredValue": "1"}]}, "count"),
        ({"type": "ONE_OF_LIST"}, "count"),
        ({"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "Roster!A2:A"}]}, "'='"),
        ({"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "='No such'!A2:A"}]}, "range"),
    ],
)
def test_data_validation_conditions_are_checked_like_google(fake, gc, condition, problem):
    spreadsheet_id = seed_gradebook(fake)
    with pytest.raises(gspread.exceptions.APIError, match=problem):
        gc.http_client.batch_update(
            spreadsheet_id, {"requests": [validation({"condition": condition})]}
        )
    assert "dataValidation" not in fake.sheets.cells(spreadsheet_id, "Roster")[1][0]


def test_a_list_from_a_range_of_another_tab_is_stored(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    source = [{"userEnteredValue": "='Tutor''s Log'!$A$2:$A"}]
    rule = {"condition": {"type": "ONE_OF_RANGE", "values": source}, "showCustomUi": True}
    gc.http_client.batch_update(spreadsheet_id, {"requests": [validation(rule)]})
    assert fake.sheets.cells(spreadsheet_id, "Roster")[2][0]["dataValidation"] == rule


def line_chart(sheet_id: int, *, chart_id: int | None = None, anchor_column: int = 5) -> dict:
    """A line chart of Roster's grades (B1:B3) by student (A1:A3), as an adapter asks."""

    def column(index: int) -> dict:
        return {
            "sourceRange": {
                "sources": [
                    {
                        "sheetId": sheet_id,
                        "startRowIndex": 0,
                        "endRowIndex": 3,
                        "startColumnIndex": index,
                        "endColumnIndex": index + 1,
                    }
                ]
            }
        }

    chart: dict = {
        "spec": {
            "title": "Grades",
            "basicChart": {
                "chartType": "LINE",
                "legendPosition": "BOTTOM_LEGEND",
                "domains": [{"domain": column(0)}],
                "series": [{"series": column(1), "targetAxis": "LEFT_AXIS"}],
                "headerCount": 1,
            },
        },
        "position": {
            "overlayPosition": {
                "anchorCell": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": anchor_column}
            }
        },
    }
    if chart_id is not None:
        chart["chartId"] = chart_id
    return {"addChart": {"chart": chart}}


def test_charts_are_added_read_back_by_fields_and_deleted_by_id(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    replies = gc.http_client.batch_update(
        spreadsheet_id, {"requests": [line_chart(0, chart_id=77), line_chart(0)]}
    )["replies"]

    assert replies[0]["addChart"]["chart"]["chartId"] == 77
    given = replies[1]["addChart"]["chart"]["chartId"]
    assert given not in (77, None)
    params = {"fields": "sheets(properties(sheetId),charts(chartId,spec(title)))"}
    [roster, log] = gc.http_client.fetch_sheet_metadata(spreadsheet_id, params)["sheets"]
    assert roster["charts"] == [
        {"chartId": 77, "spec": {"title": "Grades"}},
        {"chartId": given, "spec": {"title": "Grades"}},
    ]
    assert "charts" not in log
    # As Google writes proto3 ints: sheetId 0 is left out of the anchor cell.
    stored = fake.sheets.spreadsheet(spreadsheet_id)["sheets"][0]["charts"][0]
    assert stored["position"]["overlayPosition"]["anchorCell"] == {"rowIndex": 0, "columnIndex": 5}

    gc.http_client.batch_update(
        spreadsheet_id, {"requests": [{"deleteEmbeddedObject": {"objectId": 77}}]}
    )

    assert [
        c["chartId"] for c in fake.sheets.spreadsheet(spreadsheet_id)["sheets"][0]["charts"]
    ] == [given]


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        ({"deleteEmbeddedObject": {"objectId": 12345}}, "No embedded object with id: 12345"),
        (line_chart(0, chart_id=77), "already exists"),  # 77 is on the log tab
        (line_chart(999), "No grid with id: 999"),
        (line_chart(0, anchor_column=26), "outside the grid"),
    ],
)
def test_chart_requests_google_refuses_are_400(fake, gc, request_, problem):
    spreadsheet_id = seed_gradebook(fake)
    log_id = fake.sheets.sheet_properties(spreadsheet_id, "Tutor's Log")["sheetId"]
    gc.http_client.batch_update(spreadsheet_id, {"requests": [line_chart(log_id, chart_id=77)]})

    with pytest.raises(gspread.exceptions.APIError, match=problem) as raised:
        gc.http_client.batch_update(spreadsheet_id, {"requests": [request_]})

    assert raised.value.code == 400


def test_chart_data_outside_the_grid_or_not_one_column_is_400(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    past_the_end = line_chart(0)
    series = past_the_end["addChart"]["chart"]["spec"]["basicChart"]["series"][0]["series"]
    series["sourceRange"]["sources"][0]["endRowIndex"] = 1001
    square = line_chart(0)
    domain = square["addChart"]["chart"]["spec"]["basicChart"]["domains"][0]["domain"]
    domain["sourceRange"]["sources"][0]["endColumnIndex"] = 2

    for request_, problem in ((past_the_end, "exceeds grid limits"), (square, "single row")):
        with pytest.raises(gspread.exceptions.APIError, match=problem):
            gc.http_client.batch_update(spreadsheet_id, {"requests": [request_]})


def test_deleting_a_sheet_drops_its_charts_and_frees_their_ids(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    log_id = fake.sheets.sheet_properties(spreadsheet_id, "Tutor's Log")["sheetId"]
    gc.http_client.batch_update(spreadsheet_id, {"requests": [line_chart(log_id, chart_id=77)]})

    gc.http_client.batch_update(
        spreadsheet_id,
        {"requests": [{"deleteSheet": {"sheetId": log_id}}, line_chart(0, chart_id=77)]},
    )

    [roster] = fake.sheets.spreadsheet(spreadsheet_id)["sheets"]
    assert [c["chartId"] for c in roster["charts"]] == [77]


def test_merged_cells_are_stored_and_may_not_overlap(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    top = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    merge = {"range": top | {"startColumnIndex": 0, "endColumnIndex": 3}, "mergeType": "MERGE_ALL"}
    gc.http_client.batch_update(spreadsheet_id, {"requests": [{"mergeCells": merge}]})
    sheet = fake.sheets.spreadsheet(spreadsheet_id)["sheets"][0]
    # A GridRange leaves sheetId 0 out, as Google does (test_conformance.py).
    assert sheet["merges"] == [{k: v for k, v in merge["range"].items() if k != "sheetId"}]
    overlap = {
        "range": top | {"startColumnIndex": 2, "endColumnIndex": 4},
        "mergeType": "MERGE_ALL",
    }
    with pytest.raises(gspread.exceptions.APIError, match="already partly merged"):
        gc.http_client.batch_update(spreadsheet_id, {"requests": [{"mergeCells": overlap}]})


def test_developer_metadata_search_and_delete_by_lookup(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    create = [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "tutorsync",
                    "metadataValue": value,
                    "visibility": "DOCUMENT",
                    "location": location,
                }
            }
        }
        for value, location in (("roster", {"sheetId": 0}), ("book", {"spreadsheet": True}))
    ]
    gc.http_client.batch_update(spreadsheet_id, {"requests": create})
    search_url = (
        f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}/developerMetadata:search"
    )
    lookup = {"developerMetadataLookup": {"metadataKey": "tutorsync", "locationType": "SHEET"}}

    found = gc.http_client.request("post", search_url, json={"dataFilters": [lookup]}).json()

    (match,) = found["matchedDeveloperMetadata"]
    assert match["developerMetadata"]["metadataValue"] == "roster"
    assert match["dataFilters"] == [lookup]
    book = fake.sheets.spreadsheet(spreadsheet_id)["developerMetadata"]
    assert [m["metadataValue"] for m in book] == ["book"]

    reply = gc.http_client.batch_update(
        spreadsheet_id, {"requests": [{"deleteDeveloperMetadata": {"dataFilter": lookup}}]}
    )

    deleted = reply["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    assert [m["metadataValue"] for m in deleted] == ["roster"]
    none_left = gc.http_client.request("post", search_url, json={"dataFilters": [lookup]}).json()
    assert none_left == {}


def test_create_developer_metadata_needs_visibility(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    request = {
        "createDeveloperMetadata": {
            "developerMetadata": {"metadataKey": "k", "location": {"sheetId": 0}}
        }
    }

    with pytest.raises(gspread.exceptions.APIError, match="visibility"):
        gc.http_client.batch_update(spreadsheet_id, {"requests": [request]})


def test_sheets_create_makes_a_spreadsheet_that_drive_also_lists(fake):
    sheets = fake.build("sheets")

    created = (
        sheets.spreadsheets()
        .create(body={"properties": {"title": "Init"}, "sheets": [{"properties": {"title": "A"}}]})
        .execute()
    )

    assert created["sheets"][0]["properties"]["title"] == "A"
    assert len(created["spreadsheetId"]) == 44
    listed = fake.build("drive").files().list(q=f"mimeType = '{SPREADSHEET}'").execute()
    assert [f["id"] for f in listed["files"]] == [created["spreadsheetId"]]


def test_unknown_spreadsheet_is_404_not_found(fake, gc):
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("x" * 44)


def test_forbidden_spreadsheet_answers_403_permission_denied(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    fake.sheets.forbid(spreadsheet_id)

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.values_get(spreadsheet_id, "Roster")

    assert raised.value.code == 403
    assert raised.value.error["status"] == "PERMISSION_DENIED"
    assert raised.value.error["message"] == "The caller does not have permission"
    assert "errors" not in raised.value.error  # Sheets sends no legacy errors[]


# ------------------------------------------------------------------------------------ calendar


def test_calendar_insert_with_the_same_deterministic_id_twice_is_409_duplicate(fake):
    events = fake.build("calendar").events()
    events.insert(calendarId="primary", body=event_body("tutor0001abc")).execute()

    with pytest.raises(HttpError) as raised:
        events.insert(calendarId="primary", body=event_body("tutor0001abc")).execute()

    assert raised.value.status_code == 409
    assert raised.value.error_details[0]["reason"] == "duplicate"
    assert len(fake.calendar.events("primary")) == 1


@pytest.mark.parametrize("bad_id", ["UPPER12345", "abcd", "has-dash-1", "wxyz12345"])
def test_calendar_event_ids_must_be_base32hex_of_5_to_1024_chars(fake, bad_id):
    events = fake.build("calendar").events()

    with pytest.raises(HttpError) as raised:
        events.insert(calendarId="primary", body=event_body(bad_id)).execute()

    assert raised.value.status_code == 400


def test_calendar_rejects_unknown_event_fields(fake):
    events = fake.build("calendar").events()

    with pytest.raises(HttpError) as raised:
        events.insert(calendarId="primary", body=event_body(colour="red")).execute()

    assert raised.value.status_code == 400
    assert "colour" in fake.rejections[0]


def test_calendar_list_filters_by_private_extended_properties_with_and_semantics(fake):
    for event_id, props in (
        ("evt00a", {"program": "p1", "student": "ana"}),
        ("evt00b", {"program": "p1", "student": "bo"}),
        ("evt00c", {"program": "p2", "student": "ana"}),
    ):
        fake.calendar.add_event(
            "tutors@example.org",
            event_body(event_id, extendedProperties={"private": props}),
        )
    events = fake.build("calendar").events()

    listed = events.list(
        calendarId="tutors@example.org",
        privateExtendedProperty=["program=p1", "student=ana"],
    ).execute()

    assert [e["id"] for e in listed["items"]] == ["evt00a"]
    assert fake.requests[-1].query["privateExtendedProperty"] == ["program=p1", "student=ana"]


def test_calendar_list_with_a_very_long_query_arrives_as_a_method_override_post(fake):
    fake.calendar.add_event("c", event_body("long001", extendedProperties={"private": {"a": "b"}}))
    events = fake.build("calendar").events()
    many = [f"key{n:03d}=value{n:03d}" for n in range(120)]

    listed = events.list(calendarId="c", privateExtendedProperty=many).execute()

    assert listed["items"] == []
    assert fake.requests[-1].method_id == "calendar.events.list"
    assert len(fake.requests[-1].query["privateExtendedProperty"]) == 120


def test_calendar_list_pages_with_max_results_and_page_token(fake):
    for n in range(5):
        fake.calendar.add_event("c", event_body(f"page{n:03d}"))
    events = fake.build("calendar").events()

    seen, token, pages = [], None, 0
    while True:
        page = events.list(calendarId="c", maxResults=2, pageToken=token).execute()
        seen += [e["id"] for e in page["items"]]
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            break

    assert pages == 3
    assert seen == [f"page{n:03d}" for n in range(5)]
    assert "nextSyncToken" in page


def test_calendar_sync_token_returns_changes_including_cancelled_events(fake):
    events = fake.build("calendar").events()
    for event_id in ("sesn001", "sesn002", "sesn003"):
        events.insert(calendarId="c", body=event_body(event_id)).execute()
    sync_token = events.list(calendarId="c").execute()["nextSyncToken"]

    events.patch(calendarId="c", eventId="sesn001", body={"summary": "Moved"}).execute()
    events.delete(calendarId="c", eventId="sesn002").execute()
    changes = events.list(calendarId="c", syncToken=sync_token).execute()

    assert {e["id"]: e["status"] for e in changes["items"]} == {
        "sesn001": "confirmed",
        "sesn002": "cancelled",
    }
    quiet = events.list(calendarId="c", syncToken=changes["nextSyncToken"]).execute()
    assert quiet["items"] == []
    full = events.list(calendarId="c").execute()
    assert [e["id"] for e in full["items"]] == ["sesn001", "sesn003"]


def test_calendar_invalid_or_expired_sync_token_is_410(fake):
    events = fake.build("calendar").events()
    token = events.list(calendarId="c").execute()["nextSyncToken"]
    fake.calendar.expire_sync_tokens()

    for bad in (token, "garbage"):
        with pytest.raises(HttpError) as raised:
            events.list(calendarId="c", syncToken=bad).execute()
        assert raised.value.status_code == 410


def test_calendar_sync_token_cannot_be_combined_with_filters(fake):
    events = fake.build("calendar").events()
    token = events.list(calendarId="c").execute()["nextSyncToken"]

    with pytest.raises(HttpError) as raised:
        events.list(calendarId="c", syncToken=token, privateExtendedProperty="a=b").execute()

    assert raised.value.status_code == 400


def test_calendar_patch_merges_update_replaces_and_deleted_events_stay_readable(fake):
    events = fake.build("calendar").events()
    private = {"private": {"program": "p1"}}
    events.insert(
        calendarId="c", body=event_body("life001", description="d", extendedProperties=private)
    ).execute()

    patched = events.patch(
        calendarId="c",
        eventId="life001",
        body={"extendedProperties": {"private": {"student": "ana"}}},
    ).execute()
    replaced = events.update(calendarId="c", eventId="life001", body=event_body()).execute()
    events.delete(calendarId="c", eventId="life001").execute()
    deleted = events.get(calendarId="c", eventId="life001").execute()

    assert patched["extendedProperties"]["private"] == {"program": "p1", "student": "ana"}
    assert patched["description"] == "d"
    assert "description" not in replaced and "extendedProperties" not in replaced
    assert deleted["status"] == "cancelled"
    with pytest.raises(HttpError) as raised:
        events.delete(calendarId="c", eventId="life001").execute()
    assert raised.value.status_code == 410


def test_calendar_a_deleted_event_keeps_its_id_and_cannot_be_restored_through_the_api(fake):
    # As Google answers (google-api-python-client#846, google-api-ruby-client#1811): the id
    # of a deleted event stays taken, and the cancelled event refuses patch and update.
    events = fake.build("calendar").events()
    private = {"private": {"program": "p1"}}
    events.insert(calendarId="c", body=event_body("gone001", extendedProperties=private)).execute()
    events.delete(calendarId="c", eventId="gone001").execute()

    with pytest.raises(HttpError) as inserted:
        events.insert(calendarId="c", body=event_body("gone001")).execute()
    refusals = []
    for call in (
        lambda: events.patch(
            calendarId="c", eventId="gone001", body={"status": "confirmed"}
        ).execute(),
        lambda: events.update(calendarId="c", eventId="gone001", body=event_body()).execute(),
    ):
        with pytest.raises(HttpError) as refused:
            call()
        refusals.append(refused.value)

    assert inserted.value.status_code == 409
    assert inserted.value.error_details[0]["reason"] == "duplicate"
    assert "The requested identifier already exists." in str(inserted.value)
    assert [(e.status_code, e.error_details[0]["reason"]) for e in refusals] == [
        (403, "forbidden"),
        (403, "forbidden"),
    ]
    assert events.get(calendarId="c", eventId="gone001").execute()["status"] == "cancelled"
    listed = events.list(calendarId="c", privateExtendedProperty="program=p1").execute()
    assert listed["items"] == []
    shown = events.list(calendarId="c", showDeleted=True).execute()["items"]
    assert [(e["id"], e["status"]) for e in shown] == [("gone001", "cancelled")]


def test_calendar_time_window_filters_events(fake):
    fake.calendar.add_event("c", event_body("erl0001"))
    fake.calendar.add_event(
        "c",
        event_body(
            "late001",
            start={"dateTime": "2026-02-01T10:00:00", "timeZone": "America/New_York"},
            end={"dateTime": "2026-02-01T11:00:00", "timeZone": "America/New_York"},
        ),
    )
    events = fake.build("calendar").events()

    listed = events.list(
        calendarId="c", timeMin="2026-01-31T00:00:00Z", timeMax="2026-02-02T00:00:00Z"
    ).execute()

    assert [e["id"] for e in listed["items"]] == ["late001"]


def test_freebusy_reports_opaque_events_and_expands_weekly_recurrence(fake):
    fake.calendar.add_event(
        "tutor@example.org",
        event_body("recur01", recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]),
    )
    fake.calendar.add_event(
        "tutor@example.org",
        event_body(
            "free001",
            transparency="transparent",
            start={"dateTime": "2026-01-06T09:00:00Z"},
            end={"dateTime": "2026-01-06T10:00:00Z"},
        ),
    )
    freebusy = fake.build("calendar").freebusy()

    answer = freebusy.query(
        body={
            "timeMin": "2026-01-01T00:00:00Z",
            "timeMax": "2026-01-15T00:00:00Z",
            "items": [{"id": "tutor@example.org"}],
        }
    ).execute()

    assert answer["calendars"]["tutor@example.org"]["busy"] == [
        {"start": "2026-01-05T15:00:00Z", "end": "2026-01-05T16:00:00Z"},
        {"start": "2026-01-12T15:00:00Z", "end": "2026-01-12T16:00:00Z"},
    ]


# --------------------------------------------------------------------------------------- drive


def test_drive_folder_with_app_properties_is_found_by_an_app_properties_query(fake):
    files = fake.build("drive").files()
    folder = files.create(
        body={"name": "Ana", "mimeType": FOLDER, "appProperties": {"tutorsync_student": "s-1"}},
        fields="id",
    ).execute()
    fake.drive.add_folder("Bo", app_properties={"tutorsync_student": "s-2"})

    found = files.list(
        q="appProperties has { key='tutorsync_student' and value='s-1' } and trashed = false",
        fields="files(id,name,appProperties)",
    ).execute()

    assert set(folder) == {"id"}
    assert found == {
        "files": [
            {"id": folder["id"], "name": "Ana", "appProperties": {"tutorsync_student": "s-1"}}
        ]
    }


def test_drive_query_supports_parents_mime_type_name_or_and_parentheses(fake):
    program = fake.drive.add_folder("Program")
    ana = fake.drive.add_folder("Ana", parents=[program])
    sheet = fake.drive.add_file("Ana's log", SPREADSHEET, parents=[program])
    fake.drive.add_folder("Elsewhere")
    files = fake.build("drive").files()

    def names(q: str) -> list[str]:
        return sorted(f["name"] for f in files.list(q=q).execute()["files"])

    assert names(f"'{program}' in parents and mimeType = '{FOLDER}'") == ["Ana"]
    assert names(f"'{program}' in parents and mimeType != '{FOLDER}'") == ["Ana's log"]
    assert names("name = 'Ana\\'s log'") == ["Ana's log"]
    assert names("(name = 'Ana' or name = 'Elsewhere') and not trashed = true") == [
        "Ana",
        "Elsewhere",
    ]
    assert ana != sheet
    with pytest.raises(HttpError) as raised:
        files.list(q="colour = 'red'").execute()
    assert raised.value.status_code == 400


def test_drive_list_pages_and_includes_trashed_files_unless_asked_not_to(fake):
    ids = [fake.drive.add_folder(f"f{n}") for n in range(5)]
    files = fake.build("drive").files()
    files.update(fileId=ids[0], body={"trashed": True}).execute()

    first = files.list(pageSize=3, orderBy="name").execute()
    second = files.list(pageSize=3, orderBy="name", pageToken=first["nextPageToken"]).execute()
    untrashed = files.list(q="trashed = false").execute()

    assert [f["name"] for f in first["files"] + second["files"]] == [f"f{n}" for n in range(5)]
    assert "nextPageToken" not in second
    assert len(untrashed["files"]) == 4


def test_drive_update_merges_app_properties_and_moves_between_parents(fake):
    old_parent = fake.drive.add_folder("Old")
    new_parent = fake.drive.add_folder("New")
    folder = fake.drive.add_folder("Ana", parents=[old_parent], app_properties={"a": "1", "b": "2"})
    files = fake.build("drive").files()

    updated = files.update(
        fileId=folder,
        body={"appProperties": {"b": None, "c": "3"}, "description": "student folder"},
        addParents=new_parent,
        removeParents=old_parent,
        fields="id,parents,appProperties,description",
    ).execute()

    assert updated["appProperties"] == {"a": "1", "c": "3"}
    assert updated["parents"] == [new_parent]
    with pytest.raises(HttpError) as raised:
        files.update(fileId=folder, body={"parents": [old_parent]}).execute()
    assert raised.value.status_code == 403


def test_drive_copy_of_a_spreadsheet_copies_its_tabs(fake):
    template = seed_gradebook(fake)
    folder = fake.drive.add_folder("Program")
    files = fake.build("drive").files()

    copied = files.copy(
        fileId=template,
        body={"name": "Ana's gradebook", "parents": [folder], "appProperties": {"k": "v"}},
        fields="id,name,parents,appProperties",
    ).execute()
    files.delete(fileId=template).execute()

    assert copied["parents"] == [folder] and copied["appProperties"] == {"k": "v"}
    assert fake.sheets.sheet_titles(copied["id"]) == ["Roster", "Tutor's Log"]
    assert fake.sheets.values(copied["id"], "Roster")[0][0] == "Student"
    assert not fake.sheets.exists(template)


def test_drive_permissions_create_list_and_delete(fake):
    folder = fake.drive.add_folder("Ana")
    permissions = fake.build("drive").permissions()

    created = permissions.create(
        fileId=folder,
        body={"type": "user", "role": "writer", "emailAddress": "tutor@example.org"},
        sendNotificationEmail=False,
    ).execute()
    anyone = permissions.create(fileId=folder, body={"type": "anyone", "role": "reader"}).execute()
    listed = permissions.list(
        fileId=folder, fields="permissions(id,role,emailAddress,type)"
    ).execute()
    first_page = permissions.list(fileId=folder, pageSize=2).execute()
    second_page = permissions.list(
        fileId=folder, pageSize=2, pageToken=first_page["nextPageToken"]
    ).execute()
    permissions.delete(fileId=folder, permissionId=created["id"]).execute()

    assert set(created) == {"kind", "id", "type", "role"}
    assert {(p["type"], p["role"]) for p in listed["permissions"]} == {
        ("user", "owner"),
        ("user", "writer"),
        ("anyone", "reader"),
    }
    assert [p["id"] for p in fake.drive.permissions(folder) if p["role"] != "owner"] == [
        anyone["id"]
    ]
    assert len(first_page["permissions"]) == 2 and len(second_page["permissions"]) == 1
    assert "nextPageToken" not in second_page
    assert fake.drive.notifications == []
    with pytest.raises(HttpError) as raised:
        permissions.create(fileId=folder, body={"type": "user", "role": "writer"}).execute()
    assert raised.value.status_code == 400


def test_drive_batch_of_three_calls_answers_each_part_in_order(fake):
    drive = fake.build("drive")
    folder = fake.drive.add_folder("Ana")
    results: list[tuple[str, Any, Any]] = []
    batch = BatchHttpRequest(
        callback=lambda request_id, response, error: results.append((request_id, response, error)),
        batch_uri=fake.batch_uri("drive"),
    )
    batch.add(drive.files().create(body={"name": "Child", "parents": [folder]}, fields="id,name"))
    batch.add(drive.files().get(fileId="missing"))
    batch.add(
        drive.permissions().create(
            fileId=folder,
            body={"type": "user", "role": "reader", "emailAddress": "parent@example.org"},
            sendNotificationEmail=False,
        )
    )

    batch.execute()

    assert [r[0] for r in results] == ["1", "2", "3"]
    assert results[0][1]["name"] == "Child" and results[0][2] is None
    assert results[1][2].status_code == 404
    assert results[2][1]["role"] == "reader"
    counts = fake.counts()
    assert counts["drive.batch"] == 1
    assert counts["drive.files.create"] == 1 and counts["drive.files.get"] == 1
    assert counts["drive.permissions.create"] == 1


def test_calendar_batch_validates_each_part(fake):
    events = fake.build("calendar").events()
    results: list[Any] = []
    batch = BatchHttpRequest(
        callback=lambda _id, response, error: results.append(error or response),
        batch_uri=fake.batch_uri("calendar"),
    )
    batch.add(events.insert(calendarId="c", body=event_body("batch001")))
    batch.add(events.insert(calendarId="c", body=event_body("batch002", colour="red")))

    batch.execute()

    assert results[0]["id"] == "batch001"
    assert results[1].status_code == 400
    assert fake.counts()["calendar.batch"] == 1
    assert len(fake.rejections) == 1


def test_shared_drive_items_need_supports_all_drives(fake):
    drive_id = fake.drive.add_shared_drive("Program")
    files = fake.build("drive").files()
    folder = files.create(
        body={"name": "Ana", "mimeType": FOLDER, "parents": [drive_id]},
        supportsAllDrives=True,
        fields="id,driveId",
    ).execute()

    with pytest.raises(HttpError) as raised:
        files.get(fileId=folder["id"]).execute()
    listed = files.list(
        corpora="drive", driveId=drive_id, includeItemsFromAllDrives=True, supportsAllDrives=True
    ).execute()

    assert folder["driveId"] == drive_id
    assert raised.value.status_code == 404
    assert [f["id"] for f in listed["files"]] == [folder["id"]]
    assert files.list().execute()["files"] == []


# -------------------------------------------------------------------------------------- faults


def test_nth_request_fails_with_429_then_a_manual_retry_succeeds(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    fake.faults.fail(429, method="sheets.spreadsheets.values.batchGet", nth=2)

    gc.http_client.values_batch_get(spreadsheet_id, ["Roster"], params=dict(VALUES_PARAMS))
    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.values_batch_get(spreadsheet_id, ["Roster"], params=dict(VALUES_PARAMS))
    retried = gc.http_client.values_batch_get(
        spreadsheet_id, ["Roster"], params=dict(VALUES_PARAMS)
    )

    assert raised.value.code == 429
    assert raised.value.error["status"] == "RESOURCE_EXHAUSTED"
    [info] = raised.value.error["details"]  # Sheets: an ErrorInfo, no legacy errors[]
    assert (info["reason"], info["domain"]) == ("RATE_LIMIT_EXCEEDED", "googleapis.com")
    assert retried["valueRanges"][0]["values"][0][0] == "Student"
    assert [r.status for r in fake.requests] == [200, 429, 200]


def test_403_rate_limit_fault_looks_retryable_to_googleapiclient(fake):
    fake.faults.fail(403, method="calendar", reason="userRateLimitExceeded", retry_after=3)
    events = fake.build("calendar").events()

    with pytest.raises(HttpError) as raised:
        events.list(calendarId="c").execute()

    assert raised.value.status_code == 403
    assert raised.value.error_details[0]["reason"] == "userRateLimitExceeded"
    assert raised.value.error_details[0]["domain"] == "usageLimits"
    assert raised.value.resp["retry-after"] == "3"
    assert events.list(calendarId="c").execute()["items"] == []


@pytest.mark.parametrize(("status", "canonical"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_server_error_faults_carry_googles_status(fake, gc, status, canonical):
    spreadsheet_id = seed_gradebook(fake)
    fake.faults.fail(status, times=2)

    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as raised:
            gc.http_client.values_get(spreadsheet_id, "Roster")
        assert raised.value.error["status"] == canonical

    assert gc.http_client.values_get(spreadsheet_id, "Roster")["values"]


def test_fail_after_apply_changes_state_and_answers_503(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    fake.faults.fail_after_apply("sheets.spreadsheets.batchUpdate")

    with pytest.raises(gspread.exceptions.APIError) as raised:
        gc.http_client.batch_update(
            spreadsheet_id, {"requests": [{"addSheet": {"properties": {"title": "Applied"}}}]}
        )

    assert raised.value.code == 503
    assert "Applied" in fake.sheets.sheet_titles(spreadsheet_id)


def test_drop_closes_the_connection_without_an_answer(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    fake.faults.drop(method="sheets.spreadsheets.values.get")

    with pytest.raises(requests.ConnectionError):
        gc.http_client.values_get(spreadsheet_id, "Roster")

    assert gc.http_client.values_get(spreadsheet_id, "Roster")["values"]
    assert [r.status for r in fake.requests] == [0, 200]


def test_quota_rejects_over_the_sliding_window_of_the_injected_clock():
    now = [1000.0]
    with FakeGoogle(clock=lambda: now[0]) as fake:
        client = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())
        spreadsheet_id = seed_gradebook(fake)
        fake.faults.quota(2, bucket="sheets_read")

        def read() -> int:
            try:
                client.http_client.values_get(spreadsheet_id, "Roster")
            except gspread.exceptions.APIError as error:
                return error.code
            return 200

        statuses = [read(), read(), read()]
        now[0] += 30
        statuses.append(read())
        now[0] += 31  # the first two reads have left the window
        statuses.append(read())
        write_status = client.http_client.batch_update(
            spreadsheet_id, {"requests": [{"addSheet": {}}]}
        )

        assert statuses == [200, 200, 429, 429, 200]
        assert fake.quota_rejections == 2
        assert write_status["replies"][0]["addSheet"]["properties"]["title"] == "Sheet3"


def test_rate_faults_are_reproducible_with_a_seed():
    def run(seed: int) -> list[int]:
        with FakeGoogle(seed=seed) as fake:
            files = fake.build("drive").files()
            fake.faults.fail(500, method="drive.files.list", rate=0.5)
            statuses = []
            for _ in range(12):
                try:
                    files.list().execute()
                    statuses.append(200)
                except HttpError as error:
                    statuses.append(error.status_code)
            return statuses

    first, again = run(3), run(3)

    assert first == again
    assert set(first) == {200, 500}


def test_latency_is_added_to_each_answer(fake):
    fake.faults.latency_seconds = 0.05
    files = fake.build("drive").files()

    started = time.perf_counter()
    files.list().execute()

    assert time.perf_counter() - started >= 0.05


def test_faults_never_hide_an_invalid_request(fake, gc):
    spreadsheet_id = seed_gradebook(fake)
    fake.faults.fail(500)

    with pytest.raises(gspread.exceptions.APIError) as invalid:
        gc.http_client.values_get(spreadsheet_id, "Roster", params={"bogus": "1"})
    with pytest.raises(gspread.exceptions.APIError) as faulted:
        gc.http_client.values_get(spreadsheet_id, "Roster")

    assert (invalid.value.code, faulted.value.code) == (400, 500)


def test_counts_by_method_id_and_reset_log(fake, gc):
    spreadsheet_id = seed_gradebook(fake)

    gc.open_by_key(spreadsheet_id).worksheet("Roster").get_all_values()

    assert fake.counts() == {
        "sheets.spreadsheets.get": 2,
        "sheets.spreadsheets.values.get": 1,
    }
    fake.reset_log()
    assert fake.counts() == {} and fake.requests == []


def test_unknown_paths_are_rejected_as_404(fake):
    response = requests.get(f"{fake.base_url}/v4/spreadsheets/abc/nothing", timeout=5)

    assert response.status_code == 404
    assert fake.rejections[0].startswith("unknown GET /v4/spreadsheets/abc/nothing")


def test_starting_and_stopping_takes_milliseconds():
    started = time.perf_counter()
    for _ in range(5):
        with FakeGoogle():
            pass

    assert (time.perf_counter() - started) / 5 < 0.2


# ------------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'My Tab'", a1.A1("My Tab")),
        ("My Tab", a1.A1("My Tab")),
        ("'Tab'!A1:C10", a1.A1("Tab", 0, 0, 10, 3)),
        ("Tab!A:C", a1.A1("Tab", 0, 0, None, 3)),
        ("Tab!2:5", a1.A1("Tab", 1, 0, 5, None)),
        ("'It''s'!B2", a1.A1("It's", 1, 1, 2, 2)),
        ("A1:B2", a1.A1("My Tab", 0, 0, 2, 2)),
    ],
)
def test_a1_ranges_parse_like_google(text, expected):
    assert a1.parse(text, ["My Tab", "Tab", "It's"]) == expected


@pytest.mark.parametrize("text", ["Missing!A1", "Tab!A0", "'Tab", "Tab!1A"])
def test_a1_ranges_google_cannot_parse_are_errors(text):
    with pytest.raises(ValueError):
        a1.parse(text, ["Tab"])


def test_field_masks_prune_nested_selections():
    mask = fieldmask.parse("a,b(c,d/e),f.g")
    value = {"a": 1, "b": [{"c": 2, "d": {"e": 3, "x": 4}, "y": 5}], "f": {"g": 6, "h": 7}, "z": 8}

    assert fieldmask.prune(value, mask) == {"a": 1, "b": [{"c": 2, "d": {"e": 3}}], "f": {"g": 6}}


# ------------------------------------------------------------- drive: ids, permissions, sharing


def test_drive_generated_ids_are_accepted_once_by_create_and_copy(fake):
    files = fake.build("drive").files()
    template = fake.drive.add_file("Template", "application/pdf")  # Google types take none

    generated = files.generateIds(count=3, space="drive", type="files").execute()
    first, second, unused = generated["ids"]
    created = files.create(body={"id": first, "name": "Ana", "mimeType": FOLDER}).execute()
    copied = files.copy(fileId=template, body={"id": second, "name": "Ana's log"}).execute()

    assert generated["kind"] == "drive#generatedIds" and generated["space"] == "drive"
    assert len({first, second, unused}) == 3
    assert (created["id"], copied["id"]) == (first, second)
    for again in (
        files.create(body={"id": first, "name": "Ana again", "mimeType": FOLDER}),
        files.copy(fileId=template, body={"id": second}),
    ):
        with pytest.raises(HttpError) as raised:
            again.execute()
        assert raised.value.status_code == 409
    with pytest.raises(HttpError) as raised:
        files.create(body={"id": "1" + "x" * 32, "name": "Made up"}).execute()
    assert raised.value.status_code == 400
    with pytest.raises(HttpError) as raised:
        files.generateIds(count=1001).execute()
    assert raised.value.status_code == 400
    assert len(fake.drive.files()) == 3


def test_drive_permissions_update_changes_the_role_of_a_files_own_permission(fake):
    folder = fake.drive.add_folder("Ana")
    permissions = fake.build("drive").permissions()
    made = permissions.create(
        fileId=folder,
        body={"type": "user", "role": "writer", "emailAddress": "tutor@example.org"},
        sendNotificationEmail=False,
    ).execute()

    updated = permissions.update(
        fileId=folder, permissionId=made["id"], body={"role": "commenter"}, fields="id,role"
    ).execute()

    assert updated == {"id": made["id"], "role": "commenter"}
    assert [p["role"] for p in fake.drive.permissions(folder) if p["id"] == made["id"]] == [
        "commenter"
    ]
    for body, status in (({"role": "organizer"}, 403), ({"role": "boss"}, 400)):
        with pytest.raises(HttpError) as raised:
            permissions.update(fileId=folder, permissionId=made["id"], body=body).execute()
        assert raised.value.status_code == status
    with pytest.raises(HttpError) as raised:
        permissions.update(fileId=folder, permissionId="123", body={"role": "reader"}).execute()
    assert raised.value.status_code == 404


def test_drive_files_carry_permissions_outside_shared_drives_only(fake):
    folder = fake.drive.add_folder("Ana")
    shared = fake.drive.add_folder("Bo", parents=[fake.drive.add_shared_drive("Program")])
    fake.drive.add_permission(folder, "Tutor@Example.org", "writer")
    fake.drive.add_permission(shared, "tutor@example.org", "writer")
    files = fake.build("drive").files()
    mask = "id,permissions(emailAddress,role,permissionDetails(inherited))"

    mine = files.get(fileId=folder, fields=mask).execute()
    theirs = files.get(fileId=shared, fields=mask, supportsAllDrives=True).execute()
    listed = files.list(
        q="name = 'Ana' or name = 'Bo'",
        fields=f"files({mask})",
        supportsAllDrives=True,
        includeItemsFromAllDrives=True,
    ).execute()

    assert sorted(mine["permissions"], key=lambda p: p["role"]) == [
        {
            "emailAddress": FAKE_OWNER,
            "role": "owner",
            "permissionDetails": [{"inherited": False}],
        },
        {
            "emailAddress": "Tutor@Example.org",
            "role": "writer",
            "permissionDetails": [{"inherited": False}],
        },
    ]
    assert theirs == {"id": shared}
    by_id = {f["id"]: f for f in listed["files"]}
    assert "permissions" in by_id[folder] and "permissions" not in by_id[shared]
    assert files.get(fileId=folder).execute().keys() == {"kind", "id", "name", "mimeType"}


def test_drive_add_permission_shares_by_hand_without_notifying(fake):
    folder = fake.drive.add_folder("Ana")

    user = fake.drive.add_permission(folder, "parent@example.org", "reader")
    domain = fake.drive.add_permission(folder, "example.org", "commenter", kind="domain")
    anyone = fake.drive.add_permission(folder, "", "reader", kind="anyone")

    listed = (
        fake.build("drive")
        .permissions()
        .list(fileId=folder, fields="permissions(id,type,role,emailAddress,domain)")
        .execute()["permissions"]
    )
    assert {p["id"]: (p["type"], p.get("emailAddress") or p.get("domain")) for p in listed} == {
        listed[0]["id"]: ("user", FAKE_OWNER),
        user: ("user", "parent@example.org"),
        domain: ("domain", "example.org"),
        anyone: ("anyone", None),
    }
    assert fake.drive.notifications == []
    with pytest.raises(KeyError):
        fake.drive.add_permission("no-such-file", "parent@example.org", "reader")


def test_drive_permissions_are_inherited_from_folders_and_shared_drives_above(fake):
    term = fake.drive.add_folder("Term")
    student = fake.drive.add_folder("Ana", parents=[term])
    drive_id = fake.drive.add_shared_drive("Program")
    member = fake.drive.add_permission(drive_id, "principal@example.org", "organizer")
    shared_student = fake.drive.add_folder("Bo", parents=[drive_id])
    inherited = fake.drive.add_permission(term, "coordinator@example.org", "writer")
    fake.drive.add_permission(student, "coordinator@example.org", "reader")
    permissions = fake.build("drive").permissions()
    mask = "permissions(id,role,permissionDetails(inherited,inheritedFrom,permissionType))"

    mine = permissions.list(fileId=student, fields=mask).execute()["permissions"]
    theirs = permissions.list(fileId=shared_student, fields=mask, supportsAllDrives=True).execute()[
        "permissions"
    ]

    coordinator = next(p for p in mine if p["id"] == inherited)
    assert coordinator["role"] == "writer"  # the highest of its own and the inherited
    assert [d["inherited"] for d in coordinator["permissionDetails"]] == [False, True]
    assert "inheritedFrom" not in coordinator["permissionDetails"][1]
    caller = next(p["id"] for p in fake.drive.permissions(drive_id) if p["id"] != member)
    assert sorted(theirs, key=lambda p: p["id"] != member) == [
        {
            "id": member,
            "role": "organizer",
            "permissionDetails": [
                {
                    "inherited": True,
                    "inheritedFrom": drive_id,
                    "permissionType": "member",
                }
            ],
        },
        {  # the caller: a member of every shared drive it is given
            "id": caller,
            "role": "organizer",
            "permissionDetails": [
                {
                    "inherited": True,
                    "inheritedFrom": drive_id,
                    "permissionType": "member",
                }
            ],
        },
    ]
    with pytest.raises(HttpError) as raised:
        permissions.delete(
            fileId=shared_student, permissionId=member, supportsAllDrives=True
        ).execute()
    assert raised.value.status_code == 403
    permissions.delete(fileId=student, permissionId=inherited).execute()  # its own one
    after = permissions.list(fileId=student, fields=mask).execute()["permissions"]
    assert [
        d["inherited"] for p in after if p["id"] == inherited for d in p["permissionDetails"]
    ] == [True]
