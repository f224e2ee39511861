"""The fake refuses what Google refuses to a token: scopes a method does not list (403
ACCESS_TOKEN_SCOPE_INSUFFICIENT), and, to a `drive.file` token, every file its app did not make
(404), through google-auth's own credentials: the JWTs the tests' keys sign themselves, and the
tokens the fake's token endpoint issues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from fake_google import FOLDER, FakeGoogle
from fake_google.programs import (
    CLIENT_ID,
    GOOGLE_UNIVERSE,
    SERVICE_ACCOUNT,
    new_private_key,
    write_service_account_key,
)

AUTH = "https://www.googleapis.com/auth/"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE = "https://www.googleapis.com/drive/v3/files"
CALENDAR = "https://www.googleapis.com/calendar/v3"
PROJECT = "tutorsync-tests"  # the project SERVICE_ACCOUNT's address names
COORDINATOR = "coordinator@school.example"
OAUTH_CLIENT = "123456789012-abc.apps.googleusercontent.com"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=3) as running:
        yield running


@pytest.fixture
def key(tmp_path: Path, fake: FakeGoogle, private_key_pem: str) -> dict:
    """A key of the tests' universe: google-auth signs a JWT per request, scopes inside."""
    return json.loads(
        write_service_account_key(fake, tmp_path / "k.json", private_key_pem).read_text()
    )


def session(fake: FakeGoogle, credentials) -> AuthorizedSession:
    signed_in = AuthorizedSession(credentials)
    fake.mount(signed_in)
    return signed_in


def as_service_account(fake: FakeGoogle, key: dict, *scopes: str) -> AuthorizedSession:
    credentials = service_account.Credentials.from_service_account_info(key, scopes=list(scopes))
    return session(fake, credentials)


def error_of(response: requests.Response) -> dict:
    return response.json()["error"]


# --- Scopes ----------------------------------------------------------------------------------


def test_a_read_only_sheets_token_reads_and_is_refused_a_write_as_google_refuses_it(fake, key):
    spreadsheet = fake.sheets.create("Roster", {"Roster": [["Student ID"], ["00123"]]})
    reader = as_service_account(fake, key, AUTH + "spreadsheets.readonly")

    assert reader.get(f"{SHEETS}/{spreadsheet}").status_code == 200
    assert reader.get(f"{SHEETS}/{spreadsheet}/values/Roster!A1:A2").status_code == 200
    refused = reader.post(f"{SHEETS}/{spreadsheet}:batchUpdate", json={"requests": []})

    # Sheets v4: no legacy errors[]; the ErrorInfo names the method and the service
    # (Openscapes/kyber#39: google.apps.sheets.v4.SpreadsheetsService.GetSpreadsheet).
    assert refused.status_code == 403
    assert error_of(refused) == {
        "code": 403,
        "message": "Request had insufficient authentication scopes.",
        "status": "PERMISSION_DENIED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {
                    "method": "google.apps.sheets.v4.SpreadsheetsService.BatchUpdateSpreadsheet",
                    "service": "sheets.googleapis.com",
                },
            }
        ],
    }
    challenge = refused.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert challenge.endswith(f'scope="{AUTH}drive {AUTH}drive.file {AUTH}spreadsheets"')
    assert fake.sheets.values(spreadsheet, "Roster") == [["Student ID"], ["00123"]]


def test_drive_and_calendar_keep_the_legacy_insufficient_permissions_entry(fake, key):
    sheets_only = as_service_account(fake, key, AUTH + "spreadsheets")

    for url in (DRIVE, f"{CALENDAR}/calendars/primary/events"):
        refused = sheets_only.get(url)
        error = error_of(refused)
        assert refused.status_code == 403
        assert error["message"] == "Request had insufficient authentication scopes."
        assert error["status"] == "PERMISSION_DENIED"
        # As ShareX/ShareX#7681 (Drive) and analogdotnow/Analog#296 (Calendar) quote it.
        assert error["errors"] == [
            {
                "message": "Insufficient Permission",
                "domain": "global",
                "reason": "insufficientPermissions",
            }
        ]
        assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    methods = [error_of(sheets_only.get(DRIVE))["details"][0]["metadata"]["method"]]
    assert methods == ["google.apps.drive.v3.DriveFiles.List"]


def test_calendar_events_does_not_reach_free_busy_which_lists_its_own_scopes(fake, key):
    body = {
        "timeMin": "2026-11-23T00:00:00Z",
        "timeMax": "2026-11-24T00:00:00Z",
        "items": [{"id": "tutor@school.example"}],
    }
    events_only = as_service_account(fake, key, AUTH + "calendar.events")
    with_free_busy = as_service_account(
        fake, key, AUTH + "calendar.events", AUTH + "calendar.events.freebusy"
    )

    assert events_only.get(f"{CALENDAR}/calendars/primary/events").status_code == 200
    assert events_only.post(f"{CALENDAR}/freeBusy", json=body).status_code == 403
    assert with_free_busy.post(f"{CALENDAR}/freeBusy", json=body).status_code == 200


def test_a_token_google_never_issued_is_unauthenticated(fake):
    stranger = requests.Session()
    fake.mount(stranger)

    answer = stranger.get(DRIVE, headers={"Authorization": "Bearer made-up"})

    assert answer.status_code == 401
    error = error_of(answer)
    assert error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request had invalid authentication credentials.")
    assert error["errors"][0] | {"message": ""} == {
        "message": "",
        "domain": "global",
        "reason": "authError",
        "location": "Authorization",
        "locationType": "header",
    }


def test_a_jwt_signed_by_a_deleted_key_is_unauthenticated(fake, key):
    reader = as_service_account(fake, key, AUTH + "drive")
    assert reader.get(DRIVE).status_code == 200

    fake.auth.delete_key(key["private_key_id"])

    assert reader.get(DRIVE).status_code == 401


def test_the_token_endpoint_issues_tokens_for_the_scopes_and_the_account_of_the_grant(
    fake, tmp_path, private_key_pem
):
    path = write_service_account_key(
        fake, tmp_path / "google.json", private_key_pem, universe_domain=GOOGLE_UNIVERSE
    )
    key = json.loads(path.read_text())
    fake.auth.add_user(COORDINATOR)
    fake.auth.grant_delegation(CLIENT_ID, [AUTH + "spreadsheets", AUTH + "drive"])
    itself = service_account.Credentials.from_service_account_info(
        key, scopes=[AUTH + "spreadsheets"]
    )
    delegated = service_account.Credentials.from_service_account_info(
        key, scopes=[AUTH + "drive"], subject=COORDINATOR
    )

    assert session(fake, itself).get(DRIVE).status_code == 403  # asked for Sheets only
    assert session(fake, delegated).get(DRIVE).status_code == 200

    callers = [(r.method_id, r.status, r.caller) for r in fake.requests]
    assert callers == [
        ("oauth2.token", 200, ""),
        ("drive.files.list", 403, ""),  # refused before it was served
        ("oauth2.token", 200, ""),
        ("drive.files.list", 200, COORDINATOR),
    ]


def test_a_refresh_gets_what_it_asks_for_of_what_the_person_allowed(fake):
    signed_in = fake.auth.sign_in_user(
        COORDINATOR, [AUTH + "spreadsheets", AUTH + "drive.file"], client_id=OAUTH_CLIENT
    )
    form = {
        "grant_type": "refresh_token",
        "refresh_token": signed_in["refresh_token"],
        "client_id": OAUTH_CLIENT,
        "client_secret": "not-a-secret",
        "scope": f"{AUTH}spreadsheets {AUTH}drive",
    }

    answer = requests.post(fake.token_uri, data=form, timeout=10).json()

    assert answer["scope"] == AUTH + "spreadsheets"  # drive was never allowed
    grant = fake.auth.issued(answer["access_token"])
    assert grant is not None and grant.principal == COORDINATOR
    assert grant.project == "123456789012"  # the OAuth client's project number


def test_a_batch_part_without_its_own_authorization_inherits_the_batch_requests(fake, key):
    credentials = service_account.Credentials.from_service_account_info(
        key, scopes=[AUTH + "calendar.events"]
    )
    signed_in = session(fake, credentials)
    part = "GET /drive/v3/files HTTP/1.1\r\n\r\n"
    body = f"--b\r\nContent-Type: application/http\r\nContent-ID: <1>\r\n\r\n{part}\r\n--b--\r\n"

    answer = signed_in.post(
        "https://www.googleapis.com/batch/drive/v3",
        data=body,
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )

    assert answer.status_code == 200
    assert "HTTP/1.1 403 Forbidden" in answer.text  # the part was signed in as the batch was
    assert "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in answer.text


# --- drive.file --------------------------------------------------------------------------------


@pytest.fixture
def person_made(fake) -> dict[str, str]:
    """A shared drive a person made, with a folder and a template in it, the service account
    a Manager of it."""
    drive_id = fake.drive.add_shared_drive("Tutoring program")
    folder = fake.drive.add_folder("Student folders", parents=[drive_id])
    template = fake.drive.add_file("Plan", "application/vnd.google-apps.document", [drive_id])
    return {"drive": drive_id, "folder": folder, "template": template}


ALL_DRIVES = {"supportsAllDrives": "true"}


def test_drive_file_reaches_none_of_what_a_person_made_and_says_not_found(fake, key, person_made):
    app = as_service_account(fake, key, AUTH + "drive.file")
    folder, template = person_made["folder"], person_made["template"]

    got = app.get(f"{DRIVE}/{folder}", params=ALL_DRIVES)
    created = app.post(
        DRIVE, params=ALL_DRIVES, json={"name": "Term", "mimeType": FOLDER, "parents": [folder]}
    )
    copied = app.post(f"{DRIVE}/{template}/copy", params=ALL_DRIVES, json={"parents": [folder]})
    shared = app.get(f"{DRIVE}/{folder}/permissions", params=ALL_DRIVES)
    listed = app.get(
        DRIVE, params={**ALL_DRIVES, "includeItemsFromAllDrives": "true", "corpora": "allDrives"}
    )

    for answer, file_id in ((got, folder), (created, folder), (copied, template), (shared, folder)):
        assert answer.status_code == 404
        error = error_of(answer)
        assert error["message"] == f"File not found: {file_id}."
        assert error["errors"][0]["reason"] == "notFound"
    assert listed.status_code == 200 and listed.json()["files"] == []
    # The full drive scope reaches all of it.
    everything = as_service_account(fake, key, AUTH + "drive")
    assert everything.get(f"{DRIVE}/{folder}", params=ALL_DRIVES).status_code == 200


def test_drive_file_reaches_what_its_app_made_and_what_a_person_picked_for_it(
    fake, key, person_made, tmp_path
):
    fake.drive.caller_is_service_account = False  # a person's My Drive can hold it
    app = as_service_account(fake, key, AUTH + "drive.file")
    made = app.post(DRIVE, json={"name": "Made by tutorsync", "mimeType": FOLDER}).json()["id"]
    folder = person_made["folder"]

    assert app.get(f"{DRIVE}/{made}").status_code == 200
    assert (
        app.post(
            f"{DRIVE}/{made}/permissions",
            json={"type": "user", "role": "reader", "emailAddress": "tutor@school.example"},
        ).status_code
        == 200
    )
    assert [f["id"] for f in app.get(DRIVE).json()["files"]] == [made]

    fake.drive.open_with_picker(folder, SERVICE_ACCOUNT, PROJECT)
    assert app.get(f"{DRIVE}/{folder}", params=ALL_DRIVES).status_code == 200

    # Drive grants it per account and app: another account of the same project sees neither.
    other_pem = new_private_key()
    other = write_service_account_key(fake, tmp_path / "other.json", other_pem)
    other_key = json.loads(other.read_text())
    other_key["client_email"] = f"other@{PROJECT}.iam.gserviceaccount.com"
    fake.auth.add_key(
        other_key["private_key_id"],
        client_email=other_key["client_email"],
        client_id="200000000000000000000",
        private_key_pem=other_pem,
    )
    stranger = as_service_account(fake, other_key, AUTH + "drive.file")
    assert stranger.get(f"{DRIVE}/{made}").status_code == 404
    assert stranger.get(f"{DRIVE}/{folder}", params=ALL_DRIVES).status_code == 404


def test_through_drive_file_sheets_reaches_only_spreadsheets_its_app_made(fake, key):
    someone_elses = fake.sheets.create("Gradebook", {"Grades": [["Student ID"]]})
    app = as_service_account(fake, key, AUTH + "drive.file")

    made = app.post(SHEETS, json={"properties": {"title": "Made"}}).json()["spreadsheetId"]

    assert app.get(f"{SHEETS}/{made}").status_code == 200
    refused = app.get(f"{SHEETS}/{someone_elses}")
    assert refused.status_code == 404
    assert error_of(refused)["message"] == "Requested entity was not found."
    sheets_scope = as_service_account(fake, key, AUTH + "spreadsheets")
    assert sheets_scope.get(f"{SHEETS}/{someone_elses}").status_code == 200


def test_a_request_without_credentials_is_the_tests_own_hand(fake, person_made):
    educator = fake.build("drive")  # AnonymousCredentials: no Authorization header

    found = educator.files().get(fileId=person_made["folder"], supportsAllDrives=True).execute()

    assert found["id"] == person_made["folder"]


# --- appProperties, per project ------------------------------------------------------------


def test_app_properties_are_seen_and_queried_only_through_the_project_that_wrote_them(fake, key):
    fake.drive.caller_is_service_account = False  # a person's My Drive can hold it
    app = as_service_account(fake, key, AUTH + "drive")
    body = {
        "name": "Ana",
        "mimeType": FOLDER,
        "appProperties": {"tag": "private"},
        "properties": {"tag": "public"},
    }
    made = app.post(DRIVE, json=body, params=ALL_DRIVES).json()["id"]
    signed_in = fake.auth.sign_in_user(COORDINATOR, [AUTH + "drive"], client_id=OAUTH_CLIENT)
    other_project = requests.Session()
    fake.mount(other_project)
    other_project.headers["Authorization"] = f"Bearer {signed_in['access_token']}"
    fields = {"fields": "id,appProperties,properties", **ALL_DRIVES}

    mine = app.get(f"{DRIVE}/{made}", params=fields).json()
    theirs = other_project.get(f"{DRIVE}/{made}", params=fields).json()
    private_query = {
        "q": "appProperties has { key='tag' and value='private' }",
        "fields": "files(id)",
    }
    public_query = {"q": "properties has { key='tag' and value='public' }", "fields": "files(id)"}

    assert mine["appProperties"] == {"tag": "private"}
    assert "appProperties" not in theirs  # Drive keeps them per app: none of its own here
    assert theirs["properties"] == mine["properties"] == {"tag": "public"}
    assert app.get(DRIVE, params=private_query).json()["files"] == [{"id": made}]
    assert other_project.get(DRIVE, params=private_query).json()["files"] == []
    assert other_project.get(DRIVE, params=public_query).json()["files"] == [{"id": made}]
    # Its own appProperties, written beside the first project's, change only its own.
    other_project.patch(f"{DRIVE}/{made}", json={"appProperties": {"tag": "theirs"}})
    assert app.get(f"{DRIVE}/{made}", params=fields).json()["appProperties"] == {"tag": "private"}
