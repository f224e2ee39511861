"""The progress job on Google: the demo program uploaded to the fake Google server, run through
the real gspread client, the production auth path and the paced transport."""

import base64
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fake_google.programs import upload_program

from jobs.cli import cli
from jobs.plan.tabs import UPDATED_PREFIX
from jobs.read import source_spreadsheets
from jobs.settings import load
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.cells import Link, Sparkline

TODAY = date(2026, 11, 23)  # the demo template is generated for this day (conftest.py)


def run(config: Path, *args: str, expect: int = 0) -> dict:
    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), "--json", *args]
    )
    assert result.exit_code == expect, result.output + repr(result.exception)
    [progress] = [job for job in json.loads(result.stdout)["jobs"] if job["job"] == "progress"]
    return progress


@pytest.fixture
def google_demo(demo, fake_google, google_workspace_settings) -> Path:
    return upload_program(fake_google, demo, google_workspace_settings)


def test_demo_runs_on_google_reading_each_spreadsheet_once_and_writing_each_once(
    google_demo, fake_google
):
    report = run(google_demo)
    assert report["ok"] and report["students"] > 40
    counts = fake_google.counts()
    settings = load(google_demo)
    sources = source_spreadsheets(settings)  # the demo's benchmark results among them
    targets = {
        settings.outputs.coordinator_spreadsheet,
        *settings.outputs.teacher_spreadsheets.values(),
    }
    targets |= {b.spreadsheet for b in settings.sources.gradebooks if "banda" not in b.teacher}
    targets |= {s.spreadsheet for s in settings.sources.tutor_logs}  # its Teacher feedback tab
    reads = [
        re.search(r"/spreadsheets/([^/:]+)", r.path).group(1)
        for r in fake_google.requests
        if r.method_id in ("sheets.spreadsheets.values.batchGet", "sheets.spreadsheets.get")
    ]
    # A gradebook tutorsync writes into is read once: its state read carries its grades too.
    assert len(reads) == len(set(reads)) == len(sources | targets) == 9
    assert counts["sheets.spreadsheets.values.batchGet"] == len(sources - targets) == 3
    written = {
        r.path for r in fake_google.requests if r.method_id == "sheets.spreadsheets.batchUpdate"
    }
    assert (
        counts["sheets.spreadsheets.batchUpdate"] == len(written) == 6
    )  # 4 teachers + tutor log + coordinator
    assert report["requests"]["sheets.spreadsheets.batchUpdate"] == 6


def test_second_run_on_google_makes_no_write(google_demo, fake_google):
    run(google_demo)
    fake_google.reset_log()
    report = run(google_demo)
    assert report["changes"] == 0
    counts = fake_google.counts()
    assert counts["sheets.spreadsheets.batchUpdate"] == 0
    assert set(counts) <= {
        "sheets.spreadsheets.values.batchGet",
        "sheets.spreadsheets.get",
        "calendar.events.list",
        "calendar.freebusy.query",
        "drive.files.get",  # the folders' root and the templates, in one batch
        "drive.files.list",  # the program's folders, one filtered listing
        "drive.batch",  # those gets; their sharing (a shared drive's listing lacks it)
        "drive.permissions.list",
        "oauth2.token",
    }
    assert counts["drive.batch"] == 2  # the gets; 60 students: one batch of permission reads


RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def test_google_and_local_runs_write_the_same_progress_tabs(demo, google_demo, fake_google):
    run(google_demo)
    CliRunner().invoke(
        cli, ["run", "--config", str(demo / "tutorsync.toml"), "--as-of", TODAY.isoformat()]
    )
    local = LocalWorkspace(demo).spreadsheets
    google_settings = load(google_demo)
    local_settings = load(demo / "tutorsync.toml")
    from jobs.workspace import open_workspace

    remote = open_workspace(google_settings).spreadsheets
    pairs = [
        (
            local_settings.outputs.coordinator_spreadsheet,
            google_settings.outputs.coordinator_spreadsheet,
        )
    ]
    pairs += list(
        zip(
            [
                b.spreadsheet
                for b in local_settings.sources.gradebooks
                if b.spreadsheet.endswith(".xlsx")
            ],
            [b.spreadsheet for b in google_settings.sources.gradebooks if "banda" not in b.teacher],
            strict=True,
        )
    )
    compared = 0
    for local_ref, google_ref in pairs:
        here, there = local.read_state(local_ref), remote.read_state(google_ref)
        for key, tab in here.owned.items():
            if key.endswith(("run-log", "data-issues")):
                continue  # times, and spreadsheet names that are paths here and URLs there
            assert _without_links(there.owned[key].grid) == _without_links(tab.grid), (
                local_ref,
                key,
            )
            compared += 1
    # The summary, the program overview, the weekly history, impact and three gradebook tabs.
    assert compared == 7


def _without_links(grid: list[list]) -> list[list]:
    """Folder links are Drive URLs on Google and paths locally, and a sparkline is a chart on
    Google and block characters locally: compare their text only. The two runs may fall in
    different minutes, so the "Last updated" line's clock time is compared as a placeholder."""
    return [[_comparable(cell) for cell in row] for row in grid]


def _comparable(cell: object) -> object:
    if isinstance(cell, Link | Sparkline):
        return cell.text
    if isinstance(cell, str) and cell.startswith(UPDATED_PREFIX):
        return RUN_TIME.sub("<run time>", cell, count=1)
    return cell


def test_formula_like_notes_reach_google_as_text(google_demo, fake_google):
    run(google_demo)
    settings = load(google_demo)
    from jobs.workspace.google.sheets import spreadsheet_id

    coordinator = spreadsheet_id(settings.outputs.coordinator_spreadsheet)
    formulas = [
        (cell or {}).get("userEnteredValue", {}).get("formulaValue")
        for title in fake_google.sheets.sheet_titles(coordinator)
        for row in fake_google.sheets.cells(coordinator, title)
        for cell in row
    ]
    # The only formulas are the grade-trend sparklines tutorsync builds from numbers.
    written = [f for f in formulas if f]
    assert written and all(re.fullmatch(r"=SPARKLINE\(\{[0-9;-]+\}\)", f) for f in written)


def test_rate_limits_and_dropped_connections_are_retried_to_the_same_result(
    google_demo, fake_google, monkeypatch
):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # backoff without waiting
    fake_google.faults.fail(429, method="sheets.spreadsheets.values.batchGet", nth=2)
    fake_google.faults.fail(503, method="sheets.spreadsheets.batchUpdate", nth=1)
    fake_google.faults.drop(method="sheets.spreadsheets.get", nth=1)
    report = run(google_demo)
    assert report["ok"]
    fake_google.faults.clear()
    assert run(google_demo)["changes"] == 0


def test_a_write_applied_but_answered_503_is_not_duplicated(google_demo, fake_google, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    fake_google.faults.fail_after_apply("sheets.spreadsheets.batchUpdate", times=5)
    report = run(google_demo)
    assert report["ok"]
    settings = load(google_demo)
    from jobs.workspace.google.sheets import spreadsheet_id

    titles = fake_google.sheets.sheet_titles(
        spreadsheet_id(settings.outputs.coordinator_spreadsheet)
    )
    assert sorted(titles) == [
        "Data issues",
        "Impact",
        "Program overview",
        "Progress summary",
        "Run log",
        "Sheet1",
        "Weekly history",
    ]
    fake_google.faults.clear()
    assert run(google_demo)["changes"] == 0


def test_a_forbidden_spreadsheet_fails_fast_naming_it(google_demo, fake_google):
    settings = load(google_demo)
    from jobs.workspace.google.sheets import spreadsheet_id

    roster = spreadsheet_id(settings.sources.roster.spreadsheet)
    fake_google.sheets.forbid(roster)
    result = CliRunner().invoke(
        cli, ["run", "--config", str(google_demo), "--as-of", TODAY.isoformat()]
    )
    assert result.exit_code == 1
    assert roster in result.output and "share it with" in result.output
    reads = [r for r in fake_google.requests if roster in r.path]
    assert [r.status for r in reads] == [403]  # asked once: a permission error is not retried


def test_doctor_on_google_checks_every_spreadsheet_without_changing_any(google_demo, fake_google):
    result = CliRunner().invoke(cli, ["doctor", "--config", str(google_demo)])
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output
    writes = [r for r in fake_google.requests if r.method_id == "sheets.spreadsheets.batchUpdate"]
    assert all(r.body["requests"][0].keys() == {"updateSpreadsheetProperties"} for r in writes)
    run(google_demo)  # and the program still runs as before


def test_doctor_on_google_names_a_spreadsheet_not_shared(google_demo, fake_google):
    from jobs.workspace.google.sheets import spreadsheet_id

    coordinator = spreadsheet_id(load(google_demo).outputs.coordinator_spreadsheet)
    fake_google.sheets.forbid(coordinator)
    result = CliRunner().invoke(cli, ["doctor", "--config", str(google_demo)])
    assert result.exit_code == 1
    assert f"FIX write https://docs.google.com/spreadsheets/d/{coordinator}/edit" in result.output
    assert "tutorsync@tutorsync-tests.iam.gserviceaccount.com may not open" in result.output
    assert "share it with that account (Editor" in result.output


def test_check_ins_on_google_take_one_listing_one_free_busy_query_and_batched_inserts(
    google_demo, fake_google
):
    from fake_google.programs import PROGRAM_CALENDAR

    fake_google.calendar.add_event(
        PROGRAM_CALENDAR,
        {
            "summary": "Staff meeting",
            "start": {"dateTime": "2026-11-24T08:00:00-06:00"},
            "end": {"dateTime": "2026-11-24T09:00:00-06:00"},
        },
    )
    jobs = {job["job"]: job for job in run_all_jobs(google_demo)}
    checkins = jobs["checkins"]
    assert checkins["job"] == "checkins" and checkins["ok"] and checkins["changes"] > 0
    counts = fake_google.counts()
    assert counts["calendar.events.list"] == 1 and counts["calendar.freebusy.query"] == 1
    assert counts["calendar.events.insert"] == checkins["changes"]
    assert counts["calendar.batch"] == -(-checkins["changes"] // 50)
    summaries = [e["summary"] for e in fake_google.calendar.events(PROGRAM_CALENDAR)]
    assert "Staff meeting" in summaries

    fake_google.reset_log()
    again = {job["job"]: job for job in run_all_jobs(google_demo)}
    assert again["checkins"]["changes"] == 0
    writes = {
        m
        for m in fake_google.counts()
        if m.split(".")[-1] in ("insert", "patch", "batch", "batchUpdate")
    }
    assert writes == {"drive.batch"}  # a batch of permission reads
    assert fake_google.counts()["drive.permissions.list"] > 0


def run_all_jobs(config: Path) -> list[dict]:
    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return json.loads(result.stdout)["jobs"]


def test_a_series_goes_to_the_first_time_both_people_are_free(google_demo, fake_google):
    tutor, tutor_name = "tutor.bello@riverbend.example", "Tutor Bello"
    fake_google.calendar.add_event(
        tutor,
        {
            "summary": "Dentist",
            "start": {"dateTime": "2026-11-24T15:00:00-06:00"},
            "end": {"dateTime": "2026-11-24T16:10:00-06:00"},
        },
    )
    run_all_jobs(google_demo)
    from fake_google.programs import PROGRAM_CALENDAR

    starts = {
        e["summary"]: e["start"]["dateTime"]
        for e in fake_google.calendar.events(PROGRAM_CALENDAR)
        if e["summary"].startswith("Tutor-teacher check-in")
    }
    theirs = [start for summary, start in starts.items() if tutor_name in summary]
    others = [start for summary, start in starts.items() if tutor_name not in summary]
    assert theirs and all(start.startswith("2026-11-24T16:15") for start in theirs)
    assert others and all(start.startswith("2026-11-24T15:30") for start in others)


def test_check_ins_alone_and_in_a_full_run_describe_events_the_same(google_demo, fake_google):
    run_all_jobs(google_demo)
    result = CliRunner().invoke(
        cli, ["checkins", "--config", str(google_demo), "--as-of", TODAY.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    [checkins] = json.loads(result.stdout)["jobs"]
    assert checkins["changes"] == 0


def test_folders_on_google_are_shared_linked_and_left_alone_by_a_rerun(google_demo, fake_google):
    from fake_google.programs import PROGRAM_CALENDAR

    jobs = {job["job"]: job for job in run_all_jobs(google_demo)}
    assert jobs["folders"]["ok"] and jobs["folders"]["changes"] > 0
    settings = load(google_demo)
    students = {
        f["properties"]["tutorsync-student"]: f
        for f in fake_google.drive.files()
        if (f.get("properties") or {}).get("tutorsync-kind") == "student"
    }
    assert len(students) == jobs["progress"]["students"]
    for folder in students.values():
        direct = [
            p
            for p in fake_google.drive.permissions(folder["id"])
            if not any(d.get("inherited") for d in p.get("permissionDetails", []))
        ]
        assert direct and {p["type"] for p in direct} == {"user"}
        assert all(p["emailAddress"].endswith("@riverbend.example") for p in direct)
        assert {p["role"] for p in direct} == {"writer"}
    assert fake_google.drive.notifications == []  # notify = false: no sharing e-mails
    remote = open_workspace_for(settings)
    summary = remote.read_state(settings.outputs.coordinator_spreadsheet).owned[
        f"tutorsync:{settings.program.key}:summary"
    ]
    column = summary.grid[0].index("Folder")
    links = {row[0]: row[column] for row in summary.grid[1:] if len(row) > column and row[column]}
    assert {student_id: link.url for student_id, link in links.items()} == {
        student_id: f"https://drive.google.com/drive/folders/{f['id']}"
        for student_id, f in students.items()
    }
    descriptions = " ".join(
        e.get("description", "") for e in fake_google.calendar.events(PROGRAM_CALENDAR)
    )
    assert "Shared folders:" in descriptions and "drive.google.com" in descriptions

    fake_google.reset_log()
    again = {job["job"]: job for job in run_all_jobs(google_demo)}
    assert again["folders"]["changes"] == 0
    drive_writes = {
        m: n
        for m, n in fake_google.counts().items()
        if m.startswith("drive.") and m.split(".")[-1] in ("create", "copy", "update", "delete")
    }
    assert drive_writes == {}


def open_workspace_for(settings):
    from jobs.workspace import open_workspace

    return open_workspace(settings).spreadsheets


def test_conditional_formats_and_teachers_filter_views_are_replaced_not_piled_up(
    google_demo, fake_google
):
    from jobs.workspace.google.sheets import spreadsheet_id

    run(google_demo)
    coordinator = spreadsheet_id(load(google_demo).outputs.coordinator_spreadsheet)

    def rules() -> list[dict]:
        [sheet] = [
            s
            for s in fake_google.sheets.spreadsheet(coordinator)["sheets"]
            if s["properties"]["title"] == "Progress summary"
        ]
        return sheet.get("conditionalFormats", [])

    first = rules()
    assert [r["booleanRule"]["condition"]["type"] for r in first] == [
        *("TEXT_EQ", "TEXT_EQ", "NOT_BLANK", "NOT_BLANK", "NUMBER_LESS", "NUMBER_LESS"),
    ]

    def views() -> list[str]:
        [sheet] = [
            s
            for s in fake_google.sheets.spreadsheet(coordinator)["sheets"]
            if s["properties"]["title"] == "Progress summary"
        ]
        return sorted(v["title"] for v in sheet.get("filterViews", []))

    # By name, as the staff list gives them, and as the Teachers column shows them.
    teachers = ["Mr. Banda", "Mr. Lindgren", "Ms. Okafor", "Ms. Reyes"]
    assert views() == [f"Students of {teacher}" for teacher in teachers]
    # A day later the figures change and the tab is rewritten: its rules and filter views are
    # replaced, not added to.
    result = CliRunner().invoke(cli, ["run", "--config", str(google_demo), "--as-of", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert rules() == first
    assert views() == [f"Students of {teacher}" for teacher in teachers]


def test_progress_tabs_link_each_students_next_check_in_on_google(google_demo, fake_google):
    import base64

    from fake_google.programs import PROGRAM_CALENDAR

    run(google_demo)
    settings = load(google_demo)
    summary = (
        open_workspace_for(settings)
        .read_state(settings.outputs.coordinator_spreadsheet)
        .owned[f"tutorsync:{settings.program.key}:summary"]
    )
    column = summary.grid[0].index("Next check-in")
    links = [row[column] for row in summary.grid[1:] if len(row) > column and row[column]]
    event_ids = {e["id"] for e in fake_google.calendar.events(PROGRAM_CALENDAR)}
    assert links
    for link in links:
        eid = link.url.split("eid=")[1]
        event_id, calendar = base64.urlsafe_b64decode(eid + "==").decode().split(" ")
        assert event_id in event_ids and calendar == PROGRAM_CALENDAR
        assert link.text.startswith(("Mon", "Tue", "Wed", "Thu", "Fri"))


def test_a_check_in_a_person_deleted_on_google_is_made_again_once(google_demo, fake_google):
    # Google keeps a deleted event's id: it cannot be inserted again, nor patched back.
    from fake_google.programs import PROGRAM_CALENDAR

    def live() -> dict[str, str]:
        """Each live check-in's key -> its event id."""
        return {
            e["extendedProperties"]["private"]["tutorsync-key"]: e["id"]
            for e in fake_google.calendar.events(PROGRAM_CALENDAR, include_cancelled=False)
            if "tutorsync-key" in e.get("extendedProperties", {}).get("private", {})
        }

    run_all_jobs(google_demo)
    before = live()
    key = next(k for k in sorted(before) if ":checkin:" in k)
    fake_google.build("calendar").events().delete(
        calendarId=PROGRAM_CALENDAR, eventId=before[key]
    ).execute()

    checkins = {job["job"]: job for job in run_all_jobs(google_demo)}["checkins"]

    assert checkins["ok"] and checkins["changes"] == 1
    assert live() == before | {key: before[key] + "g1"}
    settings = load(google_demo)
    summary = (
        open_workspace_for(settings)
        .read_state(settings.outputs.coordinator_spreadsheet)
        .owned[f"tutorsync:{settings.program.key}:summary"]
    )
    column = summary.grid[0].index("Next check-in")
    linked = {
        base64.urlsafe_b64decode(row[column].url.split("eid=")[1] + "==").decode().split(" ")[0]
        for row in summary.grid[1:]
        if len(row) > column and row[column]
    }
    assert linked and linked <= set(live().values())  # no link opens the deleted event
    fake_google.reset_log()

    again = {job["job"]: job for job in run_all_jobs(google_demo)}["checkins"]

    assert again["ok"] and again["changes"] == 0
    assert not {m for m in fake_google.counts() if m.startswith("calendar.")} - {
        "calendar.events.list",
        "calendar.freebusy.query",
    }


def test_the_filter_covers_the_students_not_the_last_updated_line(google_demo, fake_google, demo):
    """Sorting by the filter buttons never moves the "Last updated" line among the students,
    on Google and in an .xlsx file alike."""
    from jobs.workspace.google.sheets import spreadsheet_id

    run(google_demo)
    coordinator = spreadsheet_id(load(google_demo).outputs.coordinator_spreadsheet)
    [sheet] = [
        s
        for s in fake_google.sheets.spreadsheet(coordinator)["sheets"]
        if s["properties"]["title"] == "Progress summary"
    ]
    values = fake_google.sheets.values(coordinator, "Progress summary")
    assert str(values[-1][0]).startswith("Last updated ")
    assert sheet["basicFilter"]["range"]["endRowIndex"] == len(values) - 1

    run(demo / "tutorsync.toml")
    book = openpyxl.load_workbook(demo / "coordinator.xlsx")
    tab = book["Progress summary"]
    assert str(tab.cell(tab.max_row, 1).value).startswith("Last updated ")
    assert tab.auto_filter.ref.endswith(str(tab.max_row - 1))


def test_a_teachers_tab_prints_who_and_why_with_the_header_on_every_page(demo):
    run(demo / "tutorsync.toml")
    settings = load(demo / "tutorsync.toml")
    gradebook = settings.sources.gradebooks[0].spreadsheet
    tab = openpyxl.load_workbook(demo / gradebook)[settings.outputs.teacher_tab]
    printed = [tab.cell(1, column).value for column in range(1, 9)]

    assert tab.print_title_rows == "$1:$1"
    assert tab.print_area == f"'{tab.title}'!$A$1:$H${tab.max_row}"
    assert printed[:2] == ["Student ID", "Student"] and printed[-1] == "Tutor's next steps"
    assert tab.page_setup.orientation == "landscape"
