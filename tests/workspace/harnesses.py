"""What a contract test is given to set the scene, for any adapter: the harness values, and the
pieces of scene-setting that do not depend on where the adapter keeps things.

The harnesses themselves are built by fixtures: locally and on the fake Google server in
`tests/workspace/conftest.py`, on a real account in `tests/live/conftest.py`. Both import
this module as `workspace.harnesses` (tests/ is on the path), so they build the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from jobs.model.drive import (
    FOLDER_PROPERTY,
    GRANTS_PROPERTY,
    KEY_PROPERTY,
    LEGACY_TOKEN_DIGITS,
    TEMPLATE_PROPERTY,
    TEMPLATES_PROPERTY,
    chunk_tokens,
    read_tokens,
)
from jobs.workspace.port import Workspace
from sheets_schema.cells import Chart, Grid

Seed = Callable[[str, Mapping[str, Grid]], str]


@dataclass(frozen=True)
class Harness:
    workspace: Workspace
    seed: Seed  # (name, {tab title: grid}) -> reference of a new spreadsheet with those tabs
    # name -> a spreadsheet ready for tutorsync's tabs (locally a file not created yet; on
    # Google a new empty spreadsheet, since a coordinator creates and shares it first)
    new_reference: Callable[[str], str]
    missing_reference: Callable[[str], str]  # name -> a spreadsheet that does not exist
    blank_titles: frozenset[str] = frozenset()  # the tabs a new_reference spreadsheet has
    creates_spreadsheets: bool = True  # writing to a missing spreadsheet creates it
    # How read_tabs gives a date cell: a date, or (Sheets' values API) its serial number;
    # the parsers read both.
    source_value: Callable[[object], object] = lambda value: value


@dataclass(frozen=True)
class CalendarHarness:
    calendar: object  # a jobs.workspace.calendar_port.Calendar
    calendar_id: str  # the program calendar's reference for this adapter
    # (summary, start, end) -> adds an event tutorsync did not make to the program calendar
    add_foreign_event: Callable[[str, object, object], None]
    # (email, start, end) -> that person is busy then; None if the adapter has no free/busy
    set_busy: Callable[[str, object, object], None] | None
    # the calendar's events as stored, for assertions on what others see (list of dicts with
    # at least "summary" and "key" (None for foreign events)); deleted events are left out
    stored: Callable[[], list[dict]]
    # key -> a person deletes that check-in in their calendar program
    delete_event: Callable[[str], None]


@dataclass(frozen=True)
class ChartHarness:
    """A Spreadsheets adapter and what a chart contract test reads and does around it. Charts
    are read as the spreadsheet stores them, as Chart values (title, domain and series
    columns, rows under the header, anchor cell), in their order on the tab."""

    workspace: Workspace
    new_reference: Callable[[str], str]  # as Harness.new_reference
    drawn: Callable[[str, str], list[Chart]]  # (reference, tab title) -> the charts on the tab
    # (reference, tab title, chart): an educator draws a chart on the tab in their program
    add_educator_chart: Callable[[str, str, Chart], None]
    check_package: Callable[[str], None] = lambda reference: None  # the file holds together


@dataclass(frozen=True)
class DriveHarness:
    """A Drive adapter and the ways a contract test plays the educators around it. Folders are
    named by their url, as list_folders gives it."""

    drive: object  # a jobs.workspace.drive_port.Drive
    root: str  # the configured root folder's reference
    template: Callable[[str], str]  # name -> reference of a new template file
    add_hand_grant: Callable[[str, str, str], None]  # (folder url, email, role)
    rename: Callable[[str, str], None]  # (folder url, new name), as an educator would
    access: Callable[[str], set[tuple[str, str]]]  # folder url -> {(email, role)} as stored
    files_in: Callable[[str], list[str]]  # folder url -> names of the files in it (not folders)
    delete_file: Callable[[str, str], None]  # (folder url, file name): deleted for good
    delete_template: Callable[[str], None]  # template reference: deleted for good
    snapshot: Callable[[], object]  # everything stored, to compare before and after a rerun
    # folder url -> its records (grants, templates, and the tags of its template copies) as
    # a tutorsync before 64-bit tokens wrote them: every token its first 8 hex digits
    shorten_tokens: Callable[[str], None]
    # (folder url, file name, when): a person changes the file's contents at that time, as
    # its editor would; None where the test cannot (a real account)
    edit_file: Callable[[str, str, datetime], None] | None = None


# --- Google, on the fake or a real account ---------------------------------------------------


def missing_spreadsheet_id(name: str) -> str:
    """A well-formed spreadsheet ID that names no spreadsheet."""
    return "1" + "x" * 30 + name.replace("/", "-")


def serial_if_date(value: object) -> object:
    """A date cell as Sheets' values API reads it (UNFORMATTED_VALUE): its serial number."""
    if isinstance(value, date):
        return (value - date(1899, 12, 30)).days
    return value


def drive_file_id(url: str) -> str:
    """The file ID at the end of a Drive folder's or file's URL."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def short_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens as a tutorsync before 64-bit tokens recorded them: their first 8 hex digits."""
    return sorted({t[:LEGACY_TOKEN_DIGITS] for t in tokens})


def shorten_drive_records(
    folder: Mapping, files: Iterable[Mapping], update: Callable[[str, dict], None]
) -> None:
    """`DriveHarness.shorten_tokens` on Google: `folder` is the folder's Drive resource and
    `files` holds (at least) its template copies, each with id and properties; `update`
    (file ID, properties change) writes the change."""
    properties = folder.get("properties", {})
    changes: dict[str, str | None] = {}
    for name in (GRANTS_PROPERTY, TEMPLATES_PROPERTY):
        chunks = [p for p in properties if p == name or p.removeprefix(f"{name}-").isdigit()]
        changes |= dict.fromkeys(chunks) | chunk_tokens(
            short_tokens(read_tokens(properties, name)), name
        )
    update(folder["id"], changes)
    for copy in files:
        tags = copy.get("properties", {})
        if tags.get(FOLDER_PROPERTY) == properties[KEY_PROPERTY] and TEMPLATE_PROPERTY in tags:
            update(copy["id"], {TEMPLATE_PROPERTY: tags[TEMPLATE_PROPERTY][:LEGACY_TOKEN_DIGITS]})
