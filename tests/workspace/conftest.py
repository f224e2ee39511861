"""Fixtures for the Spreadsheets contract suite, one harness per adapter.

A harness is an adapter's `Workspace` plus the adapter-specific ways a contract test sets the
scene: creating a source spreadsheet as an educator would (`seed`), and naming a spreadsheet
that does not exist yet (`new_reference`). To run the contract suite against another adapter,
add a fixture named `<adapter>_harness` and its name to `ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from jobs.workspace.local import LocalWorkspace
from jobs.workspace.port import Grid, Workspace

ADAPTERS = ["local", "google"]

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


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def harness(request: pytest.FixtureRequest) -> Harness:
    return request.getfixturevalue(f"{request.param}_harness")


@pytest.fixture
def workspace(harness: Harness) -> Workspace:
    return harness.workspace


@pytest.fixture
def seed(harness: Harness) -> Seed:
    return harness.seed


@pytest.fixture
def new_reference(harness: Harness) -> Callable[[str], str]:
    return harness.new_reference


# --- local -----------------------------------------------------------------------------------


def save_xlsx(path: Path, tabs: Mapping[str, Grid]) -> None:
    """An .xlsx file as an educator's spreadsheet program would save it: plain openpyxl, text
    kept as text (a str starting with "=" here is something a person typed, not a formula)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, grid in tabs.items():
        sheet = workbook.create_sheet(title)
        for row_number, row in enumerate(grid, 1):
            for column_number, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = sheet.cell(row=row_number, column=column_number, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


@pytest.fixture
def write_xlsx() -> Callable[[Path, Mapping[str, Grid]], None]:
    """`save_xlsx`, for local tests that make files themselves."""
    return save_xlsx


@pytest.fixture
def local_harness(tmp_path: Path) -> Harness:
    def seed(name: str, tabs: Mapping[str, Grid]) -> str:
        reference = f"{name}.xlsx"
        save_xlsx(tmp_path / reference, tabs)
        return reference

    return Harness(
        workspace=LocalWorkspace(tmp_path),
        seed=seed,
        new_reference=lambda name: f"{name}.xlsx",
        missing_reference=lambda name: f"{name}.xlsx",
    )


# --- google, on the fake server ---------------------------------------------------------------


@pytest.fixture
def google_harness(tmp_path: Path, fake_google, google_workspace_settings: dict) -> Harness:
    from jobs.settings import parse
    from jobs.workspace.google.workspace import GoogleWorkspace

    config = {
        "program": {"name": "Contract"},
        "workspace": google_workspace_settings,
        "sources": {
            "roster": {"spreadsheet": "unused-spreadsheet-id", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "unused-spreadsheet-id", "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": "unused-spreadsheet-id"},
    }
    workspace = GoogleWorkspace(parse(config, config_dir=tmp_path), jobs=("progress",))
    return Harness(
        workspace=workspace,
        seed=lambda name, tabs: fake_google.sheets.create(name, dict(tabs)),
        # On Google a spreadsheet exists before tutorsync writes into it: a coordinator
        # creates it and shares it, so a "new" one is a new empty spreadsheet.
        new_reference=lambda name: fake_google.sheets.create(name),
        missing_reference=lambda name: "1" + "x" * 30 + name.replace("/", "-"),
        blank_titles=frozenset({"Sheet1"}),
        creates_spreadsheets=False,
        source_value=_serial_if_date,
    )


def _serial_if_date(value: object) -> object:
    if isinstance(value, date):
        return (value - date(1899, 12, 30)).days
    return value


# --- calendars ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarHarness:
    calendar: object  # a jobs.workspace.calendar_port.Calendar
    calendar_id: str  # the program calendar's reference for this adapter
    # (summary, start, end) -> adds an event tutorsync did not make to the program calendar
    add_foreign_event: Callable[[str, object, object], None]
    # (email, start, end) -> that person is busy then; None if the adapter has no free/busy
    set_busy: Callable[[str, object, object], None] | None
    # the calendar's events as stored, for assertions on what others see (list of dicts with
    # at least "summary" and "key" (None for foreign events))
    stored: Callable[[], list[dict]]


CALENDAR_ADAPTERS = ["local", "google"]


@pytest.fixture(params=CALENDAR_ADAPTERS, ids=CALENDAR_ADAPTERS)
def calendar_harness(request: pytest.FixtureRequest) -> CalendarHarness:
    return request.getfixturevalue(f"{request.param}_calendar_harness")


@pytest.fixture
def local_calendar_harness(tmp_path: Path) -> CalendarHarness:
    from jobs.workspace.calendar_local import LocalCalendar, add_foreign_event, stored_events

    path = tmp_path / "calendar.ics"
    return CalendarHarness(
        calendar=LocalCalendar(tmp_path),
        calendar_id="calendar.ics",
        add_foreign_event=lambda summary, start, end: add_foreign_event(path, summary, start, end),
        set_busy=None,
        stored=lambda: stored_events(path),
    )


@pytest.fixture
def google_calendar_harness(fake_google, google_harness: Harness) -> CalendarHarness:
    from jobs.workspace.google.calendar import GoogleCalendar

    calendar_id = "checkins@group.calendar.google.com"
    session = google_harness.workspace.session  # type: ignore[attr-defined]

    def add_foreign(summary: str, start: object, end: object) -> None:
        fake_google.calendar.add_event(
            calendar_id,
            {
                "summary": summary,
                "start": {"dateTime": start.isoformat()},  # type: ignore[attr-defined]
                "end": {"dateTime": end.isoformat()},
            },  # type: ignore[attr-defined]
        )

    def set_busy(email: str, start: object, end: object) -> None:
        fake_google.calendar.add_event(
            email,
            {
                "summary": "busy",
                "start": {"dateTime": start.isoformat()},  # type: ignore[attr-defined]
                "end": {"dateTime": end.isoformat()},
            },  # type: ignore[attr-defined]
        )

    def stored() -> list[dict]:
        events = []
        for event in fake_google.calendar.events(calendar_id, include_cancelled=False):
            private = event.get("extendedProperties", {}).get("private", {})
            events.append({**event, "key": private.get("tutorsync-key")})
        return events

    return CalendarHarness(
        calendar=GoogleCalendar(session),
        calendar_id=calendar_id,
        add_foreign_event=add_foreign,
        set_busy=set_busy,
        stored=stored,
    )
