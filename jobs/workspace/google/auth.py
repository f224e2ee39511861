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
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.auth import default as google_auth_default
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, MalformedError, RefreshError, TransportError
from google.auth.transport.requests import Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from jobs.errors import ConfigError, SignInError
from jobs.settings import GoogleSettings, Settings, config_relative
from jobs.workspace.google.scopes import DRIVE, DRIVE_FILE, every_scope, not_covered

log = logging.getLogger(__name__)


def load_credentials(settings: Settings, scopes: Sequence[str]) -> Credentials:
    """Credentials for the configured mode and these scopes. Raises ConfigError when a file
    is missing or unusable, saying which setting to fix."""
    return credentials_for(_google(settings), settings.config_dir, scopes)


def credentials_for(google: GoogleSettings, config_dir: Path, scopes: Sequence[str]) -> Credentials:
    """Credentials for [workspace.google] settings read from a file in `config_dir` (paths in
    them are relative to it), before a whole program config exists (`tutorsync init`).

    No error or log line carries what a credentials file holds: a key or token parser's
    complaint can quote it, so errors name only the file and what to do."""
    try:
        if google.auth in ("service_account", "delegated"):
            key_file = config_relative(config_dir, google.key_file)
            account = _service_account(key_file, scopes)
            return account.with_subject(google.subject) if google.auth == "delegated" else account
        if google.auth == "adc":
            _check_adc_file()
            found, _project = google_auth_default(scopes=list(scopes))
            return found
        return _stored_user_credentials(config_dir, google, scopes)
    except FileNotFoundError as error:
        raise ConfigError(f"workspace.google: {error.filename} does not exist") from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            "workspace.google: the credentials file is not usable; download it again"
        ) from None
    except GoogleAuthError as error:
        # Application Default Credentials: the first argument is google-auth's sentence (it
        # names a file or a variable); later ones can carry a parser's error.
        raise ConfigError(f"workspace.google: {_first_sentence(error)}") from None


def delegation_client_id(settings: Settings) -> str | None:
    """The OAuth client ID of the delegated service account (the key's `client_id`, its
    "Unique ID"), which a Workspace admin names to grant domain-wide delegation; None in any
    other mode. Read after load_credentials has checked the key file."""
    google = _google(settings)
    if google.auth != "delegated":
        return None
    try:
        info = json.loads(config_relative(settings.config_dir, google.key_file).read_bytes())
    except (OSError, ValueError):
        return None
    found = info.get("client_id") if isinstance(info, dict) else None
    return str(found) if found else None


def sign_in_error(
    error: GoogleAuthError, credentials: object, *, delegation_client_id: str | None = None
) -> SignInError:
    """Google's refusal to sign in (google-auth raises it on the first request, and when a
    token is renewed, never when credentials are built) as a message naming the fix.

    Only Google's error code and description are quoted: never the key, a token, or the rest
    of the token endpoint's reply."""
    code, description = _token_error(error)
    if not code:
        if isinstance(error, TransportError):
            return SignInError(
                f"could not reach Google to sign in ({type(error).__name__}); check the "
                "network and run again"
            )
        return SignInError(
            f"Google sign-in failed ({_first_sentence(error)[:200]}); check [workspace.google]"
        )
    said = f"{code}: {description}" if description else code
    if isinstance(credentials, service_account.Credentials):
        return SignInError(_service_account_refused(code, said, credentials, delegation_client_id))
    if isinstance(credentials, user_credentials.Credentials):
        return SignInError(
            f"Google refused the coordinator's sign-in ({said}): it was revoked or has expired "
            "(a sign-in to an OAuth client still in Testing lasts 7 days). Run `tutorsync auth "
            "login` again"
        )
    return SignInError(
        f"Google refused to sign in with Application Default Credentials ({said}); check "
        "GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login` again"
    )


def _service_account_refused(
    code: str, said: str, credentials: service_account.Credentials, client_id: str | None
) -> str:
    account = credentials.service_account_email
    subject = getattr(credentials, "_subject", None)
    # google.auth.default (auth = "adc") notes the key file it read; key_file's it does not.
    from_adc = bool(getattr(credentials, "_cred_file_path", None))
    key_setting = "GOOGLE_APPLICATION_CREDENTIALS" if from_adc else "workspace.google.key_file"
    acting = f"as {subject} through {account}" if subject else f"as {account}"
    if code == "unauthorized_client":
        client = (
            f"client ID {client_id}"
            if client_id
            else (f"the client ID of {account} (its Unique ID; client_id in the key file)")
        )
        return (
            f"Google refused to sign in {acting} ({said}): domain-wide delegation is not "
            "granted for this client ID and these scopes. In the Google Admin console, "
            "Security › Access and data control › API controls › Domain-wide delegation, add "
            f"{client} with the scopes {','.join(every_scope())} (a new grant can take some "
            "hours to apply)"
        )
    if code == "invalid_grant":
        causes = "the service account key was deleted or is wrong"
        fixes = (
            f"make a new JSON key for {account} (Google Cloud console › IAM & Admin › Service "
            f"accounts › Keys) and point {key_setting} at it"
        )
        if subject:
            causes += ", or the delegated user does not exist"
            fixes += (
                f", and check that workspace.google.subject ({subject}) is a user of the domain"
            )
        if "timeframe" in said or " iat" in said:
            causes += ", or this computer's clock is wrong"
            fixes += "; set the clock right"
        return f"Google refused to sign in {acting} ({said}): {causes}. To fix it, {fixes}"
    return f"Google refused to sign in {acting} ({said}); check {key_setting}" + (
        " and workspace.google.subject" if subject else ""
    )


def drive_file_only(credentials: object) -> bool:
    """Whether the sign-in is known to reach Google Drive only through `drive.file` (Google
    said which scopes it granted when it renewed the token: a person's sign-in, through
    `gcloud auth application-default login --scopes=...` or an older `tutorsync auth login`).
    Such a token sees only files tutorsync made, never a folder or template a person made."""
    granted = getattr(credentials, "granted_scopes", None) or ()
    return DRIVE not in granted and DRIVE_FILE in granted


def carries_scopes_asked(credentials: object) -> bool:
    """Whether every token of these credentials carries exactly the scopes tutorsync asks for:
    a service account's key (acting as itself or delegated; Google refuses a sign-in rather
    than grant fewer). A person's sign-in carries what they allowed, and a VM's token its
    access scopes."""
    return isinstance(credentials, service_account.Credentials)


def sign_in_again(credentials: object) -> str:
    """How to sign in again so that the credentials carry every scope tutorsync asks for."""
    wanted = ",".join(every_scope())
    if isinstance(credentials, user_credentials.Credentials):
        if getattr(credentials, "_cred_file_path", None):  # Application Default Credentials
            # gcloud's own OAuth client grants Google Cloud scopes only (since June 2025).
            return (
                "run `gcloud auth application-default login --client-id-file=CLIENT.json "
                f"--scopes=https://www.googleapis.com/auth/cloud-platform,{wanted}` again, "
                "CLIENT.json being an OAuth client (Desktop app) of your Cloud project"
            )
        return (
            "run `tutorsync auth login` again and allow every access Google's consent screen "
            "asks for"
        )
    if isinstance(credentials, service_account.Credentials) and getattr(
        credentials, "_subject", None
    ):
        return (
            "grant the service account's client ID the scopes "
            f"{wanted} under Domain-wide delegation in the Google Admin console"
        )
    return f"give the credentials the scopes {wanted} (on a Compute Engine VM, its access scopes)"


def _token_error(error: GoogleAuthError) -> tuple[str, str]:
    """(error, error_description) of the token endpoint's JSON reply that google-auth attached
    to a RefreshError, or ("", "") when it attached none."""
    reply = error.args[1] if isinstance(error, RefreshError) and len(error.args) > 1 else None
    if isinstance(reply, str | bytes):
        try:
            reply = json.loads(reply)
        except ValueError:
            return "", ""
    if not isinstance(reply, dict) or not isinstance(reply.get("error"), str):
        return "", ""
    description = reply.get("error_description")
    return reply["error"], description if isinstance(description, str) else ""


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
    token_file = config_relative(config_dir, google.token_file)
    if not token_file.is_file():
        raise ConfigError(
            f"No sign-in token at {token_file}. Run `tutorsync auth login` once as the "
            "coordinator whose account tutorsync should use."
        )
    setting = "workspace.google.token_file"
    info = _read_secret_json(token_file, setting, own_file=True)
    signed_in = _signed_in_scopes(info)
    missing = not_covered(signed_in, scopes) if signed_in else ()
    if missing:
        raise SignInError(
            f"The sign-in at {token_file} does not allow {', '.join(missing)}, which this "
            "command needs (it was made for fewer scopes, by an earlier tutorsync or before a "
            "job was configured). Run `tutorsync auth login` again: it asks for every scope "
            "the config's jobs need"
        )
    try:
        # Renewed for what it was signed in for: a refresh asking for other scopes than the
        # sign-in granted is Google's to refuse.
        stored: Any = user_credentials.Credentials.from_authorized_user_info(
            info, scopes=list(signed_in or scopes)
        )
    except Exception:  # whatever the parser says may quote the token: name the file only
        raise ConfigError(
            f"{setting}: {token_file} is not a usable sign-in token; run `tutorsync auth login` "
            "again"
        ) from None
    if not stored.valid:  # a stored sign-in always carries what refreshes it
        try:
            stored.refresh(Request())
        except RefreshError as error:
            raise ConfigError(
                f"The sign-in at {token_file} no longer works ({_first_sentence(error)}); run "
                "`tutorsync auth login` again."
            ) from None
        save_token(token_file, stored.to_json())
    return stored


def _signed_in_scopes(info: dict[str, Any]) -> tuple[str, ...]:
    """The scopes a stored sign-in was made for (`tutorsync auth login` keeps them)."""
    found = info.get("scopes")
    if isinstance(found, str):
        found = found.split()
    if not isinstance(found, list):
        return ()
    return tuple(str(scope) for scope in found)


def _service_account(key_file: Path, scopes: Sequence[str]) -> service_account.Credentials:
    """The service account in a JSON key file, with errors that name the file, never its
    content."""
    setting = "workspace.google.key_file"
    info = _read_secret_json(key_file, setting)
    if info.get("type") != "service_account":
        raise ConfigError(f"{setting}: {key_file} is not a service account key; {_NEW_KEY}")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(scopes))
    except MalformedError as error:
        # google-auth names the fields a key lacks, never what the others hold.
        raise ConfigError(
            f"{setting}: {key_file} is not a complete service account key "
            f"({_first_sentence(error)}); {_NEW_KEY}"
        ) from None
    except Exception:  # whatever the parser says may quote the key: name the file only
        raise ConfigError(
            f"{setting}: the private key in {key_file} cannot be read; download a new JSON key "
            "for the service account"
        ) from None


_NEW_KEY = (
    "in the Google Cloud console, create a JSON key for the service account and point key_file "
    "at it"
)


def _read_secret_json(path: Path, setting: str, *, own_file: bool = False) -> dict[str, Any]:
    """The JSON object in a credentials file, after a warning if other users can open it.
    `own_file`: a file tutorsync wrote itself (the sign-in token), tightened to its owner.
    Errors name the file, never what it holds."""
    try:
        with path.open("rb") as file:
            _check_private(path, os.fstat(file.fileno()).st_mode, own_file=own_file)
            content = file.read()
    except FileNotFoundError:
        raise ConfigError(f"{setting}: {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"{setting}: {path} cannot be read ({error.strerror})") from None
    try:
        info = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        where = (
            f" (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        raise ConfigError(
            f"{setting}: {path} is not a JSON credentials file{where}; download it again"
        ) from None
    if not isinstance(info, dict):
        raise ConfigError(f"{setting}: {path} is not a JSON credentials file; download it again")
    return info


def _check_adc_file() -> None:
    """The key file GOOGLE_APPLICATION_CREDENTIALS names, if any, gets the same check as
    key_file (google-auth reads it without one). On Cloud Run or GKE there is usually none."""
    named = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not named:
        return
    path = Path(named)
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # google-auth says what is wrong with it
    _check_private(path, mode, own_file=False)


def _check_private(path: Path, mode: int, *, own_file: bool) -> None:
    """Warn when users other than the owner can open a credentials file: it is a password."""
    if not mode & 0o077:
        return
    shown = f"{stat.S_IMODE(mode):04o}"
    if own_file:
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
        else:
            log.warning(
                "%s could be opened by other users of this computer (mode %s); tutorsync made "
                "it readable by you only (chmod 600 %s)",
                path,
                shown,
                path,
            )
            return
    log.warning(
        "%s can be opened by other users of this computer (mode %s), and it holds a key to the "
        "program's Google data; make it readable by you only: chmod 600 %s",
        path,
        shown,
        path,
    )


def _first_sentence(error: Exception) -> str:
    """An auth error's own message without the details google-auth attaches after it (a
    server's reply, a parser's error)."""
    first = error.args[0] if error.args else ""
    return first if isinstance(first, str) and first else type(error).__name__


def _google(settings: Settings) -> GoogleSettings:
    google = settings.workspace.google
    if settings.workspace.kind != "google" or google is None:
        raise ConfigError("this config does not use Google (workspace.kind is not 'google')")
    return google
