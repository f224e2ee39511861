"""Each auth mode yields working credentials, through the production code, against the fake's
token endpoint."""

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import requests
from fake_google.server import GoogleHostsAdapter
from google.auth.transport import requests as google_requests

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
