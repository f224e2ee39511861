"""The Workspace port on Google Workspace: credentials, one paced client layer, the adapters."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gspread.http_client import HTTPClient

from jobs.settings import Settings
from jobs.workspace.google.auth import delegation_client_id, load_credentials
from jobs.workspace.google.scopes import scopes_for
from jobs.workspace.google.sheets import GoogleSpreadsheets, spreadsheet_id
from jobs.workspace.google.transport import PacedSession

if TYPE_CHECKING:
    from jobs.workspace.google.calendar import GoogleCalendar
    from jobs.workspace.google.drive import GoogleDrive
    from jobs.workspace.google.probe import GoogleProbe


class GoogleWorkspace:
    """Sheets, Calendar and Drive for one program, every request going
    through one PacedSession: paced under quota, retried, timed out, counted."""

    def __init__(self, settings: Settings, *, jobs: Sequence[str]) -> None:
        self._settings = settings
        google = settings.workspace.google
        assert google is not None  # settings validation guarantees it for kind = "google"
        credentials = load_credentials(settings, scopes_for(jobs))
        self.session = PacedSession(
            credentials,
            quotas=google.quotas.model_dump(),
            timeout_seconds=google.timeout_seconds,
            endpoint=google.endpoint or None,
            delegation_client_id=delegation_client_id(settings),
        )
        http = HTTPClient(auth=credentials, session=self.session)
        http.set_timeout(google.timeout_seconds)
        self._http = http
        account = getattr(credentials, "service_account_email", None) or google.subject
        self._account = account or "the signed-in account"
        self._spreadsheets = GoogleSpreadsheets(http, account=self._account)

    @property
    def spreadsheets(self) -> GoogleSpreadsheets:
        return self._spreadsheets

    @functools.cached_property
    def calendar(self) -> GoogleCalendar:
        """The program calendar's events, through the same paced session."""
        from jobs.workspace.google.calendar import GoogleCalendar

        return GoogleCalendar(self.session, account=self._account)

    @functools.cached_property
    def drive(self) -> GoogleDrive:
        """The program's student folders, through the same paced session."""
        from jobs.workspace.google.drive import GoogleDrive

        folders = self._settings.folders
        templates = [template.file for template in folders.templates] if folders else []
        return GoogleDrive(self.session, account=self._account, templates=templates)

    @functools.cached_property
    def probe(self) -> GoogleProbe:
        """Scratch things for `doctor --deep`, through the same adapters and session."""
        from jobs.workspace.google.probe import GoogleProbe

        return GoogleProbe(self, self._http)

    def describe(self, spreadsheet: str) -> str:
        """The spreadsheet's title once read, else its ID."""
        return self._spreadsheets.title(spreadsheet) or spreadsheet_id(spreadsheet)

    def request_counts(self) -> dict[str, int]:
        return dict(self.session.snapshot()["counts"])

    def link(self, spreadsheet: str, tab: str, cell: str, *, from_spreadsheet: str) -> str:
        """A link opening the spreadsheet, at the cell when the tab's ID is known."""
        url = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id(spreadsheet)}/edit"
        # A link to a whole tab (cell "") is the spreadsheet's address: the same whatever this
        # run has read, so event descriptions that carry it do not change from run to run.
        gid = self._spreadsheets.tab_gid(spreadsheet, tab) if cell else None
        return url if gid is None else f"{url}#gid={gid}&range={cell}"
