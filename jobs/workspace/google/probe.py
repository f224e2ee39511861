"""The Probe port on Google: scratch folders, events and tags for `tutorsync doctor --deep`,
made by the same adapter code and requests as a run's, so that each refusal is explained as a
run would explain it (the Drive, Calendar and Sheets adapters' own messages).

Drive: the folders job's `apply`, step by step (`GoogleDrive.try_changes`), and a delete (or,
where the account may not delete for good, a move to the trash) of what is tagged with the
scratch key. Calendar: `upsert` inviting nobody, the tagged listing, and a delete telling
nobody. Sheets: one developer metadata entry on the whole spreadsheet, made and removed by
`batchUpdate`, as the progress job tags its tabs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gspread.http_client import HTTPClient

from jobs.errors import WorkspaceError
from jobs.model.calendar import CalendarEvent
from jobs.model.doctor import METADATA_KEY
from jobs.model.drive import FolderChange
from jobs.workspace.google.sheets import spreadsheet_id

if TYPE_CHECKING:
    from jobs.workspace.google.workspace import GoogleWorkspace


class GoogleProbe:
    """`doctor --deep` on Google, through the workspace's adapters and paced session."""

    def __init__(self, workspace: GoogleWorkspace, http: HTTPClient) -> None:
        self._workspace = workspace
        self._http = http

    def folder_changes(
        self, root: str, program_key: str, changes: Sequence[FolderChange]
    ) -> list[tuple[FolderChange, str]]:
        return self._workspace.drive.try_changes(root, program_key, changes)

    def remove_folders(self, root: str, program_key: str) -> str:
        return self._workspace.drive.remove_scratch(root, program_key)

    def add_event(self, calendar: str, program_key: str, event: CalendarEvent) -> None:
        failures = self._workspace.calendar.try_upsert(calendar, program_key, [event])
        if failures:
            raise WorkspaceError("; ".join(why for _, why in failures))

    def find_event(self, calendar: str, program_key: str, key: str) -> bool:
        events = self._workspace.calendar.list_events(calendar, program_key)
        return any(event.key == key for event in events)

    def remove_events(self, calendar: str, program_key: str) -> str:
        return self._workspace.calendar.remove_scratch(calendar, program_key)

    def tag_spreadsheet(self, spreadsheet: str, key: str, value: str) -> str:
        metadata = {
            "metadataKey": key,
            "metadataValue": value,
            "location": {"spreadsheet": True},
            "visibility": "DOCUMENT",
        }
        self._batch_update(
            spreadsheet, {"createDeveloperMetadata": {"developerMetadata": metadata}}
        )
        return f"developer metadata {key} written"

    def untag_spreadsheet(self, spreadsheet: str, key: str) -> str:
        if key != METADATA_KEY:
            raise ValueError(f"{key!r} is not the scratch tag's key; tutorsync removes no other")
        lookup = {"metadataKey": key}
        request = {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}
        try:
            reply = self._batch_update(spreadsheet, request)
        except WorkspaceError as error:
            raise WorkspaceError(
                f"developer metadata {key} is left on {spreadsheet} ({error}); it is hidden, "
                "harmless, and removed by the next `tutorsync doctor --deep` that may"
            ) from None
        deleted = _deleted(reply)
        return f"deleted {deleted} developer metadata entr{'y' if deleted == 1 else 'ies'}"

    def _batch_update(self, spreadsheet: str, request: dict[str, Any]) -> Any:
        """One spreadsheets.batchUpdate, its refusals explained as the Sheets adapter explains
        a run's."""
        key = spreadsheet_id(spreadsheet)
        sheets = self._workspace.spreadsheets
        return sheets._call(  # the adapter's own explanations of what Sheets answers
            spreadsheet, lambda: self._http.batch_update(key, {"requests": [request]})
        )


def _deleted(reply: Any) -> int:
    replies = reply.get("replies") if isinstance(reply, dict) else None
    if not replies:
        return 0
    deleted = (replies[0] or {}).get("deleteDeveloperMetadata") or {}
    return len(deleted.get("deletedDeveloperMetadata") or [])
