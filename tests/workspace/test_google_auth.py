"""Each auth mode yields working credentials, through the production code, against the fake's
token endpoint."""

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import requests
from fake_google.programs import CLIENT_ID
from fake_google.server import GoogleHostsAdapter
from google.auth.exceptions import RefreshError
from google.auth.transport import requests as google_requests
from google.oauth2 import credentials as user_credentials

from jobs.errors import SignInError
from jobs.settings import parse
from jobs.workspace.google import auth
from jobs.workspace.google.auth import load_credentials
from jobs.workspace.google.scopes import SPREADSHEETS

SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def settings_for(tmp_path: Path, **google):
    config = {
        "program": {"name": "P"},
        "workspace": {"kind": "google", "google": google},
        "sources": {
            "roster": {"spreadsheet": SHEET, "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": SHEET, "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": SHEET},
    }
    return parse(config, config_dir=tmp_path)


def test_service_account_key_gives_credentials_for_the_scopes(tmp_path, google_key_file):
    credentials = load_credentials(
        settings_for(tmp_path, key_file=str(google_key_file)), [SPREADSHEETS]
    )
    assert credentials.service_account_email == "tutorsync@tutorsync-tests.iam.gserviceaccount.com"
    assert credentials.scopes == [SPREADSHEETS]


def test_delegation_acts_as_the_allowed_subject(tmp_path, google_key_file):
    settings = settings_for(
        tmp_path,
        auth="delegated",
        key_file=str(google_key_file),
        subject="coordinator@school.example",
        allowed_subjects=["Coordinator@school.example"],
    )
    assert load_credentials(settings, [SPREADSHEETS])._subject == "coordinator@school.example"


def test_application_default_credentials_follow_the_environment(
    tmp_path, google_key_file, monkeypatch
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(google_key_file))
    credentials = load_credentials(settings_for(tmp_path, auth="adc"), [SPREADSHEETS])
    assert credentials.service_account_email.startswith("tutorsync@")


def test_an_expired_coordinator_sign_in_is_refreshed_and_kept_private(
    tmp_path, fake_google, monkeypatch
):
    # google-auth always sends a user's refresh to oauth2.googleapis.com (it overrides the
    # token_uri of a stored token), so that one host is routed to the fake here.
    session = requests.Session()
    session.mount("https://oauth2.googleapis.com", GoogleHostsAdapter(fake_google.base_url))
    monkeypatch.setattr(auth, "Request", lambda: google_requests.Request(session=session))
    token_file = tmp_path / "home" / "token.json"
    token_file.parent.mkdir()
    token_file.write_text(
        json.dumps(
            {
                "token": "old",
                "refresh_token": "refresh-me",
                "token_uri": fake_google.token_uri,
                "client_id": "client",
                "client_secret": "not-a-secret",
                "scopes": [SPREADSHEETS],
                "expiry": (datetime.utcnow() - timedelta(hours=1)).isoformat() + "Z",
            }
        )
    )
    token_file.chmod(0o644)
    settings = settings_for(
        tmp_path, auth="oauth", client_secrets_file="client.json", token_file=str(token_file)
    )

    credentials = load_credentials(settings, [SPREADSHEETS])

    assert credentials.valid and credentials.token.startswith("fake-access-token")
    assert json.loads(token_file.read_text())["token"] == credentials.token
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600


def refused(code: str, description: str, **more: str) -> RefreshError:
    """A RefreshError as google-auth raises it from the token endpoint's JSON reply."""
    reply = {"error": code, "error_description": description, **more}
    return RefreshError(f"{code}: {description}", reply)


def test_a_revoked_coordinator_sign_in_says_to_sign_in_again():
    credentials = user_credentials.Credentials(
        "old", refresh_token="r", client_id="c", client_secret="s", token_uri="https://t"
    )

    error = auth.sign_in_error(
        refused("invalid_grant", "Token has been expired or revoked."), credentials
    )

    assert isinstance(error, SignInError) and error.exit_code == 1
    assert str(error).startswith(
        "Google refused the coordinator's sign-in (invalid_grant: Token has been expired or "
        "revoked.)"
    )
    assert "Run `tutorsync auth login` again" in str(error)


def test_a_refused_sign_in_quotes_only_googles_code_and_description(tmp_path, google_key_file):
    credentials = load_credentials(
        settings_for(tmp_path, key_file=str(google_key_file)), [SPREADSHEETS]
    )
    error = refused("invalid_grant", "Invalid JWT Signature.", assertion="eyJsecret.part.sig")

    message = str(auth.sign_in_error(error, credentials))

    assert "(invalid_grant: Invalid JWT Signature.)" in message
    assert "eyJ" not in message and "secret" not in message
    assert "or the delegated user" not in message  # no subject: only the key can be wrong


def test_a_clock_far_off_is_named_among_the_causes(tmp_path, google_key_file):
    credentials = load_credentials(
        settings_for(tmp_path, key_file=str(google_key_file)), [SPREADSHEETS]
    )
    skew = refused(
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
        "timeframe. Check your iat and exp values in the JWT claim.",
    )

    assert "or this computer's clock is wrong" in str(auth.sign_in_error(skew, credentials))


def test_the_delegated_service_accounts_client_id_is_read_from_its_key(tmp_path, google_key_file):
    delegated = settings_for(
        tmp_path,
        auth="delegated",
        key_file=str(google_key_file),
        subject="coordinator@school.example",
        allowed_subjects=["coordinator@school.example"],
    )
    assert auth.delegation_client_id(delegated) == CLIENT_ID
    plain = settings_for(tmp_path, key_file=str(google_key_file))
    assert auth.delegation_client_id(plain) is None  # only delegation names a client ID


def test_a_refused_adc_key_names_the_variable_that_points_at_it(
    tmp_path, google_key_file, monkeypatch
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(google_key_file))
    credentials = load_credentials(settings_for(tmp_path, auth="adc"), [SPREADSHEETS])

    message = str(
        auth.sign_in_error(refused("invalid_grant", "Invalid JWT Signature."), credentials)
    )

    assert "point GOOGLE_APPLICATION_CREDENTIALS at it" in message
    assert "key_file" not in message
