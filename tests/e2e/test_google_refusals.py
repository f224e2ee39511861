"""Refusals that last, on the fake Google server through the real client libraries: a sign-in
Google refuses, a service account with no Drive storage, a calendar Google made read-only for
hours. Each stops what it must with one plain message naming the fix, no traceback, and no
request sent again."""

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fake_google import FakeGoogle
from fake_google.errors import calendar_usage_limits_exceeded, storage_quota_exceeded
from fake_google.programs import (
    CLIENT_ID,
    GOOGLE_UNIVERSE,
    PROGRAM_CALENDAR,
    SERVICE_ACCOUNT,
    upload_program,
    workspace_settings,
    write_service_account_key,
)

from jobs.cli import cli
from jobs.workspace.google.scopes import every_scope

TODAY = date(2026, 11, 23)  # the demo template is generated for this day (conftest.py)
COORDINATOR = "coordinator@school.example"


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), *args]
    )


def assert_plain_failure(result: Result, private_key: str) -> str:
    """Exit status 1, an `Error:` line or failed job, no traceback, no secret: the output."""
    assert result.exit_code == 1, result.output + repr(result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "BEGIN PRIVATE KEY" not in result.output and "fake-access-token" not in result.output
    assert private_key.splitlines()[1] not in result.output
    return " ".join(result.output.split())  # as one line, whatever the terminal's wrapping


@pytest.fixture
def key_file(tmp_path, fake_google: FakeGoogle, private_key_pem: str) -> Path:
    """A key in Google's own universe: google-auth signs in at the (fake) token endpoint on
    the first request, as it does in production."""
    return write_service_account_key(
        fake_google, tmp_path / "key.json", private_key_pem, universe_domain=GOOGLE_UNIVERSE
    )


def delegated_demo(demo: Path, fake_google: FakeGoogle, key_file: Path) -> Path:
    workspace = workspace_settings(fake_google, key_file)
    workspace["google"] |= {
        "auth": "delegated",
        "subject": COORDINATOR,
        "allowed_subjects": [COORDINATOR],
    }
    return upload_program(fake_google, demo, workspace)


def test_a_deleted_key_stops_the_run_with_the_fix_before_any_other_request(
    demo, fake_google, key_file, private_key_pem
):
    config = upload_program(fake_google, demo, workspace_settings(fake_google, key_file))
    fake_google.auth.delete_key(json.loads(key_file.read_text())["private_key_id"])

    output = assert_plain_failure(run(config), private_key_pem)

    assert (
        f"Error: Google refused to sign in as {SERVICE_ACCOUNT} (invalid_grant: Invalid JWT "
        "Signature.): the service account key was deleted or is wrong. To fix it, make a new "
        f"JSON key for {SERVICE_ACCOUNT}" in output
    )
    assert "workspace.google.key_file" in output
    # One refused sign-in, never tried again, and nothing else asked of Google.
    assert [(r.method_id, r.status) for r in fake_google.requests] == [("oauth2.token", 400)]


def test_an_unknown_delegated_user_is_named_with_the_setting_to_check(
    demo, fake_google, key_file, private_key_pem
):
    config = delegated_demo(demo, fake_google, key_file)
    fake_google.auth.grant_delegation(CLIENT_ID, every_scope())  # but no such user

    output = assert_plain_failure(run(config), private_key_pem)

    assert "(invalid_grant: Invalid email or User ID)" in output
    assert "or the delegated user does not exist" in output
    assert f"check that workspace.google.subject ({COORDINATOR}) is a user of the domain" in output
    assert fake_google.counts() == {"oauth2.token": 1}


def test_delegation_not_granted_names_the_client_id_and_scopes_and_granting_them_works(
    demo, fake_google, key_file, private_key_pem
):
    config = delegated_demo(demo, fake_google, key_file)
    fake_google.auth.add_user(COORDINATOR)

    output = assert_plain_failure(run(config), private_key_pem)

    assert f"Google refused to sign in as {COORDINATOR} through {SERVICE_ACCOUNT}" in output
    assert "(unauthorized_client: Client is unauthorized to retrieve access tokens" in output
    assert "domain-wide delegation is not granted for this client ID and these scopes" in output
    assert "Security › Access and data control › API controls › Domain-wide delegation" in output
    assert f"add client ID {CLIENT_ID} with the scopes {','.join(every_scope())}" in output
    assert fake_google.counts() == {"oauth2.token": 1}

    # Granting what the message names is enough.
    fake_google.auth.grant_delegation(CLIENT_ID, every_scope())
    fixed = run(config)
    assert fixed.exit_code == 0, fixed.output


def test_a_service_account_without_drive_storage_fails_the_folders_job_once_with_the_fix(
    demo, fake_google, google_workspace_settings, private_key_pem
):
    config = upload_program(fake_google, demo, google_workspace_settings)
    # What Drive answers a service account making a file it would own outside a shared drive.
    fake_google.faults.refuse(storage_quota_exceeded(), method="drive.files.create", rate=1)

    result = run(config, "--json")
    assert_plain_failure(result, private_key_pem)

    jobs = {job["job"]: job for job in json.loads(result.stdout)["jobs"]}
    [failure] = jobs["folders"]["failures"]
    assert (
        f"Google Drive refused to store a file that {SERVICE_ACCOUNT} would own (403 "
        "storageQuotaExceeded" in failure
    )
    assert "Use a folder in a shared drive that the service account is a member of" in failure
    assert 'domain-wide delegation (auth = "delegated")' in failure
    assert "busy or over quota" not in failure
    assert jobs["progress"]["ok"]  # the other jobs go on
    # No create was sent twice: one batch of them, refused, and no round after it.
    creates = [r for r in fake_google.requests if r.method_id == "drive.files.create"]
    assert creates and all(r.status == 403 for r in creates)
    assert len({json.dumps(r.body, sort_keys=True) for r in creates}) == len(creates)
    assert fake_google.faults.injected == {"403 storageQuotaExceeded": len(creates)}


def test_calendar_usage_limits_fail_the_checkins_once_and_say_to_run_later_in_the_day(
    demo, fake_google, google_workspace_settings, private_key_pem
):
    config = upload_program(fake_google, demo, google_workspace_settings)
    # Google keeps the calendar read-only for the account: every change is refused, for hours.
    for method in ("calendar.events.insert", "calendar.events.patch"):
        fake_google.faults.refuse(calendar_usage_limits_exceeded(), method=method, rate=1)

    result = run(config, "--json")
    assert_plain_failure(result, private_key_pem)

    jobs = {job["job"]: job for job in json.loads(result.stdout)["jobs"]}
    [failure] = jobs["checkins"]["failures"]
    assert (
        f"Google has limited changes to calendar {PROGRAM_CALENDAR} by {SERVICE_ACCOUNT} for "
        "some hours (403 quotaExceeded: Calendar usage limits exceeded.)" in failure
    )
    assert "Run again later in the day" in failure
    assert jobs["progress"]["ok"]  # the progress tabs still go out
    # One batch of changes, refused, and none sent again.
    counts = fake_google.counts()
    assert counts["calendar.batch"] == 1
    inserts = [r for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert inserts and all(r.status == 403 for r in inserts)
    assert len({r.body["id"] for r in inserts}) == len(inserts)


def test_doctor_reports_a_refused_sign_in_as_its_credentials_check_once(
    demo, fake_google, key_file, private_key_pem
):
    config = upload_program(fake_google, demo, workspace_settings(fake_google, key_file))
    fake_google.auth.delete_key(json.loads(key_file.read_text())["private_key_id"])

    result = CliRunner().invoke(cli, ["doctor", "--config", str(config)])

    output = assert_plain_failure(result, private_key_pem)
    assert "FIX credentials: Google refused to sign in as" in output
    assert "the service account key was deleted or is wrong" in output
    assert output.count("Google refused to sign in") == 1  # not once per spreadsheet
    assert "1 passed, 1 to fix" in output
    assert fake_google.counts() == {"oauth2.token": 1}
