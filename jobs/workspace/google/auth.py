"""Credentials for each auth mode the config can choose; nothing else reads key files.

- service_account: a key file; the spreadsheets are shared with the service account.
- delegated: a key file acting as `subject` (domain-wide delegation), only for users the config
  allows: delegation itself lets a key act as anyone in the domain.
- adc: Application Default Credentials (Cloud Run, GKE, `gcloud auth application-default`).
- oauth: a coordinator's own account, signed in once with `tutorsync auth login`; the token is
  kept outside the repository, readable by its owner only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.auth import default as google_auth_default
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from jobs.errors import ConfigError, WorkspaceError
from jobs.settings import GoogleSettings, Settings


def load_credentials(settings: Settings, scopes: Sequence[str]) -> Credentials:
    """Credentials for the configured mode and these scopes. Raises ConfigError when a file
    is missing or unusable, saying which setting to fix."""
    return credentials_for(_google(settings), settings.config_dir, scopes)


def credentials_for(google: GoogleSettings, config_dir: Path, scopes: Sequence[str]) -> Credentials:
    """Credentials for [workspace.google] settings read from a file in `config_dir` (paths in
    them are relative to it), before a whole program config exists (`tutorsync init`)."""
    try:
        if google.auth in ("service_account", "delegated"):
            key_file = _config_path(config_dir, google.key_file)
            account = service_account.Credentials.from_service_account_file(
                str(key_file), scopes=list(scopes)
            )
            return account.with_subject(google.subject) if google.auth == "delegated" else account
        if google.auth == "adc":
            found, _project = google_auth_default(scopes=list(scopes))
            return found
        return _stored_user_credentials(config_dir, google, scopes)
    except FileNotFoundError as error:
        raise ConfigError(f"workspace.google: {error.filename} does not exist") from None
    except (ValueError, KeyError, json.JSONDecodeError) as error:
        raise ConfigError(
            f"workspace.google: the credentials file is not usable ({error})"
        ) from None
    except GoogleAuthError as error:
        raise ConfigError(f"workspace.google: {error}") from None


def login(settings: Settings, scopes: Sequence[str], *, open_browser: bool = True) -> Path:
    """Run the OAuth installed-app sign-in for a coordinator and keep the token (0600)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    google = _google(settings)
    if google.auth != "oauth":
        raise ConfigError("`tutorsync auth login` is for workspace.google.auth = 'oauth'")
    secrets = settings.config_path(google.client_secrets_file)
    if not secrets.is_file():
        raise ConfigError(f"workspace.google.client_secrets_file: {secrets} does not exist")
    flow = InstalledAppFlow.from_client_secrets_file(str(secrets), scopes=list(scopes))
    signed_in = flow.run_local_server(port=0, open_browser=open_browser)
    token_file = settings.config_path(google.token_file)
    save_token(token_file, signed_in.to_json())
    return token_file


def save_token(path: Path, token_json: str) -> None:
    """Write the token readable by its owner only, atomically, in a folder only they can open."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token_json)
    os.chmod(temporary, 0o600)  # in case the file existed with wider permissions
    os.replace(temporary, path)


def _stored_user_credentials(
    config_dir: Path, google: GoogleSettings, scopes: Sequence[str]
) -> Credentials:
    token_file = _config_path(config_dir, google.token_file)
    if not token_file.is_file():
        raise ConfigError(
            f"No sign-in token at {token_file}. Run `tutorsync auth login` once as the "
            "coordinator whose account tutorsync should use."
        )
    if token_file.stat().st_mode & 0o077:
        os.chmod(token_file, 0o600)  # a token is a password: keep it to its owner
    stored: Any = user_credentials.Credentials.from_authorized_user_file(
        str(token_file), scopes=list(scopes)
    )
    if not stored.valid and stored.refresh_token:
        try:
            stored.refresh(Request())
        except RefreshError as error:
            raise ConfigError(
                f"The sign-in at {token_file} no longer works ({error}); run "
                "`tutorsync auth login` again."
            ) from None
        save_token(token_file, stored.to_json())
    return stored


def _config_path(config_dir: Path, value: str) -> Path:
    """As Settings.config_path: ~ expanded, relative to the config file's folder."""
    return (config_dir / Path(value).expanduser()).resolve()


def _google(settings: Settings) -> GoogleSettings:
    google = settings.workspace.google
    if settings.workspace.kind != "google" or google is None:
        raise WorkspaceError("this config does not use Google (workspace.kind is not 'google')")
    return google
