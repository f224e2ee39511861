"""The folders job on the demo program, locally: a folder per student, shared as the roster
says, linked from the progress tabs and the check-ins, and kept right on every run."""

import hashlib
import json
from pathlib import Path

import openpyxl

from jobs import settings as settings_module
from jobs.model.drive import token
from jobs.workspace.local.drive import add_hand_grant

MANIFEST = ".tutorsync-folder.json"


def manifests(demo: Path) -> dict[str, dict]:
    """Student ID -> the manifest of their folder."""
    found = {}
    for path in (demo / "folders").rglob(MANIFEST):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["kind"] == "student":
            found[data["student"]] = data | {"dir": path.parent}
    return found


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def roster_people(demo: Path) -> dict[str, set[str]]:
    """Active student ID -> tutors and teachers, from the demo roster."""
    rows = list(openpyxl.load_workbook(demo / "roster.xlsx")["Roster"].iter_rows(values_only=True))
    people: dict[str, set[str]] = {}
    for student_id, _, _, teacher, tutor, active in rows[1:]:
        if student_id and (active is None or str(active).lower() in ("yes", "active")):
            people.setdefault(str(student_id), set()).update(
                e.strip().lower() for e in (teacher, tutor) if e
            )
    return people


def test_run_makes_one_folder_per_active_student_shared_with_exactly_their_people(demo, tutorsync):
    report = tutorsync.json("folders")
    assert report["ok"] and report["changes"] > 0
    folders = manifests(demo)
    people = roster_people(demo)
    assert set(folders) == set(people)
    coordinator = "coordinator@riverbend.example"
    for student_id, manifest in folders.items():
        granted = {g["email"] for g in manifest["grants"]}
        assert granted == people[student_id] | {coordinator}
        assert {g["role"] for g in manifest["grants"]} == {"writer"}
        assert set(manifest["ours"]) == {token(email) for email in granted}
        copies = [p.name for p in manifest["dir"].iterdir() if p.name != MANIFEST]
        assert len(copies) == 1 and copies[0].startswith("Individual learning plan - ")


def test_a_second_run_changes_no_file(demo, tutorsync):
    tutorsync("run")
    before = snapshot(demo)
    report = tutorsync.json("run")
    assert report["changes"] == 0
    assert snapshot(demo) == before


def test_progress_tabs_and_check_ins_link_each_students_folder(demo, tutorsync):
    tutorsync("run")
    sheet = openpyxl.load_workbook(demo / "coordinator.xlsx")["Progress summary"]
    header = [c.value for c in sheet[1]]
    column = header.index("Folder") + 1
    links = {
        str(sheet.cell(row, 1).value): sheet.cell(row, column).hyperlink.target
        for row in range(2, sheet.max_row + 1)
        if sheet.cell(row, column).hyperlink is not None
    }
    folders = manifests(demo)
    assert set(links) == set(folders)
    for student_id, target in links.items():
        assert (demo / target).resolve() == folders[student_id]["dir"].resolve()
    calendar = (demo / "calendar.ics").read_text(encoding="utf-8")
    assert "Shared folders:" in calendar.replace("\r\n ", "")


def test_tutor_reassignment_grants_one_and_revokes_one_and_keeps_a_hand_grant(demo, tutorsync):
    tutorsync("folders")
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    sheet = book["Roster"]
    row = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, 6).value == "Yes" and sheet.cell(r, 5).value
    )
    student_id, old_tutor = str(sheet.cell(row, 1).value), sheet.cell(row, 5).value.lower()
    rows_of_student = [
        r for r in range(2, sheet.max_row + 1) if str(sheet.cell(r, 1).value) == student_id
    ]
    for r in rows_of_student:
        sheet.cell(r, 5).value = "new.tutor@riverbend.example"
    book.save(demo / "roster.xlsx")
    folder_url = str(manifests(demo)[student_id]["dir"].relative_to(demo).as_posix())
    add_hand_grant(demo, folder_url, "parent@riverbend.example", "reader")

    report = tutorsync.json("folders")
    # The program resources folder follows the roster too (its own tests say how).
    kinds = [(c["change"], c["folder"]) for c in report["folders"] if c["folder"] != "resources"]
    key = manifests(demo)[student_id]["key"]
    assert sorted(kinds) == [("revoke_grant", key), ("share_folder", key)]
    granted = {g["email"] for g in manifests(demo)[student_id]["grants"]}
    assert "new.tutor@riverbend.example" in granted and old_tutor not in granted
    assert "parent@riverbend.example" in granted


def test_a_student_who_leaves_is_archived_with_the_coordinator_only(demo, tutorsync):
    tutorsync("folders")
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    sheet = book["Roster"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 6).value == "Yes")
    student_id = str(sheet.cell(row, 1).value)
    for r in range(2, sheet.max_row + 1):
        if str(sheet.cell(r, 1).value) == student_id:
            sheet.cell(r, 6).value = "withdrawn"
    book.save(demo / "roster.xlsx")
    tutorsync("folders")
    config = settings_module.load(demo / "tutorsync.toml")
    archived = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (demo / "folders" / config.folders.term / "Archived").rglob(MANIFEST)
    ]
    archived = [m for m in archived if m["kind"] == "student"]
    assert [m["student"] for m in archived] == [student_id]
    assert [g["email"] for g in archived[0]["grants"]] == ["coordinator@riverbend.example"]


def test_a_renamed_folder_is_still_found_and_not_duplicated(demo, tutorsync):
    tutorsync("folders")
    first = next(iter(manifests(demo).values()))["dir"]
    first.rename(first.with_name("Renamed by a teacher"))
    report = tutorsync.json("folders")
    assert report["changes"] == 0
    # + the term's folder and the program resources folder
    assert len(list((demo / "folders").rglob(MANIFEST))) == len(manifests(demo)) + 2


def test_a_damaged_manifest_fails_the_folders_job_and_never_makes_the_folder_twice(demo, tutorsync):
    tutorsync("folders")
    folder = next(iter(manifests(demo).values()))
    path = folder["dir"] / MANIFEST
    stored = path.read_bytes()
    path.write_bytes(stored[: len(stored) // 2])  # a write cut short, say
    before = sorted(p.name for p in folder["dir"].parent.iterdir())

    result = tutorsync("run", "--json", expect=1)  # not 0: the student's folder is not kept

    jobs = {job["job"]: job for job in json.loads(result.stdout)["jobs"]}
    [failure] = jobs["folders"]["failures"]
    assert f"{folder['key']}: creating the folder: 1 folder(s) or {MANIFEST}" in failure
    assert jobs["checkins"]["ok"] and jobs["progress"]["ok"]  # the other jobs go on
    assert sorted(p.name for p in folder["dir"].parent.iterdir()) == before  # no second one
    path.write_bytes(stored)
    assert tutorsync.json("run")["ok"]
    # + the term's folder and the program resources folder
    assert len(list((demo / "folders").rglob(MANIFEST))) == len(manifests(demo)) + 2


def test_dry_run_lists_every_change_and_creates_nothing(demo, tutorsync):
    result = tutorsync("folders", "--dry-run")
    assert "would create folder" in result.output and "would share" in result.output
    assert "would copy template" in result.output
    assert list((demo / "folders").iterdir()) == []


def test_audit_flags_a_hand_added_outside_grant_and_changes_nothing(demo, tutorsync):
    tutorsync("folders")
    folder = next(iter(manifests(demo).values()))
    url = str(folder["dir"].relative_to(demo).as_posix())
    add_hand_grant(demo, url, "someone@gmail.example", "writer")
    before = snapshot(demo)
    result = tutorsync("folders", "--audit", "--strict", expect=3)
    assert (
        "someone@gmail.example: writer (by hand)  <- outside the allowed domains" in result.output
    )
    assert snapshot(demo) == before
    audit = tutorsync.json("folders", "--audit")["audit"]
    flagged = [a for a in audit if a["findings"]]
    assert [a["folder"] for a in flagged] == [folder["key"]]


def test_audit_names_people_from_the_staff_list(demo, tutorsync):
    tutorsync("folders")
    result = tutorsync("folders", "--audit")
    assert "Ms. Okafor <ms.okafor@" in result.output  # a teacher, named as the staff list does
    audit = tutorsync.json("folders", "--audit")["audit"]
    named = {a["name"] for folder in audit for a in folder["access"] if "name" in a}
    assert "Ms. Okafor" in named
    unnamed = [a for folder in audit for a in folder["access"] if a["who"].startswith("coord")]
    assert all("name" not in a for a in unnamed)  # no staff row: the address alone, as before


def test_audit_of_a_program_whose_staff_list_cannot_be_read_shows_addresses(demo, tutorsync):
    tutorsync("folders")
    config = demo / "tutorsync.toml"
    text = config.read_text()
    assert '[sources.staff]\ntab = "Staff"' in text
    config.write_text(
        text.replace('[sources.staff]\ntab = "Staff"', '[sources.staff]\ntab = "Old"')
    )
    result = tutorsync("folders", "--audit")
    assert "1 warning in roster.xlsx › Old: staff list could not be read" in result.output
    assert "ms.okafor@" in result.output and "Ms. Okafor" not in result.output
