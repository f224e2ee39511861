"""Put a tutorsync program on the fake: its spreadsheets, a service account key, a config."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .fake_auth import key_id_of
from .server import FakeGoogle

PROGRAM_CALENDAR = "checkins@group.calendar.google.com"
SERVICE_ACCOUNT = "tutorsync@tutorsync-tests.iam.gserviceaccount.com"
CLIENT_ID = "100000000000000000000"  # the service account's OAuth client ID (its "Unique ID")
# Outside Google's own universe, google-auth makes no Regional Access Boundary lookup (a
# background call to iamcredentials.googleapis.com that would leave this machine; google-auth
# 2.63 makes it only when an experimental environment variable asks for it).
TEST_UNIVERSE = "tutorsync-tests.example"
GOOGLE_UNIVERSE = "googleapis.com"
UNPACED = {"sheets_read": 6000, "sheets_write": 6000, "calendar": 6000, "drive": 6000}


def new_private_key() -> str:
    """A throwaway RSA key (PEM): keys for the fake are generated, never stored."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_service_account_key(
    fake: FakeGoogle, path: Path, private_key: str, *, universe_domain: str = TEST_UNIVERSE
) -> Path:
    """A service account key whose token endpoint is the fake's. The fake's token endpoint
    knows the key (`fake.auth`); `fake.auth.delete_key(key["private_key_id"])` deletes it.

    In the test universe (the default) google-auth signs its own JWT for each API and never
    asks the token endpoint, and it refuses domain-wide delegation outright. With
    universe_domain=GOOGLE_UNIVERSE the production auth path runs unchanged: the first API
    call trades a signed JWT for a token at the fake, which refuses it as Google would."""
    key = {
        "type": "service_account",
        "project_id": "tutorsync-tests",
        "private_key_id": key_id_of(private_key),
        "private_key": private_key,
        "client_email": SERVICE_ACCOUNT,
        "client_id": CLIENT_ID,
        "token_uri": fake.token_uri,
        "universe_domain": universe_domain,
    }
    fake.auth.add_key(
        key["private_key_id"],
        client_email=SERVICE_ACCOUNT,
        client_id=CLIENT_ID,
        private_key_pem=private_key,
    )
    path.write_text(json.dumps(key), encoding="utf-8")
    path.chmod(0o600)  # as a key should be kept (tutorsync warns otherwise)
    return path


def workspace_settings(fake: FakeGoogle, key_file: Path, quotas: dict | None = None) -> dict:
    """The [workspace] section of a config that runs on the fake."""
    return {
        "kind": "google",
        "google": {
            "auth": "service_account",
            "key_file": str(key_file),
            "endpoint": fake.base_url,
            "timeout_seconds": 10,
            "quotas": dict(quotas or UNPACED),
        },
    }


def upload_program(fake: FakeGoogle, folder: Path, workspace: dict[str, Any]) -> Path:
    """Put every spreadsheet of `folder/tutorsync.toml` (a local program, such as the demo) on
    the fake and write `folder/google.toml` naming them by URL. Spreadsheets tutorsync only
    writes are created empty, as a coordinator would create and share them."""
    from jobs.settings import load

    settings = load(folder / "tutorsync.toml")
    sources = settings.sources
    references = {sources.roster.spreadsheet: [sources.roster.tab]}
    for log in sources.tutor_logs:
        references.setdefault(log.spreadsheet, []).extend(log.tabs)
    for book in sources.gradebooks:
        references.setdefault(book.spreadsheet, []).append(book.tab)
    for optional in (sources.staff, sources.goals):
        if optional is not None:
            references.setdefault(optional.spreadsheet, []).append(optional.tab)
    for results in sources.assessments:
        references.setdefault(results.spreadsheet, []).append(results.tab)
    ids = {}
    for reference, tabs in references.items():
        ids[reference] = fake.sheets.create(reference, _read_grids(folder / reference, tabs))
    for target in [
        settings.outputs.coordinator_spreadsheet,
        *settings.outputs.teacher_spreadsheets.values(),
    ]:
        ids[target] = fake.sheets.create(target)
    text = (folder / "tutorsync.toml").read_text(encoding="utf-8")
    for reference, spreadsheet_id in sorted(ids.items(), key=lambda item: -len(item[0])):
        text = text.replace(
            f'"{reference}"', f'"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"'
        )
    google = workspace["google"]
    local_section = '[workspace]\nkind = "local"\npath = "."'
    if local_section not in text:
        raise ValueError("the program's [workspace] section is not the demo's local one")
    text = text.replace(
        local_section,
        '[workspace]\nkind = "google"\n\n[workspace.google]\n'
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in google.items() if k != "quotas")
        + "[workspace.google.quotas]\n"
        + "".join(f"{k} = {v}\n" for k, v in google["quotas"].items()),
    )
    text = text.replace('calendar = "calendar.ics"', f'calendar = "{PROGRAM_CALENDAR}"')
    if settings.folders is not None:
        text = _upload_folders(fake, settings.folders, text)
    config = folder / "google.toml"
    config.write_text(text, encoding="utf-8")
    return config


# A template's type as Drive keeps an upload it does not convert, by the file's suffix.
_UPLOADED_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


def _upload_folders(fake: FakeGoogle, folders: Any, text: str) -> str:
    """The folders root as a folder in a shared drive (as the README recommends), and each
    template in it as the file it is, uploaded without conversion (the demo's learning plan
    is an .xlsx file, which Drive copies with a generated ID, so its copies' addresses are
    known before they are made; a template that is a Google Doc is tested in
    tests/workspace and tests/e2e/test_resources_and_plans.py)."""
    drive_id = fake.drive.add_shared_drive("Tutoring program")
    root = fake.drive.add_folder("Student folders", parents=[drive_id])
    text = text.replace(f'root = "{folders.root}"', f'root = "{root}"')
    for template in folders.templates:
        mime_type = _UPLOADED_TYPES.get(Path(template.file).suffix.lower(), "text/plain")
        file_id = fake.drive.add_file(template.name, mime_type, parents=[drive_id])
        text = text.replace(f'file = "{template.file}"', f'file = "{file_id}"')
    return text


def _read_grids(path: Path, tabs: list[str]) -> dict[str, list[list]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = [[cell or None for cell in row] for row in csv.reader(file)]
        return {tabs[0]: rows}
    book = openpyxl.load_workbook(path, data_only=True)
    return {tab: [list(row) for row in book[tab].iter_rows(values_only=True)] for tab in tabs}
