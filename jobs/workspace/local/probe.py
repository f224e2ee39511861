"""The Probe port on this computer: `tutorsync doctor --deep` in the workspace folder.

Folders: the folders job's own `apply` makes a scratch directory under the folders' root
(with its manifest), records a share and copies each template into it, as for a student;
the directory is then removed with everything in it. Check-ins: the scratch event is written
by the calendar adapter into a scratch .ics file beside the program's calendar, never into
the calendar itself (a file is rewritten whole, and people import it elsewhere), read back
and removed. Spreadsheets: a local spreadsheet's tabs are tagged inside the file, which
doctor's write check covers; the scratch tag is a scratch file in the spreadsheet's folder,
where every write of the spreadsheet first puts its temporary copy.
"""

from __future__ import annotations

import contextlib
import posixpath
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePath

from jobs.errors import WorkspaceError
from jobs.model.calendar import CalendarEvent
from jobs.model.doctor import METADATA_KEY, is_scratch_key
from jobs.model.drive import ROOT, FolderChange
from jobs.workspace.local.calendar import LocalCalendar
from jobs.workspace.local.drive import LocalDrive
from jobs.workspace.local.files import create_new_file


class LocalProbe:
    """`doctor --deep` on the workspace folder `root`."""

    def __init__(self, root: Path, drive: LocalDrive, calendar: LocalCalendar) -> None:
        self.root = Path(root)
        self._drive = drive
        self._calendar = calendar

    def folder_changes(
        self, root: str, program_key: str, changes: Sequence[FolderChange]
    ) -> list[tuple[FolderChange, str]]:
        try:
            self._drive.apply(root, program_key, changes, notify=False)
        except WorkspaceError as error:
            return [(change, str(error)) for change in changes]
        return []

    def remove_folders(self, root: str, program_key: str) -> str:
        _require_scratch(program_key)
        folders = self._drive.list_folders(root, program_key)
        done: list[str] = []
        left: list[str] = []
        for folder in folders:
            if folder.parent_key not in (ROOT, None):
                continue  # inside a scratch folder: goes with it
            try:
                shutil.rmtree(self.root / folder.url)
            except OSError as error:
                left.append(f"{folder.url} ({error.strerror or error})")
            else:
                done.append(f"removed {folder.url}")
        if left:
            raise WorkspaceError(
                "left in the workspace folder, for a person to delete: " + "; ".join(left)
            )
        return "; ".join(done) or "nothing was left to remove"

    def add_event(self, calendar: str, program_key: str, event: CalendarEvent) -> None:
        self._calendar.upsert(
            self._scratch_calendar(calendar, program_key),
            program_key,
            [event],
            notify_new=False,
            notify_changed=False,
        )

    def find_event(self, calendar: str, program_key: str, key: str) -> bool:
        scratch = self._scratch_calendar(calendar, program_key)
        events = self._calendar.list_events(scratch, program_key)
        return any(event.key == key for event in events)

    def remove_events(self, calendar: str, program_key: str) -> str:
        _require_scratch(program_key)
        scratch = self._scratch_calendar(calendar, program_key)
        path = self.root / scratch
        if not path.exists():
            return "nothing was left to remove"
        try:
            path.unlink()
        except OSError as error:
            raise WorkspaceError(
                f"{scratch} is left in the workspace folder ({error.strerror or error}), for a "
                "person to delete"
            ) from None
        return f"removed {scratch} (the scratch event's file, beside {calendar})"

    def tag_spreadsheet(self, spreadsheet: str, key: str, value: str) -> str:
        folder = self._folder_of(spreadsheet)
        name = f".{value}.{key}"
        create_new_file(folder / name, b"tutorsync doctor --deep\n", name)
        return (
            f"a local spreadsheet's tabs are tagged inside the file (see 'write {spreadsheet}'); "
            "wrote a scratch file in its folder instead"
        )

    def untag_spreadsheet(self, spreadsheet: str, key: str) -> str:
        if key != METADATA_KEY:
            raise ValueError(f"{key!r} is not the scratch tag's key; tutorsync removes no other")
        folder = self._folder_of(spreadsheet)
        left: list[str] = []
        removed = 0
        with contextlib.suppress(OSError):
            for path in folder.glob(f".*.{key}"):
                if not is_scratch_key(path.name[1 : -len(key) - 1]):
                    continue
                try:
                    path.unlink()
                except OSError as error:
                    left.append(f"{path.name} ({error.strerror or error})")
                else:
                    removed += 1
        if left:
            raise WorkspaceError(
                f"left beside {spreadsheet}, for a person to delete: " + "; ".join(left)
            )
        return f"removed {removed} scratch file(s)"

    def _folder_of(self, reference: str) -> Path:
        """The folder holding the file a reference names, as it stands: the workspace folder
        while that folder does not exist yet (a run makes it; doctor makes no folder)."""
        path = PurePath(reference)
        parts = PurePath(posixpath.normpath(path.as_posix())).parts
        if not reference or path.is_absolute() or path.anchor or parts[:1] == ("..",):
            raise WorkspaceError(
                f"{reference!r} is not a path inside the workspace folder ({self.root})"
            )
        folder = self.root.joinpath(*parts).parent
        return folder if folder.is_dir() else self.root

    def _scratch_calendar(self, calendar: str, program_key: str) -> str:
        """The scratch .ics file beside the program's calendar file, as a reference."""
        folder = self._folder_of(calendar)
        return (folder / f".{program_key}.ics").relative_to(self.root).as_posix()


def _require_scratch(program_key: str) -> None:
    if not is_scratch_key(program_key):
        raise ValueError(f"{program_key!r} is not a scratch key; tutorsync removes no other")
