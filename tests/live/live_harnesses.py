"""The contract suites' harnesses (tests/workspace/harnesses.py) on a sandbox account, and the
choice of which tests of a contract module run there.

An account is shared by every test and every run, and tutorsync finds what it keeps by tags,
not by place: its student folders by their program's tag anywhere in the shared drive (trashed
ones too), its check-ins by their program's tag anywhere in the calendar. Google also keeps a
deleted event's ID for ever, so a key's event made again takes the key's next ID. So each test
gives tutorsync its own program keys (and event keys): the adapter sees `<program>-<tag>` and
`<tag>/<key>`, and the test sees its own names back. Otherwise the harnesses do through
Google's APIs, as the people around tutorsync would, what the fake's do to the fake's state;
only making someone busy has no such way (`set_busy` is None).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from live_sandbox import FOLDER, LIVE_CONFIG, NOT_CONFIGURED, Place, Sandbox, quoted
from workspace.harnesses import (
    CalendarHarness,
    DriveHarness,
    Harness,
    drive_file_id,
    missing_spreadsheet_id,
    serial_if_date,
    shorten_drive_records,
)

from jobs.model.calendar import KEY_PROPERTY as EVENT_KEY_PROPERTY
from jobs.model.calendar import PROGRAM_PROPERTY as EVENT_PROGRAM_PROPERTY
from jobs.model.calendar import Busy, CalendarEvent
from jobs.model.drive import FOLDER_PROPERTY, Folder, FolderChange
from jobs.model.drive import KEY_PROPERTY as FOLDER_KEY_PROPERTY

BLANK_TAB = "Sheet1"


def contract_tests(module: ModuleType, *fixtures: str) -> dict[str, Callable[..., Any]]:
    """The test functions of a contract module that take one of `fixtures` (its harness):
    those run on the sandbox account. Tests of one adapter alone (in classes) and of pure
    functions (no harness) stay where they are. Without a live config, one test in their
    place, skipped saying how to run them."""
    if not os.environ.get(LIVE_CONFIG):
        return {"test_on_a_real_account": _not_configured}
    return {
        name: test
        for name, test in vars(module).items()
        if name.startswith("test_")
        and inspect.isfunction(test)
        and set(inspect.signature(test).parameters) & set(fixtures)
    }


def _not_configured() -> None:
    pytest.skip(NOT_CONFIGURED)


# --- Spreadsheets ------------------------------------------------------------------------------


def sheets_harness(sandbox: Sandbox, place: Place) -> Harness:
    return Harness(
        workspace=sandbox.workspace,
        seed=place.spreadsheet,
        # As a coordinator does: a new spreadsheet in Drive, shared before tutorsync writes.
        new_reference=lambda name: place.blank_spreadsheet(name, BLANK_TAB),
        missing_reference=missing_spreadsheet_id,
        blank_titles=frozenset({BLANK_TAB}),
        creates_spreadsheets=False,
        source_value=serial_if_date,
    )


# --- Calendar ----------------------------------------------------------------------------------


class TaggedCalendar:
    """The Calendar port with the test's own program and event keys (see the module doc)."""

    def __init__(self, calendar: Any, place: Place) -> None:
        self._calendar = calendar
        self._place = place

    def program(self, program_key: str) -> str:
        tagged = f"{program_key}-{self._place.tag}"
        self._place.event_filters.add(f"{EVENT_PROGRAM_PROPERTY}={tagged}")
        return tagged

    def key(self, key: str) -> str:
        return f"{self._place.tag}/{key}"

    def untagged(self, key: str) -> str:
        return key.removeprefix(f"{self._place.tag}/")

    def list_events(self, calendar: str, program_key: str) -> list[CalendarEvent]:
        listed = self._calendar.list_events(calendar, self.program(program_key))
        return [replace(event, key=self.untagged(event.key)) for event in listed]

    def busy(self, emails: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        return self._calendar.busy(emails, start, end)

    def upsert(
        self,
        calendar: str,
        program_key: str,
        events: Sequence[CalendarEvent],
        *,
        notify_new: bool,
        notify_changed: bool,
    ) -> None:
        self._calendar.upsert(
            calendar,
            self.program(program_key),
            [replace(event, key=self.key(event.key)) for event in events],
            notify_new=notify_new,
            notify_changed=notify_changed,
        )

    def link(self, calendar: str, event: CalendarEvent, *, from_spreadsheet: str) -> str:
        tagged = replace(event, key=self.key(event.key))
        return self._calendar.link(calendar, tagged, from_spreadsheet=from_spreadsheet)


def calendar_harness(sandbox: Sandbox, place: Place) -> CalendarHarness:
    calendar = TaggedCalendar(sandbox.workspace.calendar, place)

    def add_foreign(summary: str, start: Any, end: Any) -> None:
        place.add_event(
            {
                "summary": summary,
                "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": end.isoformat()},
            }
        )

    def stored() -> list[dict]:
        events = []
        for event in place.stored_events():
            key = event.get("extendedProperties", {}).get("private", {}).get(EVENT_KEY_PROPERTY)
            events.append({**event, "key": None if key is None else calendar.untagged(key)})
        return events

    def delete_event(key: str) -> None:
        [google_id] = [event["id"] for event in stored() if event["key"] == key]
        place.delete_event(google_id)

    return CalendarHarness(
        calendar=calendar,
        calendar_id=place.calendar,
        add_foreign_event=add_foreign,
        # Making someone busy means writing into their calendar, which only the fake can do.
        set_busy=None,
        stored=stored,
        delete_event=delete_event,
    )


# --- Drive -------------------------------------------------------------------------------------


class TaggedDrive:
    """The Drive port with the test's own program keys (see the module doc)."""

    def __init__(self, drive: Any, place: Place) -> None:
        self._drive = drive
        self._place = place

    def program(self, program_key: str) -> str:
        return f"{program_key}-{self._place.tag}"

    def list_folders(self, root: str, program_key: str, *, grants: bool = True) -> list[Folder]:
        return self._drive.list_folders(root, self.program(program_key), grants=grants)

    def apply(
        self, root: str, program_key: str, changes: Sequence[FolderChange], *, notify: bool
    ) -> dict[str, str]:
        return self._drive.apply(root, self.program(program_key), changes, notify=notify)

    def begin_apply(
        self,
        root: str,
        program_key: str,
        changes: Sequence[FolderChange],
        *,
        notify: bool,
        background: bool,
    ) -> Any:
        return self._drive.begin_apply(
            root, self.program(program_key), changes, notify=notify, background=background
        )

    def check_templates(self, templates: Sequence[str]) -> list[str]:
        return self._drive.check_templates(templates)

    def link(self, url: str, *, from_spreadsheet: str) -> str:
        return self._drive.link(url, from_spreadsheet=from_spreadsheet)


def _direct(permission: dict[str, Any]) -> bool:
    """Given on the file itself, not only inherited from a folder or the shared drive above."""
    details = permission.get("permissionDetails") or [{}]
    return any(not detail.get("inherited") for detail in details)


def drive_harness(sandbox: Sandbox, place: Place) -> DriveHarness:
    root = place.new_folder("Student folders")

    def rename(url: str, name: str) -> None:
        sandbox.drive.files().update(
            fileId=drive_file_id(url), body={"name": name}, supportsAllDrives=True, fields="id"
        ).execute()

    def add_hand_grant(url: str, email: str, role: str) -> None:
        sandbox.drive.permissions().create(
            fileId=drive_file_id(url),
            body={"type": "user", "role": role, "emailAddress": email},
            sendNotificationEmail=False,
            supportsAllDrives=True,
            fields="id",
        ).execute()

    def access(url: str) -> set[tuple[str, str]]:
        return {
            (p["emailAddress"].lower(), p["role"])
            for p in sandbox.permissions(drive_file_id(url))
            if p["type"] == "user" and _direct(p)
        }

    def files(url: str) -> list[dict[str, Any]]:
        return [
            f
            for f in sandbox.children(drive_file_id(url))
            if not f["trashed"] and f["mimeType"] != FOLDER
        ]

    def delete(file_id: str) -> None:
        sandbox.drive.files().delete(fileId=file_id, supportsAllDrives=True).execute()

    def delete_file(url: str, name: str) -> None:
        [found] = [f for f in files(url) if f["name"] == name]
        delete(found["id"])

    def snapshot() -> object:
        return [
            (f, sandbox.permissions(f["id"])) for f in sorted(place.tree(), key=lambda f: f["id"])
        ]

    def edit_file(url: str, name: str, when: datetime) -> None:
        # A real account cannot edit a Doc's contents through Drive; Drive lets the time of
        # the last change be set instead (File.modifiedTime is writable).
        [found] = [f for f in files(url) if f["name"] == name]
        at = when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sandbox.drive.files().update(
            fileId=found["id"], body={"modifiedTime": at}, supportsAllDrives=True, fields="id"
        ).execute()

    def shorten_tokens(url: str) -> None:
        mine = sandbox.tutorsync_drive
        folder = (
            mine.files()
            .get(fileId=drive_file_id(url), fields="id,properties", supportsAllDrives=True)
            .execute()
        )
        key = quoted(folder.get("properties", {}).get(FOLDER_KEY_PROPERTY, ""))
        copies = sandbox.files(
            f"properties has {{ key='{FOLDER_PROPERTY}' and value='{key}' }} and trashed = false",
            drive=mine,
        )

        def update(file_id: str, properties: dict) -> None:
            mine.files().update(
                fileId=file_id,
                body={"properties": properties},
                supportsAllDrives=True,
                fields="id",
            ).execute()

        shorten_drive_records(folder, copies, update)

    return DriveHarness(
        drive=TaggedDrive(sandbox.workspace.drive, place),
        root=root,
        template=place.document,
        add_hand_grant=add_hand_grant,
        rename=rename,
        access=access,
        files_in=lambda url: sorted(f["name"] for f in files(url)),
        delete_file=delete_file,
        delete_template=delete,
        snapshot=snapshot,
        shorten_tokens=shorten_tokens,
        edit_file=edit_file,
    )
