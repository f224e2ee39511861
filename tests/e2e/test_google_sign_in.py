"""`tutorsync run` on the demo program on the fake Google, signed in each way the README
documents, the fake checking every request's token for the scopes its method lists (and a
drive.file token for files its app made); then each way a sign-in can lack a scope, and the
message that names the fix."""

import json
from datetime import date
from pathlib import Path

import google.oauth2.credentials
import pytest
from click.testing import CliRunner, Result
from fake_google.programs import (
    CLIENT_ID,
    GOOGLE_UNIVERSE,
    SERVICE_ACCOUNT,
    upload_program,
    workspace_settings,
    write_service_account_key,
)
from fake_google.sign_in import (
    COORDINATOR,
    MODES,
    OAUTH_CLIENT,
    adc_workspace,
    oauth_workspace,
    sign_in,
    write_token,
)

from jobs.cli import cli
from jobs.run import jobs_of
from jobs.settings import load
from jobs.workspace.google.scopes import (
    CALENDAR_EVENTS,
    CALENDAR_EVENTS_FREEBUSY,
    DRIVE,
    DRIVE_FILE,
    SPREADSHEETS,
    every_scope,
    scopes_for,
)

TODAY = date(2026, 11, 23)  # the demo template is generated for this day (conftest.py)
# What an earlier tutorsync asked for: drive.file, and no free/busy scope.
EARLIER_SCOPES = (CALENDAR_EVENTS, DRIVE_FILE, SPREADSHEETS)


def tutorsync(command: str, config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [command, "--config", str(config), "--as-of", TODAY.isoformat(), *args]
    )


def jobs_of_run(result: Result) -> dict[str, dict]:
    return {job["job"]: job for job in json.loads(result.stdout)["jobs"]}


def one_line(text: str) -> str:
    return " ".join(text.split())


def login_scopes(demo: Path) -> tuple[str, ...]:
    """What `tutorsync auth login` asks for: every job of the program, and doctor's."""
    return scopes_for([*jobs_of(load(demo / "tutorsync.toml")), "doctor"])


@pytest.fixture
def signed_in(request, demo, fake_google, tmp_path, private_key_pem, monkeypatch) -> Path:
    """The demo program on the fake, its config signed in the way `request.param` names."""
    way = sign_in(fake_google, request.param, tmp_path, private_key_pem, login_scopes(demo))
    for name, value in way.environment.items():
        monkeypatch.setenv(name, value)
    return upload_program(fake_google, demo, way.workspace)


@pytest.mark.parametrize("signed_in", MODES, indirect=True)
def test_the_demo_runs_on_google_signed_in_each_documented_way(signed_in, fake_google, request):
    result = tutorsync("run", signed_in, "--json")

    assert result.exit_code == 0, result.output + repr(result.exception)
    jobs = jobs_of_run(result)
    assert set(jobs) == {"folders", "checkins", "progress"}
    assert all(job["ok"] for job in jobs.values()), jobs
    refused = [(r.method_id, r.status) for r in fake_google.requests if r.status in (401, 403)]
    assert refused == []
    # Every call (batch parts each on their own) signed in as the account of the mode.
    acting = {r.caller for r in fake_google.requests if r.method_id.count(".") > 1}
    mode = request.node.callspec.params["signed_in"]
    assert acting == {COORDINATOR if mode in ("delegated", "oauth") else SERVICE_ACCOUNT}
    # A second run writes nothing, signed in the same way.
    assert tutorsync("run", signed_in).exit_code == 0


@pytest.mark.parametrize("signed_in", MODES, indirect=True)
def test_validate_looks_at_the_folders_and_the_calendar_with_their_scopes(signed_in, fake_google):
    result = tutorsync("validate", signed_in)

    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "could not be read" not in result.output
    assert [r for r in fake_google.requests if r.status in (401, 403)] == []


# --- A sign-in that lacks a scope ---------------------------------------------------------------


def test_a_coordinator_signed_in_by_an_earlier_tutorsync_is_asked_to_sign_in_again(
    demo, fake_google, tmp_path
):
    token = write_token(fake_google, tmp_path / "token.json", EARLIER_SCOPES)
    config = upload_program(fake_google, demo, oauth_workspace(fake_google, tmp_path, token))

    result = tutorsync("run", config)

    assert result.exit_code == 1, result.output
    assert one_line(result.output) == one_line(
        f"Error: The sign-in at {token} does not allow {CALENDAR_EVENTS_FREEBUSY}, {DRIVE}, "
        "which this command needs (it was made for fewer scopes, by an earlier tutorsync or "
        "before a job was configured). Run `tutorsync auth login` again: it asks for every "
        "scope the config's jobs need"
    )
    assert fake_google.requests == []  # nothing asked of Google with a sign-in that falls short


def test_a_delegation_granted_for_an_earlier_tutorsync_names_every_scope_to_grant(
    demo, fake_google, tmp_path, private_key_pem
):
    key = write_service_account_key(
        fake_google, tmp_path / "sa.json", private_key_pem, universe_domain=GOOGLE_UNIVERSE
    )
    fake_google.auth.add_user(COORDINATOR)
    fake_google.auth.grant_delegation(CLIENT_ID, EARLIER_SCOPES)
    workspace = workspace_settings(fake_google, key)
    workspace["google"] |= {
        "auth": "delegated",
        "subject": COORDINATOR,
        "allowed_subjects": [COORDINATOR],
    }
    config = upload_program(fake_google, demo, workspace)

    result = tutorsync("run", config)

    assert result.exit_code == 1
    output = one_line(result.output)
    assert "domain-wide delegation is not granted for this client ID and these scopes" in output
    assert f"add client ID {CLIENT_ID} with the scopes {','.join(every_scope())}" in output
    fake_google.auth.grant_delegation(CLIENT_ID, every_scope())
    assert tutorsync("run", config).exit_code == 0


@pytest.fixture
def adc_user(demo, fake_google, tmp_path, monkeypatch):
    """Application Default Credentials of a person (`gcloud auth application-default login`):
    a refresh token, renewed at the fake's token endpoint, for what they allowed."""
    # google-auth sends a user's refresh to Google's token endpoint whatever the file says.
    monkeypatch.setattr(
        google.oauth2.credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", fake_google.token_uri
    )

    def signed_in_for(scopes: tuple[str, ...]) -> Path:
        granted = fake_google.auth.sign_in_user(COORDINATOR, scopes, client_id=OAUTH_CLIENT)
        adc = tmp_path / "application_default_credentials.json"
        adc.write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": OAUTH_CLIENT,
                    "client_secret": "not-a-secret",
                    "refresh_token": granted["refresh_token"],
                }
            ),
            encoding="utf-8",
        )
        adc.chmod(0o600)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
        return upload_program(fake_google, demo, adc_workspace(fake_google))

    return signed_in_for


def test_a_sign_in_without_the_sheets_scope_stops_the_run_naming_it(adc_user, fake_google):
    # What `gcloud auth application-default login` grants by default: Google Cloud scopes.
    config = adc_user(("https://www.googleapis.com/auth/cloud-platform",))

    result = tutorsync("run", config)

    assert result.exit_code == 1
    output = one_line(result.output)
    assert output.startswith(
        f"Error: the sign-in tutorsync uses does not carry the scope {SPREADSHEETS} (403: "
        "Request had insufficient authentication scopes.)."
    )
    assert "`gcloud auth application-default login --client-id-file=" in output
    assert "Traceback" not in result.output
    # The reads of the sources were refused, and nothing else was asked.
    asked = {(r.method_id, r.status) for r in fake_google.requests}
    assert asked <= {
        ("oauth2.token", 200),
        ("sheets.spreadsheets.get", 403),
        ("sheets.spreadsheets.values.batchGet", 403),
    }


def test_a_sign_in_without_the_free_busy_scope_fails_the_check_ins_naming_it(adc_user, fake_google):
    config = adc_user((SPREADSHEETS, DRIVE, CALENDAR_EVENTS))  # allowed before free/busy

    result = tutorsync("run", config, "--json")

    assert result.exit_code == 1
    jobs = jobs_of_run(result)
    assert jobs["folders"]["ok"] and jobs["progress"]["ok"]
    [failure] = jobs["checkins"]["failures"]
    assert f"does not carry the scope {CALENDAR_EVENTS_FREEBUSY} (403: Request had " in (
        one_line(failure)
    )
    refused = {r.method_id for r in fake_google.requests if r.status == 403}
    assert refused == {"calendar.freebusy.query"}


def test_a_sign_in_limited_to_drive_file_is_told_why_the_root_is_not_found_and_the_fix(
    adc_user, fake_google
):
    # A person who allowed drive.file, as an earlier tutorsync asked: the token sees only
    # files tutorsync made, and a person made the root, so Drive answers 404 for it.
    config = adc_user((SPREADSHEETS, DRIVE_FILE, CALENDAR_EVENTS, CALENDAR_EVENTS_FREEBUSY))

    result = tutorsync("run", config, "--json")

    assert result.exit_code == 1
    [failure] = jobs_of_run(result)["folders"]["failures"]
    failure = one_line(failure)
    assert "If it is shared already, the sign-in may allow Google Drive only for files " in (
        failure
    )
    assert "tutorsync made itself (the drive.file scope); then run `gcloud auth " in failure
    assert (
        f"--scopes=https://www.googleapis.com/auth/cloud-platform,{','.join(every_scope())}`"
        in (failure)
    )
    # The root's and the template's, read in one batch, neither sent again.
    assert [r.status for r in fake_google.requests if r.method_id == "drive.files.get"] == [
        404,
        404,
    ]


# --- Another Cloud project ----------------------------------------------------------------------


def signed_in_instead(config: Path, workspace: dict) -> None:
    """`config` signed in the way `workspace` says, everything else as it was."""
    text = config.read_text(encoding="utf-8")
    start = text.index("[workspace.google]\n")
    end = text.index("[workspace.google.quotas]")
    google = {k: v for k, v in workspace["google"].items() if k != "quotas"}
    section = "[workspace.google]\n" + "".join(
        f"{k} = {json.dumps(v)}\n" for k, v in google.items()
    )
    config.write_text(text[:start] + section + text[end:], encoding="utf-8")


def test_a_sign_in_through_another_cloud_project_finds_everything_the_first_made(
    demo, fake_google, tmp_path, private_key_pem
):
    """Drive keeps appProperties per Cloud project: a program that moves from a service
    account to a coordinator's own OAuth client (another project) must still find its
    folders and template copies by their tags, and make none again."""
    key = write_service_account_key(fake_google, tmp_path / "sa.json", private_key_pem)
    config = upload_program(fake_google, demo, workspace_settings(fake_google, key))
    assert tutorsync("run", config).exit_code == 0
    before = {f["id"] for f in fake_google.drive.files()}
    token = write_token(fake_google, tmp_path / "token.json", login_scopes(demo))
    signed_in_instead(config, oauth_workspace(fake_google, tmp_path, token))

    result = tutorsync("run", config, "--json")

    assert result.exit_code == 0, result.output + repr(result.exception)
    folders = jobs_of_run(result)["folders"]
    assert folders["ok"] and folders["changes"] == 0, folders
    assert {f["id"] for f in fake_google.drive.files()} == before


def test_folders_an_earlier_version_tagged_privately_are_retagged_once_then_found_by_any_project(
    demo, fake_google, tmp_path, private_key_pem
):
    key = write_service_account_key(fake_google, tmp_path / "sa.json", private_key_pem)
    config = upload_program(fake_google, demo, workspace_settings(fake_google, key))
    assert tutorsync("run", config).exit_code == 0
    # As an earlier tutorsync left them: every tag in the service account's appProperties.
    by_hand = fake_google.build("drive").files()  # the tests' hand acts through its project
    tagged = [
        f for f in fake_google.drive.files() if "tutorsync-program" in f.get("properties", {})
    ]
    for file in tagged:
        tags = {k: v for k, v in file["properties"].items() if k.startswith("tutorsync-")}
        body = {"properties": dict.fromkeys(tags), "appProperties": tags}
        by_hand.update(fileId=file["id"], body=body, supportsAllDrives=True).execute()
    folders = [f for f in tagged if f["mimeType"] == "application/vnd.google-apps.folder"]
    before = {f["id"] for f in fake_google.drive.files()}

    retagged = jobs_of_run(tutorsync("run", config, "--json"))["folders"]
    again = jobs_of_run(tutorsync("run", config, "--json"))["folders"]
    token = write_token(fake_google, tmp_path / "token.json", login_scopes(demo))
    signed_in_instead(config, oauth_workspace(fake_google, tmp_path, token))
    elsewhere = jobs_of_run(tutorsync("run", config, "--json"))["folders"]

    assert retagged["ok"] and retagged["changes"] == len(folders), retagged
    assert again["changes"] == 0 and elsewhere["changes"] == 0, (again, elsewhere)
    assert {f["id"] for f in fake_google.drive.files()} == before
    for file in fake_google.drive.files():
        assert not any(k.startswith("tutorsync-") for k in file.get("appProperties", {})), file
