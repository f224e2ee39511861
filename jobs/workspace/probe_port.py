"""The Probe port: what `tutorsync doctor --deep` needs that no job does. It makes scratch
things the way the jobs make theirs, and removes them again. Protocols only: everything is
tagged with a scratch key (`jobs.model.doctor.scratch_key`), never a program's, and the
values passed are in `jobs.model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jobs.model.calendar import CalendarEvent
from jobs.model.drive import FolderChange


class Probe(Protocol):
    """Each method raises WorkspaceError saying what failed and what to change (SignInError
    when the sign-in itself is refused). The remove methods raise ValueError for a key that
    is not a scratch key, having removed nothing."""

    def folder_changes(
        self, root: str, program_key: str, changes: Sequence[FolderChange]
    ) -> list[tuple[FolderChange, str]]:
        """Make the changes as `Drive.apply` does, with the same requests, e-mailing nobody;
        each change that failed, with why (what apply's error would say of it), instead of
        raising. Raises WorkspaceError only when the changes could not be tried at all (the
        root cannot be read, or a refusal that stops every change)."""
        ...

    def remove_folders(self, root: str, program_key: str) -> str:
        """Remove every folder and file under `root` tagged with the scratch key, found by
        its tags (a folder goes with what is in it). Returns what was done; raises
        WorkspaceError naming each thing left (by name and ID or path) for a person to
        remove."""
        ...

    def add_event(self, calendar: str, program_key: str, event: CalendarEvent) -> None:
        """Make the event as `Calendar.upsert` does, inviting nobody."""
        ...

    def find_event(self, calendar: str, program_key: str, key: str) -> bool:
        """Whether the calendar's listing by tags, as a run lists, finds the event."""
        ...

    def remove_events(self, calendar: str, program_key: str) -> str:
        """Delete every event tagged with the scratch key; what was done. Raises
        WorkspaceError naming each event left."""
        ...

    def tag_spreadsheet(self, spreadsheet: str, key: str, value: str) -> str:
        """Tag the spreadsheet as tutorsync tags its tabs (developer metadata on Google);
        what was done."""
        ...

    def untag_spreadsheet(self, spreadsheet: str, key: str) -> str:
        """Remove every scratch tag with this key (`jobs.model.doctor.METADATA_KEY`), those
        an earlier `doctor --deep` left included; what was done. Raises WorkspaceError
        naming the tag left."""
        ...
