"""Fixtures for the Spreadsheets contract suite, one harness per adapter.

A harness is an adapter's `Workspace` plus the adapter-specific ways a contract test sets the
scene: creating a source spreadsheet as an educator would (`seed`), and naming a spreadsheet
that does not exist yet (`new_reference`). To run the contract suite against another adapter,
add a fixture named `<adapter>_harness` and its name to `ADAPTERS`. The harness values are in
`harnesses.py`; `tests/live/` builds them on a real account.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from workspace.harnesses import (
    CalendarHarness,
    ChartHarness,
    DriveHarness,
    Harness,
    Seed,
    drive_file_id,
    missing_spreadsheet_id,
    serial_if_date,
    short_tokens,
    shorten_drive_records,
)
from workspace.xlsx_packages import draw_as_excel

from jobs.model.drive import LEGACY_TOKEN_DIGITS
from jobs.workspace.local.workspace import LocalWorkspace
from jobs.workspace.port import Workspace
from sheets_schema.cells import Chart, Grid

ADAPTERS = ["local", "google"]
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


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
    # The calendar and drive harnesses use this workspace too: the scopes of every job.
    jobs = ("progress", "checkins", "folders")
    workspace = GoogleWorkspace(parse(config, config_dir=tmp_path), jobs=jobs)
    return Harness(
        workspace=workspace,
        seed=lambda name, tabs: fake_google.sheets.create(name, dict(tabs)),
        # On Google a spreadsheet exists before tutorsync writes into it: a coordinator
        # creates it and shares it, so a "new" one is a new empty spreadsheet.
        new_reference=lambda name: fake_google.sheets.create(name),
        missing_reference=missing_spreadsheet_id,
        blank_titles=frozenset({"Sheet1"}),
        creates_spreadsheets=False,
        source_value=serial_if_date,
    )


# --- charts ------------------------------------------------------------------------------------


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def chart_harness(request: pytest.FixtureRequest) -> ChartHarness:
    return request.getfixturevalue(f"{request.param}_chart_harness")


@pytest.fixture
def local_chart_harness(tmp_path: Path, local_harness: Harness) -> ChartHarness:
    from openpyxl import load_workbook

    def drawn(reference: str, title: str) -> list[Chart]:
        return [_openpyxl_chart(c) for c in load_workbook(tmp_path / reference)[title]._charts]

    def add_educator_chart(reference: str, title: str, chart: Chart) -> None:
        # As Excel saves it (openpyxl would rename every chart, tutorsync's too).
        path = tmp_path / reference
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        [column] = chart.series_columns

        def cells(index: int) -> str:
            letter = get_column_letter(index + 1)
            return f"'{title}'!${letter}$2:${letter}${chart.rows + 1}"

        draw_as_excel(
            parts,
            sheet_part_of(parts, title),
            chart.title,
            cells(chart.domain_column),
            cells(column),
            (chart.anchor_row, chart.anchor_column),
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)

    return ChartHarness(
        workspace=local_harness.workspace,
        new_reference=local_harness.new_reference,
        drawn=drawn,
        add_educator_chart=add_educator_chart,
        check_package=lambda reference: check_xlsx_parts(tmp_path / reference),
    )


def sheet_part_of(parts: Mapping[str, bytes], title: str) -> str:
    """The worksheet part of the tab `title` in a package's parts."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    [sheet] = [
        s
        for s in ElementTree.fromstring(parts["xl/workbook.xml"]).iter(f"{main}sheet")
        if s.get("name") == title
    ]
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    [target] = [r.get("Target", "") for r in rels if r.get("Id") == sheet.get(f"{rel}id")]
    return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)


_CELL_RANGE = re.compile(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def _cells(formula: str) -> tuple[int, int, int]:
    """An openpyxl chart reference ('Tab'!$B$2:$B$4) as (0-based column, first and last row,
    1-based)."""
    found = _CELL_RANGE.search(formula)
    assert found, formula
    column, first, _, last = found.groups()
    return column_index_from_string(column) - 1, int(first), int(last or first)


def _openpyxl_chart(chart: object) -> Chart:
    """A chart openpyxl read from a file, as the Chart it draws."""
    title = "".join(
        run.t
        for paragraph in chart.title.tx.rich.p  # type: ignore[attr-defined]
        for run in paragraph.r or ()
    )
    series = chart.series  # type: ignore[attr-defined]
    columns = [_cells(s.val.numRef.f) for s in series]
    categories = series[0].cat.strRef or series[0].cat.numRef
    anchor = chart.anchor._from  # type: ignore[attr-defined]
    return Chart(
        title,
        _cells(categories.f)[0],
        tuple(column for column, _, _ in columns),
        columns[0][2] - 1,  # rows under the header
        anchor_row=anchor.row,
        anchor_column=anchor.col,
    )


def check_xlsx_parts(path: Path) -> None:
    """What a spreadsheet program checks before it opens a package: every part named in
    [Content_Types].xml is there, every drawing and chart has its content type, and every
    relationship leads to a part that is there."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        overrides = {
            o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
            for o in types.iter(f"{{{CONTENT_TYPES}}}Override")
        }
        assert set(overrides) <= names, set(overrides) - names
        for name in names:
            if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                assert overrides.get(name, "").endswith(".drawing+xml"), name
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                assert overrides.get(name, "").endswith(".drawingml.chart+xml"), name
        for rels in (n for n in names if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            for rel in ElementTree.fromstring(archive.read(rels)):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target", "")
                part = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                assert part in names, f"{rels} leads to {part}, which is not in the package"


@pytest.fixture
def google_chart_harness(fake_google, google_harness: Harness) -> ChartHarness:
    import gspread
    from google.auth.credentials import AnonymousCredentials

    def sheet_of(reference: str, title: str) -> dict:
        sheets = fake_google.sheets.spreadsheet(reference)["sheets"]
        [sheet] = [s for s in sheets if s["properties"]["title"] == title]
        return sheet

    def drawn(reference: str, title: str) -> list[Chart]:
        return [_google_chart(c) for c in sheet_of(reference, title).get("charts", [])]

    def add_educator_chart(reference: str, title: str, chart: Chart) -> None:
        sheet_id = sheet_of(reference, title)["properties"].get("sheetId", 0)
        session = fake_google.requests_session()
        educator = gspread.Client(auth=AnonymousCredentials(), session=session)
        # As Sheets' chart editor makes one: no chartId given, Google draws it.
        request = {"addChart": {"chart": _google_line_chart(sheet_id, chart)}}
        educator.http_client.batch_update(reference, {"requests": [request]})

    return ChartHarness(
        workspace=google_harness.workspace,
        new_reference=google_harness.new_reference,
        drawn=drawn,
        add_educator_chart=add_educator_chart,
    )


def _google_line_chart(sheet_id: int, chart: Chart) -> dict:
    def column(index: int) -> dict:
        source = {
            "sheetId": sheet_id,
            "startRowIndex": 0,
            "endRowIndex": chart.rows + 1,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        return {"sourceRange": {"sources": [source]}}

    return {
        "spec": {
            "title": chart.title,
            "basicChart": {
                "chartType": "LINE",
                "domains": [{"domain": column(chart.domain_column)}],
                "series": [{"series": column(c)} for c in chart.series_columns],
                "headerCount": 1,
            },
        },
        "position": {
            "overlayPosition": {
                "anchorCell": {
                    "sheetId": sheet_id,
                    "rowIndex": chart.anchor_row,
                    "columnIndex": chart.anchor_column,
                }
            }
        },
    }


def _google_chart(chart: dict) -> Chart:
    """A chart as spreadsheets.get answers it, as the Chart it draws."""
    basic = chart["spec"]["basicChart"]

    def source(data: dict) -> dict:
        [grid_range] = data["sourceRange"]["sources"]
        return grid_range

    domain = source(basic["domains"][0]["domain"])
    anchor = chart["position"]["overlayPosition"]["anchorCell"]
    return Chart(
        chart["spec"]["title"],
        domain["startColumnIndex"],
        tuple(source(s["series"])["startColumnIndex"] for s in basic["series"]),
        domain["endRowIndex"] - 1,  # rows under the header
        anchor_row=anchor.get("rowIndex", 0),
        anchor_column=anchor.get("columnIndex", 0),
    )


# --- calendars ---------------------------------------------------------------------------------


CALENDAR_ADAPTERS = ["local", "google"]


@pytest.fixture(params=CALENDAR_ADAPTERS, ids=CALENDAR_ADAPTERS)
def calendar_harness(request: pytest.FixtureRequest) -> CalendarHarness:
    return request.getfixturevalue(f"{request.param}_calendar_harness")


@pytest.fixture
def local_calendar_harness(tmp_path: Path) -> CalendarHarness:
    from jobs.workspace.local.calendar import (
        LocalCalendar,
        add_foreign_event,
        delete_event,
        stored_events,
    )

    path = tmp_path / "calendar.ics"
    return CalendarHarness(
        calendar=LocalCalendar(tmp_path),
        calendar_id="calendar.ics",
        add_foreign_event=lambda summary, start, end: add_foreign_event(path, summary, start, end),
        set_busy=None,
        stored=lambda: stored_events(path),
        delete_event=lambda key: delete_event(path, key),
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

    def delete_event(key: str) -> None:
        # As a person deletes it in Google Calendar: it stays, cancelled, under its id.
        [google_id] = [event["id"] for event in stored() if event["key"] == key]
        fake_google.build("calendar").events().delete(
            calendarId=calendar_id, eventId=google_id
        ).execute()

    return CalendarHarness(
        calendar=GoogleCalendar(session),
        calendar_id=calendar_id,
        add_foreign_event=add_foreign,
        set_busy=set_busy,
        stored=stored,
        delete_event=delete_event,
    )


# --- drives ------------------------------------------------------------------------------------


DRIVE_ADAPTERS = ["local", "google"]


@pytest.fixture(params=DRIVE_ADAPTERS, ids=DRIVE_ADAPTERS)
def drive_harness(request: pytest.FixtureRequest) -> DriveHarness:
    return request.getfixturevalue(f"{request.param}_drive_harness")


@pytest.fixture
def local_drive_harness(tmp_path: Path) -> DriveHarness:
    from jobs.workspace.local.drive import MANIFEST, LocalDrive, add_hand_grant, manifest

    (tmp_path / "folders").mkdir()
    (tmp_path / "templates").mkdir()

    def template(name: str) -> str:
        (tmp_path / "templates" / f"{name}.xlsx").write_bytes(b"a template")
        return f"templates/{name}.xlsx"

    def rename(url: str, name: str) -> None:
        path = tmp_path / url
        path.rename(path.with_name(name))

    def access(url: str) -> set[tuple[str, str]]:
        return {(g["email"], g["role"]) for g in manifest(tmp_path, url)["grants"]}

    def files_in(url: str) -> list[str]:
        return sorted(
            p.name for p in (tmp_path / url).iterdir() if p.is_file() and p.name != MANIFEST
        )

    def snapshot() -> object:
        return {
            str(p.relative_to(tmp_path)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(tmp_path.rglob("*"))
            if p.is_file()
        }

    def shorten_tokens(url: str) -> None:
        data = manifest(tmp_path, url)
        data["ours"] = short_tokens(data["ours"])
        data["templates"] = short_tokens(data["templates"])
        data["copies"] = {t[:LEGACY_TOKEN_DIGITS]: name for t, name in data["copies"].items()}
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (tmp_path / url / MANIFEST).write_text(text, encoding="utf-8")

    return DriveHarness(
        drive=LocalDrive(tmp_path),
        root="folders",
        template=template,
        add_hand_grant=lambda url, email, role: add_hand_grant(tmp_path, url, email, role),
        rename=rename,
        access=access,
        files_in=files_in,
        delete_file=lambda url, name: (tmp_path / url / name).unlink(),
        delete_template=lambda reference: (tmp_path / reference).unlink(),
        snapshot=snapshot,
        shorten_tokens=shorten_tokens,
        edit_file=lambda url, name, when: os.utime(
            tmp_path / url / name, (when.timestamp(), when.timestamp())
        ),
    )


@pytest.fixture
def google_drive_harness(fake_google, google_harness: Harness) -> DriveHarness:
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient.discovery import build

    from jobs.workspace.google.discovery import build_service
    from jobs.workspace.google.drive import API_ROOT, GoogleDrive

    session = google_harness.workspace.session  # type: ignore[attr-defined]
    drive_id = fake_google.drive.add_shared_drive("Tutoring program")
    root = fake_google.drive.add_folder("Student folders", parents=[drive_id])
    # An educator's own Drive client: plain requests to the fake, not through tutorsync.
    educator = build(
        "drive",
        "v3",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": f"{fake_google.base_url}/drive/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )
    # An earlier tutorsync's client: its records are written with tutorsync's own access.
    tutorsync = build_service(session, "drive", "v3", API_ROOT)

    file_id = drive_file_id

    def template(name: str) -> str:
        return fake_google.drive.add_file(
            name, "application/vnd.google-apps.document", parents=[drive_id]
        )

    def rename(url: str, name: str) -> None:
        educator.files().update(
            fileId=file_id(url), body={"name": name}, supportsAllDrives=True
        ).execute()

    def access(url: str) -> set[tuple[str, str]]:
        return {
            (p["emailAddress"].lower(), p["role"])
            for p in fake_google.drive.permissions(file_id(url))
            if p["type"] == "user"
        }

    def children(url: str) -> list[dict]:
        return [
            f
            for f in fake_google.drive.files(include_trashed=False)
            if file_id(url) in f.get("parents", [])
        ]

    def files_in(url: str) -> list[str]:
        return sorted(
            f["name"]
            for f in children(url)
            if f["mimeType"] != "application/vnd.google-apps.folder"
        )

    def delete_file(url: str, name: str) -> None:
        [found] = [f for f in children(url) if f["name"] == name]
        educator.files().delete(fileId=found["id"], supportsAllDrives=True).execute()

    def delete_template(reference: str) -> None:
        educator.files().delete(fileId=reference, supportsAllDrives=True).execute()

    def edit_file(url: str, name: str, when: datetime) -> None:
        [found] = [f for f in children(url) if f["name"] == name]
        at = when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        fake_google.drive.edit(found["id"], at)

    def snapshot() -> object:
        return [
            (f, fake_google.drive.permissions(f["id"]))
            for f in sorted(fake_google.drive.files(), key=lambda f: f["id"])
        ]

    def shorten_tokens(url: str) -> None:
        def update(file_id: str, properties: dict) -> None:
            tutorsync.files().update(
                fileId=file_id, body={"properties": properties}, supportsAllDrives=True
            ).execute()

        shorten_drive_records(
            fake_google.drive.file(file_id(url)),
            fake_google.drive.files(include_trashed=False),
            update,
        )

    return DriveHarness(
        drive=GoogleDrive(session),
        root=root,
        template=template,
        add_hand_grant=lambda url, email, role: fake_google.drive.add_permission(
            file_id(url), email, role
        ),
        rename=rename,
        access=access,
        files_in=files_in,
        delete_file=delete_file,
        delete_template=delete_template,
        snapshot=snapshot,
        shorten_tokens=shorten_tokens,
        edit_file=edit_file,
    )
