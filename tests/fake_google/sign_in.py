"""A program's [workspace] section on the fake, signed in each way the README documents.

The README's Google set-up offers four sign-ins; each is set up here as its step says, so the
tests and `python -m fake_google.demo` run tutorsync through the same production auth path:
- service_account: a key file (of the tests' universe: google-auth signs its own JWTs);
- delegated: a key of Google's universe, a user, and the client ID's delegation granted for
  every scope, as a Workspace admin grants it (the token endpoint checks all three);
- adc: GOOGLE_APPLICATION_CREDENTIALS naming a service account key (`environment` says so);
- oauth: a Desktop-app client and the token file `tutorsync auth login` leaves, the
  coordinator having allowed `scopes`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .programs import CLIENT_ID, GOOGLE_UNIVERSE, workspace_settings, write_service_account_key
from .server import FakeGoogle

MODES = ("service_account", "delegated", "adc", "oauth")
COORDINATOR = "coordinator@school.example"
# A Desktop-app OAuth client: its project (the number first) is not the service account's.
OAUTH_CLIENT = "123456789012-tutorsync.apps.googleusercontent.com"


@dataclass
class SignIn:
    workspace: dict[str, Any]  # the config's [workspace] section
    environment: dict[str, str] = field(default_factory=dict)  # variables the run needs


def write_token(fake: FakeGoogle, path: Path, scopes: Sequence[str]) -> Path:
    """The token file `tutorsync auth login` leaves after the coordinator allowed `scopes`."""
    signed_in = fake.auth.sign_in_user(COORDINATOR, tuple(scopes), client_id=OAUTH_CLIENT)
    token = {
        "token": signed_in["access_token"],
        "refresh_token": signed_in["refresh_token"],
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": OAUTH_CLIENT,
        "client_secret": "not-a-secret",
        "scopes": list(scopes),
        "expiry": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    path.write_text(json.dumps(token), encoding="utf-8")
    path.chmod(0o600)
    return path


def oauth_workspace(fake: FakeGoogle, folder: Path, token: Path) -> dict[str, Any]:
    """Signed in as the coordinator whose token file is `token`."""
    client = folder / "client.json"
    client.write_text(json.dumps({"installed": {"client_id": OAUTH_CLIENT}}), encoding="utf-8")
    workspace = workspace_settings(fake, folder / "unused.json")
    google = workspace["google"]
    del google["key_file"]
    google |= {"auth": "oauth", "client_secrets_file": str(client), "token_file": str(token)}
    return workspace


def adc_workspace(fake: FakeGoogle) -> dict[str, Any]:
    """Signed in with Application Default Credentials."""
    workspace = workspace_settings(fake, Path("unused.json"))
    del workspace["google"]["key_file"]
    workspace["google"]["auth"] = "adc"
    return workspace


def sign_in(
    fake: FakeGoogle, mode: str, folder: Path, private_key_pem: str, scopes: Sequence[str]
) -> SignIn:
    """The [workspace] section for `mode` (one of MODES), its files written into `folder`.
    `scopes` are what the coordinator allowed (oauth only; the other modes ask per command)."""
    key = folder / "service-account.json"
    if mode == "service_account":
        write_service_account_key(fake, key, private_key_pem)
        return SignIn(workspace_settings(fake, key))
    if mode == "delegated":
        write_service_account_key(fake, key, private_key_pem, universe_domain=GOOGLE_UNIVERSE)
        fake.auth.add_user(COORDINATOR)
        from jobs.workspace.google.scopes import every_scope

        fake.auth.grant_delegation(CLIENT_ID, every_scope())
        workspace = workspace_settings(fake, key)
        workspace["google"] |= {
            "auth": "delegated",
            "subject": COORDINATOR,
            "allowed_subjects": [COORDINATOR],
        }
        return SignIn(workspace)
    if mode == "adc":
        write_service_account_key(fake, key, private_key_pem)
        return SignIn(adc_workspace(fake), {"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
    if mode == "oauth":
        token = write_token(fake, folder / "token.json", scopes)
        return SignIn(oauth_workspace(fake, folder, token))
    raise ValueError(f"no sign-in {mode!r}: one of {', '.join(MODES)}")
