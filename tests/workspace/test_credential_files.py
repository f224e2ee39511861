"""Credentials files: a warning when other users can open one, and no error or log line, even
at -vv, that shows what a key or token holds."""

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.errors import ConfigError
from jobs.settings import parse
from jobs.workspace.google.auth import load_credentials
from jobs.workspace.google.scopes import SPREADSHEETS

SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
AUTH_LOGGER = "jobs.workspace.google.auth"


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


def key_json(private_key: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "tutorsync-tests",
            "private_key_id": "test-key",
            "private_key": private_key,
            "client_email": "tutorsync@tutorsync-tests.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.example/token",
            "universe_domain": "tutorsync-tests.example",
        }
    )


def secret_parts(private_key: str) -> list[str]:
    """Lines of the key's body: none may appear anywhere tutorsync writes."""
    return [line for line in private_key.splitlines() if line and "PRIVATE KEY" not in line]


def key_file(tmp_path: Path, content: str, mode: int) -> Path:
    path = tmp_path / "service-account.json"
    path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


def load_key(tmp_path: Path, path: Path):
    return load_credentials(settings_for(tmp_path, key_file=str(path)), [SPREADSHEETS])


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_others_can_read_is_used_with_a_warning_and_the_fix(
    tmp_path, private_key_pem, caplog, mode
):
    path = key_file(tmp_path, key_json(private_key_pem), mode)
    with caplog.at_level(logging.DEBUG, logger=AUTH_LOGGER):
        assert load_key(tmp_path, path).service_account_email.startswith("tutorsync@")
    [warning] = warnings(caplog)
    assert str(path) in warning and f"chmod 600 {path}" in warning
    assert f"mode {mode:04o}" in warning
    assert not any(part in caplog.text for part in secret_parts(private_key_pem))
    assert stat.S_IMODE(os.stat(path).st_mode) == mode  # the coordinator's file: only advised


def test_a_key_file_only_its_owner_can_read_gives_no_warning(tmp_path, private_key_pem, caplog):
    path = key_file(tmp_path, key_json(private_key_pem), 0o600)
    with caplog.at_level(logging.DEBUG, logger=AUTH_LOGGER):
        load_key(tmp_path, path)
    assert warnings(caplog) == []


@pytest.mark.parametrize(
    ("corrupt", "says"),
    [
        pytest.param(
            lambda key: key_json(key)[:900],
            "is not a JSON credentials file (line 1, column",
            id="cut short",
        ),
        pytest.param(
            lambda key: key_json(key.replace("\n", "\n!", 5)),
            "the private key in {path} cannot be read",
            id="damaged key",
        ),
        pytest.param(
            lambda key: key_json(key).replace('"client_email"', '"email"'),
            "is not a complete service account key (Service account info was not in the expected "
            "format, missing fields client_email.)",
            id="missing field",
        ),
        pytest.param(lambda key: json.dumps([key]), "is not a JSON credentials file", id="a list"),
        pytest.param(lambda key: "\xff" + key, "is not a JSON credentials file", id="not text"),
    ],
)
def test_a_corrupt_key_file_is_a_config_error_naming_only_the_file(
    tmp_path, private_key_pem, caplog, corrupt, says
):
    path = key_file(tmp_path, corrupt(private_key_pem), 0o600)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as error:
        load_key(tmp_path, path)
    message = str(error.value)
    assert message.startswith(f"workspace.google.key_file: {path}") or str(path) in message
    assert says.format(path=path) in message
    for part in secret_parts(private_key_pem):
        assert part not in message and part not in caplog.text
    # No parser error rides along, to be shown in a -vv traceback.
    assert error.value.__context__ is None or error.value.__suppress_context__


def test_a_missing_key_file_names_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"key_file: .*nowhere\.json does not exist"):
        load_key(tmp_path, tmp_path / "nowhere.json")


def test_a_sign_in_token_others_can_read_is_made_private_with_a_warning(tmp_path, caplog):
    token = tmp_path / "token.json"
    token.write_text(
        json.dumps(
            {
                "token": "ya29.secret-access-token",
                "refresh_token": "1//secret-refresh-token",
                "client_id": "client",
                "client_secret": "client-secret-value",
                "token_uri": "https://oauth2.example/token",
                "scopes": [SPREADSHEETS],
                "expiry": "2999-01-01T00:00:00Z",
            }
        )
    )
    token.chmod(0o644)
    settings = settings_for(
        tmp_path, auth="oauth", client_secrets_file="client.json", token_file=str(token)
    )
    with caplog.at_level(logging.DEBUG, logger=AUTH_LOGGER):
        assert load_credentials(settings, [SPREADSHEETS]).valid
    [warning] = warnings(caplog)
    assert str(token) in warning and f"chmod 600 {token}" in warning
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    assert "secret" not in caplog.text


def test_a_corrupt_sign_in_token_names_only_the_file(tmp_path):
    token = tmp_path / "token.json"
    token.write_text('{"refresh_token": "1//secret-refresh-token", "client_id": "c"}')
    token.chmod(0o600)
    settings = settings_for(
        tmp_path, auth="oauth", client_secrets_file="client.json", token_file=str(token)
    )
    with pytest.raises(ConfigError) as error:
        load_credentials(settings, [SPREADSHEETS])
    assert str(error.value) == (
        f"workspace.google.token_file: {token} is not a usable sign-in token; run "
        "`tutorsync auth login` again"
    )


def test_a_corrupt_application_default_credentials_file_is_named_not_shown(
    tmp_path, private_key_pem, monkeypatch
):
    path = key_file(tmp_path, key_json(private_key_pem)[:900], 0o600)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with pytest.raises(ConfigError) as error:
        load_credentials(settings_for(tmp_path, auth="adc"), [SPREADSHEETS])
    assert str(path) in str(error.value)
    assert not any(part in str(error.value) for part in secret_parts(private_key_pem))


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o400, False)])
def test_the_application_default_credentials_file_is_checked_like_a_key_file(
    tmp_path, private_key_pem, monkeypatch, caplog, mode, warned
):
    path = key_file(tmp_path, key_json(private_key_pem), mode)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with caplog.at_level(logging.DEBUG, logger=AUTH_LOGGER):
        found = load_credentials(settings_for(tmp_path, auth="adc"), [SPREADSHEETS])
    assert found.service_account_email.startswith("tutorsync@")
    if warned:
        [warning] = warnings(caplog)
        assert str(path) in warning and f"mode {mode:04o}" in warning
    else:
        assert warnings(caplog) == []
    assert not any(part in caplog.text for part in secret_parts(private_key_pem))


def test_no_key_material_reaches_the_terminal_even_at_debug(
    tmp_path, private_key_pem, monkeypatch, caplog
):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # the run's lock file
    path = key_file(tmp_path, key_json(private_key_pem.replace("\n", "\n!", 5)), 0o644)
    config = tmp_path / "tutorsync.toml"
    config.write_text(
        f"""
[program]
name = "P"
[workspace]
kind = "google"
[workspace.google]
key_file = "{path.name}"
[sources.roster]
spreadsheet = "{SHEET}"
tab = "Roster"
[[sources.tutor_logs]]
spreadsheet = "{SHEET}"
tabs = ["Log"]
[outputs]
coordinator_spreadsheet = "{SHEET}"
"""
    )
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "-vv"])
    assert result.exit_code == 2
    assert f"the private key in {path} cannot be read" in result.stderr
    shown = result.output + result.stderr + caplog.text
    assert f"chmod 600 {path}" in caplog.text
    assert not any(part in shown for part in secret_parts(private_key_pem))
