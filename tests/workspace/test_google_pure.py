"""The Google adapter's pure parts: references, scopes, request building, reading cells back."""

import dataclasses
import json
import os
import stat
from datetime import date, datetime
from pathlib import Path

import pytest

from jobs.errors import ConfigError, WorkspaceError
from jobs.settings import parse
from jobs.workspace.google import scopes
from jobs.workspace.google.auth import load_credentials, save_token
from jobs.workspace.google.sheets import (
    OWNED_TAB_KEY,
    _value_of,
    a1_tab,
    batch_requests,
    chart_ids,
    spreadsheet_id,
)
from sheets_schema.cells import Chart, ColumnFormat, Link, TabWrite

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"


@pytest.mark.parametrize(
    "reference",
    [
        SHEET_ID,
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}",
    ],
)
def test_spreadsheets_are_named_by_id_or_url(reference):
    assert spreadsheet_id(reference) == SHEET_ID


def test_a_path_is_not_a_google_spreadsheet():
    with pytest.raises(WorkspaceError, match="neither a Google Sheets URL nor a spreadsheet ID"):
        spreadsheet_id("gradebooks/okafor.xlsx")


def test_tab_names_are_quoted_for_a1_ranges():
    assert a1_tab("Teacher's tab") == "'Teacher''s tab'"


def test_scopes_are_the_least_each_job_needs_and_full_drive_only_where_a_person_made_the_folder():
    """The rule in jobs/workspace/google/scopes.py: each job's narrowest scopes; `drive` for
    the jobs that work in a folder a person made (the folders root and templates, init's
    folder), which `drive.file` cannot reach; `drive.file` is never asked for."""
    auth = "https://www.googleapis.com/auth/"
    assert {
        "progress": (auth + "spreadsheets",),
        "validate": (auth + "spreadsheets.readonly",),
        "doctor": (auth + "spreadsheets",),
        "checkins": (auth + "calendar.events", auth + "calendar.events.freebusy"),
        "folders": (auth + "drive",),
        "init": (auth + "spreadsheets", auth + "drive"),
    } == scopes.JOB_SCOPES
    full_drive = {job for job, asked in scopes.JOB_SCOPES.items() if auth + "drive" in asked}
    assert full_drive == {"folders", "init"}
    assert auth + "drive.file" not in scopes.every_scope()
    assert scopes.scopes_for(["progress", "validate"]) == (scopes.SPREADSHEETS,)


def test_a_wider_scope_gives_what_a_narrower_one_does_and_nothing_else_does():
    given = [scopes.SPREADSHEETS, scopes.DRIVE]
    assert scopes.not_covered(given, [scopes.SPREADSHEETS_READONLY, scopes.DRIVE_FILE]) == ()
    earlier = [scopes.SPREADSHEETS, scopes.DRIVE_FILE, scopes.CALENDAR_EVENTS]
    assert scopes.not_covered(earlier, scopes.scopes_for(["folders", "checkins"])) == (
        scopes.CALENDAR_EVENTS_FREEBUSY,
        scopes.DRIVE,
    )


# The calls each job makes (the methods its adapters call).
CALLS = {
    "progress": ("sheets.spreadsheets.get", "sheets.spreadsheets.values.batchGet"),
    "validate": ("sheets.spreadsheets.get", "sheets.spreadsheets.values.batchGet"),
    "doctor": ("sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"),
    "checkins": (
        *("calendar.events.list", "calendar.events.insert", "calendar.events.patch"),
        "calendar.freebusy.query",
    ),
    "folders": (
        *("drive.files.get", "drive.files.list", "drive.files.create", "drive.files.copy"),
        *("drive.files.update", "drive.files.generateIds", "drive.permissions.list"),
        *("drive.permissions.create", "drive.permissions.update", "drive.permissions.delete"),
    ),
    "init": (
        *("drive.files.list", "drive.files.create", "drive.files.generateIds"),
        *("sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"),
    ),
}
CALLS["progress"] += ("sheets.spreadsheets.batchUpdate",)


@pytest.mark.parametrize("job", sorted(CALLS))
def test_each_call_a_job_makes_is_allowed_by_a_scope_it_asks_for(job):
    """Checked against the scopes each method lists in Google's discovery documents (the fake
    Google refuses a call the same way): a job asking for too narrow a scope would answer
    403 "Request had insufficient authentication scopes." on Google."""
    from googleapiclient.discovery_cache import get_static_doc

    documents = {
        api: json.loads(get_static_doc(api, version) or "{}")
        for api, version in (("sheets", "v4"), ("drive", "v3"), ("calendar", "v3"))
    }

    def method(method_id: str) -> dict:
        api, *path = method_id.split(".")
        found = documents[api]
        for name in path[:-1]:
            found = found["resources"][name]
        return found["methods"][path[-1]]

    for call in CALLS[job]:
        accepted = set(method(call)["scopes"])
        assert accepted & set(scopes.JOB_SCOPES[job]), (job, call, sorted(accepted))


WRITE = TabWrite(
    key="tutorsync:p:summary",
    title="Progress summary",
    header=("Student ID", "Note", "Last session", "Link", "Share"),
    rows=(("00123", '=IMPORTXML("http://x","//a")', date(2026, 3, 1), Link("F2", "#x"), 0.5),),
    column_formats=(
        ColumnFormat.TEXT,
        ColumnFormat.TEXT,
        ColumnFormat.DATE,
        ColumnFormat.TEXT,
        ColumnFormat.PERCENT,
    ),
    attention_rows=frozenset({0}),
)


def test_a_new_tab_is_added_with_its_key_and_cells_are_typed_text_never_formulas():
    requests = batch_requests(
        {"sheets": [{"properties": {"sheetId": 0, "title": "Grades"}}]}, [WRITE]
    )
    kinds = [next(iter(r)) for r in requests]
    assert kinds[:3] == ["addSheet", "createDeveloperMetadata", "updateCells"]
    sheet_id = requests[0]["addSheet"]["properties"]["sheetId"]
    assert sheet_id != 0
    metadata = requests[1]["createDeveloperMetadata"]["developerMetadata"]
    assert (metadata["metadataKey"], metadata["metadataValue"]) == (OWNED_TAB_KEY, WRITE.key)
    cells = requests[2]["updateCells"]["rows"][1]["values"]
    assert cells[0]["userEnteredValue"] == {"stringValue": "00123"}
    assert cells[1]["userEnteredValue"] == {"stringValue": '=IMPORTXML("http://x","//a")'}
    assert cells[2]["userEnteredValue"] == {"numberValue": 46082}
    assert cells[2]["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert cells[3]["userEnteredFormat"]["textFormat"]["link"]["uri"] == "#x"
    assert "backgroundColor" in cells[0]["userEnteredFormat"]
    assert all("formulaValue" not in c.get("userEnteredValue", {}) for c in cells)


def test_an_existing_owned_tab_is_resized_and_cleared_before_writing():
    metadata = {
        "sheets": [
            {
                "properties": {"sheetId": 7, "title": "Renamed by a teacher"},
                "developerMetadata": [{"metadataKey": OWNED_TAB_KEY, "metadataValue": WRITE.key}],
            }
        ]
    }
    requests = batch_requests(metadata, [WRITE])
    assert [next(iter(r)) for r in requests][:3] == [
        "updateSheetProperties",
        "updateCells",
        "updateCells",
    ]
    assert requests[1]["updateCells"] == {"range": {"sheetId": 7}, "fields": "*"}
    assert all("addSheet" not in r for r in requests)


def test_the_same_key_gets_the_same_new_sheet_id():
    first = batch_requests({"sheets": []}, [WRITE])[0]["addSheet"]["properties"]["sheetId"]
    again = batch_requests({"sheets": []}, [WRITE])[0]["addSheet"]["properties"]["sheetId"]
    assert first == again


def test_only_tutorsyncs_own_charts_are_deleted_and_new_ones_take_ids_of_the_tab():
    ours, another_tabs = chart_ids(7)[0], chart_ids(8)[0]
    educators = 123_456_789
    metadata = {
        "sheets": [
            {
                "properties": {"sheetId": 7, "title": "Overview"},
                "developerMetadata": [{"metadataKey": OWNED_TAB_KEY, "metadataValue": WRITE.key}],
                "charts": [{"chartId": educators}, {"chartId": ours}, {"chartId": another_tabs}],
            }
        ]
    }
    chart = Chart("Sessions", 0, (3,), 1, anchor_row=0, anchor_column=7)
    write = dataclasses.replace(WRITE, charts=(chart, chart))

    requests = batch_requests(metadata, [write])

    assert requests[0] == {"deleteEmbeddedObject": {"objectId": ours}}
    assert sum("deleteEmbeddedObject" in r for r in requests) == 1
    added = [r["addChart"]["chart"] for r in requests if "addChart" in r]
    assert [c["chartId"] for c in added] == [ours, chart_ids(7)[1]]
    assert added[0]["position"]["overlayPosition"]["anchorCell"] == {
        "sheetId": 7,
        "rowIndex": 0,
        "columnIndex": 7,
    }
    grid = requests[1]["updateSheetProperties"]["properties"]["gridProperties"]
    assert grid["columnCount"] > 7  # the whole chart sits over the grid


def test_chart_ids_are_31_bit_never_0_and_differ_between_tabs():
    for sheet_id in (0, 1, 7, 2**30, 1_234_567):
        ids = chart_ids(sheet_id)
        assert ids[0] > 0 and ids[-1] < 2**31
    assert not set(chart_ids(7)) & set(chart_ids(8))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ({"userEnteredValue": {"stringValue": "00123"}}, "00123"),
        (
            {
                "userEnteredValue": {"numberValue": 46082},
                "userEnteredFormat": {"numberFormat": {"type": "DATE"}},
            },
            date(2026, 3, 1),
        ),
        (
            {
                "userEnteredValue": {"numberValue": 46082.5},
                "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME"}},
            },
            datetime(2026, 3, 1, 12),
        ),
        (
            {
                "userEnteredValue": {"numberValue": 0.5},
                "userEnteredFormat": {"numberFormat": {"type": "PERCENT"}},
            },
            0.5,
        ),
        ({"userEnteredValue": {"boolValue": True}}, True),
        ({"userEnteredValue": {"stringValue": "F2"}, "hyperlink": "#x"}, Link("F2", "#x")),
        ({"userEnteredValue": {"formulaValue": "=A1+1"}}, "=A1+1"),
        ({}, None),
    ],
)
def test_cells_read_back_as_the_values_written(cell, value):
    assert _value_of(cell) == value


def google_config(tmp_path: Path, **google) -> dict:
    return {
        "program": {"name": "P"},
        "workspace": {"kind": "google", "google": google},
        "sources": {
            "roster": {"spreadsheet": SHEET_ID, "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": SHEET_ID, "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": SHEET_ID},
    }


def test_delegation_only_acts_as_allowed_users(tmp_path):
    config = google_config(
        tmp_path,
        auth="delegated",
        key_file="k.json",
        subject="boss@s.example",
        allowed_subjects=["coordinator@s.example"],
    )
    with pytest.raises(ConfigError, match="not in allowed_subjects"):
        parse(config, config_dir=tmp_path)


def test_missing_key_file_is_a_config_error_naming_it(tmp_path):
    settings = parse(google_config(tmp_path, key_file="missing.json"), config_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"missing\.json"):
        load_credentials(settings, scopes.JOB_SCOPES["progress"])


def test_oauth_without_a_token_says_to_sign_in(tmp_path):
    config = google_config(
        tmp_path,
        auth="oauth",
        client_secrets_file="client.json",
        token_file=str(tmp_path / "token.json"),
    )
    settings = parse(config, config_dir=tmp_path)
    with pytest.raises(ConfigError, match="tutorsync auth login"):
        load_credentials(settings, scopes.JOB_SCOPES["progress"])


def test_tokens_are_saved_for_their_owner_only(tmp_path):
    token = tmp_path / "secrets" / "token.json"
    save_token(token, json.dumps({"refresh_token": "r"}))
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(token.parent).st_mode) == 0o700
    token.chmod(0o644)
    save_token(token, json.dumps({"refresh_token": "s"}))
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
