"""A sandbox Google account for the adapter contract suites: its config, the places each test
makes things in, and clearing them away.

`TUTORSYNC_LIVE_CONFIG` names a TOML file with two tables (docs/live.example.toml):
`[workspace]`, exactly as in a Google program config (auth "service_account" or "delegated"),
and `[live]`: `folder`, a scratch folder in a shared drive (its ID or URL), and `calendar`, a
scratch calendar's ID (optional: without it the Calendar contract is skipped).

Everything a run makes goes into one folder, "tutorsync live tests <run>", in the scratch
folder: one subfolder per test, holding that test's spreadsheets, documents and student
folders. Each test's folder goes to Drive's trash when the test ends, and the run's folder at
the end of the run; the check-ins and other events a test made are deleted from the scratch
calendar as it ends. What could not be cleared away is reported by name and ID.

Two sessions sign in with the config's credentials, as one user with one set of quotas:
tutorsync's (`GoogleWorkspace`, with the scopes `tutorsync run` asks for) and the harness's,
which plays the coordinator and the educators: it makes the spreadsheets, templates and roots,
renames, shares and deletes by hand, and clears up. It asks for the full Drive scope, since
the scratch folder was made by a person and `drive.file` reaches only what the app made.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from fake_google.sheets_values import seed_cell
from googleapiclient.errors import HttpError

from jobs.errors import ConfigError, WorkspaceError
from jobs.settings import Settings, parse, read_toml
from jobs.workspace.google import calendar as google_calendar
from jobs.workspace.google import drive as google_drive
from jobs.workspace.google.auth import delegation_client_id, load_credentials
from jobs.workspace.google.discovery import build_service, error_parts
from jobs.workspace.google.transport import PacedSession
from jobs.workspace.google.workspace import GoogleWorkspace
from sheets_schema.cells import Grid

LIVE_CONFIG = "TUTORSYNC_LIVE_CONFIG"
NOT_CONFIGURED = (
    "set TUTORSYNC_LIVE_CONFIG to run against a real account: see README, "
    "Trying it on your own Google account safely"
)
EXAMPLE = "docs/live.example.toml"

# The jobs whose scopes tutorsync signs in with: those of `tutorsync run` doing them all.
TUTORSYNC_JOBS = ("progress", "checkins", "folders")
# The harness's scopes, playing the people around tutorsync (not tutorsync's own: those are
# jobs.workspace.google.scopes).
HARNESS_SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/spreadsheets",
)
SHEETS_API_ROOT = "https://sheets.googleapis.com/"
FOLDER = google_drive.FOLDER_MIME_TYPE
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
DOCUMENT = "application/vnd.google-apps.document"
# On the events the harness adds as other people: the test that added them.
FOREIGN_TAG = "tutorsync-live"
# A fictional person at the contract's domain: can Google share a folder with such people?
PROBE_ADDRESS = "sharing-probe@school.example"
_FILE_FIELDS = "id,name,mimeType,parents,trashed,properties,modifiedTime"
_PERMISSION_FIELDS = "id,type,role,emailAddress,domain,permissionDetails(inherited)"


@dataclass(frozen=True)
class LiveConfig:
    path: Path
    settings: Settings  # tutorsync's, from the file's [workspace]
    folder: str  # the scratch folder's ID
    calendar: str | None  # the scratch calendar's ID


def read_live_config(path: Path) -> LiveConfig:
    """The live config at `path`; ConfigError saying what to change."""
    raw = read_toml(path, f"there is no file {path}")
    unknown = sorted(set(raw) - {"workspace", "live"})
    if unknown:
        raise ConfigError(
            f"a live config holds [workspace] and [live] only, not {', '.join(unknown)}"
        )
    live = raw.get("live")
    if not isinstance(live, dict) or not isinstance(live.get("folder"), str):
        raise ConfigError(
            "[live] needs folder, the ID or URL of a scratch folder in a shared drive"
        )
    extra = sorted(set(live) - {"folder", "calendar"})
    if extra:
        raise ConfigError(f"[live] has folder and calendar only, not {', '.join(extra)}")
    calendar = live.get("calendar")
    if calendar is not None and not (isinstance(calendar, str) and calendar.strip()):
        raise ConfigError("[live] calendar is the ID of a scratch calendar")
    config = {
        "program": {"name": "tutorsync live tests"},
        "workspace": raw.get("workspace") or {},
        # Never read: the contract suites name their spreadsheets themselves.
        "sources": {
            "roster": {"spreadsheet": "unused-spreadsheet-id", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "unused-spreadsheet-id", "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": "unused-spreadsheet-id"},
    }
    settings = parse(config, config_dir=path.parent, origin="the live config")
    google = settings.workspace.google
    if settings.workspace.kind != "google" or google is None:
        raise ConfigError('[workspace] needs kind = "google" and [workspace.google]')
    if google.auth not in ("service_account", "delegated"):
        raise ConfigError(
            'the live tests sign in with a service account key: auth = "delegated" '
            f'(for the Calendar contract, which invites people) or "service_account", '
            f"not {google.auth!r}"
        )
    try:
        folder = google_drive.folder_id(live["folder"])
    except WorkspaceError as error:  # naming what the reference should be
        raise ConfigError(f"[live] folder: {error}") from None
    return LiveConfig(path, settings, folder, calendar.strip() if calendar else None)


def _pages(method: Any, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paged list call."""
    token = None
    while True:
        page = method(**params, pageToken=token).execute()
        yield from page.get(key) or []
        token = page.get("nextPageToken")
        if not token:
            return


def quoted(text: str) -> str:
    """A value inside a Drive query's single quotes."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


class Sandbox:
    """The sandbox account for one test run."""

    def __init__(self, config: LiveConfig) -> None:
        self.config = config
        settings = config.settings
        google = settings.workspace.google
        assert google is not None  # read_live_config checked it
        self.workspace = GoogleWorkspace(settings, jobs=TUTORSYNC_JOBS)
        self._session = PacedSession(
            load_credentials(settings, HARNESS_SCOPES),
            quotas=google.quotas.model_dump(),
            timeout_seconds=google.timeout_seconds,
            endpoint=google.endpoint or None,
            delegation_client_id=delegation_client_id(settings),
        )
        # One user, one quota: both sessions pace their calls from the same buckets.
        self._session.buckets = self.workspace.session.buckets
        self.drive = build_service(self._session, "drive", "v3", google_drive.API_ROOT)
        self.sheets = build_service(self._session, "sheets", "v4", SHEETS_API_ROOT)
        self.events = build_service(
            self._session, "calendar", "v3", google_calendar.API_ROOT
        ).events()
        # tutorsync's own Drive client, for what only the app that wrote it may change.
        self.tutorsync_drive = build_service(
            self.workspace.session, "drive", "v3", google_drive.API_ROOT
        )
        self.run = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        self.run_folder_name = f"tutorsync live tests {self.run}"
        self.run_folder = ""
        self.drive_id = ""
        self.made: dict[str, int] = {"spreadsheets": 0, "folders": 0, "documents": 0}
        self.events_deleted = 0
        self.leftovers: list[str] = []
        self._places = 0

    # --- The run ----------------------------------------------------------------------------

    def open(self) -> None:
        """Check the scratch folder and make the run's folder in it; ConfigError if the folder
        cannot be used."""
        folder = self.config.folder
        try:
            found = (
                self.drive.files()
                .get(
                    fileId=folder, fields="id,name,mimeType,driveId,trashed", supportsAllDrives=True
                )
                .execute()
            )
        except HttpError as error:
            status, reason, message, _ = error_parts(error)
            raise ConfigError(
                f"[live] folder {folder} could not be read ({status} {reason}: {message}); add "
                "the account to the scratch shared drive as Manager and check the folder's ID"
            ) from None
        if found.get("mimeType") != FOLDER or found.get("trashed"):
            raise ConfigError(f"[live] folder {folder} is not a folder (or is in the trash)")
        if not found.get("driveId"):
            raise ConfigError(
                f"[live] folder {folder} is not in a shared drive: make the scratch folder in "
                "a shared drive (a service account has no Drive storage of its own)"
            )
        self.drive_id = str(found["driveId"])
        self.run_folder = self.create(self.run_folder_name, FOLDER, folder)

    def close(self) -> list[str]:
        """Move the run's folder, and everything in it, to Drive's trash. Returns it, by name
        and ID, if it could not be (kept in the run's leftovers too)."""
        if not self.run_folder:
            return []
        try:
            self.trash(self.run_folder)
            trashed = self.file(self.run_folder, "trashed").get("trashed")
        except HttpError as error:
            status, reason, message, _ = error_parts(error)
            trashed, why = False, f"{status} {reason}: {message}"
        else:
            why = "it is not in the trash"
        if trashed:
            return []
        leftover = f"folder '{self.run_folder_name}' ({self.run_folder}): {why}"
        self.leftovers.append(leftover)
        return [leftover]

    def place(self, test_name: str) -> Place:
        self._places += 1
        return Place(self, test_name, f"{self.run}-{self._places}".lower())

    def report(self) -> list[str]:
        made = ", ".join(f"{count} {kind}" for kind, count in self.made.items())
        lines = [
            f"run {self.run}: made {made} in folder '{self.run_folder_name}' "
            f"({self.run_folder}) of the scratch folder {self.config.folder}"
        ]
        if self.config.calendar:
            lines.append(
                f"deleted {self.events_deleted} events from calendar {self.config.calendar}"
            )
        if self.leftovers:
            lines.append("LEFT BEHIND, delete these by hand:")
            lines.extend(f"- {leftover}" for leftover in self.leftovers)
        else:
            lines.append("left nothing behind: the folder is in Drive's trash, events deleted")
        return lines

    @cached_property
    def sharing_refusal(self) -> str | None:
        """Why Google refuses to share a folder with a fictional person of the contract's
        domain (sendNotificationEmail off, as tutorsync shares), or None if it does not."""
        probe = self.create("sharing probe", FOLDER, self.run_folder)
        try:
            self.drive.permissions().create(
                fileId=probe,
                body={"type": "user", "role": "reader", "emailAddress": PROBE_ADDRESS},
                sendNotificationEmail=False,
                supportsAllDrives=True,
                fields="id",
            ).execute()
        except HttpError as error:
            status, reason, message, _ = error_parts(error)
            return f"{status} {reason}: {message}"
        return None

    # --- Drive, as a person -----------------------------------------------------------------

    def create(self, name: str, mime_type: str, parent: str) -> str:
        body = {"name": name, "mimeType": mime_type, "parents": [parent]}
        made = self.drive.files().create(body=body, supportsAllDrives=True, fields="id").execute()
        kind = {FOLDER: "folders", SPREADSHEET: "spreadsheets", DOCUMENT: "documents"}[mime_type]
        self.made[kind] += 1
        return str(made["id"])

    def trash(self, file_id: str) -> None:
        self.drive.files().update(
            fileId=file_id, body={"trashed": True}, supportsAllDrives=True, fields="id"
        ).execute()

    def file(self, file_id: str, fields: str = _FILE_FIELDS) -> dict[str, Any]:
        return dict(
            self.drive.files().get(fileId=file_id, fields=fields, supportsAllDrives=True).execute()
        )

    def files(self, query: str, *, drive: Any = None) -> list[dict[str, Any]]:
        """The files of the scratch shared drive that match `query` (with the harness's access,
        or `drive`'s)."""
        return list(
            _pages(
                (drive or self.drive).files().list,
                "files",
                q=query,
                corpora="drive",
                driveId=self.drive_id,
                includeItemsFromAllDrives=True,
                supportsAllDrives=True,
                pageSize=1000,
                fields=f"nextPageToken,files({_FILE_FIELDS})",
            )
        )

    def children(self, folder: str) -> list[dict[str, Any]]:
        """The files in a folder, trashed ones included."""
        return self.files(f"'{quoted(folder)}' in parents")

    def permissions(self, file_id: str) -> list[dict[str, Any]]:
        """Who has access to the file, each with whether it comes from a folder above."""
        return list(
            _pages(
                self.drive.permissions().list,
                "permissions",
                fileId=file_id,
                supportsAllDrives=True,
                pageSize=100,
                fields=f"nextPageToken,permissions({_PERMISSION_FIELDS})",
            )
        )

    # --- Sheets, as a coordinator -----------------------------------------------------------

    def fill(self, spreadsheet: str, tabs: Mapping[str, Grid]) -> None:
        """One batchUpdate: the new spreadsheet's tabs, typed as a person types (text stays
        text, dates are dates), cell by cell as fake_google seeds them."""
        requests: list[dict[str, Any]] = []
        for index, (title, grid) in enumerate(tabs.items()):
            size = {
                "rowCount": max(1000, len(grid)),
                "columnCount": max(26, max((len(row) for row in grid), default=0)),
            }
            properties = {"sheetId": index, "title": title, "index": index, "gridProperties": size}
            if index == 0:  # the tab Drive made, sheet ID 0
                fields = "title,gridProperties.rowCount,gridProperties.columnCount"
                requests.append(
                    {"updateSheetProperties": {"properties": properties, "fields": fields}}
                )
            else:
                requests.append({"addSheet": {"properties": properties}})
            if grid:
                rows = [{"values": [seed_cell(value) or {} for value in row]} for row in grid]
                start = {"sheetId": index, "rowIndex": 0, "columnIndex": 0}
                fields = "userEnteredValue,userEnteredFormat.numberFormat"
                requests.append({"updateCells": {"start": start, "rows": rows, "fields": fields}})
        if requests:
            self.sheets.spreadsheets().batchUpdate(
                spreadsheetId=spreadsheet, body={"requests": requests}
            ).execute()

    def name_only_tab(self, spreadsheet: str, title: str) -> None:
        """The new spreadsheet's one tab called `title`, whatever the account's language."""
        found = (
            self.sheets.spreadsheets()
            .get(spreadsheetId=spreadsheet, fields="sheets.properties(sheetId,title)")
            .execute()
        )
        [sheet] = found["sheets"]
        if sheet["properties"]["title"] != title:
            rename = {"properties": {"sheetId": sheet["properties"]["sheetId"], "title": title}}
            self.sheets.spreadsheets().batchUpdate(
                spreadsheetId=spreadsheet,
                body={"requests": [{"updateSheetProperties": {**rename, "fields": "title"}}]},
            ).execute()


class Place:
    """Where one test makes things: its folder in the run's folder (made when first needed)
    and its tag, which its events carry; cleared away by `close`."""

    def __init__(self, sandbox: Sandbox, test_name: str, tag: str) -> None:
        self.sandbox = sandbox
        self.name = test_name[:200]
        self.tag = tag
        self._folder = ""
        # The listings that find the test's events (privateExtendedProperty filters), once
        # it has a calendar: its foreign events' tag, and its programs' (live_harnesses.py).
        self.event_filters: set[str] = set()

    @property
    def folder(self) -> str:
        if not self._folder:
            self._folder = self.sandbox.create(self.name, FOLDER, self.sandbox.run_folder)
        return self._folder

    def new_folder(self, name: str) -> str:
        return self.sandbox.create(name, FOLDER, self.folder)

    def document(self, name: str) -> str:
        return self.sandbox.create(name, DOCUMENT, self.folder)

    def spreadsheet(self, name: str, tabs: Mapping[str, Grid]) -> str:
        spreadsheet = self.sandbox.create(name, SPREADSHEET, self.folder)
        self.sandbox.fill(spreadsheet, tabs)
        return spreadsheet

    def blank_spreadsheet(self, name: str, title: str) -> str:
        spreadsheet = self.sandbox.create(name, SPREADSHEET, self.folder)
        self.sandbox.name_only_tab(spreadsheet, title)
        return spreadsheet

    def tree(self) -> list[dict[str, Any]]:
        """Every file under the test's folder, trashed ones included."""
        found: list[dict[str, Any]] = []
        folders = [self.folder]
        while folders:
            children = self.sandbox.children(folders.pop())
            found.extend(children)
            folders.extend(f["id"] for f in children if f["mimeType"] == FOLDER)
        return found

    # --- The scratch calendar ---------------------------------------------------------------

    @property
    def calendar(self) -> str:
        calendar = self.sandbox.config.calendar
        assert calendar, "the calendar harness is made only with a [live] calendar"
        return calendar

    def add_event(self, body: dict[str, Any]) -> None:
        """An event as someone else adds it to the calendar, tagged with the test."""
        self.event_filters.add(f"{FOREIGN_TAG}={self.tag}")
        private = {"private": {FOREIGN_TAG: self.tag}}
        self.sandbox.events.insert(
            calendarId=self.calendar, body={**body, "extendedProperties": private}
        ).execute()

    def stored_events(self) -> list[dict[str, Any]]:
        """The test's events (not deleted), by id."""
        found: dict[str, dict[str, Any]] = {}
        for where in sorted(self.event_filters):
            for event in _pages(
                self.sandbox.events.list,
                "items",
                calendarId=self.calendar,
                privateExtendedProperty=where,
                showDeleted=False,
                maxResults=2500,
            ):
                found[event["id"]] = event
        return [found[event_id] for event_id in sorted(found)]

    def delete_event(self, event_id: str) -> None:
        """As a person deletes an event: Google keeps it, cancelled, under its id."""
        self.sandbox.events.delete(
            calendarId=self.calendar, eventId=event_id, sendUpdates="none"
        ).execute()

    # --- Clearing away ----------------------------------------------------------------------

    def close(self) -> list[str]:
        """Delete the test's events and move its folder to Drive's trash. Returns the events
        that could not be deleted, by name and ID (kept in the run's leftovers too); the
        test's folder, were it not trashed now, goes with the run's folder at the end."""
        leftovers = []
        for event in self.stored_events() if self.event_filters else []:
            try:
                self.delete_event(event["id"])
                self.sandbox.events_deleted += 1
            except HttpError as error:
                status, reason, message, _ = error_parts(error)
                leftovers.append(
                    f"event '{event.get('summary', '')}' ({event['id']}) in calendar "
                    f"{self.calendar}: {status} {reason}: {message}"
                )
        self.sandbox.leftovers.extend(leftovers)
        if self._folder:
            self.sandbox.trash(self._folder)
        return leftovers
