"""The program resources folder and the learning plans, end to end on the demo program: locally
and on the fake Google server. The resources folder is shared with every educator of the roster
and follows it; each student's learning plan is found with the day anyone last changed it, from
Drive's metadata (locally the file's modification time), without reading it; the demo marks
its template `learning_plan = true`, so its first run links every plan it copies."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from e2e.conftest import TODAY, Tutorsync
from fake_google.programs import upload_program

from jobs.folders import begin_folders
from jobs.model.drive import token
from jobs.plan.folders import RESOURCES_KEY
from jobs.read import read_folder_links, read_roster
from jobs.settings import load
from jobs.workspace import open_workspace
from jobs.workspace.local.drive import add_hand_grant
from sheets_schema.cells import Link

MANIFEST = ".tutorsync-folder.json"
COORDINATOR = "coordinator@riverbend.example"
PLAN_NAME = 'name = "Individual learning plan"'


def manifests_of(demo: Path, kind: str) -> dict[str, dict]:
    """Key -> manifest (with its directory) of each folder of that kind."""
    found = {}
    for path in (demo / "folders").rglob(MANIFEST):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["kind"] == kind:
            found[data["key"]] = data | {"dir": path.parent}
    return found


def roster_educators(demo: Path) -> set[str]:
    """Every tutor and teacher of an active student on the demo roster."""
    rows = list(openpyxl.load_workbook(demo / "roster.xlsx")["Roster"].iter_rows(values_only=True))
    return {
        email.strip().lower()
        for student_id, _, _, teacher, tutor, active in rows[1:]
        if student_id and (active is None or str(active).lower() in ("yes", "active"))
        for email in (teacher, tutor)
        if email
    }


def set_roster_tutor(demo: Path, old: str, new: str) -> None:
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    sheet = book["Roster"]
    for row in range(2, sheet.max_row + 1):
        if str(sheet.cell(row, 5).value or "").lower() == old:
            sheet.cell(row, 5).value = new
    book.save(demo / "roster.xlsx")


def test_the_demo_marks_its_template_as_the_learning_plan(demo) -> None:
    text = (demo / "tutorsync.toml").read_text(encoding="utf-8")
    assert f"{PLAN_NAME}\nlearning_plan = true" in text


def copied_today(settings) -> str:
    """The Learning plan cell of a plan this run copied: dated the day it was made, by the
    clock (the runs' --as-of is another day), as the next run's listing dates it."""
    return f"Plan, updated {datetime.now(ZoneInfo(settings.program.timezone)).date()}"


# --- Locally -------------------------------------------------------------------------------------


def test_resources_folder_is_shared_with_every_educator_and_follows_the_roster(demo, tutorsync):
    report = tutorsync.json("folders")
    assert {"change": "create_folder", "folder": RESOURCES_KEY} in [
        {k: c[k] for k in ("change", "folder")} for c in report["folders"]
    ]
    [resources] = manifests_of(demo, "resources").values()
    assert resources["dir"].parent == demo / "folders"
    assert resources["dir"].name == "Program resources"
    granted = {g["email"] for g in resources["grants"]}
    assert granted == roster_educators(demo) | {COORDINATOR}
    assert set(resources["ours"]) == {token(email) for email in granted}

    # A tutor leaves the roster (their students go to someone new), one shared by hand stays.
    leaving = sorted(email for email in granted if "tutor" in email)[0]
    set_roster_tutor(demo, leaving, "new.tutor@riverbend.example")
    url = resources["dir"].relative_to(demo).as_posix()
    add_hand_grant(demo, url, "librarian@riverbend.example", "reader")
    report = tutorsync.json("folders")
    on_resources = sorted(
        (c["change"], c.get("email", "")) for c in report["folders"] if c["folder"] == RESOURCES_KEY
    )
    assert [change for change, _ in on_resources] == ["revoke_grant", "share_folder"]
    [resources] = manifests_of(demo, "resources").values()
    granted = {g["email"] for g in resources["grants"]}
    assert granted == roster_educators(demo) | {COORDINATOR, "librarian@riverbend.example"}
    assert leaving not in granted
    assert tutorsync.json("folders")["changes"] == 0


def test_dry_run_and_audit_show_the_resources_folder(demo, tutorsync):
    result = tutorsync("folders", "--dry-run")
    assert f"would create folder {RESOURCES_KEY}" in result.output
    assert f"would share {RESOURCES_KEY} with {COORDINATOR}" in result.output
    assert not manifests_of(demo, "resources")
    tutorsync("folders")
    audit = tutorsync.json("folders", "--audit")["audit"]
    [resources] = [a for a in audit if a["folder"] == RESOURCES_KEY]
    assert resources["status"] == "resources" and resources["findings"] == 0


def yesterday_noon(settings) -> datetime:
    zone = ZoneInfo(settings.program.timezone)
    return datetime.combine(TODAY - timedelta(days=1), time(12), tzinfo=zone)


def both_links(settings, workspace):
    """The plans as the folders job hands them on, and as a job run alone reads them."""
    roster, issues = read_roster(settings, workspace)
    under_way = begin_folders(
        settings, workspace, roster, issues, as_of=TODAY, dry_run=True, background=False
    )
    under_way.finish()
    return under_way.links.plans, read_folder_links(settings, workspace).plans


def test_the_first_run_links_every_plan_it_copies_and_a_second_run_changes_nothing(demo, tutorsync):
    tutorsync("run")

    sheet = openpyxl.load_workbook(demo / "coordinator.xlsx")["Progress summary"]
    column = [c.value for c in sheet[1]].index("Learning plan") + 1
    cells = {
        str(sheet.cell(row, 1).value): sheet.cell(row, column)
        for row in range(2, sheet.max_row + 1)
    }
    folders = manifests_of(demo, "student").values()
    assert folders and {m["student"] for m in folders} <= set(cells)
    today = copied_today(load(demo / "tutorsync.toml"))
    for folder in folders:
        [plan_file] = [p for p in folder["dir"].iterdir() if p.name != MANIFEST]
        cell = cells[folder["student"]]
        assert cell.value == today
        assert (demo / cell.hyperlink.target).resolve() == plan_file.resolve()
    assert tutorsync.json("run")["changes"] == 0


def test_a_plan_touched_yesterday_has_that_date_and_a_student_without_one_has_none(demo):
    config = demo / "tutorsync.toml"
    Tutorsync(config)("folders")
    folders = manifests_of(demo, "student")
    touched, emptied, *_ = sorted(folders.values(), key=lambda m: m["student"])
    [plan_file] = [p for p in touched["dir"].iterdir() if p.name != MANIFEST]
    when = yesterday_noon(load(config)).timestamp()
    os.utime(plan_file, (when, when))
    for path in emptied["dir"].iterdir():
        if path.name != MANIFEST:
            path.unlink()

    settings = load(config)
    from_folders_job, read_alone = both_links(settings, open_workspace(settings))

    assert from_folders_job == read_alone
    plan = read_alone[touched["student"]]
    assert plan.modified == TODAY - timedelta(days=1)
    assert (demo / plan.url).resolve() == plan_file.resolve()
    assert emptied["student"] not in read_alone
    assert len(read_alone) == len(folders) - 1


# --- On the fake Google server --------------------------------------------------------------------


@pytest.fixture
def google_demo(demo, fake_google, google_workspace_settings) -> Path:
    return upload_program(fake_google, demo, google_workspace_settings)


def summary_plans(settings) -> dict[str, Link]:
    """Student ID -> the Learning plan cell of the coordinator's summary on Google."""
    sheets = open_workspace(settings).spreadsheets
    summary = sheets.read_state(settings.outputs.coordinator_spreadsheet).owned[
        f"tutorsync:{settings.program.key}:summary"
    ]
    column = summary.grid[0].index("Learning plan")
    return {row[0]: row[column] for row in summary.grid[1:] if len(row) > column and row[column]}


def plan_copies(fake_google) -> dict[str, dict]:
    """Student ID -> the copy of the learning-plan template in their folder, on the fake."""
    return {
        f["properties"]["tutorsync-folder"].rpartition(":")[2]: f
        for f in fake_google.drive.files(include_trashed=False)
        if (f.get("properties") or {}).get("tutorsync-kind") == "template-copy"
    }


def test_on_google_the_first_run_links_every_plan_it_copies_and_a_second_changes_nothing(
    google_demo, fake_google
):
    # The demo's template is an .xlsx file: Drive copies it with a generated ID, known first.
    google = Tutorsync(google_demo)
    google("run")

    settings = load(google_demo)
    copies = plan_copies(fake_google)
    cells = summary_plans(settings)
    assert copies and set(copies) <= set(cells)
    for student_id, copy in copies.items():
        assert cells[student_id] == Link(
            copied_today(settings), f"https://drive.google.com/file/d/{copy['id']}/view"
        )
    assert google.json("run")["changes"] == 0


def test_on_google_a_plan_copied_from_a_google_doc_is_linked_on_the_run_that_copies_it(
    google_demo, fake_google
):
    # Drive gives a Google Doc's copy no generated ID: its address is known once it is made,
    # so the progress tabs wait for Drive's answers and link it; a second run changes nothing.
    text = google_demo.read_text(encoding="utf-8")
    settings = load(google_demo)
    [template] = settings.folders.templates
    doc = fake_google.drive.add_file(template.name, "application/vnd.google-apps.document")
    google_demo.write_text(text.replace(template.file, doc), encoding="utf-8")
    google = Tutorsync(google_demo)
    google("run")

    copies = plan_copies(fake_google)
    roster, _ = read_roster(settings, open_workspace(settings))
    active = {str(student_id) for student_id in roster.active.index}
    assert copies and set(copies) == active  # every active student's plan copied ...
    cells = summary_plans(settings)
    assert set(cells) == active  # ... and linked, by the run that copied it
    for student_id, copy in copies.items():
        assert cells[student_id] == Link(
            copied_today(settings), f"https://docs.google.com/document/d/{copy['id']}/edit"
        )
    assert google.json("run")["changes"] == 0
    assert plan_copies(fake_google) == copies  # never copied again


def google_roster_tutor(fake_google, settings, old: str, new: str) -> None:
    """An educator changes a tutor on the roster in Google Sheets."""
    roster = settings.sources.roster
    spreadsheet = re.search(r"/d/([A-Za-z0-9_-]+)", roster.spreadsheet).group(1)
    grid = fake_google.sheets.values(spreadsheet, roster.tab)
    changed = [[new if str(v).lower() == old else v for v in row] for row in grid]
    fake_google.build("sheets").spreadsheets().values().update(
        spreadsheetId=spreadsheet,
        range=f"{roster.tab}!A1",
        valueInputOption="RAW",
        body={"values": changed},
    ).execute()


def test_on_google_the_resources_folder_follows_the_roster_and_plans_carry_drives_date(
    google_demo, fake_google, demo
):
    google = Tutorsync(google_demo)
    google("folders")
    settings = load(google_demo)
    workspace = open_workspace(settings, jobs=("folders",))

    def resources_shared() -> set[str]:
        listed = workspace.drive.list_folders(settings.folders.root, settings.program.key)
        [resources] = [f for f in listed if f.key == RESOURCES_KEY]
        return {g.email for g in resources.grants if g.kind == "user" and not g.inherited}

    assert resources_shared() == roster_educators(demo) | {COORDINATOR}
    leaving = sorted(e for e in resources_shared() if "tutor" in e)[0]
    google_roster_tutor(fake_google, settings, leaving, "new.tutor@riverbend.example")
    report = google.json("folders")
    on_resources = sorted(c["change"] for c in report["folders"] if c["folder"] == RESOURCES_KEY)
    assert on_resources == ["revoke_grant", "share_folder"]
    assert leaving not in resources_shared()
    assert "new.tutor@riverbend.example" in resources_shared()
    assert google.json("folders")["changes"] == 0

    # Learning plans: one a person edited yesterday, one deleted.
    copies = [
        f
        for f in fake_google.drive.files(include_trashed=False)
        if (f.get("properties") or {}).get("tutorsync-kind") == "template-copy"
    ]
    touched, deleted, *_ = sorted(copies, key=lambda f: f["id"])
    at = yesterday_noon(settings).astimezone(UTC).isoformat(timespec="milliseconds")
    fake_google.drive.edit(touched["id"], at.replace("+00:00", "Z"))
    fake_google.build("drive").files().delete(
        fileId=deleted["id"], supportsAllDrives=True
    ).execute()
    student_of = {f["id"]: f["properties"]["tutorsync-folder"].rpartition(":")[2] for f in copies}
    before = dict(fake_google.counts())

    from_folders_job, read_alone = both_links(settings, workspace)

    assert from_folders_job == read_alone
    plan = read_alone[student_of[touched["id"]]]
    assert plan.modified == TODAY - timedelta(days=1)
    assert plan.url == f"https://drive.google.com/file/d/{touched['id']}/view"
    assert student_of[deleted["id"]] not in read_alone
    assert len(read_alone) == len(copies) - 1
    # Drive's metadata only: no file's contents read or exported, no request per plan.
    made = {m: n - before.get(m, 0) for m, n in fake_google.counts().items()}
    assert not {m for m, n in made.items() if n} - {
        "drive.files.get",
        "drive.files.list",
        "drive.permissions.list",
        "sheets.spreadsheets.values.batchGet",
        "drive.batch",
    }
    # Each read: the root (files.get) and one listing; the folders job checks the template too.
    assert (made["drive.files.get"], made["drive.files.list"]) == (3, 2)
